// Scenario reload (root, inside the kernel-tier VM): a 1,000 x 10 virtual-server config with TCP_CHECKs that stay up, run
// by `lvskeeper -C` and `keepalived -C` in turn; 1% of the real servers changed per SIGHUP. Measures convergence (SIGHUP
// until /proc/net/ip_vs equals the new config) and the IPVS requests issued (nlmon capture), and that nothing else was touched.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fmt, summarize, versionOf } from '../lib/measure';
import { Comparison, newResult, printTable, ScenarioResult, writeResult } from '../lib/report';
import { ExpectedTable, ReloadShape, Variant, changedEntries, expectedTable, reloadConf } from './conf';
import { parseProcIpvs, tableDiff, tablesEqual } from './procfs';
import { IpvsRequest, MODIFYING, entryOf, ipvsRequests } from './nlcap';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import type { IpvsClient } from '../../src/ipvs/client';
import { AddressFamily, Protocol } from '../../src/ipvs/constants';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'lvskeeper.js');
type Impl = 'lvskeeper' | 'keepalived';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** gap between two polls of the changed services during a reload */
const POLL_GAP_MS = 1000;

interface Window {
  from: Variant;
  to: Variant;
  /** SIGHUP sent (epoch ms) */
  t0: number;
  /** first poll that saw the new table */
  t1: number;
  /** end of the settle period that follows (requests up to here belong to this reload) */
  tEnd: number;
  polls: number;
  warmup: boolean;
  problem?: string;
}

interface ImplRun {
  startMs: number;
  windows: Window[];
  pollMs: number[];
  log: string;
}

