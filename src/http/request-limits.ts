import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';
import { newId } from '../domain/ids.ts';
import { errorBody } from './errors.ts';

/** The deepest nesting of arrays and objects a JSON body may have. Deeper is a 400, found before parsing. */
export const MAX_JSON_DEPTH = 64;
/** The longest path parameter (an id) the router matches (Fastify `maxParamLength`); longer is a 414. */
export const MAX_PARAM_LENGTH = 200;
/** The longest request target (path and query) answered; longer is a 414. */
export const MAX_URL_LENGTH = 8192;
/**
 * The request line and headers together, in bytes: Node's `maxHeaderSize` (16 KiB unless
 * `--max-http-header-size` says otherwise). Over it Node stops parsing and Herald answers 431.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when `text` opens more than `maxDepth` arrays or objects inside each other. One pass over the
 * characters outside strings; a string is skipped with `indexOf` to its closing quote (a payload is
 * mostly string bytes, and a character loop over them cost ~5 µs per KiB). It does not validate the
 * JSON (the parser does, if this passes).
 */
export function jsonTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/** The index of the quote that ends the string opened at `open` (`text.length` if none does). */
function closingQuote(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote; // an even run of backslashes escapes itself, not the quote
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/**
 * Limits applied before a route runs: JSON bodies nested deeper than {@link MAX_JSON_DEPTH} are
 * refused before they are parsed (deep nesting costs the parser, the schema check and every later
 * `JSON.stringify` stack depth), request targets longer than {@link MAX_URL_LENGTH} answer 414, and
 * a NUL character (`%00`) in the path or query answers 400.
 * The body size limit is Fastify's `bodyLimit` (413); the header limit is {@link answerClientError}'s.
 */
export function installRequestLimits(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonTooDeep(text)) {
      done(new AppError('INVALID_REQUEST', `the JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > MAX_URL_LENGTH) {
      const message = `the request path and query are ${request.url.length} characters; the limit is ${MAX_URL_LENGTH}`;
      return reply.status(414).send(errorBody('INVALID_REQUEST', message, [], request.id));
    }
    // No id, filter or value holds a NUL character, and PostgreSQL refuses to store or compare one.
    if (/%00|\0/i.test(request.url)) {
      return reply.status(400).send(errorBody('INVALID_REQUEST', 'the path or query contains a NUL character (%00)', [], request.id));
    }
  });
}

/**
 * Fastify's `clientErrorHandler`: what Node could not parse as an HTTP request never reaches a route,
 * so it is answered here, in the contract's error shape: 431 when the request line and headers exceed
 * {@link MAX_HEADER_BYTES}, 408 when they did not arrive in time, 400 otherwise. The raw bytes
 * (which hold the caller's key) are neither echoed nor logged.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `the request line and headers exceed ${MAX_HEADER_BYTES} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request did not arrive in time']
        : [400, 'the request is not valid HTTP/1.1'];
  const requestId = newId('req');
  const body = JSON.stringify(errorBody('INVALID_REQUEST', message, [], requestId));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n`
      + `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any hook runs (a path parameter over
 * {@link MAX_PARAM_LENGTH} characters, a path that is not valid percent-encoding), in the contract's
 * error shape instead of Fastify's own.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`]
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'the path is not valid percent-encoded UTF-8']
        : [500, 'something went wrong inside Herald; the error is logged with this request id'];
  if (status >= 500) request.log.error({ err: error }, 'request failed in the router');
  void reply
    .header('x-request-id', request.id)
    .status(status)
    .send(errorBody(status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST', message, [], request.id));
}
