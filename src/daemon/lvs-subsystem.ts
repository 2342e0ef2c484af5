// The checkers + IPVS subsystem (keepalived's healthchecker process, `lvskeeper -C`): runs every configured checker,
// turns checker states into real-server health and quorum, and keeps the kernel's IPVS table equal to the desired one.
import os from 'node:os';
// the scheduler and aggregator directly, not check/index: that would load every checker module (undici, DNS, ICMP)
import { CheckScheduler, systemClock, dedupKey, type Clock, type SchedulerOptions, type CheckerAttemptEvent } from '../check/scheduler';
import { RealServerAggregator, type RealServerEvent } from '../check/aggregate';
import type { CheckTarget } from '../check/types';
import type { Config, NotifyScript } from '../config/model';
import type { IpvsClient } from '../ipvs/client';
import { openKernelClient } from '../ipvs/kernel-client';
import { CheckAlerts } from './check-alerts';
import { Reconciler } from '../lvs/reconciler';
import { desiredTable, liveWeight, nextQuorum, planVirtualServers, sorryActive, RsPlan, VsPlan, RsHealth } from '../lvs/desired';
import { checkTargets } from '../lvs/targets';
import { destId, newTable, serviceId } from '../lvs/state';
import type { Table } from '../lvs/state';
import type { Subsystem, SubsystemContext } from './subsystem';
import type { Logger } from '../util/log';
import type { IpvsCounterSnapshot } from './metrics';
import { configureScripts, currentScriptGate, runScript } from '../util/script-runner';
import { AddressMonitor } from '../rtnl/address-monitor';

export interface LvsSubsystemOptions {
  /** IPVS client; default: the kernel's (generic netlink). null = run without IPVS. Thrown ENOENT = IPVS missing. */
  openClient?: () => Promise<IpvsClient | null>;
  clock?: Clock;
  /** options for the checkers' scheduler (tests inject checkers and a random source) */
  scheduler?: Omit<SchedulerOptions, 'clock'>;
  /** runs a notify/quorum script; default: spawn without a shell. `wait` > 0: stopping, wait at most that many ms */
  runScript?: (script: NotifyScript, waitMs: number) => Promise<void> | void;
  /** ha_suspend: is this address configured on this host? default: rtnetlink address monitoring (no polling) */
  isLocalAddress?: (address: string) => boolean;
  resyncMs?: number;
  /** with isLocalAddress (or when rtnetlink monitoring fails): how often ha_suspend re-reads local addresses; default 1 s */
  haSuspendPollMs?: number;
  /**
   * Hold the process open from start() to stop() (default: true unless a clock is injected). The scheduler's and the
   * reconciler's timers are unref'd, so without it `lvskeeper -C --status-listen=off` would exit right after start.
   */
  keepAlive?: boolean;
}

interface CheckerInfo {
  id: string;
  rsId: string;
  vsId: string;
  kind: string;
  key: string;
}

interface RsInfo {
  plan: RsPlan;
  vsId: string;
  checkerIds: string[];
}

/**
 * Runs a script the way keepalived's notify_exec does: argv split already, no shell, not waited for; as its user and
 * only if the configuration's script security lets it (util/script-runner.ts; a refusal is logged there, once).
 */
export function defaultRunScript(log: Logger): (s: NotifyScript, waitMs: number) => Promise<void> {
  return async (s, waitMs) => {
    const argv = s.args.length ? s.args : s.command.trim().split(/\s+/);
    const p = currentScriptGate().prepare(argv, s.user, s.group, 'notify script');
    if (!p.ok) return;
    const run = runScript(p.script.argv, p.script.ids).then(
      (r) => {
        if (r.code) log.warn({ script: s.command, code: r.code, signal: r.signal }, `script ${s.command} exited with status ${r.code}`);
      },
      (e: Error) => log.error({ err: e, script: s.command }, `script ${s.command} failed to start: ${e.message}`),
    );
    if (waitMs > 0) await Promise.race([run, new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())]);
  };
}

