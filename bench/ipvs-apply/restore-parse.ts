// Microbenchmark of lvsadm -R without a kernel: the benchmark's 10,000 restore lines (makeState(5000, 1)) through
// lvsadm's main() (input split, per-line parse and checks, entry -> batch op) over a client that accepts every op.
// Cold numbers are one run in a fresh process each (what a real `lvsadm -R` pays); warm ones repeat in-process. Also
// per-line parsing alone, with the full parser and with the fast path (fast-restore.ts).
// Usage: node dist/bench/ipvs-apply/restore-parse.js [coldRuns=7] [warmRuns=10] [nServices=5000]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BatchOp, BatchResult, IpvsClient } from '../../src/ipvs/client';
import { LvsadmDeps, main } from '../../src/lvsadm/main';
import { Resolver } from '../../src/lvsadm/resolve';
import { summarize } from '../lib/measure';
import { makeState } from './state';

interface Outcome {
  ms: number;
  cpuMs: number;
  ops: number;
  status: number;
  stderr: string;
}

/** Wall and CPU milliseconds (user + system, every thread of the process: GC and compiler threads count) since the call. */
function timer(): () => { ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  return () => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  };
}

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
async function once(rules: string): Promise<Outcome> {
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
  const done = timer();
  const status = await main(['lvsadm', '-R'], deps);
  return { ...done(), ops: count.ops, status, stderr };
}

/** What a timed run does with the rules. */
type Mode = 'restore' | 'parse-full' | 'parse-fast';
const MODES: Record<Mode, string> = {
  restore: 'lvsadm -R (main, null client)',
  'parse-full': 'parse only, full parser',
  'parse-fast': 'parse only, fast path (FastLine)',
};

/** Per-line parsing alone: the full parser (parseOptions + checkEntry), or the fast path with it as fallback. */
function parseOnly(rules: string, fast: boolean): Outcome {
  // (required here, so that the restore mode also runs over lvsadm builds without these modules)
  const { fastRestoreLine } = require('../../src/lvsadm/fast-restore') as typeof import('../../src/lvsadm/fast-restore');
  const { usageText, versionText } = require('../../src/lvsadm/help') as typeof import('../../src/lvsadm/help');
  const { Cmd, checkEntry, parseOptions } = require('../../src/lvsadm/options') as typeof import('../../src/lvsadm/options');
  const { RestoreReader } = require('../../src/lvsadm/restore') as typeof import('../../src/lvsadm/restore');
  const pc = { resolver: new Resolver() };
  const done = timer();
  const r = new RestoreReader(rules);
  let ops = 0;
  for (let l = r.next(); l !== undefined; l = r.next()) {
    // the fast path's result is a FastLine (what the restore loop turns into an operation), the full parser's an entry
    const f = fast ? fastRestoreLine(l.args) : undefined;
    let e: { cmd: number } | undefined = f;
    if (e === undefined) {
      const p = parseOptions(['lvsadm', ...l.args], pc, usageText, versionText);
      if (p.kind !== 'command') throw new Error(p.message);
      e = checkEntry(p.entry);
    }
    if (e.cmd !== Cmd.NONE) ops++;
  }
  return { ...done(), ops, status: 0, stderr: '' };
}

const timed = async (mode: Mode, rules: string) => (mode === 'restore' ? once(rules) : parseOnly(rules, mode === 'parse-fast'));

async function run(): Promise<void> {
  const [coldRuns, warmRuns, nServices] = [process.argv[2] ?? '7', process.argv[3] ?? '10', process.argv[4] ?? '5000'].map(Number);
  const child = process.env.LVSK_RESTORE_PARSE_CHILD;
  if (child) {
    // the rules come in a file, as a real -R reads them: no garbage of the generator in the timed run
    const mode = (process.env.LVSK_RESTORE_PARSE_MODE ?? 'restore') as Mode;
    process.stdout.write(JSON.stringify(await timed(mode, fs.readFileSync(child, 'latin1'))) + '\n');
    return;
  }
  const rules = makeState(nServices, 1).rules;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-restore-parse-'));
  const file = path.join(dir, 'rules');
  fs.writeFileSync(file, rules);
  const lines = rules.split('\n').length - 1;
  const modes = Object.keys(MODES) as Mode[];
  const cold = new Map<Mode, Outcome[]>(modes.map((m) => [m, []]));
  const check = (what: string, o: Outcome) => {
    if (o.status !== 0 || o.ops !== lines) throw new Error(`${what}: status ${o.status}, ${o.ops} ops of ${lines}: ${o.stderr}`);
    return o;
  };
  try {
    // interleaved, so that a change in the machine's load touches every mode alike
    for (let i = 0; i < coldRuns; i++) {
      for (const mode of modes) {
        const env = { ...process.env, LVSK_RESTORE_PARSE_CHILD: file, LVSK_RESTORE_PARSE_MODE: mode };
        const r = spawnSync(process.execPath, [__filename], { env, encoding: 'utf8' });
        cold.get(mode)!.push(check(`cold ${mode}`, JSON.parse(r.stdout)));
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const warm = new Map<Mode, Outcome[]>(modes.map((m) => [m, []]));
  for (let i = 0; i < warmRuns + 1; i++) {
    for (const mode of modes) {
      const o = check(`warm ${mode}`, await timed(mode, rules));
      if (i > 0) warm.get(mode)!.push(o);
    }
  }
  const fmt = (label: string, v: Outcome[]) => {
    if (v.length === 0) return;
    const w = summarize(label, 'ms', v.map((x) => x.ms));
    const c = summarize(label, 'ms', v.map((x) => x.cpuMs));
    const f = (x: number) => x.toFixed(1).padStart(6);
    process.stdout.write(`${label.padEnd(40)} wall min ${f(w.min)} median ${f(w.median)} | cpu min ${f(c.min)} median ${f(c.median)} ms | ${((w.median * 1000) / lines).toFixed(2)} us/line (${v.length} runs)\n`);
  };
  process.stdout.write(`lvsadm -R without a kernel, ${lines} lines (makeState(${nServices}, 1)); cold: a fresh process each, warm: in-process repeats\n`);
  for (const mode of modes) {
    fmt(`cold ${MODES[mode]}`, cold.get(mode)!);
    fmt(`warm ${MODES[mode]}`, warm.get(mode)!);
  }
}

run().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
