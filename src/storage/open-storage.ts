import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../config.ts';
import { PostgresStorage } from './postgres/postgres-storage.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';
import { protectSecrets } from './secret-encrypting-storage.ts';
import type { Storage } from './storage.ts';

/**
 * Opens the backend `HERALD_DATABASE_URL` names (`postgres://…` or a SQLite file path) and runs its
 * migrations. With `secretKey` given (`HERALD_SECRET_KEY`, or null when unset), endpoint secrets are
 * encrypted at rest (see `secret-encrypting-storage.ts`) and a key that does not match the database's
 * stops start-up with a `ConfigError`.
 */
export async function openStorage(databaseUrl: string, options?: { secretKey: KeyObject | null }): Promise<Storage> {
  const storage = await openBackend(databaseUrl);
  if (options === undefined) return storage;
  try {
    return await protectSecrets(storage, options.secretKey);
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw error;
  }
}

async function openBackend(databaseUrl: string): Promise<Storage> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    let storage: PostgresStorage;
    try {
      storage = new PostgresStorage(databaseUrl);
    } catch (error) {
      throw new ConfigError(`HERALD_DATABASE_URL: ${(error as Error).message}`);
    }
    try {
      await storage.migrate();
    } catch (error) {
      await storage.close().catch(() => undefined);
      throw error;
    }
    return storage;
  }
  const storage = new SqliteStorage(databaseUrl.replace(/^sqlite:(\/\/)?/, ''));
  await storage.migrate();
  return storage;
}
