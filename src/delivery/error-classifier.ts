import type { DeliveryError, DeliveryErrorCode } from '../domain/delivery-error.ts';

/** Where the request was going, for messages. */
export interface ErrorContext {
  /** The URL's host name (no brackets, no port). */
  hostname: string;
  /** The URL's port, or the scheme's default. */
  port: number;
}

interface ErrorFacts {
  codes: string[];
  message: string;
  address: string | undefined;
  port: number | undefined;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ESERVFAIL', 'ENODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_ABORTED',
  'ABORT_ERR',
]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/**
 * Turns whatever ended an attempt early into a {@link DeliveryError}: a code from the contract
 * and one plain sentence ("connection refused by 127.0.0.1:4567"), never a stack trace.
 * Looks through `cause` chains. Unreachable hosts count as `CONNECTION_REFUSED`.
 */
export function classifyError(error: unknown, context: ErrorContext): DeliveryError {
  const facts = factsOf(error);
  const match = (codes: Set<string>) => facts.codes.find((code) => codes.has(code));
  const peer = `${facts.address ?? context.hostname}:${facts.port ?? context.port}`;

  if (facts.codes.includes('HERALD_BLOCKED_ADDRESS')) return failure('BLOCKED_ADDRESS', facts.message);
  if (facts.codes.includes('HERALD_TIMEOUT')) return failure('TIMEOUT', facts.message);
  if (match(TIMEOUT_CODES)) return failure('TIMEOUT', `timed out talking to ${peer}: ${facts.message}`);
  if (facts.codes.includes('ECONNREFUSED')) return failure('CONNECTION_REFUSED', `connection refused by ${peer}`);
  const unreachable = match(UNREACHABLE_CODES);
  if (unreachable) return failure('CONNECTION_REFUSED', `${peer} is unreachable (${unreachable})`);
  const dns = match(DNS_CODES);
  if (dns) return failure('DNS_FAILURE', `could not resolve ${context.hostname} (${dns})`);
  const tlsReason = facts.message.replace(/; if the root CA is installed locally.*$/, '');
  const tlsFailure = failure('TLS_ERROR', `TLS handshake with ${context.hostname} failed: ${tlsReason}`);
  if (facts.codes.some((code) => TLS_CODE.test(code))) return tlsFailure;
  if (match(RESET_CODES) || /other side closed|socket hang up/i.test(facts.message)) {
    return failure('CONNECTION_RESET', `connection to ${peer} was closed before the response was complete`);
  }
  if (/certificate/i.test(facts.message)) return tlsFailure;
  return failure('INTERNAL', `request to ${context.hostname}:${context.port} failed: ${facts.message}`);
}

function failure(code: DeliveryErrorCode, message: string): DeliveryError {
  return { code, message };
}

/** Codes along the `cause` chain, the outermost message, and the peer address if known. */
function factsOf(error: unknown): ErrorFacts {
  const facts: ErrorFacts = { codes: [], message: messageOf(error), address: undefined, port: undefined };
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, address, port, cause } = current as Record<string, unknown>;
    if (typeof code === 'string') facts.codes.push(code);
    if (typeof address === 'string') facts.address ??= address;
    if (typeof port === 'number') facts.port ??= port;
    current = cause;
  }
  return facts;
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  return String(error);
}
