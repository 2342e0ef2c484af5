// Scenario checkers, the daemons: `lvskeeper -n -l -C` and `keepalived -n -l -G -C` on the same file, started, waited
// for and stopped the same way (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

export type Impl = 'lvskeeper' | 'keepalived';

export const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'lvskeeper.js');

export interface Daemon {
  impl: Impl;
  child: ChildProcess;
  startedAt: number;
  exited: Promise<number | null>;
  /** the last 20,000 characters of its log */
  log(): string;
}

/** Extra node options for lvskeeper (profiling: LVSK_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"). */
function nodeArgs(): string[] {
  return (process.env.LVSK_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/**
 * Both log to a pipe that is read and dropped (the same work for both: format a line, write it). keepalived gets -G:
 * with -l and no syslog daemon (the VM has none), its syslog() would fall back to /dev/console.
 */
export function startDaemon(impl: Impl, conf: string, dir: string): Daemon {
  const f = (x: string): string => path.join(dir, `${impl}.${x}`);
  const argv =
    impl === 'lvskeeper'
      ? [process.execPath, ...nodeArgs(), CLI, '-n', '-l', '-C', '-f', conf, '-p', f('pid'), '-c', f('cpid'), '--status-listen=off']
      : ['keepalived', '-n', '-l', '-G', '-C', '-f', conf, '-p', f('pid'), '-c', f('cpid'), '-r', f('vpid')];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer): void => void (out = (out + d.toString()).slice(-20000));
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  return { impl, child, startedAt: performance.now(), exited, log: () => out };
}

export function running(d: Daemon): boolean {
  return d.child.exitCode === null && d.child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status and the milliseconds it took. */
export async function stopDaemon(d: Daemon, graceMs: number): Promise<{ code: number | null; ms: number; killed: boolean }> {
  const t0 = performance.now();
  if (!running(d)) return { code: d.child.exitCode, ms: 0, killed: false };
  let killed = false;
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    d.child.kill('SIGKILL');
  }, graceMs);
  const code = await d.exited;
  clearTimeout(timer);
  return { code, ms: performance.now() - t0, killed };
}
