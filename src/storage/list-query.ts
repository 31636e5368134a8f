/** One sort key: a column the list allows, and its direction. The row id always breaks ties. */
export interface SortKey<F extends string = string> {
  field: F;
  descending: boolean;
}

/** Where the previous page ended: the last row's sort values, then its id. */
export interface KeysetPosition {
  values: Array<string | number | null>;
  id: string;
}

/** How many rows to read and from where: after a keyset position (cursor mode) or an offset (page mode). */
export interface ListWindow<F extends string = string> {
  sort: SortKey<F>[];
  limit: number;
  after?: KeysetPosition;
  offset?: number;
}

/** A page of rows; `hasMore` is known without counting (one row more is read than returned). */
export interface ListPage<R> {
  rows: R[];
  hasMore: boolean;
}

/** Inclusive lower, exclusive upper bound on `created_at`, in epoch ms. */
export interface TimeRange {
  startTime?: number;
  endTime?: number;
}

/** Bounds on an HTTP status: any of the exact codes or classes (2 for 2xx), AND-ed with the comparisons. */
export interface HttpStatusFilter {
  exact?: number[];
  classes?: number[];
  gte?: number;
  gt?: number;
  lte?: number;
  lt?: number;
}
