// Scenario jitter: VRRP advert send intervals of a master (v2 advert_int 1 and v3 advert_int 0.1 in one daemon) as captured
// in a peer namespace, with no checker load and with ~10,000 TCP checks a second in the same daemon; lvskeeper vs keepalived.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fmt, summarize, versionOf } from '../lib/measure';
import { Comparison, newResult, printTable, writeResult } from '../lib/report';
import { Netns } from '../../test/helpers/netns';
import { Topology, sleep, topology, waitFor } from '../../test/helpers/vrrp-daemon';
import { JitterStats, advertIntervals, jitterStats, parseVrrpCapture, VrrpAdvert } from './analyze';
import { LoadSpec, jitterConf } from './conf';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'lvskeeper.js');

type Impl = 'lvskeeper' | 'keepalived';

/** The two instances every run measures (one daemon, both MASTER). */
export const INSTANCES = [
  { name: 'VI_V2', vrid: 51, version: 2 as const, advertInt: 1 },
  { name: 'VI_V3', vrid: 52, version: 3 as const, advertInt: 0.1 },
];

interface RunResult {
  /** per measured window (the first, warm-up window discarded), per vrid */
  windows: Array<Map<number, JitterStats>>;
  /** connections the real-server listener accepted per second during the measured windows */
  checksPerS: number;
  /** CPU seconds per wall second of the daemon's process tree during the measured windows */
  cpu: number;
  /** why the run could not measure what it should (e.g. keepalived's checker process exited) */
  problem?: string;
  log: string;
}

const live = new Set<() => void>();

/** Spawns argv in namespace ns; output is kept (its last 200-400 kB) and stdout lines go to onLine. */
function spawnIn(ns: string, argv: string[], onLine?: (line: string) => void): { child: ChildProcess; out: () => string; exited: Promise<void> } {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let partial = '';
  const add = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout!.on('data', (d: Buffer) => {
    add(d);
    if (!onLine) return;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) onLine(l);
  });
  child.stderr!.on('data', add);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return { child, out: () => out, exited };
}

function kill(c: ChildProcess, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (c.exitCode === null && c.signalCode === null) c.kill(sig);
}

