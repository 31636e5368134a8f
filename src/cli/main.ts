#!/usr/bin/env node
/**
 * `herald`: the command line of Herald. `herald serve` runs the server; the other commands call its
 * API through the typed client (`src/client`), so they cannot drift from it. `herald --help` lists them.
 */
import { enableCompileCache } from 'node:module';

// Node caches compiled (and type-stripped) modules on disk, so every later `herald …` starts in a
// fraction of the time. Modules are imported after this line, so they benefit too.
enableCompileCache();
const { runCli } = await import('./run-cli.ts');

// `herald logs export | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
} catch (error) {
  process.stderr.write(`herald: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
