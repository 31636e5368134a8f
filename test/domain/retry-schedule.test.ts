import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RETRY_SCHEDULE, RETRY_JITTER, nextRetryDelay, parseRetrySchedule, type RetryInput } from '../../src/domain/retry-schedule.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('parseRetrySchedule', () => {
  test("API.md's default 5s,5m,30m,2h,5h,10h,10h", () => {
    assert.equal(DEFAULT_RETRY_SCHEDULE, '5s,5m,30m,2h,5h,10h,10h');
    assert.deepEqual(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE), [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]);
  });

  test('every unit: ms, s, m, h, d; spaces around parts are fine', () => {
    assert.deepEqual(parseRetrySchedule('100ms, 2s ,3m,4h,1d'), [100, 2 * S, 3 * M, 4 * H, 24 * H]);
    assert.deepEqual(parseRetrySchedule('1.5s'), [1500]);
  });

  const bad = ['', ' ', ',', '5', '5x', '5 s', 's', '-5s', '0s', '0ms', '5s,abc', '5s;5m', 'five seconds', '1.5.2s', '5S'];
  for (const text of bad) {
    test(`${JSON.stringify(text)} → null`, () => {
      assert.equal(parseRetrySchedule(text), null);
    });
  }
});

describe('nextRetryDelay', () => {
  const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)!;
  const input = (over: Partial<RetryInput>): RetryInput => ({ attemptsMade: 1, maxAttempts: 8, retryAfterMs: null, random: 0.5, ...over });

  test('random 0.5 gives the schedule exactly: attempt N is followed by delays[N-1]', () => {
    schedule.forEach((delay, index) => {
      assert.equal(nextRetryDelay(schedule, input({ attemptsMade: index + 1 })), delay);
    });
  });

  test('jitter stays within ±20 %: random 0 → 0.8×, random 0.999 → just under 1.2×', () => {
    assert.equal(RETRY_JITTER, 0.2);
    for (const [index, base] of schedule.entries()) {
      const low = nextRetryDelay(schedule, input({ attemptsMade: index + 1, random: 0 }))!;
      const high = nextRetryDelay(schedule, input({ attemptsMade: index + 1, random: 0.999 }))!;
      assert.equal(low, Math.round(base * 0.8), `low end after attempt ${index + 1}`);
      assert.ok(high <= base * 1.2 && high >= base * 1.199, `high end after attempt ${index + 1}: ${high} vs ${base}`);
    }
  });

  test('every random number in [0, 1) lands within ±20 % of the base', () => {
    for (let i = 0; i < 1000; i += 1) {
      const random = Math.random();
      const delay = nextRetryDelay(schedule, input({ attemptsMade: 2, random }))!;
      assert.ok(delay >= 0.8 * 5 * M && delay <= 1.2 * 5 * M, `random ${random} → ${delay}`);
    }
  });

  test('null once max_attempts attempts were made', () => {
    assert.equal(nextRetryDelay(schedule, input({ attemptsMade: 8, maxAttempts: 8 })), null);
    assert.equal(nextRetryDelay(schedule, input({ attemptsMade: 9, maxAttempts: 8 })), null);
    assert.equal(nextRetryDelay(schedule, input({ attemptsMade: 1, maxAttempts: 1 })), null);
    assert.equal(nextRetryDelay(schedule, input({ attemptsMade: 2, maxAttempts: 2, retryAfterMs: 1000 })), null, 'Retry-After does not add attempts');
    assert.notEqual(nextRetryDelay(schedule, input({ attemptsMade: 7, maxAttempts: 8 })), null);
  });

  test('past the end of the schedule the last delay repeats', () => {
    const short = parseRetrySchedule('1s,2s')!;
    assert.equal(nextRetryDelay(short, input({ attemptsMade: 2, maxAttempts: 10 })), 2 * S);
    assert.equal(nextRetryDelay(short, input({ attemptsMade: 3, maxAttempts: 10 })), 2 * S);
    assert.equal(nextRetryDelay(short, input({ attemptsMade: 9, maxAttempts: 10 })), 2 * S);
    assert.equal(nextRetryDelay(schedule, input({ attemptsMade: 20, maxAttempts: 30 })), 10 * H);
  });

  test('Retry-After is honoured as given, with no jitter, when within the schedule', () => {
    assert.equal(nextRetryDelay(schedule, input({ retryAfterMs: 120 * S, random: 0 })), 120 * S);
    assert.equal(nextRetryDelay(schedule, input({ retryAfterMs: 120 * S, random: 0.999 })), 120 * S);
    const fast = parseRetrySchedule('50ms,5s')!;
    assert.equal(nextRetryDelay(fast, input({ retryAfterMs: 1000 })), 1000, 'longer than this step, shorter than the maximum');
  });

  test("Retry-After is capped at the schedule's maximum, not at the current step", () => {
    assert.equal(nextRetryDelay(schedule, input({ retryAfterMs: 48 * H })), 10 * H);
    const fast = parseRetrySchedule('50ms,5s')!;
    assert.equal(nextRetryDelay(fast, input({ retryAfterMs: 60 * S })), 5 * S);
    assert.equal(nextRetryDelay(fast, input({ retryAfterMs: -5 })), 0, 'a negative Retry-After means now');
  });
});
