import { ConfigError, loadConfig } from './config.ts';
import { startHerald } from './herald.ts';
import { printableDatabaseUrl } from './storage/database-url.ts';

// `npm start` and `herald serve`: read the environment, start Herald, print how to use it, stop cleanly on SIGTERM/SIGINT.

/**
 * Starts Herald from environment variables (`env`, default `process.env`; see `loadConfig`), prints its
 * URL and key, and stops it gracefully on SIGTERM/SIGINT. A bad setting or a failed start exits with 1.
 */
export async function runHerald(env?: Record<string, string | undefined>): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`herald: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  try {
    const herald = await startHerald({ config });
    if (herald.url) {
      const key = herald.createdKey?.key;
      console.log(`\nHerald is listening on ${herald.url} (role ${config.role}, storage ${printableDatabaseUrl(config.databaseUrl)})`);
      if (key) {
        console.log(`\nAPI key of workspace "default" (shown once${herald.createdKey?.generated ? '; set HERALD_API_KEY to choose it' : ''}):\n  ${key}`);
      } else {
        console.log('\nUsing the API keys already stored (the first one was printed on first start, or is HERALD_API_KEY).');
      }
      const shownKey = key ?? '<your API key>';
      console.log(`\nSend a first webhook (to a receiver you run; see README):
  curl -s -X POST ${herald.url}/v1/endpoints -H "Authorization: Bearer ${shownKey}" -H 'content-type: application/json' \\
    -d '{"url":"https://example.com/webhooks"}'
  curl -s -X POST ${herald.url}/v1/events -H "Authorization: Bearer ${shownKey}" -H 'content-type: application/json' \\
    -d '{"type":"invoice.paid","payload":{"invoice":"in_1","amount":4200}}'
  curl -s ${herald.url}/v1/logs -H "Authorization: Bearer ${shownKey}"

Dashboard: ${herald.url}/ (sign in with the API key)\n`);
    } else {
      console.log(`Herald worker running (role ${config.role}, storage ${printableDatabaseUrl(config.databaseUrl)})`);
    }
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        console.log(`herald: ${signal} received; finishing in-flight attempts`);
        herald.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('herald: stop failed', error);
            process.exit(1);
          },
        );
      });
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`herald: ${error.message}`);
      process.exit(1);
    }
    console.error(`herald: could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (import.meta.main) await runHerald();
