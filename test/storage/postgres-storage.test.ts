import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { migrationFiles } from '../../src/storage/postgres/migrate.ts';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { parsePostgresUrl } from '../../src/storage/postgres/postgres-url.ts';
import { openStorage } from '../../src/storage/open-storage.ts';
import { TEST_DATABASE_URL, newSchemaName, postgresSchemas, postgresSkipReason, urlWithSchema, withAdminClient } from '../support/postgres.ts';
import { publishOne, seedWorkspace } from './fixtures.ts';
import { runStorageSuite } from './storage-suite.ts';

const skip = await postgresSkipReason();
const databases = postgresSchemas();
after(() => databases.dropAll());

describe('PostgreSQL', { skip }, () => {
  runStorageSuite('PostgreSQL', () => databases.open());

  describe('PostgreSQL migrations', () => {
    test('ten processes migrating at once apply each migration once', async () => {
      const schema = newSchemaName();
      databases.schemas.add(schema);
      const storages = Array.from({ length: 10 }, () => new PostgresStorage(TEST_DATABASE_URL, { schema, poolSize: 2 }));
      try {
        await Promise.all(storages.map((storage) => storage.migrate()));
        const { workspaceId, endpoint } = await seedWorkspace(storages[3]!);
        await publishOne(storages[7]!, workspaceId, endpoint);
        assert.equal(await storages[0]!.countDeliveries({ workspaceId }), 1, 'they all use the one schema');
      } finally {
        await Promise.all(storages.map((storage) => storage.close()));
      }
      const versions = await withAdminClient(async (client) => (await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => row.version), schema);
      assert.deepEqual(versions, migrationFiles().map((file) => file.version), 'one row per migration file');
    });

    test('openStorage opens postgres:// URLs, with the schema in the URL, and migrates', async () => {
      const schema = newSchemaName();
      databases.schemas.add(schema);
      const storage = await openStorage(urlWithSchema(schema));
      try {
        assert.ok(storage instanceof PostgresStorage);
        assert.equal(storage.schema, schema);
        assert.equal(await storage.ping(), true);
        assert.equal(await storage.countWorkspaces(), 0);
      } finally {
        await storage.close();
      }
      const tables = await withAdminClient(async (client) =>
        (await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'deliveries'", [schema])).rows[0].n,
      );
      assert.equal(tables, 1, 'the tables are in the schema of the URL');
    });

    test('Herald parameters are taken off the URL; bad ones are refused', () => {
      const target = parsePostgresUrl('postgres://u@h:5432/db?schema=herald&pool_size=3&sslmode=disable');
      assert.deepEqual(target, { connectionString: 'postgres://u@h:5432/db?sslmode=disable', schema: 'herald', poolSize: 3 });
      assert.throws(() => parsePostgresUrl('postgres://u@h/db?schema=Robert%27);DROP'), /schema/);
      assert.throws(() => parsePostgresUrl('postgres://u@h/db?pool_size=0'), /pool_size/);
    });
  });

  describe('PostgreSQL ping', () => {
    test('answers false, quickly, when nothing listens at the URL', async () => {
      const storage = new PostgresStorage('postgres://postgres@127.0.0.1:1/test', { onError: () => undefined });
      const started = Date.now();
      assert.equal(await storage.ping(), false);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      await storage.close();
    });

    test('answers false within 2 s when the server accepts the connection and never answers', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket)); // accepts, then says nothing
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      const storage = new PostgresStorage(`postgres://postgres@127.0.0.1:${port}/test`, { onError: () => undefined });
      try {
        const started = Date.now();
        assert.equal(await storage.ping(), false);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
        await storage.close();
      }
    });

    test('a server that goes away turns ping false without crashing; it comes back true', async () => {
      const reported: Error[] = [];
      const storage = await databases.open({ onError: (error) => reported.push(error) });
      try {
        assert.equal(await storage.ping(), true);
        // Kill the pool's idle connection from the server side.
        const pid = await storage.database.withClient(async (client) => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
        await withAdminClient((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
        // The pool notices the dead connection (reported through onError, not thrown) and opens new ones.
        // The server's notice reaches the idle client asynchronously, and a ping may be answered by
        // another idle client before it does: wait for both, within 2 s.
        let ok = false;
        for (let i = 0; i < 40 && !(ok && reported.length > 0); i += 1) {
          ok = await storage.ping();
          if (!ok || reported.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(ok, true);
        assert.match(String(reported[0]?.message), /terminat/, 'the dead idle connection was reported');
      } finally {
        await storage.close();
      }
    });
  });
});
