// Scenario ipvs-apply (run as root inside the kernel-tier VM): program 1,000 services x 10 destinations and
// 10,000 services x 1 destination with our pipelined netlink client and with `ipvsadm -R` of the same rules;
// also flush and full-dump times. Writes the ScenarioResult JSON to argv[2] (bench/run.sh renders it).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { repeat, summarize, timeCommand, versionOf } from '../lib/measure';
import { newResult, printTable, ScenarioResult } from '../lib/report';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import { IpvsClient } from '../../src/ipvs/client';
import { State, makeState } from './state';

function ipvsadm(args: string[], input?: string): void {
  const r = spawnSync('ipvsadm', args, { input, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`ipvsadm ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(0, 300)}`);
}

/** ipvsadm -R reading the rules from a file, timed as a whole process (like `ipvsadm -R < rules`). */
function timeIpvsadmRestore(file: string): number {
  return timeRestore('ipvsadm', file);
}

/** Our lvsadm binary (dist/src/cli/lvsadm.js), run as its #! line says (node options included) by this node. */
const LVSADM = path.resolve(__dirname, '../../src/cli/lvsadm.js');

/** The node options of a script's "#!/usr/bin/env -S node OPTIONS" line (what running the installed command gives). */
export function shebangNodeOptions(file: string): string[] {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

/** `<cmd> -R < file` as a whole process: start, parsing every line, the kernel work, exit. */
function timeRestore(cmd: 'ipvsadm' | 'lvsadm', file: string): number {
  const argv = cmd === 'ipvsadm' ? 'ipvsadm' : [process.execPath, ...shebangNodeOptions(LVSADM), LVSADM].map((x) => JSON.stringify(x)).join(' ');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `exec ${argv} -R < ${file}`], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} -R failed (${r.status}): ${(r.stderr ?? '').slice(0, 300)}`);
  return ms;
}

async function timeOurs(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function apply(c: IpvsClient, st: State): Promise<void> {
  const res = await c.applyBatch(st.ops);
  const bad = res.find((r) => !r.ok);
  if (bad && !bad.ok) throw new Error(`apply failed: ${bad.error.message}`);
}

async function dumpAll(c: IpvsClient): Promise<number> {
  let n = 0;
  for (const s of await c.listAll()) n += 1 + s.destinations.length;
  return n;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const result: ScenarioResult = newResult('ipvs-apply', {
    lvskeeper: (() => {
      try {
        return require('../../../package.json').version as string;
      } catch {
        return 'unknown';
      }
    })(),
    ipvsadm: versionOf('ipvsadm', ['--version']),
    node: process.version,
  });
  let c: IpvsClient | undefined;
  try {
    if (!process.env.LVSK_VM && os.userInfo().uid !== 0) throw new Error('needs root inside the kernel-tier VM (bench/run.sh ipvs-apply)');
    c = await openKernelClient();
    const client = c;
    const tmp = fs.mkdtempSync(`${os.tmpdir()}/lvsk-bench-ipvs-`);
    for (const st of [makeState(1000, 10), makeState(10000, 1)]) {
      const file = `${tmp}/rules`;
      fs.writeFileSync(file, st.rules);
      const nOps = st.ops.length;
      // apply: ours (pipelined, in-process) vs ipvsadm -R; the table is flushed (untimed) before each run
      const ours = await repeat(repeats, async () => {
        await client.flush();
        return timeOurs(() => apply(client, st));
      });
      const peer = await repeat(repeats, async () => {
        ipvsadm(['-C']);
        return timeIpvsadmRestore(file);
      });
      result.comparisons.push({ name: `apply ${st.name} (${nOps.toLocaleString('en-US')} ops)`, ours: summarize('lvskeeper client (pipelined)', 'ms', ours), peer: summarize('ipvsadm -R', 'ms', peer) });
      // dump: the loaded state, every service and destination
      const dumpOurs = await repeat(repeats, () => timeOurs(async () => void (await dumpAll(client))));
      const dumpPeer = await repeat(repeats, () => {
        const r = timeCommand('ipvsadm', ['-S', '-n']);
        if (r.status !== 0) throw new Error(`ipvsadm -Sn failed: ${r.stderr.slice(0, 300)}`);
        return r.ms;
      });
      const n = await dumpAll(client);
      result.comparisons.push({ name: `dump ${st.name} (${n.toLocaleString('en-US')} entries)`, ours: summarize('lvskeeper client', 'ms', dumpOurs), peer: summarize('ipvsadm -Sn', 'ms', dumpPeer) });
      // flush: the loaded state; reloaded (untimed, with our client: faster) before each run
      const reload = async () => {
        await client.flush();
        await apply(client, st);
      };
      const flushOurs = await repeat(repeats, async () => {
        await reload();
        return timeOurs(() => client.flush());
      });
      const flushPeer = await repeat(repeats, async () => {
        await reload();
        return timeCommand('ipvsadm', ['-C']).ms;
      });
      result.comparisons.push({ name: `flush ${st.name}`, ours: summarize('lvskeeper client', 'ms', flushOurs), peer: summarize('ipvsadm -C', 'ms', flushPeer) });
      ipvsadm(['-C']);
    }
    // restore: the same 10,000-line file through lvsadm -R and ipvsadm -R, each a whole process
    {
      const st = makeState(5000, 1);
      const file = `${tmp}/rules-restore`;
      fs.writeFileSync(file, st.rules);
      const lines = st.ops.length;
      const ours = await repeat(repeats, async () => {
        ipvsadm(['-C']);
        return timeRestore('lvsadm', file);
      });
      const peer = await repeat(repeats, async () => {
        ipvsadm(['-C']);
        return timeRestore('ipvsadm', file);
      });
      result.comparisons.push({ name: `restore ${lines.toLocaleString('en-US')} lines (${st.name})`, ours: summarize('lvsadm -R', 'ms', ours), peer: summarize('ipvsadm -R', 'ms', peer) });
      ipvsadm(['-C']);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    result.noise = `${repeats} repeats after one discarded warm-up each; loadavg at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; the VM may run without KVM (TCG emulation), which slows both sides`;
    result.notes.push('Ours is timed in-process (from the first request to the last ack; the socket and family lookup are opened once, before timing). ipvsadm is timed as a whole process, including its start and, per request, libipvs opening a socket and resolving the IPVS family.');
    result.notes.push('Ours dumps destinations of up to 8 services at a time over up to 4 netlink sockets (one dump per socket); ipvsadm -Sn dumps them one after another.');
    result.notes.push('Ours pipelines requests: up to 256 in flight (bounded by SO_RCVBUF), coalesced up to 64 per sendmsg, and only the last request of each sendmsg asks for an ack (failures are still answered, and matched to their request by sequence number); ipvsadm -R sends one request and waits for its ack, line by line.');
    result.notes.push('restore: `lvsadm -R < file` and `ipvsadm -R < file` of the same 10,000 lines, each timed as a whole process (start, parsing, kernel work, exit); the table is flushed (untimed) before each run.');
  } catch (e) {
    result.skipped = (e as Error).message;
  } finally {
    await c?.flush().catch(() => undefined);
    await c?.close();
  }
  printTable(result);
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
}

void main();
