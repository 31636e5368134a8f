import type { KeysetPosition, ListWindow, SortKey } from '../list-query.ts';
import type { WhereBuilder } from './where-builder.ts';

/**
 * The ORDER BY, keyset condition and LIMIT/OFFSET of a list, for any table whose rows have an `id`.
 * `columns` maps each sortable field to its SQL expression. The id breaks ties in the direction of
 * the last sort key, so the order is total and a cursor never skips or repeats a row.
 */
export function windowSql<F extends string>(
  window: ListWindow<F>,
  columns: Record<F, string>,
  where: WhereBuilder,
  idColumn = 'id',
): string {
  const keys = window.sort.map((key) => ({ column: columns[key.field], descending: key.descending }));
  const last = window.sort.at(-1);
  keys.push({ column: idColumn, descending: last?.descending ?? true });
  if (window.after) addKeysetCondition(where, keys, window.after);
  const order = keys.map((key) => `${key.column} ${key.descending ? 'DESC' : 'ASC'}`).join(', ');
  const offset = window.offset ? ` OFFSET ${Math.floor(window.offset)}` : '';
  return `${where.toSql()} ORDER BY ${order} LIMIT ${Math.floor(window.limit) + 1}${offset}`;
}

function addKeysetCondition(
  where: WhereBuilder,
  keys: Array<{ column: string; descending: boolean }>,
  after: KeysetPosition,
): void {
  const values = [...after.values, after.id];
  const sameDirection = keys.every((key) => key.descending === keys[0]!.descending);
  if (sameDirection) {
    // A row-value comparison lets the database seek straight into the index.
    const op = keys[0]!.descending ? '<' : '>';
    where.add(`(${keys.map((key) => key.column).join(', ')}) ${op} (${keys.map(() => '?').join(', ')})`, ...values);
    return;
  }
  const branches: string[] = [];
  const params: Array<string | number | null> = [];
  keys.forEach((key, index) => {
    const equal = keys.slice(0, index).map((prior) => `${prior.column} = ?`);
    branches.push(`(${[...equal, `${key.column} ${key.descending ? '<' : '>'} ?`].join(' AND ')})`);
    params.push(...values.slice(0, index), values[index] ?? null);
  });
  where.add(`(${branches.join(' OR ')})`, ...params);
}

/** Cuts the extra row a window reads to learn whether another page follows. */
export function toPage<R>(rows: R[], limit: number): { rows: R[]; hasMore: boolean } {
  return rows.length > limit ? { rows: rows.slice(0, limit), hasMore: true } : { rows, hasMore: false };
}

/** The sort values of a row, as a cursor keeps them. */
export function keysetOf<F extends string>(sort: SortKey<F>[], values: Record<F, string | number | null>, id: string): KeysetPosition {
  return { values: sort.map((key) => values[key.field]), id };
}