/** utime+stime (clock ticks) of `pid` and all its descendants, from /proc. */
function treeCpuTicks(pid: number): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      /* exited meanwhile */
    }
  }
  let sum = 0;
  for (const [p, t] of ticks) {
    for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) {
      if (q === pid) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

/** The real servers' namespace: every address of 10.201.0.0/16 is local (AnyIP route) and one listener accepts and closes. */
function realServers(topo: Topology, subnet: number): { ns: Netns; listener: ReturnType<typeof spawnIn>; accepted: () => number } {
  const ns = new Netns('lvskjs');
  const veth = `js${process.pid % 100000}x${subnet}`;
  spawnSync('ip', ['link', 'add', veth, 'netns', topo.a.ns.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
  topo.a.ns.exec('ip', ['link', 'set', veth, 'name', 'rs0']);
  topo.a.ns.exec('ip', ['addr', 'add', `10.79.${subnet}.1/30`, 'dev', 'rs0']);
  topo.a.ns.exec('ip', ['link', 'set', 'rs0', 'up']);
  topo.a.ns.exec('ip', ['route', 'add', '10.201.0.0/16', 'via', `10.79.${subnet}.2`]);
  ns.exec('ip', ['addr', 'add', `10.79.${subnet}.2/30`, 'dev', 'eth0']);
  ns.exec('ip', ['link', 'set', 'eth0', 'up']);
  ns.exec('ip', ['route', 'add', 'local', '10.201.0.0/16', 'dev', 'lo']);
  ns.exec('sysctl', ['-q', '-w', 'net.core.somaxconn=8192', 'net.ipv4.tcp_max_syn_backlog=8192']);
  // the checkers' side closes first and holds TIME_WAIT: let it reuse ports and not log overflows loudly
  topo.a.ns.exec('sysctl', ['-q', '-w', 'net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=1024 65000']);
  const script =
    "const n=require('net');let c=0;const s=n.createServer({noDelay:true},(k)=>{c++;k.on('error',()=>{});k.destroy();});" +
    "s.listen({port:80,host:'0.0.0.0',backlog:8192},()=>console.log('listening'));setInterval(()=>console.log('accepted '+c),500);";
  const listener = spawnIn(ns.name, [process.execPath, '-e', script]);
  const accepted = (): number => {
    const m = /accepted (\d+)\n(?![\s\S]*accepted)/.exec(listener.out());
    return m ? Number(m[1]) : 0;
  };
  return { ns, listener, accepted };
}

function startDaemon(impl: Impl, topo: Topology, conf: string, tag: string): { child: ChildProcess; out: () => string; exited: Promise<void>; sawIpvsFailure: () => boolean } {
  const f = path.join(topo.dir, `${impl}-${tag}.conf`);
  fs.writeFileSync(f, conf);
  const p = (x: string): string => path.join(topo.dir, `${impl}-${tag}.${x}`);
  const argv =
    impl === 'lvskeeper'
      ? [process.execPath, CLI, '-n', '-l', '-f', f, '-p', p('pid'), '--status-listen=off']
      : ['keepalived', '-n', '-l', '-D', '-f', f, '-p', p('pid'), '-r', p('vpid'), '-c', p('cpid')];
  const d = spawnIn(topo.a.ns.name, argv);
  let ipvsFailed = false;
  const tap = (b: Buffer): void => {
    if (!ipvsFailed && /Can't initialize ipvs/.test(b.toString())) ipvsFailed = true;
  };
  d.child.stdout!.on('data', tap);
  d.child.stderr!.on('data', tap);
  return { ...d, sawIpvsFailure: () => ipvsFailed };
}

async function runOne(impl: Impl, load: LoadSpec, subnet: number, windowS: number, repeats: number): Promise<RunResult> {
  const topo = topology(subnet);
  const stops: Array<() => void> = [];
  const cleanup = (): void => {
    for (const s of stops.reverse()) s();
    topo.close();
  };
  live.add(cleanup);
  try {
    let accepted = (): number => 0;
    if (load.realServers > 0) {
      const rs = realServers(topo, subnet);
      stops.push(() => {
        kill(rs.listener.child);
        rs.ns.close();
      });
      await waitFor(() => rs.listener.out().includes('listening'), 30000, 50);
      accepted = rs.accepted;
    }
    const adverts: VrrpAdvert[] = [];
    const cap = spawnIn(topo.client.name, ['tcpdump', '-l', '-n', '-tt', '-e', '-i', 'br0', 'ip proto 112'], (l) => adverts.push(...parseVrrpCapture(l)));
    stops.push(() => kill(cap.child, 'SIGINT'));
    await waitFor(() => /listening on/.test(cap.out()), 10000, 20);
    const d = startDaemon(impl, topo, jitterConf(INSTANCES, load, topo.a.v4), `${load.realServers}`);
    stops.push(() => kill(d.child));
    // both instances master: adverts from A's MAC for both vrids
    const fromA = (): VrrpAdvert[] => adverts.filter((a) => a.srcMac === topo.a.mac);
    const exited = (): boolean => d.child.exitCode !== null || d.child.signalCode !== null;
    await waitFor(() => exited() || INSTANCES.every((i) => fromA().some((a) => a.vrid === i.vrid)), 60000, 100).catch(() => undefined);
    if (exited() || !INSTANCES.every((i) => fromA().some((a) => a.vrid === i.vrid))) {
      const why = impl === 'keepalived' && load.realServers > 0 && d.sawIpvsFailure() ? keepalivedCheckerMissing('IPVS: Can\'t initialize ipvs') : undefined;
      throw new Error(why ?? `${impl}: ${exited() ? 'exited' : 'no adverts from both instances within 60 s'}\n${d.out().slice(-2000)}`);
    }
    const windows: Array<Map<number, JitterStats>> = [];
    let checksFrom = 0;
    let cpuFrom = 0;
    let tFrom = 0;
    for (let w = 0; w <= repeats; w++) {
      const t0 = Date.now();
      if (w === 1) {
        // window 0 is the warm-up (checkers ramping up); measurements start here
        checksFrom = accepted();
        cpuFrom = treeCpuTicks(d.child.pid!);
        tFrom = t0;
      }
      await sleep(windowS * 1000);
      if (exited()) {
        const why = impl === 'keepalived' && load.realServers > 0 && d.sawIpvsFailure() ? keepalivedCheckerMissing('IPVS: Can\'t initialize ipvs') : undefined;
        throw new Error(why ?? `${impl} exited during the run\n${d.out().slice(-2000)}`);
      }
      if (w === 0) continue;
      const ads = fromA().filter((a) => a.tMs >= t0 && a.tMs < t0 + windowS * 1000);
      windows.push(new Map(INSTANCES.map((i) => [i.vrid, jitterStats(advertIntervals(ads.filter((a) => a.vrid === i.vrid)), i.advertInt * 1000)])));
    }
    const wall = (Date.now() - tFrom) / 1000;
    const cpu = (treeCpuTicks(d.child.pid!) - cpuFrom) / 100 / wall;
    const checksPerS = (accepted() - checksFrom) / wall;
    let problem: string | undefined;
    if (load.realServers > 0 && checksPerS < load.realServers / load.delayLoopS / 10)
      problem = `${impl} ran ${fmt(checksPerS, 0)} checks/s of the ${load.realServers / load.delayLoopS} configured`;
    kill(d.child, 'SIGTERM');
    await Promise.race([d.exited, sleep(5000)]);
    return { windows, checksPerS, cpu, problem, log: d.out() };
  } finally {
    cleanup();
    live.delete(cleanup);
  }
}

function keepalivedCheckerMissing(log: string): string | undefined {
  if (/Can't initialize ipvs|IPVS: Can't/i.test(log))
    return "keepalived's checker process cannot start without IPVS (check_daemon.c start_check: ipvs_start() fails, KEEPALIVED_EXIT_FATAL); this kernel has no IPVS, run the scenario in the VM (bench/jitter in run-in-vm.sh) for keepalived under checker load";
  return undefined;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const windowS = Number(process.env.JITTER_WINDOW_S ?? 20);
  const inVm = !!process.env.LVSK_VM;
  const nRs = Number(process.env.JITTER_REAL_SERVERS ?? (inVm ? 500 : 10000));
  const loads: LoadSpec[] = [
    { realServers: 0, delayLoopS: 1 },
    { realServers: nRs, delayLoopS: 1 },
  ];
  const result = newResult(inVm ? 'jitter-vm' : 'jitter', {
    lvskeeper: require('../../../package.json').version as string,
    keepalived: versionOf('keepalived', ['-v']),
    tcpdump: versionOf('tcpdump', ['--version']),
    node: process.version,
    lvskeeperDaemonCommit: spawnSync('git', ['log', '-1', '--format=%h %s', '--', 'src/daemon'], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..', '..') }).stdout?.trim() || 'unknown',
  });
  const onSignal = (): void => {
    for (const f of live) f();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const rows: string[] = [];
  const extra: Record<string, unknown> = {};
  const loadLines: string[] = [];
  try {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('needs root (network namespaces)');
    if (!fs.existsSync(CLI)) throw new Error('dist/ not built (npx tsc -p tsconfig.json)');
    let subnet = 160 + (process.pid % 30);
    for (const load of loads) {
      const loadLabel = load.realServers ? `${load.realServers.toLocaleString('en-US')} TCP checks/s` : 'no checkers';
      const got: Partial<Record<Impl, RunResult | Error>> = {};
      for (const impl of ['lvskeeper', 'keepalived'] as Impl[]) {
        const before = os.loadavg()[0]!;
        try {
          got[impl] = await runOne(impl, load, subnet++, windowS, repeats);
        } catch (e) {
          got[impl] = e as Error;
        }
        loadLines.push(`${loadLabel} ${impl}: ${fmt(before, 2)} -> ${fmt(os.loadavg()[0]!, 2)}`);
        const g = got[impl]!;
        extra[`${loadLabel} ${impl}`] =
          g instanceof Error ? { error: g.message.slice(0, 600) } : { checksPerS: Math.round(g.checksPerS), cpuCoresUsed: Math.round(g.cpu * 1000) / 1000, problem: g.problem };
      }
      for (const inst of INSTANCES) {
        const label = `v${inst.version} advert_int ${inst.advertInt}, ${loadLabel}`;
        for (const [stat, key] of [
          ['p50', 'p50'],
          ['p99', 'p99'],
          ['max', 'max'],
        ] as const) {
          const sample = (impl: Impl): ReturnType<typeof summarize> | string => {
            const g = got[impl]!;
            if (g instanceof Error) return (impl === 'keepalived' && keepalivedCheckerMissing(g.message)) || g.message.split('\n')[0]!;
            const missing = impl === 'keepalived' && load.realServers > 0 ? keepalivedCheckerMissing(g.log) : undefined;
            if (missing) return missing;
            if (g.problem) return g.problem;
            return summarize(`${impl === 'keepalived' ? 'keepalived' : 'lvskeeper'}`, 'ms', g.windows.map((w) => w.get(inst.vrid)![key]));
          };
          const ours = sample('lvskeeper');
          const peer = sample('keepalived');
          if (typeof ours === 'string') {
            result.notes.push(`${label} ${stat}: lvskeeper did not run: ${ours}`);
            continue;
          }
          const cmp: Comparison = { name: `${label}: ${stat} |interval - advert_int|`, ours, ...(typeof peer === 'string' ? { peerMissing: peer } : { peer }) };
          result.comparisons.push(cmp);
          rows.push(`| ${cmp.name} | ${fmt(ours.median, 2)} (${fmt(ours.min, 2)}-${fmt(ours.max, 2)}) | ${typeof peer === 'string' ? `n/a: ${peer.slice(0, 60)}` : `${fmt(peer.median, 2)} (${fmt(peer.min, 2)}-${fmt(peer.max, 2)})`} |`);
        }
      }
    }
    result.noise =
      `${repeats} windows of ${windowS} s per run after one discarded warm-up window; the values are per-window p50/p99/max of |advert interval - advert_int|, shown as median (min-max) over the windows. ` +
      `The machine (${os.cpus().length} CPUs) is shared with other work that is not controlled; 1-min load average per run: ${loadLines.join('; ')}.`;
    (result as unknown as Record<string, unknown>).runs = extra;
    result.notes.push(
      'One daemon per run is master of two instances on one interface: VRRPv2 advert_int 1 (vrid 51) and VRRPv3 advert_int 0.1 (vrid 52); the adverts are captured on the bridge of a peer namespace (tcpdump -tt, kernel receive time) and every interval between successive adverts of an instance counts.',
      `Checker load: ${nRs.toLocaleString('en-US')} real servers (100 per virtual server) with TCP_CHECK, delay_loop 1, against one listener in a real-server namespace where all of 10.201.0.0/16 is local (AnyIP route); the listener counts the connections it accepts, which gives the achieved checks/s in "runs".`,
      `Both daemons run whole (lvskeeper without -P/-C: VRRP and checkers; keepalived -n with its VRRP and checker children). ${
        inVm
          ? 'In the kernel-tier VM (IPVS present, one emulated vCPU under TCG): both checkers run and program IPVS; the configured load is lower than on the host because the emulated CPU cannot run 10,000 checks a second (see the achieved rate in "runs").'
          : "The host kernel has no IPVS: lvskeeper runs its checkers without IPVS, keepalived's checker process refuses to start (see the keepalived rows under load; bench/results/jitter-vm.json has both under load in the VM)."
      }`,
      `lvskeeper's src/daemon at the time of the run: ${result.versions.lvskeeperDaemonCommit}.`,
    );
  } catch (e) {
    result.skipped = (e as Error).message;
  } finally {
    for (const f of live) f();
  }
  if (out) {
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    printTable(result);
  } else writeResult(result);
  if (rows.length) {
    console.log('\n| measurement | lvskeeper ms median (min-max) | keepalived ms median (min-max) |');
    console.log('| --- | --- | --- |');
    for (const r of rows) console.log(r);
    console.log(JSON.stringify(extra, null, 1));
  }
  if (result.skipped) process.exitCode = 1;
}

if (require.main === module) void main();
