import { parseArgs } from 'node:util';

/** A mistake in how the CLI was called: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One flag of a command, as `parseArgs` takes it plus what `--help` prints. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** May be given more than once (`--tag a=1 --tag b=2`). */
  multiple?: boolean;
  /** One-letter form, e.g. `h` for `-h`. */
  short?: string;
  /** Placeholder of the value in help, e.g. `ep_…`; default `value`. */
  value?: string;
  description: string;
}

/** Flags by long name (kebab-case, as typed: `endpoint-id`). */
export type Flags = Record<string, FlagSpec>;

type RawValue = string | boolean | Array<string | boolean> | undefined;

/** A command line parsed against a command's flags, with typed accessors that raise {@link UsageError}. */
export class ParsedArgs {
  readonly positionals: readonly string[];
  readonly #values: Record<string, RawValue>;

  constructor(values: Record<string, RawValue>, positionals: string[]) {
    this.#values = values;
    this.positionals = positionals;
  }

  /** The flag's value, or undefined when it was not given. */
  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value of a repeatable flag, in order ([] when absent). */
  strings(name: string): string[] {
    const value = this.#values[name];
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
    return typeof value === 'string' ? [value] : [];
  }

  /** True when a boolean flag was given. */
  boolean(name: string): boolean {
    return this.#values[name] === true;
  }

  /** Whether the flag was given at all. */
  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }

  /** The flag as a whole number in [min, max], or undefined when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    }
    return value;
  }

  /** The positional argument at `index`; a usage error naming `what` when it is missing. */
  positional(index: number, what: string): string {
    const value = this.positionals[index];
    if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
    return value;
  }
}

/**
 * Parses `argv` against `flags` (strict: an unknown flag, a missing value or a surplus positional
 * is a {@link UsageError} that says so). `maxPositionals` is how many positional arguments the
 * command takes.
 */
export function parseCommandArgs(argv: string[], flags: Flags, maxPositionals: number): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed: { values: Record<string, RawValue>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, allowNegative: false });
  } catch (error) {
    throw new UsageError(usageMessage(error), { cause: error });
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).map((text) => `"${text}"`).join(' ');
    throw new UsageError(`unexpected argument ${extra}${maxPositionals === 0 ? ' (this command takes only flags)' : ''}`);
  }
  return new ParsedArgs(parsed.values, parsed.positionals);
}

/** parseArgs's messages, shortened to what the user typed wrong. */
function usageMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = String(message ?? error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /Unknown option '([^']+)'/.exec(text)?.[1];
    return flag ? `unknown flag ${flag}` : text;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '(?:-\w, )?(--[\w-]+)/.exec(text)?.[1];
    if (flag && /argument missing/.test(text)) return `${flag} needs a value`;
    if (flag && /does not take an argument/.test(text)) return `${flag} takes no value`;
  }
  return text.split('\n')[0] ?? text;
}
