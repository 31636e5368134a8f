/**
 * Herald's typed client: every path, parameter and response of /openapi.json, checked by TypeScript.
 * The types are generated (`npm run client:generate`), never written by hand, so the CLI and the
 * dashboard, which both use this client, cannot drift from the API.
 *
 *   import { createHeraldClient } from 'herald/client';
 *   const herald = createHeraldClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.HERALD_API_KEY });
 *   const { data, error } = await herald.GET('/v1/logs', { params: { query: { status: 'failed' } } });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

export type { components, paths };
export type HeraldClient = Client<paths>;

/** The contract's error body: `{ error: { code, message, details? }, meta: { request_id } }`. */
export interface HeraldErrorBody {
  error: { code: string; message: string; details?: Array<{ field?: string; message: string }> };
  meta?: { request_id?: string };
}

export interface HeraldClientOptions {
  /** Where Herald listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A workspace API key (or the admin key for /v1/admin routes). */
  apiKey?: string;
  /** Another fetch (tests, proxies); defaults to the global one. */
  fetch?: typeof fetch;
}

export function createHeraldClient({ baseUrl, apiKey, fetch: fetchImpl }: HeraldClientOptions): HeraldClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

export { HeraldApiError, unwrap, type HeraldErrorDetail } from './api-error.ts';
export { readServerSentEvents, type ServerSentEvent } from './server-sent-events.ts';
export { streamLogs, type LogEntry, type LogFilters, type LogStreamOptions, type StreamedLogEntry } from './stream-logs.ts';
export { exportLogs, type LogExportFormat, type LogExportOptions } from './log-export.ts';
