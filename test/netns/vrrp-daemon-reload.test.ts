// Our daemon's VRRP against keepalived 2.2.7: SIGHUP reload as a diff (no VIP flap, in-place updates, added/removed instances), notify scripts, track_file / vrrp_script / track_interface.
import t, { Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Daemon, Topology, canRun, hasAddress, sleep, startKeepalived, startOurs, topology, vrrpConf, waitFor, cleanupOnTeardown } from '../helpers/vrrp-daemon';

const skip = canRun();
let subnet = 10 + ((process.pid + 97) % 200);

async function setup(t: Test): Promise<{ topo: Topology; daemons: Daemon[]; net: number }> {
  const net = subnet++ % 250;
  const topo = topology(net);
  const daemons: Daemon[] = [];
  cleanupOnTeardown(t, topo, daemons);
  return { topo, daemons, net };
}


const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

t.test('SIGHUP: unchanged instance keeps its VIP and state; VIP added in place; instance added then removed; priority lowered in place', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons, net } = await setup(t);
  const vip1 = `10.77.${net}.100`;
  const vip2 = `10.77.${net}.101`;
  const vip3 = `10.77.${net}.102`;
  const log = path.join(topo.dir, 'notify.log');
  const notify = `  notify "/bin/sh -c 'echo \\"$*\\" >> ${log}' sh"`;
  const fifo = path.join(topo.dir, 'vrrp.fifo');
  const fifoOut = path.join(topo.dir, 'fifo.out');
  const fifoConf = `  vrrp_notify_fifo ${fifo}\n  vrrp_notify_fifo_script "/bin/sh -c 'cat \\"$1\\" >> ${fifoOut}' sh"`;
  const stat = (n: number): string => `static_ipaddress {\n  10.77.${net}.${n}/24 dev eth0\n}\n`;
  const routes = `  virtual_routes {\n    192.168.${net}.0/24 via 10.77.${net}.3 metric 7\n  }`;
  const one = (prio: number, vips: string[], st = 50): string =>
    vrrpConf({ vrid: 56, priority: prio, version: 3, advertInt: 0.5, vips, extra: `${notify}\n${routes}` }, fifoConf, stat(st));
  const route = (): string => topo.a.ns.run('ip', ['route', 'show', `192.168.${net}.0/24`]).stdout.trim();
  const second = `vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 57\n  priority 150\n  version 3\n  advert_int 0.5\n  virtual_ipaddress {\n    ${vip3}/24\n  }\n${notify}\n}\n`;
  daemons.push(startKeepalived(topo, topo.b, vrrpConf({ vrid: 56, priority: 100, version: 3, advertInt: 0.5, vips: [`${vip1}/24`, `${vip2}/24`] })));
  const ours = startOurs(topo, topo.a, one(150, [`${vip1}/24`]));
  daemons.push(ours);
  await waitFor(() => hasAddress(topo.a.ns, vip1), 8000);
  await waitFor(() => readFileSync(log, 'utf8').includes('INSTANCE VI_1 MASTER 150'), 3000).catch(() => undefined);
  t.match(readFileSync(log, 'utf8'), /INSTANCE VI_1 BACKUP 150\nINSTANCE VI_1 MASTER 150\n/, 'notify script: keepalived arguments, no shell');
  await waitFor(() => readFileSync(fifoOut, 'utf8').includes('INSTANCE "VI_1" MASTER 150'), 3000).catch(() => undefined);
  t.match(readFileSync(fifoOut, 'utf8'), 'INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\n', 'vrrp_notify_fifo lines');
  t.ok(hasAddress(topo.a.ns, `10.77.${net}.50`), 'static_ipaddress installed');
  await waitFor(() => route() !== '', 3000).catch(() => undefined);
  t.match(route(), new RegExp(`via 10.77.${net}.3 dev eth0 proto static metric 7`), 'virtual_routes installed as master');
  const confFile = ours.child.spawnargs[ours.child.spawnargs.indexOf('-f') + 1]!;

  // reload 1: VIP added to VI_1 (in place), VI_2 added
  let flapped = false;
  const watch = setInterval(() => {
    if (!hasAddress(topo.a.ns, vip1)) flapped = true;
  }, 50);
  writeFileSync(confFile, one(150, [`${vip1}/24`, `${vip2}/24`], 51) + second);
  ours.kill('SIGHUP');
  await waitFor(() => hasAddress(topo.a.ns, vip2) && hasAddress(topo.a.ns, vip3), 6000);
  t.ok(hasAddress(topo.a.ns, `10.77.${net}.51`) && !hasAddress(topo.a.ns, `10.77.${net}.50`), 'static_ipaddress changed by the reload');
  await sleep(1000);
  t.notOk(flapped, 'the VIP of the running instance never disappeared');
  t.equal(count(ours.output(), /\(VI_1\) Entering MASTER STATE \(/g), 1, 'VI_1 did not change state');
  t.notOk(hasAddress(topo.b.ns, vip1), 'keepalived stayed backup');

  // reload 2: VI_2 removed
  writeFileSync(confFile, one(150, [`${vip1}/24`, `${vip2}/24`], 51));
  ours.kill('SIGHUP');
  await waitFor(() => !hasAddress(topo.a.ns, vip3), 6000);
  t.ok(hasAddress(topo.a.ns, vip1) && hasAddress(topo.a.ns, vip2), 'VI_1 untouched');
  await waitFor(() => readFileSync(log, 'utf8').includes('INSTANCE VI_2 FAULT'), 3000).catch(() => undefined);
  t.match(readFileSync(log, 'utf8'), /INSTANCE VI_2 FAULT \d+\n/, 'a deleted instance is notified as FAULT without notify_deleted (keepalived)');
  clearInterval(watch);
  t.notOk(flapped, 'still no flap');

  // reload 3: priority lowered below keepalived's: keepalived preempts
  writeFileSync(confFile, one(50, [`${vip1}/24`, `${vip2}/24`], 51));
  ours.kill('SIGHUP');
  await waitFor(() => hasAddress(topo.b.ns, vip1) && !hasAddress(topo.a.ns, vip1), 6000);
  t.pass('priority updated in place; keepalived took over');
  await waitFor(() => route() === '', 3000);
  t.pass('virtual route removed as backup');
  await waitFor(() => readFileSync(log, 'utf8').includes('INSTANCE VI_1 BACKUP 50'), 3000);
  t.pass('notify BACKUP with the new priority');
  ours.kill('SIGTERM');
  await ours.exited;
  t.notOk(hasAddress(topo.a.ns, `10.77.${net}.51`), 'static_ipaddress removed at shutdown');
});

