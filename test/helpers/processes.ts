import * as fs from 'fs';

/**
 * True while `pid` is a live process whose command line contains `marker` (a word the starter put in its argv or
 * source). The command line is read from /proc (Linux), because a pid names another process once its own has gone
 * (Linux's default pid_max is 32768, and the run's helper processes outlive their test files); a zombie (state Z)
 * has ended, though its parent has not reaped it yet. Elsewhere, alive is enough.
 */
export function runsProgram(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (fs.existsSync('/proc/self/cmdline')) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
