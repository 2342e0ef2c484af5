// Benchmark method shared by every scenario: a discarded warm-up, N timed repeats, min/median/max,
// and the ratio ours/peer; the machine and versions recorded beside the numbers.
import { execFileSync, spawnSync } from 'child_process';
import * as os from 'os';

export interface Sample {
  label: string;
  unit: string;
  values: number[];
  min: number;
  median: number;
  max: number;
}

export function summarize(label: string, unit: string, values: number[]): Sample {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? NaN : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { label, unit, values, min: s[0] ?? NaN, median, max: s[s.length - 1] ?? NaN };
}

/** Runs fn once as a warm-up (discarded), then `repeats` times; fn returns one measurement. */
export async function repeat(repeats: number, fn: () => Promise<number> | number): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) out.push(await fn());
  return out;
}

/** Wall time of a command in milliseconds (spawned, waited for). Returns exit status too. */
export function timeCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): { ms: number; status: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stderr: r.stderr ?? '' };
}

export function versionOf(cmd: string, args: string[]): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return ((r.stdout ?? '') + (r.stderr ?? '')).split('\n').find((l) => l.trim()) ?? 'unknown';
  } catch {
    return 'unavailable';
  }
}

export function machineInfo(): Record<string, unknown> {
  let loadavg = os.loadavg();
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    /* keep os.release() */
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel,
    node: process.version,
    loadavgAtStart: loadavg,
  };
}

export function ratio(ours: Sample, peer: Sample): number {
  return ours.median / peer.median;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
