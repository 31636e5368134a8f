import { createSecretKey, type KeyObject } from 'node:crypto';
import { parseDuration } from './domain/durations.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule, type RetrySchedule } from './domain/retry-schedule.ts';

/** Which parts of Herald a process runs. */
export type Role = 'api' | 'worker' | 'all';

/** Herald's whole configuration. Read once, frozen; the only reader of `process.env`. */
export interface Config {
  /** `HERALD_PORT`, default 8080: where the API listens. */
  port: number;
  /** `HERALD_HOST`, default 127.0.0.1. */
  host: string;
  /** `HERALD_DATABASE_URL`, default `./herald-data/herald.db`: a SQLite path or `postgres://…`. */
  databaseUrl: string;
  /** `HERALD_ROLE`, default `all`. */
  role: Role;
  /** `HERALD_API_KEY`: the `default` workspace's key when no key exists yet; generated when unset. */
  apiKey: string | null;
  /** `HERALD_ADMIN_KEY`: the admin key; admin routes are off when unset. */
  adminKey: string | null;
  /** `HERALD_ALLOW_HTTP`, default false: accept `http://` endpoint URLs. */
  allowHttp: boolean;
  /** `HERALD_ALLOW_PRIVATE_NETWORKS`, default false: deliver to private, loopback, link-local addresses. */
  allowPrivateNetworks: boolean;
  /** `HERALD_RETRY_SCHEDULE`, default `5s,5m,30m,2h,5h,10h,10h`: delays between attempts, in ms. */
  retrySchedule: RetrySchedule;
  /** `HERALD_RETENTION_DAYS`, default 30. */
  retentionDays: number;
  /** `HERALD_DISABLE_AFTER`, default `5d`, in ms. */
  disableAfterMs: number;
  /** `HERALD_MAX_PAYLOAD_BYTES`, default 262144: the largest event payload accepted. */
  maxPayloadBytes: number;
  /** `HERALD_CONCURRENCY`, default 64: deliveries in flight per worker process. */
  concurrency: number;
  /** `HERALD_LOG_LEVEL`, default `info`: pino's level. */
  logLevel: string;
  /** `HERALD_STREAM_HEARTBEAT`, default `15s`: how often an idle live tail sends a heartbeat comment. */
  streamHeartbeatMs: number;
  /** `HERALD_PURGE_INTERVAL`, default `1h`: how often retention looks for expired rows. */
  purgeIntervalMs: number;
  /** `HERALD_API_RATE_LIMIT`, default 1000: API requests per second per key (bursts of the same size); 0 turns it off. */
  apiRateLimitPerS: number;
  /**
   * `HERALD_SECRET_KEY`, default none (secrets stored as given): 32 random bytes, written as 64 hex
   * digits or base64 (`openssl rand -base64 32`). When set, endpoint secrets are encrypted at rest with
   * AES-256-GCM under this key. Held as a `KeyObject`, which never prints its bytes.
   */
  secretKey: KeyObject | null;
}

/** A configuration problem, named after its variable, that stops start-up. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Reads and checks the environment. Throws `ConfigError` with a one-line message naming the variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const role = read('HERALD_ROLE') ?? 'all';
  if (role !== 'api' && role !== 'worker' && role !== 'all') {
    throw new ConfigError(`HERALD_ROLE must be api, worker or all, not "${role}"`);
  }
  const schedule = parseRetrySchedule(read('HERALD_RETRY_SCHEDULE') ?? DEFAULT_RETRY_SCHEDULE);
  if (schedule === null) {
    throw new ConfigError('HERALD_RETRY_SCHEDULE must be a comma-separated list of durations such as 5s,5m,2h (units ms, s, m, h, d)');
  }
  const disableAfter = duration(read, 'HERALD_DISABLE_AFTER', '5d');
  return Object.freeze({
    port: integer(read, 'HERALD_PORT', 8080, 0, 65535),
    host: read('HERALD_HOST') ?? '127.0.0.1',
    databaseUrl: read('HERALD_DATABASE_URL') ?? './herald-data/herald.db',
    role,
    apiKey: read('HERALD_API_KEY') ?? null,
    adminKey: read('HERALD_ADMIN_KEY') ?? null,
    allowHttp: boolean(read, 'HERALD_ALLOW_HTTP'),
    allowPrivateNetworks: boolean(read, 'HERALD_ALLOW_PRIVATE_NETWORKS'),
    retrySchedule: schedule,
    retentionDays: integer(read, 'HERALD_RETENTION_DAYS', 30, 1, 36_500),
    disableAfterMs: disableAfter,
    maxPayloadBytes: integer(read, 'HERALD_MAX_PAYLOAD_BYTES', 262_144, 1, 64 * 1024 * 1024),
    concurrency: integer(read, 'HERALD_CONCURRENCY', 64, 1, 10_000),
    logLevel: read('HERALD_LOG_LEVEL') ?? 'info',
    streamHeartbeatMs: duration(read, 'HERALD_STREAM_HEARTBEAT', '15s'),
    purgeIntervalMs: duration(read, 'HERALD_PURGE_INTERVAL', '1h'),
    apiRateLimitPerS: integer(read, 'HERALD_API_RATE_LIMIT', 1000, 0, 1_000_000),
    secretKey: secretKey(read('HERALD_SECRET_KEY')),
  });
}

function integer(read: (name: string) => string | undefined, name: string, fallback: number, min: number, max: number): number {
  const text = read(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

function duration(read: (name: string) => string | undefined, name: string, fallback: string): number {
  const text = read(name) ?? fallback;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new ConfigError(`${name} must be a duration such as 500ms, 15s, 12h or 5d, not "${text}"`);
  return ms;
}

function boolean(read: (name: string) => string | undefined, name: string): boolean {
  const text = read(name)?.toLowerCase();
  if (text === undefined || text === 'false' || text === '0' || text === 'no') return false;
  if (text === 'true' || text === '1' || text === 'yes') return true;
  throw new ConfigError(`${name} must be true or false, not "${text}"`);
}

/**
 * `HERALD_SECRET_KEY` → an AES-256 key. Exactly 32 bytes, as 64 hex digits or base64/base64url
 * (no passphrases: a key that is not random would make the encryption only as strong as a guess).
 * The message never quotes the value, which is a secret.
 */
function secretKey(text: string | undefined): KeyObject | null {
  if (text === undefined) return null;
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes === null || bytes.length !== 32) {
    throw new ConfigError(`HERALD_SECRET_KEY must be 32 random bytes as 64 hex digits or base64 (make one with: openssl rand -base64 32); the value given is ${text.length} characters`);
  }
  return createSecretKey(bytes);
}
