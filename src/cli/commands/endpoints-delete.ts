import { unwrap } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, writeJson } from '../output.ts';

/** `herald endpoints delete <id>`: stops deliveries to it; its log stays. */
export const endpointsDelete: Command = {
  name: 'endpoints delete',
  summary: 'delete an endpoint (its log entries stay)',
  usage: '<endpoint-id> [--json]',
  positionals: 1,
  flags: { ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: ['herald endpoints delete ep_0190…'],
  async run(args, io) {
    const id = args.positional(0, 'the endpoint id (ep_…)');
    const client = connect(args, io.env);
    unwrap(await client.DELETE('/v1/endpoints/{id}', { params: { path: { id } } }));
    if (args.boolean('json')) return writeJson(io.stdout, { id, deleted: true });
    io.stdout.write(`deleted ${id}\n`);
  },
};
