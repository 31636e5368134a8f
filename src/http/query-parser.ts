import { invalidRequest } from '../domain/app-error.ts';
import type { SortKey } from '../storage/list-query.ts';
import type { ListParams } from '../services/paginate.ts';

/** The raw query string as Fastify parsed it. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** What one list route accepts. */
export interface ListSpec<F extends string> {
  sortFields: readonly F[];
  /** Field names `fields=` may name. */
  fields: readonly string[];
  /** Filter parameter names, besides the paging ones and `tag[K]`. */
  filters: readonly string[];
  /** Whether `tag[K]=V` filters are accepted. */
  tags: boolean;
}

const PAGING = ['limit', 'cursor', 'page', 'page_size', 'count', 'sort', 'fields'];
const TAG_PARAM = /^tag\[([A-Za-z0-9_.-]{1,64})\]$/;

/** A parsed list request: paging, the sparse field list, and the raw filter values to interpret. */
export interface ParsedList<F extends string> {
  params: ListParams<F>;
  fields: string[] | null;
  filters: Record<string, string>;
  tags: Record<string, string> | undefined;
}

/**
 * Reads the paging, sort and `fields` parameters every list shares, and collects the filters.
 * Unknown parameters, repeated parameters and out-of-range values are 400s naming the parameter.
 */
export function parseListQuery<F extends string>(query: RawQuery, spec: ListSpec<F>): ParsedList<F> {
  const values: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    if (Array.isArray(raw)) throw invalidRequest(name, 'was given more than once; give it once (lists are comma-separated)');
    const tag = TAG_PARAM.exec(name);
    if (tag && spec.tags) tags[tag[1]!] = raw;
    else if (PAGING.includes(name) || spec.filters.includes(name)) values[name] = raw;
    else throw invalidRequest(name, `is not a filter of this list; known: ${[...spec.filters, ...(spec.tags ? ['tag[K]'] : []), ...PAGING].join(', ')}`);
  }
  if (values.page !== undefined && values.cursor !== undefined) throw invalidRequest('page', 'cannot be combined with cursor: choose page mode or cursor mode');
  const pageMode = values.page !== undefined || values.page_size !== undefined;
  const limit = pageMode
    ? integerParam('page_size', values.page_size ?? values.limit, 50, 1, 500)
    : integerParam('limit', values.limit, 50, 1, 500);
  const page = pageMode ? integerParam('page', values.page, 1, 1, 1_000_000) : undefined;
  const params: ListParams<F> = {
    sort: parseSort(values.sort, spec.sortFields),
    limit,
    count: booleanParam('count', values.count),
    ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
    ...(page !== undefined ? { page } : {}),
  };
  const filters = Object.fromEntries(Object.entries(values).filter(([name]) => !PAGING.includes(name)));
  return { params, fields: parseFields(values.fields, spec.fields), filters, tags: Object.keys(tags).length > 0 ? tags : undefined };
}

function parseSort<F extends string>(text: string | undefined, allowed: readonly F[]): SortKey<F>[] {
  if (text === undefined || text.trim() === '') return [{ field: 'created_at' as F, descending: true }];
  const keys = text.split(',').map((part) => part.trim());
  const seen = new Set<string>();
  return keys.map((part) => {
    const descending = part.startsWith('-');
    const field = (descending || part.startsWith('+') ? part.slice(1) : part) as F;
    if (!allowed.includes(field)) throw invalidRequest('sort', `cannot sort by "${field}"; sortable: ${allowed.join(', ')}`);
    if (seen.has(field)) throw invalidRequest('sort', `names ${field} twice`);
    seen.add(field);
    return { field, descending };
  });
}

function parseFields(text: string | undefined, allowed: readonly string[]): string[] | null {
  if (text === undefined) return null;
  const fields = text.split(',').map((f) => f.trim()).filter((f) => f !== '');
  const unknown = fields.filter((f) => !allowed.includes(f));
  if (unknown.length > 0) throw invalidRequest('fields', `names unknown fields: ${unknown.join(', ')}`);
  return fields;
}

/** A whole number within bounds, or the default when absent. */
export function integerParam(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) throw invalidRequest(name, `must be between ${min} and ${max}`);
  return value;
}

export function booleanParam(name: string, text: string | undefined): boolean {
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw invalidRequest(name, 'must be true or false');
}

/** The largest time a JavaScript `Date` holds, in ms either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/** An ISO 8601 timestamp (or epoch ms) → epoch ms. */
export function timeParam(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  // Within the range of a JavaScript date (±8.64e15 ms): a bigger number would overflow PostgreSQL's bigint.
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS || !/^\d{4}-\d{2}-\d{2}|^\d+$/.test(text)) {
    throw invalidRequest(name, 'must be an ISO 8601 timestamp such as 2026-01-15T09:30:00.000Z');
  }
  return ms;
}

/** A comma list whose items each pass `check`. */
export function listParam<T extends string>(name: string, text: string | undefined, check: (item: string) => item is T, expected: string): T[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const bad = items.find((item) => !check(item));
  if (items.length === 0 || bad !== undefined) throw invalidRequest(name, `must be ${expected}${bad ? `, not "${bad}"` : ''}`);
  return items as T[];
}

/** One value of a closed set. */
export function enumParam<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw invalidRequest(name, `must be one of ${allowed.join(', ')}`);
  return text as T;
}

/** An id with the right prefix; anything else can match nothing, so it is a 400. */
export function idParam(name: string, text: string | undefined, prefix: string): string | undefined {
  if (text === undefined) return undefined;
  if (!new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(text)) throw invalidRequest(name, `must be an id like ${prefix}_ followed by 32 hex digits`);
  return text;
}
