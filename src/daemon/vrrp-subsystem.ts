// The VRRP subsystem of the daemon: one InstanceRunner per vrrp_instance, addresses over rtnetlink, GARP/NA bursts, notify scripts, tracking, sync groups, reload as a diff.
import { readFile } from 'node:fs/promises';
import type { Config, VrrpInstance as VrrpInstanceModel, VrrpSyncGroup } from '../config/model';
import { AddressFamily, canonicalAddress } from '../vrrp/addr';
import { GarpReason, NotifyKind, VrrpState } from '../vrrp/fsm';
import { PRIORITY_OWNER } from '../vrrp/constants';
import { GratuitousSender, InstanceAnnouncement, LinkAnnouncer } from '../vrrp/ndisc';
import { Rtnl } from '../rtnl/socket';
import { LinkInfo, listLinks } from '../rtnl/links';
import { listAddresses } from '../rtnl/addresses';
import { LinkMonitor } from '../rtnl/monitor';
import { familyOf } from '../rtnl/ip';
import type { AddressSpec } from '../rtnl/addresses';
import type { Subsystem, SubsystemContext } from './subsystem';
import { InstanceRunner, RunnerEnv } from './vrrp/runner';
import { openTransport } from './vrrp/transport';
import { TransportPool } from './vrrp/transport-pool';
import { VmacHandle, VmacManager } from './vrrp/vmac';
import { RouteSpec, VipManager, diffBy, diffVips, routeKey, routeSpec, vipKey, vipSpec } from './vrrp/vips';
import { NotifyCommand, NotifyState, notifyCommands, runCommand } from './vrrp/notify';
import { FileTracker, ScriptTracker, TrackKind, TrackStatus } from './vrrp/tracking';
import { configureScripts } from '../util/script-runner';
import { MemberView, followers, groupOf, groupState, mayGoMaster, syncFaults, syncSource } from './vrrp/sync';
import { ReloadAction, planReload, stable } from './vrrp/reload-plan';
import { NotifyFifo, fifoLine } from './vrrp/fifo';
import { VrrpStateHooks } from './vrrp/state-hooks';

const NOTIFY_STATES: Partial<Record<NotifyKind, NotifyState>> = {
  [NotifyKind.Master]: NotifyState.Master,
  [NotifyKind.Backup]: NotifyState.Backup,
  [NotifyKind.Fault]: NotifyState.Fault,
  [NotifyKind.Stop]: NotifyState.Stop,
};

export class VrrpSubsystemError extends Error {
  constructor(
    readonly code: string,
    readonly instance: string,
    message: string,
  ) {
    super(`vrrp_instance ${instance}: ${message}`);
    this.name = 'VrrpSubsystemError';
  }
}

class VrrpSubsystem implements Subsystem, RunnerEnv {
  readonly name = 'vrrp';
  private ctx!: SubsystemContext;
  private config!: Config;
  private rt: Rtnl | undefined;
  private vipMgr: VipManager | undefined;
  private monitor: LinkMonitor | undefined;
  private sender: GratuitousSender | undefined;
  private readonly links = new Map<string, LinkInfo>();
  private readonly runners = new Map<string, InstanceRunner>();
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly files = new Map<string, FileTracker>();
  private groups: VrrpSyncGroup[] = [];
  private readonly groupStates = new Map<string, string>();
  private scriptDefaults: { user?: string; group?: string } = {};
  private metricsTimer: NodeJS.Timeout | undefined;
  private readonly reported = new Map<string, { sent: number; rcvd: number; rejected: Record<string, number> }>();
  private readonly running = new Set<Promise<unknown>>();
  private fifos: NotifyFifo[] = [];
  private pool: TransportPool | undefined;
  private vmacs: VmacManager | undefined;
  /** use_vmac interfaces by instance name */
  private readonly vmacOf = new Map<string, VmacHandle>();
  /** SMTP alerts and the lvs_sync_daemon that follow state changes */
  private hooks: VrrpStateHooks | undefined;

