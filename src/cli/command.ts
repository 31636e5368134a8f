import type { Readable, Writable } from 'node:stream';
import type { Flags, ParsedArgs } from './args.ts';

/** What a command reads and writes: the process's streams and environment, or a test's. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: Record<string, string | undefined>;
}

/** One `herald …` command: its name, help and flags, and what it does. */
export interface Command {
  /** As typed, e.g. `logs list`. */
  name: string;
  /** One line for `herald --help`. */
  summary: string;
  /** The arguments after the name, e.g. `<id> [flags]`. */
  usage: string;
  /** How many positional arguments it takes. */
  positionals: number;
  flags: Flags;
  /** Worked examples for `--help`. */
  examples?: string[];
  /** Runs the command; resolves to its exit code (0 when undefined). */
  run(args: ParsedArgs, io: CliIo): Promise<number | void>;
}
