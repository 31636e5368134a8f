import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';

// PostgreSQL for tests: `HERALD_TEST_DATABASE_URL` (default the local trust-auth server), one
// schema of its own per test database, dropped afterwards. Outside CI a missing server skips the
// PostgreSQL tests with one line saying why; with CI=true they run, and fail.

export const TEST_DATABASE_URL = process.env.HERALD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let probe: Promise<string | undefined> | undefined;

/**
 * Why the PostgreSQL tests cannot run here (for `{ skip }`), or undefined when they can.
 * Under CI=true always undefined: the tests run and fail if the server is missing.
 */
export function postgresSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    if (process.env.CI === 'true') return undefined;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await dropStaleSchemas(client);
      return undefined;
    } catch (error) {
      return `PostgreSQL does not answer at ${TEST_DATABASE_URL} (${(error as Error).message || (error as { code?: string }).code}); set HERALD_TEST_DATABASE_URL, or CI=true to fail instead`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

/** A fresh schema name: `herald_test_<creation time, base 36 seconds>_<12 hex>`. */
export function newSchemaName(): string {
  return `herald_test_${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(6).toString('hex')}`;
}

/** Schemas of test runs that were killed before they could drop them: any over 6 hours old. */
async function dropStaleSchemas(client: pg.Client): Promise<void> {
  const names = (await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'herald\\_test\\_%'")).rows.map((row) => String(row.nspname));
  const staleBefore = Date.now() / 1000 - 6 * 3600;
  for (const name of names) {
    const created = /^herald_test_([0-9a-z]+)_[0-9a-f]+$/.exec(name)?.[1];
    if (created === undefined || Number.parseInt(created, 36) > staleBefore) continue;
    await client.query(`SET lock_timeout = '1s'; DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`).catch(() => undefined);
  }
}

/** The test database URL with Herald's `schema` parameter (and any `extra` ones). */
export function urlWithSchema(schema: string, url = TEST_DATABASE_URL, extra: Record<string, string> = {}): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  for (const [name, value] of Object.entries(extra)) parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** Runs `work` with a plain connection of its own (search_path = `schema` when given), closed after. */
export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>, schema?: string): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const names = [...schemas];
  if (names.length === 0) return;
  await withAdminClient(async (client) => {
    for (const name of names) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
  });
}

/**
 * Opens PostgresStorage on fresh, migrated schemas, and drops them all on `dropAll()`.
 * Pools are small: test files run side by side against one server.
 */
export function postgresSchemas(): { open(options?: { poolSize?: number; onError?: (error: Error) => void; vacuumEveryOutcomes?: number }): Promise<PostgresStorage>; dropAll(): Promise<void>; schemas: Set<string> } {
  const schemas = new Set<string>();
  return {
    schemas,
    async open(options = {}) {
      const schema = newSchemaName();
      schemas.add(schema);
      const storage = new PostgresStorage(TEST_DATABASE_URL, {
        schema,
        poolSize: options.poolSize ?? 4,
        ...(options.onError ? { onError: options.onError } : {}),
        ...(options.vacuumEveryOutcomes !== undefined ? { vacuumEveryOutcomes: options.vacuumEveryOutcomes } : {}),
      });
      await storage.migrate();
      return storage;
    },
    async dropAll() {
      await dropSchemas(schemas);
      schemas.clear();
    },
  };
}
