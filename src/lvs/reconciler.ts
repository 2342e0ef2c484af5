// The IPVS reconcile loop: actual = the kernel's dump, ops = diff(desired, actual, owned), applied in pipelined
// batches. Runs on demand (coalesced health changes) and periodically (drift repair); adopts existing entries at
// start (no flush) and leaves services it does not own alone.
import type { Clock } from '../check/scheduler';
import type { IpvsClient } from '../ipvs/client';
import type { Logger } from '../util/log';
import type { Metrics } from '../daemon/metrics';
import { ServiceFlag } from '../ipvs/constants';
import { Op, applyOpsInPlace, describeOp, diff } from './diff';
import { executeOps, OpOutcome } from './apply';
import { Table, newTable, serviceId } from './state';

export interface ReconcilerOptions {
  client: IpvsClient;
  /**
   * The desired table. With a scope (the keys given to trigger(), e.g. virtual-server ids), only the services those
   * keys touch, each complete: a health change pass diffs just them against the cached kernel table.
   */
  desired: (scope?: ReadonlySet<string>) => Table;
  log: Logger;
  clock: Clock;
  metrics?: Metrics;
  /** periodic resync (drift repair); default 10 s; 0 disables */
  resyncMs?: number;
  batchSize?: number;
}

export type PassReason = 'start' | 'change' | 'resync' | 'reload' | 'stop';

/** A start or reload pass with more ops than this logs one summary line instead of one line per op. */
export const SUMMARY_OPS = 20;

/** The resync period is at least this many times the duration of the last kernel dump. */
export const RESYNC_DUMP_FACTOR = 50;

export interface PassResult {
  reason: PassReason;
  ops: OpOutcome[];
  error?: Error;
}

/** Reads the kernel table as a Table. */
export async function readTable(client: IpvsClient): Promise<Table> {
  const all = await client.listAll();
  return newTable(
    all.map((s) => ({
      key: s.key,
      config: { ...s.config, flags: (s.config.flags & ~ServiceFlag.HASHED) >>> 0, persistenceEngine: s.config.persistenceEngine ?? '' },
      dests: s.destinations.map((d) => ({ key: d.key, config: d.config })),
    })),
  );
}

/** The services of `t` whose ids are in `ids` (the same objects). */
function restrict(t: Table, ids: Iterable<string>): Table {
  const out: Table = new Map();
  for (const id of ids) {
    const s = t.get(id);
    if (s) out.set(id, s);
  }
  return out;
}

export class Reconciler {
  /** services this daemon created or adopted */
  readonly owned = new Set<string>();
  private running: Promise<void> | undefined;
  private pending: PassReason | undefined;
  /** what the pending pass must cover: the scope keys of its triggers, or 'all' */
  private pendingScope: Set<string> | 'all' = 'all';
  private timer: unknown;
  private stopped = false;
  passes = 0;
  lastPass?: { reason: PassReason; at: number; ops: number; failed: number; error?: string };
  /** listeners for tests and state(): every finished pass */
  onPass?: (r: PassResult) => void;
  /** the kernel table as of the last pass (dump + applied ops); 'change' passes diff against it instead of dumping */
  private cache: Table | undefined;
  /** kernel dumps taken (a health change does not dump unless the cache is gone) */
  dumps = 0;
  /** how long the last kernel dump took, ms (the resync interval grows with it) */
  lastDumpMs = 0;

  constructor(private readonly o: ReconcilerOptions) {}

  start(): Promise<void> {
    this.stopped = false;
    // the first resync is timed from the end of the start pass, whose dump sets the period
    return this.run('start').finally(() => this.armResync());
  }

  /**
   * A coalesced pass: several triggers while one pass runs lead to one more pass. `scope` (keys the desired function
   * understands) limits a health change pass to the services they touch; without it the pass covers everything.
   */
  trigger(reason: PassReason = 'change', scope?: Iterable<string>): void {
    if (this.stopped) return;
    void this.run(reason, scope);
  }

  /** Resolves when no pass is running or pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  run(reason: PassReason, scope?: Iterable<string>): Promise<void> {
    // 'resync' is the weakest reason: a change pass also repairs drift
    if (this.pending === undefined) {
      this.pending = reason;
      this.pendingScope = scope ? new Set(scope) : 'all';
    } else {
      if (this.pending === 'resync') this.pending = reason;
      if (!scope) this.pendingScope = 'all';
      else if (this.pendingScope !== 'all') for (const k of scope) this.pendingScope.add(k);
    }
    if (this.running) return this.running.then(() => this.idle());
    this.running = (async () => {
      while (this.pending !== undefined) {
        const r = this.pending;
        const sc = this.pendingScope;
        this.pending = undefined;
        this.pendingScope = 'all';
        await this.pass(r, sc);
      }
      this.running = undefined;
    })();
    return this.running;
  }

  /**
   * The resync period: resyncMs, but at least RESYNC_DUMP_FACTOR times the last dump, so that drift repair never
   * takes more than 2% of the process's time (a dump of 10,000 services takes seconds; under emulation, tens).
   */
  resyncInterval(): number {
    const ms = this.o.resyncMs ?? 10_000;
    return ms ? Math.max(ms, Math.ceil(this.lastDumpMs * RESYNC_DUMP_FACTOR)) : 0;
  }

