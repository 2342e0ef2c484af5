// Pure VRRP state machine (RFC 5798 6.4, RFC 3768 6.4) with keepalived 2.2.7's Fault state and extensions: step(state, event, now) -> { state, actions }.

import { compareAddresses, canonicalAddress } from './addr';
import { DOWN_TIMER_ADVERTS, PRIORITY_OWNER, PRIORITY_STOP, VrrpVersion } from './constants';
import { VrrpPacket } from './packet';
import { masterDownIntervalMs, msToCs, skewTimeMs } from './timers';

export enum VrrpState {
  Initialize = 'INIT',
  Backup = 'BACKUP',
  Master = 'MASTER',
  /** keepalived's own state: a tracked interface/script/BFD is down (vrrp_track.c down_instance). */
  Fault = 'FAULT',
}

export enum TimerName {
  /** Master_Down_Timer (Backup) */
  MasterDown = 'masterDown',
  /** Adver_Timer (Master) */
  Advert = 'advert',
  /** keepalived preempt_delay: lower-priority adverts are still honoured until it expires */
  PreemptDelay = 'preemptDelay',
  /** keepalived garp_master_delay: second burst of gratuitous ARP/NA after becoming master */
  GarpMasterDelay = 'garpMasterDelay',
  /** keepalived garp_master_refresh: periodic gratuitous ARP/NA while master */
  GarpMasterRefresh = 'garpMasterRefresh',
  /** keepalived garp_lower_prio_delay: burst after a lower-priority advert was seen while master */
  GarpLowerPrio = 'garpLowerPrio',
}

export enum NotifyKind {
  Master = 'MASTER',
  Backup = 'BACKUP',
  Fault = 'FAULT',
  Stop = 'STOP',
  /** keepalived notify_master_rx_lower_pri */
  MasterRxLowerPri = 'MASTER_RX_LOWER_PRI',
  /** keepalived notify_priority_changes */
  PriorityChange = 'PRIORITY',
}

export enum GarpReason {
  BecomeMaster = 'become-master',
  MasterDelay = 'master-delay',
  MasterRefresh = 'master-refresh',
  LowerPrio = 'lower-prio',
  LowerPrioDelay = 'lower-prio-delay',
}

export enum EventType {
  Startup = 'startup',
  Shutdown = 'shutdown',
  Advert = 'advert',
  Timer = 'timer',
  FaultOn = 'fault-on',
  FaultOff = 'fault-off',
  PriorityChange = 'priority-change',
  /** vrrp_sync_group: another member became master; a BACKUP member follows (keepalived vrrp_sync_master) */
  SyncMaster = 'sync-master',
  /** vrrp_sync_group: another member left MASTER for BACKUP; a MASTER member follows (keepalived vrrp_sync_backup) */
  SyncBackup = 'sync-backup',
  /** vrrp_sync_group: Master_Down_Timer fired but the group is not ready; wait another interval (vrrp_sync_can_goto_master) */
  SyncWait = 'sync-wait',
}

export type FsmEvent =
  | { type: EventType.Startup }
  /** release false: keepalived -V (--dont-release-vrrp): no priority-0 advert, addresses kept (vrrp_daemon.c vrrp_terminate_phase1 skips restore_vrrp_interfaces) */
  | { type: EventType.Shutdown; release?: boolean }
  /** A received advert that passed validate.ts. `maxAdvertIntervalCs` is the v3 field (ignored for v2). */
  | { type: EventType.Advert; priority: number; source: string; maxAdvertIntervalCs?: number }
  | { type: EventType.Timer; timer: TimerName }
  /** `source` names the tracked interface / script / BFD; faults from distinct sources stack. */
  | { type: EventType.FaultOn; source: string }
  | { type: EventType.FaultOff; source: string }
  /** New effective priority from tracking weights (keepalived vrrp_set_effective_priority clamps to 1..254). */
  | { type: EventType.PriorityChange; priority: number }
  | { type: EventType.SyncMaster }
  | { type: EventType.SyncBackup }
  | { type: EventType.SyncWait };

