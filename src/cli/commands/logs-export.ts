import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { exportLogs, unwrap } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { LOG_FILTER_FLAGS, SHAPE_FLAGS, logFiltersFrom } from '../log-filters.ts';
import { formatCount } from '../output.ts';
import { Progress } from '../progress.ts';
import { RecordCounter } from '../record-counter.ts';

/** `herald logs export`: every matching entry as NDJSON or CSV, to stdout or a file, with progress on stderr. */
export const logsExport: Command = {
  name: 'logs export',
  summary: 'export every matching log entry as NDJSON or CSV',
  usage: '[filters] [--format ndjson|csv] [--output file]',
  positionals: 0,
  flags: {
    ...LOG_FILTER_FLAGS,
    ...SHAPE_FLAGS,
    format: { type: 'string', value: 'ndjson|csv', description: 'ndjson (default): one JSON entry per line; csv: RFC 4180 with a header row' },
    output: { type: 'string', short: 'o', value: 'file', description: 'write to this file instead of stdout' },
    ...CONNECTION_FLAGS,
  },
  examples: [
    'herald logs export --since 24h --status failed > failed.ndjson',
    'herald logs export --format csv --endpoint-id ep_0190… -o attempts.csv',
  ],
  async run(args, io) {
    const format = args.string('format') ?? 'ndjson';
    if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format must be ndjson or csv, not "${format}"`);
    const client = connect(args, io.env);
    const filters = logFiltersFrom(args, new Date());
    const { sort: _sort, fields: _fields, ...countFilters } = filters;
    // One counted page first, for a percentage (and so a bad filter fails before any output).
    const counted = unwrap(await client.GET('/v1/logs', { params: { query: { ...countFilters, limit: '1', count: 'true', fields: 'id' } } }));
    const total = counted.meta.total ?? null;
    const path = args.string('output');
    const body = await exportLogs(client, { format, filters });
    const out: Writable = path ? createWriteStream(path) : io.stdout;
    const counter = new RecordCounter(format);
    const progress = new Progress(io.stderr, (elapsed) =>
      `exporting: ${formatCount(counter.records)}${total !== null ? ` of ${formatCount(total)}` : ''} entries${total ? ` (${Math.floor((counter.records / total) * 100)}%)` : ''}, ${elapsed}`,
    );
    try {
      for await (const chunk of body) {
        counter.add(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
        progress.tick();
      }
    } finally {
      progress.stop();
      if (path) {
        out.end();
        await once(out, 'close');
      }
    }
    io.stderr.write(`exported ${formatCount(counter.records)} log ${counter.records === 1 ? 'entry' : 'entries'} (${format})${path ? ` to ${path}` : ''} in ${progress.elapsed()}\n`);
  },
};
