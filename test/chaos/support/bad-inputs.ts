import type { ApiClient, ApiResponse } from '../../support/herald.ts';

// Bad requests mixed into the load: each must answer 4xx in the contract's error shape, never a 5xx.

type BadInput = (api: ApiClient) => Promise<ApiResponse>;

const BAD_INPUTS: BadInput[] = [
  (api) => api.raw('POST', '/v1/events', '{"type": "order.created", "payload": {', { 'content-type': 'application/json' }),
  (api) => api.post('/v1/events', {}),
  (api) => api.post('/v1/events', { type: '', payload: {} }),
  (api) => api.post('/v1/events/batch', { events: 'not a list' }),
  (api) => api.raw('POST', '/v1/events', 'type=order.created', { 'content-type': 'text/plain' }),
  (api) => api.get('/v1/events?limit=0'),
  (api) => api.get('/v1/deliveries?cursor=not-a-cursor'),
  (api) => api.get('/v1/logs?no_such_filter=1'),
  (api) => api.get('/v1/logs?http_status=9xx'),
  (api) => api.get('/v1/events/evt_00000000000000000000000000000000'),
  (api) => api.post('/v1/events', { type: 'order.created', payload: {} }, { authorization: 'Bearer hk_wrong' }),
  (api) => api.post('/v1/events', { type: 'order.created', payload: {} }, { 'idempotency-key': 'x'.repeat(300) }),
  (api) => api.post('/v1/endpoints', { url: 'ftp://127.0.0.1/hook' }),
];

/** What bad inputs did: how many were tried, and the ones that broke the contract. */
export class BadInputProbe {
  tried = 0;
  readonly violations: string[] = [];
  #next = 0;

  /** Sends the next bad input; a network error (Herald killed meanwhile) is not counted. */
  async send(api: ApiClient): Promise<void> {
    const index = this.#next++ % BAD_INPUTS.length;
    let response: ApiResponse;
    try {
      response = await BAD_INPUTS[index]!(api);
    } catch {
      return;
    }
    this.tried += 1;
    const shaped = typeof response.json?.error?.code === 'string' && typeof response.json?.meta?.request_id === 'string';
    // 503 is allowed only as the contract's storage answers (the full-disk scenario).
    const storage = response.status === 503 && ['STORAGE_FULL', 'SERVICE_UNAVAILABLE'].includes(response.json?.error?.code);
    if (!((response.status >= 400 && response.status < 500) || storage) || !shaped) {
      if (this.violations.length < 10) this.violations.push(`bad input #${index} → ${response.status} ${response.text.slice(0, 120)}`);
    }
  }
}
