import { constants as moduleConstants, enableCompileCache } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

// `npm start` and `herald serve`: read the environment, start Herald, print how to use it, stop cleanly on SIGTERM/SIGINT.
// The rest of Herald is imported inside runHerald, after the two process settings below are in place.

/** How large Herald lets V8's young generation grow: 32 MB, two semi-spaces of 16 MB. */
const YOUNG_GENERATION_BYTES = 32 * 1024 * 1024;
/** How far V8's old generation may grow past what the last full collection found alive: 100 % (2×). */
const OLD_GENERATION_GROWTH_PERCENT = 100;

/**
 * Starts Herald from environment variables (`env`, default `process.env`; see `loadConfig`), prints its
 * URL and key, and stops it gracefully on SIGTERM/SIGINT. A bad setting or a failed start exits with 1.
 */
export async function runHerald(env?: Record<string, string | undefined>): Promise<void> {
  useCompileCache();
  capYoungGeneration();
  limitOldGenerationGrowth();
  const { ConfigError, loadConfig } = await import('./config.ts');
  const { startHerald } = await import('./herald.ts');
  const { printableDatabaseUrl } = await import('./storage/database-url.ts');
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

/**
 * Turns on Node's module compile cache (in `NODE_COMPILE_CACHE`, else `<tmpdir>/node-compile-cache`;
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off) for the modules Herald loads from here on, and for its
 * worker threads, which read the variable when they start. From the second start on, they load from the
 * cache without running Node's TypeScript stripper: measured, an API-only process starts at 127 MB of
 * RSS instead of 135, and the retention thread costs 20 MB instead of 40. (Set in the environment of
 * `node`, the variable also covers this file and takes the API process down to 110 MB.)
 */
function useCompileCache(): void {
  const { status, directory } = enableCompileCache();
  const enabled = status === moduleConstants.compileCacheStatus.ENABLED || status === moduleConstants.compileCacheStatus.ALREADY_ENABLED;
  if (enabled && directory !== undefined) process.env.NODE_COMPILE_CACHE = directory;
}

/**
 * Keeps V8's young generation at {@link YOUNG_GENERATION_BYTES}. V8 sizes its limit from the machine's
 * memory (128 MB on a machine with 24 GB) and Herald's delivery load grows it to that within seconds;
 * measured on bench scenario 7, that cost ~60 MB of peak RSS: the space itself, and the socket buffers
 * (64 KiB each) that the rarer scavenges left alive meanwhile. A young generation fixed at 8 MB did worse
 * (objects promoted early filled the old space). `--max-semi-space-size` is read only when V8 starts, so
 * it cannot be set from here; the growth factor is read at each growth, and is set to 1 once the young
 * generation has reached the size. Left alone when the process was started with a semi-space flag
 * (e.g. `NODE_OPTIONS=--max-semi-space-size=64`), so that stays the way to choose another size.
 */
function capYoungGeneration(): void {
  if (startedWithNodeFlag(/--((max|min)[-_])?semi[-_]space/)) return;
  const reached = () => (getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0) >= YOUNG_GENERATION_BYTES;
  const stopGrowing = () => setFlagsFromString('--semi-space-growth-factor=1');
  if (reached()) return stopGrowing();
  const observer = new PerformanceObserver(() => {
    if (!reached()) return;
    stopGrowing();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

/**
 * Lets the old generation grow to {@link OLD_GENERATION_GROWTH_PERCENT} past the live data of the last
 * full collection before the next one. V8 picks the factor itself, up to 4× when collections are cheap,
 * as Herald's are: under a steady delivery load, with 35 MB alive, V8 set the next limit at 158 MB, so the
 * garbage that deliveries promote piled up, and peak RSS grew with how long the load lasted
 * (bench scenario 7: 228–279 MB in 14 runs of 20 s, 262 MB after 60 s with 94 MB of old generation). With 2×,
 * measured: 226–248 MB in 9 runs, 230 MB after 60 s with 49 MB of old generation, 5–6 full collections in
 * 20 s instead of 3–5, no CPU difference within the noise. A smaller factor collects far more often (in
 * 20 s: 8–18 full collections at 1.75×, 84 at 1.5×, 116 at 1.3×) for a smaller saving (peaks of 206–243 MB).
 * Left alone when the process was started with `--heap-growing-percent`.
 */
function limitOldGenerationGrowth(): void {
  if (startedWithNodeFlag(/--heap[-_]growing[-_]percent/)) return;
  setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

/** True when the process was started with a Node flag matching `flag`, on the command line or in `NODE_OPTIONS`. */
function startedWithNodeFlag(flag: RegExp): boolean {
  return flag.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
}
