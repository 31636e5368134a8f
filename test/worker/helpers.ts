import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

// Shared steps of the worker tests: a Herald and a receiver per test, and the API calls they repeat.

/** Starts Herald (with `env` over the test defaults) and a receiver; both are closed when `t` ends. */
export async function setup(t: TestContext, env: Record<string, string> = {}): Promise<{ h: TestHerald; api: ApiClient; receiver: Receiver }> {
  const receiver = await startReceiver();
  const h = await startTestHerald(env);
  t.after(async () => {
    await h.close();
    await receiver.close();
  });
  return { h, api: h.api, receiver };
}

/**
 * Creates an endpoint on `receiver` at `path`, subscribed to `invoice.paid` only (so Herald's own
 * operational events never add requests a test does not expect); `extra` adds endpoint fields.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createEndpoint(api: ApiClient, receiver: Receiver, path: string, extra: Record<string, unknown> = {}): Promise<any> {
  const response = await api.post('/v1/endpoints', { url: receiver.base + path, event_types: ['invoice.paid'], ...extra });
  assert.equal(response.status, 201, response.text);
  return response.json;
}

/** Publishes one event to `endpointId` only; returns the event id and its single delivery id. */
export async function publish(api: ApiClient, endpointId: string, payload: unknown = { n: 1 }): Promise<{ eventId: string; deliveryId: string }> {
  const response = await api.post('/v1/events', { type: 'invoice.paid', payload, endpoint_ids: [endpointId] });
  assert.equal(response.status, 202, response.text);
  assert.equal(response.json.deliveries.length, 1, 'one delivery');
  return { eventId: response.json.id, deliveryId: response.json.deliveries[0].id };
}

/** Waits until the delivery is in one of `statuses`; returns it with its attempts (GET /v1/deliveries/{id}). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitForDelivery(api: ApiClient, deliveryId: string, statuses: string[], timeoutMs = 5000): Promise<any> {
  const found = await eventually(async () => {
    const response = await api.get(`/v1/deliveries/${deliveryId}`);
    return statuses.includes(response.json?.status) ? response.json : null;
  }, timeoutMs);
  if (!found) {
    const last = await api.get(`/v1/deliveries/${deliveryId}`);
    assert.fail(`delivery ${deliveryId} did not reach ${statuses.join('|')} within ${timeoutMs} ms: ${last.text.slice(0, 600)}`);
  }
  return found;
}

/** The log entries of one delivery, by attempt number (GET /v1/logs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function logsOf(api: ApiClient, deliveryId: string): Promise<any[]> {
  const response = await api.get(`/v1/logs?delivery_id=${deliveryId}&sort=attempt&limit=500`);
  assert.equal(response.status, 200, response.text);
  return response.json.data;
}

/** Milliseconds between consecutive requests the receiver saw. */
export function gaps(receiver: Receiver): number[] {
  return receiver.requests.slice(1).map((request, index) => request.at - receiver.requests[index]!.at);
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
