import type { paths } from '../client/index.ts';
import { UsageError, type Flags, type ParsedArgs } from './args.ts';

/** The body of `PATCH /v1/endpoints/{id}` (every field optional). */
export type EndpointChanges = NonNullable<paths['/v1/endpoints/{id}']['patch']['requestBody']>['content']['application/json'];

/** The endpoint settings as flags, shared by `endpoints create` and `endpoints update`. */
export const ENDPOINT_FLAGS: Flags = {
  description: { type: 'string', value: 'text', description: 'a note for people' },
  'event-type': { type: 'string', multiple: true, value: 'type', description: 'subscribe to this type or pattern (call.*), or a comma list; default every event' },
  method: { type: 'string', value: 'POST|PUT|PATCH', description: 'HTTP method (default POST)' },
  header: { type: 'string', multiple: true, value: 'name:value', description: 'send this header with every request (on update: replaces them all)' },
  secret: { type: 'string', value: 'whsec_…', description: 'signing secret, whsec_ + base64 (generated when omitted on create)' },
  'timeout-ms': { type: 'string', value: 'ms', description: 'answer within this long or fail (default 15000)' },
  'max-attempts': { type: 'string', value: 'n', description: 'attempts before failed_permanent (default 8)' },
  'rate-limit': { type: 'string', value: 'per-second', description: 'at most this many requests per second' },
  metadata: { type: 'string', value: 'json', description: 'a JSON object stored with the endpoint' },
};

/** The endpoint fields for the {@link ENDPOINT_FLAGS} that were given. */
export function endpointChangesFrom(args: ParsedArgs): EndpointChanges {
  const changes: EndpointChanges = {};
  const description = args.string('description');
  if (description !== undefined) changes.description = description;
  const eventTypes = args.strings('event-type').flatMap((text) => text.split(',')).map((type) => type.trim()).filter(Boolean);
  if (eventTypes.length > 0) changes.event_types = eventTypes;
  const method = args.string('method')?.toUpperCase();
  if (method !== undefined) {
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') throw new UsageError(`--method must be POST, PUT or PATCH, not "${method}"`);
    changes.method = method;
  }
  const headers = args.strings('header');
  if (headers.length > 0) changes.headers = Object.fromEntries(headers.map(headerPair));
  const secret = args.string('secret');
  if (secret !== undefined) changes.secret = secret;
  const timeout = args.integer('timeout-ms', 1, 3_600_000);
  if (timeout !== undefined) changes.timeout_ms = timeout;
  const maxAttempts = args.integer('max-attempts', 1, 1000);
  if (maxAttempts !== undefined) changes.max_attempts = maxAttempts;
  const rate = args.integer('rate-limit', 1, 1_000_000);
  if (rate !== undefined) changes.rate_limit_per_s = rate;
  const metadata = args.string('metadata');
  if (metadata !== undefined) changes.metadata = jsonObject('metadata', metadata);
  return changes;
}

function headerPair(text: string): [string, string] {
  const match = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(text);
  if (!match) throw new UsageError(`--header must be name:value, not "${text}"`);
  return [match[1]!, match[2]!];
}

function jsonObject(flag: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--${flag} must be JSON, e.g. '{"team":"billing"}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}
