import { randomBytes } from 'node:crypto';
import fc from 'fast-check';

// fast-check arbitraries for hostile API input: query strings, path ids and JSON bodies.

const hex32 = () => randomBytes(16).toString('hex');

/** Values that break parsers: empty, signs, huge numbers, dates, ids, SQL and JSON fragments. */
const tricky = fc.constantFrom(
  '', ' ', '-1', '0', '1', '2', '500', '501', '1000000000000', '9'.repeat(40), '1e3', '0x10', 'NaN', 'Infinity', '-0', '1.5',
  'true', 'false', 'null', 'undefined', '[]', '{}', '2026-01-15T09:30:00.000Z', '2026-13-45', '0000-00-00', '275760-09-13T00:00:00.000Z',
  `ep_${hex32()}`, `evt_${hex32()}`, `dlv_${hex32()}`, `log_${hex32()}`, 'ep_', "' OR 1=1 --", '"; DROP TABLE events; --',
  '\u0000', '\\', '*', '%', '_', '-created_at', 'created_at,created_at', ',,,', '5xx', '6xx', 'xx', 'POST,GET', 'failed',
  'succeeded,failed', 'scheduled', 'ndjson', 'csv', 'id,status', '1m', '0s', '-5m', '1000d', '1ms',
);

/** Raw text for a URL: percent escapes, valid and not (`%`, `%zz`, a cut UTF-8 sequence, a lone surrogate). */
const percentGarbage = fc
  .array(fc.constantFrom('%', '%2', '%zz', '%00', '%E0%A4', '%ED%A0%80', '%FF', '%2C', '%5B', '%5D', '%26', '%3D', '+', 'a', '%C3%A9', '%25'), { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join(''));

/** Any string: ASCII, unicode graphemes, tricky values, huge. */
export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: tricky },
  { weight: 1, arbitrary: fc.string({ minLength: 1000, maxLength: 5000, unit: 'grapheme-ascii' }) },
);

/** One query parameter: a name the route knows (or not), a value, encoded or raw. */
function queryPair(knownNames: readonly string[]) {
  const name = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...knownNames, 'limit', 'cursor', 'page', 'page_size', 'count', 'sort', 'fields') },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map((k) => `tag[${k}]`) },
    { weight: 1, arbitrary: fc.constantFrom('tag[]', 'tag[call_id]', 'http_status[gte]', 'http_status[eq]', 'a[b][c]', '__proto__', 'constructor', 'hasOwnProperty') },
  );
  const value = fc.oneof({ weight: 4, arbitrary: anyText.map(encodeURIComponent) }, { weight: 1, arbitrary: percentGarbage });
  return fc.tuple(name, value, fc.boolean()).map(([n, v, encodeName]) => `${encodeName ? encodeURIComponent(n) : n}=${v}`);
}

/** A whole query string (with its `?`, or empty): repeated parameters included, sometimes several KiB. */
export function queryString(knownNames: readonly string[]) {
  return fc
    .oneof(
      { weight: 6, arbitrary: fc.array(queryPair(knownNames), { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.array(queryPair(knownNames), { minLength: 1, maxLength: 3 }).map((pairs) => [...pairs, ...pairs]) },
      { weight: 1, arbitrary: fc.constantFrom(['&&&'], ['='], ['=x'], ['a'], ['a=1=2'], ['limit'], ['%'], ['?']) },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

/** A path id: a real one, a well-formed unknown one, a wrong prefix, junk, escapes, long. */
export function pathId(prefix: string, real: () => string[]) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((i) => real()[i % Math.max(1, real().length)] ?? `${prefix}_${hex32()}`) },
    { weight: 2, arbitrary: fc.constant(null).map(() => `${prefix}_${hex32()}`) },
    { weight: 1, arbitrary: fc.constantFrom('ep', 'evt', 'dlv', 'log', 'ws', 'key').map((p) => `${p}_${hex32()}`) },
    { weight: 2, arbitrary: anyText.filter((t) => t.length > 0 && t.length < 300).map(encodeURIComponent) },
    { weight: 1, arbitrary: percentGarbage },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2F', '%2e%2e', 'a%2Fb', '%20', '~', `${prefix}_${'0'.repeat(31)}`, `${prefix.toUpperCase()}_${hex32()}`) },
  );
}

/** Arrays or objects nested `depth` deep, around a leaf. */
function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

/** A JSON value made to break things: wrong types, nulls, huge strings and numbers, deep nesting. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, [null], { '': null }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 100 }), fc.jsonValue({ maxDepth: 1 })).map(([depth, leaf]) => nested(depth, leaf)) },
  { weight: 1, arbitrary: fc.string({ minLength: 10_000, maxLength: 70_000, unit: 'grapheme-ascii' }) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 10 }), { maxLength: 200 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 40 }) },
);

/**
 * An object body for a route: its known fields, each either a plausible value (from `plausible`) or a
 * wild one, some left out, sometimes extra unknown fields.
 */
export function objectBody(plausible: Record<string, fc.Arbitrary<unknown>>) {
  const fields = Object.entries(plausible).map(([name, arbitrary]) =>
    fc.option(fc.tuple(fc.constant(name), fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: wildValue })), { nil: undefined, freq: 3 }),
  );
  const extras = fc.oneof(
    { weight: 5, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), wildValue, { maxKeys: 3 }) },
  );
  return fc.tuple(fc.tuple(...fields), extras).map(([pairs, extra]) => ({
    ...Object.fromEntries(pairs.filter((pair): pair is [string, unknown] => pair !== undefined)),
    ...extra,
  }));
}

/** A request body as sent: JSON of `shaped` mostly, else any JSON, broken JSON, nothing, or another content type. */
export function requestBody(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<{ payload?: string; contentType?: string }> {
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map((value) => ({ payload: JSON.stringify(value), contentType: 'application/json' })) },
    { weight: 2, arbitrary: wildValue.map((value) => ({ payload: JSON.stringify(value) ?? 'null', contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'nul', '"\\ud800"', '\u0000', '{}}', ' ').map((payload) => ({ payload, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data', 'application/xml', 'application/json-patch+json').map((contentType) => ({ payload: '{"a":1}', contentType })) },
  );
}
