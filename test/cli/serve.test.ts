import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { collect, herald, spawnHerald } from './cli-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'herald-cli-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('herald migrate creates the database and exits', async () => {
  const dbPath = join(dir, 'migrated', 'herald.db');
  const result = await herald(['migrate', '--database-url', dbPath]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `migrated ${dbPath}: the schema is up to date\n`);
  assert.ok(existsSync(dbPath));
  const again = await herald(['migrate'], { env: { HERALD_DATABASE_URL: dbPath } });
  assert.equal(again.code, 0, again.stderr);
});

test('herald serve runs Herald with flags over the environment, and stops on SIGTERM', async () => {
  const key = 'hk_cli_serve_test';
  const child = spawnHerald(['serve', '--port', '0', '--database-url', join(dir, 'served.db'), '--log-level', 'silent', '--api-key', key],
    { HERALD_PORT: '1', HERALD_API_KEY: 'hk_from_env' });
  const stdout = collect(child.stdout);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const text = await stdout.waitFor(new RegExp(`API key of workspace "default"[^\\n]*\\n +${key}\\n`), 15_000);
    const url = /listening on (http:\/\/\S+)/.exec(text)![1]!;
    const listed = await herald(['endpoints', 'list', '--url', url, '--api-key', key]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /no endpoints/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('every HERALD_* setting the config reads is also a herald serve flag', async () => {
  const variables = new Set(readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8').match(/HERALD_[A-Z_]+/g));
  const help = await herald(['serve', '--help']);
  assert.equal(help.code, 0);
  for (const variable of variables) assert.match(help.stdout, new RegExp(`\\$${variable}\\b`), `no flag for ${variable}`);
});
