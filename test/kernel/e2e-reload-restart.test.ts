// Kernel tier, end to end (issue 7): a NAT director running the real lvskeeper CLI, seen from outside (signals, pid
// file, ip and ipvsadm). A SIGHUP reload that adds and removes real servers leaves a long-lived keep-alive connection
// to an untouched real server alive and working; `kill -9` of the daemon and a restart adopt the kernel's IPVS table
// (not flushed: the service's counters keep counting) and an established connection through it survives.
import t, { type Test } from 'tap';
import { VmTopology, NET, failoverBoundMs, checkerBoundMs, until, type RealServer } from '../helpers/vm-topology';
import { IpMonitor, type Director } from '../helpers/vm-director';
import type { ClientAgent, ConnResult } from '../helpers/vm-client';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

const ep = (rs: RealServer): string => `${rs.address}:${rs.port}`;

/** `ipvsadm -Ln --stats --exact`: the service's Conns (total connections since the service was created). */
function serviceConns(d: Director): number {
  const line = d.ipvsadm('-Ln', '--stats', '--exact').stdout.split('\n').find((l) => l.startsWith('TCP'));
  return Number(line?.trim().split(/\s+/)[2] ?? NaN);
}

/** `ipvsadm -Lnc` has an ESTABLISHED entry for the client's source port. */
function hasConnEntry(d: Director, clientPort: number): boolean {
  return d.ipvsadm('-Lnc').stdout.split('\n').some((l) => l.includes('ESTABLISHED') && l.includes(`${NET.client}:${clientPort} `));
}

async function sameConnection(t: Test, client: ClientAgent, id: string, first: ConnResult & { ok: true }, what: string): Promise<void> {
  const r = await client.get(id, 60000);
  t.ok(r.ok, `${what}: the long-lived connection answers`, { r });
  if (r.ok) {
    t.equal(r.server, first.server, `${what}: still served by ${first.server}`);
    t.equal(r.localPort, first.localPort, `${what}: on the same TCP connection (client port ${first.localPort})`);
  }
}

