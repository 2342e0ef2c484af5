// A director pair inside the kernel-tier VM: a client, directors A and B running the real `lvskeeper` CLI, three HTTP
// real servers, each in its own network namespace, wired through bridges in a "switch" namespace; NAT or DR mode.
// IPVS is per network namespace, so each director programs its own table. close() removes everything.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Netns, sh } from './netns';
import { Director, type DirectorSpec } from './vm-director';
import { ClientAgent } from './vm-client';

export { Director, ClientAgent };

/** The repository root (this file runs from test/helpers with tap, or from dist/test/helpers in the VM). */
export const ROOT = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json'))) return d;
  return path.join(__dirname, '../..');
})();
export const CLI = path.join(ROOT, 'dist/src/cli/lvskeeper.js');
export const LVSADM = path.join(ROOT, 'dist/src/cli/lvsadm.js');
export const AGENTS = path.join(ROOT, 'dist/test/helpers/vm-topology-agents.js');

export type LvsMode = 'NAT' | 'DR';

/** Addresses: the client side is TEST-NET-1, the real servers' side (NAT) TEST-NET-2; nothing here is routed anywhere. */
export const NET = {
  ext: '192.0.2',
  int: '198.51.100',
  client: '192.0.2.10',
  vip: '192.0.2.100',
  /** NAT: the real servers' default gateway, a second VIP of the same VRRP instance on the directors' inside interface */
  gatewayVip: '198.51.100.254',
};

/** VRRP and checker timing of the generated configurations (keepalived.conf units: seconds). */
export interface Timing {
  advertInt: number;
  delayLoop: number;
  connectTimeout: number;
  retry: number;
  delayBeforeRetry: number;
}
export const DEFAULT_TIMING: Timing = { advertInt: 1, delayLoop: 1, connectTimeout: 1, retry: 1, delayBeforeRetry: 1 };

/** RFC 3768 6.1 / RFC 5798 6.1: Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time, in ms, for a backup's priority. */
export function failoverBoundMs(t: Timing, backupPriority: number): number {
  return Math.ceil((3 * t.advertInt + ((256 - backupPriority) * t.advertInt) / 256) * 1000);
}

/** Longest time from a real server's failure to its removal: one delay_loop, then retry+1 attempts with their pauses. */
export function checkerBoundMs(t: Timing): number {
  return (t.delayLoop + (t.retry + 1) * t.connectTimeout + t.retry * t.delayBeforeRetry) * 1000;
}

export interface RealServer {
  name: string;
  ns: Netns;
  address: string;
  port: number;
  child?: ChildProcess;
}