t.test('tracking: track_file weight, vrrp_script weight, track_interface fault move mastership to keepalived and back', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons, net } = await setup(t);
  const vip = `10.77.${net}.100`;
  const file = path.join(topo.dir, 'track.val');
  const flag = path.join(topo.dir, 'script.fail');
  writeFileSync(file, '0\n');
  topo.a.ns.addInterface('trk0'); // a veth pair (no dummy module here)
  const blocks = `vrrp_script chk {\n  script "/bin/sh -c '! test -e ${flag}'"\n  interval 1\n  weight -100\n  rise 1\n  fall 1\n}\ntrack_file tf {\n  file ${file}\n  weight -1\n}\n`;
  const extra = '  track_script {\n    chk\n  }\n  track_file {\n    tf weight -100\n  }\n  track_interface {\n    trk0\n  }';
  daemons.push(startKeepalived(topo, topo.b, vrrpConf({ vrid: 58, priority: 100, version: 3, advertInt: 0.5, vips: [`${vip}/24`] })));
  const ours = startOurs(topo, topo.a, vrrpConf({ vrid: 58, priority: 150, version: 3, advertInt: 0.5, vips: [`${vip}/24`], extra }, '', blocks));
  daemons.push(ours);
  const aMaster = (): boolean => hasAddress(topo.a.ns, vip) && !hasAddress(topo.b.ns, vip);
  const bMaster = (): boolean => hasAddress(topo.b.ns, vip) && !hasAddress(topo.a.ns, vip);
  await waitFor(aMaster, 8000);
  writeFileSync(file, '1\n');
  await waitFor(bMaster, 6000);
  t.pass('track_file 1 x -100: priority 50 < 100, keepalived preempts');
  writeFileSync(file, '0\n');
  await waitFor(aMaster, 6000);
  t.pass('track_file back to 0: ours preempts again');
  writeFileSync(flag, '');
  await waitFor(bMaster, 6000);
  t.pass('vrrp_script failing: weight -100');
  topo.a.ns.exec('rm', ['-f', flag]);
  await waitFor(aMaster, 6000);
  t.pass('vrrp_script succeeding again');
  topo.a.ns.exec('ip', ['link', 'set', 'trk0p', 'down']); // carrier lost on trk0
  await waitFor(bMaster, 6000);
  t.match(ours.output(), /Entering FAULT STATE/, 'track_interface down: FAULT');
  topo.a.ns.exec('ip', ['link', 'set', 'trk0p', 'up']);
  await waitFor(aMaster, 6000);
  t.pass('track_interface up: back to master');
});