/** Real server label in metrics: "addr:port" as in the IPVS counters ("[v6]:port"). */
function rsMetricLabel(r: RsPlan): string {
  return destId({ address: r.address, port: r.port });
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(a.address.replace(/%.*$/, ''));
  return out;
}

export class LvsSubsystem implements Subsystem {
  readonly name = 'checkers';
  private clock: Clock;
  private ctx!: SubsystemContext;
  private scheduler!: CheckScheduler;
  private agg!: RealServerAggregator;
  client: IpvsClient | null = null;
  reconciler: Reconciler | null = null;
  private ipvsError?: string;
  private plans: VsPlan[] = [];
  private planById = new Map<string, VsPlan>();
  /** service id -> the plans that configure it (usually one) */
  private plansByService = new Map<string, VsPlan[]>();
  private rs = new Map<string, RsInfo>();
  private checkers = new Map<string, CheckerInfo>();
  private quorum = new Map<string, boolean>();
  private suspended = new Set<string>();
  private haTimer: unknown;
  /** ha_suspend's view of local addresses (RTM_NEWADDR/RTM_DELADDR); undefined: not needed, or polling instead */
  private addrMon: AddressMonitor | undefined;
  private addrMonFailed = false;
  private runScript!: (s: NotifyScript, waitMs: number) => Promise<void> | void;
  private stopping = false;
  private config?: Config;
  private keepAliveTimer?: NodeJS.Timeout;
  /** SMTP alerts (smtp_alert on virtual and real servers) */
  private alerts!: CheckAlerts;

