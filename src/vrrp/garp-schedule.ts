// Pure schedule of gratuitous ARP / unsolicited NA: keepalived 2.2.7's bursts after becoming master, and the per-interface garp_interval / gna_interval pacer.
//
// Two parts, both pure (time is a number of milliseconds passed in):
// - planMasterBursts: when keepalived sends bursts of `repeat` messages per address, and why
//   (vrrp.c vrrp_state_master_tx / vrrp_state_become_master / vrrp_state_master_rx,
//   vrrp_scheduler.c vrrp_gratuitous_arp_thread / vrrp_lower_prio_gratuitous_arp_thread).
//   fsm.ts produces the same bursts as `sendGratuitous` actions while it runs; this is the timeline
//   written out, for tests, documentation and status output.
// - pacerStep: what one burst turns into on the wire when vrrp_garp_interval / vrrp_gna_interval
//   (or a garp_group) rate-limit an interface (vrrp_arp.c send_gratuitous_arp / queue_garp,
//   vrrp_ndisc.c ndisc_send_unsolicited_na / queue_ndisc, vrrp_scheduler.c vrrp_arp_thread).

import { AddressFamily } from './addr';
import { GarpReason } from './fsm';

/** keepalived 2.2.7 defaults (include/vrrp.h VRRP_GARP_*; global_data.c). */
export const GARP_DEFAULTS = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  garpIntervalMs: 0,
  gnaIntervalMs: 0,
} as const;

/** One instance's burst settings in milliseconds (config seconds x 1000). */
export interface GarpTiming {
  /** garp_master_delay: second burst this long after becoming master; 0 = none */
  masterDelayMs: number;
  /** garp_master_repeat: messages per address per burst */
  masterRepeat: number;
  /** garp_master_refresh: periodic burst while master; 0 = off */
  masterRefreshMs: number;
  /** garp_master_refresh_repeat */
  masterRefreshRepeat: number;
  /** garp_lower_prio_delay: second burst after a lower-priority advert; 0 = none */
  lowerPrioDelayMs: number;
  /** garp_lower_prio_repeat: 0 = no burst at all on a lower-priority advert */
  lowerPrioRepeat: number;
}

/**
 * Fills in keepalived's defaults. Unset lower-prio values come from the global vrrp_garp_lower_prio_*,
 * which themselves default to the *global* vrrp_garp_master_* (vrrp.c vrrp_complete_init), not the
 * instance's; strict_mode forces both lower-prio values to 0 (vrrp.c vrrp_complete_instance).
 */
export function garpTiming(
  inst: Partial<GarpTiming> & { strict?: boolean },
  global: Partial<Omit<GarpTiming, 'lowerPrioDelayMs' | 'lowerPrioRepeat'>> & { lowerPrioDelayMs?: number; lowerPrioRepeat?: number } = {},
): GarpTiming {
  const gDelay = global.masterDelayMs ?? GARP_DEFAULTS.masterDelayMs;
  const gRepeat = global.masterRepeat ?? GARP_DEFAULTS.masterRepeat;
  return {
    masterDelayMs: inst.masterDelayMs ?? gDelay,
    masterRepeat: inst.masterRepeat ?? gRepeat,
    masterRefreshMs: inst.masterRefreshMs ?? global.masterRefreshMs ?? GARP_DEFAULTS.masterRefreshMs,
    masterRefreshRepeat: inst.masterRefreshRepeat ?? global.masterRefreshRepeat ?? GARP_DEFAULTS.masterRefreshRepeat,
    lowerPrioDelayMs: inst.strict ? 0 : (inst.lowerPrioDelayMs ?? global.lowerPrioDelayMs ?? gDelay),
    lowerPrioRepeat: inst.strict ? 0 : (inst.lowerPrioRepeat ?? global.lowerPrioRepeat ?? gRepeat),
  };
}

export interface Burst {
  at: number;
  repeat: number;
  reason: GarpReason;
}

export interface MasterPlanInput {
  timing: GarpTiming;
  /** when the instance entered MASTER (its first advert and first burst) */
  masterAt: number;
  /** plan up to and including this time */
  until: number;
  /** Advertisement interval: keepalived checks the refresh timer only when it sends an advert */
  advertIntervalMs: number;
  /** times lower-priority adverts were received while master */
  lowerPrioAdverts?: number[];
  /** when the instance left MASTER (bursts stop; pending delayed bursts find no VIPs) */
  leftAt?: number;
}

