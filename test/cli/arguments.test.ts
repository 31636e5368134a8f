import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { herald } from './cli-process.ts';

// Argument errors need no server: they stop before any request, say what to do, and exit 2.

const env = { HERALD_API_KEY: 'hk_unused', HERALD_URL: 'http://127.0.0.1:9' };

/** A local port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('herald --help lists every command; <command> --help lists its flags', async () => {
  const help = await herald(['--help']);
  assert.equal(help.code, 0);
  for (const name of ['serve', 'migrate', 'logs list', 'logs show', 'logs tail', 'logs retry', 'logs export', 'events send',
    'endpoints list', 'endpoints create', 'endpoints update', 'endpoints delete', 'endpoints test', 'endpoints recover', 'stats', 'verify']) {
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, 'm'), name);
  }
  const list = await herald(['logs', 'list', '--help']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^Usage: herald logs list /);
  for (const flag of ['--status', '--endpoint-id', '--delivery-id', '--event-id', '--event-type', '--http-status', '--http-status-gte',
    '--http-method', '--trigger', '--attempt', '--since', '--until', '--tag', '--search', '--limit', '--cursor', '--page', '--json', '--url', '--api-key']) {
    assert.match(list.stdout, new RegExp(`^ +${flag} `, 'm'), flag);
  }
  const group = await herald(['endpoints', '--help']);
  assert.equal(group.code, 0);
  assert.match(group.stdout, /endpoints recover/);
  assert.doesNotMatch(group.stdout, /logs list/);
});

test('a wrong command line says what to do, with the usage line, and exits 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^herald: webhook delivery/],
    [['lgs'], /unknown command "lgs"\. Run "herald --help"/],
    [['logs'], /Usage: herald logs <subcommand>/],
    [['logs', 'lst'], /unknown command "logs lst"\. Run "herald logs --help"/],
    [['logs', 'list', '--stauts', 'failed'], /^herald logs list: unknown flag --stauts\nusage: herald logs list /],
    [['logs', 'list', '--status'], /--status needs a value/],
    [['logs', 'list', 'extra'], /unexpected argument "extra"/],
    [['logs', 'list', '--since', 'yesterday'], /--since must be an ISO 8601 time .* or a duration ago/],
    [['logs', 'list', '--tag', 'nokey'], /--tag must be key=value/],
    [['logs', 'show'], /missing the log entry id/],
    [['logs', 'retry'], /give the log id to retry, or filters/],
    [['logs', 'export', '--format', 'xml'], /--format must be ndjson or csv/],
    [['events', 'send', 'invoice.paid', '--payload', '{oops'], /the payload must be JSON/],
    [['endpoints', 'create', 'https://example.com', '--max-attempts', 'many'], /--max-attempts must be a whole number/],
    [['endpoints', 'update', 'ep_1'], /nothing to change/],
    [['endpoints', 'recover', 'ep_1'], /--since is required/],
  ];
  const results = await Promise.all(cases.map(([args]) => herald(args, { env })));
  for (const [index, [args, message]] of cases.entries()) {
    const result = results[index]!;
    assert.equal(result.code, 2, `herald ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, `herald ${args.join(' ')}`);
    assert.equal(result.stdout, '', `herald ${args.join(' ')} printed on stdout`);
  }
});

test('without an API key, or with Herald unreachable, it says how to fix that', async () => {
  const noKey = await herald(['logs', 'list']);
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /no API key: set HERALD_API_KEY or pass --api-key/);
  const url = `http://127.0.0.1:${await closedPort()}`;
  const unreachable = await herald(['logs', 'list', '--url', url], { env });
  assert.equal(unreachable.code, 1);
  assert.equal(unreachable.stderr, `herald: cannot reach Herald at ${url} (ECONNREFUSED): is it running? Pass --url or set HERALD_URL\n`);
});
