// Interop with the real keepalived 2.2.7: two netns on a veth pair, keepalived in one, our VrrpSocket + VrrpInstance in the other.
// Run as root. The same file is the peer program when started with LVSK_VRRP_PEER set (inside the second netns).

import t, { Test } from 'tap';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AddressFamily } from '../../src/vrrp/addr';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { fsmConfig } from '../../src/vrrp/fsm';
import { VrrpInstance } from '../../src/vrrp/instance';
import { parseVrrp } from '../../src/vrrp/packet';
import { VrrpSocket } from '../../src/vrrp/socket';
import { InstanceCheckConfig } from '../../src/vrrp/validate';

interface PeerConfig {
  iface: string;
  address: string;
  vrid: number;
  priority: number;
  version: VrrpVersion;
  family: AddressFamily;
  vip: string;
  /** v2 auth_pass (auth_type PASS) */
  authPass?: string;
  /** unicast_peer (our instance then sends unicast and expects unicast) */
  unicastPeer?: string;
}

/** Peer mode: our VRRP instance on `iface`, reporting JSON lines on stdout; "stop" on stdin shuts it down. */
async function peerMain(cfg: PeerConfig): Promise<void> {
  const out = (o: object): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  // IPv6: our primary address is the interface's link-local one (what the kernel sends ff02::12 adverts from)
  const address =
    cfg.family === AddressFamily.Inet || cfg.unicastPeer
      ? cfg.address
      : (networkInterfaces()[cfg.iface] ?? []).find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'))!.address;
  const sock = new VrrpSocket({ family: cfg.family, interface: cfg.iface, sourceAddress: address, multicast: !cfg.unicastPeer });
  sock.on('advert', (a) => {
    // IPv6: the kernel verified the checksum (IPV6_CHECKSUM); we verify it again with the pseudo-header
    const r = parseVrrp(a.msg, { family: cfg.family, src: a.rx.src, dst: a.rx.dst });
    out({ t: 'rx', src: a.rx.src, dst: a.rx.dst, ttl: a.rx.ttl, ...(r.ok ? { ok: true, packet: r.packet } : { ok: false, reason: r.reason, detail: r.detail }) });
  });
  sock.on('invalid', (e) => out({ t: 'invalid', ...e }));
  const check: InstanceCheckConfig = {
    version: cfg.version,
    family: cfg.family,
    vrid: cfg.vrid,
    addresses: [cfg.vip],
    advertIntervalMs: 1000,
    ...(cfg.authPass ? { authType: AuthType.Pass, authPass: cfg.authPass } : {}),
    ...(cfg.unicastPeer ? { unicast: true, unicastPeers: [{ address: cfg.unicastPeer }] } : {}),
  };
  const inst = new VrrpInstance({
    name: 'VI_peer',
    fsm: fsmConfig({ version: cfg.version, priority: cfg.priority, primaryAddress: address }),
    check,
    transport: sock,
    sourceAddress: address,
    ...(cfg.unicastPeer ? { unicastPeers: [cfg.unicastPeer], autoOldUnicastChecksum: true } : {}),
    hooks: {
      notify: (kind, priority) => out({ t: 'notify', kind, priority }),
      log: (level, message) => out({ t: 'log', level, message }),
    },
  });
  inst.start();
  out({ t: 'ready', address });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() === 'stop') {
      inst.stop();
      out({ t: 'stopped', counters: inst.counters.snapshot() });
      setTimeout(() => {
        sock.close();
        process.exit(0);
      }, 300);
      return;
    }
  }
}


