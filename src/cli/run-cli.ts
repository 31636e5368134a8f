import { HeraldApiError } from '../client/index.ts';
import { UsageError, parseCommandArgs } from './args.ts';
import type { CliIo, Command } from './command.ts';
import { COMMANDS, GROUPS } from './commands.ts';
import { UnreachableError } from './connection.ts';
import { commandHelp, globalHelp, usageLine } from './help.ts';

/** Exit codes: 0 done, 1 the work failed (API error, invalid signature, unreachable), 2 called wrongly. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const HELP = new Set(['--help', '-h', 'help']);

/**
 * Runs one `herald …` command line and resolves to its exit code. Argument errors print what to do
 * and the usage line (exit 2); API errors print the contract's code and message (exit 1).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) {
    io.stderr.write(globalHelp(COMMANDS));
    return EXIT_USAGE;
  }
  if (HELP.has(first)) {
    io.stdout.write(globalHelp(COMMANDS));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${await version()}\n`);
    return 0;
  }
  const group = GROUPS.has(first);
  const name = group && second !== undefined && !second.startsWith('-') ? `${first} ${second}` : first;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    if (group && (second === undefined || HELP.has(second))) {
      (second === undefined ? io.stderr : io.stdout).write(globalHelp(COMMANDS, first));
      return second === undefined ? EXIT_USAGE : 0;
    }
    io.stderr.write(`herald: unknown command "${group ? `${first} ${second}` : first}". Run "herald ${group ? `${first} ` : ''}--help" to see the commands.\n`);
    return EXIT_USAGE;
  }
  const rest = argv.slice(name.split(' ').length);
  if (rest.some((arg) => arg === '--help' || arg === '-h')) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  return run(command, rest, io);
}

async function run(command: Command, rest: string[], io: CliIo): Promise<number> {
  try {
    const args = parseCommandArgs(rest, command.flags, command.positionals);
    return (await command.run(args, io)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`herald ${command.name}: ${error.message}\n${usageLine(command)}\nRun "herald ${command.name} --help" for every flag.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof HeraldApiError) {
      io.stderr.write(`herald: ${error.code}: ${error.message}\n`);
      for (const detail of error.details) io.stderr.write(`  ${detail.field}: ${detail.message}\n`);
      return EXIT_FAILED;
    }
    if (error instanceof UnreachableError) {
      io.stderr.write(`herald: ${error.message}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return `herald ${manifest.version ?? 'unknown'}`;
}
