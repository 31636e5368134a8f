import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { invalidRequest } from '../domain/app-error.ts';
import type { KeysetPosition } from '../storage/list-query.ts';

/**
 * Opaque list cursors: the last row's keyset position, bound to the query it came from
 * (a hash of the route, filters and sort) and signed, so a cursor from another query or a forged
 * one is refused with 400 instead of returning wrong rows.
 */
export class CursorCodec {
  readonly #key: Buffer;

  /** `secret` is kept in storage so cursors survive restarts and work across processes. */
  constructor(secret: string) {
    this.#key = Buffer.from(secret, 'utf8');
  }

  /** A stable fingerprint of a query: route name, filters and sort, key order ignored. */
  static fingerprint(scope: string, query: unknown): string {
    return createHash('sha256').update(scope).update('\0').update(canonicalJson(query)).digest('base64url').slice(0, 16);
  }

  encode(fingerprint: string, position: KeysetPosition): string {
    const body = Buffer.from(JSON.stringify({ q: fingerprint, v: position.values, id: position.id })).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  /** The position in `cursor`; throws INVALID_REQUEST when forged, malformed or from another query. */
  decode(fingerprint: string, cursor: string): KeysetPosition {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined || !this.#verify(body, signature)) {
      throw invalidRequest('cursor', 'is not a cursor this server issued');
    }
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { q: string; v: KeysetPosition['values']; id: string };
    if (parsed.q !== fingerprint) {
      throw invalidRequest('cursor', 'belongs to a different query: keep the filters and sort of the request that returned it');
    }
    return { values: parsed.v, id: parsed.id };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url').slice(0, 22);
  }

  #verify(body: string, signature: string): boolean {
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** JSON with object keys sorted, so equal queries hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
