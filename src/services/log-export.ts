import type { SortKey } from '../storage/list-query.ts';
import type { AttemptRecord } from '../storage/records.ts';
import type { AttemptFilters, AttemptSortField } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { attemptSortValue } from './log-service.ts';

/** Log entries read from storage at a time by an export. */
export const EXPORT_PAGE_SIZE = 1000;

/**
 * Every log entry matching `filters`, in `sort` order, as keyset pages of `pageSize` read one at
 * a time as the consumer asks for them: a slow consumer holds storage at one page.
 *
 * The first page is read before this resolves, so a failing read is an ordinary error before a
 * response has started. Entries created after the call are left out (the window ends at the
 * clock's now), so an export in `created_at` order ends even while the log grows.
 */
export async function exportLogPages(
  ctx: ServiceContext,
  filters: AttemptFilters,
  sort: SortKey<AttemptSortField>[],
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncGenerator<AttemptRecord[], void, undefined>> {
  const endTime = Math.min(filters.endTime ?? Number.POSITIVE_INFINITY, ctx.clock.now() + 1);
  const snapshot: AttemptFilters = { ...filters, endTime };
  const read = (after?: AttemptRecord) =>
    ctx.storage.listAttempts(snapshot, {
      sort,
      limit: pageSize,
      ...(after ? { after: { values: sort.map((key) => attemptSortValue(after, key.field)), id: after.id } } : {}),
    });
  const first = await read();
  return (async function* pages() {
    let page = first;
    for (;;) {
      if (page.rows.length > 0) yield page.rows;
      const last = page.rows.at(-1);
      if (!page.hasMore || last === undefined) return;
      page = await read(last);
    }
  })();
}

/** A value of one CSV cell: null is an empty cell. */
export type CsvValue = string | number | boolean | null;

/**
 * One CSV record per RFC 4180, ending in CRLF: a cell holding `"`, `,`, CR or LF is quoted, with
 * its quotes doubled; null is an empty cell; booleans are `true`/`false`.
 */
export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: CsvValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
