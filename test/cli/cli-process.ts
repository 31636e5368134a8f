import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point, run as a child process exactly as `herald` would be. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** What a finished `herald` run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: PATH only (no HERALD_*, NO_COLOR or FORCE_COLOR leaking in from the runner), plus `env`. */
export function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...env };
}

/** Runs `herald …args` to completion (killed after `timeoutMs`, default 15 s), feeding `input` on stdin. */
export function herald(args: string[], options: { env?: Record<string, string>; input?: string | Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnHerald(args, options.env);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** Starts `herald …args` and leaves it running (for `logs tail` and `serve`). */
export function spawnHerald(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { env: cliEnv(env) });
}

/** A running child's output so far, and a way to wait until it contains something. */
export interface Collected {
  text(): string;
  /** Resolves once the output matches `pattern`; rejects after `timeoutMs` (default 10 s) with what it has. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
}

/** Collects a stream of a child process. */
export function collect(stream: NodeJS.ReadableStream): Collected {
  let text = '';
  const waiters = new Set<() => void>();
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  });
  return {
    text: () => text,
    waitFor: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const matches = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
        const check = () => {
          if (!matches()) return;
          done();
          resolve(text);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`output never matched ${pattern} within ${timeoutMs} ms; got:\n${text}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
