import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_TYPE_FILTER_PATTERN, EVENT_TYPE_PATTERN, matchesEventTypes } from '../../src/domain/event-type-match.ts';

describe('matchesEventTypes', () => {
  test('null or an empty list subscribes to every event of the product', () => {
    for (const type of ['call.ended', 'invoice.paid', 'x']) {
      assert.equal(matchesEventTypes(null, type), true);
      assert.equal(matchesEventTypes([], type), true);
    }
  });

  test('* matches every event of the product', () => {
    for (const type of ['call.ended', 'call.leg.ended', 'a']) {
      assert.equal(matchesEventTypes(['*'], type), true);
    }
  });

  test("Herald's own herald.* events reach only endpoints that name them", () => {
    for (const type of ['herald.endpoint.disabled', 'herald.delivery.failed_permanent']) {
      assert.equal(matchesEventTypes(null, type), false, 'a catch-all endpoint is not sent operational events');
      assert.equal(matchesEventTypes(['*'], type), false);
      assert.equal(matchesEventTypes(['*.disabled'], type), false);
      assert.equal(matchesEventTypes(['herald.*'], type), true);
    }
    assert.equal(matchesEventTypes(['herald.endpoint.*'], 'herald.endpoint.disabled'), true);
    assert.equal(matchesEventTypes(['herald.endpoint.*'], 'herald.delivery.failed_permanent'), false);
  });

  test('an exact type matches only itself', () => {
    assert.equal(matchesEventTypes(['call.ended'], 'call.ended'), true);
    assert.equal(matchesEventTypes(['call.ended'], 'call.started'), false);
    assert.equal(matchesEventTypes(['call.ended'], 'call.ended.late'), false);
    assert.equal(matchesEventTypes(['call.ended'], 'xcall.ended'), false);
    assert.equal(matchesEventTypes(['call.ended'], 'Call.Ended'), false, 'case-sensitive');
  });

  test('a dot is a literal dot, not "any character"', () => {
    assert.equal(matchesEventTypes(['call.ended'], 'call_ended'), false);
    assert.equal(matchesEventTypes(['call.*'], 'callXended'), false);
  });

  test('call.* matches every call event, nested ones included, but not the bare prefix or others', () => {
    assert.equal(matchesEventTypes(['call.*'], 'call.ended'), true);
    assert.equal(matchesEventTypes(['call.*'], 'call.leg.ended'), true);
    assert.equal(matchesEventTypes(['call.*'], 'call'), false);
    assert.equal(matchesEventTypes(['call.*'], 'calls.ended'), false);
    assert.equal(matchesEventTypes(['call.*'], 'invoice.call.ended'), false);
  });

  test('a wildcard in front or in the middle', () => {
    assert.equal(matchesEventTypes(['*.failed'], 'invoice.failed'), true);
    assert.equal(matchesEventTypes(['*.failed'], 'invoice.paid'), false);
    assert.equal(matchesEventTypes(['invoice.*.failed'], 'invoice.payment.failed'), true);
    assert.equal(matchesEventTypes(['invoice.*.failed'], 'invoice.failed'), false);
  });

  test('any pattern of the list may match', () => {
    const patterns = ['invoice.paid', 'call.*'];
    assert.equal(matchesEventTypes(patterns, 'invoice.paid'), true);
    assert.equal(matchesEventTypes(patterns, 'call.started'), true);
    assert.equal(matchesEventTypes(patterns, 'invoice.failed'), false);
  });

  test('characters allowed in types (- and _) are matched literally', () => {
    assert.equal(matchesEventTypes(['user-signup.*'], 'user-signup.done'), true);
    assert.equal(matchesEventTypes(['user_signup'], 'user_signup'), true);
    assert.equal(matchesEventTypes(['a-b'], 'a_b'), false);
  });
});

describe('event type syntax', () => {
  const type = new RegExp(EVENT_TYPE_PATTERN);
  const filter = new RegExp(EVENT_TYPE_FILTER_PATTERN);

  test('types: letters, digits, dot, underscore, dash; 1–128 characters; no wildcard', () => {
    assert.ok(type.test('call.ended'));
    assert.ok(type.test('a'.repeat(128)));
    assert.ok(!type.test('a'.repeat(129)));
    assert.ok(!type.test(''));
    assert.ok(!type.test('call.*'));
    assert.ok(!type.test('call ended'));
  });

  test('patterns may also hold *', () => {
    assert.ok(filter.test('call.*'));
    assert.ok(filter.test('*'));
    assert.ok(!filter.test('call.?'));
  });
});