/**
 * keepalived's bursts for one mastership, in time order (ties: the order keepalived runs them):
 * - at masterAt: masterRepeat (become master);
 * - at masterAt + masterDelayMs, if > 0: masterRepeat again (vrrp_gratuitous_arp_thread);
 * - refresh: the refresh timer is set to masterAt + masterRefreshMs and checked on each advert
 *   (vrrp_state_master_tx, `time_now > garp_refresh_timer`), so the burst goes with the first advert
 *   strictly after it, and the timer restarts from that advert;
 * - at each lower-priority advert L: lowerPrioRepeat (if > 0), and again at L + lowerPrioDelayMs (if > 0).
 * A burst of repeat 0 sends nothing and is omitted.
 */
export function planMasterBursts(p: MasterPlanInput): Burst[] {
  const { timing: t, masterAt, advertIntervalMs } = p;
  const inPlan = (at: number): boolean => at <= p.until && (p.leftAt === undefined || at < p.leftAt);
  const out: Array<Burst & { seq: number }> = [];
  let seq = 0;
  const add = (at: number, repeat: number, reason: GarpReason): void => {
    if (repeat > 0 && inPlan(at)) out.push({ at, repeat, reason, seq: seq++ });
  };
  add(masterAt, t.masterRepeat, GarpReason.BecomeMaster);
  if (t.masterDelayMs > 0) add(masterAt + t.masterDelayMs, t.masterRepeat, GarpReason.MasterDelay);
  if (t.masterRefreshMs > 0 && advertIntervalMs > 0) {
    let timer = masterAt + t.masterRefreshMs;
    for (let k = 1; inPlan(masterAt + k * advertIntervalMs); k++) {
      const advert = masterAt + k * advertIntervalMs;
      if (advert > timer) {
        add(advert, t.masterRefreshRepeat, GarpReason.MasterRefresh);
        timer = advert + t.masterRefreshMs;
      }
    }
  }
  for (const l of p.lowerPrioAdverts ?? []) {
    if (l < masterAt || t.lowerPrioRepeat <= 0) continue;
    add(l, t.lowerPrioRepeat, GarpReason.LowerPrio);
    if (t.lowerPrioDelayMs > 0) add(l + t.lowerPrioDelayMs, t.lowerPrioRepeat, GarpReason.LowerPrioDelay);
  }
  out.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return out.map(({ at, repeat, reason }) => ({ at, repeat, reason }));
}

// ---------------------------------------------------------------------------------------------
// Pacer

/** Rate limits of one interface; 0 = none (keepalived have_garp_interval / have_gna_interval false). */
export interface InterfaceIntervals {
  garpIntervalMs: number;
  gnaIntervalMs: number;
}

export interface PacerConfig {
  /** global vrrp_garp_interval / vrrp_gna_interval, inherited by interfaces in no garp_group */
  garpIntervalMs: number;
  gnaIntervalMs: number;
  /**
   * garp_group blocks by interface name. An interface in a group takes only the group's values: an
   * interval the group leaves unset is none, not the global one (vrrp_if.c set_default_garp_delay only
   * gives the global values to interfaces without a group).
   */
  groups?: Record<string, Partial<InterfaceIntervals>>;
}

export function intervalsFor(cfg: PacerConfig, iface: string): InterfaceIntervals {
  const g = cfg.groups?.[iface];
  if (g) return { garpIntervalMs: g.garpIntervalMs ?? 0, gnaIntervalMs: g.gnaIntervalMs ?? 0 };
  return { garpIntervalMs: cfg.garpIntervalMs, gnaIntervalMs: cfg.gnaIntervalMs };
}

/** One virtual address of one instance, on the (base) interface whose interval applies. */
export interface PacedAddress {
  instance: string;
  address: string;
  family: AddressFamily;
  /** interface name keyed for intervals (keepalived IF_BASE_IFP: a VMAC's parent) */
  iface: string;
  /** IFF_NOARP on the interface: keepalived sends nothing for it */
  noArp?: boolean;
  /**
   * keepalived's order for queued messages: it walks instances in configuration order, then each one's
   * VIPs and eVIPs in configuration order (vrrp_arp_thread / vrrp_arpna_send), so a wake-up sends the
   * lowest-ordered pending address first, whatever order they were queued in. Default: queue order.
   */
  order?: number;
}

export interface PacerState {
  readonly config: PacerConfig;
  /** earliest time of the next message per `${iface}/${family}` (garp_next_time / gna_next_time) */
  readonly nextAllowed: Readonly<Record<string, number>>;
  /** queued addresses in queue order; one entry per address however many repeats asked for it */
  readonly pending: readonly PacedAddress[];
  /** armed wake-up (keepalived's garp_thread), or undefined */
  readonly wakeAt?: number;
}

