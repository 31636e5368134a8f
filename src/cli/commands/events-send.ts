import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { unwrap } from '../../client/index.ts';
import { UsageError, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, writeJson } from '../output.ts';
import { renderTable } from '../table.ts';

/** `herald events send <type>`: publishes one event; Herald fans it out to every matching endpoint. */
export const eventsSend: Command = {
  name: 'events send',
  summary: 'publish an event to every endpoint subscribed to its type',
  usage: '<type> [--payload json | --payload-file file|-] [--tag key=value]… [--json]',
  positionals: 1,
  flags: {
    payload: { type: 'string', value: 'json', description: 'the payload, any JSON (default {})' },
    'payload-file': { type: 'string', value: 'file', description: 'read the payload from a file, or - for stdin' },
    tag: { type: 'string', multiple: true, value: 'key=value', description: 'a tag to filter the log by later' },
    'endpoint-id': { type: 'string', multiple: true, value: 'ep_…', description: 'only to these endpoints' },
    'idempotency-key': { type: 'string', value: 'key', description: 'the same key within 24 h publishes nothing new' },
    ...JSON_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: [
    `herald events send invoice.paid --payload '{"invoice":"in_1","amount":4200}' --tag customer=c_9`,
    'herald events send call.ended --payload-file call.json --idempotency-key call-42-ended',
    'jq -c . event.json | herald events send order.created --payload-file -',
  ],
  async run(args, io) {
    const type = args.positional(0, 'the event type, e.g. invoice.paid');
    const payload = await payloadFrom(args, io.stdin);
    const tags = Object.fromEntries(args.strings('tag').map(tagPair));
    const endpointIds = args.strings('endpoint-id');
    const key = args.string('idempotency-key');
    const client = connect(args, io.env);
    const event = unwrap(await client.POST('/v1/events', {
      body: { type, payload, ...(Object.keys(tags).length > 0 ? { tags } : {}), ...(endpointIds.length > 0 ? { endpoint_ids: endpointIds } : {}) },
      ...(key !== undefined ? { headers: { 'idempotency-key': key } } : {}),
    }));
    if (args.boolean('json')) return writeJson(io.stdout, event);
    const count = event.deliveries.length;
    io.stdout.write(`published ${event.id} (${event.type}) to ${count} ${count === 1 ? 'endpoint' : 'endpoints'}${count === 0 ? ': no enabled endpoint subscribes to this type' : ''}\n`);
    if (count > 0) io.stdout.write(renderTable([{ header: 'delivery' }, { header: 'endpoint' }], event.deliveries.map((d) => [d.id, d.endpoint_id])));
  },
};

async function payloadFrom(args: ParsedArgs, stdin: Readable): Promise<unknown> {
  const inline = args.string('payload');
  const file = args.string('payload-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('give --payload or --payload-file, not both');
  let text: string;
  if (inline !== undefined) text = inline;
  else if (file === '-') text = await readAll(stdin);
  else if (file !== undefined) text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`cannot read --payload-file ${file}: ${(error as Error).message}`);
  });
  else return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`the payload must be JSON${file !== undefined ? ` (read from ${file === '-' ? 'stdin' : file})` : ''}, e.g. '{"invoice":"in_1"}'`);
  }
}

function tagPair(text: string): [string, string] {
  const match = /^([^=]+)=(.*)$/.exec(text);
  if (!match) throw new UsageError(`--tag must be key=value, not "${text}"`);
  return [match[1]!, match[2]!];
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}
