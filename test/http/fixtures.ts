import assert from 'node:assert/strict';
import { apiClient, eventually, type ApiClient, type TestHerald } from '../support/herald.ts';

// Small helpers shared by the HTTP suites: fresh workspaces and waiting for deliveries to settle.

/** A workspace of its own, so a test's lists hold only what it created. */
export interface Workspace {
  id: string;
  keyId: string;
  key: string;
  api: ApiClient;
}

/** Creates a workspace and one API key with the admin key. */
export async function newWorkspace(h: TestHerald, name = 'tests'): Promise<Workspace> {
  const admin = apiClient(h.url, h.adminKey);
  const workspace = await admin.post('/v1/workspaces', { name });
  assert.equal(workspace.status, 201, workspace.text);
  const key = await admin.post(`/v1/workspaces/${workspace.json.id}/api-keys`, { name: `${name} key` });
  assert.equal(key.status, 201, key.text);
  return { id: workspace.json.id, keyId: key.json.id, key: key.json.key, api: apiClient(h.url, key.json.key) };
}

/** Creates an endpoint and returns its JSON; fails the test when the API refuses it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createEndpoint(api: ApiClient, body: Record<string, unknown>): Promise<any> {
  const response = await api.post('/v1/endpoints', body);
  assert.equal(response.status, 201, response.text);
  return response.json;
}

/** Publishes one event and returns the 202 body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function publish(api: ApiClient, body: Record<string, unknown>, headers?: Record<string, string>): Promise<any> {
  const response = await api.post('/v1/events', body, headers);
  assert.equal(response.status, 202, response.text);
  return response.json;
}

const UNSETTLED = 'queued,delivering,pending_retry';

/**
 * Waits until no delivery of the workspace is queued, delivering or waiting for a retry, and the
 * log has stopped growing; returns the log (newest first).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitForSettledLog(api: ApiClient, timeoutMs = 15_000): Promise<any[]> {
  let previous = -1;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let rows: any[] = [];
  const settled = await eventually(async () => {
    const open = await api.get(`/v1/deliveries?status=${UNSETTLED}&limit=1`);
    assert.equal(open.status, 200, open.text);
    const logs = await api.get('/v1/logs?limit=500');
    assert.equal(logs.status, 200, logs.text);
    rows = logs.json.data;
    const stable = open.json.data.length === 0 && rows.length === previous;
    previous = rows.length;
    return stable;
  }, timeoutMs, 60);
  assert.ok(settled, `deliveries did not settle within ${timeoutMs} ms`);
  return rows;
}

/** A receiver URL with a marker in the query, so each endpoint's requests can be told apart. */
export function at(base: string, path: string, marker: string): string {
  return `${base}${path}${path.includes('?') ? '&' : '?'}ep=${marker}`;
}
