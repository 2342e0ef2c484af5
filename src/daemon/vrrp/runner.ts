// One configured vrrp_instance at run time: its VrrpInstance (FSM + socket + timers), addresses, tracking statuses and hooks into the subsystem.
import type { VrrpInstance as VrrpInstanceModel } from '../../config/model';
import { AddressFamily } from '../../vrrp/addr';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../../vrrp/constants';
import { GarpReason, NotifyKind, VrrpState } from '../../vrrp/fsm';
import { InstanceSettings, instanceSettings } from '../../vrrp/from-config';
import { VrrpInstance } from '../../vrrp/instance';
import type { AddressSpec } from '../../rtnl/addresses';
import { ClosableTransport } from './transport';
import { RouteSpec, diffBy, diffVips, instanceVips, routeKey, routeSpec } from './vips';
import { TrackEffect, TrackStatus, trackEffect } from './tracking';

/** What a runner needs from the subsystem (fakes in unit tests). */
export interface RunnerEnv {
  addVips(r: InstanceRunner, specs: readonly AddressSpec[], routes: readonly RouteSpec[]): Promise<void>;
  removeVips(r: InstanceRunner, specs: readonly AddressSpec[], routes: readonly RouteSpec[]): Promise<void>;
  gratuitous(r: InstanceRunner, repeat: number, reason: GarpReason): void;
  /** a state notify of the FSM (MASTER, BACKUP, FAULT, STOP, MASTER_RX_LOWER_PRI, PRIORITY) */
  notify(r: InstanceRunner, kind: NotifyKind, priority: number): void;
  log(level: 'info' | 'warn', msg: string): void;
  /** vrrp_sync_group gate: may this member leave BACKUP for MASTER now (keepalived vrrp_sync_can_goto_master)? */
  mayBecomeMaster?(r: InstanceRunner): boolean;
}

export interface RunnerInit {
  model: VrrpInstanceModel;
  primaryAddress: string;
  transport: ClosableTransport;
  /** multicast destination (undefined for unicast instances) */
  multicastGroup?: string;
  env: RunnerEnv;
  /** use_vmac: the VMAC interface, where the instance's own-family addresses on its interface live */
  vmacDev?: string;
}

/**
 * keepalived vrrp_complete_instance: with use_vmac, a VIP/eVIP without dev (or with the instance's
 * interface) and of the instance's family lives on the VMAC; others stay where configured.
 */
export function placeVips(specs: AddressSpec[], iface: string | undefined, family: 4 | 6, vmacDev: string | undefined): AddressSpec[] {
  if (!vmacDev) return specs;
  return specs.map((s) => (s.dev === iface && (s.address.includes(':') ? 6 : 4) === family ? { ...s, dev: vmacDev } : s));
}

export class InstanceRunner {
  model: VrrpInstanceModel;
  settings: InstanceSettings;
  readonly inst: VrrpInstance;
  vips: AddressSpec[];
  routes: RouteSpec[];
  /** tracked objects with their current status */
  tracked: TrackStatus[] = [];
  /** faults of this instance's own tracking (not the sync group's) */
  ownFaults: string[] = [];
  /** the sync-group fault source currently applied, if any */
  syncFault: string | undefined;
  vipsInstalled = false;
  /** removed by a reload: its STOP is notified as DELETED (keepalived vrrp_notify.c; FAULT without notify_deleted) */
  deleted = false;
  /** -V: keep addresses when stopping */
  keepVipsOnStop = false;
  private stopping = false;
  private readonly pending = new Set<Promise<unknown>>();
  lastState: string = VrrpState.Initialize;

  constructor(readonly init: RunnerInit) {
    this.model = init.model;
    this.settings = instanceSettings(init.model, { primaryAddress: init.primaryAddress });
    this.vips = this.vipsOf(init.model);
    this.routes = this.routeSpecs(init.model);
    const env = init.env;
    this.inst = new VrrpInstance({
      name: init.model.name,
      fsm: this.settings.fsm,
      check: this.settings.check,
      transport: init.transport,
      sourceAddress: init.primaryAddress,
      unicastPeers: this.settings.unicastPeers,
      ...(init.multicastGroup ? { multicastGroup: init.multicastGroup } : {}),
      autoOldUnicastChecksum: true,
      skipCheckAdvAddr: init.model.skipCheckAdvAddr,
      hooks: {
        addVips: () => this.track(this.installVips()),
        removeVips: () => this.track(this.releaseVips()),
        gratuitous: (repeat, reason) => env.gratuitous(this, repeat, reason),
        notify: (kind, prio) => env.notify(this, kind, prio),
        log: (level, m) => env.log(level, m),
        mayBecomeMaster: () => env.mayBecomeMaster?.(this) ?? true,
      },
    });
    for (const w of this.settings.warnings) env.log('warn', `(${init.model.name}) ${w}`);
  }

