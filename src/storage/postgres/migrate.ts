import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { PostgresDatabase } from './postgres-database.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

/** The numbered `migrations/NNN-name.sql` files, in order. */
export function migrationFiles(): Array<{ version: number; file: string }> {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d+-.+\.sql$/.test(name))
    .sort()
    .map((file) => ({ version: Number.parseInt(file, 10), file }));
}

/**
 * Applies the migrations not applied yet, each in its own transaction, under a session advisory
 * lock (one per schema): of many processes starting at once, one migrates while the others wait,
 * then find nothing left to do. Creates the schema first when one is configured and missing.
 * Returns the versions this call applied.
 */
export async function runMigrations(db: PostgresDatabase): Promise<number[]> {
  const schema = db.target.schema;
  const lockName = `herald.migrate:${schema ?? ''}`;
  return db.withClient(async (client, discard) => {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockName]);
    try {
      // Under the lock: CREATE … IF NOT EXISTS is not safe against a concurrent twin.
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((row) => Number(row.version)));
      const done: number[] = [];
      for (const { version, file } of migrationFiles()) {
        if (applied.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [version, file, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(discard);
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
        }
        done.push(version);
      }
      return done;
    } finally {
      // A dead connection released the lock with its session.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockName]).catch(discard);
    }
  });
}
