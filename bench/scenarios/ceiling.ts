import { Agent, request } from 'undici';
import { inParallel } from '../lib/processes.ts';

/**
 * Scenario 1, the ceiling: plain undici POSTs of the same payload to the same receiver at the same
 * concurrency, nothing persisted: the physical limit of this machine for delivery. Requests/s.
 */
export async function ceiling(options: { url: string; events: number; concurrency: number; connections: number; payload: string }): Promise<number> {
  const agent = new Agent({ connections: options.connections });
  const started = performance.now();
  await inParallel(options.events, options.concurrency, async () => {
    const response = await request(`${options.url}/hook`, {
      method: 'POST', body: options.payload, headers: { 'content-type': 'application/json' }, dispatcher: agent,
    });
    await response.body.dump();
  });
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return options.events / seconds;
}
