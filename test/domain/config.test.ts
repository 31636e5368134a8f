import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config.ts';

const S = 1000;
const H = 3600 * S;

/** Asserts that `env` is refused with a one-line ConfigError naming `variable`; returns the message. */
function refused(env: Record<string, string>, variable: string): string {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}, got ${String(caught)}`);
  assert.match(caught.message, new RegExp(`\\b${variable}\\b`), 'the message names the variable');
  assert.doesNotMatch(caught.message, /\n/, 'one line');
  assert.ok(caught.message.length < 200, 'short enough to read at start-up');
  return caught.message;
}

describe('loadConfig defaults (API.md "Configuration")', () => {
  const config = loadConfig({});

  const table: Array<[string, unknown, unknown]> = [
    ['HERALD_PORT', config.port, 8080],
    ['HERALD_HOST', config.host, '127.0.0.1'],
    ['HERALD_DATABASE_URL', config.databaseUrl, './herald-data/herald.db'],
    ['HERALD_ROLE', config.role, 'all'],
    ['HERALD_API_KEY', config.apiKey, null],
    ['HERALD_ADMIN_KEY', config.adminKey, null],
    ['HERALD_ALLOW_HTTP', config.allowHttp, false],
    ['HERALD_ALLOW_PRIVATE_NETWORKS', config.allowPrivateNetworks, false],
    ['HERALD_RETRY_SCHEDULE', config.retrySchedule, [5 * S, 300 * S, 1800 * S, 2 * H, 5 * H, 10 * H, 10 * H]],
    ['HERALD_RETENTION_DAYS', config.retentionDays, 30],
    ['HERALD_DISABLE_AFTER', config.disableAfterMs, 5 * 24 * H],
    ['HERALD_MAX_PAYLOAD_BYTES', config.maxPayloadBytes, 262_144],
    ['HERALD_CONCURRENCY', config.concurrency, 64],
  ];
  for (const [variable, actual, expected] of table) {
    test(`${variable} defaults to ${JSON.stringify(expected)}`, () => assert.deepEqual(actual, expected));
  }

  test('the default schedule means 8 attempts in all', () => assert.equal(config.retrySchedule.length + 1, 8));

  test('the config is frozen', () => {
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  test('blank values mean unset', () => {
    assert.deepEqual(loadConfig({}), loadConfig({ HERALD_PORT: '', HERALD_ROLE: '  ' }));
  });
});

describe('loadConfig reads each variable', () => {
  test('values given are used, trimmed', () => {
    const config = loadConfig({
      HERALD_PORT: ' 9090 ', HERALD_HOST: '0.0.0.0', HERALD_DATABASE_URL: '/tmp/h.db', HERALD_ROLE: 'worker',
      HERALD_API_KEY: 'hk_1', HERALD_ADMIN_KEY: 'adm_1', HERALD_ALLOW_HTTP: 'true', HERALD_ALLOW_PRIVATE_NETWORKS: '1',
      HERALD_RETRY_SCHEDULE: '100ms,200ms', HERALD_RETENTION_DAYS: '7', HERALD_DISABLE_AFTER: '12h',
      HERALD_MAX_PAYLOAD_BYTES: '1024', HERALD_CONCURRENCY: '4',
    });
    assert.equal(config.port, 9090);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.databaseUrl, '/tmp/h.db');
    assert.equal(config.role, 'worker');
    assert.equal(config.apiKey, 'hk_1');
    assert.equal(config.adminKey, 'adm_1');
    assert.equal(config.allowHttp, true);
    assert.equal(config.allowPrivateNetworks, true);
    assert.deepEqual(config.retrySchedule, [100, 200]);
    assert.equal(config.retentionDays, 7);
    assert.equal(config.disableAfterMs, 12 * H);
    assert.equal(config.maxPayloadBytes, 1024);
    assert.equal(config.concurrency, 4);
  });

  test('every role is accepted', () => {
    for (const role of ['api', 'worker', 'all'] as const) assert.equal(loadConfig({ HERALD_ROLE: role }).role, role);
  });

  test('booleans: true/false, 1/0, yes/no, any case', () => {
    for (const yes of ['true', 'TRUE', '1', 'yes']) assert.equal(loadConfig({ HERALD_ALLOW_HTTP: yes }).allowHttp, true);
    for (const no of ['false', 'False', '0', 'no']) assert.equal(loadConfig({ HERALD_ALLOW_HTTP: no }).allowHttp, false);
  });

  test('port 0 (pick a free port) is allowed', () => assert.equal(loadConfig({ HERALD_PORT: '0' }).port, 0));
});

describe('loadConfig refuses bad values with a ConfigError naming the variable', () => {
  for (const role of ['both', 'API', 'workers', 'none']) {
    test(`HERALD_ROLE=${role}`, () => {
      const message = refused({ HERALD_ROLE: role }, 'HERALD_ROLE');
      assert.ok(message.includes(role), 'quotes the bad value');
    });
  }
  for (const schedule of ['5x', '5s,,5m,x', ',', '5', '0s', '-5s', '5 minutes']) {
    test(`HERALD_RETRY_SCHEDULE=${schedule}`, () => void refused({ HERALD_RETRY_SCHEDULE: schedule }, 'HERALD_RETRY_SCHEDULE'));
  }
  for (const port of ['abc', '70000', '65536', '-1', '80.5', '8080abc', '1e3x']) {
    test(`HERALD_PORT=${port}`, () => {
      const message = refused({ HERALD_PORT: port }, 'HERALD_PORT');
      assert.ok(message.includes(port), 'quotes the bad value');
    });
  }
  const others: Array<[string, string]> = [
    ['HERALD_CONCURRENCY', '0'],
    ['HERALD_CONCURRENCY', 'many'],
    ['HERALD_RETENTION_DAYS', '0'],
    ['HERALD_MAX_PAYLOAD_BYTES', '-1'],
    ['HERALD_ALLOW_HTTP', 'maybe'],
    ['HERALD_ALLOW_PRIVATE_NETWORKS', 'sure'],
    ['HERALD_DISABLE_AFTER', '5 days'],
    ['HERALD_DISABLE_AFTER', '0d'],
  ];
  for (const [variable, value] of others) {
    test(`${variable}=${value}`, () => void refused({ [variable]: value }, variable));
  }
});

describe('HERALD_SECRET_KEY (endpoint secrets encrypted at rest)', () => {
  test('unset means no encryption', () => assert.equal(loadConfig({}).secretKey, null));

  test('32 bytes as hex, base64 or base64url give an AES-256 key that never prints its bytes', () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), ` ${bytes.toString('hex').toUpperCase()} `]) {
      const key = loadConfig({ HERALD_SECRET_KEY: text }).secretKey;
      assert.equal(key?.symmetricKeySize, 32);
      assert.ok(key.export().equals(bytes), 'the same bytes, whatever the spelling');
      assert.ok(!inspect(key).includes(bytes.toString('hex')) && !inspect(key).includes(bytes.toString('base64')));
    }
  });

  const bad: Array<[string, string]> = [
    ['a passphrase', 'correct horse battery staple'],
    ['31 bytes of base64', randomBytes(31).toString('base64')],
    ['33 bytes of base64', randomBytes(33).toString('base64')],
    ['63 hex digits', randomBytes(32).toString('hex').slice(1)],
    ['not hex', 'z'.repeat(64)],
  ];
  for (const [what, value] of bad) {
    test(`${what} is refused, and the message does not quote it`, () => {
      const message = refused({ HERALD_SECRET_KEY: value }, 'HERALD_SECRET_KEY');
      assert.ok(!message.includes(value), 'the key is a secret: never echoed');
    });
  }
});
