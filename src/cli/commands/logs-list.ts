import { unwrap } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { LOG_FILTER_FLAGS, SHAPE_FLAGS, logFiltersFrom } from '../log-filters.ts';
import { LOG_COLUMNS, logRow } from '../log-line.ts';
import { JSON_FLAG, writeJson } from '../output.ts';
import { PAGING_FLAGS, pagingFrom, pagingHint } from '../paging.ts';
import { renderTable } from '../table.ts';

/** `herald logs list`: one page of the log (one entry per HTTP attempt), with every filter. */
export const logsList: Command = {
  name: 'logs list',
  summary: 'list log entries (one per HTTP attempt), newest first',
  usage: '[filters] [--limit n] [--cursor c] [--json]',
  positionals: 0,
  flags: { ...LOG_FILTER_FLAGS, ...PAGING_FLAGS, ...SHAPE_FLAGS, ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: [
    'herald logs list --status failed --since 1h',
    'herald logs list --endpoint-id ep_0190… --http-status 5xx --limit 20',
    'herald logs list --search "invoice zebra" --tag call_id=c_42 --json',
  ],
  async run(args, io) {
    const client = connect(args, io.env);
    const query = { ...logFiltersFrom(args, new Date()), ...pagingFrom(args) };
    const page = unwrap(await client.GET('/v1/logs', { params: { query } }));
    if (args.boolean('json')) return writeJson(io.stdout, page);
    const palette = paletteFor(io.stdout, io.env);
    if (page.data.length > 0) io.stdout.write(renderTable(LOG_COLUMNS, page.data.map((entry) => logRow(entry, palette))));
    const hint = pagingHint(page.meta, page.data.length, 'log entries');
    if (hint) io.stderr.write(`${hint}\n`);
  },
};