const children = new Set<ChildProcess>();

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(0, 300)}`);
  return r.stdout;
}

/** Spawns argv; keeps the last 100-200 kB of output; `marked()` tells whether `marker` has been printed. */
function start(argv: string[], marker?: RegExp): { child: ChildProcess; out: () => string; exited: Promise<void>; marked: () => boolean } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let marked = false;
  const add = (d: Buffer): void => {
    const text = d.toString();
    if (marker && !marked && marker.test(text)) marked = true;
    out += text;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<void>((res) => child.once('exit', () => (children.delete(child), res())));
  return { child, out: () => out, exited, marked: () => marked };
}

const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

function readTableNow(): ExpectedTable {
  return parseProcIpvs(fs.readFileSync('/proc/net/ip_vs', 'utf8'));
}

/** The destinations (and weights) of the given services, read with targeted GET_DEST dumps (cheap: no full table). */
async function readServices(client: IpvsClient, services: string[]): Promise<ExpectedTable> {
  const t: ExpectedTable = new Map();
  for (const svc of services) {
    const [address, port] = svc.split(':');
    try {
      const ds = await client.listDestinations({ family: AddressFamily.INET, protocol: Protocol.TCP, address: address!, port: Number(port) });
      t.set(svc, new Map(ds.map((d) => [`${d.key.address}:${d.key.port}`, d.config.weight])));
    } catch {
      /* service absent */
    }
  }
  return t;
}

/** Polls the changed services every `gapMs` until they equal `want`; returns the time they did (epoch ms) and the poll count. */
async function waitServices(client: IpvsClient, want: ExpectedTable, timeoutMs: number, gapMs: number, pollMs: number[], isAlive: () => boolean): Promise<{ t: number; polls: number }> {
  const deadline = Date.now() + timeoutMs;
  const services = [...want.keys()];
  let polls = 0;
  for (;;) {
    const a = Date.now();
    const got = await readServices(client, services);
    polls++;
    const b = Date.now();
    pollMs.push(b - a);
    if (tablesEqual(want, got)) return { t: b, polls };
    if (!isAlive()) throw new Error(`daemon exited; table differs: ${tableDiff(want, got).join('; ')}${oomKills()}`);
    if (b > deadline) throw new Error(`changed services not converged within ${timeoutMs} ms: ${tableDiff(want, got).join('; ')}`);
    await sleep(gapMs);
  }
}

function oomKills(): string {
  const r = spawnSync('dmesg', [], { encoding: 'utf8' });
  const lines = (r.stdout ?? '').split('\n').filter((l) => /Out of memory|oom-kill|Killed process/i.test(l));
  return lines.length ? ` (kernel: ${lines.slice(-2).join(' | ')})` : '';
}

/** Netlink port ids of this process's own sockets (its polls are not the daemons' requests): /proc/net/netlink by inode. */
function ownPortIds(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const out = new Set<number>();
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  for (const line of fs.readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10 && inodes.has(f[9]!)) out.add(Number(f[2]) >>> 0);
  }
  return out;
}

/** Polls /proc/net/ip_vs every `gapMs` until it equals `want`; returns the time it did (epoch ms) and the poll count. */
async function waitTable(want: ExpectedTable, timeoutMs: number, gapMs: number, pollMs: number[], isAlive: () => boolean): Promise<{ t: number; polls: number }> {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    const a = Date.now();
    const got = readTableNow();
    polls++;
    const b = Date.now();
    pollMs.push(b - a);
    if (tablesEqual(want, got)) return { t: b, polls };
    if (!isAlive()) throw new Error(`daemon exited; table differs: ${tableDiff(want, got).join('; ')}${oomKills()}`);
    if (b > deadline) throw new Error(`table not converged within ${timeoutMs} ms: ${tableDiff(want, got).join('; ')}`);
    await sleep(gapMs);
  }
}

async function runImpl(impl: Impl, client: IpvsClient, shape: ReloadShape, confs: Record<Variant, string>, tables: Record<Variant, ExpectedTable>, dir: string, repeats: number): Promise<ImplRun> {
  const changedSvcs = [...new Set([...changedEntries(tables.A, tables.B)].map((e) => e.split('>')[0]!))];
  const only = (t: ExpectedTable): ExpectedTable => new Map(changedSvcs.map((s) => [s, t.get(s)!]));
  const changedOnly = { A: only(tables.A), B: only(tables.B) };
  sh('ipvsadm', ['-C']);
  const file = path.join(dir, `${impl}.conf`);
  fs.writeFileSync(file, confs.A);
  const p = (x: string): string => path.join(dir, `${impl}.${x}`);
  const argv =
    impl === 'lvskeeper'
      ? [process.execPath, CLI, '-n', '-l', '-C', '-f', file, '-p', p('pid'), '-c', p('cpid'), '--status-listen=off']
      : ['keepalived', '-n', '-l', '-C', '-f', file, '-p', p('pid'), '-c', p('cpid')];
  const t = Date.now();
  // ours says "lvskeeper running" once every subsystem started and its signal handlers are installed (a SIGHUP before
  // that ends the process: Node's default action); keepalived installs its handlers before it reads the config
  const d = start(argv, impl === 'lvskeeper' ? /lvskeeper running/ : undefined);
  const pollMs: number[] = [];
  const windows: Window[] = [];
  try {
    const first = await waitTable(tables.A, 900_000, 1000, [], () => alive(d.child));
    const startMs = first.t - t;
    console.log(`# ${impl}: ${shape.nVs} x ${shape.nRs} programmed ${fmt(startMs / 1000, 1)} s after start`);
    for (let i = 0; impl === 'lvskeeper' && !d.marked(); i++) {
      if (!alive(d.child) || i > 6000) throw new Error(`no "lvskeeper running" within 600 s of the table${oomKills()}`);
      await sleep(100);
    }
    if (impl === 'lvskeeper') console.log(`# lvskeeper: running ${fmt((Date.now() - t) / 1000, 1)} s after start`);
    await sleep(5000);
    let cur: Variant = 'A';
    for (let r = 0; r <= repeats; r++) {
      const next: Variant = cur === 'A' ? 'B' : 'A';
      fs.writeFileSync(file, confs[next]);
      const t0 = Date.now();
      process.kill(d.child.pid!, 'SIGHUP');
      // a slow poll (one vCPU: a fast one would take the CPU the daemon needs); the precise time comes from the capture
      const got = await waitServices(client, changedOnly[next], 900_000, POLL_GAP_MS, pollMs, () => alive(d.child));
      // settle: the table must stay as it is (no late removals, no flapping checkers), and late requests still count
      await sleep(4000);
      // the whole table (untouched services included) must equal the new config once settled
      const after = readTableNow();
      const problem = tablesEqual(tables[next], after) ? undefined : `table differs after settling: ${tableDiff(tables[next], after).join('; ')}`;
      windows.push({ from: cur, to: next, t0, t1: got.t, tEnd: Date.now(), polls: got.polls, warmup: r === 0, problem });
      console.log(`# ${impl} reload ${r}${r === 0 ? ' (warm-up)' : ''} ${cur}->${next}: ${got.t - t0} ms, ${got.polls} polls${problem ? `; ${problem}` : ''}`);
      cur = next;
    }
    return { startMs, windows, pollMs, log: d.out() };
  } catch (e) {
    throw new Error(`${impl}: ${(e as Error).message}\n${d.out().slice(-3000)}`);
  } finally {
    d.child.kill('SIGTERM');
    const killer = setTimeout(() => alive(d.child) && d.child.kill('SIGKILL'), 120_000);
    await d.exited;
    clearTimeout(killer);
    spawnSync('ipvsadm', ['-C']);
  }
}