  get name(): string {
    return this.model.name;
  }

  get family(): AddressFamily {
    return this.settings.check.family;
  }

  /** The multicast group adverts go to (vrrp_mcast_group4/6, mcast_dst_ip), or undefined for unicast. */
  static groupFor(m: VrrpInstanceModel, g4 = VRRP_MCAST_GROUP4, g6 = VRRP_MCAST_GROUP6): string | undefined {
    if (m.unicastPeer.length) return undefined;
    return m.mcastDstIp ?? (m.family === 6 ? g6 : g4);
  }

  private vipsOf(m: VrrpInstanceModel): AddressSpec[] {
    return placeVips(instanceVips(m), m.interface, m.family === 6 ? 6 : 4, this.init.vmacDev);
  }

  private routeSpecs(m: VrrpInstanceModel): RouteSpec[] {
    const out: RouteSpec[] = [];
    for (const r of m.virtualRoutes) {
      const s = routeSpec(r, m.interface);
      if (s.ok) out.push(s.spec);
      else this.init.env.log('warn', `(${m.name}) virtual route ${r.dest} ignored: ${s.detail}`);
    }
    return out;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  private async installVips(): Promise<void> {
    this.vipsInstalled = true;
    await this.init.env.addVips(this, this.vips, this.routes);
  }

  private async releaseVips(): Promise<void> {
    if (this.stopping && this.keepVipsOnStop) return;
    this.vipsInstalled = false;
    // an address owner's VIP can be the interface's own (primary) address: never take that away
    await this.init.env.removeVips(this, this.vips.filter((v) => v.address !== this.init.primaryAddress), this.routes);
  }

  /** Applies tracking statuses: FAULT sources on/off and the effective priority. */
  retrack(): TrackEffect {
    const eff = trackEffect(this.model.priority, this.tracked);
    const old = new Set(this.ownFaults);
    for (const f of eff.faults) if (!old.has(f)) this.inst.fault(f, true);
    for (const f of old) if (!eff.faults.includes(f)) this.inst.fault(f, false);
    this.ownFaults = eff.faults;
    if (eff.priority !== this.inst.state.priority) this.inst.setPriority(eff.priority);
    return eff;
  }

  setSyncFault(source: string | undefined): void {
    if (source === this.syncFault) return;
    if (this.syncFault) this.inst.fault(this.syncFault, false);
    this.syncFault = source;
    if (source) this.inst.fault(source, true);
  }

  start(): void {
    this.retrack();
    this.inst.start();
  }

  /**
   * In-place update after a reload (priority, addresses, routes, scripts, tracking): the advert's address list
   * is replaced, addresses added/removed if we are master.
   */
  async update(next: VrrpInstanceModel, primaryAddress: string): Promise<void> {
    const settings = instanceSettings(next, { primaryAddress });
    const oldVips = this.vips;
    const oldRoutes = this.routes;
    this.model = next;
    this.settings = settings;
    this.inst.opts.check = settings.check;
    this.vips = this.vipsOf(next);
    this.routes = this.routeSpecs(next);
    if (this.vipsInstalled) {
      const dv = diffVips(oldVips, this.vips);
      const dr = diffBy(oldRoutes, this.routes, routeKey);
      await this.init.env.removeVips(this, dv.remove, dr.remove);
      await this.init.env.addVips(this, dv.add, dr.add);
    }
  }

  /** Leaves the group: priority-0 advert if master and addresses removed (neither with keepVips, -V), timers stopped. */
  async stop(keepVips: boolean): Promise<void> {
    this.stopping = true;
    this.keepVipsOnStop = keepVips;
    // keepalived -V: no priority-0 advert either (vrrp_terminate_phase1 skips restore_vrrp_interfaces)
    this.inst.stop(!keepVips);
    await Promise.allSettled([...this.pending]);
    this.init.transport.close();
  }
}
