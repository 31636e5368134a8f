import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request as the receiver saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/slow?ms=50`. */
  path: string;
  /** Lower-case names, as Node parses them. */
  headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms when the body had been read. */
  at: number;
}

/**
 * A real HTTP(S) server on 127.0.0.1 that misbehaves on purpose. Behaviour is chosen by path:
 * `/ok` 200 `{"received":true}`; `/fail` 500; `/hang` never answers; `/slow?ms=N` 200 after
 * N ms; `/drip` headers then 1 byte per second forever; `/redirect` 302 to `/ok`; `/gone` 410;
 * `/rate-limited?retry_after=N` 429; `/unavailable?retry_after=N` 503; `/huge` 200 with 5 MiB;
 * `/endless` 200 with a body that never ends; `/reset` drops the connection unanswered;
 * `/reset-mid-body` drops it halfway through the body; `/flaky?fail=N` 503 for the first N
 * requests to that exact path and query, then 200; `/status/NNN` answers NNN. Anything else 404.
 */
export interface Receiver {
  /** `http://127.0.0.1:<port>` (or `https://`). */
  base: string;
  port: number;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Resolves with the requests once at least `n` arrived; rejects after `timeoutMs` (default 5 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

type Behaviour = (request: IncomingMessage, response: ServerResponse, query: URLSearchParams) => void;

/** Starts a plain HTTP receiver on 127.0.0.1 and a random port. */
export function startReceiver(): Promise<Receiver> {
  return listen(createHttpServer(), 'http');
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the `openssl` CLI. */
export interface SelfSignedCertificate {
  key: string;
  cert: string;
}

/** True when the `openssl` CLI can be run, so {@link startTlsReceiver} works. */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates a throwaway self-signed certificate (valid one day) in a temporary directory. */
export function createSelfSignedCertificate(): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cert-'));
  try {
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile,
    ], { stdio: 'ignore' });
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts an HTTPS receiver with a self-signed certificate; needs {@link opensslAvailable}. */
export function startTlsReceiver(certificate = createSelfSignedCertificate()): Promise<Receiver> {
  return listen(createHttpsServer(certificate), 'https');
}

async function listen(server: HttpServer | HttpsServer, scheme: 'http' | 'https'): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const flakyCounts = new Map<string, number>();
  let connections = 0;

  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', path, headers: request.headers, body, at: Date.now() });
      for (const wake of waiters) wake();
      const url = new URL(path, 'http://receiver');
      behaviourFor(url.pathname, flakyCounts, path)(request, response, url.searchParams);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${scheme}://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    waitForRequests: (n, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          cleanup();
          resolve(requests);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`receiver got ${requests.length} of ${n} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function behaviourFor(pathname: string, flakyCounts: Map<string, number>, fullPath: string): Behaviour {
  const [, first = '', second = ''] = pathname.split('/');
  switch (first) {
    case 'ok': return (_req, res) => json(res, 200, { received: true });
    case 'fail': return (_req, res) => json(res, 500, { error: 'failing on purpose' });
    case 'hang': return () => {};
    case 'slow': return (_req, res, query) => {
      const timer = setTimeout(() => json(res, 200, { received: true }), Number(query.get('ms') ?? 1000));
      res.on('close', () => clearTimeout(timer));
    };
    case 'drip': return (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      const timer = setInterval(() => res.write('.'), 1000);
      res.on('close', () => clearInterval(timer));
    };
    case 'redirect': return (_req, res) => res.writeHead(302, { location: '/ok' }).end();
    case 'gone': return (_req, res) => json(res, 410, { error: 'gone' });
    case 'rate-limited': return (_req, res, query) => withRetryAfter(res, 429, query);
    case 'unavailable': return (_req, res, query) => withRetryAfter(res, 503, query);
    case 'huge': return (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(5 * 1024 * 1024, 'x'));
    case 'endless': return (_req, res) => writeForever(res);
    case 'reset': return (req) => req.socket.destroy();
    case 'reset-mid-body': return (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('x'.repeat(100), () => setTimeout(() => req.socket.destroy(), 20));
    };
    case 'flaky': return (_req, res, query) => {
      const seen = (flakyCounts.get(fullPath) ?? 0) + 1;
      flakyCounts.set(fullPath, seen);
      if (seen <= Number(query.get('fail') ?? 1)) json(res, 503, { error: `failure ${seen}` });
      else json(res, 200, { received: true });
    };
    case 'status': return (_req, res) => res.writeHead(Number(second) || 500).end();
    default: return (_req, res) => json(res, 404, { error: 'no such behaviour' });
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function withRetryAfter(response: ServerResponse, status: number, query: URLSearchParams): void {
  const retryAfter = query.get('retry_after');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  response.writeHead(status, headers).end(JSON.stringify({ error: 'try later' }));
}

/** Writes 64 KiB chunks, respecting back-pressure, until the client goes away. */
function writeForever(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'e');
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
  };
  response.on('drain', pump);
  pump();
}
