// Unsolicited Neighbor Advertisements for virtual IPv6 addresses (RFC 4861 4.4/7.2.6, RFC 5798 6.4.2), as keepalived vrrp_ndisc.c sends them, and sending them over AF_PACKET.

import { readFileSync } from 'node:fs';
import { AddressFamily, familyOf, ipv6ToString, writeAddress } from './addr';
import { finish, pseudoHeaderSum6, sum16 } from './checksum';
import { PacedAddress, PacerConfig, PacerEvent, PacerState, initialPacerState, pacerStep } from './garp-schedule';
import { AnnounceTarget, ETH_P_8021Q, PacketSocketPool, macToBytes, macToString, sendGratuitousArp, writeEthernetHeader } from './garp';

export const IPPROTO_ICMPV6 = 58;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ALL_NODES = 'ff02::1';
export const ETH_P_IPV6 = 0x86dd;
/** Ethernet destination of ff02::1 (RFC 2464 7: 33:33 + the low 32 bits of the group). */
export const ALL_NODES_MAC = '33:33:00:00:00:01';
/** RFC 4861 7.1.2: ND messages are sent, and must be received, with hop limit 255 (keepalived NDISC_HOPLIMIT). */
export const NDISC_HOPLIMIT = 255;

/** NA flags (RFC 4861 4.4): Router, Solicited, Override. */
export enum NaFlag {
  Router = 0x80,
  Solicited = 0x40,
  Override = 0x20,
}

export interface UnsolicitedNa {
  /** link-layer address advertised (interface MAC or virtual router MAC) */
  mac: string;
  /** the virtual address (target; keepalived also uses it as the IPv6 source) */
  target: string;
  /** set the R flag (keepalived: when the interface forwards, i.e. net.ipv6.conf.<if>.forwarding=1) */
  router?: boolean;
  /** 802.1Q VLAN id to tag the frame with (garp.ts writeEthernetHeader) */
  vlan?: number;
}

/** The same input with the names of the lvskeeper VRRP brief: srcMac, ip. */
export interface UnsolicitedNaInput {
  srcMac: string | Uint8Array;
  ip: string;
  router?: boolean;
  vlan?: number;
}

/** The 32-byte ICMPv6 NA message with the Target Link-Layer Address option, checksum for src -> dst. */
export function formatNaMessage(na: UnsolicitedNa, src = na.target, dst = ALL_NODES): Buffer {
  const m = Buffer.alloc(32);
  m[0] = ND_NEIGHBOR_ADVERT;
  m[1] = 0;
  // RFC 4861 7.2.6: unsolicited NAs set Override, clear Solicited
  m[4] = NaFlag.Override | (na.router ? NaFlag.Router : 0);
  writeAddress(na.target, AddressFamily.Inet6, m, 8);
  m[24] = ND_OPT_TARGET_LINKADDR;
  m[25] = 1; // length in units of 8 bytes
  macToBytes(na.mac).copy(m, 26);
  m.writeUInt16BE(finish(sum16(m, 0, m.length, pseudoHeaderSum6(src, dst, m.length, IPPROTO_ICMPV6))), 2);
  return m;
}

/**
 * The whole Ethernet frame keepalived puts on the wire (vrrp_ndisc.c ndisc_send_unsolicited_na_immediate):
 * to 33:33:00:00:00:01, IPv6 from the VIP to ff02::1, hop limit 255 (RFC 4861 7.1.2 requires it).
 */
export function formatUnsolicitedNaFrame(na: UnsolicitedNa): Buffer {
  const msg = formatNaMessage(na);
  const f = Buffer.alloc(14 + (na.vlan !== undefined ? 4 : 0) + 40 + msg.length);
  const p = writeEthernetHeader(f, ALL_NODES_MAC, na.mac, ETH_P_IPV6, na.vlan);
  f.writeUInt32BE(0x60000000, p); // version 6, traffic class 0, flow label 0
  f.writeUInt16BE(msg.length, p + 4);
  f[p + 6] = IPPROTO_ICMPV6;
  f[p + 7] = NDISC_HOPLIMIT;
  writeAddress(na.target, AddressFamily.Inet6, f, p + 8);
  writeAddress(ALL_NODES, AddressFamily.Inet6, f, p + 24);
  msg.copy(f, p + 40);
  return f;
}

/** formatUnsolicitedNaFrame with the brief's names: `{srcMac, ip, router?, vlan?}` -> the 86-byte frame (90 tagged). */
export function formatUnsolicitedNa(i: UnsolicitedNaInput): Buffer {
  return formatUnsolicitedNaFrame({
    mac: macToString(macToBytes(i.srcMac)),
    target: i.ip,
    ...(i.router ? { router: true } : {}),
    ...(i.vlan !== undefined ? { vlan: i.vlan } : {}),
  });
}

export interface NeighborAdvert {
  flags: number;
  target: string;
  targetMac?: string;
}

