// One running VRRP instance: drives the pure FSM with real timers, a VrrpSocket, the codec, validation and counters.

import { performance } from 'node:perf_hooks';
import { AddressFamily, canonicalAddress } from './addr';
import { authDataFor } from './auth';
import { V3Ipv4ChecksumMode } from './checksum';
import { AuthType, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, VrrpVersion } from './constants';
import { VrrpCounters } from './counters';
import { EventType, FsmAction, FsmConfig, FsmEvent, FsmState, GarpReason, NotifyKind, TIMER_SLACK_MS, TimerName, VrrpState, advertEvent, initialState, step } from './fsm';
import { VrrpPacket, formatVrrp } from './packet';
import { ReceivedAdvert } from './socket';
import { InstanceCheckConfig, acceptAdvert } from './validate';

/** What the instance needs of a socket (VrrpSocket, or a fake in tests). */
export interface AdvertTransport {
  send(msg: Buffer, dst?: string): Promise<number>;
  on(event: 'advert', listener: (a: ReceivedAdvert) => void): unknown;
  off(event: 'advert', listener: (a: ReceivedAdvert) => void): unknown;
}

export interface InstanceHooks {
  addVips?(acceptMode: boolean): void | Promise<void>;
  removeVips?(): void | Promise<void>;
  gratuitous?(repeat: number, reason: GarpReason): void | Promise<void>;
  notify?(kind: NotifyKind, priority: number): void;
  log?(level: 'info' | 'warn', message: string): void;
  /**
   * vrrp_sync_group gate (keepalived vrrp_sync_can_goto_master): asked when Master_Down_Timer fires in BACKUP;
   * false keeps the instance BACKUP for another Master_Down_Interval with `wantMaster` set.
   */
  mayBecomeMaster?(): boolean;
}

export interface InstanceOptions {
  name: string;
  fsm: FsmConfig;
  check: InstanceCheckConfig;
  transport: AdvertTransport;
  /** IP source of our adverts as the kernel will pick it (for the IPv4 pseudo-header). */
  sourceAddress: string;
  /** Unicast peers; empty/undefined = multicast. */
  unicastPeers?: string[];
  /** keepalived vrrp_mcast_group4/6 or mcast_dst_ip; default 224.0.0.18 / ff02::12 (also the v3 pseudo-header destination) */
  multicastGroup?: string;
  v3Ipv4Checksum?: V3Ipv4ChecksumMode;
  /** keepalived default (CHKSUM_COMPATIBILITY_NONE): accept, and switch to, old unicast checksums. */
  autoOldUnicastChecksum?: boolean;
  /** keepalived skip_check_adv_addr */
  skipCheckAdvAddr?: boolean;
  hooks?: InstanceHooks;
  /** monotonic milliseconds; default performance.now */
  clock?: () => number;
  /** timer primitives; default setTimeout/clearTimeout (tests inject a virtual clock) */
  timers?: TimerPrimitives;
}

export interface TimerPrimitives {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: TimerPrimitives = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class VrrpInstance {
  readonly counters = new VrrpCounters();
  private s: FsmState;
  private readonly timers = new Map<TimerName, unknown>();
  private readonly clock: () => number;
  private readonly prim: TimerPrimitives;
  private txMode: V3Ipv4ChecksumMode | undefined;
  private readonly onAdvert = (a: ReceivedAdvert): void => this.receive(a);
  /** keepalived wantstate MASTER: the down timer fired but the sync group held the instance in BACKUP */
  wantMaster = false;

  constructor(readonly opts: InstanceOptions) {
    this.s = initialState(opts.fsm);
    this.clock = opts.clock ?? (() => performance.now());
    this.prim = opts.timers ?? realTimers;
    this.txMode = opts.v3Ipv4Checksum;
  }

  get state(): FsmState {
    return this.s;
  }

  start(): void {
    this.opts.transport.on('advert', this.onAdvert);
    this.dispatch({ type: EventType.Startup });
  }

