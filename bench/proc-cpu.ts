import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/**
 * CPU ms a process has used, from /proc/<pid>/stat: utime + stime, and with `reaped` also the
 * times of the children it has waited for (cutime + cstime). Throws when the process is gone.
 */
export function processCpuMs(pid: number, reaped = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / CLK_TCK;
}
