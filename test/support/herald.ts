import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/domain/clock.ts';
import type { LookupFn } from '../../src/delivery/address-guard.ts';
import { startHerald, type Herald } from '../../src/herald.ts';
import { dropSchemas, newSchemaName, urlWithSchema } from './postgres.ts';

/** A Herald started in this process on a fresh SQLite file, listening on a random port. */
export interface TestHerald {
  herald: Herald;
  url: string;
  /** The `default` workspace's key. */
  key: string;
  adminKey: string;
  dataDir: string;
  dbPath: string;
  api: ApiClient;
  /** Stops Herald and removes its files. */
  close(): Promise<void>;
}

/** Starts Herald with test-friendly defaults (http and loopback allowed, a 50 ms schedule). `env` overrides. */
export async function startTestHerald(env: Record<string, string> = {}, options: { clock?: Clock; lookup?: LookupFn; dataDir?: string } = {}): Promise<TestHerald> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-test-'));
  const dbPath = join(dataDir, 'herald.db');
  const key = `hk_test_${Math.random().toString(36).slice(2)}`;
  const adminKey = `admin_test_${Math.random().toString(36).slice(2)}`;
  // HERALD_TEST_BACKEND=postgres: a fresh schema on HERALD_TEST_DATABASE_URL instead of a SQLite file, dropped on close.
  const pgSchema = process.env.HERALD_TEST_BACKEND === 'postgres' && env.HERALD_DATABASE_URL === undefined ? newSchemaName() : null;
  const config = loadConfig({
    HERALD_PORT: '0',
    HERALD_DATABASE_URL: pgSchema ? urlWithSchema(pgSchema, undefined, { pool_size: '5' }) : dbPath,
    HERALD_API_KEY: key,
    HERALD_ADMIN_KEY: adminKey,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_RETRY_SCHEDULE: '50ms,50ms,50ms',
    ...env,
  });
  const herald = await startHerald({
    config,
    logger: pino({ level: process.env.HERALD_TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const url = herald.url ?? '';
  return {
    herald, url, key, adminKey, dataDir, dbPath,
    api: apiClient(url, key),
    close: async () => {
      await herald.stop();
      if (pgSchema) await dropSchemas([pgSchema]);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The answer of one API call, body parsed when it is JSON. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

export interface ApiClient {
  get(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  patch(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  delete(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Any method with a raw string body. */
  raw(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<ApiResponse>;
}

/** A tiny fetch client for the API, authenticated with `key` (none when null). */
export function apiClient(baseUrl: string, key: string | null): ApiClient {
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const allHeaders: Record<string, string> = { ...headers };
    if (key !== null && !('authorization' in allHeaders)) allHeaders.authorization = `Bearer ${key}`;
    if (body !== undefined && !('content-type' in allHeaders)) allHeaders['content-type'] = 'application/json';
    const response = await fetch(baseUrl + path, { method, headers: allHeaders, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  const encode = (body: unknown) => (body === undefined ? undefined : JSON.stringify(body));
  return {
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, encode(body), headers),
    patch: (path, body, headers) => call('PATCH', path, encode(body), headers),
    delete: (path, headers) => call('DELETE', path, undefined, headers),
    raw: call,
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await check();
  while (!last && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    last = await check();
  }
  return last;
}

/** Asserts the contract's error shape and status; returns the error object. */
export function assertErrorShape(response: ApiResponse, status: number): { code: string; message: string; details?: Array<{ field: string; message: string }> } {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text.slice(0, 300)}`);
  const body = response.json;
  if (typeof body?.error?.code !== 'string' || typeof body?.error?.message !== 'string') throw new Error(`not the error shape: ${response.text.slice(0, 300)}`);
  if (typeof body?.meta?.request_id !== 'string' || response.headers.get('x-request-id') !== body.meta.request_id) {
    throw new Error(`meta.request_id missing or not equal to X-Request-Id: ${response.text.slice(0, 300)}`);
  }
  return body.error;
}