export type PacerEvent =
  /** a burst from the state machine: `repeat` messages for each address, in order */
  | { type: 'burst'; addresses: readonly PacedAddress[]; repeat: number }
  /** the wake-up timer fired */
  | { type: 'wake' }
  /** the instance left MASTER (vrrp_remove_delayed_arp): drop what it still has queued */
  | { type: 'cancel'; instance: string };

export type PacerAction =
  | { type: 'send'; address: PacedAddress }
  | { type: 'setTimer'; at: number }
  | { type: 'clearTimer' };

export function initialPacerState(config: PacerConfig): PacerState {
  return { config, nextAllowed: {}, pending: [] };
}

const keyOf = (a: PacedAddress): string => `${a.iface}/${a.family}`;
const sameAddress = (a: PacedAddress, b: PacedAddress): boolean => a.instance === b.instance && a.address === b.address && a.iface === b.iface;

function intervalOf(cfg: PacerConfig, a: PacedAddress): number {
  const i = intervalsFor(cfg, a.iface);
  return a.family === AddressFamily.Inet6 ? i.gnaIntervalMs : i.garpIntervalMs;
}

/** Stable insert by `order` (entries without one keep queue order after ordered ones of equal rank). */
function insertOrdered(list: PacedAddress[], a: PacedAddress): PacedAddress[] {
  const o = a.order ?? Infinity;
  const i = list.findIndex((p) => (p.order ?? Infinity) > o);
  return i < 0 ? [...list, a] : [...list.slice(0, i), a, ...list.slice(i)];
}

/**
 * One step of keepalived's GARP/NA rate limiting. Without an interval every message goes out at once.
 * With one, a message is sent if the interface's next-allowed time has passed (or was never set) and
 * the next-allowed time becomes now + interval; otherwise the address is queued. keepalived queues by
 * setting a per-address flag, so all the repeats of one burst that hit the limit collapse into one
 * queued message (2.2.7 behaviour: repeat 5 with an interval gives 2 messages for a lone address).
 * Queuing arms the wake-up at now + interval if that is earlier than the armed one; at the wake-up,
 * queued addresses whose interface allows it are sent in `order` (each pushing its interface's
 * next-allowed time), and the wake-up is re-armed at the earliest next-allowed time of those left.
 */
export function pacerStep(state: PacerState, ev: PacerEvent, now: number): { state: PacerState; actions: PacerAction[] } {
  const cfg = state.config;
  const next: Record<string, number> = { ...state.nextAllowed };
  let pending = [...state.pending];
  let wakeAt = state.wakeAt;
  const actions: PacerAction[] = [];

  const sendNow = (a: PacedAddress): void => {
    actions.push({ type: 'send', address: a });
    const iv = intervalOf(cfg, a);
    if (iv > 0) next[keyOf(a)] = now + iv;
  };

  switch (ev.type) {
    case 'burst':
      for (let j = 0; j < ev.repeat; j++) {
        for (const a of ev.addresses) {
          if (a.noArp) continue;
          const iv = intervalOf(cfg, a);
          const na = next[keyOf(a)];
          if (iv > 0 && na !== undefined && now < na) {
            if (!pending.some((p) => sameAddress(p, a))) pending = insertOrdered(pending, a);
            const candidate = now + iv;
            if (wakeAt === undefined || candidate < wakeAt) wakeAt = candidate;
          } else {
            sendNow(a);
          }
        }
      }
      break;
    case 'wake': {
      wakeAt = undefined;
      const left: PacedAddress[] = [];
      let earliest = Infinity;
      for (const a of pending) {
        const na = next[keyOf(a)];
        if (na === undefined || now >= na) {
          sendNow(a);
        } else {
          left.push(a);
          earliest = Math.min(earliest, na);
        }
      }
      pending = left;
      if (left.length) wakeAt = earliest;
      break;
    }
    case 'cancel':
      pending = pending.filter((p) => p.instance !== ev.instance);
      if (!pending.length) wakeAt = undefined;
      break;
  }

  if (ev.type === 'wake') {
    // the timer that fired is spent: re-arm only if something is left
    if (wakeAt !== undefined) actions.push({ type: 'setTimer', at: wakeAt });
  } else if (wakeAt !== state.wakeAt) {
    actions.push(wakeAt === undefined ? { type: 'clearTimer' } : { type: 'setTimer', at: wakeAt });
  }
  const out: PacerState = { config: cfg, nextAllowed: next, pending, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  return { state: out, actions };
}
