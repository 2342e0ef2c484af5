// use_vmac against keepalived 2.2.7 in both roles (IPv4 and IPv6): the VIP on a private macvlan with 00:00:5e:00:0X:VRID, adverts and GARP/NA from it, the macvlan gone after SIGTERM.
import t, { Test } from 'tap';
import { Daemon, Topology, canRun, capture, fdbPort, hasAddress, hasLink, killHard, neighbour, ping, sleep, startKeepalived, startOurs, stopDaemon, topology, vrrpConf, waitFor, cleanupOnTeardown } from '../helpers/vrrp-daemon';

const skip = canRun();
let subnet = 120 + (process.pid % 100);

async function setup(t: Test): Promise<{ topo: Topology; daemons: Daemon[] }> {
  const topo = topology(subnet++ % 250);
  // the client learns from gratuitous ARP / unsolicited NA without an entry beforehand, so that the entry the
  // master announced can be read before any ping (a router's own ARP/NS for the client, sent from its parent
  // interface with the VIP as sender, overwrites it: keepalived and ours alike)
  topo.client.run('sysctl', ['-qw', 'net.ipv4.conf.br0.arp_accept=1', 'net.ipv6.conf.br0.accept_untracked_na=1']);
  const daemons: Daemon[] = [];
  cleanupOnTeardown(t, topo, daemons);
  return { topo, daemons };
}

const sysctl = (topo: Topology, which: 'a' | 'b', path: string): string => topo[which].ns.run('cat', [`/proc/sys/net/${path}`]).stdout.trim();

t.test('v2 IPv4 use_vmac: ours master, keepalived backup; client ARP = VMAC from our port; SIGTERM -> keepalived, vrrp.51 gone', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const vmacMac = '00:00:5e:00:01:33';
  const conf = (prio: number): string => vrrpConf({ vrid: 51, priority: prio, vips: [`${vip}/24`], extra: '  use_vmac' });
  const cap = capture(topo.client, 'br0', ['ip', 'proto', '112', 'or', 'arp']);
  t.teardown(() => void cap.stop());
  daemons.push(startKeepalived(topo, topo.b, conf(100)));
  daemons.push(startOurs(topo, topo.a, conf(150)));
  await waitFor(() => hasAddress(topo.a.ns, vip), 10000);
  await sleep(1500);
  const lines = cap.lines();
  const ourAdverts = lines.filter((l) => l.includes('vrid 51, prio 150'));
  const garps = lines.filter((l) => l.includes(`Request who-has ${vip} (ff:ff:ff:ff:ff:ff) tell ${vip}`));
  t.ok(ourAdverts.length >= 1 && ourAdverts.every((l) => l.includes(`${vmacMac} > 01:00:5e:00:00:12`)), `our adverts leave from the VMAC (${ourAdverts.length})`);
  t.ok(garps.length >= 1 && garps.every((l) => l.includes(`${vmacMac} > ff:ff:ff:ff:ff:ff`)), `our gratuitous ARPs leave from the VMAC (${garps.length})`);
  t.ok(hasLink(topo.a.ns, 'vrrp.51'), 'ours created vrrp.51');
  const link = topo.a.ns.run('ip', ['-d', 'link', 'show', 'vrrp.51']).stdout;
  t.match(link, /vrrp\.51@eth0/, 'on eth0');
  t.match(link, /link\/ether 00:00:5e:00:01:33/, 'with the virtual router MAC');
  t.match(link, /macvlan mode private/, 'a private macvlan');
  t.match(link, /addrgenmode none/, 'no automatic link-local address');
  t.match(topo.a.ns.run('ip', ['-o', 'addr', 'show', 'dev', 'vrrp.51']).stdout, new RegExp(`inet ${vip.replace(/\./g, '\\.')}/24`), 'VIP on the VMAC');
  t.same(
    ['ipv4/conf/vrrp.51/arp_ignore', 'ipv4/conf/vrrp.51/accept_local', 'ipv4/conf/vrrp.51/rp_filter', 'ipv4/conf/eth0/arp_ignore', 'ipv4/conf/eth0/arp_filter', 'ipv6/conf/vrrp.51/disable_ipv6'].map((p) => sysctl(topo, 'a', p)),
    ['1', '1', '0', '1', '1', '1'],
    'keepalived sysctls: VMAC arp_ignore/accept_local/rp_filter, parent arp_ignore/arp_filter, no IPv6 on the VMAC',
  );
  t.equal(topo.a.ns.run('cat', ['/proc/sys/net/ipv4/igmp_link_local_mcast_reports']).stdout.trim(), '0', 'no IGMP reports for 224.0.0.x while IPv4 VMACs run (a backup would report from the VMAC)');
  t.ok(hasLink(topo.b.ns, 'vrrp.51'), 'keepalived (backup) has its VMAC too');
  t.notOk(hasAddress(topo.b.ns, vip), 'keepalived has no VIP');
  t.equal(neighbour(topo.client, vip), vmacMac, 'client neighbour entry from our GARP: the VMAC');
  t.ok(ping(topo.client, vip), 'client reaches the VIP');
  t.equal(fdbPort(topo.client, vmacMac), 'p1', 'the bridge learned the VMAC on our port (adverts and GARPs come from it)');
  await stopDaemon(daemons[1]!);
  t.notOk(hasLink(topo.a.ns, 'vrrp.51'), 'vrrp.51 removed on SIGTERM');
  t.same(['ipv4/conf/eth0/arp_ignore', 'ipv4/conf/eth0/arp_filter', 'ipv4/igmp_link_local_mcast_reports'].map((p) => sysctl(topo, 'a', p)), ['0', '0', '1'], 'parent sysctls and IGMP reports restored');
  await waitFor(() => hasAddress(topo.b.ns, vip), 4000);
  await waitFor(() => fdbPort(topo.client, vmacMac) === 'p2', 4000);
  t.pass('the bridge moved the VMAC to keepalived’s port');
  await waitFor(() => neighbour(topo.client, vip) === vmacMac, 4000);
  t.pass('client neighbour entry: the VMAC after failover (keepalived’s GARP)');
  t.ok(ping(topo.client, vip), 'client reaches the VIP on keepalived');
});

