import type { Writable } from 'node:stream';
import type { Flags } from './args.ts';

/** Writes `value` as indented JSON and a newline: what `--json` prints. */
export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `1234` → `1,234`, for counts people read. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Milliseconds for people: `87 ms`, `1.24 s`, `—` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A cell for an optional value: the value, or `—`. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

/** `--json`: the API's answer as JSON on stdout, for scripts. */
export const JSON_FLAG = { json: { type: 'boolean', description: "print the API's JSON instead of a table" } } as const satisfies Flags;
