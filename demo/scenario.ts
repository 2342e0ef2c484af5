// The director-pair scenario shared by `make demo` and the kernel-tier e2e tests: traffic balanced over three real
// servers, one real server killed and removed from IPVS, the master director failing and the VIP moving to the
// backup, traffic continuing; the requests lost at each step.
import { VmTopology, failoverBoundMs, checkerBoundMs, type RealServer } from '../test/helpers/vm-topology';
import { IpMonitor, type Director } from '../test/helpers/vm-director';
import { tally, formatTally, type Tally, type ClientAgent } from '../test/helpers/vm-client';

export interface Step {
  name: string;
  /** ms since the scenario's start */
  at: number;
  tally: Tally;
}

export interface ScenarioResult {
  balanced: Step;
  removal: Step & { killed: string; removedAfterMs: number; backupRemovedAfterMs: number; lastFailureAfterMs: number; after: Tally };
  /** takeover: the VIP added on B; arp: the client's entry moved to B; resume: the first answer; steady: STEADY in a row */
  failover: Step & { takeoverMs: number; arpMs: number; resumeMs: number; steadyMs: number };
  continuing: Step;
  /** the generous bound every wait in the scenario uses, derived from the configured VRRP and checker timing */
  boundMs: number;
}

/** A loose bound for this slow, emulated VM: several times the VRRP failover bound plus the checker bound. */
export function generousBoundMs(topo: VmTopology): number {
  return 4 * (failoverBoundMs(topo.timing, 100) + checkerBoundMs(topo.timing)) + 30000;
}

