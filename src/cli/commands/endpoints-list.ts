import { unwrap } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { ENDPOINT_COLUMNS, endpointRow } from '../endpoint-view.ts';
import { SHAPE_FLAGS } from '../log-filters.ts';
import { JSON_FLAG, writeJson } from '../output.ts';
import { PAGING_FLAGS, pagingFrom, pagingHint } from '../paging.ts';
import { renderTable } from '../table.ts';

/** `herald endpoints list`: the workspace's endpoints, newest first. */
export const endpointsList: Command = {
  name: 'endpoints list',
  summary: 'list endpoints (webhook subscriptions)',
  usage: '[--limit n] [--cursor c] [--json]',
  positionals: 0,
  flags: { ...PAGING_FLAGS, ...SHAPE_FLAGS, ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: ['herald endpoints list', 'herald endpoints list --json | jq -r ".data[].url"'],
  async run(args, io) {
    const client = connect(args, io.env);
    const query = { ...pagingFrom(args), ...shape(args.string('sort'), args.string('fields')) };
    const page = unwrap(await client.GET('/v1/endpoints', { params: { query } }));
    if (args.boolean('json')) return writeJson(io.stdout, page);
    const palette = paletteFor(io.stdout, io.env);
    if (page.data.length > 0) io.stdout.write(renderTable(ENDPOINT_COLUMNS, page.data.map((endpoint) => endpointRow(endpoint, palette))));
    const hint = pagingHint(page.meta, page.data.length, 'endpoints');
    if (hint) io.stderr.write(`${hint}\n`);
  },
};

function shape(sort: string | undefined, fields: string | undefined): { sort?: string; fields?: string } {
  return { ...(sort !== undefined ? { sort } : {}), ...(fields !== undefined ? { fields } : {}) };
}
