import type { Command } from '../command.ts';
import { SERVER_FLAGS, serverEnv } from '../server-settings.ts';

/** `herald serve`: what `npm start` does, with every setting also a flag. Runs until SIGTERM/SIGINT. */
export const serve: Command = {
  name: 'serve',
  summary: 'run Herald (API and worker), like npm start',
  usage: '[--port n] [--database-url url] [--role api|worker|all] [settings]',
  positionals: 0,
  flags: SERVER_FLAGS,
  examples: [
    'herald serve',
    'herald serve --port 9090 --database-url ./data/herald.db --allow-http --allow-private-networks',
    "herald serve --role worker --database-url 'postgres://herald@db/herald?schema=herald'",
  ],
  async run(args, io) {
    // Loaded here, not at the top: the other commands start without loading the server.
    const { runHerald } = await import('../../main.ts');
    await runHerald(serverEnv(args, io.env));
    // Herald keeps the process alive; it exits on SIGTERM/SIGINT once in-flight attempts are recorded.
    return new Promise<never>(() => {});
  },
};
