import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { assertErrorShape, eventually, startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { at, createEndpoint, newWorkspace, publish, type Workspace } from './fixtures.ts';

const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id).sort();
const endpointIds = (published: { deliveries: Array<{ endpoint_id: string }> }) => published.deliveries.map((d) => d.endpoint_id).sort();

async function countEvents(api: ApiClient): Promise<number> {
  const response = await api.get('/v1/events?count=true&limit=1');
  assert.equal(response.status, 200, response.text);
  return response.json.meta.total;
}

describe('events', () => {
  let h: TestHerald;
  let receiver: Receiver;
  before(async () => {
    [h, receiver] = await Promise.all([startTestHerald(), startReceiver()]);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  describe('fan-out', () => {
    let ws: Workspace;
    const ep = { all: '', callStar: '', invoicePaid: '', disabled: '' };
    before(async () => {
      ws = await newWorkspace(h, 'fan-out');
      ep.all = (await createEndpoint(ws.api, { url: at(receiver.base, '/ok', 'all') })).id;
      ep.callStar = (await createEndpoint(ws.api, { url: at(receiver.base, '/ok', 'call-star'), event_types: ['call.*'] })).id;
      ep.invoicePaid = (await createEndpoint(ws.api, { url: at(receiver.base, '/ok', 'invoice-paid'), event_types: ['invoice.paid'] })).id;
      ep.disabled = (await createEndpoint(ws.api, { url: at(receiver.base, '/ok', 'disabled'), enabled: false })).id;
    });

    test('publish answers 202 with a delivery per enabled endpoint whose event_types match', async () => {
      const ended = await publish(ws.api, { type: 'call.ended', payload: { call: 1 }, tags: { call_id: 'c1' } });
      assert.match(ended.id, /^evt_[0-9a-f]{32}$/);
      assert.equal(ended.type, 'call.ended');
      assert.deepEqual(ended.tags, { call_id: 'c1' });
      for (const delivery of ended.deliveries) assert.match(delivery.id, /^dlv_[0-9a-f]{32}$/);
      assert.deepEqual(endpointIds(ended), [ep.all, ep.callStar].sort());

      const paid = await publish(ws.api, { type: 'invoice.paid', payload: {} });
      assert.deepEqual(endpointIds(paid), [ep.all, ep.invoicePaid].sort());

      const refunded = await publish(ws.api, { type: 'invoice.refunded', payload: {} });
      assert.deepEqual(endpointIds(refunded), [ep.all], 'exact match only: invoice.paid does not take invoice.refunded');
    });

    test('endpoint_ids narrows the fan-out to the endpoints named', async () => {
      const narrowed = await publish(ws.api, { type: 'call.ended', payload: {}, endpoint_ids: [ep.callStar] });
      assert.deepEqual(endpointIds(narrowed), [ep.callStar]);
      const unmatched = await publish(ws.api, { type: 'call.ended', payload: {}, endpoint_ids: [ep.invoicePaid, ep.callStar] });
      assert.deepEqual(endpointIds(unmatched), [ep.callStar], 'naming an endpoint does not override its event_types');
    });

    test('an unknown endpoint id in endpoint_ids answers 422 and writes nothing', async () => {
      const before = await countEvents(ws.api);
      const response = await ws.api.post('/v1/events', { type: 'call.ended', payload: {}, endpoint_ids: ['ep_0123456789abcdef0123456789abcdef'] });
      const error = assertErrorShape(response, 422);
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.ok(error.details?.some((d) => d.field.startsWith('endpoint_ids')), JSON.stringify(error.details));
      assert.equal(await countEvents(ws.api), before);
    });

    test('an event that matches nothing is still listed, with deliveries: []', async () => {
      const lonely = await newWorkspace(h, 'lonely');
      await createEndpoint(lonely.api, { url: `${receiver.base}/ok`, event_types: ['invoice.*'] });
      const published = await publish(lonely.api, { type: 'call.ended', payload: { nobody: 'listens' } });
      assert.deepEqual(published.deliveries, []);
      const listed = await lonely.api.get('/v1/events');
      assert.deepEqual(listed.json.data.map((e: { id: string }) => e.id), [published.id]);
      assert.deepEqual(listed.json.data[0].deliveries, [], 'the list says the event went nowhere');
      const matched = await publish(lonely.api, { type: 'invoice.paid', payload: {} });
      const relisted = await lonely.api.get('/v1/events?type=invoice.paid');
      assert.deepEqual(relisted.json.data[0].deliveries.map((d: { id: string }) => d.id), matched.deliveries.map((d: { id: string }) => d.id));
      assert.ok(['queued', 'delivering', 'succeeded'].includes(relisted.json.data[0].deliveries[0].status));
      const got = await lonely.api.get(`/v1/events/${published.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json.deliveries, []);
      assert.deepEqual(got.json.payload, { nobody: 'listens' });
    });

    test('GET /v1/events/{id} shows its deliveries; an unknown id answers 404 EVENT_NOT_FOUND', async () => {
      const published = await publish(ws.api, { type: 'call.started', payload: {} });
      const got = await ws.api.get(`/v1/events/${published.id}`);
      assert.deepEqual(ids(got.json.deliveries), ids(published.deliveries));
      for (const delivery of got.json.deliveries) assert.equal(delivery.event_id, published.id);
      assert.equal(assertErrorShape(await ws.api.get('/v1/events/evt_0123456789abcdef0123456789abcdef'), 404).code, 'EVENT_NOT_FOUND');
    });
  });

  describe('batches', () => {
    test('a batch of 3 answers 202 {data:[3]} in order', async () => {
      const response = await h.api.post('/v1/events/batch', { events: ['a.one', 'a.two', 'a.three'].map((type) => ({ type, payload: { type } })) });
      assert.equal(response.status, 202, response.text);
      assert.deepEqual(response.json.data.map((e: { type: string }) => e.type), ['a.one', 'a.two', 'a.three']);
      for (const event of response.json.data) assert.match(event.id, /^evt_[0-9a-f]{32}$/);
      assert.equal(new Set(response.json.data.map((e: { id: string }) => e.id)).size, 3);
    });

    test('a batch of 1001 is refused in the error shape', async () => {
      const events = Array.from({ length: 1001 }, (_, i) => ({ type: 'bulk.item', payload: { i } }));
      const response = await h.api.post('/v1/events/batch', { events });
      assert.ok(response.status === 422 || response.status === 400, response.text.slice(0, 200));
      assertErrorShape(response, response.status);
    });

    test('a batch with one invalid event writes nothing', async () => {
      const ws = await newWorkspace(h, 'batch');
      const before = await countEvents(ws.api);
      const good = { type: 'batch.ok', payload: {} };
      for (const bad of [
        { type: 'not a type!', payload: {} },
        { type: 'batch.bad', payload: {}, tags: { 'bad key!': 'x' } },
        { type: 'batch.bad', payload: {}, endpoint_ids: ['ep_0123456789abcdef0123456789abcdef'] },
      ]) {
        const response = await ws.api.post('/v1/events/batch', { events: [good, bad, good] });
        assert.equal(assertErrorShape(response, 422).code, 'VALIDATION_FAILED', JSON.stringify(bad));
      }
      assert.equal(await countEvents(ws.api), before);
    });
  });

  test('malformed JSON, an empty body or a body that is not JSON answers 400 INVALID_REQUEST', async () => {
    const response = await h.api.raw('POST', '/v1/events', '{"type": "a.b", "payload": ');
    assert.equal(assertErrorShape(response, 400).code, 'INVALID_REQUEST');
    assert.equal(assertErrorShape(await h.api.raw('POST', '/v1/events', ''), 400).code, 'INVALID_REQUEST');
    const plain = await h.api.raw('POST', '/v1/events', '{"type":"a.b","payload":1}', { 'content-type': 'text/plain' });
    assert.equal(assertErrorShape(plain, 400).code, 'INVALID_REQUEST');
  });

  test('an invalid event answers 422 naming the field', async () => {
    for (const [body, field] of [[{ payload: {} }, 'type'], [{ type: 'a b', payload: {} }, 'type'], [{ type: 'a.b' }, 'payload'], [{ type: 'a.b', payload: {}, extra: 1 }, 'extra']] as const) {
      const error = assertErrorShape(await h.api.post('/v1/events', body), 422);
      assert.ok(error.details?.some((d) => d.field === field), `${JSON.stringify(body)}: ${JSON.stringify(error.details)}`);
    }
  });

  describe('Idempotency-Key', () => {
    test('the same body twice returns the same event and stores one', async () => {
      const ws = await newWorkspace(h, 'idempotency');
      const body = { type: 'order.placed', payload: { order: 42 } };
      const first = await publish(ws.api, body, { 'idempotency-key': 'order-42' });
      const second = await ws.api.post('/v1/events', body, { 'idempotency-key': 'order-42' });
      assert.equal(second.status, 202);
      assert.deepEqual(second.json, first);
      assert.equal(await countEvents(ws.api), 1);

      const conflict = await ws.api.post('/v1/events', { ...body, payload: { order: 43 } }, { 'idempotency-key': 'order-42' });
      assert.equal(assertErrorShape(conflict, 409).code, 'CONFLICT');
      assert.equal(await countEvents(ws.api), 1);

      const other = await newWorkspace(h, 'idempotency-2');
      const elsewhere = await publish(other.api, body, { 'idempotency-key': 'order-42' });
      assert.notEqual(elsewhere.id, first.id, 'keys are per workspace');
    });
  });

  test('list filters: type, start_time/end_time, tag[K]', async () => {
    const ws = await newWorkspace(h, 'event-filters');
    const e1 = await publish(ws.api, { type: 'order.created', payload: {}, tags: { region: 'eu', tier: 'gold' } });
    await sleep(5);
    const e2 = await publish(ws.api, { type: 'order.shipped', payload: {}, tags: { region: 'us' } });
    await sleep(5);
    const e3 = await publish(ws.api, { type: 'order.created', payload: {}, tags: { region: 'us', tier: 'gold' } });
    const list = async (query: string) => {
      const response = await ws.api.get(`/v1/events?${query}`);
      assert.equal(response.status, 200, `${query}: ${response.text}`);
      return ids(response.json.data);
    };
    assert.deepEqual(await list('type=order.created'), ids([e1, e3]));
    assert.deepEqual(await list('type=order.created,order.shipped'), ids([e1, e2, e3]));
    assert.deepEqual(await list('type=order'), []);
    assert.deepEqual(await list('tag[region]=us'), ids([e2, e3]));
    assert.deepEqual(await list('tag[region]=us&tag[tier]=gold'), ids([e3]));
    assert.deepEqual(await list('tag[region]=eu&type=order.shipped'), []);
    assert.deepEqual(await list(`start_time=${e2.created_at}`), ids([e2, e3]));
    assert.deepEqual(await list(`end_time=${e2.created_at}`), ids([e1]));
    assert.deepEqual(await list(`start_time=${e2.created_at}&end_time=${e3.created_at}`), ids([e2]));
    assert.equal(assertErrorShape(await ws.api.get('/v1/events?start_time=yesterday'), 400).code, 'INVALID_REQUEST');
  });

  test('the receiver gets the payload byte for byte, signed, with webhook-id = the event id', async () => {
    const ws = await newWorkspace(h, 'bytes');
    const endpoint = await createEndpoint(ws.api, { url: at(receiver.base, '/ok', 'bytes'), headers: { 'x-tenant': 'acme' } });
    const secret = (await ws.api.get(`/v1/endpoints/${endpoint.id}/secret`)).json.secret;
    const payload = { text: 'héllo ☃ \u2028 "quoted" \\ slash', n: 1.5, big: 9007199254740991, neg: -0.25, list: [1, null, { deep: [true, false] }], empty: {} };
    const published = await publish(ws.api, { type: 'bytes.check', payload });
    const request = await eventually(() => receiver.requests.find((r) => r.path.endsWith('ep=bytes')), 5000);
    assert.ok(request, 'the receiver got the event');
    assert.equal(request.body, JSON.stringify(payload));
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['webhook-id'], published.id);
    assert.equal(request.headers['herald-event-type'], 'bytes.check', 'the type travels as a header, the payload stays the caller’s');
    assert.match(String(request.headers['webhook-timestamp']), /^\d{10}$/);
    assert.ok(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(String(request.headers['user-agent']), /^Herald\//);
    assert.equal(request.headers['x-tenant'], 'acme');
    assert.doesNotThrow(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>));
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(request.body, request.headers as Record<string, string>));
  });

  describe('with HERALD_MAX_PAYLOAD_BYTES=1024', () => {
    let small: TestHerald;
    before(async () => {
      small = await startTestHerald({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    });
    after(async () => {
      await small?.close();
    });

    test('a larger payload answers 413 PAYLOAD_TOO_LARGE, alone or in a batch; a smaller one is accepted', async () => {
      const big = { type: 'big.one', payload: { data: 'x'.repeat(2000) } };
      assert.equal(assertErrorShape(await small.api.post('/v1/events', big), 413).code, 'PAYLOAD_TOO_LARGE');
      const batch = await small.api.post('/v1/events/batch', { events: [{ type: 'ok.one', payload: {} }, big] });
      assert.equal(assertErrorShape(batch, 413).code, 'PAYLOAD_TOO_LARGE');
      assert.equal(await countEvents(small.api), 0);
      await publish(small.api, { type: 'small.one', payload: { data: 'x'.repeat(900) } });
    });
  });
});