t.test('v3 IPv4 use_vmac: keepalived master, ours backup; SIGKILL -> ours takes over from the VMAC', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const vmacMac = '00:00:5e:00:01:34';
  const conf = (prio: number): string => vrrpConf({ vrid: 52, priority: prio, version: 3, advertInt: 0.5, vips: [`${vip}/24`], extra: '  use_vmac' });
  daemons.push(startOurs(topo, topo.a, conf(100)));
  daemons.push(startKeepalived(topo, topo.b, conf(200)));
  await waitFor(() => hasAddress(topo.b.ns, vip), 10000);
  await sleep(1500);
  t.ok(hasLink(topo.a.ns, 'vrrp.52'), 'ours (backup) created vrrp.52');
  t.notOk(hasAddress(topo.a.ns, vip), 'ours stays backup');
  t.equal(neighbour(topo.client, vip), vmacMac, 'client neighbour entry from keepalived’s GARP: the VMAC');
  t.ok(ping(topo.client, vip), 'client reaches the VIP on keepalived');
  t.equal(fdbPort(topo.client, vmacMac), 'p2', 'VMAC learned on keepalived’s port');
  await killHard(daemons[1]!);
  topo.b.ns.run('ip', ['link', 'del', 'vrrp.52']); // keepalived killed: nobody removes it (and it would answer for the VMAC)
  await waitFor(() => hasAddress(topo.a.ns, vip), 5000);
  t.match(topo.a.ns.run('ip', ['-o', 'addr', 'show', 'dev', 'vrrp.52']).stdout, /inet /, 'VIP on our VMAC');
  await waitFor(() => fdbPort(topo.client, vmacMac) === 'p1', 4000);
  t.pass('the bridge learned the VMAC on our port (our adverts/GARPs carry it)');
  await waitFor(() => neighbour(topo.client, vip) === vmacMac, 4000);
  t.pass('client neighbour entry: the VMAC after failover (our GARP)');
  t.ok(ping(topo.client, vip), 'client reaches the VIP on ours');
  daemons.push(startKeepalived(topo, topo.b, conf(200)));
  await waitFor(() => hasAddress(topo.b.ns, vip) && !hasAddress(topo.a.ns, vip), 10000);
  t.pass('keepalived preempts ours back');
  t.ok(hasLink(topo.a.ns, 'vrrp.52'), 'our VMAC stays while backup');
});

