// CPU time and resident memory of a whole process tree, read from /proc (proc(5): stat fields 14-17, status VmRSS).
import * as fs from 'fs';

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on Linux for every architecture the kernel exports). */
export const CLK_TCK = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, seconds */
  cpuS: number;
  /** cutime + cstime: its waited-for children, seconds */
  childCpuS: number;
}

/** Parses /proc/PID/stat: the command is in parentheses and may contain spaces, so split after the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (close < 0 || open < 0) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // fields after the command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
  const f = text.slice(close + 2).split(' ');
  const at = (n: number): number => Number(f[n - 3]);
  return { pid, ppid: at(4), cpuS: (at(14) + at(15)) / CLK_TCK, childCpuS: (at(16) + at(17)) / CLK_TCK };
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pids of `root` and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface TreeSample {
  at: number;
  /** CPU seconds of every process in the tree, plus the reaped children of each */
  cpuS: number;
  /** sum of VmRSS, bytes */
  rssBytes: number;
  pids: number[];
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function sampleTree(root: number): TreeSample {
  const pids = processTree(root);
  let cpuS = 0;
  let rssBytes = 0;
  for (const p of pids) {
    const st = readStat(p);
    if (!st) continue;
    cpuS += st.cpuS + st.childCpuS;
    rssBytes += rssOf(p);
  }
  return { at: performance.now(), cpuS, rssBytes, pids };
}

/** Destinations in /proc/net/ip_vs ("  -> 0A500101:0050 Masq ..." lines; the header's "  -> RemoteAddress" is not one). */
export function countDestinations(): number {
  const text = fs.readFileSync('/proc/net/ip_vs', 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n  -> '); i >= 0; i = text.indexOf('\n  -> ', i + 1)) if (/^[0-9A-F[]/.test(text.slice(i + 6, i + 7))) n++;
  return n;
}

/** utime and stime (seconds) of every thread of `pid`, by "tid comm" (LVSK_BENCH_THREADS: where a daemon's CPU goes). */
export function threadTimes(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(`${tid} ${comm}`, { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK });
    } catch {
      // the thread ended
    }
  }
  return out;
}
