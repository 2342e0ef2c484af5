// Netns fixtures for VRRP daemon tests: two router namespaces and a client namespace on a bridge, our daemon and keepalived spawned inside them, polling helpers.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Netns } from './netns';
import type { Test } from 'tap';

export const REPO = path.join(__dirname, '../..');
export const CLI = path.join(REPO, 'dist/src/cli/lvskeeper.js');

export interface Router {
  ns: Netns;
  mac: string;
  v4: string;
  v6: string;
}

export interface Topology {
  a: Router;
  b: Router;
  client: Netns;
  clientV4: string;
  clientV6: string;
  dir: string;
  close(): void;
}

function macOf(ns: Netns, dev: string): string {
  return /link\/ether ([0-9a-f:]+)/.exec(ns.exec('ip', ['link', 'show', dev]))![1]!;
}

/** Router namespaces A and B (eth0 each) bridged in the client namespace (br0); `subnet` is the third IPv4 octet. */
export function topology(subnet: number): Topology {
  const made: Netns[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsk-vrrpd-'));
  try {
    const client = new Netns('lvskvc');
    made.push(client);
    const mk = (n: number): Router => {
      const ns = new Netns(`lvskv${n}`);
      made.push(ns);
      const tmp = `vr${process.pid % 100000}x${subnet}${n}`;
      spawnSync('ip', ['link', 'add', tmp, 'netns', ns.name, 'type', 'veth', 'peer', 'name', `p${n}`, 'netns', client.name]);
      ns.exec('ip', ['link', 'set', tmp, 'name', 'eth0']);
      ns.exec('ip', ['addr', 'add', `10.77.${subnet}.${n}/24`, 'dev', 'eth0']);
      ns.exec('ip', ['addr', 'add', `fd77:${subnet}::${n}/64`, 'dev', 'eth0', 'nodad']);
      ns.exec('ip', ['link', 'set', 'eth0', 'up']);
      return { ns, mac: macOf(ns, 'eth0'), v4: `10.77.${subnet}.${n}`, v6: `fd77:${subnet}::${n}` };
    };
    client.exec('ip', ['link', 'add', 'br0', 'type', 'bridge']);
    const a = mk(1);
    const b = mk(2);
    for (const p of ['p1', 'p2']) {
      client.exec('ip', ['link', 'set', p, 'master', 'br0']);
      client.exec('ip', ['link', 'set', p, 'up']);
    }
    client.exec('ip', ['addr', 'add', `10.77.${subnet}.3/24`, 'dev', 'br0']);
    client.exec('ip', ['addr', 'add', `fd77:${subnet}::3/64`, 'dev', 'br0', 'nodad']);
    client.exec('ip', ['link', 'set', 'br0', 'up']);
    // the bridge forwards at once (no STP listening delay)
    client.exec('ip', ['link', 'set', 'br0', 'type', 'bridge', 'forward_delay', '0']);
    return {
      a,
      b,
      client,
      clientV4: `10.77.${subnet}.3`,
      clientV6: `fd77:${subnet}::3`,
      dir,
      close() {
        for (const n of made.reverse()) n.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const n of made.reverse()) n.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(sig: NodeJS.Signals): void;
  /** keepalived -r: the VRRP child's pid file (the child leaves gracefully when its parent dies) */
  vrrpPidFile?: string;
}

/** SIGKILL that leaves no chance to send a priority-0 advert: keepalived's VRRP child first, then the daemon. */
export async function killHard(d: Daemon): Promise<void> {
  const pid = d.vrrpPidFile ? Number(readText(d.vrrpPidFile).trim()) : 0;
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  d.kill('SIGKILL');
  await d.exited;
}

let seq = 0;

function start(ns: Netns, name: string, argv: string[]): Daemon {
  const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  return { name, child, output: () => out, exited, kill: (s) => child.exitCode === null && child.signalCode === null && child.kill(s) };
}

/** Our daemon, VRRP only: `node dist/src/cli/lvskeeper.js -n -l -P -f conf -p pid --status-listen=off`. */
export function startOurs(topo: Topology, r: Router, conf: string, statusSocket?: string, extraArgs: string[] = []): Daemon {
  const id = ++seq;
  const f = path.join(topo.dir, `ours${id}.conf`);
  writeFileSync(f, conf);
  return start(r.ns, `ours${id}`, [process.execPath, CLI, '-n', '-l', '-P', ...extraArgs, '-f', f, '-p', path.join(topo.dir, `ours${id}.pid`), `--status-listen=${statusSocket ?? 'off'}`]);
}

/** GET on the daemon's status endpoint over its unix socket (reachable from any namespace). */
export function getStatus(socketPath: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: url }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

/** keepalived 2.2.7, VRRP only, with temporary pid files. */
export function startKeepalived(topo: Topology, r: Router, conf: string, extraArgs: string[] = []): Daemon {
  const id = ++seq;
  const f = path.join(topo.dir, `ka${id}.conf`);
  writeFileSync(f, conf);
  const p = (x: string): string => path.join(topo.dir, `ka${id}.${x}`);
  return { ...start(r.ns, `ka${id}`, ['keepalived', '-n', '-l', '-D', '-P', ...extraArgs, '-f', f, '-p', p('pid'), '-r', p('vpid'), '-c', p('cpid')]), vrrpPidFile: p('vpid') };
}

/** Stops a daemon (SIGTERM, then SIGKILL after 5 s). */
export async function stopDaemon(d: Daemon): Promise<void> {
  d.kill('SIGTERM');
  const t = setTimeout(() => d.kill('SIGKILL'), 5000);
  await d.exited;
  clearTimeout(t);
}

export function hasAddress(ns: Netns, addr: string): boolean {
  return ns.run('ip', ['-o', 'addr', 'show']).stdout.split(/\s+/).some((w) => w.split('/')[0] === addr);
}

/** The client's neighbour entry for `addr` (lladdr), undefined if none. */
export function neighbour(ns: Netns, addr: string): string | undefined {
  const out = ns.run('ip', ['neigh', 'show', addr]).stdout;
  return /lladdr ([0-9a-f:]+)/.exec(out)?.[1];
}

export async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 100): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends one ping from the client so that it has a neighbour entry for `addr`. */
export function ping(ns: Netns, addr: string): boolean {
  // no iputils here: busybox's ping (IPv4 and IPv6)
  return ns.run('busybox', [addr.includes(':') ? 'ping6' : 'ping', '-c', '1', '-W', '1', addr], { timeoutMs: 3000 }).status === 0;
}

export interface InstanceConf {
  name?: string;
  iface?: string;
  vrid: number;
  priority: number;
  version?: 2 | 3;
  advertInt?: number;
  vips: string[];
  authPass?: string;
  unicastSrc?: string;
  unicastPeers?: string[];
  nopreempt?: boolean;
  state?: 'MASTER' | 'BACKUP';
  extra?: string;
}

/** A keepalived.conf both daemons read (global_defs with script security, one vrrp_instance). */
export function vrrpConf(i: InstanceConf, globalExtra = '', blocks = ''): string {
  const lines = [
    'global_defs {',
    '  enable_script_security',
    '  script_user root',
    '  vrrp_garp_master_delay 1',
    globalExtra,
    '}',
    blocks,
    `vrrp_instance ${i.name ?? 'VI_1'} {`,
    `  state ${i.state ?? 'BACKUP'}`,
    `  interface ${i.iface ?? 'eth0'}`,
    `  virtual_router_id ${i.vrid}`,
    `  priority ${i.priority}`,
    `  version ${i.version ?? 2}`,
    `  advert_int ${i.advertInt ?? 1}`,
  ];
  if (i.nopreempt) lines.push('  nopreempt');
  if (i.authPass) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${i.authPass}`, '  }');
  if (i.unicastSrc) lines.push(`  unicast_src_ip ${i.unicastSrc}`);
  if (i.unicastPeers) lines.push('  unicast_peer {', ...i.unicastPeers.map((p) => `    ${p}`), '  }');
  lines.push('  virtual_ipaddress {', ...i.vips.map((v) => `    ${v}`), '  }');
  if (i.extra) lines.push(i.extra);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function canRun(): string | false {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (network namespaces)';
  if (!existsSync(CLI)) return 'dist/ not built (npx tsc -p tsconfig.json)';
  if (spawnSync('keepalived', ['--version']).error) return 'keepalived not installed';
  if (spawnSync('busybox', ['true']).error) return 'busybox not installed (ping)';
  return false;
}

export function readText(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** True when `dev` exists in the namespace. */
export function hasLink(ns: Netns, dev: string): boolean {
  return ns.run('ip', ['link', 'show', dev]).status === 0;
}

/** The bridge port the client's br0 learned `mac` on (p1 = router A, p2 = router B), undefined if not learned. */
export function fdbPort(client: Netns, mac: string): string | undefined {
  const out = client.run('bridge', ['fdb', 'show', 'br', 'br0']).stdout;
  return out.split('\n').map((l) => l.trim().split(/\s+/)).find((w) => w[0] === mac && w[1] === 'dev')?.[2];
}

/** tcpdump -l in a namespace, line-buffered into memory; stop() ends it and returns what it printed. */
export function capture(ns: Netns, iface: string, filter: string[]): { lines(): string[]; stop(): Promise<string[]> } {
  const child = spawn('ip', ['netns', 'exec', ns.name, 'tcpdump', '-l', '-nn', '-e', '-i', iface, ...filter], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    lines: () => out.split('\n').filter(Boolean),
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      return out.split('\n').filter(Boolean);
    },
  };
}

/** On teardown: the daemons' last output when the test failed, SIGKILL to each (3 s at most), the topology removed. */
export function cleanupOnTeardown(t: Test, topo: Topology, daemons: Daemon[]): void {
  t.teardown(async () => {
    if (!t.passing()) for (const d of daemons) t.comment(`--- ${d.name}\n${d.output().slice(-4000)}`);
    for (const d of daemons) d.kill('SIGKILL');
    await Promise.race([Promise.all(daemons.map((d) => d.exited)), sleep(3000)]);
    topo.close();
  });
}
