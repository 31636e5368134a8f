import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `vite build --config dashboard/vite.config.ts` writes the dashboard. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

/** The dashboard's client-side routes: each answers index.html and the app draws the page. */
const CLIENT_ROUTES = ['/', '/logs', '/logs/*', '/endpoints', '/endpoints/*', '/events', '/events/*'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite puts a content hash in every asset name, so assets never change under a name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What `/` answers when the dashboard was never built: how to build it, not a crash. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald · dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>
<h1>The dashboard has not been built</h1>
<p>Herald is running and its API answers under <code>/v1</code>, but <code>dashboard/dist</code> is missing.</p>
<p>Build it from the Herald checkout, then reload this page:</p>
<pre><code>npm install            # runs the prepare script, which builds the dashboard
npm run dashboard:build  # or build only the dashboard</code></pre>
<p>The API reference is at <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>`;

/**
 * Serves the web dashboard built into `dashboard/dist` (`distDir`): its hashed assets under
 * `/assets/*` with a year-long immutable cache, and `index.html` (never cached) for `/` and every
 * client-side route, so a shared link such as `/logs?status=failed` opens the right page.
 * `/v1/*`, `/openapi.json` and the operation routes are never answered here. The routes are hidden
 * from /openapi.json. When the build is missing, `/` answers a page saying how to build it.
 */
export function dashboardRoutes(app: FastifyInstance, distDir: string = DASHBOARD_DIST): void {
  const hidden = { schema: { hide: true }, exposeHeadRoute: true };

  const sendIndex = async (reply: FastifyReply) => {
    const html = await readFile(join(distDir, 'index.html'), 'utf8').catch(() => null);
    reply.header('cache-control', 'no-cache');
    if (html === null) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    return reply.type('text/html; charset=utf-8').send(html);
  };

  for (const url of CLIENT_ROUTES) app.get(url, hidden, async (_request, reply) => sendIndex(reply));

  const sendFile = async (relative: string, cacheControl: string, reply: FastifyReply) => {
    const root = normalize(distDir + sep);
    const file = normalize(join(root, relative));
    const info = file.startsWith(root) ? await stat(file).catch(() => null) : null;
    if (!info?.isFile()) {
      return reply.status(404).type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send('not found');
    }
    reply
      .type(CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
      .header('content-length', info.size)
      .header('cache-control', cacheControl)
      .header('x-content-type-options', 'nosniff');
    return reply.send(createReadStream(file));
  };

  app.get<{ Params: { '*': string } }>('/assets/*', hidden, async (request, reply) =>
    sendFile(join('assets', request.params['*']), IMMUTABLE, reply),
  );
  app.get('/favicon.svg', hidden, async (_request, reply) => sendFile('favicon.svg', 'public, max-age=86400', reply));
}
