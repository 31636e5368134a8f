import type { Flags, ParsedArgs } from './args.ts';

/** Each `HERALD_*` setting of the server as a flag: `--port` is `HERALD_PORT`, and so on (defaults as in the README). */
const SETTINGS: Array<[flag: string, variable: string, type: 'string' | 'boolean', description: string]> = [
  ['port', 'HERALD_PORT', 'string', 'where the API listens (8080; 0 picks a free port)'],
  ['host', 'HERALD_HOST', 'string', 'the address to listen on (127.0.0.1)'],
  ['database-url', 'HERALD_DATABASE_URL', 'string', 'a SQLite file path or postgres://… (./herald-data/herald.db)'],
  ['role', 'HERALD_ROLE', 'string', 'api, worker or all (all)'],
  ['api-key', 'HERALD_API_KEY', 'string', "the default workspace's key, when no key exists yet (generated)"],
  ['admin-key', 'HERALD_ADMIN_KEY', 'string', 'the admin key (admin routes off when unset)'],
  ['allow-http', 'HERALD_ALLOW_HTTP', 'boolean', 'accept http:// endpoint URLs'],
  ['allow-private-networks', 'HERALD_ALLOW_PRIVATE_NETWORKS', 'boolean', 'deliver to private, loopback and link-local addresses'],
  ['retry-schedule', 'HERALD_RETRY_SCHEDULE', 'string', 'delays between attempts (5s,5m,30m,2h,5h,10h,10h)'],
  ['retention-days', 'HERALD_RETENTION_DAYS', 'string', 'days events, deliveries and logs are kept (30)'],
  ['disable-after', 'HERALD_DISABLE_AFTER', 'string', 'disable an endpoint that only failed this long (5d)'],
  ['max-payload-bytes', 'HERALD_MAX_PAYLOAD_BYTES', 'string', 'largest event payload accepted (262144)'],
  ['concurrency', 'HERALD_CONCURRENCY', 'string', 'deliveries in flight per worker process (64)'],
  ['log-level', 'HERALD_LOG_LEVEL', 'string', 'pino log level (info)'],
  ['stream-heartbeat', 'HERALD_STREAM_HEARTBEAT', 'string', 'heartbeat period of the live tail (15s)'],
  ['purge-interval', 'HERALD_PURGE_INTERVAL', 'string', 'how often retention runs (1h)'],
  ['api-rate-limit', 'HERALD_API_RATE_LIMIT', 'string', 'API requests per second per key, 0 = off (1000)'],
  ['secret-key', 'HERALD_SECRET_KEY', 'string', 'encrypts endpoint secrets at rest (prefer the variable: flags show in ps)'],
];

/** The flags of `herald serve`, one per setting, each overriding its environment variable. */
export const SERVER_FLAGS: Flags = Object.fromEntries(
  SETTINGS.map(([flag, variable, type, description]) => [flag, { type, ...(type === 'string' ? { value: 'value' } : {}), description: `${description}; $${variable}` }]),
);

/** The environment with the given flags written over their variables, for `loadConfig`. */
export function serverEnv(args: ParsedArgs, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const merged = { ...env };
  for (const [flag, variable, type] of SETTINGS) {
    if (type === 'boolean' && args.boolean(flag)) merged[variable] = 'true';
    const value = type === 'string' ? args.string(flag) : undefined;
    if (value !== undefined) merged[variable] = value;
  }
  return merged;
}