export type FsmAction =
  | { type: 'sendAdvert'; priority: number }
  | { type: 'startTimer'; timer: TimerName; deadline: number }
  | { type: 'stopTimer'; timer: TimerName }
  | { type: 'addVips'; acceptMode: boolean }
  | { type: 'removeVips' }
  /** `repeat` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) per virtual address. */
  | { type: 'sendGratuitous'; repeat: number; reason: GarpReason }
  | { type: 'notify'; kind: NotifyKind; priority: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export interface FsmConfig {
  version: VrrpVersion;
  /** Configured priority 1..255; 255 = address owner (RFC 5798 5.2.4). */
  priority: number;
  /** Advertisement_Interval in milliseconds (keepalived advert_int). */
  advertIntervalMs: number;
  /** false = keepalived `nopreempt` (RFC 5798 Preempt_Mode False). */
  preempt: boolean;
  /** keepalived preempt_delay in ms; 0 = none. */
  preemptDelayMs: number;
  /** RFC 5798 Accept_Mode; passed with addVips (the driver installs or omits the no-accept filter). */
  acceptMode: boolean;
  /** Primary IPvX address (the advert source), for the RFC 5798 6.4.3 tie-break. */
  primaryAddress: string;
  /** keepalived down_timer_adverts (RFC: 3). */
  downTimerAdverts: number;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  /** 0 = no refresh */
  garpMasterRefreshMs: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelayMs: number;
  garpLowerPrioRepeat: number;
  /** keepalived lower_prio_no_advert */
  lowerPrioNoAdvert: boolean;
  /** keepalived higher_prio_send_advert */
  higherPrioSendAdvert: boolean;
  /** keepalived notify_priority_changes */
  notifyPriorityChanges: boolean;
}

/** keepalived 2.2.7 defaults (core/global_data.c, vrrp.c vrrp_complete_instance), non-strict mode. */
export function fsmConfig(c: Pick<FsmConfig, 'version' | 'priority' | 'primaryAddress'> & Partial<FsmConfig>): FsmConfig {
  const garpMasterDelayMs = c.garpMasterDelayMs ?? 5000;
  const garpMasterRepeat = c.garpMasterRepeat ?? 5;
  return {
    advertIntervalMs: 1000,
    preempt: true,
    preemptDelayMs: 0,
    acceptMode: true, // keepalived default unless strict (vrrp.c: accept = owner ? true : !strict_mode)
    downTimerAdverts: DOWN_TIMER_ADVERTS,
    garpMasterRefreshMs: 0,
    garpMasterRefreshRepeat: 1,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    notifyPriorityChanges: false,
    ...c,
    garpMasterDelayMs,
    garpMasterRepeat,
    // vrrp.c: unset lower-prio values default to the master ones
    garpLowerPrioDelayMs: c.garpLowerPrioDelayMs ?? garpMasterDelayMs,
    garpLowerPrioRepeat: c.garpLowerPrioRepeat ?? garpMasterRepeat,
  };
}

export interface FsmState {
  readonly state: VrrpState;
  readonly config: FsmConfig;
  /** Priority we advertise (keepalived effective_priority). */
  readonly priority: number;
  /** RFC 5798 Master_Adver_Interval, centiseconds (v2: Advertisement_Interval). */
  readonly masterAdverIntervalCs: number;
  /** Running timers: absolute deadlines in ms. */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
  /** keepalived preempt_time: set by the first lower-priority advert, kept after it passes. */
  readonly preemptDeadline?: number;
  readonly masterAddress?: string;
  readonly masterPriority?: number;
  /** Sources currently at fault. */
  readonly faults: readonly string[];
  readonly vipsSet: boolean;
}

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}

/** A timer event fired up to this much early is still honoured (driver clock rounding). */
export const TIMER_SLACK_MS = 1;

export function initialState(config: FsmConfig): FsmState {
  return {
    state: VrrpState.Initialize,
    config,
    priority: config.priority,
    masterAdverIntervalCs: configuredIntervalCs(config),
    timers: {},
    faults: [],
    vipsSet: false,
  };
}

/** Advertisement_Interval in centiseconds (v2 intervals are whole seconds on the wire). */
export function configuredIntervalCs(config: FsmConfig): number {
  return msToCs(config.advertIntervalMs);
}

/** Master_Down_Interval (ms) for a state's current priority and Master_Adver_Interval. */
export function masterDownInterval(s: Pick<FsmState, 'config' | 'priority' | 'masterAdverIntervalCs'>): number {
  return masterDownIntervalMs(s.config.version, s.priority, s.masterAdverIntervalCs, s.config.downTimerAdverts);
}

