import { stripVTControlCharacters } from 'node:util';

/** One column of a {@link renderTable} table. */
export interface Column {
  header: string;
  /** Right-align (numbers). */
  right?: boolean;
  /** Longer cells are cut with `…` (default: no limit). */
  maxWidth?: number;
}

/**
 * Lays rows out in aligned columns under upper-case headers, two spaces apart, with no trailing
 * spaces. Cells may carry ANSI colour: widths count visible characters only.
 */
export function renderTable(columns: Column[], rows: string[][]): string {
  const cells = rows.map((row) => columns.map((column, index) => truncate(row[index] ?? '', column.maxWidth)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => visibleLength(row[index] ?? ''))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, index) => {
        const pad = ' '.repeat(Math.max(0, widths[index]! - visibleLength(cell)));
        return columns[index]!.right ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

function truncate(text: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || visibleLength(text) <= maxWidth) return text;
  return stripVTControlCharacters(text).slice(0, maxWidth - 1) + '…';
}

/** `key  value` lines with the keys aligned, for one record (`logs show`, `stats`). */
export function renderFields(fields: Array<[string, string]>): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${key.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}