export interface TopologyOptions {
  mode: LvsMode;
  /** 1: director A only; 2: A (priority 150, MASTER) and B (priority 100, BACKUP) */
  directors?: 1 | 2;
  realServers?: number;
  timing?: Partial<Timing>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `stepMs` until it holds; throws naming `what` (and `detail()`) after `ms`. Returns the wait in ms. */
export async function until(what: string, cond: () => boolean, ms: number, stepMs = 500, detail?: () => string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (cond()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(stepMs);
  }
}

/** Runs `ip -n NS -batch -` (one process for many commands; process starts are slow in the emulated VM). */
function ipBatch(ns: string | undefined, lines: string[]): void {
  sh('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], lines.join('\n') + '\n');
}

export class VmTopology {
  readonly mode: LvsMode;
  readonly timing: Timing;
  readonly dir: string;
  readonly sw: Netns;
  readonly client: Netns;
  readonly directors: Director[] = [];
  readonly realServers: RealServer[] = [];
  readonly vip = NET.vip;
  readonly port = 80;
  readonly rsPort: number;
  private agents: ClientAgent[] = [];
  private made: Netns[] = [];

  private constructor(opts: TopologyOptions) {
    this.mode = opts.mode;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    // DR cannot change the port (the packet is only re-addressed at layer 2); NAT shows a port mapping
    this.rsPort = opts.mode === 'NAT' ? 8080 : 80;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-e2e-'));
    this.sw = this.ns('lvske-sw');
    this.client = this.ns('lvske-cl');
  }

  private ns(prefix: string): Netns {
    const n = new Netns(prefix);
    this.made.push(n);
    return n;
  }

  /** Builds the namespaces and links (no process is started yet). */
  static create(opts: TopologyOptions): VmTopology {
    // IPVS and the scheduler before any namespace uses them (a failure shows later, as a missing table)
    spawnSync('modprobe', ['-a', 'ip_vs', 'ip_vs_rr', 'veth', 'bridge'], { stdio: 'ignore' });
    const topo = new VmTopology(opts);
    try {
      topo.build(opts.directors ?? 2, opts.realServers ?? 3);
    } catch (e) {
      topo.close();
      throw e;
    }
    return topo;
  }

  private build(nDirectors: number, nReal: number): void {
    const nat = this.mode === 'NAT';
    const rootLines: string[] = [];
    const perNs = new Map<string, string[]>();
    const add = (ns: Netns, line: string): void => void (perNs.get(ns.name) ?? perNs.set(ns.name, []).get(ns.name)!).push(line);
    let k = 0;
    // one veth per interface: `dev` in the node's namespace, its peer a port of `bridge` in the switch namespace
    const plug = (ns: Netns, dev: string, bridge: string, addrs: string[]): void => {
      const tmp = `lvske${process.pid % 10000}x${++k}`;
      const port = `p${k}`;
      rootLines.push(`link add ${tmp} netns ${ns.name} type veth peer name ${port} netns ${this.sw.name}`);
      add(ns, `link set ${tmp} name ${dev}`);
      for (const a of addrs) add(ns, `addr add ${a} dev ${dev}`);
      add(ns, `link set ${dev} up`);
      add(this.sw, `link set ${port} master ${bridge}`);
      add(this.sw, `link set ${port} up`);
    };
    for (const br of nat ? ['br0', 'br1'] : ['br0']) {
      add(this.sw, `link add ${br} type bridge forward_delay 0`);
      add(this.sw, `link set ${br} up`);
    }
    plug(this.client, 'eth0', 'br0', [`${NET.client}/24`]);
    for (let i = 0; i < nDirectors; i++) {
      const spec: DirectorSpec = {
        name: i === 0 ? 'A' : 'B',
        priority: i === 0 ? 150 : 100,
        state: i === 0 ? 'MASTER' : 'BACKUP',
        ext: `${NET.ext}.${i + 1}`,
        int: nat ? `${NET.int}.${i + 1}` : undefined,
      };
      const ns = this.ns(`lvske-d${spec.name.toLowerCase()}`);
      plug(ns, 'eth0', 'br0', [`${spec.ext}/24`]);
      if (spec.int) plug(ns, 'eth1', 'br1', [`${spec.int}/24`]);
      this.directors.push(new Director(ns, spec, this.dir));
    }
    for (let i = 0; i < nReal; i++) {
      const ns = this.ns(`lvske-rs${i + 1}`);
      const address = nat ? `${NET.int}.${11 + i}` : `${NET.ext}.${11 + i}`;
      plug(ns, 'eth0', nat ? 'br1' : 'br0', [`${address}/24`]);
      if (nat) add(ns, `route add default via ${NET.gatewayVip}`);
      else add(ns, `addr add ${NET.vip}/32 dev lo`);
      this.realServers.push({ name: `rs${i + 1}`, ns, address, port: this.rsPort });
    }
    ipBatch(undefined, rootLines);
    // the switch first (bridges before their ports), then every node
    ipBatch(this.sw.name, perNs.get(this.sw.name)!);
    for (const [ns, lines] of perNs) if (ns !== this.sw.name) ipBatch(ns, lines);
    for (const d of this.directors) {
      // NAT: replies from the real servers are forwarded (and un-NATed by IPVS) by the director
      d.ns.exec('sysctl', ['-q', '-w', `net.ipv4.ip_forward=${nat ? 1 : 0}`]);
    }
    if (!nat) {
      // DR: the real servers hold the VIP on lo but must neither answer ARP for it nor use it as an ARP source
      for (const rs of this.realServers) {
        rs.ns.exec('sysctl', ['-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.eth0.arp_ignore=1', 'net.ipv4.conf.eth0.arp_announce=2']);
      }
    }
  }

  /** keepalived.conf for `d`: one VRRP instance holding the VIP (and the NAT gateway VIP), one virtual server. */
  conf(d: Director, servers: RealServer[] = this.realServers): string {
    const t = this.timing;
    const nat = this.mode === 'NAT';
    const vips = [`${NET.vip}/32 dev eth0`, ...(nat ? [`${NET.gatewayVip}/32 dev eth1`] : [])];
    const rs = servers.map((s) =>
      [
        `    real_server ${s.address} ${s.port} {`,
        '        weight 1',
        '        HTTP_GET {',
        '            url {',
        '                path /health',
        '                status_code 200',
        '            }',
        `            connect_timeout ${t.connectTimeout}`,
        `            retry ${t.retry}`,
        `            delay_before_retry ${t.delayBeforeRetry}`,
        '        }',
        '    }',
      ].join('\n'),
    );
    return [
      `! director ${d.spec.name} of the ${this.mode} pair (generated by test/helpers/vm-topology.ts)`,
      'global_defs {',
      `    router_id director_${d.spec.name.toLowerCase()}`,
      '    enable_script_security',
      '    script_user root',
      '    vrrp_garp_master_delay 1',
      '}',
      'vrrp_instance VI_1 {',
      `    state ${d.spec.state}`,
      '    interface eth0',
      '    virtual_router_id 51',
      `    priority ${d.spec.priority}`,
      `    advert_int ${t.advertInt}`,
      '    virtual_ipaddress {',
      ...vips.map((v) => `        ${v}`),
      '    }',
      '}',
      `virtual_server ${NET.vip} ${this.port} {`,
      `    delay_loop ${t.delayLoop}`,
      '    lb_algo rr',
      `    lb_kind ${this.mode}`,
      '    protocol TCP',
      ...rs,
      '}',
      '',
    ].join('\n');
  }

  /** Starts a real server (an HTTP server answering with its name) and waits until it listens. */
  async startRealServer(rs: RealServer): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', rs.ns.name, process.execPath, AGENTS, 'server', rs.name, String(rs.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    rs.child = child;
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await until(`${rs.name} listening`, () => out.includes('listening') || child.exitCode !== null, 60000, 100);
    if (!out.includes('listening')) throw new Error(`${rs.name} did not start: ${out}`);
  }

  /** SIGKILL of a real server's process (its kernel then refuses connections to the port). */
  async killRealServer(rs: RealServer): Promise<void> {
    const c = rs.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  /** Starts the real servers, then the directors' daemons (in parallel: each process start is slow here). */
  async startAll(): Promise<void> {
    await Promise.all(this.realServers.map((rs) => this.startRealServer(rs)));
    for (const d of this.directors) d.start(this.conf(d));
  }

  /** The director holding the VIP, if exactly one does. */
  master(): Director | undefined {
    const holders = this.directors.filter((d) => d.holdsVip(NET.vip));
    return holders.length === 1 ? holders[0] : undefined;
  }

  startClient(): Promise<ClientAgent> {
    const a = new ClientAgent(this.client, AGENTS, this.vip, this.port);
    this.agents.push(a);
    return a.ready();
  }

  /** Every director's daemon log (for failure messages). */
  logs(): string {
    return this.directors.map((d) => `--- director ${d.spec.name} ---\n${d.log().slice(-6000)}`).join('\n');
  }

  close(): void {
    for (const a of this.agents) a.close();
    for (const n of [...this.made].reverse()) n.close();
    spawnSync('rm', ['-rf', this.dir]);
  }
}
