import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { apiClient, eventually, type ApiClient } from '../support/herald.ts';

// Herald as users run it: `node src/main.ts` in a child process, configured by its environment.
// Tests that kill the process, or that must survive a process that stops answering, use this.

const REPO = join(import.meta.dirname, '..', '..');

/** A running `node src/main.ts`. */
export interface ServerProcess {
  proc: ChildProcess;
  api: ApiClient;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The environment every loopback test of Herald starts from: its port and database, a fresh API key
 * (`<keyPrefix>_…`), and plain http to private addresses allowed (the receivers are on 127.0.0.1).
 */
export function loopbackServerEnv(port: number, databaseUrl: string, keyPrefix: string): Record<string, string> {
  return {
    HERALD_PORT: String(port),
    HERALD_DATABASE_URL: databaseUrl,
    HERALD_API_KEY: `${keyPrefix}_${Math.random().toString(36).slice(2)}`,
    HERALD_ALLOW_HTTP: 'true',
    HERALD_ALLOW_PRIVATE_NETWORKS: 'true',
  };
}

/**
 * Starts Herald with `env` (over this process's environment) and waits until `/healthz` answers.
 * `env` needs at least HERALD_PORT, HERALD_DATABASE_URL and HERALD_API_KEY.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const { NODE_TEST_CONTEXT: _runnerOnly, ...inherited } = process.env; // else the child reports as a test file
  const proc = spawn(process.execPath, ['src/main.ts'], {
    cwd: REPO,
    env: { ...inherited, HERALD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const server: ServerProcess = {
    proc,
    api: apiClient(`http://127.0.0.1:${env.HERALD_PORT}`, env.HERALD_API_KEY ?? null),
    output: () => output,
    stop: async (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
  const healthy = await eventually(async () => {
    if (proc.exitCode !== null) return true;
    return (await server.api.get('/healthz').catch(() => null))?.status === 200;
  }, 15_000, 50);
  if (!healthy || proc.exitCode !== null) {
    await server.stop('SIGKILL');
    throw new Error(`Herald did not come up (exit code ${proc.exitCode}):\n${output}`);
  }
  return server;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
