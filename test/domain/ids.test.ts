import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isId, newId, type IdPrefix } from '../../src/domain/ids.ts';

const PREFIXES: IdPrefix[] = ['ws', 'key', 'ep', 'evt', 'dlv', 'log'];

/** The 48-bit millisecond timestamp a UUIDv7 id starts with. */
function timestampOf(id: string): number {
  return Number.parseInt(id.slice(id.indexOf('_') + 1, id.indexOf('_') + 13), 16);
}

describe('newId', () => {
  for (const prefix of PREFIXES) {
    test(`${prefix}: the prefix, an underscore, then 32 lowercase hex digits`, () => {
      const id = newId(prefix);
      assert.match(id, new RegExp(`^${prefix}_[0-9a-f]{32}$`));
      assert.equal(isId(prefix, id), true);
    });
  }

  test('the hex digits are a UUIDv7: version 7, RFC 9562 variant, the wall clock (ms) in front', () => {
    const before = Date.now();
    const hex = newId('evt').slice(4);
    const after = Date.now();
    assert.equal(hex[12], '7', 'version nibble');
    assert.match(hex[16]!, /[89ab]/, 'variant bits 10xx');
    // A few ms of slack: a burst of ids in one ms may borrow the next millisecond (12-bit sequence).
    const at = timestampOf(`evt_${hex}`);
    assert.ok(at >= before && at <= after + 5, `${at} within [${before}, ${after}]`);
  });

  test('ids sort by creation time, even many within one millisecond', () => {
    const ids: string[] = [];
    for (let i = 0; i < 5000; i += 1) ids.push(newId('evt'));
    const sorted = [...ids].sort();
    assert.deepEqual(sorted, ids, 'string order equals creation order');
    const perMs = new Map<number, number>();
    for (const id of ids) perMs.set(timestampOf(id), (perMs.get(timestampOf(id)) ?? 0) + 1);
    assert.ok(Math.max(...perMs.values()) > 1, 'several ids shared a millisecond, so the sequence was exercised');
  });

  test('the random part never repeats and keeps the variant bits, across many refills of the random pool', () => {
    const tails = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const hex = newId('evt').slice(4);
      assert.match(hex[16]!, /[89ab]/);
      tails.add(hex.slice(16));
    }
    assert.equal(tails.size, 20_000);
  });

  test('ids made with the same clock reading still sort in creation order', () => {
    const frozen = Date.now();
    const ids = Array.from({ length: 300 }, () => newId('dlv', frozen));
    assert.deepEqual([...ids].sort(), ids);
  });

  test('a clock that steps backwards does not break the order', () => {
    const ids = [newId('log'), newId('log', Date.now() - 60_000), newId('log', 0), newId('log')];
    assert.deepEqual([...ids].sort(), ids);
  });

  test('10,000 ids are all different', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) ids.add(newId('evt'));
    assert.equal(ids.size, 10_000);
  });

  test('an injected clock reading is what the id carries', () => {
    const at = Date.now() + 1000; // ahead of every id made so far, so it is used as given
    assert.equal(timestampOf(newId('ep', at)), at);
  });
});

describe('isId', () => {
  test('rejects the wrong prefix, wrong length, upper case and non-hex', () => {
    const id = newId('ep');
    assert.equal(isId('evt', id), false);
    assert.equal(isId('ep', id.slice(0, -1)), false);
    assert.equal(isId('ep', `${id}0`), false);
    assert.equal(isId('ep', id.toUpperCase().replace('EP_', 'ep_')), false);
    assert.equal(isId('ep', `ep_${'g'.repeat(32)}`), false);
    assert.equal(isId('ep', `ep-${id.slice(3)}`), false);
  });
});
