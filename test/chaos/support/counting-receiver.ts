import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A receiver for long runs: it keeps counts, not requests. Behaviour by the path's first segment:
// `/ok` 200 (after `?ms=N` when given), `/fail` 500, `/hang` never answers (until the client gives up
// or the receiver closes), `/switch` does what `mode` says at the time the request arrives.

export type SwitchMode = 'ok' | 'fail' | 'hang';

export interface CountingReceiver {
  base: string;
  /** Receipts per `webhook-id` (any answer). */
  received: Map<string, number>;
  /** Epoch ms of the first receipt of each `webhook-id`. */
  firstSeenAt: Map<string, number>;
  /** `webhook-id`s answered 2xx. */
  acked: Set<string>;
  /** Requests so far, and requests held open now. */
  readonly requests: number;
  readonly open: number;
  /** Largest number of requests held open at once. */
  readonly maxOpen: number;
  /** What `/switch` does from now on. */
  mode: SwitchMode;
  close(): Promise<void>;
}

export async function startCountingReceiver(): Promise<CountingReceiver> {
  const received = new Map<string, number>();
  const firstSeenAt = new Map<string, number>();
  const acked = new Set<string>();
  const held = new Set<ServerResponse>();
  let requests = 0;
  let maxOpen = 0;
  let mode: SwitchMode = 'ok';
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      requests += 1;
      received.set(id, (received.get(id) ?? 0) + 1);
      if (!firstSeenAt.has(id)) firstSeenAt.set(id, Date.now());
      const url = new URL(request.url ?? '/', 'http://receiver');
      const segment = url.pathname.split('/')[1] ?? '';
      const behaviour = segment === 'switch' ? mode : segment;
      const ok = () => {
        if (response.destroyed) return;
        acked.add(id);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      if (behaviour === 'ok') {
        const ms = Number(url.searchParams.get('ms') ?? 0);
        if (ms > 0) {
          const timer = setTimeout(ok, ms);
          response.on('close', () => clearTimeout(timer));
        } else ok();
      } else if (behaviour === 'fail') {
        response.writeHead(500, { 'content-type': 'text/plain' }).end('failing on purpose');
      } else if (behaviour === 'hang') {
        held.add(response);
        maxOpen = Math.max(maxOpen, held.size);
        response.on('close', () => held.delete(response));
      } else {
        response.writeHead(404).end();
      }
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.keepAliveTimeout = 30_000;
  server.maxConnections = 20_000;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    firstSeenAt,
    acked,
    get requests() {
      return requests;
    },
    get open() {
      return held.size;
    },
    get maxOpen() {
      return maxOpen;
    },
    get mode() {
      return mode;
    },
    set mode(next: SwitchMode) {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
