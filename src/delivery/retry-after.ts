/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3) as a delay in milliseconds from `now`.
 * Accepts delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`; a date in
 * the past gives 0). Returns `null` when the header is absent or is neither form.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;

  // Date.parse is lenient ("1.5" is a date to V8), so insist on something date-like.
  if (!/^[a-z]{3,9},? /i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