t.test('v3 IPv6 use_vmac: ours master with 00:00:5e:00:02:VRID, keepalived backup; SIGTERM -> keepalived', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `fd77:${subnet - 1}::100`;
  const vmacMac = '00:00:5e:00:02:35';
  const conf = (prio: number): string => vrrpConf({ vrid: 53, priority: prio, version: 3, vips: [`${vip}/64`], extra: '  use_vmac' });
  daemons.push(startKeepalived(topo, topo.b, conf(100)));
  daemons.push(startOurs(topo, topo.a, conf(150)));
  await waitFor(() => hasAddress(topo.a.ns, vip), 12000);
  await sleep(1500);
  const ours = topo.a.ns.run('ip', ['-d', 'link', 'show', 'vrrp.53']).stdout;
  t.match(ours, /link\/ether 00:00:5e:00:02:35/, 'IPv6 VMAC 00:00:5e:00:02:VRID');
  t.match(topo.a.ns.run('ip', ['-o', '-6', 'addr', 'show', 'dev', 'vrrp.53']).stdout, /inet6 fe80::/, 'the advert source (link-local of eth0) is on the VMAC');
  t.notOk(hasAddress(topo.b.ns, vip), 'keepalived stays backup (it accepts our adverts)');
  t.ok(ping(topo.client, vip), 'client reaches the VIP');
  t.equal(fdbPort(topo.client, vmacMac), 'p1', 'the bridge learned the IPv6 VMAC on our port (adverts and NAs come from it)');
  await stopDaemon(daemons[1]!);
  t.notOk(hasLink(topo.a.ns, 'vrrp.53'), 'vrrp.53 removed on SIGTERM');
  await waitFor(() => hasAddress(topo.b.ns, vip), 4000);
  await waitFor(() => fdbPort(topo.client, vmacMac) === 'p2', 4000);
  await waitFor(() => neighbour(topo.client, vip) === vmacMac, 4000);
  t.pass('client neighbour entry: the VMAC after failover (keepalived’s NA)');
  t.ok(ping(topo.client, vip), 'client reaches the VIP on keepalived');
  daemons.push(startOurs(topo, topo.a, conf(50)));
  await waitFor(() => hasLink(topo.a.ns, 'vrrp.53'), 8000);
  await sleep(5000);
  t.notOk(hasAddress(topo.a.ns, vip), 'ours restarted at a lower priority stays backup: it hears keepalived on its VMAC (same MAC as the sender)');
  t.ok(hasAddress(topo.b.ns, vip));
});

t.test('after -V: a restarted instance adopts the VMAC left behind and drops the stale VIP as backup', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const conf = (prio: number): string => vrrpConf({ vrid: 55, priority: prio, vips: [`${vip}/24`], extra: '  use_vmac' });
  daemons.push(startOurs(topo, topo.a, conf(150), undefined, ['-V']));
  await waitFor(() => hasAddress(topo.a.ns, vip), 10000);
  const index = (): string => topo.a.ns.run('cat', ['/sys/class/net/vrrp.55/ifindex']).stdout.trim();
  const before = index();
  await stopDaemon(daemons[0]!);
  t.ok(hasLink(topo.a.ns, 'vrrp.55') && hasAddress(topo.a.ns, vip), '-V left the VMAC and the VIP');
  daemons.push(startKeepalived(topo, topo.b, conf(200)));
  daemons.push(startOurs(topo, topo.a, conf(100)));
  await waitFor(() => hasAddress(topo.b.ns, vip), 10000);
  await sleep(1500);
  t.notOk(hasAddress(topo.a.ns, vip), 'stale VIP removed (keepalived vrrp_restore_interface)');
  t.equal(index(), before, 'the same vrrp.55 adopted, not recreated');
  t.notOk(hasLink(topo.a.ns, 'vrrp1.55'), 'no second VMAC');
});

t.test('use_vmac with vmac_xmit_base: adverts from the parent MAC, GARP from the VMAC', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons } = await setup(t);
  const vip = `10.77.${subnet - 1}.100`;
  const vmacMac = '00:00:5e:00:01:36';
  const conf = (prio: number): string => vrrpConf({ vrid: 54, priority: prio, vips: [`${vip}/24`], extra: '  use_vmac vrrp54\n  vmac_xmit_base' });
  daemons.push(startKeepalived(topo, topo.b, conf(100)));
  daemons.push(startOurs(topo, topo.a, conf(150)));
  await waitFor(() => hasAddress(topo.a.ns, vip), 10000);
  t.ok(hasLink(topo.a.ns, 'vrrp54'), 'use_vmac IFNAME names the VMAC');
  await sleep(1500);
  t.notOk(hasAddress(topo.b.ns, vip), 'keepalived stays backup');
  t.equal(fdbPort(topo.client, topo.a.mac), 'p1', 'adverts leave from the parent (its MAC learned)');
  t.equal(neighbour(topo.client, vip), vmacMac, 'client neighbour entry from our GARP: the VMAC');
  t.ok(ping(topo.client, vip), 'client reaches the VIP');
  await stopDaemon(daemons[1]!);
  t.notOk(hasLink(topo.a.ns, 'vrrp54'), 'VMAC removed on SIGTERM');
  await waitFor(() => hasAddress(topo.b.ns, vip), 4000);
});
