// Kernel tier, end to end (issue 7): the `make demo` scenario as a test, in NAT and in DR mode. A client's request
// loop through the VIP of a director pair running the real lvskeeper CLI; a real server is killed (the HTTP_GET
// checker removes it from both IPVS tables), then the master director fails (the backup takes the VIP over).
// Requests lost at each step are printed as comments; every wait is bounded generously from the configured VRRP
// failover bound (3 x advert_int + skew) and checker bound, never by tight timing.
import t, { type Test } from 'tap';
import { VmTopology, type LvsMode } from '../helpers/vm-topology';
import { bringUp, runScenario, fmt, STEADY } from '../../demo/scenario';
import { formatTally, type Tally } from '../helpers/vm-client';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

/** Failures in a steady step: only timeouts are tolerated (an emulated CPU stalls), never a refused or reset connection. */
function steadyOk(t: Test, name: string, s: Tally): void {
  const hard = Object.keys(s.errors).filter((e) => e !== 'timeout');
  t.same(hard, [], `${name}: no request refused or reset (${formatTally(s)})`);
  t.ok(s.failed * 10 <= s.total, `${name}: at most 10% timeouts under emulation (${s.failed} of ${s.total})`);
}

for (const mode of ['NAT', 'DR'] as LvsMode[]) {
  t.test(`${mode}: balanced, a real server removed, the master failing, traffic continuing`, { skip: SKIP, timeout: 900000 }, async (t) => {
    const topo = VmTopology.create({ mode });
    t.teardown(() => topo.close());
    const lines: string[] = [];
    const say = (s: string): void => {
      lines.push(s);
      t.comment(s);
    };
    await bringUp(topo, say);
    const client = await topo.startClient();
    const r = await runScenario(topo, client, say, { balancedMs: 5000, continuingMs: 4000 });
    const [rs1, rs2, rs3] = topo.realServers.map((s) => s.name);

    steadyOk(t, 'balanced', r.balanced.tally);
    t.ok(r.balanced.tally.byServer[rs1!]! > 0 && r.balanced.tally.byServer[rs2!]! > 0 && r.balanced.tally.byServer[rs3!]! > 0, `every real server answered (${formatTally(r.balanced.tally)})`);

    t.ok(r.removal.removedAfterMs <= r.boundMs, `${r.removal.killed} removed from the master's IPVS table after ${fmt(r.removal.removedAfterMs)} (bound ${fmt(r.boundMs)})`);
    t.ok(r.removal.backupRemovedAfterMs <= r.boundMs, `and from the backup's after ${fmt(r.removal.backupRemovedAfterMs)}`);
    t.comment(`requests lost at real-server removal: ${r.removal.tally.failed} of ${r.removal.tally.total}`);
    steadyOk(t, 'after the removal', r.removal.after);
    t.notOk(r.removal.after.byServer[rs2!], `${rs2} answers nothing once removed`);

    t.ok(r.failover.takeoverMs <= r.boundMs, `B added the VIP ${fmt(r.failover.takeoverMs)} after A failed (bound ${fmt(r.boundMs)})`);
    t.ok(r.failover.arpMs <= r.boundMs, `the client's ARP entry moved to B ${fmt(r.failover.arpMs)} after A failed`);
    t.ok(r.failover.resumeMs <= r.boundMs, `first answer through B ${fmt(r.failover.resumeMs)} after A failed (bound ${fmt(r.boundMs)})`);
    t.ok(r.failover.steadyMs <= r.boundMs, `steady traffic (${STEADY} answers in a row) from ${fmt(r.failover.steadyMs)} after A failed`);
    t.comment(`requests lost at master failure: ${r.failover.tally.failed} of ${r.failover.tally.total}`);

    steadyOk(t, 'continuing through B', r.continuing.tally);
    t.same(Object.keys(r.continuing.tally.byServer).sort(), [rs1, rs3].sort(), `B balances over ${rs1} and ${rs3}`);
    t.notOk(topo.directors[0]!.running(), 'director A is down');
  });
}
