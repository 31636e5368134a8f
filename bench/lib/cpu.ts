import { readdirSync, readFileSync } from 'node:fs';
import { cpuMs } from '../../test/chaos/support/probes.ts';

// Where a run's CPU time went, from /proc (Linux): how busy the whole machine was, and the CPU time of
// each named part (Herald's processes, the PostgreSQL server, the receiver, the bench itself). On a
// machine the run already keeps busy, another process cannot add throughput: this is what shows it.

const TICK_MS = 10; // USER_HZ = 100

/** The machine's CPU time since boot in ms, all cores: busy (everything but idle and iowait) and in all. */
export function machineCpuMs(): { busyMs: number; totalMs: number; cores: number } | null {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const ticks = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    const total = ticks.reduce((sum, value) => sum + value, 0);
    const idle = ticks[3]! + ticks[4]!;
    const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
    return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS, cores };
  } catch {
    return null;
  }
}

/** CPU time (ms) of every process whose name (`/proc/<pid>/comm`) is `name`, e.g. the PostgreSQL server's. */
export function cpuMsOfProcessesNamed(name: string): number {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
    } catch {
      continue; // it exited meanwhile
    }
    sum += cpuMs(Number(entry)) ?? 0;
  }
  return sum;
}

/** CPU time (ms) of a process's main thread alone (the task whose id is the pid), or NaN. */
export function mainThreadCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
  } catch {
    return Number.NaN;
  }
}

/** This process's own CPU time (ms), all threads. */
export const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** CPU time of one or more pids (ms); a pid that has exited counts 0. */
export const cpuMsOfPids = (pids: number[]): number => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);

export interface CpuAccount {
  /** How busy the machine was over the window, 0…1 of all its cores. */
  machineBusy: number;
  cores: number;
  /** CPU time (ms) of each part over the window, and `other`: the machine's busy time no part accounts for. */
  partsMs: Record<string, number>;
  /** All the machine's busy time over the window (ms). */
  busyMs: number;
}

/**
 * Starts a window over the machine's CPU and each part's (`parts`: name → a reader of its CPU ms);
 * the function returned ends it. Parts are read at both ends, so a process that exits within the
 * window (a PostgreSQL backend) is not counted; the machine's figure still includes it, under `other`.
 */
export function cpuWindow(parts: Record<string, () => number>): () => CpuAccount {
  const machineBefore = machineCpuMs();
  const before = Object.fromEntries(Object.entries(parts).map(([name, read]) => [name, read()]));
  return () => {
    const machineAfter = machineCpuMs();
    const partsMs: Record<string, number> = {};
    for (const [name, read] of Object.entries(parts)) partsMs[name] = read() - before[name]!;
    if (machineBefore === null || machineAfter === null) return { machineBusy: Number.NaN, cores: 0, partsMs, busyMs: Number.NaN };
    const busyMs = machineAfter.busyMs - machineBefore.busyMs;
    const totalMs = machineAfter.totalMs - machineBefore.totalMs;
    partsMs.other = Math.max(0, busyMs - Object.values(partsMs).reduce((sum, ms) => sum + ms, 0));
    return { machineBusy: totalMs > 0 ? busyMs / totalMs : Number.NaN, cores: machineAfter.cores, partsMs, busyMs };
  };
}