interface WindowOps {
  modifying: number;
  reads: number;
  byCmd: Record<string, number>;
  /** modifying requests naming an entry that the config change did not touch */
  untouchedHit: string[];
  /** SIGHUP to the last modifying request, ms */
  lastOpMs: number;
  /** SIGHUP to the last request that changed one of the changed entries (after it the table is the new one), ms */
  convergedMs: number;
}

function opsIn(reqs: IpvsRequest[], w: Window, tables: Record<Variant, ExpectedTable>): WindowOps {
  const changed = changedEntries(tables[w.from], tables[w.to]);
  // a request for "svc>dest" is fine when that entry changed; a service-level request only when the service changed
  const mine = reqs.filter((r) => r.tMs >= w.t0 && r.tMs < w.tEnd);
  const byCmd: Record<string, number> = {};
  const untouchedHit: string[] = [];
  let modifying = 0;
  let lastOp = w.t0;
  let lastChange = -Infinity;
  for (const r of mine) {
    byCmd[r.cmd + (r.dump ? ' (dump)' : '')] = (byCmd[r.cmd + (r.dump ? ' (dump)' : '')] ?? 0) + 1;
    if (!MODIFYING.has(r.cmd)) continue;
    modifying++;
    lastOp = Math.max(lastOp, r.tMs);
    const e = entryOf(r);
    if (!e || !changed.has(e)) untouchedHit.push(`${r.cmd} ${e ?? '(no entry)'}`);
    else lastChange = Math.max(lastChange, r.tMs);
  }
  return { modifying, reads: mine.length - modifying, byCmd, untouchedHit, lastOpMs: lastOp - w.t0, convergedMs: Number.isFinite(lastChange) ? lastChange - w.t0 : NaN };
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const shape: ReloadShape = {
    nVs: Number(process.env.RELOAD_VS ?? 1000),
    nRs: Number(process.env.RELOAD_RS ?? 10),
    changeEvery: 100,
    delayLoopS: Number(process.env.RELOAD_DELAY_LOOP ?? 120),
  };
  const result: ScenarioResult = newResult('reload', {
    lvskeeper: require('../../../package.json').version as string,
    keepalived: versionOf('keepalived', ['-v']),
    ipvsadm: versionOf('ipvsadm', ['--version']),
    node: process.version,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-bench-reload-'));
  let cap: ReturnType<typeof start> | undefined;
  let listener: ReturnType<typeof start> | undefined;
  let client: IpvsClient | undefined;
  const cleanup = (): void => {
    for (const c of children) if (alive(c)) c.kill('SIGKILL');
    spawnSync('ipvsadm', ['-C']);
    spawnSync('ip', ['link', 'del', 'lvskrl0']);
    spawnSync('ip', ['route', 'del', 'local', '10.200.0.0/16', 'dev', 'lo']);
  };
  process.on('SIGTERM', () => (cleanup(), process.exit(130)));
  try {
    if (!process.env.LVSK_VM && os.userInfo().uid !== 0) throw new Error('needs root inside the kernel-tier VM (bench/run.sh reload)');
    for (const m of ['ip_vs', 'ip_vs_wrr', 'nlmon']) spawnSync('modprobe', [m]);
    if (!fs.existsSync('/proc/net/ip_vs')) throw new Error('no IPVS in this kernel (/proc/net/ip_vs missing): run it in the VM (bench/run.sh reload)');
    if (fs.readFileSync('/proc/net/ip_vs', 'utf8').split('\n').some((l) => /^(TCP|UDP|SCTP|FWM)\s/.test(l))) throw new Error('the IPVS table is not empty; the scenario flushes it, so it runs only in the VM or on a scratch machine');
    // real servers: every 10.200.0.0/16 address is local (AnyIP route) with one listener that accepts and closes
    sh('ip', ['route', 'add', 'local', '10.200.0.0/16', 'dev', 'lo']);
    spawnSync('sysctl', ['-q', '-w', 'net.core.somaxconn=4096', 'net.ipv4.tcp_tw_reuse=1']);
    listener = start([process.execPath, '-e', "require('net').createServer((s)=>{s.on('error',()=>{});s.destroy();}).listen({port:8080,backlog:4096},()=>console.log('listening'))"]);
    // every netlink request to the kernel, of both daemons, from one tap; the kernel's replies (dumps: megabytes) are not
    // kept: the filter keeps skbs whose first nlmsghdr has NLM_F_REQUEST (byte 22: 16-byte nlmon header + nlmsg_flags, LE)
    sh('ip', ['link', 'add', 'lvskrl0', 'type', 'nlmon']);
    sh('ip', ['link', 'set', 'lvskrl0', 'up']);
    const pcap = path.join(dir, 'nl.pcap');
    cap = start(['tcpdump', '-Z', 'root', '-i', 'lvskrl0', '-s', '0', '-U', '-w', pcap, 'link[22] & 1 != 0']);
    for (let i = 0; i < 300 && !(/listening on/.test(cap.out()) && listener.out().includes('listening')); i++) await sleep(100);
    if (!/listening on/.test(cap.out())) throw new Error(`tcpdump on nlmon did not start: ${cap.out()}`);
    const confs = { A: reloadConf(shape, 'A'), B: reloadConf(shape, 'B') };
    const tables = { A: expectedTable(shape, 'A'), B: expectedTable(shape, 'B') };
    const runs: Partial<Record<Impl, ImplRun | Error>> = {};
    client = await openKernelClient();
    for (const impl of ['lvskeeper', 'keepalived'] as Impl[]) {
      try {
        runs[impl] = await runImpl(impl, client, shape, confs, tables, dir, repeats);
      } catch (e) {
        runs[impl] = e as Error;
        console.log(`# ${(e as Error).message}`);
      }
    }
    cap.child.kill('SIGINT');
    await Promise.race([cap.exited, sleep(10000)]);
    const own = ownPortIds();
    const reqs = ipvsRequests(fs.readFileSync(pcap)).filter((r) => !own.has(r.portId));
    const per: Partial<Record<Impl, { conv: number[]; polled: number[]; lastOp: number[]; mod: number[]; reads: number[]; detail: unknown[] }>> = {};
    for (const impl of ['lvskeeper', 'keepalived'] as Impl[]) {
      const r = runs[impl];
      if (!r || r instanceof Error) continue;
      const acc = { conv: [] as number[], polled: [] as number[], lastOp: [] as number[], mod: [] as number[], reads: [] as number[], detail: [] as unknown[] };
      for (const w of r.windows) {
        const o = opsIn(reqs, w, tables);
        acc.detail.push({ reload: `${w.from}->${w.to}`, warmup: w.warmup, polledMs: w.t1 - w.t0, polls: w.polls, ...o, untouchedHit: o.untouchedHit.slice(0, 10), untouchedHitCount: o.untouchedHit.length, problem: w.problem });
        if (w.warmup) continue;
        acc.conv.push(o.convergedMs);
        acc.polled.push(w.t1 - w.t0);
        acc.lastOp.push(o.lastOpMs);
        acc.mod.push(o.modifying);
        acc.reads.push(o.reads);
      }
      per[impl] = acc;
      const pm = [...r.pollMs].sort((a, b) => a - b);
      result.notes.push(
        `${impl}: initial ${shape.nVs} x ${shape.nRs} programmed ${fmt(r.startMs / 1000, 1)} s after start; poll of the changed services took median ${pm[pm.length >> 1] ?? 'n/a'} ms (max ${pm[pm.length - 1] ?? 'n/a'}), every ${POLL_GAP_MS} ms after the previous one.`,
      );
    }
    const missing = (impl: Impl): string => {
      const r = runs[impl];
      return r instanceof Error ? r.message.split('\n')[0]! : 'did not run';
    };
    const row = (name: string, unit: string, key: 'conv' | 'polled' | 'lastOp' | 'mod' | 'reads'): void => {
      const o = per.lvskeeper;
      const k = per.keepalived;
      if (!o) {
        result.notes.push(`${name}: lvskeeper did not run: ${missing('lvskeeper')}`);
        return;
      }
      const cmp: Comparison = { name, ours: summarize('lvskeeper -C', unit, o[key]), ...(k ? { peer: summarize('keepalived -C', unit, k[key]) } : { peerMissing: missing('keepalived') }) };
      result.comparisons.push(cmp);
    };
    const label = `${shape.nVs.toLocaleString('en-US')} x ${shape.nRs}, 1% changed`;
    row(`${label}: SIGHUP to table converged (last change of a changed entry)`, 'ms', 'conv');
    row(`${label}: SIGHUP to first poll seeing the new state (1 s polls)`, 'ms', 'polled');
    row(`${label}: SIGHUP to last IPVS change request of any entry`, 'ms', 'lastOp');
    row(`${label}: IPVS change requests per reload`, 'requests', 'mod');
    row(`${label}: IPVS read requests per reload (GET, dumps)`, 'requests', 'reads');
    (result as unknown as Record<string, unknown>).reloads = { lvskeeper: per.lvskeeper?.detail, keepalived: per.keepalived?.detail };
    const changedPerReload = changedEntries(tables.A, tables.B).size;
    for (const impl of ['lvskeeper', 'keepalived'] as Impl[]) {
      const d = (per[impl]?.detail ?? []) as Array<{ untouchedHitCount: number; untouchedHit: string[]; warmup: boolean; problem?: string }>;
      const hits = d.filter((x) => !x.warmup).reduce((a, x) => a + x.untouchedHitCount, 0);
      const probs = d.filter((x) => x.problem).map((x) => x.problem);
      if (per[impl])
        result.notes.push(
          `${impl}: change requests naming an entry the config change did not touch: ${hits} over ${d.filter((x) => !x.warmup).length} reloads${hits ? ` (e.g. ${d.flatMap((x) => x.untouchedHit).slice(0, 3).join(', ')})` : ' (untouched virtual and real servers were neither deleted, re-added nor edited)'}${probs.length ? `; problems: ${probs.join('; ')}` : ''}.`,
        );
    }
    result.noise = `${repeats} reloads per daemon after one discarded warm-up reload (alternating A->B, B->A); the VM runs under TCG emulation (one vCPU, ${Math.round(os.totalmem() / 2 ** 20)} MiB) on a host shared with other work, other engineers' VMs included (guest 1-min load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}): read ratios, not absolute times.`;
    result.notes.push(
      `Config: ${shape.nVs.toLocaleString('en-US')} virtual servers (wrr, NAT) x ${shape.nRs} real servers, each with a TCP_CHECK (delay_loop ${shape.delayLoopS}, connect_timeout 10, retry 3) against one listener for all of 10.200.0.0/16 (AnyIP route), so every check passes and no health change mixes into the reloads. A reload changes every 100th virtual server: 3 real servers removed, 3 added, 4 reweighted (${changedPerReload} IPVS entries, 1% of the real servers).`,
      'Convergence: from just before kill -HUP to the capture time (nlmon, kernel clock) of the last request that changed one of the entries the config change touched; a poll every 1 s of the changed services (GET_DEST dumps with our client, whose own requests are left out of the counts by their netlink port ids) confirms the new state, and 4 s after that the whole table (/proc/net/ip_vs) must equal the new config. A 20 ms poll was tried first and took most of the single emulated CPU away from the daemons. Requests: an nlmon tap (tcpdump -i nlmon, only skbs sent with NLM_F_REQUEST: every request, several per skb when ours coalesces them, not the replies of the kernel) decoded with our codec, each nlmsg counted; a request belongs to a reload from its SIGHUP to the end of its settle period. Change requests are NEW/SET/DEL of services and destinations (and FLUSH, ZERO, SET_CONFIG); read requests are GET_* (a dump is one request).',
      'Both daemons run as `-n -l -C -f FILE` one after the other in the same VM boot, the table flushed between them.',
    );
  } catch (e) {
    result.skipped = (e as Error).message;
  } finally {
    await client?.close().catch(() => undefined);
    cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (out) {
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    printTable(result);
  } else writeResult(result);
  if (result.skipped) process.exitCode = 1;
}

if (require.main === module) void main();
