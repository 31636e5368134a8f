import { unwrap } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { ENDPOINT_FLAGS, endpointChangesFrom } from '../endpoint-flags.ts';
import { ENDPOINT_COLUMNS, endpointRow } from '../endpoint-view.ts';
import { JSON_FLAG, writeJson } from '../output.ts';
import { renderTable } from '../table.ts';

/** `herald endpoints update <id>`: changes the settings given, leaves the rest. */
export const endpointsUpdate: Command = {
  name: 'endpoints update',
  summary: "change an endpoint's settings (enable, disable, URL, event types, …)",
  usage: '<endpoint-id> [--url-to url] [--enable|--disable] [settings] [--json]',
  positionals: 1,
  flags: {
    'url-to': { type: 'string', value: 'url', description: 'deliver to this URL from now on' },
    enable: { type: 'boolean', description: 'enable it (then `endpoints recover` what failed meanwhile)' },
    disable: { type: 'boolean', description: 'disable it: new deliveries end failed_permanent, recoverable' },
    'every-event': { type: 'boolean', description: 'subscribe to every event type (clears --event-type)' },
    ...ENDPOINT_FLAGS,
    ...JSON_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: [
    'herald endpoints update ep_0190… --enable',
    'herald endpoints update ep_0190… --event-type invoice.paid --event-type invoice.voided',
  ],
  async run(args, io) {
    const id = args.positional(0, 'the endpoint id (ep_…); find it with `herald endpoints list`');
    if (args.boolean('enable') && args.boolean('disable')) throw new UsageError('give --enable or --disable, not both');
    if (args.boolean('every-event') && args.has('event-type')) throw new UsageError('give --every-event or --event-type, not both');
    const changes = endpointChangesFrom(args);
    const url = args.string('url-to');
    if (url !== undefined) changes.url = url;
    if (args.boolean('enable')) changes.enabled = true;
    if (args.boolean('disable')) changes.enabled = false;
    if (args.boolean('every-event')) changes.event_types = null;
    if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one setting, e.g. --enable or --description "…"');
    const client = connect(args, io.env);
    const endpoint = unwrap(await client.PATCH('/v1/endpoints/{id}', { params: { path: { id } }, body: changes }));
    if (args.boolean('json')) return writeJson(io.stdout, endpoint);
    io.stdout.write(renderTable(ENDPOINT_COLUMNS, [endpointRow(endpoint, paletteFor(io.stdout, io.env))]));
  },
};
