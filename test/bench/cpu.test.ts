import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { platform } from 'node:os';
import { test } from 'node:test';
import { cpuMsOfPids, cpuWindow, mainThreadCpuMs, ownCpuMs } from '../../bench/lib/cpu.ts';

// The bench's CPU accounting (bench/lib/cpu.ts) is what shows where a run's time went and how busy the
// machine was; these check it against work of a known size.

const linux = platform() === 'linux';

/** Keeps this thread busy until this process has used `ms` more of CPU time. */
function spin(ms: number): void {
  const end = ownCpuMs() + ms;
  while (ownCpuMs() < end) Math.sqrt(Math.random());
}

test('a window counts this process\'s CPU time, and the machine as at least that busy', { skip: !linux && 'reads /proc' }, () => {
  const end = cpuWindow({ bench: ownCpuMs });
  const started = performance.now();
  spin(400);
  const wallMs = performance.now() - started;
  const account = end();
  assert.ok(account.partsMs.bench! >= 400, `own CPU ${account.partsMs.bench} ms for 400 ms of spinning`);
  assert.ok(account.cores >= 1);
  // One busy thread of `cores`: the machine was at least (own CPU / cores / wall) busy, with some slack
  // for the 10-ms ticks of /proc/stat.
  assert.ok(account.machineBusy >= (account.partsMs.bench! - 20) / account.cores / wallMs, `machine ${account.machineBusy}`);
  assert.ok(account.machineBusy <= 1);
  assert.ok(account.partsMs.other! >= 0);
  assert.ok(account.busyMs >= account.partsMs.bench! - 20);
});

// Spins for 400 ms of its own CPU time once told to on stdin, then says so and idles.
const SPINNER = `
process.stdin.once('data', () => {
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const end = cpu() + 400;
  while (cpu() < end) Math.sqrt(Math.random());
  console.log('done');
});
console.log('ready');`;

/** A child running SPINNER, and a wait for a line of its output. */
function spinner(): { child: ChildProcess; printed(line: string): Promise<void> } {
  const child = spawn(process.execPath, ['-e', SPINNER]);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const printed = async (line: string): Promise<void> => {
    while (!output.includes(line)) {
      if (child.exitCode !== null) throw new Error(`exited before printing ${line}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { child, printed };
}

test('a child process\'s CPU is its own part, its main thread\'s is told apart, and an idle one counts (almost) nothing', { skip: !linux && 'reads /proc' }, async () => {
  const busy = spinner();
  const idle = spinner(); // never told to spin
  try {
    await Promise.all([busy.printed('ready'), idle.printed('ready')]);
    const end = cpuWindow({ busy: () => cpuMsOfPids([busy.child.pid!]), idle: () => cpuMsOfPids([idle.child.pid!]) });
    const mainBefore = mainThreadCpuMs(busy.child.pid!);
    busy.child.stdin!.write('go\n');
    await busy.printed('done');
    const account = end();
    assert.ok(account.partsMs.busy! >= 380, `busy child ${account.partsMs.busy} ms`);
    assert.ok(account.partsMs.idle! <= 30, `idle child ${account.partsMs.idle} ms`);
    assert.ok(mainThreadCpuMs(busy.child.pid!) - mainBefore >= 380, 'the spinning was on its main thread');
  } finally {
    for (const { child } of [busy, idle]) {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
  }
});
