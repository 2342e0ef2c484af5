// Scenario checkers (run as root inside the kernel-tier VM): 1,000 and 10,000 real servers with TCP_CHECK and with
// HTTP_GET, `lvskeeper -n -C` and `keepalived -n -C` one after the other on the same file against the same real
// listeners: CPU seconds per second and RSS of each daemon's process tree in steady state, and detection latency (a
// listener closed until its destination leaves IPVS) beside keepalived's bound. Writes the ScenarioResult JSON to argv[2].
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { summarize, versionOf } from '../lib/measure';
import { newResult, printTable, ScenarioResult } from '../lib/report';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import type { IpvsClient } from '../../src/ipvs/client';
import { AddressFamily, Protocol } from '../../src/ipvs/constants';
import { ServerFarm, createServerNet, sleep, type ServerNet } from '../../test/helpers/vm-servers';
import { BenchLayout, CheckKind, RS_PORT, RS_PREFIX, VICTIM_PORT, VICTIM_VS, benchConfig, detectionBoundMs, rsAddress, victimIndexes } from './config';
import { countDestinations, sampleTree, threadTimes } from './proc';
import { Daemon, Impl, running, startDaemon, stopDaemon } from './daemon';

const NS = 'lvsk-bench-rs';
const VETH = 'lvsk-bench0';
const PER_VS = 10;

interface CaseSpec {
  realServers: number;
  kind: CheckKind;
  /** the bulk's delay_loop: realServers / the check rate the VM sustains */
  bulkDelayLoopS: number;
}

interface ImplRun {
  impl: Impl;
  /** CPU seconds per second of wall time, per window */
  cpu: number[];
  /** CPU milliseconds per check the servers saw, per window */
  cpuPerCheckMs: number[];
  /** RSS of the tree at the end of each window, MiB */
  rssMiB: number[];
  /** checks per second the servers saw during each window (connections accepted) */
  checksPerS: number[];
  /** destinations missing from IPVS at the end of each window, outside a trial (false failures under load) */
  missing: number[];
  /** listener closed until the destination left IPVS, ms; NaN = not within the trial's limit */
  latencyMs: number[];
  /** start until every destination was in IPVS, s */
  programS: number;
  /** start until the victims had been checked 3 times each, s */
  checkingS: number;
  stop: { code: number | null; ms: number; killed: boolean };
  error?: string;
}

const env = (k: string, d: number): number => (process.env[k] !== undefined ? Number(process.env[k]) : d);
const WINDOW_S = env('BENCH_CHECKERS_WINDOW_S', 10);
const REPEATS = env('BENCH_REPEATS', 5);
const BUDGET_S = env('BENCH_CHECKERS_BUDGET_S', 1500);
/** checks per second of the bulk (see the notes: what one emulated vCPU sustains with both daemons below saturation) */
const RATE = env('BENCH_CHECKERS_RATE', 10);
const VICTIMS = 3;
const POLL_MS = 10;
/** the harness writes what it has and exits before the VM's own timeout (bench/run.sh: run-in-vm --timeout 2400) would lose it all */
const DEADLINE_S = env('BENCH_CHECKERS_DEADLINE_S', 2250);
const live = new Set<Daemon>();
const VICTIM_TIMING = { delayLoopS: 1, connectTimeoutS: 1, retry: 1, delayBeforeRetryS: 1 };

/** "1000,10000": real servers per case; the bulk's delay_loop is N / RATE unless given as "N:delay_loop". */
function specs(): CaseSpec[] {
  const kinds = (process.env.BENCH_CHECKERS_KINDS ?? 'TCP_CHECK,HTTP_GET').split(',') as CheckKind[];
  const sizes = (process.env.BENCH_CHECKERS_SIZES ?? '1000,10000').split(',').map((s) => s.split(':').map(Number));
  // in this order: every kind at the first size, then the next size (the time budget may cut the last ones)
  return sizes.flatMap(([n, d]) => kinds.map((kind) => ({ realServers: n!, kind, bulkDelayLoopS: d ?? Math.max(1, Math.round(n! / RATE)) })));
}

function layout(c: CaseSpec): BenchLayout {
  return { realServers: c.realServers, perVs: PER_VS, kind: c.kind, victims: VICTIMS, bulk: { ...VICTIM_TIMING, delayLoopS: c.bulkDelayLoopS }, victim: VICTIM_TIMING };
}

function caseName(c: CaseSpec): string {
  return `${c.realServers.toLocaleString('en-US')} x ${c.kind} (bulk delay_loop ${c.bulkDelayLoopS} s)`;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms: number, stepMs: number): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(stepMs);
  }
}