/** Decodes an ICMPv6 NA message and verifies its checksum against the IPv6 addresses. */
export function parseNaMessage(m: Buffer, src: string, dst: string): { ok: true; na: NeighborAdvert } | { ok: false; detail: string } {
  if (m.length < 24) return { ok: false, detail: `NA length is ${m.length}; should be at least 24` };
  if (m[0] !== ND_NEIGHBOR_ADVERT) return { ok: false, detail: `ICMPv6 type is ${m[0]}; should be ${ND_NEIGHBOR_ADVERT}` };
  const sum = finish(sum16(m, 0, m.length, pseudoHeaderSum6(src, dst, m.length, IPPROTO_ICMPV6)));
  if (sum !== 0) return { ok: false, detail: `ICMPv6 checksum is 0x${m.readUInt16BE(2).toString(16)}; should make the sum 0` };
  const na: NeighborAdvert = { flags: m[4]!, target: ipv6ToString(m, 8) };
  for (let off = 24; off + 8 <= m.length; ) {
    const len = m[off + 1]! * 8;
    if (len === 0) return { ok: false, detail: `NA option length is 0; should be at least 1` };
    if (m[off] === ND_OPT_TARGET_LINKADDR && len >= 8) na.targetMac = macToString(m, off + 2);
    off += len;
  }
  return { ok: true, na };
}

export interface NaFrame extends NeighborAdvert {
  dstMac: string;
  srcMac: string;
  vlan?: number;
  src: string;
  dst: string;
  hopLimit: number;
}

/** Decodes a whole Ethernet (optionally 802.1Q-tagged) IPv6 frame carrying an NA without extension headers; checks the checksum. */
export function parseNaFrame(f: Buffer): { ok: true; frame: NaFrame } | { ok: false; detail: string } {
  let off = 12;
  if (f.length < 14) return { ok: false, detail: `frame length is ${f.length}; should be at least 14` };
  let vlan: number | undefined;
  if (f.readUInt16BE(off) === ETH_P_8021Q && f.length >= 18) {
    vlan = f.readUInt16BE(off + 2) & 0x0fff;
    off += 4;
  }
  const type = f.readUInt16BE(off);
  if (type !== ETH_P_IPV6) return { ok: false, detail: `ethertype is 0x${type.toString(16).padStart(4, '0')}; should be 0x86dd (IPv6)` };
  const ip = off + 2;
  if (f.length < ip + 40) return { ok: false, detail: `IPv6 header is truncated (${f.length - ip} bytes)` };
  if (f[ip]! >> 4 !== 6) return { ok: false, detail: `IP version is ${f[ip]! >> 4}; should be 6` };
  if (f[ip + 6] !== IPPROTO_ICMPV6) return { ok: false, detail: `next header is ${f[ip + 6]}; should be ${IPPROTO_ICMPV6} (ICMPv6)` };
  const plen = f.readUInt16BE(ip + 4);
  if (f.length < ip + 40 + plen) return { ok: false, detail: `payload length is ${plen}; only ${f.length - ip - 40} bytes follow` };
  const src = ipv6ToString(f, ip + 8);
  const dst = ipv6ToString(f, ip + 24);
  const r = parseNaMessage(f.subarray(ip + 40, ip + 40 + plen), src, dst);
  if (!r.ok) return r;
  const frame: NaFrame = { dstMac: macToString(f, 0), srcMac: macToString(f, 6), src, dst, hopLimit: f[ip + 7]!, ...r.na };
  if (vlan !== undefined) frame.vlan = vlan;
  return { ok: true, frame };
}

