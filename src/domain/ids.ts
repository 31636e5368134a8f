import { randomBytes } from 'node:crypto';

/** The resource prefixes of API.md: every id is `<prefix>_<32 hex digits of a UUIDv7>`. */
export type IdPrefix = 'ws' | 'key' | 'ep' | 'evt' | 'dlv' | 'log' | 'req';

let lastMs = 0;
let sequence = 0;

/**
 * A new id that sorts by creation time: the hex digits of a UUIDv7 (48-bit unix ms, version 7,
 * a 12-bit sequence that keeps ids made in the same millisecond in order, 62 random bits).
 * `nowMs` defaults to the wall clock; pass the injected clock's time so ids and `created_at` agree.
 */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  let ms = Math.floor(nowMs);
  if (ms <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    ms = lastMs;
  } else {
    lastMs = ms;
    sequence = randomBytes(1)[0]! & 0x3f;
  }
  const random = randomBytes(8);
  random[0] = (random[0]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex =
    ms.toString(16).padStart(12, '0') +
    '7' +
    sequence.toString(16).padStart(3, '0') +
    random.toString('hex');
  return `${prefix}_${hex}`;
}

/** True when `value` is a well-formed id with the given prefix. */
export function isId(prefix: IdPrefix, value: string): boolean {
  return value.length === prefix.length + 33 && value.startsWith(`${prefix}_`) && /^[0-9a-f]{32}$/.test(value.slice(prefix.length + 1));
}
