import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { dashboardRoutes } from '../../src/http/routes/dashboard-routes.ts';
import { startTestHerald, type TestHerald } from '../support/herald.ts';
import { ensureDashboardBuilt } from './dashboard-build.ts';

// How Herald serves the dashboard: index.html for client routes, hashed assets cached for a year,
// the API untouched, and a page saying how to build it when the build is missing.

describe('dashboard routes', () => {
  let h: TestHerald;
  before(async () => {
    ensureDashboardBuilt();
    h = await startTestHerald();
  });
  after(async () => {
    await h?.close();
  });

  test('/ and client routes answer index.html, never cached', async () => {
    for (const path of ['/', '/logs', '/logs?status=failed', '/logs/log_0123', '/endpoints', '/endpoints/ep_01', '/events/evt_01']) {
      const response = await fetch(h.url + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.match(await response.text(), /<div id="root">/);
    }
  });

  test('assets have their content type and an immutable cache; unknown assets 404', async () => {
    const html = await (await fetch(`${h.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    assert.ok(script && style, html);
    const js = await fetch(h.url + script);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.match((await fetch(h.url + style)).headers.get('content-type') ?? '', /^text\/css/);
    assert.equal((await fetch(`${h.url}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${h.url}/assets/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${h.url}/favicon.svg`)).headers.get('content-type'), 'image/svg+xml');
  });

  test('the API keeps its own answers: /v1/* 404s in the contract shape, /openapi.json does not list the dashboard', async () => {
    const missing = await fetch(`${h.url}/v1/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
    const spec = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(spec.paths).filter((path) => !path.startsWith('/v1/') && !['/healthz', '/readyz', '/metrics', '/openapi.json'].includes(path)), []);
  });

  test('without a build, / answers a page saying how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'herald-no-dashboard-'));
    const app = Fastify();
    dashboardRoutes(app, empty);
    try {
      const response = await app.inject({ method: 'GET', url: '/' });
      assert.equal(response.statusCode, 503);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.match(response.body, /npm run dashboard:build/);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
