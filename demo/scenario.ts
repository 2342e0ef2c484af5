// The director-pair scenario shared by `make demo` and the kernel-tier e2e tests: traffic balanced over three real
// servers, one real server killed and removed from IPVS, the master director failing and the VIP moving to the
// backup, traffic continuing; the requests lost at each step.
import { VmTopology, failoverBoundMs, checkerBoundMs, type RealServer } from '../test/helpers/vm-topology';
import { tally, formatTally, type Tally, type ClientAgent } from '../test/helpers/vm-client';

export interface Step {
  name: string;
  /** ms since the scenario's start */
  at: number;
  tally: Tally;
}

export interface ScenarioResult {
  balanced: Step;
  removal: Step & { killed: string; removedAfterMs: number; backupRemovedAfterMs: number; after: Tally };
  failover: Step & { takeoverMs: number; resumeMs: number };
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
  const gone = (d: typeof a): boolean => !d.destinations().some((x) => x.startsWith(`${victimAddr} `));
  let backupRemovedAt = 0;
  const removedAt = await waitUntil(`${victim.name} removed from director A's IPVS table`, () => {
    if (!backupRemovedAt && gone(b)) backupRemovedAt = Date.now();
    return gone(a);
  }, bound, topo);
  if (!backupRemovedAt) backupRemovedAt = await waitUntil(`${victim.name} removed from director B's IPVS table`, () => gone(b), bound, topo);
  say(`${victim.name} removed from IPVS by the HTTP_GET checker after ${fmt(removedAt - killAt)} on A, ${fmt(backupRemovedAt - killAt)} on B; table now ${a.destinations().join(', ')}`);
  const healedFrom = await client.steady(removedAt, STEADY, bound);
  const removal = {
    name: 'real server removed',
    at: rel(killAt),
    killed: victim.name,
    removedAfterMs: removedAt - killAt,
    backupRemovedAfterMs: backupRemovedAt - killAt,
    tally: tally(client.requests, killAt, healedFrom),
    after: { total: 0, failed: 0, byServer: {}, errors: {} } as Tally,
  };
  say(`  requests lost while ${victim.name} was being removed: ${removal.tally.failed} of ${removal.tally.total}`);
  await sleep(3000);

  const watch = b.watchAddress(topo.vip);
  // the monitor must be listening before A fails
  await sleep(1000);
  const failAt = Date.now();
  removal.after = tally(client.requests, healedFrom, failAt);
  say(`traffic without ${victim.name}: ${formatTally(removal.after)}`);
  await a.powerOff();
  say('director A fails: lvskeeper SIGKILLed (every process) and its links cut, as in a power loss');
  let takeoverAt: number;
  try {
    takeoverAt = await Promise.race([watch.added, waitUntil(`director B to take VIP ${topo.vip} over`, () => b.holdsVip(topo.vip), bound, topo)]);
  } finally {
    watch.stop();
  }
  say(`director B is MASTER and holds VIP ${topo.vip} ${fmt(takeoverAt - failAt)} after A failed (VRRP bound 3 x advert_int + skew = ${fmt(failoverBoundMs(topo.timing, b.spec.priority))})`);
  const resumedAt = await client.steady(failAt, STEADY, bound);
  const failover = { name: 'master failed', at: rel(failAt), takeoverMs: takeoverAt - failAt, resumeMs: resumedAt - failAt, tally: tally(client.requests, failAt, resumedAt) };
  say(`  traffic resumed through B ${fmt(failover.resumeMs)} after the failure; requests lost: ${failover.tally.failed} of ${failover.tally.total}`);

  await sleep(opts.continuingMs ?? 5000);
  const endAt = Date.now();
  await client.stopLoop();
  const continuing: Step = { name: 'continuing', at: rel(resumedAt), tally: tally(client.requests, resumedAt, endAt) };
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
