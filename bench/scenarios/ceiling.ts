import { Agent, request } from 'undici';
import { cpuMsOfPids, ownCpuMs } from '../lib/cpu.ts';
import { inParallel } from '../lib/processes.ts';

export interface CeilingResult {
  perS: number;
  /** CPU time a request of the client (this process: undici) and of the receiver, µs. */
  clientCpuUs: number;
  receiverCpuUs: number;
}

/**
 * Scenario 1, the ceiling: plain undici POSTs of the same payload to the same receiver at the same
 * concurrency, nothing persisted: the physical limit of this machine for delivery. Requests/s.
 */
export async function ceiling(options: { url: string; receiverPid: number; events: number; concurrency: number; connections: number; payload: string }): Promise<CeilingResult> {
  const agent = new Agent({ connections: options.connections });
  const clientBefore = ownCpuMs();
  const receiverBefore = cpuMsOfPids([options.receiverPid]);
  const started = performance.now();
  await inParallel(options.events, options.concurrency, async () => {
    const response = await request(`${options.url}/hook`, {
      method: 'POST', body: options.payload, headers: { 'content-type': 'application/json' }, dispatcher: agent,
    });
    await response.body.dump();
  });
  const seconds = (performance.now() - started) / 1000;
  const perRequestUs = (ms: number) => (ms * 1000) / options.events;
  const result = {
    perS: options.events / seconds,
    clientCpuUs: perRequestUs(ownCpuMs() - clientBefore),
    receiverCpuUs: perRequestUs(cpuMsOfPids([options.receiverPid]) - receiverBefore),
  };
  await agent.close();
  return result;
}