  async start(config: Config, ctx: SubsystemContext): Promise<void> {
    this.ctx = ctx;
    this.config = config;
    this.rt = new Rtnl();
    this.vipMgr = new VipManager(this.rt);
    this.vmacs = new VmacManager((fn) => this.vipMgr!.serial(fn), (msg, err) => ctx.log.warn({ err }, msg));
    let warnedFallback = false;
    this.pool = new TransportPool(
      (o) =>
        openTransport(o, (msg) => {
          if (!warnedFallback) ctx.log.warn(msg);
          warnedFallback = true;
        }),
      (vrid, iface) => {
        if (this.config.globalDefs.logUnknownVrids) ctx.log.info(`Unknown VRID(${vrid}) received on interface(${iface}). ignoring...`);
      },
    );
    for (const l of await this.vipMgr.serial((rt) => listLinks(rt))) this.links.set(l.name, l);
    this.monitor = new LinkMonitor();
    this.monitor.on('link', (info: LinkInfo, removed: boolean) => this.onLink(info, removed));
    this.monitor.on('error', (e: Error) => ctx.log.warn({ err: e }, 'link monitor'));
    this.monitor.start();
    const g = config.globalDefs;
    this.sender = new GratuitousSender(
      new LinkAnnouncer(),
      { garpIntervalMs: g.vrrpGarpInterval * 1000, gnaIntervalMs: g.vrrpGnaInterval * 1000 },
      (e, a) => ctx.log.warn({ err: e, address: a.address, interface: a.ifname }, 'gratuitous ARP/NA failed'),
    );
    this.scriptDefaults = await this.defaultScriptUser(config);
    configureScripts(config.globalDefs, (level, msg) => ctx.log[level](msg));
    this.groups = config.vrrpSyncGroups;
    this.hooks = new VrrpStateHooks(ctx.log);
    await this.hooks.configure(config);
    await this.openFifos(config);
    await this.applyStatic(undefined, config);
    this.syncTrackers(config);
    for (const m of config.vrrpInstances) await this.startInstance(m);
    this.applySync();
    this.metricsTimer = setInterval(() => this.pushMetrics(), 1000);
    this.metricsTimer.unref();
  }

  /** keepalived: script_user, else keepalived_script if that user exists, else root (the current user). */
  private async defaultScriptUser(c: Config): Promise<{ user?: string; group?: string }> {
    const g = c.globalDefs;
    if (g.scriptUser) return { user: g.scriptUser, ...(g.scriptGroup ? { group: g.scriptGroup } : {}) };
    const pw = await readFile('/etc/passwd', 'utf8').catch(() => '');
    return pw.split('\n').some((l) => l.startsWith('keepalived_script:')) ? { user: 'keepalived_script' } : {};
  }

  /** static_ipaddress / static_routes as keepalived's VRRP process keeps them (vrrp_daemon.c start_vrrp, clear_diff_static_*). */
  private staticOf(c: Config | undefined): { addrs: AddressSpec[]; routes: RouteSpec[] } {
    if (!c) return { addrs: [], routes: [] };
    const addrs = c.staticIpaddress.map((v) => vipSpec(v, undefined)).filter((x): x is AddressSpec => !!x);
    const routes: RouteSpec[] = [];
    for (const r of c.staticRoutes) {
      const sp = routeSpec(r, undefined);
      if (sp.ok) routes.push(sp.spec);
      else this.ctx.log.warn({ route: r.dest }, `static route ignored: ${sp.detail}`);
    }
    return { addrs, routes };
  }

  private async applyStatic(prev: Config | undefined, next: Config | undefined): Promise<void> {
    const a = this.staticOf(prev);
    const b = this.staticOf(next);
    const dv = diffVips(a.addrs, b.addrs);
    const dr = diffBy(a.routes, b.routes, routeKey);
    for (const r of dr.remove) await this.vipMgr!.route('del', r).catch(() => undefined);
    for (const e of await this.vipMgr!.removeAll(dv.remove)) this.ctx.log.warn({ err: e }, 'removing static address failed');
    for (const e of await this.vipMgr!.addAll(prev ? dv.add : b.addrs)) this.ctx.log.warn({ err: e }, 'adding static address failed');
    for (const r of prev ? dr.add : b.routes) await this.vipMgr!.route('add', r).catch((e: Error) => this.ctx.log.warn({ err: e, route: routeKey(r) }, 'adding static route failed'));
  }