function sh(args: string[], allowFail = false): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Collects a child's output lines and lets the test wait for one that matches. */
class Watch {
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  constructor(readonly proc: ChildProcess) {
    for (const s of [proc.stdout, proc.stderr]) {
      if (!s) continue;
      createInterface({ input: s }).on('line', (l) => {
        this.lines.push(l);
        this.waiters = this.waiters.filter((w) => {
          if (!w.re.test(l)) return true;
          w.resolve(l);
          return false;
        });
      });
    }
  }
  wait(re: RegExp, ms: number, after = 0): Promise<string> {
    const seen = this.lines.slice(after).find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${re}; output:\n${this.lines.slice(-40).join('\n')}`)), ms);
      this.waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }
}

function linkLocal(ns: string, dev: string): string {
  const m = /inet6 (fe80::[0-9a-f:]+)\//.exec(sh(['ip', '-n', ns, '-6', 'addr', 'show', 'dev', dev]));
  if (!m) throw new Error(`no link-local address on ${dev} in ${ns}`);
  return m[1]!;
}

interface Scenario {
  version: VrrpVersion;
  family: AddressFamily;
  unicast?: boolean;
}

interface Lab {
  nsK: string;
  nsP: string;
  vip: string;
  kaAddr: string;
  kaLog: Watch;
  ka: ChildProcess;
  startPeer(priority: number): Promise<{ peer: ChildProcess; out: Watch; address: string }>;
}

/** Two namespaces on a veth pair, keepalived (priority 100) running in one and already MASTER. */
async function setup(tt: Test, sc: Scenario): Promise<Lab> {
  const { version, family } = sc;
  const v6 = family === AddressFamily.Inet6;
  const vip = v6 ? 'fd00:77::100' : '10.77.0.100';
  const tag = `lvskv${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const nsK = `${tag}k`;
  const nsP = `${tag}p`;
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsk-vrrp-'));
  const procs: ChildProcess[] = [];
  tt.teardown(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // anything still running inside our own namespaces was started by this test
    for (const ns of [nsK, nsP]) {
      for (const pid of sh(['ip', 'netns', 'pids', ns], true).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      sh(['ip', 'netns', 'del', ns], true);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  sh(['ip', 'netns', 'add', nsK]);
  sh(['ip', 'netns', 'add', nsP]);
  for (const ns of [nsK, nsP]) {
    // no duplicate address detection: link-local addresses usable at once
    for (const k of ['all', 'default']) sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.accept_dad=0`]);
  }
  sh(['ip', 'link', 'add', 'vk', 'netns', nsK, 'type', 'veth', 'peer', 'name', 'vp', 'netns', nsP]);
  sh(['ip', '-n', nsK, 'addr', 'add', '10.77.0.1/24', 'dev', 'vk']);
  sh(['ip', '-n', nsP, 'addr', 'add', '10.77.0.2/24', 'dev', 'vp']);
  sh(['ip', '-n', nsK, 'addr', 'add', 'fd00:77::1/64', 'dev', 'vk', 'nodad']);
  sh(['ip', '-n', nsP, 'addr', 'add', 'fd00:77::2/64', 'dev', 'vp', 'nodad']);
  for (const [ns, dev] of [
    [nsK, 'vk'],
    [nsP, 'vp'],
  ] as const) {
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  }

  const conf = path.join(dir, 'keepalived.conf');
  writeFileSync(
    conf,
    [
      'global_defs {',
      `  router_id ${tag}`,
      '  vrrp_garp_master_delay 0',
      '}',
      'vrrp_instance VI_1 {',
      '  state BACKUP',
      '  interface vk',
      `  version ${version}`,
      '  virtual_router_id 51',
      '  priority 100',
      '  advert_int 1',
      ...(sc.unicast ? [`  unicast_src_ip ${v6 ? 'fd00:77::1' : '10.77.0.1'}`, '  unicast_peer {', `    ${v6 ? 'fd00:77::2' : '10.77.0.2'}`, '  }'] : []),
      ...(version === VrrpVersion.V2 ? ['  authentication {', '    auth_type PASS', '    auth_pass s3cret', '  }'] : []),
      '  virtual_ipaddress {',
      `    ${vip}/${v6 ? 64 : 24}`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const ka = spawn(
    'ip',
    ['netns', 'exec', nsK, 'keepalived', '-n', '-l', '-D', '-G', '-P', '-f', conf, '-p', path.join(dir, 'keepalived.pid'), '-r', path.join(dir, 'vrrp.pid')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  procs.push(ka);
  const kaLog = new Watch(ka);
  // keepalived alone: BACKUP, then MASTER after Master_Down_Interval (3.6 s)
  await kaLog.wait(/\(VI_1\) Entering MASTER STATE/, 15000);
  tt.ok(existsSync(path.join(dir, 'vrrp.pid')), 'keepalived wrote its pid files in our temp dir');
  tt.ok(sh(['ip', '-n', nsK, 'addr', 'show', 'dev', 'vk']).includes(vip), 'keepalived added the VIP');
  const kaAddr = sc.unicast ? (v6 ? 'fd00:77::1' : '10.77.0.1') : v6 ? linkLocal(nsK, 'vk') : '10.77.0.1';

  return {
    nsK,
    nsP,
    vip,
    kaAddr,
    kaLog,
    ka,
    async startPeer(priority) {
      const peerCfg: PeerConfig = {
        iface: 'vp',
        address: v6 ? 'fd00:77::2' : '10.77.0.2',
        vrid: 51,
        priority,
        version,
        family,
        vip,
        ...(sc.unicast ? { unicastPeer: kaAddr } : {}),
        ...(version === VrrpVersion.V2 ? { authPass: 's3cret' } : {}),
      };
      const peer = spawn('ip', ['netns', 'exec', nsP, process.execPath, ...process.execArgv, __filename], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, LVSK_VRRP_PEER: JSON.stringify(peerCfg) },
      });
      procs.push(peer);
      const out = new Watch(peer);
      const ready = JSON.parse(await out.wait(/"t":"ready"/, 30000)) as { address: string };
      return { peer, out, address: ready.address };
    },
  };
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function main(): void {
  const canRun =
    process.getuid?.() === 0 && spawnSync('keepalived', ['-v']).status === 0 && spawnSync('ip', ['-V']).status === 0;
  if (!canRun) {
    t.plan(0, 'needs root, keepalived and iproute2');
    return;
  }

  const cases: Scenario[] = [
    { version: VrrpVersion.V3, family: AddressFamily.Inet },
    { version: VrrpVersion.V2, family: AddressFamily.Inet },
    { version: VrrpVersion.V3, family: AddressFamily.Inet6 },
    { version: VrrpVersion.V3, family: AddressFamily.Inet, unicast: true },
  ];
  for (const sc of cases) {
    const { version, family } = sc;
    const v6 = family === AddressFamily.Inet6;
    t.test(`VRRPv${version} over IPv${family}${sc.unicast ? ' unicast' : ''}: we preempt keepalived, then hand back`, async (tt) => {
      const lab = await setup(tt, sc);
      const { kaLog, vip } = lab;
      // our instance, priority 200, in the other namespace
      const { peer, out: peerOut, address } = await lab.startPeer(200);
      // we receive and decode keepalived's adverts
      const rxLine = await peerOut.wait(new RegExp(`"t":"rx".*"src":"${esc(lab.kaAddr)}"`), 5000);
      const rx = JSON.parse(rxLine) as { ok: boolean; ttl?: number; dst: string; packet: Record<string, unknown> };
      tt.equal(rx.ok, true, 'keepalived advert decodes, checksum verified');
      if (!v6) tt.equal(rx.ttl, 255);
      tt.equal(rx.dst, sc.unicast ? (v6 ? 'fd00:77::2' : '10.77.0.2') : v6 ? 'ff02::12' : '224.0.0.18');
      tt.match(rx.packet, { version, vrid: 51, priority: 100, addresses: [vip] });
      if (version === VrrpVersion.V2) tt.match(rx.packet, { authType: 1, advertIntervalSec: 1 });
      else tt.match(rx.packet, { maxAdvertIntervalCs: 100 });

      // lower priority adverts are discarded; our Master_Down_Timer fires; we become master and keepalived yields
      await peerOut.wait(/"t":"notify","kind":"MASTER"/, 10000);
      const yielded = await kaLog.wait(new RegExp(`\\(VI_1\\) Master received advert from ${esc(address)} with higher priority 200, ours 100`), 5000);
      tt.ok(yielded, yielded);
      await kaLog.wait(/\(VI_1\) Entering BACKUP STATE/, 5000, kaLog.lines.indexOf(yielded));
      tt.notOk(sh(['ip', '-n', lab.nsK, 'addr', 'show', 'dev', 'vk']).includes(vip), 'keepalived removed the VIP');

      // we leave: priority 0 advert; keepalived takes over after Skew_Time
      const before = kaLog.lines.length;
      peer.stdin!.write('stop\n');
      const stopped = JSON.parse(await peerOut.wait(/"t":"stopped"/, 5000)) as { counters: { advertSent: number; priZeroSent: number; advertRcvd: number } };
      tt.equal(stopped.counters.priZeroSent, 1);
      tt.ok(stopped.counters.advertRcvd >= 1, `received ${stopped.counters.advertRcvd} valid adverts`);
      await kaLog.wait(/\(VI_1\) Backup received priority 0 advertisement/, 5000, before);
      await kaLog.wait(/\(VI_1\) Entering MASTER STATE/, 5000, before);
      tt.pass('keepalived took over after our priority 0 advert');
      tt.notMatch(kaLog.lines.join('\n'), /Invalid VRRPv[23] checksum|invalid TTL|wrong version|invalid passwd|auth, expecting|Invalid auth type/, 'keepalived accepted every advert of ours');
    });
  }

  t.test('VRRPv3 over IPv4: we stay backup under keepalived and take over when it stops', async (tt) => {
    const lab = await setup(tt, { version: VrrpVersion.V3, family: AddressFamily.Inet });
    const { peer, out } = await lab.startPeer(50);
    // well past our Master_Down_Interval (3 s + 0.8 s): keepalived's adverts keep us backup
    await new Promise((r) => setTimeout(r, 6000));
    tt.notOk(out.lines.some((l) => /"kind":"MASTER"/.test(l)), 'we never became master');
    tt.ok(out.lines.filter((l) => /"t":"rx".*"ok":true/.test(l)).length >= 4, 'keepalived adverts received');
    tt.notOk(lab.kaLog.lines.some((l) => /higher priority|lower priority/.test(l)), 'keepalived saw no contest');
    // keepalived stops: priority 0 advert; we take over after Skew_Time ((256-50)/256 s)
    const t0 = Date.now();
    lab.ka.kill('SIGTERM');
    await out.wait(/Backup received priority 0 advertisement/, 5000);
    await out.wait(/"t":"notify","kind":"MASTER"/, 3000);
    const took = Date.now() - t0;
    tt.ok(took < 2500, `took over ${took} ms after keepalived stopped`);
    peer.stdin!.write('stop\n');
    await out.wait(/"t":"stopped"/, 5000);
  });
}

// entry point (after the class declarations it uses)
const peerEnv = process.env.LVSK_VRRP_PEER;
if (peerEnv) {
  void peerMain(JSON.parse(peerEnv) as PeerConfig);
} else {
  main();
}
