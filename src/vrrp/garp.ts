// Gratuitous ARP frames for virtual IPv4 addresses (RFC 5798 6.4.2 / RFC 5227 3), as keepalived vrrp_arp.c sends them, and sending them over AF_PACKET.

import { AddressFamily, ipv4ToString, writeAddress } from './addr';
import { PacketSocket } from '../native/packet';

export const ETH_P_ARP = 0x0806;
export const ARPHRD_ETHER = 1;
export const ETH_P_IP = 0x0800;
export const ETH_P_8021Q = 0x8100;
export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const VLAN_HLEN = 4;
export const ARP_LEN = 28;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export enum ArpOp {
  Request = 1,
  Reply = 2,
}

export class MacError extends Error {
  readonly code = 'EVRRPMAC';
  constructor(readonly mac: string) {
    super(`MAC address is ${JSON.stringify(mac)}; should be six hex bytes separated by ':'`);
    this.name = 'MacError';
  }
}

/** A bad frame-building input other than a MAC or an address (VLAN id, VRID); code EVRRPFRAME. */
export class FrameError extends Error {
  readonly code = 'EVRRPFRAME';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export function macToBytes(mac: string | Uint8Array): Buffer {
  if (typeof mac !== 'string') {
    if (mac.length !== ETH_ALEN) throw new MacError(`<${mac.length} bytes>`);
    return Buffer.from(mac);
  }
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new MacError(mac);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function macToString(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The virtual router MAC 00-00-5E-00-01-{VRID} (IPv4) / 00-00-5E-00-02-{VRID} (IPv6), RFC 5798 7.3. */
export function virtualRouterMac(vrid: number, family: AddressFamily): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new FrameError(`VRID is ${vrid}; should be 1..255`);
  return `00:00:5e:00:0${family === AddressFamily.Inet ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

/**
 * Writes an Ethernet header (with an 802.1Q tag when `vlan` is given) at 0 and returns the payload offset.
 * keepalived never tags itself (a VLAN interface's driver does), so `vlan` is only for sending on the
 * parent of a VLAN; the tag carries priority 0.
 */
export function writeEthernetHeader(f: Buffer, dst: string | Uint8Array, src: string | Uint8Array, etherType: number, vlan?: number): number {
  macToBytes(dst).copy(f, 0);
  macToBytes(src).copy(f, ETH_ALEN);
  let off = 2 * ETH_ALEN;
  if (vlan !== undefined) {
    if (!Number.isInteger(vlan) || vlan < 0 || vlan > 4095) throw new FrameError(`VLAN id is ${vlan}; should be 0..4095`);
    f.writeUInt16BE(ETH_P_8021Q, off);
    f.writeUInt16BE(vlan, off + 2);
    off += VLAN_HLEN;
  }
  f.writeUInt16BE(etherType, off);
  return off + 2;
}

export interface GratuitousArp {
  /** source MAC: the interface's, or the virtual router MAC with use_vmac */
  mac: string;
  /** the virtual IPv4 address being announced */
  address: string;
  /** 802.1Q VLAN id to tag the frame with (see writeEthernetHeader) */
  vlan?: number;
}

/** The same input with the names of the lvskeeper VRRP brief: senderMac, ip. */
export interface GratuitousArpInput {
  senderMac: string | Uint8Array;
  ip: string;
  vlan?: number;
}

/**
 * A 42-byte Ethernet frame (46 with a VLAN tag): broadcast destination, ARP request whose sender and
 * target protocol addresses are both the VIP and whose target hardware address is the broadcast address
 * (keepalived vrrp_arp.c send_gratuitous_arp_immediate: ARPOP_REQUEST, target = hw_addr_bcast; see the
 * golden captures). No padding: the NIC pads to the Ethernet minimum, and captures show 42 bytes.
 */
export function formatGratuitousArp(g: GratuitousArp | GratuitousArpInput): Buffer {
  const mac = macToBytes('senderMac' in g ? g.senderMac : g.mac);
  const address = 'ip' in g ? g.ip : g.address;
  const f = Buffer.alloc(ETH_HLEN + (g.vlan !== undefined ? VLAN_HLEN : 0) + ARP_LEN);
  const p = writeEthernetHeader(f, BROADCAST_MAC, mac, ETH_P_ARP, g.vlan);
  f.writeUInt16BE(ARPHRD_ETHER, p);
  f.writeUInt16BE(ETH_P_IP, p + 2);
  f[p + 4] = ETH_ALEN;
  f[p + 5] = 4;
  f.writeUInt16BE(ArpOp.Request, p + 6);
  mac.copy(f, p + 8);
  writeAddress(address, AddressFamily.Inet, f, p + 14);
  f.fill(0xff, p + 18, p + 24);
  writeAddress(address, AddressFamily.Inet, f, p + 24);
  return f;
}

export interface ArpPacket {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** Decodes an Ethernet/IPv4 ARP payload (after the Ethernet header). */
export function parseArp(b: Buffer): { ok: true; arp: ArpPacket; gratuitous: boolean } | { ok: false; detail: string } {
  if (b.length < 28) return { ok: false, detail: `ARP length is ${b.length}; should be at least 28` };
  if (b.readUInt16BE(0) !== ARPHRD_ETHER || b.readUInt16BE(2) !== ETH_P_IP || b[4] !== 6 || b[5] !== 4) {
    return { ok: false, detail: `ARP hardware/protocol is ${b.readUInt16BE(0)}/0x${b.readUInt16BE(2).toString(16)}; should be Ethernet/IPv4` };
  }
  const arp: ArpPacket = {
    op: b.readUInt16BE(6),
    senderMac: macToString(b, 8),
    senderIp: ipv4ToString(b, 14),
    targetMac: macToString(b, 18),
    targetIp: ipv4ToString(b, 24),
  };
  return { ok: true, arp, gratuitous: arp.senderIp === arp.targetIp };
}

export interface ArpFrame extends ArpPacket {
  dstMac: string;
  srcMac: string;
  vlan?: number;
  gratuitous: boolean;
}

/** Decodes a whole Ethernet frame (optionally 802.1Q-tagged) carrying ARP; trailing padding is ignored. */
export function parseArpFrame(f: Buffer): { ok: true; frame: ArpFrame } | { ok: false; detail: string } {
  if (f.length < ETH_HLEN) return { ok: false, detail: `frame length is ${f.length}; should be at least ${ETH_HLEN}` };
  let off = 2 * ETH_ALEN;
  let type = f.readUInt16BE(off);
  let vlan: number | undefined;
  if (type === ETH_P_8021Q) {
    if (f.length < off + VLAN_HLEN + 2) return { ok: false, detail: 'frame ends inside its 802.1Q tag' };
    vlan = f.readUInt16BE(off + 2) & 0x0fff;
    off += VLAN_HLEN;
    type = f.readUInt16BE(off);
  }
  if (type !== ETH_P_ARP) return { ok: false, detail: `ethertype is 0x${type.toString(16).padStart(4, '0')}; should be 0x0806 (ARP)` };
  const r = parseArp(f.subarray(off + 2));
  if (!r.ok) return r;
  const frame: ArpFrame = { dstMac: macToString(f, 0), srcMac: macToString(f, ETH_ALEN), ...r.arp, gratuitous: r.gratuitous };
  if (vlan !== undefined) frame.vlan = vlan;
  return { ok: true, frame };
}

/** Where to announce an address: the interface it lives on (with use_vmac, the macvlan and its VMAC). */
export interface AnnounceTarget {
  ifindex: number;
  /** for error messages and the IPv6 router-flag sysctl */
  ifname: string;
  /** source MAC of the frames: the interface's, or 00:00:5e:00:01:VRID / 00:00:5e:00:02:VRID */
  mac: string;
  /** tag the frames (see writeEthernetHeader) */
  vlan?: number;
}

/** Opens a send-only AF_PACKET socket on an interface (injectable for tests). */
export type PacketSocketOpener = (ifindex: number, ifname: string) => Pick<PacketSocket, 'send' | 'close' | 'closed'>;

/** One send-only AF_PACKET socket per interface, opened on first use and kept (keepalived keeps one shared socket). */
export class PacketSocketPool {
  private readonly sockets = new Map<number, ReturnType<PacketSocketOpener>>();

  constructor(private readonly open: PacketSocketOpener = (i, n) => PacketSocket.open(i, n)) {}

  get(ifindex: number, ifname: string): ReturnType<PacketSocketOpener> {
    let s = this.sockets.get(ifindex);
    if (!s || s.closed) {
      s = this.open(ifindex, ifname);
      this.sockets.set(ifindex, s);
    }
    return s;
  }

  /** Closes the socket of an interface that went away; the next send reopens one. */
  drop(ifindex: number): void {
    this.sockets.get(ifindex)?.close();
    this.sockets.delete(ifindex);
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

/** Sends one gratuitous ARP for `address` on `target`. Throws PacketSocketError (code = errno name, e.g. ENETDOWN). */
export function sendGratuitousArp(pool: PacketSocketPool, target: AnnounceTarget, address: string): number {
  const frame = formatGratuitousArp({ mac: target.mac, address, ...(target.vlan !== undefined ? { vlan: target.vlan } : {}) });
  return pool.get(target.ifindex, target.ifname).send(frame, `send gratuitous ARP for ${address} on`);
}