export function skewTime(s: Pick<FsmState, 'config' | 'priority' | 'masterAdverIntervalCs'>): number {
  return skewTimeMs(s.config.version, s.priority, s.masterAdverIntervalCs);
}

/** The FSM event for an accepted advert. */
export function advertEvent(packet: VrrpPacket, source: string): FsmEvent {
  return packet.version === VrrpVersion.V3
    ? { type: EventType.Advert, priority: packet.priority, source, maxAdvertIntervalCs: packet.maxAdvertIntervalCs }
    : { type: EventType.Advert, priority: packet.priority, source };
}

type Draft = {
  -readonly [K in keyof FsmState]: FsmState[K];
} & { timers: Partial<Record<TimerName, number>>; faults: string[] };

class Stepper {
  readonly d: Draft;
  readonly actions: FsmAction[] = [];
  constructor(
    s: FsmState,
    readonly now: number,
  ) {
    this.d = { ...s, timers: { ...s.timers }, faults: [...s.faults] };
  }

  get cfg(): FsmConfig {
    return this.d.config;
  }

  log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.actions.push({ type: 'log', level, message });
  }

  start(timer: TimerName, delayMs: number): void {
    const deadline = this.now + delayMs;
    this.d.timers[timer] = deadline;
    this.actions.push({ type: 'startTimer', timer, deadline });
  }

  stop(timer: TimerName): void {
    if (this.d.timers[timer] === undefined) return;
    delete this.d.timers[timer];
    this.actions.push({ type: 'stopTimer', timer });
  }

  stopAll(): void {
    for (const t of Object.values(TimerName)) this.stop(t);
  }

  advert(priority: number): void {
    this.actions.push({ type: 'sendAdvert', priority });
  }

  notify(kind: NotifyKind): void {
    this.actions.push({ type: 'notify', kind, priority: this.d.priority });
  }

  garp(repeat: number, reason: GarpReason): void {
    if (repeat > 0) this.actions.push({ type: 'sendGratuitous', repeat, reason });
  }

  /** RFC 5798 6.4.2 "If the Master_Down_Timer fires" / 6.4.1 owner startup; keepalived vrrp_state_master_tx + become_master. */
  goMaster(why: string): void {
    const d = this.d;
    this.stop(TimerName.MasterDown);
    this.stop(TimerName.PreemptDelay);
    d.preemptDeadline = undefined;
    // keepalived sends the advert before adding the VIPs, so that the old master drops them before our GARPs.
    this.advert(d.priority);
    d.state = VrrpState.Master;
    this.log(`Entering MASTER STATE (${why})`);
    // keepalived vrrp_state_become_master: a v3 master advertises its own interval again
    d.masterAdverIntervalCs = configuredIntervalCs(this.cfg);
    d.masterAddress = canonicalAddress(this.cfg.primaryAddress);
    d.masterPriority = d.priority;
    this.actions.push({ type: 'addVips', acceptMode: this.cfg.acceptMode });
    d.vipsSet = true;
    // RFC 5798 6.4.1/6.4.2: broadcast gratuitous ARP / send unsolicited NA for each address
    this.garp(this.cfg.garpMasterRepeat, GarpReason.BecomeMaster);
    if (this.cfg.garpMasterRefreshMs > 0) this.start(TimerName.GarpMasterRefresh, this.cfg.garpMasterRefreshMs);
    this.notify(NotifyKind.Master);
    if (this.cfg.garpMasterDelayMs > 0 && this.cfg.garpMasterRepeat > 0) this.start(TimerName.GarpMasterDelay, this.cfg.garpMasterDelayMs);
    this.start(TimerName.Advert, this.cfg.advertIntervalMs);
  }

  /** keepalived vrrp_state_leave_master / vrrp_restore_interface. */
  leaveMaster(to: VrrpState.Backup | VrrpState.Fault | VrrpState.Initialize, sendStop: boolean): void {
    const d = this.d;
    // RFC 5798 6.4.3 Shutdown: "Send an ADVERTISEMENT with Priority = 0". keepalived also does it when a
    // master enters FAULT (leave_master with wantstate FAULT), so that a backup takes over after Skew_Time.
    if (sendStop) this.advert(PRIORITY_STOP);
    this.stop(TimerName.Advert);
    this.stop(TimerName.GarpMasterDelay);
    this.stop(TimerName.GarpMasterRefresh);
    this.stop(TimerName.GarpLowerPrio);
    if (d.vipsSet) {
      this.actions.push({ type: 'removeVips' });
      d.vipsSet = false;
    }
    d.state = to;
  }

  enterBackup(why: string, downMs: number): void {
    const d = this.d;
    d.state = VrrpState.Backup;
    d.preemptDeadline = undefined;
    this.stop(TimerName.PreemptDelay);
    this.log(`Entering BACKUP STATE (${why})`);
    this.notify(NotifyKind.Backup);
    this.start(TimerName.MasterDown, downMs);
  }

  enterFault(why: string): void {
    const d = this.d;
    if (d.state === VrrpState.Master) this.leaveMaster(VrrpState.Fault, true);
    d.state = VrrpState.Fault;
    this.stopAll();
    d.preemptDeadline = undefined;
    this.log(`Entering FAULT STATE (${why})`);
    this.notify(NotifyKind.Fault);
  }

  /** Leaving Initialize or Fault with no fault left (keepalived vrrp_init_state / try_up_instance). */
  comeUp(why: string): void {
    const d = this.d;
    d.masterAdverIntervalCs = configuredIntervalCs(this.cfg);
    if (d.priority === PRIORITY_OWNER) {
      // RFC 5798 6.4.1: "If the Priority = 255 ... transition to the Master state"
      this.goMaster(`${why}, address owner`);
    } else {
      // RFC 5798 6.4.1: Master_Down_Timer = Master_Down_Interval, transition to Backup
      this.enterBackup(why, masterDownInterval(d));
    }
  }

  onAdvertBackup(ev: Extract<FsmEvent, { type: EventType.Advert }>): void {
    const d = this.d;
    const cfg = this.cfg;
    const now = this.now;
    if (ev.priority === PRIORITY_STOP) {
      // RFC 5798 6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to Skew_Time"
      this.log(`Backup received priority 0 advertisement from ${ev.source}`);
      this.start(TimerName.MasterDown, skewTime(d));
      return;
    }
    const preemptHold = cfg.preemptDelayMs > 0 && (d.preemptDeadline === undefined || d.preemptDeadline > now);
    // RFC 5798 6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than or
    // equal to the local Priority" -> accept; keepalived (vrrp_state_backup) also while preempt_delay runs.
    if (!cfg.preempt || ev.priority >= d.priority || preemptHold) {
      if (cfg.version === VrrpVersion.V3 && ev.maxAdvertIntervalCs !== undefined && ev.maxAdvertIntervalCs !== d.masterAdverIntervalCs) {
        // RFC 5798 6.4.2: "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT"
        this.log(`advertisement interval updated from ${d.masterAdverIntervalCs * 10}ms to ${ev.maxAdvertIntervalCs * 10}ms by master ${ev.source}`);
        d.masterAdverIntervalCs = ev.maxAdvertIntervalCs;
      }
      // "Recompute the Skew_Time / Master_Down_Interval; Reset the Master_Down_Timer to Master_Down_Interval"
      this.start(TimerName.MasterDown, masterDownInterval(d));
      d.masterAddress = canonicalAddress(ev.source);
      d.masterPriority = ev.priority;
      if (cfg.preemptDelayMs > 0) {
        if (ev.priority >= d.priority) {
          if (d.preemptDeadline !== undefined) this.log('stop preempt delay');
          d.preemptDeadline = undefined;
          this.stop(TimerName.PreemptDelay);
        } else if (d.preemptDeadline === undefined) {
          this.log(`start preempt delay (${cfg.preemptDelayMs / 1000} s)`);
          d.preemptDeadline = now + cfg.preemptDelayMs;
          this.start(TimerName.PreemptDelay, cfg.preemptDelayMs);
        }
      }
      return;
    }
    // RFC 5798 6.4.2: "Otherwise: Discard the ADVERTISEMENT"; the Master_Down_Timer keeps running.
    this.log(`received lower priority (${ev.priority}) advert from ${ev.source} - discarding`);
    d.masterAddress = canonicalAddress(ev.source);
  }

  onAdvertMaster(ev: Extract<FsmEvent, { type: EventType.Advert }>): void {
    const d = this.d;
    const cfg = this.cfg;
    const cmp = compareAddresses(canonicalAddress(ev.source), canonicalAddress(cfg.primaryAddress));
    const higher = (): boolean => ev.priority > d.priority || (ev.priority === d.priority && cmp > 0);
    if (ev.priority === PRIORITY_STOP || (cfg.higherPrioSendAdvert && higher())) {
      // RFC 5798 6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset the
      // Adver_Timer to Advertisement_Interval". keepalived higher_prio_send_advert: also before yielding.
      this.advert(d.priority);
      this.start(TimerName.Advert, cfg.advertIntervalMs);
      if (ev.priority === PRIORITY_STOP) {
        this.log(`Master received priority 0 message from ${ev.source}`);
        return;
      }
    }
    if (ev.priority === d.priority) {
      if (cmp === 0) {
        this.log('WARNING - equal priority advert received from remote host with our IP address.', 'warn');
      } else if (d.priority === PRIORITY_OWNER) {
        // keepalived: two address owners is a configuration error; it lowers its own priority to 254.
        this.log('CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority', 'warn');
        d.priority = PRIORITY_OWNER - 1;
        d.config = { ...cfg, priority: PRIORITY_OWNER - 1 };
      }
    }
    if (ev.priority < d.priority || (ev.priority === d.priority && cmp < 0)) {
      // RFC 5798 6.4.3: "Otherwise: Discard the ADVERTISEMENT". keepalived instead forces a new election:
      // it sends its own advert at once (unless lower_prio_no_advert) and re-announces its addresses.
      this.log(`Received advert from ${ev.source} with lower priority ${ev.priority}, ours ${d.priority}${cfg.lowerPrioNoAdvert ? '' : ', forcing new election'}`);
      if (!cfg.lowerPrioNoAdvert) {
        this.advert(d.priority);
        this.start(TimerName.Advert, cfg.advertIntervalMs);
      }
      if (cfg.garpLowerPrioRepeat > 0) {
        this.garp(cfg.garpLowerPrioRepeat, GarpReason.LowerPrio);
        if (cfg.garpLowerPrioDelayMs > 0) this.start(TimerName.GarpLowerPrio, cfg.garpLowerPrioDelayMs);
      }
      this.notify(NotifyKind.MasterRxLowerPri);
      return;
    }
    if (higher()) {
      // RFC 5798 6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority, or the
      // Priority is equal and the primary IPvX Address of the sender is greater than the local primary IPvX
      // Address, then: Cancel Adver_Timer, Set Master_Adver_Interval, Recompute Skew_Time and
      // Master_Down_Interval, Set Master_Down_Timer, Transition to the Backup state".
      this.log(
        ev.priority > d.priority
          ? `Master received advert from ${ev.source} with higher priority ${ev.priority}, ours ${d.priority}`
          : `Master received advert from ${ev.source} with same priority ${ev.priority} but higher IP address than ours`,
      );
      if (cfg.version === VrrpVersion.V3 && ev.maxAdvertIntervalCs !== undefined) d.masterAdverIntervalCs = ev.maxAdvertIntervalCs;
      d.masterAddress = canonicalAddress(ev.source);
      d.masterPriority = ev.priority;
      this.leaveMaster(VrrpState.Backup, false);
      this.enterBackup('higher priority advert', masterDownInterval(d));
    }
  }

  onTimer(timer: TimerName): void {
    const d = this.d;
    const cfg = this.cfg;
    const deadline = d.timers[timer];
    // A timer event for a timer that was stopped or re-armed later is stale: ignore it.
    if (deadline === undefined || this.now + TIMER_SLACK_MS < deadline) return;
    delete d.timers[timer];
    switch (timer) {
      case TimerName.MasterDown:
        if (d.state === VrrpState.Backup) {
          this.log('Receive advertisement timeout');
          this.goMaster('master down timer');
        }
        return;
      case TimerName.Advert:
        if (d.state === VrrpState.Master) {
          // RFC 5798 6.4.3: "If the Adver_Timer fires: Send an ADVERTISEMENT; Reset the Adver_Timer"
          this.advert(d.priority);
          this.start(TimerName.Advert, cfg.advertIntervalMs);
        }
        return;
      case TimerName.PreemptDelay:
        // keepalived: nothing happens at expiry; later lower-priority adverts are discarded and the
        // Master_Down_Timer then expires (vrrp.c vrrp_state_backup compares preempt_time with now).
        if (d.state === VrrpState.Backup) this.log('preempt delay expired');
        return;
      case TimerName.GarpMasterDelay:
        if (d.state === VrrpState.Master && d.vipsSet) this.garp(cfg.garpMasterRepeat, GarpReason.MasterDelay);
        return;
      case TimerName.GarpMasterRefresh:
        if (d.state === VrrpState.Master && d.vipsSet) {
          this.garp(cfg.garpMasterRefreshRepeat, GarpReason.MasterRefresh);
          this.start(TimerName.GarpMasterRefresh, cfg.garpMasterRefreshMs);
        }
        return;
      case TimerName.GarpLowerPrio:
        if (d.state === VrrpState.Master && d.vipsSet) this.garp(cfg.garpLowerPrioRepeat, GarpReason.LowerPrioDelay);
        return;
    }
  }

  onPriorityChange(priority: number): void {
    const d = this.d;
    // keepalived vrrp_set_effective_priority: "Don't change priority if address owner"; clamp to 1..254.
    if (this.cfg.priority === PRIORITY_OWNER) return;
    const p = Math.max(1, Math.min(PRIORITY_OWNER - 1, Math.trunc(priority)));
    if (p === d.priority) return;
    this.log(`Changing effective priority from ${d.priority} to ${p}`);
    const oldDown = masterDownInterval(d);
    d.priority = p;
    if (d.state === VrrpState.Backup && d.timers[TimerName.MasterDown] !== undefined) {
      // keepalived moves the running timer by the change in Master_Down_Interval (Skew_Time depends on priority)
      const deadline = d.timers[TimerName.MasterDown]! + (masterDownInterval(d) - oldDown);
      this.start(TimerName.MasterDown, Math.max(0, deadline - this.now));
    }
    if (this.cfg.notifyPriorityChanges) this.notify(NotifyKind.PriorityChange);
  }
}

