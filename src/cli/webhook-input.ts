import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError, type Flags, type ParsedArgs } from './args.ts';

/** A received webhook: the raw body, byte for byte, and its headers (lower-case names). */
export interface ReceivedWebhook {
  body: Buffer;
  headers: Record<string, string>;
}

/** Where `herald verify` reads the webhook from: a saved raw request, or body and headers apart. */
export const WEBHOOK_INPUT_FLAGS: Flags = {
  request: { type: 'string', value: 'file', description: 'a raw HTTP request as received (headers, blank line, body), e.g. saved by `nc -l`; - for stdin' },
  body: { type: 'string', value: 'text', description: 'the raw body as a string' },
  'body-file': { type: 'string', value: 'file', description: 'the raw body from a file, byte for byte; - for stdin' },
  header: { type: 'string', multiple: true, value: 'name: value', description: 'a received header' },
  id: { type: 'string', value: 'msg', description: 'the webhook-id header' },
  timestamp: { type: 'string', value: 'seconds', description: 'the webhook-timestamp header' },
  signature: { type: 'string', value: 'v1,…', description: 'the webhook-signature header' },
};

/** Reads the webhook the flags describe; a usage error when the body or a header is missing. */
export async function readReceivedWebhook(args: ParsedArgs, stdin: Readable): Promise<ReceivedWebhook> {
  const sources = ['request', 'body', 'body-file'].filter((flag) => args.has(flag));
  if (sources.length !== 1) {
    throw new UsageError(sources.length === 0
      ? 'give the received body: --body-file file (byte for byte), --body text, or --request file (the whole raw request)'
      : `give only one of --${sources.join(', --')}`);
  }
  let webhook: ReceivedWebhook = { body: Buffer.alloc(0), headers: {} };
  const request = args.string('request');
  if (request !== undefined) webhook = parseRawRequest(await readSource('request', request, stdin));
  const bodyFile = args.string('body-file');
  if (bodyFile !== undefined) webhook.body = await readSource('body-file', bodyFile, stdin);
  const body = args.string('body');
  if (body !== undefined) webhook.body = Buffer.from(body, 'utf8');
  for (const header of args.strings('header')) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must be "name: value", not "${header}"`);
    webhook.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  for (const [flag, name] of [['id', 'webhook-id'], ['timestamp', 'webhook-timestamp'], ['signature', 'webhook-signature']] as const) {
    const value = args.string(flag);
    if (value !== undefined) webhook.headers[name] = value;
  }
  const missing = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].filter((name) => !webhook.headers[name]);
  if (missing.length > 0) {
    throw new UsageError(`missing the ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}: pass --header "${missing[0]}: …" (or --id, --timestamp, --signature)`);
  }
  return webhook;
}

async function readSource(flag: string, path: string, stdin: Readable): Promise<Buffer> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --${flag} ${path}: ${(error as Error).message}`);
  }
}

/** Splits a raw HTTP/1.1 request (request line optional) into headers and the body bytes after the blank line. */
export function parseRawRequest(raw: Buffer): ReceivedWebhook {
  let end = raw.indexOf('\r\n\r\n');
  let gap = 4;
  const lf = raw.indexOf('\n\n');
  if (end === -1 || (lf !== -1 && lf < end)) [end, gap] = [lf, 2];
  if (end === -1) throw new UsageError('--request has no blank line between the headers and the body');
  const lines = raw.subarray(0, end).toString('latin1').split(/\r?\n/);
  if (/^[A-Z]+ \S+ HTTP\/\d/.test(lines[0] ?? '')) lines.shift();
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.from(raw.subarray(end + gap)), headers };
}