export const LOOP_INTERVAL_MS = 200;
export const LOOP_TIMEOUT_MS = 3000;
/** consecutive successes that count as "traffic is flowing again" */
export const STEADY = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the real servers and the directors; waits for A to hold the VIP and both tables to list every real server. */
export async function bringUp(topo: VmTopology, say: (s: string) => void): Promise<void> {
  await topo.startAll();
  say(`real servers ${topo.realServers.map((r) => `${r.name} ${r.address}:${r.port}`).join(', ')} listening`);
  const [a, b] = topo.directors;
  const n = topo.realServers.length;
  const wait = async (what: string, cond: () => boolean): Promise<void> => {
    const end = Date.now() + 180000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${topo.logs()}`);
      await sleep(500);
    }
  };
  await wait('both directors to program IPVS', () => topo.directors.every((d) => d.destinations().length === n));
  say(`directors ${topo.directors.map((d) => d.spec.name).join(' and ')} running lvskeeper; each IPVS table: ${a!.ipvsadm('-Ln').stdout.split('\n').filter((l) => /^(TCP|UDP)/.test(l)).join('; ').trim()} with ${n} ${topo.mode} real servers`);
  await wait('director A to hold the VIP', () => a!.holdsVip(topo.vip) && !(b?.holdsVip(topo.vip) ?? false));
  say(`director A is MASTER and holds VIP ${topo.vip}${b ? '; B is BACKUP' : ''}`);
}

/**
 * Runs the scenario on a topology whose directors are up (bringUp) and a started client; `say` gets each line of the
 * timeline. Throws when a step does not happen within the generous bound.
 */
export async function runScenario(topo: VmTopology, client: ClientAgent, say: (s: string) => void, opts: { balancedMs?: number; continuingMs?: number } = {}): Promise<ScenarioResult> {
  const t0 = Date.now();
  const rel = (t: number): number => t - t0;
  const bound = generousBoundMs(topo);
  const [a, b] = topo.directors;
  if (!a || !b) throw new Error('the scenario needs two directors');

  client.startLoop(LOOP_INTERVAL_MS, LOOP_TIMEOUT_MS);
  const flowing = await client.steady(t0, 3, bound);
  await sleep(opts.balancedMs ?? 6000);
  const killAt = Date.now();
  const balanced: Step = { name: 'balanced', at: rel(flowing), tally: tally(client.requests, flowing, killAt) };
  say(`traffic balanced: ${formatTally(balanced.tally)}`);

  const victim: RealServer = topo.realServers[1]!;
  const victimAddr = `${victim.address}:${victim.port}`;
  await topo.killRealServer(victim);
  say(`${victim.name} (${victimAddr}) killed with SIGKILL`);
  const gone = (d: Director): boolean => !d.destinations().some((x) => x.startsWith(`${victimAddr} `));
  const removedAt = await waitUntil(`${victim.name} removed from director A's IPVS table`, () => gone(a), bound, topo);
  const backupRemovedAt = await waitUntil(`${victim.name} removed from director B's IPVS table`, () => gone(b), bound, topo);
  const healedFrom = await client.steady(killAt, STEADY, bound);
  const refused = client.requests.filter((r) => r.end >= killAt && r.start < healedFrom && !r.ok);
  const lastRefused = refused.length ? refused[refused.length - 1]!.start : killAt;
  say(`${victim.name} removed from IPVS by the HTTP_GET checkers: seen (polling ipvsadm) ${fmt(removedAt - killAt)} after the kill on A, ${fmt(backupRemovedAt - killAt)} on B; table now ${a.destinations().join(', ')}`);
  const removal = {
    name: 'real server removed',
    at: rel(killAt),
    killed: victim.name,
    removedAfterMs: removedAt - killAt,
    backupRemovedAfterMs: backupRemovedAt - killAt,
    lastFailureAfterMs: lastRefused - killAt,
    tally: tally(client.requests, killAt, healedFrom, true),
    after: { total: 0, failed: 0, byServer: {}, errors: {} } as Tally,
  };
  say(`  requests lost while ${victim.name} was being removed: ${removal.tally.failed} of ${removal.tally.total}${refused.length ? ` (the last one sent ${fmt(removal.lastFailureAfterMs)} after the kill)` : ''}`);
  await sleep(3000);

  // exact times of the takeover from ip's own timestamps: B's addresses and the client's ARP entry for the VIP
  const bAddr = new IpMonitor(b.ns.name, ['address']);
  const clientNeigh = new IpMonitor(topo.client.name, ['neigh']);
  const bMac = b.mac();
  let failover;
  try {
    await sleep(1000);
    const before = Date.now();
    removal.after = tally(client.requests, healedFrom, before);
    say(`traffic without ${victim.name}: ${formatTally(removal.after)}`);
    const { stoppedAt: failAt, cutAt } = await a.powerOff();
    say(`director A fails: every lvskeeper process stopped and killed (SIGKILL), its links cut ${fmt(cutAt - failAt)} later: a power loss`);
    const vipLine = await bAddr.next((l) => !l.startsWith('Deleted') && l.includes(` inet ${topo.vip}/`), failAt, bound, `VIP ${topo.vip} added on B`);
    say(`director B is MASTER: VIP ${topo.vip} added ${fmt(vipLine.at - failAt)} after A failed (VRRP bound 3 x advert_int + skew = ${fmt(failoverBoundMs(topo.timing, b.spec.priority))})`);
    const neighLine = await clientNeigh.next((l) => l.startsWith(`${topo.vip} `) && l.includes(bMac), failAt, bound, "the client's ARP entry for the VIP moving to B");
    say(`the client's ARP entry for ${topo.vip} points to B ${fmt(neighLine.at - failAt)} after the failure (gratuitous ARP)`);
    const steadyAt = await client.steady(failAt, STEADY, bound);
    // a request that started once A's links were down and was answered went through B
    const firstOk = client.requests.find((r) => r.start >= cutAt && r.ok)!;
    failover = {
      name: 'master failed',
      at: rel(failAt),
      takeoverMs: vipLine.at - failAt,
      arpMs: neighLine.at - failAt,
      resumeMs: firstOk.end - failAt,
      steadyMs: steadyAt - failAt,
      tally: tally(client.requests, failAt, steadyAt, true),
    };
  } finally {
    bAddr.stop();
    clientNeigh.stop();
  }
  say(`  first answer through B ${fmt(failover.resumeMs)} after the failure; requests lost: ${failover.tally.failed} of ${failover.tally.total} (in flight or sent before traffic was steady again)`);

  await sleep(opts.continuingMs ?? 5000);
  const endAt = Date.now();
  await client.stopLoop();
  const steadyAt = failover.at + t0 + failover.steadyMs;
  const continuing: Step = { name: 'continuing', at: rel(steadyAt), tally: tally(client.requests, steadyAt, endAt) };
  say(`traffic continuing through B: ${formatTally(continuing.tally)}`);
  return { balanced, removal, failover, continuing, boundMs: bound };
}

async function waitUntil(what: string, cond: () => boolean, ms: number, topo: VmTopology): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return Date.now();
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${topo.logs()}`);
    await sleep(250);
  }
}

export function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
