import type { ListPage, ListWindow, SortKey } from '../storage/list-query.ts';
import { CursorCodec } from './cursor-codec.ts';

/** How a caller asked for a page: cursor mode (default) or page mode, plus sort and `count`. */
export interface ListParams<F extends string> {
  sort: SortKey<F>[];
  limit: number;
  cursor?: string;
  /** Page mode when set (1-based); `limit` is then the page size. */
  page?: number;
  count: boolean;
}

/** What the list answer's `meta` says about paging. */
export interface PageMeta {
  hasMore: boolean;
  nextCursor: string | null;
  total?: number;
  page?: number;
  pageSize?: number;
  pages?: number;
}

/** How to read one resource's list. */
export interface ListSource<F extends string, R> {
  /** Names the list (e.g. `logs`), so a cursor cannot cross to another list. */
  scope: string;
  /** The filters, part of the cursor's fingerprint. */
  filters: unknown;
  read(window: ListWindow<F>): Promise<ListPage<R>>;
  count(): Promise<number>;
  /** The value of a sort field in a row, as storage compares it. */
  sortValue(row: R, field: F): string | number | null;
  id(row: R): string;
}

/** Reads one page in either mode and describes it: keyset in cursor mode, OFFSET in page mode. */
export async function paginate<F extends string, R>(
  codec: CursorCodec,
  params: ListParams<F>,
  source: ListSource<F, R>,
): Promise<{ rows: R[]; meta: PageMeta }> {
  const fingerprint = CursorCodec.fingerprint(source.scope, { filters: source.filters, sort: params.sort });
  if (params.page !== undefined) {
    const [page, total] = await Promise.all([
      source.read({ sort: params.sort, limit: params.limit, offset: (params.page - 1) * params.limit }),
      source.count(),
    ]);
    return {
      rows: page.rows,
      meta: { hasMore: page.hasMore, nextCursor: null, total, page: params.page, pageSize: params.limit, pages: Math.ceil(total / params.limit) },
    };
  }
  const after = params.cursor === undefined ? undefined : codec.decode(fingerprint, params.cursor);
  const [page, total] = await Promise.all([
    source.read({ sort: params.sort, limit: params.limit, ...(after ? { after } : {}) }),
    params.count ? source.count() : Promise.resolve(undefined),
  ]);
  const last = page.rows.at(-1);
  const nextCursor =
    page.hasMore && last !== undefined
      ? codec.encode(fingerprint, { values: params.sort.map((key) => source.sortValue(last, key.field)), id: source.id(last) })
      : null;
  return { rows: page.rows, meta: { hasMore: page.hasMore, nextCursor, ...(total === undefined ? {} : { total }) } };
}