  constructor(private readonly opts: LvsSubsystemOptions = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  private get log(): Logger {
    return this.ctx.log;
  }

  async start(config: Config, ctx: SubsystemContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = false;
    this.resultCounters.clear();
    this.durationHistograms.clear();
    if (this.opts.keepAlive ?? !this.opts.clock) this.keepAliveTimer ??= setInterval(() => undefined, 1 << 30);
    this.runScript = this.opts.runScript ?? defaultRunScript(ctx.log);
    this.scheduler = new CheckScheduler({ ...(this.opts.scheduler ?? {}), clock: this.clock });
    this.agg = new RealServerAggregator();
    this.agg.attach(this.scheduler);
    this.agg.on('rs', (e) => this.onRs(e));
    this.agg.on('weight', (e) => this.onHealthChange(this.rs.get(e.rsId)?.vsId));
    this.scheduler.on('attempt', (e) => this.onAttempt(e));
    this.scheduler.on('log', (e) => this.log.info(e.message));
    this.alerts = new CheckAlerts(ctx.log);
    this.alerts.configure(config);
    this.scheduler.on('state', (e) => {
      if (e.changed) this.alertChecker(e.id, e.kind, e.up);
      // first result confirming an alpha checker down: keepalived runs notify_down then (update_svr_checker_state)
      if (!e.changed && !e.up) {
        const info = this.checkers.get(e.id);
        const r = info && this.rs.get(info.rsId);
        if (r && r.plan.rs.notifyDown && this.agg.isAlive(info!.rsId) === false) void this.runScript(r.plan.rs.notifyDown, 0);
      }
    });

    this.client = null;
    this.ipvsError = undefined;
    await this.openIpvs();

    this.config = config;
    configureScripts(config.globalDefs, (level, msg) => ctx.log[level](msg));
    this.plans = this.plan(config);
    for (const p of this.plans) this.addVs(p);
    for (const p of this.plans) this.initQuorum(p);
    // global rs_init_notifies: real servers alive at start run notify_up (ipwrapper.c init_service_rs)
    if (config.globalDefs.rsInitNotifies)
      for (const p of this.plans) for (const r of p.realServers) if (this.agg.isAlive(r.id) && r.rs.notifyUp) void this.runScript(r.rs.notifyUp, 0);

    if (this.client) await this.startIpvs(config);
    await this.watchAddresses();
    this.updateHaSuspend();
    this.armHaPoll();
    this.scheduler.start();
  }

  /** Opens the IPVS client; without IPVS the checkers run alone (state() still shows them). */
  private async openIpvs(): Promise<void> {
    const previous = this.ipvsError;
    try {
      this.client = this.opts.openClient ? await this.opts.openClient() : await openKernelClient();
      this.ipvsError = this.client ? undefined : 'no IPVS client';
    } catch (e) {
      const err = e as { code?: string; message?: string };
      this.ipvsError = err.message ?? String(e);
      if (this.ipvsError === previous) return; // retried on reload: say it once
      if (err.code === 'ENOENT') this.log.warn('IPVS is not available in this kernel; running checkers only');
      else this.log.error({ err: e }, `IPVS cannot be opened (${this.ipvsError}); running checkers only`);
      return;
    }
    if (!this.client && previous !== this.ipvsError) this.log.warn('IPVS is not available in this kernel; running checkers only');
  }

  private async startIpvs(config: Config): Promise<void> {
    const ctx = this.ctx;
    this.reconciler = new Reconciler({
      client: this.client!,
      desired: (scope) => this.desired(scope),
      log: ctx.log,
      clock: this.clock,
      metrics: ctx.metrics,
      resyncMs: this.opts.resyncMs,
    });
    ctx.metrics.setIpvsSource(() => this.snapshot());
    if (config.globalDefs.lvsFlush) {
      // global lvs_flush: keepalived flushes the whole table at start (no adoption then)
      this.log.info('lvs_flush: flushing the IPVS table');
      await this.client!.flush().catch((e: Error) => this.log.error({ err: e }, `IPVS flush failed: ${e.message}`));
    }
    await this.applyTimeouts(config);
    await this.reconciler.start();
  }

  private plan(config: Config): VsPlan[] {
    const plans = planVirtualServers(config, (vs, e) => this.log.error({ err: e }, `virtual server at ${vs.loc.file ?? ''}:${vs.loc.line ?? ''} ignored: ${e.message}`));
    this.planById = new Map(plans.map((p) => [p.id, p]));
    this.plansByService = new Map();
    for (const p of plans)
      for (const s of p.services) {
        const id = serviceId(s.key);
        const list = this.plansByService.get(id);
        if (list) list.push(p);
        else this.plansByService.set(id, [p]);
      }
    return plans;
  }

  private targetsFor(p: VsPlan, r: RsPlan): Array<{ id: string; target: CheckTarget; kind: string }> {
    const config = p.config;
    const servicePort = p.services[0] && 'port' in p.services[0].key ? p.services[0].key.port : 0;
    const out: Array<{ id: string; target: CheckTarget; kind: string }> = [];
    for (const c of checkTargets(config, p.vs, r.rs, r.id, p.id, servicePort)) {
      for (const i of c.issues) {
        const line = `${r.label} of VS ${p.id}: ${c.kind}: ${i.message}`;
        if (i.severity === 'error') this.log.error({ code: i.code }, `${line} - checker ignored`);
        else this.log.warn({ code: i.code }, line);
      }
      if (c.target && !c.issues.some((i) => i.severity === 'error')) out.push({ id: c.id, target: c.target, kind: c.kind });
    }
    return out;
  }

  private addVs(p: VsPlan): void {
    for (const r of p.realServers) this.addRs(p, r);
  }

  /** smtp_alert for one checker transition (the aggregator has already applied it). */
  private alertChecker(checkerId: string, kind: string, up: boolean): void {
    const info = this.checkers.get(checkerId);
    const r = info && this.rs.get(info.rsId);
    const p = r && this.planById.get(r.vsId);
    if (!r || !p || this.stopping) return;
    this.alerts.checker(info.rsId, p.vs, this.rsRef(p, r.plan), kind, up, this.agg.isAlive(info.rsId) ?? false);
  }

  private rsRef(p: VsPlan, r: RsPlan): { address: string; port: number; smtpAlert: boolean } {
    return { address: r.address, port: r.port || (p.vs.port ?? 0), smtpAlert: r.rs.smtpAlert };
  }

  private addRs(p: VsPlan, r: RsPlan): void {
    const targets = this.targetsFor(p, r);
    this.agg.addRealServer(r.id, r.weight);
    for (const t of targets) {
      const key = this.scheduler.add(t.id, t.target);
      this.checkers.set(t.id, { id: t.id, rsId: r.id, vsId: p.id, kind: t.kind, key });
    }
    for (const t of targets) {
      const st = this.scheduler.status(t.id)!;
      this.agg.addChecker(r.id, t.id, st.up, { weight: st.weight, weightDelta: st.weightDelta });
    }
    this.rs.set(r.id, { plan: r, vsId: p.id, checkerIds: targets.map((t) => t.id) });
    this.ctx.metrics.realServerUp.set({ virtual_server: p.id, real_server: rsMetricLabel(r) }, this.agg.isAlive(r.id) ? 1 : 0);
    this.alerts.seed(r.id, this.agg.isAlive(r.id));
  }

  private health = (rsId: string): RsHealth => ({ alive: this.agg.isAlive(rsId) ?? false, weight: this.agg.weight(rsId) ?? 0 });

  private initQuorum(p: VsPlan): void {
    const sum = liveWeight(p, this.health);
    const up = nextQuorum(undefined, sum, p.vs.quorum, p.vs.hysteresis);
    this.quorum.set(p.id, up);
    // update_quorum_state(init): starting down with a sorry server adds it and runs quorum_down
    if (!up && p.sorry) {
      this.log.info(`Starting with quorum down ${p.vs.quorum}-${p.vs.hysteresis}=${p.vs.quorum - p.vs.hysteresis} > ${sum} for VS ${p.id}`);
      this.log.info(`${p.sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${destId(p.sorry)} to VS ${p.id}`);
      if (p.vs.quorumDown) void this.runScript(p.vs.quorumDown, 0);
      this.alerts.quorum(p.vs, false, sum, true);
    }
  }

  /**
   * The desired table; with a scope (virtual-server ids), the services of those virtual servers, built from every
   * plan that shares one of them (in configuration order, so the entry is the one the whole table would have).
   */
  private desired(scope?: ReadonlySet<string>): Table {
    const quorum = (id: string): boolean => this.quorum.get(id) ?? true;
    if (!scope) return desiredTable(this.plans, this.health, quorum);
    const picked = new Set<VsPlan>();
    for (const vsId of scope) {
      const p = this.planById.get(vsId);
      if (!p) return desiredTable(this.plans, this.health, quorum);
      for (const s of p.services) for (const q of this.plansByService.get(serviceId(s.key)) ?? [p]) picked.add(q);
    }
    const plans = picked.size === 1 ? [...picked] : this.plans.filter((p) => picked.has(p));
    return desiredTable(plans, this.health, quorum);
  }

  /** prom-client children per (checker, result) and per kind: labels hashed once, not on every attempt */
  private resultCounters = new Map<string, { inc(): void }>();
  private durationHistograms = new Map<string, { observe(v: number): void }>();

  private onAttempt(e: CheckerAttemptEvent): void {
    const result = e.result.ok ? 'ok' : e.result.timedOut ? 'timeout' : 'fail';
    let first: CheckerInfo | undefined;
    for (const id of e.ids) {
      const c = this.checkers.get(id);
      if (!c) continue;
      first ??= c;
      const key = `${id}\u0000${result}`;
      let counter = this.resultCounters.get(key);
      if (!counter) {
        const rs = this.rs.get(c.rsId);
        counter = this.ctx.metrics.checkResults.labels({ virtual_server: c.vsId, real_server: rs ? rsMetricLabel(rs.plan) : c.rsId, checker: c.kind, result });
        this.resultCounters.set(key, counter);
      }
      counter.inc();
    }
    if (!first) return;
    let h = this.durationHistograms.get(first.kind);
    if (!h) this.durationHistograms.set(first.kind, (h = this.ctx.metrics.checkDuration.labels({ checker: first.kind })));
    h.observe(e.result.latencyMs / 1000);
  }

  private onRs(e: RealServerEvent): void {
    const r = this.rs.get(e.rsId);
    if (!r || this.stopping) return;
    const p = this.planById.get(r.vsId);
    const inhibit = r.plan.inhibit;
    // ipwrapper.c perform_svr_state wording
    this.log.info(
      `${e.alive ? (inhibit ? 'Enabling' : 'Adding') : inhibit ? 'Disabling' : 'Removing'} service ${r.plan.label} ${inhibit ? 'of' : e.alive ? 'to' : 'from'} VS ${r.vsId}`,
    );
    this.ctx.metrics.realServerUp.set({ virtual_server: r.vsId, real_server: rsMetricLabel(r.plan) }, e.alive ? 1 : 0);
    const script = e.alive ? r.plan.rs.notifyUp : r.plan.rs.notifyDown;
    if (script) void this.runScript(script, 0);
    if (p) this.onHealthChange(p.id);
  }

  private onHealthChange(vsId: string | undefined): void {
    if (this.stopping) return;
    const p = vsId ? this.planById.get(vsId) : undefined;
    if (p) this.updateQuorum(p);
    // scoped to the virtual server: a pass diffs its services only (the whole table when the id is unknown)
    this.reconciler?.trigger('change', p ? [p.id] : undefined);
  }

  private updateQuorum(p: VsPlan): void {
    const prev = this.quorum.get(p.id) ?? true;
    const sum = liveWeight(p, this.health);
    const up = nextQuorum(prev, sum, p.vs.quorum, p.vs.hysteresis);
    if (up === prev) return;
    this.quorum.set(p.id, up);
    const h = p.vs.hysteresis;
    if (up) {
      this.log.info(`Gained quorum ${p.vs.quorum}+${h}=${p.vs.quorum + h} <= ${sum} for VS ${p.id}`);
      if (p.sorry) this.log.info(`${p.sorry.inhibit ? 'Disabling' : 'Removing'} sorry server ${destId(p.sorry)} from VS ${p.id}`);
      if (p.vs.quorumUp) void this.runScript(p.vs.quorumUp, 0);
      this.alerts.quorum(p.vs, true, sum);
    } else {
      this.log.info(`Lost quorum ${p.vs.quorum}-${h}=${p.vs.quorum - h} > ${sum} for VS ${p.id}`);
      if (p.sorry) this.log.info(`${p.sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${destId(p.sorry)} to VS ${p.id}`);
      if (p.vs.quorumDown) void this.runScript(p.vs.quorumDown, 0);
      this.alerts.quorum(p.vs, false, sum);
    }
  }

  /** ha_suspend (check_api.c update_checker_activity): checkers of a VS whose address is not local do not run. */
  private updateHaSuspend(force = false): void {
    const ha = this.plans.filter((p) => p.vs.haSuspend && p.addresses.length);
    if (!ha.length && !this.suspended.size) return;
    const mon = this.addrMon;
    const locals = this.opts.isLocalAddress || mon ? undefined : localAddresses();
    const isLocal = this.opts.isLocalAddress ?? (mon ? (a: string) => mon.has(a) : (a: string) => locals!.has(a));
    for (const p of this.plans) {
      const suspend = p.vs.haSuspend && p.addresses.length > 0 && !p.addresses.some((a) => isLocal(a));
      if (suspend === this.suspended.has(p.id)) {
        // after a reload, new checkers of a suspended virtual server start suspended too
        if (force && suspend) for (const r of p.realServers) for (const id of this.rs.get(r.id)?.checkerIds ?? []) this.scheduler.setEnabled(id, false);
        continue;
      }
      if (suspend) this.suspended.add(p.id);
      else this.suspended.delete(p.id);
      this.log.info(`${suspend ? 'Suspending' : 'Activating'} healthchecker for VS ${p.id} (address ${suspend ? 'not ' : ''}local; ha_suspend)`);
      for (const r of p.realServers) for (const id of this.rs.get(r.id)?.checkerIds ?? []) this.scheduler.setEnabled(id, !suspend);
    }
  }

  /** ha_suspend without an injected isLocalAddress: follow address changes over rtnetlink (fallback: polling). */
  private async watchAddresses(): Promise<void> {
    if (this.opts.isLocalAddress || this.addrMon || this.addrMonFailed || !this.plans.some((p) => p.vs.haSuspend)) return;
    const mon = new AddressMonitor();
    mon.on('change', () => {
      if (!this.stopping) this.updateHaSuspend();
    });
    mon.on('error', (e: Error) => this.log.warn({ err: e }, `ha_suspend address monitor: ${e.message}`));
    try {
      await mon.start();
      this.addrMon = mon;
    } catch (e) {
      mon.stop();
      this.addrMonFailed = true;
      this.log.warn({ err: e }, `ha_suspend: rtnetlink address monitoring failed (${(e as Error).message}); polling local addresses`);
    }
  }

  private armHaPoll(): void {
    if (!this.plans.some((p) => p.vs.haSuspend) || this.stopping || this.addrMon) return;
    this.haTimer = this.clock.setTimeout(() => {
      this.haTimer = undefined;
      this.updateHaSuspend();
      this.armHaPoll();
    }, this.opts.haSuspendPollMs ?? 1000);
  }

  async reload(prev: Config, next: Config, ctx: SubsystemContext): Promise<void> {
    void prev;
    this.ctx = ctx;
    configureScripts(next.globalDefs, (level, msg) => ctx.log[level](msg));
    this.resultCounters.clear(); // labels (virtual server, real server) may change with the configuration
    this.durationHistograms.clear();
    this.alerts.configure(next);
    const oldPlanById = this.planById;
    const newPlans = this.plan(next);
    const oldRs = this.rs;
    const oldCheckers = this.checkers;
    const nextRs = new Map<string, RsInfo>();
    const nextCheckers = new Map<string, CheckerInfo>();
    const keptCheckerIds = new Set<string>();
    const toRemove: string[] = [];
    for (const p of newPlans) {
      for (const r of p.realServers) {
        const targets = this.targetsFor(p, r);
        const old = oldRs.get(r.id);
        let same = !!old && old.plan.weight === r.weight && old.checkerIds.length === targets.length;
        for (const t of targets) {
          const key = dedupKey(t.target);
          const oc = oldCheckers.get(t.id);
          if (oc && oc.key === key) {
            keptCheckerIds.add(t.id);
          } else {
            same = false;
            if (oc) {
              this.scheduler.remove(t.id);
              keptCheckerIds.add(t.id);
            }
            this.scheduler.add(t.id, t.target);
          }
          nextCheckers.set(t.id, { id: t.id, rsId: r.id, vsId: p.id, kind: t.kind, key });
        }
        if (old && !targets.every((t) => old.checkerIds.includes(t.id))) same = false;
        if (!same) {
          if (old) this.agg.removeRealServer(r.id);
          this.agg.addRealServer(r.id, r.weight);
          for (const t of targets) {
            const st = this.scheduler.status(t.id)!;
            this.agg.addChecker(r.id, t.id, st.up, { weight: st.weight, weightDelta: st.weightDelta });
          }
          this.log.info(`${old ? 'Updating' : 'Adding'} real server ${r.label} of VS ${p.id}`);
          this.alerts.seed(r.id, this.agg.isAlive(r.id));
        }
        nextRs.set(r.id, { plan: r, vsId: p.id, checkerIds: targets.map((t) => t.id) });
        this.ctx.metrics.realServerUp.set({ virtual_server: p.id, real_server: rsMetricLabel(r) }, this.agg.isAlive(r.id) ? 1 : 0);
      }
    }
    for (const id of oldCheckers.keys()) if (!nextCheckers.has(id) && !keptCheckerIds.has(id)) toRemove.push(id);
    for (const id of toRemove) this.scheduler.remove(id);
    for (const [id, old] of oldRs) {
      if (nextRs.has(id)) continue;
      // clear_service_rs: an alive real server leaving the configuration runs its notify_down
      if (this.agg.isAlive(id) && old.plan.rs.notifyDown) void this.runScript(old.plan.rs.notifyDown, 0);
      const oldVs = oldPlanById.get(old.vsId);
      if (this.agg.isAlive(id) && oldVs) this.alerts.shut(oldVs.vs, this.rsRef(oldVs, old.plan), false);
      this.alerts.forget(id);
      this.agg.removeRealServer(id);
      this.ctx.metrics.realServerUp.remove({ virtual_server: old.vsId, real_server: rsMetricLabel(old.plan) });
      this.log.info(`Removing real server ${old.plan.label} from VS ${old.vsId} (not in the new configuration)`);
    }
    this.rs = nextRs;
    this.checkers = nextCheckers;
    const oldQuorum = this.quorum;
    this.quorum = new Map();
    this.plans = newPlans;
    for (const p of newPlans) {
      if (oldQuorum.has(p.id)) {
        this.quorum.set(p.id, oldQuorum.get(p.id)!);
        this.updateQuorum(p);
      } else this.initQuorum(p);
    }
    for (const id of [...this.suspended]) if (!newPlans.some((p) => p.id === id)) this.suspended.delete(id);
    await this.watchAddresses();
    this.updateHaSuspend(true);
    if (this.haTimer === undefined) this.armHaPoll();
    this.config = next;
    if (!this.client) {
      // IPVS missing at start (module not loaded?): try again on every reload
      await this.openIpvs();
      if (this.client) {
        this.log.info('IPVS is available now; programming the virtual servers');
        await this.startIpvs(next);
        return;
      }
    }
    await this.applyTimeouts(next, prev);
    if (this.reconciler) await this.reconciler.run('reload');
  }

  /** global lvs_timeouts (tcp, tcpfin, udp): ipvsadm --set; 0/absent leaves a value as it is. */
  private async applyTimeouts(config: Config, prev?: Config): Promise<void> {
    const tmo = config.globalDefs.lvsTimeouts;
    if (!this.client || !tmo) return;
    const p = prev?.globalDefs.lvsTimeouts;
    if (p && p.tcp === tmo.tcp && p.tcpFin === tmo.tcpFin && p.udp === tmo.udp) return;
    try {
      await this.client.setTimeouts({ tcp: tmo.tcp ?? 0, tcpFin: tmo.tcpFin ?? 0, udp: tmo.udp ?? 0 });
      this.log.info(`IPVS timeouts set: tcp ${tmo.tcp ?? '-'} tcpfin ${tmo.tcpFin ?? '-'} udp ${tmo.udp ?? '-'}`);
    } catch (e) {
      this.log.error({ err: e }, `setting IPVS timeouts failed: ${(e as Error).message}`);
    }
  }

  async stop(ctx: SubsystemContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = true;
    if (this.haTimer !== undefined) this.clock.clearTimeout(this.haTimer);
    this.haTimer = undefined;
    this.addrMon?.stop();
    this.addrMon = undefined;
    this.addrMonFailed = false;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    if (!this.scheduler) return; // start() never got that far
    this.scheduler.stop();
    // omega (ipwrapper.c clear_service_rs / update_vs_notifies with stopping): notify_down of alive real servers and
    // quorum_down of the virtual server, each waited for at most 1 s (system_call_script with TIMER_HZ)
    const waits: Array<Promise<void> | void> = [];
    for (const p of this.plans) {
      if (!p.vs.omega) continue;
      for (const r of p.realServers) if (this.agg.isAlive(r.id) && r.rs.notifyDown) waits.push(this.runScript(r.rs.notifyDown, 1000));
      for (const r of p.realServers) if (this.agg.isAlive(r.id)) this.alerts.shut(p.vs, this.rsRef(p, r), true);
      if (p.vs.quorumDown) waits.push(this.runScript(p.vs.quorumDown, 1000));
      this.alerts.vsShut(p.vs);
    }
    // the omega mails get as long as the scripts (1 s)
    waits.push(Promise.race([this.alerts.alerter.idle(), new Promise<void>((r) => setTimeout(r, 1000).unref())]));
    await Promise.all(waits);
    if (this.reconciler) {
      const flushAll = this.config?.globalDefs.lvsFlushOnStop === 'all' && !ctx.args.dontReleaseIpvs;
      await this.reconciler.stop(!ctx.args.dontReleaseIpvs && !flushAll);
      if (flushAll) {
        // lvs_flush_onstop (without VS): the whole table goes, not only this daemon's services
        this.log.info('lvs_flush_onstop: flushing the IPVS table');
        await this.client!.flush().catch((e: Error) => this.log.error({ err: e }, `IPVS flush failed: ${e.message}`));
      }
    }
    ctx.metrics.setIpvsSource(undefined);
    await this.client?.close();
    this.reconciler = null;
    this.client = null;
  }

  private async snapshot(): Promise<IpvsCounterSnapshot | undefined> {
    if (!this.client || !this.reconciler) return undefined;
    const all = await this.client.listAll();
    return {
      services: all
        .filter((s) => this.reconciler!.owned.has(serviceId(s.key)))
        .map((s) => ({
          id: serviceId(s.key),
          conns: s.stats.conns,
          inpkts: s.stats.inpkts,
          outpkts: s.stats.outpkts,
          inbytes: s.stats64.inbytes,
          outbytes: s.stats64.outbytes,
          dests: s.destinations.map((d) => ({
            id: destId(d.key),
            weight: d.config.weight,
            activeConns: d.activeConns,
            inactiveConns: d.inactiveConns,
            conns: d.stats.conns,
            inbytes: d.stats64.inbytes,
            outbytes: d.stats64.outbytes,
          })),
        })),
    };
  }

  /** Per virtual server: services, quorum, sorry server, real servers with health, weight and last check results. */
  state(): unknown {
    const desired = this.client ? this.desired() : newTable([]);
    return {
      ipvs: this.client ? { available: true, lastPass: this.reconciler?.lastPass, owned: this.reconciler?.owned.size ?? 0 } : { available: false, reason: this.ipvsError ?? 'IPVS is not available' },
      virtualServers: this.plans.map((p) => {
        const q = this.quorum.get(p.id) ?? true;
        return {
          id: p.id,
          services: p.services.map((s) => serviceId(s.key)),
          scheduler: p.vs.lbAlgo,
          quorum: { up: q, liveWeight: liveWeight(p, this.health), quorum: p.vs.quorum, hysteresis: p.vs.hysteresis },
          sorryServer: p.sorry ? { address: destId(p.sorry), inhibit: p.sorry.inhibit, active: sorryActive(p, q) } : undefined,
          suspended: this.suspended.has(p.id),
          realServers: p.realServers.map((r) => {
            const svc = p.services[0] ? desired.get(serviceId(p.services[0].key)) : undefined;
            const inPool = svc ? [...svc.dests.values()].find((d) => d.key.address === r.address && (r.port === 0 || d.key.port === r.port)) : undefined;
            return {
              id: r.id,
              address: r.address,
              port: r.port,
              alive: this.agg.isAlive(r.id) ?? false,
              weight: this.agg.weight(r.id) ?? 0,
              configuredWeight: r.weight,
              inhibitOnFailure: r.inhibit,
              ipvsWeight: inPool ? inPool.config.weight : null,
              checkers: (this.rs.get(r.id)?.checkerIds ?? []).map((id) => {
                const st = this.scheduler.status(id);
                const lr = st?.lastResult;
                return {
                  id,
                  kind: this.checkers.get(id)?.kind,
                  up: st?.up ?? false,
                  hasRun: st?.hasRun ?? false,
                  nextRunInMs: st?.nextRunAt !== undefined ? Math.max(0, Math.round(st.nextRunAt - this.clock.now())) : undefined,
                  last: lr ? { ok: lr.ok, message: lr.message, latencyMs: Math.round(lr.latencyMs * 1000) / 1000 } : undefined,
                };
              }),
            };
          }),
        };
      }),
    };
  }

  stats(): unknown {
    return {
      checkerJobs: this.scheduler?.jobCount ?? 0,
      checkersInFlight: this.scheduler?.inflightCount ?? 0,
      realServers: this.rs.size,
      reconcilePasses: this.reconciler?.passes ?? 0,
      ownedServices: this.reconciler?.owned.size ?? 0,
    };
  }
}
