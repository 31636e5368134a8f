import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A small RAM disk for the full-disk scenario: `mount -t tmpfs` needs root (or CAP_SYS_ADMIN).

/** A mounted tmpfs; `unmount()` is safe to call more than once. */
export interface Tmpfs {
  dir: string;
  /** Bytes still free on it. */
  freeBytes(): number;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeMb` on a fresh directory, or answers why it cannot. */
export function mountTmpfs(sizeMb: number): Tmpfs | { skipped: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return { skipped: `cannot mount a tmpfs (needs root): ${reason.split('\n')[0]}` };
  }
  let mounted = true;
  return {
    dir,
    freeBytes: () => {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
