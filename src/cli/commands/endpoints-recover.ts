import { unwrap, type HeraldClient } from '../../client/index.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, formatCount, writeJson } from '../output.ts';
import { Progress } from '../progress.ts';
import { parseTimeInput } from '../time-input.ts';

const POLL_MS = 500;

/** `herald endpoints recover <id> --since …`: re-queues its failed_permanent deliveries of a window. */
export const endpointsRecover: Command = {
  name: 'endpoints recover',
  summary: 're-queue every failed_permanent delivery of an endpoint in a time window',
  usage: '<endpoint-id> --since time [--until time] [--wait] [--json]',
  positionals: 1,
  flags: {
    since: { type: 'string', value: 'time', description: 'deliveries created at or after: ISO 8601 or a duration ago (6h, 2d); required' },
    until: { type: 'string', value: 'time', description: 'and before (default now)' },
    wait: { type: 'boolean', description: 'then wait until every re-queued delivery has been attempted, with progress' },
    ...JSON_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: [
    'herald endpoints update ep_0190… --enable && herald endpoints recover ep_0190… --since 2d --wait',
  ],
  async run(args, io) {
    const id = args.positional(0, 'the endpoint id (ep_…)');
    const now = new Date();
    const sinceText = args.string('since');
    if (sinceText === undefined) throw new UsageError('--since is required: the start of the window to recover, e.g. --since 2d');
    const since = parseTimeInput('since', sinceText, now);
    const untilText = args.string('until');
    const until = untilText === undefined ? now.toISOString() : parseTimeInput('until', untilText, now);
    const client = connect(args, io.env);

    const queuing = new Progress(io.stderr, (elapsed) => `re-queuing failed deliveries of ${id}… ${elapsed}`);
    const timer = setInterval(() => queuing.tick(), 100);
    let queued: number;
    try {
      ({ queued } = unwrap(await client.POST('/v1/endpoints/{id}/recover', { params: { path: { id } }, body: { since, until } })));
    } finally {
      clearInterval(timer);
      queuing.stop();
    }
    const summary = `re-queued ${formatCount(queued)} ${queued === 1 ? 'delivery' : 'deliveries'} created from ${since} to ${until}\n`;
    if (!args.boolean('wait') || queued === 0) {
      if (args.boolean('json')) writeJson(io.stdout, { queued });
      else io.stdout.write(summary);
      return;
    }
    io.stderr.write(summary);
    const window = { endpoint_id: id, start_time: since, end_time: until };
    let unfinished = queued;
    const waiting = new Progress(io.stderr, (elapsed) => `waiting: ${formatCount(unfinished)} of ${formatCount(queued)} still to attempt, ${elapsed}`);
    waiting.draw();
    while ((unfinished = await countDeliveries(client, window, 'queued,delivering')) > 0) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      waiting.tick();
    }
    waiting.stop();
    const [succeeded, retrying, failed] = await Promise.all(
      ['succeeded', 'pending_retry', 'failed_permanent'].map((status) => countDeliveries(client, window, status)),
    );
    if (args.boolean('json')) return writeJson(io.stdout, { queued, window: { succeeded, pending_retry: retrying, failed_permanent: failed } });
    io.stdout.write(`every re-queued delivery was attempted; in the window now: ${formatCount(succeeded!)} succeeded, ${formatCount(retrying!)} pending_retry, ${formatCount(failed!)} failed_permanent\n`);
  },
};

async function countDeliveries(client: HeraldClient, window: { endpoint_id: string; start_time: string; end_time: string }, status: string): Promise<number> {
  const page = unwrap(await client.GET('/v1/deliveries', { params: { query: { ...window, status, count: 'true', limit: '1', fields: 'id' } } }));
  return page.meta.total ?? 0;
}