t.test('one NAT director: reload and kill -9', { skip: SKIP, timeout: 900000 }, async (t) => {
  const topo = VmTopology.create({ mode: 'NAT', directors: 1 });
  t.teardown(() => topo.close());
  const d = topo.directors[0]!;
  const [rs1, rs2, rs3] = topo.realServers as [RealServer, RealServer, RealServer];
  const bound = 4 * (failoverBoundMs(topo.timing, d.spec.priority) + checkerBoundMs(topo.timing)) + 30000;
  const destsAre = (want: RealServer[]): boolean => {
    const have = d.destinations().map((x) => x.split(' ')[0]).sort();
    return JSON.stringify(have) === JSON.stringify(want.map(ep).sort());
  };
  const detail = (): string => `ipvsadm -Ln:\n${d.ipvsadm('-Ln').stdout}\n${topo.logs()}`;

  await Promise.all(topo.realServers.map((r) => topo.startRealServer(r)));
  d.start(topo.conf(d, [rs1, rs2]));
  await until('the director to program rs1 and rs2', () => destsAre([rs1, rs2]), 180000, 1000, detail);
  await until('the director to hold the VIP', () => d.holdsVip(NET.vip), bound, 500, detail);
  const client = await topo.startClient();

  await t.test('SIGHUP adding and removing real servers keeps a connection to an untouched one', async (t) => {
    const first = await client.open('long');
    t.ok(first.ok, 'a keep-alive connection through the VIP', { first });
    if (!first.ok) return;
    const kept = first.server === rs1.name ? rs1 : rs2;
    const dropped = kept === rs1 ? rs2 : rs1;
    t.ok(hasConnEntry(d, first.localPort), `IPVS has the ESTABLISHED entry for client port ${first.localPort}`);

    d.reload(topo.conf(d, [kept, rs3]));
    const ms = await until(`reload: ${kept.name} and rs3 in IPVS`, () => destsAre([kept, rs3]), bound, 1000, detail);
    t.pass(`reload applied (${dropped.name} removed, rs3 added) within ${(ms / 1000).toFixed(1)} s`);
    await sameConnection(t, client, 'long', first, 'after the first reload');
    t.ok(hasConnEntry(d, first.localPort), 'its IPVS entry is still there');

    d.reload(topo.conf(d, [dropped, kept]));
    await until(`second reload: ${dropped.name} back, rs3 removed`, () => destsAre([dropped, kept]), bound, 1000, detail);
    t.pass(`second reload applied (${dropped.name} added back, rs3 removed)`);
    await sameConnection(t, client, 'long', first, 'after the second reload');

    // and new connections are balanced over the new set only
    client.startLoop(200, 5000);
    const reqs = await client.nextRequests(8, 120000);
    await client.stopLoop();
    t.same(reqs.filter((r) => !r.ok), [], 'new connections after the reloads all answered');
    t.same([...new Set(reqs.map((r) => (r.ok ? r.server : '')))].sort(), [dropped.name, kept.name].sort(), 'over the reloaded real servers');
    client.closeConn('long');
  });

  await t.test('kill -9 and restart: the table is adopted and an established connection survives', async (t) => {
    const first = await client.open('est');
    t.ok(first.ok, 'an established keep-alive connection through the VIP', { first });
    if (!first.ok) return;
    const tableBefore = d.ipvsadm('-Ln').stdout;
    // the kernel folds its counters every 2 s: let it settle before reading the total
    await new Promise((r) => setTimeout(r, 2500));
    const connsBefore = serviceConns(d);
    t.ok(connsBefore > 0, `the service has counted ${connsBefore} connections`);

    const oldPid = d.pid();
    await d.crash();
    t.equal(d.processes().length, 0, 'every daemon process is gone (SIGKILL)');
    t.equal(d.ipvsadm('-Ln').stdout, tableBefore, 'the kernel keeps the IPVS table without the daemon');
    await sameConnection(t, client, 'est', first, 'with the daemon dead');

    // watch the table while the daemon comes back: it must never lose the service or a real server
    const expected = d.destinations().length;
    let lost = '';
    let watching = true;
    const tableWatch = (async () => {
      while (watching) {
        if (d.destinations().length !== expected && !lost) lost = d.ipvsadm('-Ln').stdout || '(no table)';
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const vip = new IpMonitor(d.ns.name, ['address']);
    t.teardown(() => vip.stop());
    const restartAt = Date.now();
    d.start(topo.conf(d, [rs1, rs2]));
    await until('the restarted daemon to write its pid file', () => d.pid() !== oldPid, 180000, 500, detail);
    // a BACKUP start removes the VIP it finds (keepalived's vrrp_restore_interface) and adds it back as MASTER
    const added = (l: string): boolean => !l.startsWith('Deleted') && l.includes(` inet ${NET.vip}/`);
    await vip.next(added, restartAt, bound, 'the VIP added back').catch(() => undefined);
    await until('the restarted director to hold the VIP', () => d.holdsVip(NET.vip), bound, 500, detail);
    // a few checker rounds and a resync pass of the restarted daemon
    await new Promise((r) => setTimeout(r, 2 * checkerBoundMs(topo.timing) + 5000));
    watching = false;
    await tableWatch;
    vip.stop();
    for (const l of vip.lines.filter((x) => x.at >= restartAt && x.text.includes(` ${NET.vip}/`))) {
      t.comment(`VIP ${l.text.startsWith('Deleted') ? 'removed' : 'added'} ${((l.at - restartAt) / 1000).toFixed(1)} s after the restart`);
    }
    t.ok(d.running(), 'the restarted daemon runs');
    t.equal(lost, '', 'the table was never missing a real server during the restart');
    await new Promise((r) => setTimeout(r, 2500));
    const connsAfter = serviceConns(d);
    t.ok(connsAfter >= connsBefore, `the service's counters continue (${connsBefore} -> ${connsAfter}): adopted, not flushed and recreated`);
    t.ok(hasConnEntry(d, first.localPort), `the ESTABLISHED entry for client port ${first.localPort} is still there`);
    await sameConnection(t, client, 'est', first, 'after the restart');
    client.closeConn('est');
  });
});