async function victimDests(client: IpvsClient): Promise<string[]> {
  const ds = await client.listDestinations({ family: AddressFamily.INET, protocol: Protocol.TCP, address: VICTIM_VS, port: 80 });
  return ds.filter((d) => d.key.port === VICTIM_PORT).map((d) => d.key.address);
}
async function hasDest(client: IpvsClient, addr: string): Promise<boolean> {
  return (await victimDests(client)).includes(addr);
}

/** Latency trials, back to back, until `until` (performance.now()) or `max` trials; one victim after the other. */
async function trials(l: BenchLayout, farm: ServerFarm, client: IpvsClient, out: number[], until: () => boolean, max: number): Promise<void> {
  const bound = detectionBoundMs(l.victim);
  const victims = victimIndexes(l).map(rsAddress);
  for (let k = 0; k < max && !until(); k++) {
    const addr = victims[k % victims.length]!;
    await waitFor(`${addr}:${VICTIM_PORT} in IPVS before a trial`, () => hasDest(client, addr), 60000, 100);
    const t0 = await farm.close(addr, VICTIM_PORT);
    let gone = false;
    while (Date.now() - t0 < bound + 15000) {
      if (!(await hasDest(client, addr))) {
        gone = true;
        break;
      }
      await sleep(POLL_MS);
    }
    out.push(gone ? Date.now() - t0 : NaN);
    await farm.open(addr, VICTIM_PORT);
  }
}

/** One daemon: start, then steady-state windows with latency trials running back to back, then stop. */
async function runImpl(impl: Impl, l: BenchLayout, conf: string, dir: string, farm: ServerFarm, client: IpvsClient): Promise<ImplRun> {
  const r: ImplRun = { impl, cpu: [], cpuPerCheckMs: [], rssMiB: [], checksPerS: [], missing: [], latencyMs: [], programS: NaN, checkingS: NaN, stop: { code: null, ms: 0, killed: false } };
  await client.flush();
  const d = startDaemon(impl, conf, dir);
  live.add(d);
  try {
    await waitFor(`${impl} to program ${l.realServers} destinations`, () => {
      if (!running(d)) throw new Error(`${impl} exited: ${d.log().slice(-2000)}`);
      return countDestinations() === l.realServers;
    }, 600000, 1000);
    r.programS = (performance.now() - d.startedAt) / 1000;
    // checking has started when the victims (delay_loop 1 s) have each been checked a few times; the bulk's first
    // checks spread over its delay_loop from then on
    const v0 = (await farm.stats()).byPort[VICTIM_PORT] ?? 0;
    await waitFor(`${impl} to start checking`, async () => {
      if (!running(d)) throw new Error(`${impl} exited: ${d.log().slice(-2000)}`);
      return ((await farm.stats()).byPort[VICTIM_PORT] ?? 0) - v0 >= 3 * l.victims;
    }, 900000, 500);
    r.checkingS = (performance.now() - d.startedAt) / 1000;
    let windowsDone = false;
    const trialsDone = trials(l, farm, client, r.latencyMs, () => windowsDone, 1000);
    for (let w = 0; w <= REPEATS; w++) {
      const a = sampleTree(d.child.pid!);
      const ta = process.env.LVSK_BENCH_THREADS ? threadTimes(d.child.pid!) : undefined;
      const fa = await farm.stats();
      await sleep(WINDOW_S * 1000);
      const b = sampleTree(d.child.pid!);
      if (ta) {
        const lines = [...threadTimes(d.child.pid!)].map(([k, v]) => {
          const u = v.user - (ta.get(k)?.user ?? 0);
          const s = v.sys - (ta.get(k)?.sys ?? 0);
          return `${k}: user ${u.toFixed(2)} s, sys ${s.toFixed(2)} s`;
        });
        process.stderr.write(`threads of ${impl} over ${WINDOW_S} s: ${lines.filter((l) => !/user 0\.00 s, sys 0\.00 s/.test(l)).join('; ')}\n`);
      }
      const fb = await farm.stats();
      if (!running(d)) throw new Error(`${impl} exited: ${d.log().slice(-2000)}`);
      if (w === 0) continue; // warm-up window, discarded
      const cpu = (b.cpuS - a.cpuS) / ((b.at - a.at) / 1000);
      const rate = (fb.conns - fa.conns) / ((fb.at - fa.at) / 1000);
      r.cpu.push(cpu);
      r.checksPerS.push(rate);
      r.cpuPerCheckMs.push(rate > 0 ? (1000 * cpu) / rate : NaN);
      r.rssMiB.push(b.rssBytes / 2 ** 20);
      // bulk destinations missing (the victims come and go with the trials)
      r.missing.push(l.realServers - l.victims - (countDestinations() - (await victimDests(client)).length));
    }
    windowsDone = true;
    await trialsDone;
    // at least REPEATS + 1 trials, the first discarded
    if (r.latencyMs.length < REPEATS + 1) await trials(l, farm, client, r.latencyMs, () => false, REPEATS + 1 - r.latencyMs.length);
    r.latencyMs.shift();
  } catch (e) {
    r.error = (e as Error).message;
  } finally {
    r.stop = await stopDaemon(d, 180000);
    live.delete(d);
    await client.flush().catch(() => undefined);
  }
  return r;
}

