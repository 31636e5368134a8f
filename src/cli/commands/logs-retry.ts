import { unwrap } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { LOG_FILTER_FLAGS, logFiltersFrom } from '../log-filters.ts';
import { JSON_FLAG, writeJson } from '../output.ts';

/** `herald logs retry <id>`, or with filters and no id: retry every delivery with a matching entry. */
export const logsRetry: Command = {
  name: 'logs retry',
  summary: "queue a manual attempt of a log entry's delivery (or of every match of the filters)",
  usage: '<log-id> | [filters] [--json]',
  positionals: 1,
  flags: { ...LOG_FILTER_FLAGS, ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: [
    'herald logs retry log_0190c2…',
    'herald logs retry --status failed --endpoint-id ep_0190… --since 2h',
  ],
  async run(args, io) {
    const id = args.positionals[0];
    const filters = logFiltersFrom(args, new Date());
    const client = connect(args, io.env);
    if (id !== undefined) {
      if (Object.keys(filters).length > 0) throw new UsageError('give a log id or filters, not both');
      const accepted = unwrap(await client.POST('/v1/logs/{id}/retry', { params: { path: { id } } }));
      if (args.boolean('json')) return writeJson(io.stdout, accepted);
      io.stdout.write(`queued a manual attempt of ${accepted.delivery_id} (now ${accepted.status})\n`);
      return;
    }
    if (Object.keys(filters).length === 0) {
      throw new UsageError('give the log id to retry, or filters (e.g. --status failed --endpoint-id ep_…) to retry every match');
    }
    const result = unwrap(await client.POST('/v1/logs/retry', { params: { query: filters } }));
    if (args.boolean('json')) return writeJson(io.stdout, result);
    const skipped = result.skipped > 0 ? ` (${result.skipped} skipped: endpoint disabled or deleted)` : '';
    io.stdout.write(`queued ${result.queued} ${result.queued === 1 ? 'delivery' : 'deliveries'} for a manual attempt${skipped}\n`);
  },
};
