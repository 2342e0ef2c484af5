// Our daemon's VRRP (lvskeeper -P) against keepalived 2.2.7 and against itself, in namespaces on a bridge with a client: election, preemption, nopreempt, shutdown, master death, GARP/NA.
import t, { Test } from 'tap';
import path from 'node:path';
import { Daemon, getStatus, killHard, Topology, canRun, hasAddress, neighbour, ping, sleep, startKeepalived, startOurs, stopDaemon, topology, vrrpConf, waitFor, cleanupOnTeardown } from '../helpers/vrrp-daemon';

const skip = canRun();
let subnet = 10 + (process.pid % 200);

async function setup(t: Test): Promise<{ topo: Topology; daemons: Daemon[] }> {
  const topo = topology(subnet++ % 250);
  const daemons: Daemon[] = [];
  cleanupOnTeardown(t, topo, daemons);
  return { topo, daemons };
}


t.test('v2 IPv4 multicast PASS: ours wins, SIGTERM -> keepalived takes over at once, client ARP moves', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const conf = (prio: number): string => vrrpConf({ vrid: 51, priority: prio, authPass: 'secret', vips: [`${vip}/24`] });
  daemons.push(startKeepalived(topo, topo.b, conf(100)));
  const sock = path.join(topo.dir, 'status.sock');
  daemons.push(startOurs(topo, topo.a, conf(150), sock));
  await waitFor(() => hasAddress(topo.a.ns, vip), 8000);
  await sleep(1500);
  t.notOk(hasAddress(topo.b.ns, vip), 'keepalived (lower priority) has no VIP');
  const stateText = await getStatus(sock, '/state');
  const st = JSON.parse(stateText) as { subsystems: { vrrp: { instances: Array<Record<string, unknown> & { counters: Record<string, number> }> } } };
  const vi = st.subsystems.vrrp.instances[0]!;
  t.match(vi, { name: 'VI_1', state: 'MASTER', priority: 150, effectivePriority: 150, masterAddress: topo.a.v4, vips: [`${vip}/24@eth0`], vipsInstalled: true, version: 2, vrid: 51 }, 'status /state');
  t.ok(vi.counters.advert_sent > 0 && vi.counters.become_master === 1, 'counters');
  t.notMatch(stateText, /secret/, 'no auth_pass in the state');
  const metrics = await getStatus(sock, '/metrics');
  t.match(metrics, /lvskeeper_vrrp_state\{instance="VI_1"\} 2/, 'metrics: state gauge MASTER');
  t.match(metrics, /lvskeeper_vrrp_transitions_total\{instance="VI_1",from="BACKUP",to="MASTER"\} 1/);
  t.ok(ping(topo.client, vip), 'client reaches the VIP');
  t.equal(neighbour(topo.client, vip), topo.a.mac, 'client ARP entry: our MAC');
  const t0 = Date.now();
  await stopDaemon(daemons[1]!);
  t.notOk(hasAddress(topo.a.ns, vip), 'VIP released on SIGTERM');
  await waitFor(() => hasAddress(topo.b.ns, vip), 3000);
  t.ok(Date.now() - t0 < 2500, `keepalived took over after the priority-0 advert (${Date.now() - t0} ms, Master_Down would be > 3 s)`);
  await waitFor(() => neighbour(topo.client, vip) === topo.b.mac, 3000);
  t.pass('client ARP entry moved to keepalived (gratuitous ARP)');
});

t.test('v3 IPv4 unicast: keepalived wins; SIGKILL -> ours after Master_Down_Interval; preemption back', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const conf = (prio: number, me: string, peer: string): string =>
    vrrpConf({ vrid: 52, priority: prio, version: 3, advertInt: 0.5, unicastSrc: me, unicastPeers: [peer], vips: [`${vip}/24`] });
  daemons.push(startOurs(topo, topo.a, conf(100, topo.a.v4, topo.b.v4)));
  daemons.push(startKeepalived(topo, topo.b, conf(200, topo.b.v4, topo.a.v4)));
  await waitFor(() => hasAddress(topo.b.ns, vip), 8000);
  await sleep(1500);
  t.notOk(hasAddress(topo.a.ns, vip), 'ours (lower priority) stays backup');
  t.ok(ping(topo.client, vip), 'client reaches the VIP');
  t.equal(neighbour(topo.client, vip), topo.b.mac, 'client ARP entry: keepalived MAC');
  const t0 = Date.now();
  await killHard(daemons[1]!);
  topo.b.ns.run('ip', ['addr', 'del', `${vip}/24`, 'dev', 'eth0']); // keepalived killed: nobody removes it
  await waitFor(() => hasAddress(topo.a.ns, vip), 4000);
  const took = Date.now() - t0;
  // Master_Down_Interval = 3 * 0.5 s + (256 - 100) * 0.5 / 256 s = 1.80 s from the last advert, which came up
  // to one advert interval (0.5 s) before the kill
  t.ok(took >= 1250 && took < 3500, `ours became master after Master_Down_Interval (${took} ms)`);
  await waitFor(() => neighbour(topo.client, vip) === topo.a.mac, 3000);
  t.pass('client ARP entry moved to our MAC');
  daemons.push(startKeepalived(topo, topo.b, conf(200, topo.b.v4, topo.a.v4)));
  await waitFor(() => hasAddress(topo.b.ns, vip) && !hasAddress(topo.a.ns, vip), 8000);
  t.pass('keepalived (higher priority) preempts ours');
});