  /** notify_fifo and vrrp_notify_fifo (keepalived writes every VRRP state line to both). */
  private async openFifos(c: Config): Promise<void> {
    for (const f of [c.globalDefs.notifyFifo, c.globalDefs.vrrpNotifyFifo]) {
      if (!f) continue;
      const fifo = new NotifyFifo(f, (msg, err) => this.ctx.log.warn({ err }, msg), this.scriptDefaults);
      try {
        await fifo.open();
        this.fifos.push(fifo);
      } catch (e) {
        this.ctx.log.warn({ err: e, fifo: f.name }, 'unable to open notify fifo');
      }
    }
  }

  private fifoWrite(type: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): void {
    const line = fifoLine(type, name, state, priority);
    for (const f of this.fifos) f.write(line);
  }

  // ---- instances -------------------------------------------------------------------------

  private async primaryAddress(m: VrrpInstanceModel, link: LinkInfo): Promise<string> {
    const fam = m.family === 6 ? 6 : 4;
    const explicit = m.unicastSrcIp ?? m.mcastSrcIp;
    if (explicit && familyOf(explicit) === fam) return canonicalAddress(explicit);
    const addrs = (await this.vipMgr!.serial((rt) => listAddresses(rt, link.index))).filter((a) => a.family === fam);
    // keepalived: IPv4 the interface's first address; IPv6 its link-local address (vrrp.c vrrp_complete_instance)
    const pick = fam === 4 ? addrs[0] : (addrs.find((a) => a.address.toLowerCase().startsWith('fe80:')) ?? addrs[0]);
    if (!pick) throw new VrrpSubsystemError('ENOADDR', m.name, `interface ${link.name} has no IPv${fam} address; should have one (or set unicast_src_ip)`);
    return canonicalAddress(pick.address);
  }

  private async startInstance(m: VrrpInstanceModel): Promise<void> {
    const log = this.ctx.log;
    try {
      if (!m.interface) throw new VrrpSubsystemError('ENOIFACE', m.name, 'interface is not set; should name a network interface');
      const link = this.links.get(m.interface);
      if (!link) throw new VrrpSubsystemError('ENODEV', m.name, `interface ${m.interface} does not exist`);
      const source = await this.primaryAddress(m, link);
      const unsupported = [
        m.useIpvlan && 'use_ipvlan',
        m.useVmacAddr && 'use_vmac_addr',
        m.virtualRules.length && 'virtual_rules',
        m.trackSrcIp && 'track_src_ip',
      ].filter(Boolean);
      if (unsupported.length) log.warn({ instance: m.name }, `(${m.name}) not supported, ignored: ${unsupported.join(', ')}`);
      const g = this.config.globalDefs;
      const group = InstanceRunner.groupFor(m, g.vrrpMcastGroup4, g.vrrpMcastGroup6);
      const family = m.family === 6 ? AddressFamily.Inet6 : AddressFamily.Inet;
      const vmac = m.useVmac ? await this.createVmac(m, link, source, group === undefined) : undefined;
      const xmitBase = !!vmac && (m.vmacXmitBase || group === undefined);
      // keepalived vrrp_create_sockpool: the socket is on the VMAC (vrrp->ifp) unless vmac_xmit_base. It must
      // receive there too: the parent hands a multicast frame whose source MAC is one of its private macvlans'
      // (the peer's VMAC is ours) to that macvlan only (drivers/net/macvlan.c macvlan_handle_frame).
      const on = vmac && !xmitBase ? { iface: vmac.name, ifindex: vmac.index } : { iface: link.name, ifindex: link.index };
      const transport = this.pool!.acquire({ instance: m.name, vrid: m.virtualRouterId ?? 0, family, ...on, source, ...(group ? { group } : {}), unicastTtl: m.unicastTtl });
      const r = new InstanceRunner({ model: m, primaryAddress: source, transport, env: this, ...(group ? { multicastGroup: group } : {}), ...(vmac ? { vmacDev: vmac.name } : {}) });
      this.runners.set(m.name, r);
      r.tracked = this.trackedFor(m);
      // keepalived vrrp_init_state -> vrrp_restore_interface: addresses left by an earlier run (crash, -V) go
      // before the election, so that a BACKUP does not keep them; an owner's own address stays
      if (m.priority !== PRIORITY_OWNER) {
        const stale = r.vips.filter((v) => v.address !== source);
        for (const e of await this.vipMgr!.removeAll(stale)) log.warn({ err: e, instance: m.name }, 'removing stale virtual address failed');
      }
      r.start();
      log.info({ instance: m.name, interface: link.name, source, group: group ?? 'unicast', transport: transport.kind, ...(vmac ? { vmac: vmac.name, xmitBase } : {}) }, 'VRRP instance started');
    } catch (e) {
      log.error({ err: e, instance: m.name }, 'VRRP instance not started');
      const vm = this.vmacOf.get(m.name);
      if (vm && !this.runners.has(m.name)) {
        this.vmacOf.delete(m.name);
        await this.vmacs!.remove(vm).catch(() => undefined);
      }
    }
  }

