import { ConfigError, loadConfig } from '../../config.ts';
import type { Command } from '../command.ts';
import { SERVER_FLAGS, serverEnv } from '../server-settings.ts';
import { printableDatabaseUrl } from '../../storage/database-url.ts';

/** `herald migrate`: brings the database's schema up to date, then exits (Herald also does this on start). */
export const migrate: Command = {
  name: 'migrate',
  summary: "create or upgrade the database's tables, then exit",
  usage: '[--database-url url]',
  positionals: 0,
  flags: { 'database-url': SERVER_FLAGS['database-url']! },
  examples: ['herald migrate', "HERALD_DATABASE_URL='postgres://herald@db/herald?schema=herald' herald migrate"],
  async run(args, io) {
    let databaseUrl: string;
    try {
      databaseUrl = loadConfig(serverEnv(args, io.env)).databaseUrl;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`herald: ${error.message}\n`);
      return 1;
    }
    const { openStorage } = await import('../../storage/open-storage.ts');
    const storage = await openStorage(databaseUrl);
    await storage.close();
    io.stdout.write(`migrated ${printableDatabaseUrl(databaseUrl)}: the schema is up to date\n`);
  },
};
