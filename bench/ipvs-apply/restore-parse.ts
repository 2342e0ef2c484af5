// Microbenchmark of lvsadm -R without a kernel: the benchmark's 10,000 restore lines (makeState(5000, 1)) through
// lvsadm's main() (input split, per-line parse and checks, entry -> batch op) over a client that accepts every op.
// Cold numbers are one run in a fresh process each (what a real `lvsadm -R` pays); warm ones repeat in-process.
// Usage: node dist/bench/ipvs-apply/restore-parse.js [coldRuns=7] [warmRuns=10] [nServices=5000]
import { spawnSync } from 'child_process';
import type { BatchOp, BatchResult, IpvsClient } from '../../src/ipvs/client';
import { LvsadmDeps, main } from '../../src/lvsadm/main';
import { Resolver } from '../../src/lvsadm/resolve';
import { summarize } from '../lib/measure';
import { makeState } from './state';

/** A client that accepts every operation (counted), so only lvsadm's own work is timed. */
function nullClient(count: { ops: number }): IpvsClient {
  const known: Partial<IpvsClient> = {
    info: async () => ({ version: '1.2.1', versionCode: 0x010201, connTableSize: 4096 }),
    applyBatch: async (ops: BatchOp[]) => {
      count.ops += ops.length;
      return ops.map((): BatchResult => ({ ok: true }));
    },
    close: async () => undefined,
  };
  return known as IpvsClient;
}

/** One `lvsadm -R` of `rules` in this process: milliseconds, and the ops it produced. */
async function once(rules: string): Promise<{ ms: number; ops: number; status: number; stderr: string }> {
  const count = { ops: 0 };
  let stderr = '';
  const deps: LvsadmDeps = {
    openClient: async () => nullClient(count),
    stdout: () => undefined,
    stderr: (s) => (stderr += s),
    readStdin: async () => rules,
    readFile: () => null,
    resolver: new Resolver(),
    env: {},
    modprobe: () => undefined,
    uid: 0,
  };
  const t0 = process.hrtime.bigint();
  const status = await main(['lvsadm', '-R'], deps);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ops: count.ops, status, stderr };
}

async function run(): Promise<void> {
  const [coldRuns, warmRuns, nServices] = [process.argv[2] ?? '7', process.argv[3] ?? '10', process.argv[4] ?? '5000'].map(Number);
  const rules = makeState(nServices, 1).rules;
  if (process.env.LVSK_RESTORE_PARSE_CHILD) {
    process.stdout.write(JSON.stringify(await once(rules)) + '\n');
    return;
  }
  const lines = rules.split('\n').length - 1;
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const r = spawnSync(process.execPath, [__filename, '0', '0', String(nServices)], { env: { ...process.env, LVSK_RESTORE_PARSE_CHILD: '1' }, encoding: 'utf8' });
    const o = JSON.parse(r.stdout) as { ms: number; ops: number; status: number; stderr: string };
    if (o.status !== 0 || o.ops !== lines) throw new Error(`cold run: status ${o.status}, ${o.ops} ops of ${lines}: ${o.stderr}`);
    cold.push(o.ms);
  }
  const warm: number[] = [];
  for (let i = 0; i < warmRuns + 1; i++) {
    const o = await once(rules);
    if (o.status !== 0 || o.ops !== lines) throw new Error(`warm run: status ${o.status}, ${o.ops} ops of ${lines}: ${o.stderr}`);
    if (i > 0) warm.push(o.ms);
  }
  const fmt = (label: string, v: number[]) => {
    if (v.length === 0) return;
    const s = summarize(label, 'ms', v);
    process.stdout.write(`${label.padEnd(34)} min ${s.min.toFixed(1).padStart(7)}  median ${s.median.toFixed(1).padStart(7)}  max ${s.max.toFixed(1).padStart(7)} ms  (${v.length} runs, ${((s.median * 1000) / lines).toFixed(2)} us/line)\n`);
  };
  process.stdout.write(`lvsadm -R parse path, ${lines} lines, null client (no kernel, no encoding)\n`);
  fmt('cold (fresh process, first run)', cold);
  fmt('warm (in-process repeats)', warm);
}

run().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
