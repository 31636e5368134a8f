import { streamLogs } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { LOG_FILTER_FLAGS, logFiltersFrom } from '../log-filters.ts';
import { tailLine } from '../log-line.ts';

/** `herald logs tail`: follows the live tail, one line per new attempt, coloured by outcome. */
export const logsTail: Command = {
  name: 'logs tail',
  summary: 'follow new log entries as they are recorded (Ctrl-C to stop)',
  usage: '[filters] [--json]',
  positionals: 0,
  flags: {
    ...LOG_FILTER_FLAGS,
    json: { type: 'boolean', description: 'one JSON entry per line (NDJSON) instead of text' },
    after: { type: 'string', value: 'position', description: 'start after this log position instead of now (0 replays the whole log first)' },
    ...CONNECTION_FLAGS,
  },
  examples: ['herald logs tail', 'herald logs tail --status failed --endpoint-id ep_0190…', 'herald logs tail --json | jq .http_status'],
  async run(args, io) {
    const client = connect(args, io.env);
    const filters = logFiltersFrom(args, new Date());
    const palette = paletteFor(io.stdout, io.env);
    const json = args.boolean('json');
    const after = args.string('after');
    let position: string | undefined = after;
    let opened = false;
    const entries = streamLogs(client, {
      filters,
      ...(after !== undefined ? { lastEventId: after } : {}),
      onOpen: () => {
        io.stderr.write(opened ? 'live tail reconnected\n' : 'following new log entries (Ctrl-C to stop)\n');
        opened = true;
      },
      onReconnect: (reason) => {
        const why = reason instanceof Error ? `: ${reason.message}` : '';
        io.stderr.write(`live tail dropped${why}; reconnecting after position ${position ?? 'start'}\n`);
      },
    });
    for await (const { position: at, entry } of entries) {
      position = at;
      io.stdout.write(json ? `${JSON.stringify(entry)}\n` : tailLine(entry, palette));
    }
  },
};