  /**
   * Leaves the VRRP group (priority 0 advert if master) and releases timers and the listener. `release`
   * false is keepalived -V: no priority-0 advert and the addresses stay.
   */
  stop(release = true): void {
    this.dispatch({ type: EventType.Shutdown, ...(release ? {} : { release: false }) });
    this.opts.transport.off('advert', this.onAdvert);
    for (const t of this.timers.values()) this.prim.clear(t);
    this.timers.clear();
  }

  fault(source: string, faulty: boolean): void {
    this.dispatch({ type: faulty ? EventType.FaultOn : EventType.FaultOff, source });
  }

  setPriority(priority: number): void {
    this.dispatch({ type: EventType.PriorityChange, priority });
  }

  /** vrrp_sync_group: follow another member to MASTER (from BACKUP) or to BACKUP (from MASTER). */
  syncTo(target: VrrpState.Master | VrrpState.Backup): void {
    this.dispatch({ type: target === VrrpState.Master ? EventType.SyncMaster : EventType.SyncBackup });
  }

  private receive(a: ReceivedAdvert): void {
    const st = this.s;
    if (st.state !== VrrpState.Backup && st.state !== VrrpState.Master) return; // keepalived ignores them in INIT/FAULT
    // Demultiplex by VRID first, as keepalived does (vrrp_scheduler.c rb_find on hd->vrid): several instances
    // share one interface socket, and an advert for another VRID is not an error of this instance.
    if (a.msg.length >= 2 && a.msg[1] !== this.opts.check.vrid) return;
    const accept = this.opts.autoOldUnicastChecksum && this.opts.unicastPeers?.length ? [V3Ipv4ChecksumMode.OldUnicast] : [];
    const codec = {
      ...(this.txMode ? { v3Ipv4Checksum: this.txMode } : {}),
      acceptV3Ipv4Checksums: accept,
    };
    // keepalived skip_check_adv_addr: no address check for adverts from the master we already know
    const checkAddresses = !(this.opts.skipCheckAdvAddr && st.masterAddress !== undefined && st.masterAddress === safeCanonical(a.rx.src));
    const r = acceptAdvert(a.msg, a.rx, this.opts.check, this.counters, codec, { checkAddresses });
    if (!r.ok) {
      this.log('info', `(${this.opts.name}) ${r.detail} - discarding packet from ${a.rx.src}`);
      return;
    }
    if (r.checksumMode === V3Ipv4ChecksumMode.OldUnicast && this.txMode !== V3Ipv4ChecksumMode.OldUnicast) {
      // keepalived vrrp_check_packet (CHKSUM_COMPATIBILITY_AUTO): "Setting unicast VRRPv3 checksum to old version"
      this.log('info', `(${this.opts.name}) Setting unicast VRRPv3 checksum to old version`);
      this.txMode = V3Ipv4ChecksumMode.OldUnicast;
    }
    const down = this.s.timers[TimerName.MasterDown];
    this.dispatch(advertEvent(r.packet, r.src));
    // an advert that reset the down timer (from a master we accept) ends the wish; ignored lower-priority ones do not
    if (this.s.timers[TimerName.MasterDown] !== down) this.wantMaster = false;
  }

  private dispatch(ev: FsmEvent): void {
    const before = this.s.state;
    if (ev.type === EventType.Timer && ev.timer === TimerName.MasterDown && before === VrrpState.Backup && this.opts.hooks?.mayBecomeMaster) {
      const due = this.s.timers[TimerName.MasterDown];
      if (due !== undefined && due <= this.clock() + TIMER_SLACK_MS && !this.opts.hooks.mayBecomeMaster()) {
        this.wantMaster = true;
        this.log('info', `(${this.opts.name}) sync group not ready for MASTER; staying BACKUP`);
        ev = { type: EventType.SyncWait };
      }
    }
    const res = step(this.s, ev, this.clock());
    if (res.state.state !== VrrpState.Backup) this.wantMaster = false;
    this.s = res.state;
    if (before !== VrrpState.Master && res.state.state === VrrpState.Master) this.counters.becomeMaster++;
    if (before === VrrpState.Master && res.state.state !== VrrpState.Master) this.counters.releaseMaster++;
    for (const a of res.actions) this.perform(a);
  }