t.test('vrrp_sync_group: one member losing to keepalived takes the other to BACKUP without thrashing; both come back together', { skip, timeout: 60000 }, async (t) => {
  const { topo, daemons, net } = await setup(t);
  const vip1 = `10.77.${net}.100`;
  const vip2 = `10.77.${net}.101`;
  const file = path.join(topo.dir, 'track.val');
  writeFileSync(file, '0\n');
  const inst = (name: string, vrid: number, prio: number, vip: string, extra = ''): string =>
    `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${prio}\n  version 3\n  advert_int 0.5\n  virtual_ipaddress {\n    ${vip}/24\n  }\n${extra}}\n`;
  // keepalived's side has no sync group: its VI_B alone preempts ours when our VI_B's priority drops
  const conf = (prio: number, track: boolean): string =>
    'global_defs {\n  enable_script_security\n  script_user root\n  vrrp_garp_master_delay 1\n}\n' +
    (track ? `track_file tf {\n  file ${file}\n  weight -100\n}\n` : '') +
    (track ? 'vrrp_sync_group G {\n  group {\n    VI_A\n    VI_B\n  }\n}\n' : '') +
    inst('VI_A', 60, prio, vip1) +
    inst('VI_B', 61, prio, vip2, track ? '  track_file {\n    tf\n  }\n' : '');
  daemons.push(startKeepalived(topo, topo.b, conf(100, false)));
  const ours = startOurs(topo, topo.a, conf(150, true));
  daemons.push(ours);
  const on = (r: typeof topo.a, ...v: string[]): boolean => v.every((x) => hasAddress(r.ns, x));
  await waitFor(() => on(topo.a, vip1, vip2) && !hasAddress(topo.b.ns, vip1) && !hasAddress(topo.b.ns, vip2), 10000);
  t.pass('both members master on ours');
  writeFileSync(file, '1\n');
  await waitFor(() => on(topo.b, vip1, vip2), 8000);
  t.notOk(hasAddress(topo.a.ns, vip1) || hasAddress(topo.a.ns, vip2), 'VI_B lost to keepalived; VI_A followed it to BACKUP');
  t.match(ours.output(), /VRRP_Group\(G\) Syncing instances to BACKUP state/);
  const masters = count(ours.output(), /Entering MASTER STATE \(/g);
  await sleep(3000);
  t.equal(count(ours.output(), /Entering MASTER STATE \(/g), masters, 'VI_A (priority 150) does not preempt alone: no thrashing');
  t.ok(on(topo.b, vip1, vip2));
  writeFileSync(file, '0\n');
  await waitFor(() => on(topo.a, vip1, vip2) && !hasAddress(topo.b.ns, vip1) && !hasAddress(topo.b.ns, vip2), 8000);
  t.pass('tracking restored: the group preempts keepalived together');
});
