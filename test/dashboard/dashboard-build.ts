import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASHBOARD = join(ROOT, 'dashboard');
const INDEX = join(DASHBOARD, 'dist', 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const LOCK = join(tmpdir(), 'herald-dashboard-build.lock');

function isFresh(): boolean {
  const sources = Math.max(newestSource(join(DASHBOARD, 'src')), statSync(join(DASHBOARD, 'index.html')).mtimeMs, statSync(join(DASHBOARD, 'vite.config.ts')).mtimeMs);
  return existsSync(INDEX) && statSync(INDEX).mtimeMs >= sources;
}

/**
 * Builds `dashboard/dist` when it is missing or older than a source file (the tests must see the
 * code as it is, not a stale build). `npm install` normally built it already, so this is a no-op.
 * Test files run in parallel: a lock directory makes one build while the others wait.
 */
export function ensureDashboardBuilt(): void {
  if (isFresh()) return;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) break; // a stale lock from a killed run: build anyway
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      if (isFresh()) return;
    }
  }
  try {
    if (!isFresh()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(DASHBOARD, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
