import { ConfigError } from '../config.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';
import type { Storage } from './storage.ts';

/** Opens the backend `HERALD_DATABASE_URL` names and runs its migrations. */
export async function openStorage(databaseUrl: string): Promise<Storage> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('HERALD_DATABASE_URL names PostgreSQL, which this build does not support yet; use a SQLite file path');
  }
  const storage = new SqliteStorage(databaseUrl.replace(/^sqlite:(\/\/)?/, ''));
  await storage.migrate();
  return storage;
}