  private perform(a: FsmAction): void {
    const h = this.opts.hooks ?? {};
    switch (a.type) {
      case 'sendAdvert':
        this.sendAdvert(a.priority);
        return;
      case 'startTimer': {
        const old = this.timers.get(a.timer);
        if (old !== undefined) this.prim.clear(old);
        this.arm(a.timer, a.deadline);
        return;
      }
      case 'stopTimer': {
        const old = this.timers.get(a.timer);
        if (old !== undefined) this.prim.clear(old);
        this.timers.delete(a.timer);
        return;
      }
      case 'addVips':
        void Promise.resolve(h.addVips?.(a.acceptMode)).catch((e: Error) => this.log('warn', `(${this.opts.name}) adding VIPs failed: ${e.message}`));
        return;
      case 'removeVips':
        void Promise.resolve(h.removeVips?.()).catch((e: Error) => this.log('warn', `(${this.opts.name}) removing VIPs failed: ${e.message}`));
        return;
      case 'sendGratuitous':
        void Promise.resolve(h.gratuitous?.(a.repeat, a.reason)).catch((e: Error) => this.log('warn', `(${this.opts.name}) gratuitous ARP/NA failed: ${e.message}`));
        return;
      case 'notify':
        h.notify?.(a.kind, a.priority);
        return;
      case 'log':
        this.log(a.level, `(${this.opts.name}) ${a.message}`);
        return;
    }
  }

  private arm(timer: TimerName, deadline: number): void {
    const t = this.prim.set(() => {
      this.timers.delete(timer);
      this.dispatch({ type: EventType.Timer, timer });
      // a host timer that fired early is ignored by the FSM (stale check): wait for the rest
      const still = this.s.timers[timer];
      if (still !== undefined && !this.timers.has(timer)) this.arm(timer, still);
    }, Math.max(1, Math.ceil(deadline - this.clock())));
    this.timers.set(timer, t);
  }

  /** The advert we send, with the given priority (keepalived vrrp_build_vrrp_v2/v3). */
  advert(priority: number): VrrpPacket {
    const c = this.opts.check;
    const addresses = c.addresses.map(canonicalAddress);
    if (c.version === VrrpVersion.V2) {
      const authType = c.authType ?? AuthType.None;
      return {
        version: VrrpVersion.V2,
        vrid: c.vrid,
        priority,
        addresses,
        authType,
        advertIntervalSec: Math.floor(c.advertIntervalMs / 1000),
        authData: c.family === AddressFamily.Inet ? authDataFor(authType, c.authPass) : Buffer.alloc(0),
      };
    }
    return { version: VrrpVersion.V3, vrid: c.vrid, priority, addresses, maxAdvertIntervalCs: Math.floor(c.advertIntervalMs / 10) & 0x0fff };
  }

  private sendAdvert(priority: number): void {
    const fam = this.opts.check.family;
    const pkt = this.advert(priority);
    const peers = this.opts.unicastPeers?.length ? this.opts.unicastPeers : [this.opts.multicastGroup ?? (fam === AddressFamily.Inet ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6)];
    for (const dst of peers) {
      const msg = formatVrrp(pkt, { family: fam, src: this.opts.sourceAddress, dst, ...(this.txMode ? { v3Ipv4Checksum: this.txMode } : {}) });
      this.counters.advertSent++;
      if (priority === 0) this.counters.priZeroSent++;
      this.opts.transport.send(msg, dst).catch((e: Error) => this.log('warn', `(${this.opts.name}) send advert error: ${e.message}`));
    }
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.opts.hooks?.log?.(level, message);
  }
}

function safeCanonical(a: string): string | undefined {
  try {
    return canonicalAddress(a);
  } catch {
    return undefined;
  }
}