  private armResync(): void {
    const ms = this.resyncInterval();
    if (!ms || this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      void this.run('resync').finally(() => this.armResync());
    }, ms);
  }

  private async pass(reason: PassReason, scope: Set<string> | 'all' = 'all'): Promise<void> {
    const { log, client } = this.o;
    let ops: Op[] = [];
    let outcomes: OpOutcome[] = [];
    const t0 = this.o.clock.now();
    try {
      // Health changes diff against the cached table (no dump: cheap with large tables), and only the services their
      // scope touches (a change in one virtual server does not rebuild and diff 10,000 others); resync, start and
      // reload read the kernel and diff everything, which is what repairs drift. A refused op drops the cache.
      const cached = reason === 'change' ? this.cache : undefined;
      const partial = cached !== undefined && scope !== 'all';
      const desired = partial ? this.o.desired(scope) : this.o.desired();
      const actual = cached ?? (await this.dump());
      ops = diff(desired, partial ? restrict(actual, desired.keys()) : actual, { owned: this.owned });
      if (reason === 'start') {
        const adopted = [...desired.keys()].filter((id) => actual.has(id));
        if (adopted.length) log.info({ services: adopted }, `adopting ${adopted.length} existing IPVS service(s) (no flush; connections are kept)`);
      }
      for (const id of desired.keys()) this.owned.add(id);
      this.cache = undefined;
      outcomes = ops.length ? await executeOps(client, ops, this.o.batchSize) : [];
      // the cache is this reconciler's own (a dump, or the previous cache): updated in place
      if (outcomes.every((x) => x.ok)) this.cache = applyOpsInPlace(actual, ops);
      // a large start or reload pass is summed up in one line (its ops at debug); failures and drift repairs always
      // get a line each
      const summed = (reason === 'start' || reason === 'reload') && outcomes.length > SUMMARY_OPS;
      const counts = new Map<string, number>();
      for (const oc of outcomes) {
        const line = describeOp(oc.op) + (oc.note ? ` [${oc.note}]` : '');
        this.o.metrics?.ipvsOps.inc({ op: oc.op.op, result: oc.ok ? 'ok' : 'error' });
        if (!oc.ok) log.error({ err: oc.error, op: oc.op.op }, `IPVS ${line} failed: ${oc.error?.message ?? 'unknown error'}`);
        else if (reason === 'resync') log.warn({ op: oc.op.op }, `repairing IPVS drift: ${line}`);
        else if (summed) {
          counts.set(oc.op.op, (counts.get(oc.op.op) ?? 0) + 1);
          log.debug({ op: oc.op.op }, `IPVS ${line}`);
        } else log.info({ op: oc.op.op }, `IPVS ${line}`);
        if (oc.ok && oc.op.op === 'del-service') this.owned.delete(serviceId(oc.op.service));
      }
      if (summed && counts.size)
        log.info({ ops: Object.fromEntries(counts) }, `IPVS ${reason}: ${[...counts].map(([op, n]) => `${n} ${op}`).join(', ')} (each at debug level)`);
      this.passes++;
      this.lastPass = { reason, at: Date.now(), ops: outcomes.length, failed: outcomes.filter((x) => !x.ok).length };
      // Until a resync measures a dump of the programmed table, the start or reload pass (its dump of a table that
      // may have been empty, then programming it) is the estimate of that dump's cost: the first drift repair of a
      // large table then does not come after the nominal 10 s (a 10,000-service dump takes ~10 s under emulation).
      if (reason === 'start' || reason === 'reload') this.lastDumpMs = Math.max(this.lastDumpMs, this.o.clock.now() - t0);
      this.onPass?.({ reason, ops: outcomes });
    } catch (e) {
      this.passes++;
      this.lastPass = { reason, at: Date.now(), ops: 0, failed: 0, error: (e as Error).message };
      log.error({ err: e }, `IPVS reconcile (${reason}) failed: ${(e as Error).message}; retrying at the next resync`);
      this.onPass?.({ reason, ops: outcomes, error: e as Error });
    }
  }

  private async dump(): Promise<Table> {
    this.dumps++;
    const t0 = this.o.clock.now();
    const t = await readTable(this.o.client);
    this.lastDumpMs = this.o.clock.now() - t0;
    return t;
  }

  /** Stops the loop; with `release`, removes the services this daemon owns (keepalived without -I). */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
    if (!release) {
      this.o.log.info('leaving IPVS entries in place (--dont-release-ipvs)');
      return;
    }
    try {
      const actual = await readTable(this.o.client);
      const ops: Op[] = [...this.owned].filter((id) => actual.has(id)).map((id) => ({ op: 'del-service', service: actual.get(id)!.key, reason: 'shutting down' }));
      const outcomes = await executeOps(this.o.client, ops, this.o.batchSize);
      for (const oc of outcomes) {
        this.o.metrics?.ipvsOps.inc({ op: oc.op.op, result: oc.ok ? 'ok' : 'error' });
        if (oc.ok) this.owned.delete(serviceId(oc.op.service));
        else this.o.log.error({ err: oc.error }, `IPVS ${describeOp(oc.op)} failed: ${oc.error?.message}`);
      }
      this.o.log.info(`removed ${outcomes.filter((x) => x.ok).length} IPVS service(s)`);
    } catch (e) {
      this.o.log.error({ err: e }, `removing IPVS services failed: ${(e as Error).message}`);
    }
  }
}
