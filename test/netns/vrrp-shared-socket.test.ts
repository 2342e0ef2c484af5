// Several VRIDs on one interface: one shared socket, adverts demultiplexed by VRID to per-instance counters, against keepalived 2.2.7; plus keepalived's -V (--dont-release-vrrp) compared with ours.
import t, { Test } from 'tap';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { Daemon, Topology, canRun, capture, getStatus, hasAddress, hasLink, sleep, startKeepalived, startOurs, stopDaemon, topology, waitFor, cleanupOnTeardown } from '../helpers/vrrp-daemon';

const skip = canRun();
let subnet = 20 + (process.pid % 100);

async function setup(t: Test): Promise<{ topo: Topology; daemons: Daemon[] }> {
  const topo = topology(subnet++ % 250);
  const daemons: Daemon[] = [];
  cleanupOnTeardown(t, topo, daemons);
  return { topo, daemons };
}

interface Inst {
  vrid: number;
  priority: number;
  vip: string;
  extra?: string;
}

function conf(insts: Inst[], global = '', top = ''): string {
  const out = ['global_defs {', '  enable_script_security', '  script_user root', '  vrrp_garp_master_delay 1', global, '}', top];
  for (const i of insts) {
    out.push(
      `vrrp_instance VI_${i.vrid} {`,
      '  state BACKUP',
      '  interface eth0',
      `  virtual_router_id ${i.vrid}`,
      `  priority ${i.priority}`,
      '  advert_int 1',
      '  virtual_ipaddress {',
      `    ${i.vip}/24`,
      '  }',
      i.extra ?? '',
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}

interface StateView {
  subsystems: {
    vrrp: {
      instances: Array<{ name: string; state: string; vrid: number; counters: Record<string, number> }>;
      sockets: { sockets: number; members: Array<{ key: string; refs: number; vrids: number[] }> };
    };
  };
}

t.test('three VRIDs on eth0 share one socket; adverts reach the instance of their VRID only; an unknown VRID is logged and counted nowhere', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = (n: number): string => `10.77.${subnet - 1}.${n}`;
  // ours: master of 61, backup of 62 and 63; keepalived: the reverse, and a VRID 64 ours does not have
  const ours = conf([
    { vrid: 61, priority: 150, vip: vip(161) },
    { vrid: 62, priority: 100, vip: vip(162) },
    { vrid: 63, priority: 100, vip: vip(163) },
  ], '  log_unknown_vrids');
  const ka = conf([
    { vrid: 61, priority: 100, vip: vip(161) },
    { vrid: 62, priority: 150, vip: vip(162) },
    { vrid: 63, priority: 150, vip: vip(163) },
    { vrid: 64, priority: 150, vip: vip(164) },
  ]);
  daemons.push(startKeepalived(topo, topo.b, ka));
  const sock = path.join(topo.dir, 'status.sock');
  daemons.push(startOurs(topo, topo.a, ours, sock));
  await waitFor(() => hasAddress(topo.a.ns, vip(161)) && hasAddress(topo.b.ns, vip(162)) && hasAddress(topo.b.ns, vip(163)), 12000);
  await sleep(3500);
  t.ok(hasAddress(topo.a.ns, vip(161)) && !hasAddress(topo.a.ns, vip(162)) && !hasAddress(topo.a.ns, vip(163)), 'ours holds 61 only');
  t.ok(!hasAddress(topo.b.ns, vip(161)) && hasAddress(topo.b.ns, vip(162)) && hasAddress(topo.b.ns, vip(163)), 'keepalived holds 62 and 63');
  const st = JSON.parse(await getStatus(sock, '/state')) as StateView;
  const v = st.subsystems.vrrp;
  t.equal(v.sockets.sockets, 1, 'one socket for the three instances');
  t.same(v.sockets.members[0]?.vrids, [61, 62, 63], 'demultiplexed by VRID 61, 62, 63');
  t.equal(v.sockets.members[0]?.refs, 3);
  const by = new Map(v.instances.map((i) => [i.vrid, i]));
  t.equal(by.get(61)?.state, 'MASTER');
  t.equal(by.get(62)?.state, 'BACKUP');
  t.equal(by.get(63)?.state, 'BACKUP');
  // VI_61 may have heard keepalived's start-up adverts for 61 before ours preempted; never those of 62/63/64
  const r61 = by.get(61)!.counters.advert_rcvd;
  t.ok(r61 < by.get(62)!.counters.advert_rcvd && by.get(61)!.counters.vrid_err === 0, `VI_61 received only VRID 61 adverts (${r61})`);
  for (const n of [62, 63]) {
    const c = by.get(n)!.counters;
    t.ok(c.advert_rcvd >= 3, `VI_${n} received keepalived's VRID ${n} adverts (${c.advert_rcvd})`);
    t.equal(c.vrid_err, 0, `VI_${n}: no VRID errors (other VRIDs never reach it)`);
  }
  t.match(daemons[1]!.output(), /Unknown VRID\(64\) received on interface\(eth0\)\. ignoring\.\.\./, 'VRID 64 logged as unknown (log_unknown_vrids)');
  await stopDaemon(daemons[1]!);
  await waitFor(() => hasAddress(topo.b.ns, vip(161)), 4000);
  t.pass('keepalived takes 61 at once on our priority-0 advert');
});

interface DontRelease {
  prioZeroSeen: boolean;
  vipKept: boolean;
  vmacKept: boolean;
  staticKept: boolean;
  notifyStop: boolean;
}

/** The subject (ours or keepalived, started with -V) is master with use_vmac and a static address; SIGTERM; what is left and what was sent. */
async function dontRelease(t: Test, who: 'ours' | 'keepalived'): Promise<DontRelease> {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const stat = `10.77.${subnet - 1}.200`;
  const stopped = path.join(topo.dir, `${who}.stopped`);
  const subject = conf([{ vrid: 71, priority: 150, vip, extra: `  use_vmac\n  notify_stop "/usr/bin/touch ${stopped}"` }], '', `static_ipaddress {\n  ${stat}/24 dev eth0\n}`);
  daemons.push(startKeepalived(topo, topo.b, conf([{ vrid: 71, priority: 100, vip }])));
  const d = who === 'ours' ? startOurs(topo, topo.a, subject, undefined, ['-V']) : startKeepalived(topo, topo.a, subject, ['-V']);
  daemons.push(d);
  await waitFor(() => hasAddress(topo.a.ns, vip), 12000);
  await sleep(1500);
  const cap = capture(topo.client, 'br0', ['ip', 'proto', '112']);
  await waitFor(() => cap.lines().length > 0, 4000);
  await stopDaemon(d);
  await sleep(1000);
  const lines = await cap.stop();
  return {
    prioZeroSeen: lines.some((l) => /vrid 71, prio 0,/.test(l)),
    vipKept: hasAddress(topo.a.ns, vip),
    vmacKept: hasLink(topo.a.ns, 'vrrp.71'),
    staticKept: hasAddress(topo.a.ns, stat),
    notifyStop: existsSync(stopped),
  };
}

t.test('-V (--dont-release-vrrp): ours leaves what keepalived 2.2.7 leaves and sends what it sends', { skip, timeout: 90000 }, async (t) => {
  const seen: Partial<Record<'ours' | 'keepalived', DontRelease>> = {};
  for (const who of ['keepalived', 'ours'] as const) {
    await t.test(`${who} -V`, async (tt) => {
      seen[who] = await dontRelease(tt, who);
      tt.pass(JSON.stringify(seen[who]));
    });
  }
  // keepalived 2.2.7 -V: vrrp_terminate_phase1 skips restore_vrrp_interfaces (no priority-0 advert, VIPs stay),
  // phase2 skips shutdown_vrrp_instances (the VMAC stays); static addresses are cleared and notify_stop runs
  t.same(seen.keepalived, { prioZeroSeen: false, vipKept: true, vmacKept: true, staticKept: false, notifyStop: true }, 'keepalived -V as read in its source');
  t.same(seen.ours, seen.keepalived, 'ours -V behaves the same');
});