  private async stopInstance(r: InstanceRunner, keepVips: boolean): Promise<void> {
    this.runners.delete(r.name);
    await r.stop(keepVips);
    this.reported.delete(r.name);
    // keepalived shutdown_vrrp_instances -> netlink_link_del_vmac (skipped with -V)
    const vm = this.vmacOf.get(r.name);
    this.vmacOf.delete(r.name);
    if (vm && !keepVips) await this.vmacs!.remove(vm).catch((e: Error) => this.ctx.log.warn({ err: e, instance: r.name }, `(${r.name}) Error removing VMAC interface ${vm.name}`));
  }

  /** use_vmac: the macvlan is created (or adopted) before the instance starts; its link joins this.links for GARP/NA. */
  private async createVmac(m: VrrpInstanceModel, link: LinkInfo, source: string, unicast: boolean): Promise<VmacHandle> {
    if (unicast && !m.vmacXmitBase) this.ctx.log.warn({ instance: m.name }, `(${m.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
    const family = m.family === 6 ? AddressFamily.Inet6 : AddressFamily.Inet;
    const fam = m.family === 6 ? 6 : 4;
    const taken = new Set([...this.vmacOf].filter(([n]) => n !== m.name).map(([, h]) => h.name));
    const otherFamily = [...m.virtualIpaddress, ...m.virtualIpaddressExcluded].some((v) => (v.family === 6 ? 6 : 4) !== fam && (v.dev ?? m.interface) === m.interface);
    const xmitBase = m.vmacXmitBase || unicast;
    const h = await this.vmacs!.ensure(
      { instance: m.name, vrid: m.virtualRouterId ?? 0, family, parent: link, ...(m.useVmac?.name ? { name: m.useVmac.name } : {}), taken },
      { ...(family === AddressFamily.Inet6 && !xmitBase ? { linkLocal: source } : {}), otherFamily },
    );
    this.vmacOf.set(m.name, h);
    for (const l of await this.vipMgr!.serial((rt) => listLinks(rt))) this.links.set(l.name, l);
    this.ctx.log.info({ instance: m.name, vmac: h.name, mac: h.mac, parent: h.parent }, `(${m.name}) VMAC interface ${h.name} ready`);
    return h;
  }

  // ---- tracking ---------------------------------------------------------------------------

  private syncTrackers(c: Config): void {
    const want = new Map(c.vrrpScripts.map((s) => [s.name, s]));
    for (const [name, t] of this.scripts) {
      const w = want.get(name);
      if (!w || stable(w) !== stable(t.script)) {
        t.stop();
        this.scripts.delete(name);
      }
    }
    for (const s of c.vrrpScripts) {
      if (this.scripts.has(s.name) || !s.script) continue;
      const t = new ScriptTracker(s, this.scriptDefaults, (e) => this.ctx.log.warn({ err: e, script: s.name }, 'vrrp_script failed to run'));
      t.on('change', (good: boolean) => {
        this.ctx.log.info({ script: s.name }, `VRRP_Script(${s.name}) ${good ? 'succeeded' : 'failed'}`);
        this.refreshTracking();
      });
      this.scripts.set(s.name, t);
      t.start();
    }
    const wantF = new Map(c.trackFiles.map((f) => [f.name, f]));
    for (const [name, t] of this.files) {
      const w = wantF.get(name);
      if (!w || stable(w) !== stable(t.file)) {
        t.stop();
        this.files.delete(name);
      }
    }
    for (const f of c.trackFiles) {
      if (this.files.has(f.name)) continue;
      const t = new FileTracker(f);
      t.on('change', () => this.refreshTracking());
      this.files.set(f.name, t);
      void t.start().catch((e: Error) => this.ctx.log.warn({ err: e, file: f.name }, 'track_file'));
    }
  }

  private linkUp(name: string): boolean {
    const l = this.links.get(name);
    return !!l && l.up && l.running;
  }

  /** Tracked objects of an instance: its own interface (unless dont_track_primary), track_*, and its sync group's track_*. */
  trackedFor(m: VrrpInstanceModel): TrackStatus[] {
    const out: TrackStatus[] = [];
    if (m.interface && !m.dontTrackPrimary) out.push({ kind: TrackKind.Interface, name: m.interface, weight: 0, up: this.linkUp(m.interface) });
    const grp = this.groups.find((g) => g.group.includes(m.name));
    const ifs = [...m.trackInterface, ...(grp?.trackInterface ?? [])];
    for (const ti of ifs) out.push({ kind: TrackKind.Interface, name: ti.name, weight: ti.noWeight ? 0 : (ti.weight ?? 0), ...(ti.reverse ? { reverse: true } : {}), up: this.linkUp(ti.name) });
    for (const ts of [...m.trackScript, ...(grp?.trackScript ?? [])]) {
      const def = this.config.vrrpScripts.find((s) => s.name === ts.name);
      const tracker = this.scripts.get(ts.name);
      // a refused script is removed from its instances (keepalived vrrp.c check_vrrp_script_security)
      if (tracker?.disabled) continue;
      const weight = ts.noWeight ? 0 : (ts.weight ?? def?.weight ?? 0);
      const reverse = ts.reverse ?? def?.weightReverse ?? false;
      out.push({ kind: TrackKind.Script, name: ts.name, weight, ...(reverse ? { reverse: true } : {}), up: tracker ? tracker.good : !def?.initFail });
    }
    for (const tf of [...m.trackFile, ...(grp?.trackFile ?? [])]) {
      const def = this.config.trackFiles.find((f) => f.name === tf.name);
      const weight = tf.noWeight ? 0 : (tf.weight ?? def?.weight ?? 0);
      const reverse = tf.reverse ?? def?.weightReverse ?? false;
      out.push({ kind: TrackKind.File, name: tf.name, weight, ...(reverse ? { reverse: true } : {}), up: true, value: this.files.get(tf.name)?.value ?? 0 });
    }
    return out;
  }

  private refreshTracking(): void {
    for (const r of this.runners.values()) {
      r.tracked = this.trackedFor(r.model);
      r.retrack();
    }
    this.applySync();
  }

  private applySync(): void {
    const byName = (n: string): InstanceRunner | undefined => this.runners.get(n);
    const held = syncFaults(this.groups, (n) => (byName(n)?.ownFaults.length ?? 0) > 0);
    const member = groupOf(this.groups);
    for (const r of this.runners.values()) {
      const g = member.get(r.name);
      r.setSyncFault(g && held.get(r.name) ? syncSource(g) : undefined);
    }
  }

  private onLink(info: LinkInfo, removed: boolean): void {
    const before = this.links.get(info.name);
    if (removed) this.links.delete(info.name);
    else this.links.set(info.name, { ...before, ...info, mac: info.mac ?? before?.mac });
    this.refreshTracking();
  }

  // ---- RunnerEnv --------------------------------------------------------------------------

  async addVips(r: InstanceRunner, specs: readonly AddressSpec[], routes: readonly RouteSpec[]): Promise<void> {
    for (const e of await this.vipMgr!.addAll(specs)) this.ctx.log.warn({ err: e, instance: r.name }, 'adding virtual address failed');
    for (const rt of routes) await this.vipMgr!.route('add', rt).catch((e: Error) => this.ctx.log.warn({ err: e, instance: r.name, route: routeKey(rt) }, 'adding virtual route failed'));
    if (specs.length) this.ctx.log.info({ instance: r.name, vips: specs.map(vipKey) }, `(${r.name}) setting VIPs`);
  }

  async removeVips(r: InstanceRunner, specs: readonly AddressSpec[], routes: readonly RouteSpec[]): Promise<void> {
    this.sender?.cancel(r.name);
    for (const rt of routes) await this.vipMgr!.route('del', rt).catch(() => undefined);
    for (const e of await this.vipMgr!.removeAll(specs)) this.ctx.log.warn({ err: e, instance: r.name }, 'removing virtual address failed');
    if (specs.length) this.ctx.log.info({ instance: r.name, vips: specs.map(vipKey) }, `(${r.name}) removing VIPs`);
  }

  gratuitous(r: InstanceRunner, repeat: number, reason: GarpReason): void {
    if (!this.sender || !r.vipsInstalled) return;
    const order = [...this.runners.keys()].indexOf(r.name) * 1000;
    const anns: InstanceAnnouncement[] = [];
    r.vips.forEach((v, i) => {
      const l = this.links.get(v.dev);
      if (!l || !l.mac) return;
      const vm = this.vmacOf.get(r.name);
      // a VIP on the VMAC: its frames carry the VMAC; the NA router flag and the pacing follow the parent (IF_BASE_IFP)
      const base = vm && vm.name === v.dev ? { baseIfname: vm.parent, intervalIfname: vm.parent } : {};
      anns.push({ ifindex: l.index, ifname: l.name, mac: l.mac, address: v.address, order: order + i, ...base });
    });
    if (anns.length) this.sender.burst(r.name, anns, repeat);
    this.ctx.log.debug({ instance: r.name, reason, repeat }, 'gratuitous ARP/NA burst');
  }

  notify(r: InstanceRunner, kind: NotifyKind, priority: number): void {
    let st = NOTIFY_STATES[kind];
    // keepalived send_instance_notifies: a deleted instance reports DELETED only with notify_deleted, else FAULT
    if (st === NotifyState.Stop && r.deleted) st = r.model.notifyDeleted ? NotifyState.Deleted : NotifyState.Fault;
    if (st) {
      const from = r.lastState;
      r.lastState = kind === NotifyKind.Stop ? 'STOP' : kind;
      this.ctx.metrics.vrrpTransition(r.name, from, r.lastState);
      this.ctx.log.info({ instance: r.name, from, to: r.lastState }, `(${r.name}) Entering ${r.lastState} STATE`);
      this.fifoWrite('INSTANCE', r.name, st, priority);
      this.runAll(notifyCommands(r.model, 'INSTANCE', r.name, st, priority, this.scriptDefaults), r.name);
      this.hooks?.instanceState(r.name, st);
      this.groupNotify(r.name);
      if (kind === NotifyKind.Fault || kind === NotifyKind.Backup || kind === NotifyKind.Master) {
        queueMicrotask(() => {
          this.applySync();
          this.follow(r, from, r.lastState);
        });
      }
    } else if (kind === NotifyKind.PriorityChange) {
      // vrrp_notify.c: MASTER_PRIORITY / BACKUP_PRIORITY (notify_priority_changes)
      const s = r.inst.state.state;
      if (s === VrrpState.Master || s === VrrpState.Backup) this.fifoWrite('INSTANCE', r.name, `${s}_PRIORITY`, priority);
    } else if (kind === NotifyKind.MasterRxLowerPri) {
      this.fifoWrite('INSTANCE', r.name, 'MASTER_RX_LOWER_PRI', priority);
      if (r.model.notifyMasterRxLowerPri) this.runAll(notifyCommands({ notifyMaster: r.model.notifyMasterRxLowerPri }, 'INSTANCE', r.name, NotifyState.Master, priority, this.scriptDefaults).slice(0, 1), r.name);
    }
  }

  private members(r: InstanceRunner): MemberView[] | undefined {
    const g = this.groups.find((x) => x.group.includes(r.name));
    if (!g) return undefined;
    return g.group
      .map((n) => this.runners.get(n))
      .filter((x): x is InstanceRunner => !!x)
      .map((x) => ({ name: x.name, state: x.inst.state.state, wantMaster: x.inst.wantMaster }));
  }

  mayBecomeMaster(r: InstanceRunner): boolean {
    const m = this.members(r);
    return !m || mayGoMaster(r.name, m);
  }

  /** keepalived vrrp_sync_master / vrrp_sync_backup: the other members follow a MASTER or MASTER->BACKUP transition. */
  private follow(r: InstanceRunner, from: string, to: string): void {
    const m = this.members(r);
    if (!m || this.runners.get(r.name) !== r) return;
    const f = followers(r.name, from, to, m);
    if (!f || !f.names.length) return;
    const g = this.groups.find((x) => x.group.includes(r.name))!;
    this.ctx.log.info({ group: g.name }, `VRRP_Group(${g.name}) Syncing instances to ${f.target} state`);
    for (const n of f.names) this.runners.get(n)?.inst.syncTo(f.target === 'MASTER' ? VrrpState.Master : VrrpState.Backup);
  }

  /** Group notifies fire when every member of the group is in the same state (keepalived vrrp_sync.c). */
  private groupNotify(instance: string): void {
    for (const g of this.groups) {
      if (!g.group.includes(instance)) continue;
      const states = g.group.map((n) => this.runners.get(n)?.lastState ?? VrrpState.Initialize);
      const s = groupState(states);
      if (!s || this.groupStates.get(g.name) === s) continue;
      this.groupStates.set(g.name, s);
      const ns = s as NotifyState;
      if (!Object.values(NotifyState).includes(ns)) continue;
      this.fifoWrite('GROUP', g.name, ns, 0);
      this.runAll(notifyCommands(g, 'GROUP', g.name, ns, 0, this.scriptDefaults), g.name);
      this.hooks?.groupState(g, ns);
    }
  }

  private runAll(cmds: NotifyCommand[], object: string): void {
    for (const c of cmds) {
      const p = runCommand(c, c.waitMs).catch((e: Error) => this.ctx.log.warn({ err: e, object, script: c.file }, 'notify script failed'));
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }
  }

  log(level: 'info' | 'warn', msg: string): void {
    if (level === 'warn') this.ctx.log.warn(msg);
    else this.ctx.log.info(msg);
  }

  // ---- life cycle ----------------------------------------------------------------------

  async reload(prev: Config, next: Config, ctx: SubsystemContext): Promise<void> {
    this.ctx = ctx;
    this.config = next;
    this.groups = next.vrrpSyncGroups;
    configureScripts(next.globalDefs, (level, msg) => ctx.log[level](msg));
    await this.hooks?.configure(next, (n) => this.runners.get(n)?.lastState);
    await this.applyStatic(prev, next);
    this.syncTrackers(next);
    for (const step of planReload(prev.vrrpInstances, next.vrrpInstances)) {
      const m = next.vrrpInstances.find((i) => i.name === step.name);
      const r = this.runners.get(step.name);
      switch (step.action) {
        case ReloadAction.Keep:
          if (r && m) r.model = m;
          else if (m) await this.startInstance(m);
          break;
        case ReloadAction.Update:
          if (r && m) {
            await r.update(m, r.init.primaryAddress);
            ctx.log.info({ instance: m.name, changed: step.changed }, 'VRRP instance updated in place');
          } else if (m) await this.startInstance(m);
          break;
        case ReloadAction.Recreate:
          if (r) await this.stopInstance(r, false);
          if (m) await this.startInstance(m);
          ctx.log.info({ instance: step.name, changed: step.changed }, 'VRRP instance recreated');
          break;
        case ReloadAction.Remove:
          if (r) {
            r.deleted = true;
            await this.stopInstance(r, false);
          }
          ctx.log.info({ instance: step.name }, 'VRRP instance removed');
          break;
        case ReloadAction.Add:
          if (m) await this.startInstance(m);
          break;
      }
    }
    this.refreshTracking();
  }

  async stop(ctx: SubsystemContext): Promise<void> {
    this.ctx = ctx;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    for (const t of this.scripts.values()) t.stop();
    for (const t of this.files.values()) t.stop();
    await Promise.all([...this.runners.values()].map((r) => this.stopInstance(r, ctx.args.dontReleaseVrrp)));
    // notify_stop scripts: keepalived waits up to 1 s for them (and as long for the "Stopping" mails)
    await Promise.all([
      Promise.race([Promise.allSettled([...this.running]), new Promise((res) => setTimeout(res, 1000).unref())]),
      this.hooks?.stop(1000),
    ]);
    this.pushMetrics();
    // keepalived vrrp_terminate_phase1 clears static_ipaddress/static_routes even with -V (checked against 2.2.7)
    await this.applyStatic(this.config, undefined);
    for (const f of this.fifos) await f.close();
    this.fifos = [];
    this.sender?.close();
    this.pool?.close();
    await this.vmacs?.restoreLocalIgmp();
    this.monitor?.stop();
    this.rt?.close();
  }

  private pushMetrics(): void {
    const m = this.ctx.metrics;
    for (const r of this.runners.values()) {
      const c = r.inst.counters;
      const last = this.reported.get(r.name) ?? { sent: 0, rcvd: 0, rejected: {} };
      const now = { sent: c.advertSent, rcvd: c.advertRcvd, rejected: { ...c.rejected } as Record<string, number> };
      if (now.sent > last.sent) m.vrrpAdvertsSent.inc({ instance: r.name }, now.sent - last.sent);
      if (now.rcvd > last.rcvd) m.vrrpAdvertsReceived.inc({ instance: r.name }, now.rcvd - last.rcvd);
      for (const [reason, n] of Object.entries(now.rejected)) {
        const d = n - (last.rejected[reason] ?? 0);
        if (d > 0) m.vrrpAdvertsRejected.inc({ instance: r.name, reason }, d);
      }
      this.reported.set(r.name, now);
    }
  }

  state(): unknown {
    return {
      instances: [...this.runners.values()].map((r) => {
        const s = r.inst.state;
        return {
          name: r.name,
          state: s.state,
          interface: r.model.interface,
          family: r.family === AddressFamily.Inet6 ? 'inet6' : 'inet',
          vmac: this.vmacOf.get(r.name)?.name ?? null,
          version: r.settings.check.version,
          vrid: r.settings.check.vrid,
          priority: r.model.priority,
          effectivePriority: s.priority,
          masterAddress: s.state === VrrpState.Master ? r.init.primaryAddress : (s.masterAddress ?? null),
          masterPriority: s.masterPriority ?? null,
          sourceAddress: r.init.primaryAddress,
          vips: r.vips.map(vipKey),
          vipsInstalled: r.vipsInstalled,
          faults: s.faults,
          tracked: r.tracked,
          counters: r.inst.counters.keepalivedView(),
        };
      }),
      sockets: this.pool?.stats() ?? { sockets: 0, members: [] },
      alerts: this.hooks?.state() ?? null,
      syncGroups: this.groups.map((g) => ({ name: g.name, members: g.group, state: this.groupStates.get(g.name) ?? null })),
    };
  }

  stats(): unknown {
    return Object.fromEntries([...this.runners.values()].map((r) => [r.name, r.inst.counters.snapshot()]));
  }
}

export function createVrrpSubsystem(): Subsystem {
  return new VrrpSubsystem();
}
