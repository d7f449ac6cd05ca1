// Bench support (not a bench): what a child process costs, read from /proc, which is robust on a
// loaded machine where wall time is not (proc(5): /proc/<pid>/stat utime, stime; /proc/<pid>/status VmRSS, VmHWM).
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux (proc(5): clock ticks, sysconf(_SC_CLK_TCK))

/** User + system CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime: fields 14 and 15
}

function statusKb(pid: number, key: string): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024;
/** Peak RSS so far. */
export const peakRssMb = (pid: number): number => statusKb(pid, 'VmHWM') / 1024;

/** Median of a few RSS samples 200 ms apart, after the work is done (steady state). */
export async function steadyRss(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 200)); xs.push(rssMb(pid)); }
  return median(xs);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
