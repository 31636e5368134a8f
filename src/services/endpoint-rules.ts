import { validationFailed, type ErrorDetail, AppError } from '../domain/app-error.ts';
import { EVENT_TYPE_FILTER_PATTERN } from '../domain/event-type-match.ts';
import { isValidSecret } from '../domain/signature.ts';

// Checks on endpoint fields that a JSON schema cannot express. Each returns the field's problems.

/** Header names a user may not set: Herald owns them, or they would break HTTP framing. */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'expect', 'proxy-authorization', 'proxy-connection', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'herald-event-type',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const MAX_HEADERS = 32;
const MAX_HEADER_VALUE = 4096;
const MAX_EVENT_TYPES = 100;
const MAX_METADATA_BYTES = 16_384;

/** Custom headers: valid names, none reserved, values without CR/LF or NUL. */
export function headerProblems(headers: Record<string, unknown>): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) problems.push({ field: 'headers', message: `must have at most ${MAX_HEADERS} headers` });
  for (const name of names) {
    const value = headers[name];
    const field = `headers.${name}`;
    if (!HEADER_NAME.test(name)) problems.push({ field, message: 'is not a valid header name' });
    else if (RESERVED_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('webhook-')) {
      problems.push({ field, message: 'is set by Herald and cannot be overridden' });
    }
    if (typeof value !== 'string') problems.push({ field, message: 'must be a string' });
    else if (/[\r\n\0]/.test(value)) problems.push({ field, message: 'must not contain CR, LF or NUL characters' });
    else if (value.length > MAX_HEADER_VALUE) problems.push({ field, message: `must be at most ${MAX_HEADER_VALUE} characters` });
  }
  return problems;
}

/** `event_types`: 1–100 patterns of letters, digits, `.`, `_`, `-` and `*`. */
export function eventTypeProblems(eventTypes: string[]): ErrorDetail[] {
  if (eventTypes.length === 0) return [{ field: 'event_types', message: 'must not be empty: omit it (or send null) to receive every event' }];
  if (eventTypes.length > MAX_EVENT_TYPES) return [{ field: 'event_types', message: `must have at most ${MAX_EVENT_TYPES} entries` }];
  const pattern = new RegExp(EVENT_TYPE_FILTER_PATTERN);
  return eventTypes
    .map((type, index) => (pattern.test(type) ? null : { field: `event_types[${index}]`, message: 'may hold only letters, digits, ".", "_", "-" and "*" (1–128 characters)' }))
    .filter((problem): problem is ErrorDetail => problem !== null);
}

export function metadataProblems(metadata: Record<string, unknown>): ErrorDetail[] {
  return Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES
    ? [{ field: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` }]
    : [];
}

export function secretProblems(secret: string): ErrorDetail[] {
  return isValidSecret(secret) ? [] : [{ field: 'secret', message: 'must be "whsec_" followed by base64 of 24 to 64 bytes' }];
}

/** Throws one 422 listing every problem, or returns. */
export function assertNoProblems(problems: ErrorDetail[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw validationFailed(problems[0]!.field, problems[0]!.message);
  throw new AppError('VALIDATION_FAILED', `${problems.length} fields are invalid: ${problems.map((p) => p.field).join(', ')}`, problems);
}
