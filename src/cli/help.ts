import type { Flags } from './args.ts';
import type { Command } from './command.ts';
import { DEFAULT_URL } from './connection.ts';

/** `herald --help`: every command with its summary (or only a group's, for `herald logs --help`). */
export function globalHelp(commands: readonly Command[], group?: string): string {
  const shown = group === undefined ? commands : commands.filter((command) => command.name.startsWith(`${group} `));
  const width = Math.max(...shown.map((command) => command.name.length));
  const lines = shown.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `herald: webhook delivery from the command line

Usage: herald ${group ?? '<command>'} ${group ? '<subcommand> ' : ''}[flags]

Commands:
${lines.join('\n')}

Commands that call the API read HERALD_URL (default ${DEFAULT_URL}) and HERALD_API_KEY,
or take --url and --api-key. Tables by default; --json prints the API's JSON.
Run "herald <command> --help" for a command's flags and examples.
`;
}

/** One command's usage line. */
export function usageLine(command: Command): string {
  return `usage: herald ${command.name} ${command.usage}`;
}

/** `herald <command> --help`: usage, summary, every flag, examples. */
export function commandHelp(command: Command): string {
  const flags: Flags = { ...command.flags, help: { type: 'boolean', short: 'h', description: 'show this help' } };
  const names = Object.entries(flags).map(([name, spec]) =>
    `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : ''}`,
  );
  const width = Math.max(...names.map((name) => name.length));
  const rows = Object.values(flags).map((spec, index) => `  ${names[index]!.padEnd(width)}  ${spec.description}${spec.multiple ? ' (repeatable)' : ''}`);
  const examples = command.examples?.length ? `\nExamples:\n${command.examples.map((example) => `  ${example}`).join('\n')}\n` : '';
  return `Usage: herald ${command.name} ${command.usage}

${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.

Flags:
${rows.join('\n')}
${examples}`;
}
