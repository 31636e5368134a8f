import type { Flags, ParsedArgs } from './args.ts';

/** The API's two paging modes as flags: cursor (`--limit`, `--cursor`) or pages (`--page`, `--page-size`). */
export const PAGING_FLAGS: Flags = {
  limit: { type: 'string', value: 'n', description: 'entries per page, 1–500 (default 50)' },
  cursor: { type: 'string', value: 'cursor', description: 'the next page: meta.next_cursor of the previous one' },
  page: { type: 'string', value: 'n', description: 'page mode: page number from 1 (answers the total)' },
  'page-size': { type: 'string', value: 'n', description: 'page mode: entries per page, 1–500' },
  count: { type: 'boolean', description: 'also count every match (costs more on a large log)' },
};

/** The list metadata the API answers, as far as the paging hint needs it. */
export interface PageMeta {
  has_more: boolean;
  next_cursor: string | null;
  total?: number;
  page?: number;
  pages?: number;
}

/** The query parameters for the paging flags that were given (validated by the API). */
export function pagingFrom(args: ParsedArgs): { limit?: string; cursor?: string; page?: string; page_size?: string; count?: string } {
  return {
    ...(args.string('limit') !== undefined ? { limit: args.string('limit') } : {}),
    ...(args.string('cursor') !== undefined ? { cursor: args.string('cursor') } : {}),
    ...(args.string('page') !== undefined ? { page: args.string('page') } : {}),
    ...(args.string('page-size') !== undefined ? { page_size: args.string('page-size') } : {}),
    ...(args.boolean('count') ? { count: 'true' } : {}),
  };
}

/** One line for stderr under a table: how many there are and how to get the next page, or null. */
export function pagingHint(meta: PageMeta, shown: number, noun: string): string | null {
  const parts: string[] = [];
  if (meta.page !== undefined && meta.pages !== undefined) parts.push(`page ${meta.page} of ${meta.pages}`);
  if (meta.total !== undefined) parts.push(`${meta.total} ${noun} in all`);
  if (meta.has_more && meta.next_cursor) parts.push(`more: add --cursor ${meta.next_cursor}`);
  if (parts.length === 0 && shown === 0) return `no ${noun}`;
  return parts.length > 0 ? parts.join('; ') : null;
}
