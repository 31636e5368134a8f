import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestHerald, type ApiClient, type TestHerald } from '../support/herald.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { at, createEndpoint, publish, waitForSettledLog } from './fixtures.ts';

/** A log entry as `GET /v1/logs` lists it. */
export interface LogRow {
  id: string;
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  endpoint_url: string;
  event_type: string;
  attempt: number;
  trigger: 'scheduled' | 'manual';
  status: 'succeeded' | 'failed';
  http_method: string;
  http_status: number | null;
  error: { code: string; message: string } | null;
  duration_ms: number;
  timings: Record<string, number | null>;
  will_retry: boolean;
  next_attempt_at: string | null;
  tags: Record<string, string>;
  created_at: string;
  completed_at: string;
}

/** Follows `meta.next_cursor` from `path` (which carries `limit`) to the end; every row seen, in order. */
export async function walkCursor(api: ApiClient, path: string, maxPages = 200): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  let next = path;
  for (let page = 0; page < maxPages; page += 1) {
    const response = await api.get(next);
    assert.equal(response.status, 200, `${next}: ${response.text}`);
    rows.push(...response.json.data);
    const { has_more: hasMore, next_cursor: cursor } = response.json.meta;
    if (!hasMore) {
      assert.equal(cursor, null, 'the last page has no cursor');
      return rows;
    }
    assert.equal(typeof cursor, 'string');
    next = `${path}&cursor=${encodeURIComponent(cursor)}`;
  }
  throw new Error(`still paging after ${maxPages} pages of ${path}`);
}

const SORT_VALUE: Record<string, (row: LogRow) => number> = {
  created_at: (row) => Date.parse(row.created_at),
  duration_ms: (row) => row.duration_ms,
  http_status: (row) => row.http_status ?? 0,
  attempt: (row) => row.attempt,
};

/** A comparator for a `sort=` value over the sort keys only (ties compare equal). */
export function sortKeysOf(sort: string): (a: LogRow, b: LogRow) => number {
  const keys = sort.split(',').map((part) => ({ value: SORT_VALUE[part.replace(/^-/, '')]!, sign: part.startsWith('-') ? -1 : 1 }));
  return (a, b) => {
    for (const { value, sign } of keys) {
      const difference = value(a) - value(b);
      if (difference !== 0) return sign * difference;
    }
    return 0;
  };
}

type EndpointName = 'ok' | 'fail' | 'notFound' | 'gone' | 'flaky' | 'refused';

/** A Herald whose log holds a known, settled data set; see {@link buildLogDataSet}. */
export interface LogDataSet {
  h: TestHerald;
  receiver: Receiver;
  /** Every log entry, newest first (the default order). */
  rows: LogRow[];
  ep: Record<EndpointName, string>;
  evt: { ended: string; started: string; paid: string };
  /** Each event's payload, by event id. */
  payloads: Record<string, unknown>;
  /** The manual retry made through `POST /v1/logs/{id}/retry`: its answer and the entry retried. */
  retried: { status: number; body: { delivery_id?: string }; of: LogRow | undefined };
  close(): Promise<void>;
}

/**
 * Six endpoints that succeed, fail (500), answer 404, answer 410, fail once (PUT), and refuse
 * connections; three events with tags; every delivery settled (schedule 20ms,20ms: 3 attempts);
 * then one manual retry of the third failure of the call.ended delivery to /fail, settled too.
 */
export async function buildLogDataSet(): Promise<LogDataSet> {
  const [h, receiver] = await Promise.all([startTestHerald({ HERALD_RETRY_SCHEDULE: '20ms,20ms' }), startReceiver()]);
  const close = async () => {
    await h.close();
    await receiver.close();
  };
  try {
    const ep: Record<EndpointName, string> = { ok: '', fail: '', notFound: '', gone: '', flaky: '', refused: '' };
    const make = async (name: EndpointName, url: string, extra: Record<string, unknown> = {}) => {
      ep[name] = (await createEndpoint(h.api, { url, ...extra })).id;
    };
    await make('ok', at(receiver.base, '/ok', 'ok'));
    await make('fail', at(receiver.base, '/fail', 'fail'), { event_types: ['call.*'] });
    await make('notFound', at(receiver.base, '/status/404', 'not-found'), { event_types: ['invoice.paid'] });
    await make('gone', at(receiver.base, '/gone', 'gone'), { event_types: ['call.ended'] });
    await make('flaky', at(receiver.base, '/flaky?fail=1', 'flaky'), { method: 'PUT' });
    await make('refused', 'http://127.0.0.1:1/hooks', { event_types: ['invoice.*'], timeout_ms: 2000 });

    const payloads: Record<string, unknown> = {};
    const send = async (type: string, payload: unknown, tags: Record<string, string>) => {
      const published = await publish(h.api, { type, payload, tags });
      payloads[published.id] = payload;
      await sleep(15);
      return published.id as string;
    };
    const evt = {
      ended: await send('call.ended', { call: 'c1', seconds: 61 }, { call_id: 'c1', team: 'red' }),
      started: await send('call.started', { call: 'c2' }, { call_id: 'c2', team: 'blue' }),
      paid: await send('invoice.paid', { invoice: 'i1', amount: 1200 }, { team: 'red' }),
    };
    const settled: LogRow[] = await waitForSettledLog(h.api);

    const lastFailure = settled.find((row) => row.endpoint_id === ep.fail && row.event_id === evt.ended && row.attempt === 3);
    const response = await h.api.post(`/v1/logs/${lastFailure?.id}/retry`);
    const retried = { status: response.status, body: response.json, of: lastFailure };
    const rows: LogRow[] = await waitForSettledLog(h.api);
    return { h, receiver, rows, ep, evt, payloads, retried, close };
  } catch (error) {
    await close();
    throw error;
  }
}
