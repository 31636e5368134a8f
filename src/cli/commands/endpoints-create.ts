import { unwrap } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { ENDPOINT_FLAGS, endpointChangesFrom } from '../endpoint-flags.ts';
import { ENDPOINT_COLUMNS, endpointRow } from '../endpoint-view.ts';
import { JSON_FLAG, writeJson } from '../output.ts';
import { renderTable } from '../table.ts';

/** `herald endpoints create <url>`: subscribes a URL to events. */
export const endpointsCreate: Command = {
  name: 'endpoints create',
  summary: 'create an endpoint that receives events',
  usage: '<url> [--event-type type]… [settings] [--json]',
  positionals: 1,
  flags: {
    ...ENDPOINT_FLAGS,
    disabled: { type: 'boolean', description: 'create it disabled' },
    ...JSON_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: [
    'herald endpoints create https://example.com/webhooks --event-type "invoice.*"',
    'herald endpoints create https://example.com/hook --header "x-team: billing" --max-attempts 3 --json',
  ],
  async run(args, io) {
    const url = args.positional(0, 'the URL to deliver to, e.g. https://example.com/webhooks');
    const body = { ...endpointChangesFrom(args), url, ...(args.boolean('disabled') ? { enabled: false } : {}) };
    const client = connect(args, io.env);
    const endpoint = unwrap(await client.POST('/v1/endpoints', { body }));
    if (args.boolean('json')) return writeJson(io.stdout, endpoint);
    io.stdout.write(renderTable(ENDPOINT_COLUMNS, [endpointRow(endpoint, paletteFor(io.stdout, io.env))]));
  },
};
