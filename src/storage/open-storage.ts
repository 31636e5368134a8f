import { ConfigError } from '../config.ts';
import { PostgresStorage } from './postgres/postgres-storage.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';
import type { Storage } from './storage.ts';

/** Opens the backend `HERALD_DATABASE_URL` names (`postgres://…` or a SQLite file path) and runs its migrations. */
export async function openStorage(databaseUrl: string): Promise<Storage> {
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