/** keepalived set_ipv6_forwarding (vrrp_if_config.c): the R flag follows net.ipv6.conf.<if>.forwarding. */
export function readIpv6Forwarding(ifname: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  try {
    return read(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`).trim() !== '0';
  } catch {
    return false; // no IPv6 on the interface (or it is gone): keepalived's get_sysctl gives 0 as well
  }
}

/** keepalived rechecks forwarding at most every 5 s per interface (vrrp_ndisc.c: timer_cmp_now_diff(..., 5 * TIMER_HZ)). */
export const ROUTER_FLAG_RECHECK_MS = 5000;

export class RouterFlagCache {
  private readonly seen = new Map<string, { at: number; router: boolean }>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly read: (ifname: string) => boolean = (n) => readIpv6Forwarding(n),
  ) {}

  /** `ifname` is the base interface (keepalived IF_BASE_IFP: the VMAC's parent). */
  router(ifname: string): boolean {
    const t = this.now();
    const c = this.seen.get(ifname);
    if (c && t - c.at < ROUTER_FLAG_RECHECK_MS) return c.router;
    const router = this.read(ifname);
    this.seen.set(ifname, { at: t, router });
    return router;
  }
}

/** Sends one unsolicited NA for `address` on `target` as an Ethernet frame (keepalived's way). Throws PacketSocketError. */
export function sendUnsolicitedNa(pool: PacketSocketPool, target: AnnounceTarget, address: string, router: boolean): number {
  const frame = formatUnsolicitedNaFrame({ mac: target.mac, target: address, router, ...(target.vlan !== undefined ? { vlan: target.vlan } : {}) });
  return pool.get(target.ifindex, target.ifname).send(frame, `send unsolicited NA for ${address} on`);
}

/** An address to announce: IPv4 -> gratuitous ARP, IPv6 -> unsolicited NA. */
export interface Announcement extends AnnounceTarget {
  address: string;
  /** interface whose IPv6 forwarding sysctl sets the NA router flag (default: ifname); for use_vmac, the parent */
  baseIfname?: string;
}

/**
 * Sends gratuitous ARPs and unsolicited NAs over one AF_PACKET socket per interface. The VRRP driver calls
 * announce() for each message garp-schedule.ts says is due, and close() on shutdown.
 */
export class LinkAnnouncer {
  readonly pool: PacketSocketPool;
  private readonly routerFlag: RouterFlagCache;

  constructor(opts: { pool?: PacketSocketPool; routerFlag?: RouterFlagCache } = {}) {
    this.pool = opts.pool ?? new PacketSocketPool();
    this.routerFlag = opts.routerFlag ?? new RouterFlagCache();
  }

  /** Sends one message; returns bytes sent. Throws PacketSocketError (code = errno name) or AddressError. */
  announce(a: Announcement): number {
    if (familyOf(a.address) === AddressFamily.Inet6) return sendUnsolicitedNa(this.pool, a, a.address, this.routerFlag.router(a.baseIfname ?? a.ifname));
    return sendGratuitousArp(this.pool, a, a.address);
  }

  close(): void {
    this.pool.close();
  }
}

/** Injectable clock and timer for GratuitousSender (tests drive it by hand). */
export interface SenderClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const realClock: SenderClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** An address of an instance to announce, in keepalived's order (instances in config order, then VIPs, then eVIPs). */
export interface InstanceAnnouncement extends Announcement {
  /** interface whose garp_interval / gna_interval applies (keepalived IF_BASE_IFP); default baseIfname ?? ifname */
  intervalIfname?: string;
  /** IFF_NOARP on the interface */
  noArp?: boolean;
  order?: number;
}

/**
 * Drives garp-schedule.ts's pacer with real timers and sends through a LinkAnnouncer: the VRRP driver
 * calls burst() for each `sendGratuitous` action of the state machine and cancel() when the instance
 * leaves MASTER. A failed send (interface gone or down) goes to onError and does not stop the others.
 */
export class GratuitousSender {
  private state: PacerState;
  private timer: unknown;
  private readonly byKey = new Map<string, InstanceAnnouncement>();

  constructor(
    private readonly announcer: Pick<LinkAnnouncer, 'announce' | 'close'>,
    config: PacerConfig,
    private readonly onError: (e: Error, a: InstanceAnnouncement) => void = () => undefined,
    private readonly clock: SenderClock = realClock,
  ) {
    this.state = initialPacerState(config);
  }

  burst(instance: string, addresses: readonly InstanceAnnouncement[], repeat: number): void {
    const paced = addresses.map((a) => this.paced(instance, a));
    this.step({ type: 'burst', addresses: paced, repeat });
  }

  cancel(instance: string): void {
    this.step({ type: 'cancel', instance });
  }

  /** Stops the timer; closes the announcer's sockets. */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.announcer.close();
  }

  /** Addresses still queued by the pacer (for status output and tests). */
  get pending(): readonly PacedAddress[] {
    return this.state.pending;
  }

  private paced(instance: string, a: InstanceAnnouncement): PacedAddress {
    const family = familyOf(a.address) ?? AddressFamily.Inet;
    const p: PacedAddress = { instance, address: a.address, family, iface: a.intervalIfname ?? a.baseIfname ?? a.ifname };
    if (a.noArp) p.noArp = true;
    if (a.order !== undefined) p.order = a.order;
    this.byKey.set(`${instance}\0${a.address}\0${p.iface}`, a);
    return p;
  }

  private step(ev: PacerEvent): void {
    const r = pacerStep(this.state, ev, this.clock.now());
    this.state = r.state;
    for (const act of r.actions) {
      if (act.type === 'send') {
        const a = this.byKey.get(`${act.address.instance}\0${act.address.address}\0${act.address.iface}`);
        if (!a) continue;
        try {
          this.announcer.announce(a);
        } catch (e) {
          this.onError(e as Error, a);
        }
      } else {
        if (this.timer !== undefined) this.clock.clearTimer(this.timer);
        this.timer = undefined;
        if (act.type === 'setTimer') {
          this.timer = this.clock.setTimer(() => {
            this.timer = undefined;
            this.step({ type: 'wake' });
          }, Math.max(0, act.at - this.clock.now()));
        }
      }
    }
  }
}
