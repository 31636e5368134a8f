import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of the chaos table, plus what went wrong (empty when the scenario held). */
export interface ScenarioResult {
  scenario: string;
  load: string;
  faults: string;
  badInputs: string;
  /** Accepted (202) events not delivered and logged; must be 0. */
  lost: number;
  /** Other figures worth keeping (latencies, RSS, lag). */
  figures: string[];
  /** Broken promises; the run fails when any scenario has one. */
  failures: string[];
  /** Why the scenario did not run, when it did not. */
  skipped?: string;
  durationMs: number;
}

/** The table as Markdown. */
export function resultsTable(results: ScenarioResult[]): string {
  const rows = [
    '| scenario | load held | faults injected | bad inputs tried | events lost | result |',
    '|---|---|---|---|---|---|',
    ...results.map((r) =>
      r.skipped
        ? `| ${r.scenario} | – | – | – | – | skipped: ${r.skipped} |`
        : `| ${r.scenario} | ${r.load} | ${r.faults} | ${r.badInputs} | ${r.lost} | ${r.failures.length === 0 ? 'held' : `FAILED (${r.failures.length})`} |`,
    ),
  ];
  return rows.join('\n');
}

/** The whole report: the table, then each scenario's figures and failures. */
export function resultsReport(results: ScenarioResult[], header: string): string {
  const sections = results
    .filter((r) => !r.skipped)
    .map((r) => [`### ${r.scenario} (${(r.durationMs / 1000).toFixed(0)} s)`, ...r.figures.map((f) => `- ${f}`), ...r.failures.map((f) => `- **FAILED**: ${f}`)].join('\n'));
  return [header, '', resultsTable(results), '', ...sections.flatMap((s) => [s, ''])].join('\n');
}

/** Writes the report to `test/chaos/results/<YYYY-MM-DD><suffix>.md` (a later run the same day replaces it); returns the path. */
export function writeResults(report: string, suffix = ''): string {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${new Date().toISOString().slice(0, 10)}${suffix}.md`);
  writeFileSync(path, report);
  return path;
}
