import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { eventually } from '../support/herald.ts';

// Several `node src/main.ts` processes on one PostgreSQL schema, and a receiver that can tell which
// process sent each request (Linux: by the socket's owner in /proc; elsewhere it cannot).

const REPO = join(import.meta.dirname, '..', '..');

/** A `node src/main.ts` with HERALD_ROLE=worker: it does not listen, so it is "up" once it says so. */
export interface WorkerProcess {
  proc: ChildProcess;
  output(): string;
  stop(signal: NodeJS.Signals): Promise<void>;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const { NODE_TEST_CONTEXT: _runnerOnly, ...inherited } = process.env; // else the child reports as a test file
  const proc = spawn(process.execPath, ['src/main.ts'], {
    cwd: REPO,
    env: { ...inherited, HERALD_LOG_LEVEL: 'warn', ...env, HERALD_ROLE: 'worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const worker: WorkerProcess = {
    proc,
    output: () => output,
    stop: async (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
  const up = await eventually(() => proc.exitCode !== null || output.includes('Herald worker running'), 15_000, 25);
  if (!up || proc.exitCode !== null) {
    await worker.stop('SIGKILL');
    throw new Error(`Herald worker did not come up (exit code ${proc.exitCode}):\n${output}`);
  }
  return worker;
}

/** What the receiver saw. */
export interface Receiver {
  base: string;
  /** Receipts per `webhook-id`. */
  received: Map<string, number>;
  /** Requests per sending process id (only where /proc tells socket owners; else empty). */
  byPid: Map<number, number>;
  /** Requests received so far, in total. */
  readonly receipts: number;
  close(): Promise<void>;
}

/**
 * A receiver that answers 200 after `minMs`–`maxMs` and counts receipts per `webhook-id`. Given the
 * pids of the senders (`pids()`), it finds which one opened each connection (Linux only).
 */
export async function startReceiver(options: { minMs: number; maxMs: number; pids?: () => number[] }): Promise<Receiver> {
  const received = new Map<string, number>();
  const byPid = new Map<number, number>();
  const ownerOf = new WeakMap<Socket, number | null>();
  let receipts = 0;
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      received.set(id, (received.get(id) ?? 0) + 1);
      receipts += 1;
      const pid = ownerOf.get(request.socket);
      if (pid != null) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      const timer = setTimeout(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        options.minMs + Math.floor(Math.random() * (options.maxMs - options.minMs + 1)),
      );
      response.on('close', () => clearTimeout(timer));
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  server.on('connection', (socket: Socket) => {
    if (options.pids) ownerOf.set(socket, socketOwner(socket.remotePort ?? 0, port, options.pids()));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    byPid,
    get receipts() {
      return receipts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Which of `pids` holds the loopback socket 127.0.0.1:`localPort` → :`remotePort`; null when /proc cannot tell. */
function socketOwner(localPort: number, remotePort: number, pids: number[]): number | null {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const local = `0100007F:${hex(localPort)}`;
  const remote = `0100007F:${hex(remotePort)}`;
  let inode: string | undefined;
  for (const line of table.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns[1] === local && columns[2] === remote) inode = columns[9];
  }
  if (inode === undefined) return null;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // the process is gone
    }
  }
  return null;
}

/**
 * A TCP proxy in front of PostgreSQL, so a test can take "the database" away from one Herald and
 * give it back (`down()` / `up()`), or end exactly the server sessions that came through it
 * (`upstreamPorts()` are their client ports in pg_stat_activity), without touching anyone else's.
 */
export interface PgProxy {
  port: number;
  /** The local ports of the proxy's connections to PostgreSQL (pg_stat_activity.client_port). */
  upstreamPorts(): number[];
  /** Stops accepting and cuts every connection: PostgreSQL is unreachable. */
  down(): Promise<void>;
  /** Accepts again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  const upstream = new Set<Socket>();
  const server = createNetServer((client) => {
    const server = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(server);
    upstream.add(server);
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
      upstream.delete(server);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.pipe(server);
    server.pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const down = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    port,
    upstreamPorts: () => [...upstream].map((socket) => socket.localPort).filter((p): p is number => typeof p === 'number'),
    down,
    up: () => listen(port),
    close: async () => {
      if (server.listening) await down();
    },
  };
}