t.test('v3 IPv6 multicast: ours wins, keepalived follows; SIGTERM -> keepalived; NA moves the client', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `fd77:${subnet - 1}::100`;
  const conf = (prio: number): string => vrrpConf({ vrid: 53, priority: prio, version: 3, advertInt: 0.5, vips: [`${vip}/64`] });
  daemons.push(startKeepalived(topo, topo.b, conf(100)));
  daemons.push(startOurs(topo, topo.a, conf(150)));
  await waitFor(() => hasAddress(topo.a.ns, vip), 8000);
  await sleep(1500);
  t.notOk(hasAddress(topo.b.ns, vip), 'keepalived has no VIP');
  t.ok(ping(topo.client, vip), 'client reaches the IPv6 VIP');
  t.equal(neighbour(topo.client, vip), topo.a.mac, 'client neighbour entry: our MAC');
  await stopDaemon(daemons[1]!);
  await waitFor(() => hasAddress(topo.b.ns, vip), 3000);
  await waitFor(() => neighbour(topo.client, vip) === topo.b.mac, 3000);
  t.pass('client neighbour entry moved to keepalived (unsolicited NA)');
});

t.test('nopreempt: ours (higher priority, nopreempt) does not take over from keepalived', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  daemons.push(startKeepalived(topo, topo.b, vrrpConf({ vrid: 54, priority: 100, version: 3, advertInt: 0.5, vips: [`${vip}/24`] })));
  await waitFor(() => hasAddress(topo.b.ns, vip), 8000);
  topo.a.ns.exec('ip', ['addr', 'add', `${vip}/24`, 'dev', 'eth0']); // left over by an earlier run
  daemons.push(startOurs(topo, topo.a, vrrpConf({ vrid: 54, priority: 200, version: 3, advertInt: 0.5, nopreempt: true, vips: [`${vip}/24`] })));
  await sleep(4000);
  t.ok(hasAddress(topo.b.ns, vip), 'keepalived keeps the VIP');
  t.notOk(hasAddress(topo.a.ns, vip), 'ours stays backup (and removed the stale VIP at startup)');
  await stopDaemon(daemons[0]!);
  await waitFor(() => hasAddress(topo.a.ns, vip), 3000);
  t.pass('ours takes over when keepalived leaves');
});

t.test('ours against ours: election, SIGKILL of the master, the other takes over', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const conf = (prio: number): string => vrrpConf({ vrid: 55, priority: prio, version: 3, advertInt: 0.5, vips: [`${vip}/24`] });
  daemons.push(startOurs(topo, topo.a, conf(150)));
  daemons.push(startOurs(topo, topo.b, conf(100)));
  await waitFor(() => hasAddress(topo.a.ns, vip), 8000);
  await sleep(1500);
  t.notOk(hasAddress(topo.b.ns, vip), 'lower priority stays backup');
  t.ok(ping(topo.client, vip));
  await killHard(daemons[0]!);
  topo.a.ns.run('ip', ['addr', 'del', `${vip}/24`, 'dev', 'eth0']);
  await waitFor(() => hasAddress(topo.b.ns, vip), 4000);
  await waitFor(() => neighbour(topo.client, vip) === topo.b.mac, 3000);
  t.pass('backup took over and announced itself');
});

t.test('v3 IPv6 unicast: keepalived wins, ours follows; keepalived SIGTERM -> ours at once', { skip, timeout: 40000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `fd77:${subnet - 1}::100`;
  const conf = (prio: number, me: string, peer: string): string =>
    vrrpConf({ vrid: 59, priority: prio, version: 3, advertInt: 0.5, unicastSrc: me, unicastPeers: [peer], vips: [`${vip}/64`] });
  daemons.push(startOurs(topo, topo.a, conf(100, topo.a.v6, topo.b.v6)));
  daemons.push(startKeepalived(topo, topo.b, conf(200, topo.b.v6, topo.a.v6)));
  await waitFor(() => hasAddress(topo.b.ns, vip), 8000);
  await sleep(1500);
  t.notOk(hasAddress(topo.a.ns, vip), 'ours stays backup (adverts accepted: hop limit 255 seen through recvmsg)');
  t.match(daemons[0]!.output(), /Entering BACKUP STATE/);
  t.notMatch(daemons[0]!.output(), /discarding packet/, 'no advert rejected');
  const t0 = Date.now();
  await stopDaemon(daemons[1]!);
  await waitFor(() => hasAddress(topo.a.ns, vip), 3000);
  t.ok(Date.now() - t0 < 2500, `ours took over (${Date.now() - t0} ms)`);
  t.match(daemons[0]!.output(), /Backup received priority 0 advertisement/, "after keepalived's priority-0 advert");
});
