import { unwrap } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, writeJson } from '../output.ts';

/** `herald endpoints test <id>`: sends a `herald.test` event to that endpoint only. */
export const endpointsTest: Command = {
  name: 'endpoints test',
  summary: 'send a herald.test event to one endpoint',
  usage: '<endpoint-id> [--json]',
  positionals: 1,
  flags: { ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: ['herald endpoints test ep_0190… && herald logs tail --endpoint-id ep_0190…'],
  async run(args, io) {
    const id = args.positional(0, 'the endpoint id (ep_…)');
    const client = connect(args, io.env);
    const event = unwrap(await client.POST('/v1/endpoints/{id}/test', { params: { path: { id } } }));
    if (args.boolean('json')) return writeJson(io.stdout, event);
    const delivery = event.deliveries[0];
    io.stdout.write(`sent ${event.type} event ${event.id}${delivery ? ` as delivery ${delivery.id}` : ' (no delivery: is the endpoint disabled?)'}\n`);
  },
};
