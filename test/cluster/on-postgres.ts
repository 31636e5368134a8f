import { spawn } from 'node:child_process';
import { postgresSkipReason } from '../support/postgres.ts';

// `npm run test:postgres`: the API, worker and service suites again, each Herald on a fresh PostgreSQL
// schema (HERALD_TEST_BACKEND=postgres). Outside CI, when PostgreSQL does not answer, one line says
// why and the run passes; with CI=true it runs, and fails.
// Usage: node test/cluster/on-postgres.ts <node --test arguments…>

const reason = await postgresSkipReason();
if (reason !== undefined) {
  console.log(`# skipped the PostgreSQL pass: ${reason}`);
  process.exit(0);
}
const { NODE_TEST_CONTEXT: _runnerOnly, ...env } = process.env;
const child = spawn(process.execPath, ['--test', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...env, HERALD_TEST_BACKEND: 'postgres' } });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
