// Unsolicited Neighbor Advertisements for virtual IPv6 addresses (RFC 4861 4.4/7.2.6, RFC 5798 6.4.2), as keepalived vrrp_ndisc.c sends them.

import { AddressFamily, ipv6ToString, writeAddress } from './addr';
import { finish, pseudoHeaderSum6, sum16 } from './checksum';
import { macToBytes, macToString } from './garp';

export const IPPROTO_ICMPV6 = 58;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ALL_NODES = 'ff02::1';
export const ETH_P_IPV6 = 0x86dd;

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
  const f = Buffer.alloc(14 + 40 + msg.length);
  macToBytes('33:33:00:00:00:01').copy(f, 0);
  macToBytes(na.mac).copy(f, 6);
  f.writeUInt16BE(ETH_P_IPV6, 12);
  f.writeUInt32BE(0x60000000, 14);
  f.writeUInt16BE(msg.length, 18);
  f[20] = IPPROTO_ICMPV6;
  f[21] = 255;
  writeAddress(na.target, AddressFamily.Inet6, f, 22);
  writeAddress(ALL_NODES, AddressFamily.Inet6, f, 38);
  msg.copy(f, 54);
  return f;
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
