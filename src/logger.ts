import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Anything shaped like a credential Herald issues or keeps: endpoint secrets (`whsec_…`), API keys
 * (`hk_…`) and sealed secrets (`enc:v1:…`). Masked wherever they appear in a logged error's text.
 */
const CREDENTIAL = /\b(whsec_|hk_|enc:v1:)[A-Za-z0-9+/=_:-]{8,}/g;

/** Paths masked in any logged object, should a request's headers or an endpoint ever be logged whole. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.secret',
  '*.previousSecret',
  '*.previous_secret',
  '*.key',
  '*.apiKey',
  '*.adminKey',
];

/** Masks credential-shaped substrings. */
export function maskCredentials(text: string): string {
  return text.replace(CREDENTIAL, (_match, prefix: string) => `${prefix}[redacted]`);
}

/**
 * An error as logged: its type, message, code, stack and causes, with credential-shaped text masked.
 * Other properties are left out on purpose: a PostgreSQL error's `detail` can quote a whole row
 * ("Failing row contains (…)"), secrets included.
 */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return maskCredentials(String(error));
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: maskCredentials(error.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack ? { stack: maskCredentials(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 5 ? { cause: errorForLog(error.cause, depth + 1) } : {}),
  };
}

/**
 * Herald's logger (pino) at `level` (`HERALD_LOG_LEVEL`), writing JSON lines to `destination`
 * (default stdout). Errors go through {@link errorForLog}, and credential fields are redacted, so no
 * key or secret reaches a log line whatever the level.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'herald' },
    serializers: { err: errorForLog, error: errorForLog },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