const median = (xs: number[]): number => summarize('', '', xs).median;

function addComparisons(res: ScenarioResult, c: CaseSpec, l: BenchLayout, ours: ImplRun, peer: ImplRun): void {
  const bound = detectionBoundMs(l.victim);
  const name = caseName(c);
  const P = 'keepalived -n -C';
  const O = 'lvskeeper -n -C';
  const pct = (xs: number[]): number[] => xs.map((x) => x * 100);
  res.comparisons.push({ name: `${name}: CPU (% of one CPU)`, ours: summarize(O, '%', pct(ours.cpu)), peer: summarize(P, '%', pct(peer.cpu)) });
  res.comparisons.push({ name: `${name}: CPU per check`, ours: summarize(O, 'ms', ours.cpuPerCheckMs), peer: summarize(P, 'ms', peer.cpuPerCheckMs) });
  res.comparisons.push({ name: `${name}: RSS`, ours: summarize(O, 'MiB', ours.rssMiB), peer: summarize(P, 'MiB', peer.rssMiB) });
  const ofBound = (xs: number[]): number[] => xs.filter(Number.isFinite).map((x) => (100 * x) / bound);
  res.comparisons.push({ name: `${name}: detection latency (% of the ${bound} ms bound)`, ours: summarize(O, '% of bound', ofBound(ours.latencyMs)), peer: summarize(P, '% of bound', ofBound(peer.latencyMs)) });
  const lat = (x: ImplRun): string => {
    const s = summarize('', 'ms', x.latencyMs.filter(Number.isFinite));
    const missed = x.latencyMs.filter((v) => !Number.isFinite(v)).length;
    return `${x.latencyMs.length} trials: median ${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)}), max - bound ${(s.max - bound).toFixed(0)} ms${missed ? `, ${missed} not detected within bound + 15 s` : ''}`;
  };
  const line = (x: ImplRun): string =>
    `${x.impl}: all ${l.realServers} in IPVS ${x.programS.toFixed(1)} s after the start, checking (victims checked 3 times each) after ${x.checkingS.toFixed(1)} s; checks/s seen by the servers ${median(x.checksPerS).toFixed(1)} (configured ${((l.realServers - l.victims) / l.bulk.delayLoopS + l.victims).toFixed(1)}); ` +
    `bulk destinations missing at window ends: max ${Math.max(0, ...x.missing)}; latency ${lat(x)}; SIGTERM: exit ${x.stop.code} after ${(x.stop.ms / 1000).toFixed(1)} s${x.stop.killed ? ' (SIGKILLed)' : ''}${x.error ? `; ERROR: ${x.error}` : ''}`;
  res.notes.push(`${name}: ${line(ours)}`);
  res.notes.push(`${name}: ${line(peer)}`);
  (res as ScenarioResult & { raw?: unknown[] }).raw ??= [];
  (res as ScenarioResult & { raw: unknown[] }).raw.push({ case: c, boundMs: bound, runs: [ours, peer] });
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const started = performance.now();
  const res: ScenarioResult = newResult('checkers', {
    lvskeeper: (() => {
      try {
        return require('../../../package.json').version as string;
      } catch {
        return 'unknown';
      }
    })(),
    keepalived: versionOf('keepalived', ['--version']),
    node: process.version,
    kernel: os.release(),
  });
  let client: IpvsClient | undefined;
  let srv: ServerNet | undefined;
  let farm: ServerFarm | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-bench-checkers-'));
  const watchdog = setTimeout(() => {
    res.notes.push(`stopped at the harness deadline (${DEADLINE_S} s in the VM): the cases above are complete, the one running then is not reported`);
    for (const d of live) d.child.kill('SIGKILL');
    printTable(res);
    if (out) fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
    process.exit(0);
  }, DEADLINE_S * 1000);
  watchdog.unref();
  try {
    if (!process.env.LVSK_VM) throw new Error('runs inside the kernel-tier VM: bash test/kernel/vm/run-in-vm.sh -- node dist/bench/checkers/index.js OUT.json (bench/run.sh checkers)');
    client = await openKernelClient();
    srv = createServerNet({ ns: NS, veth: VETH, link: '10.81.0', anyIp: [RS_PREFIX] });
    const cases = specs();
    const victimSet = new Map<string, { host: string; port: number }>();
    for (const c of cases) for (const i of victimIndexes(layout(c))) victimSet.set(rsAddress(i), { host: rsAddress(i), port: VICTIM_PORT });
    farm = await ServerFarm.start(NS, [{ host: '0.0.0.0', port: RS_PORT }, ...victimSet.values()]);
    res.noise =
      `${REPEATS} windows of ${WINDOW_S} s (after one discarded) per daemon, latency trials back to back during them (the first discarded); ` +
      `one emulated vCPU (qemu TCG, no KVM) shared by the daemon, the real servers (one node process) and this harness, on a host shared with other work; loadavg in the VM at the start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;
    res.notes.push(
      `Scaled: at delay_loop 1 s for every real server the emulated vCPU saturates long before 1,000 (a first run with 200 real servers at 1 s: keepalived and lvskeeper each got ~17-19 checks/s done of the 200/s configured, latencies 3-17 s), so the numbers would measure the emulator, not the daemons. ` +
        `Each case keeps its 1,000 or 10,000 real servers (configuration, IPVS table, timers, memory) but the bulk runs at delay_loop = N / ${RATE} s (${RATE} checks/s), and ${VICTIMS} victims in a virtual server of their own keep delay_loop 1 s for the latency trials. ` +
        'CPU per check (CPU s/s over checks/s that the servers saw) is the rate-independent cost: at delay_loop 1 s a daemon would need about N x that per second, which this VM cannot show.',
      'CPU: utime+stime (+ reaped children) of the daemon and all its descendants (keepalived -C: parent + checker child; lvskeeper -C: one process) from /proc/PID/stat over each window; RSS: sum of VmRSS of the tree. lvskeeper\'s CPU includes its drift-repair resync (a full IPVS dump every 10 s, or 50 x the duration of the last dump if longer), which keepalived does not do.',
      `Detection latency: the servers' clock when the victim's listener was closed (connects refused from then on) until the destination was absent from a netlink dump of the victims' service, polled every ${POLL_MS} ms; the victims take turns. Bound = delay_loop + (retry + 1) x connect_timeout + retry x delay_before_retry = ${detectionBoundMs(VICTIM_TIMING)} ms with delay_loop 1 s, connect_timeout 1 s, retry 1, delay_before_retry 1 s; a refused connect fails at once, so ~delay_loop / 2 + delay_before_retry is expected.`,
      `Real servers: ${RS_PREFIX} routed into a namespace behind a veth and delivered locally there (AnyIP), served by one node HTTP listener on 0.0.0.0:${RS_PORT}: one socket for any number of servers, so the servers scale and a check still crosses the network stack; the victims have their own listeners on port ${VICTIM_PORT}. warmup is keepalived's default (delay_loop), so first checks spread over one delay_loop in both daemons; the windows fall in that first round, in which both daemons log every first success ("TCP connection to ... success."). keepalived runs first, then lvskeeper, on the same file; both log to a pipe that the harness drains (keepalived -l -G).`,
    );
    for (const c of cases) {
      const elapsed = (performance.now() - started) / 1000;
      const name = caseName(c);
      if (elapsed > BUDGET_S) {
        res.notes.push(`${name}: not run: the time budget of ${BUDGET_S} s in the VM was used up (${elapsed.toFixed(0)} s)`);
        continue;
      }
      const l = layout(c);
      const conf = path.join(dir, 'keepalived.conf');
      fs.writeFileSync(conf, benchConfig(l));
      const t0 = performance.now();
      const peer = await runImpl('keepalived', l, conf, dir, farm, client);
      const ours = await runImpl('lvskeeper', l, conf, dir, farm, client);
      addComparisons(res, c, l, ours, peer);
      if (out) fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n'); // what is done so far survives a timeout
      process.stderr.write(`checkers: ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  } catch (e) {
    res.skipped = (e as Error).stack ?? String(e);
  } finally {
    await farm?.stop().catch(() => undefined);
    srv?.destroy();
    await client?.flush().catch(() => undefined);
    await client?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  clearTimeout(watchdog);
  printTable(res);
  if (out) fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
}

void main();