/** One transition. Pure: `s` is not modified; timers in the result are absolute deadlines in ms. */
export function step(s: FsmState, ev: FsmEvent, now: number): StepResult {
  const st = new Stepper(s, now);
  const d = st.d;
  switch (ev.type) {
    case EventType.Startup:
      if (d.state !== VrrpState.Initialize) break;
      if (d.faults.length > 0) st.enterFault(`init, ${d.faults.join(', ')} down`);
      else st.comeUp('init');
      break;
    case EventType.Shutdown:
      if (d.state === VrrpState.Initialize) break;
      if (d.state === VrrpState.Master && ev.release !== false) st.leaveMaster(VrrpState.Initialize, true);
      st.stopAll();
      d.state = VrrpState.Initialize;
      d.preemptDeadline = undefined;
      st.log('Stopping');
      st.notify(NotifyKind.Stop);
      break;
    case EventType.Advert:
      // keepalived ignores adverts in FAULT and INIT (vrrp_scheduler.c vrrp_dispatcher_read)
      if (d.state === VrrpState.Backup) st.onAdvertBackup(ev);
      else if (d.state === VrrpState.Master) st.onAdvertMaster(ev);
      break;
    case EventType.Timer:
      st.onTimer(ev.timer);
      break;
    case EventType.FaultOn:
      if (d.faults.includes(ev.source)) break;
      d.faults.push(ev.source);
      if (d.faults.length === 1 && (d.state === VrrpState.Backup || d.state === VrrpState.Master)) st.enterFault(`${ev.source} down`);
      break;
    case EventType.FaultOff: {
      const i = d.faults.indexOf(ev.source);
      if (i < 0) break;
      d.faults.splice(i, 1);
      // keepalived try_up_instance -> vrrp_state_leave_fault: BACKUP, or MASTER straight away for an owner
      if (d.faults.length === 0 && d.state === VrrpState.Fault) st.comeUp(`${ev.source} up`);
      break;
    }
    case EventType.PriorityChange:
      st.onPriorityChange(ev.priority);
      break;
    // keepalived vrrp_sync.c: members of a sync group change state together
    case EventType.SyncMaster:
      if (d.state === VrrpState.Backup) st.goMaster('sync group');
      break;
    case EventType.SyncBackup:
      if (d.state === VrrpState.Master) {
        st.leaveMaster(VrrpState.Backup, false);
        st.enterBackup('sync group', masterDownInterval(d));
      }
      break;
    case EventType.SyncWait:
      // vrrp_sync_can_goto_master: "prefer backup state to avoid thrashing": restart the down timer
      if (d.state === VrrpState.Backup) st.start(TimerName.MasterDown, masterDownInterval(d));
      break;
  }
  return { state: d, actions: st.actions };
}
