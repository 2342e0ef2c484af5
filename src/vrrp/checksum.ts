// VRRP checksums: RFC 1071 sum, v2 over the message (RFC 3768 5.3.8), v3 with pseudo-header (RFC 5798 5.2.8) and variants.

import { AddressFamily, writeAddress } from './addr';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP4, VrrpVersion } from './constants';

/**
 * How a VRRPv3 advert over IPv4 is checksummed. IPv6 always uses the RFC 8200 8.1 pseudo-header
 * (the kernel computes it when IPV6_CHECKSUM is set, as keepalived does).
 */
export enum V3Ipv4ChecksumMode {
  /**
   * RFC 5798 5.2.8: VRRP message plus an IPv4 pseudo-header (src, dst, 0, 112, length). What keepalived
   * (vrrp.c vrrp_build_vrrp_v3, dst = the packet's destination), FRR and Linux do. The default.
   */
  PseudoHeader = 'pseudo-header',
  /**
   * keepalived `old_unicast_checksum` (keepalived <= 1.3.6 behaviour, vrrp.c _WITH_UNICAST_CHKSUM_COMPAT_):
   * pseudo-header whose destination is always 224.0.0.18, even for unicast adverts.
   */
  OldUnicast = 'old-unicast',
  /**
   * The VRRP message alone, computed like VRRPv2: FRR's `no vrrp checksum-with-ipv4-pseudoheader`, other
   * vendors' "exclude pseudo-header" knobs (e.g. OcNOS `vrrp ipv4-exclude-pseudo-header`), and the IPv4 rule
   * of RFC 9568 5.2.8 as quoted by third parties ("the checksum calculation only includes the VRRP message";
   * the RFC text itself was not at hand to verify). Offered as the option `v3_checksum_as_v2`: keepalived
   * 2.2.7 itself has no such keyword (its only variant is old_unicast_checksum, vrrp_parser.c).
   */
  NoPseudoHeader = 'no-pseudo-header',
}

/** One's-complement running sum (RFC 1071) of `buf[start, end)`, added to `acc`; not folded. */
export function sum16(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) s += buf[i]! << 8; // odd length: pad with a zero byte
  // keep the accumulator small enough for exact double arithmetic
  while (s > 0xffffffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Folds a running sum to 16 bits and complements it: the value to put in a checksum field. */
export function finish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Plain internet checksum of a buffer (checksum field must be zero, or the result is 0 when valid). */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return finish(sum16(buf, start, end));
}

/** Sum of the IPv4 pseudo-header (RFC 768 layout: src, dst, zero, protocol, length). */
export function pseudoHeaderSum4(src: string, dst: string, length: number, proto = IPPROTO_VRRP): number {
  const ph = Buffer.alloc(12);
  writeAddress(src, AddressFamily.Inet, ph, 0);
  writeAddress(dst, AddressFamily.Inet, ph, 4);
  ph[9] = proto;
  ph.writeUInt16BE(length & 0xffff, 10);
  return sum16(ph);
}

/** Sum of the IPv6 pseudo-header (RFC 8200 8.1: src, dst, 32-bit length, 3 zero bytes, next header). */
export function pseudoHeaderSum6(src: string, dst: string, length: number, nextHeader = IPPROTO_VRRP): number {
  const ph = Buffer.alloc(40);
  writeAddress(src, AddressFamily.Inet6, ph, 0);
  writeAddress(dst, AddressFamily.Inet6, ph, 16);
  ph.writeUInt32BE(length >>> 0, 32);
  ph[39] = nextHeader;
  return sum16(ph);
}

export interface ChecksumContext {
  family: AddressFamily;
  /** IP source address of the packet. */
  src: string;
  /** IP destination address of the packet. */
  dst: string;
  /** VRRPv3-over-IPv4 variant; default PseudoHeader. */
  v3Ipv4Mode?: V3Ipv4ChecksumMode;
}

/**
 * Checksum of a VRRP message as it should appear in the checksum field. The field at offset 6 is treated
 * as zero whatever it holds, so this works both for building and for verifying (compare with the field).
 *  - v2 over IPv4: the VRRP message only (RFC 3768 5.3.8).
 *  - v3 over IPv4: per `v3Ipv4Mode` (see V3Ipv4ChecksumMode).
 *  - v2 or v3 over IPv6: with the IPv6 pseudo-header (RFC 5798 5.2.8; keepalived's non-standard
 *    "version 2 over IPv6" also lets the kernel add the pseudo-header, see the v2-ip6 golden capture).
 */
export function vrrpChecksum(msg: Uint8Array, version: VrrpVersion, ctx: ChecksumContext): number {
  const len = msg.length;
  let acc = 0;
  if (ctx.family === AddressFamily.Inet6) {
    acc = pseudoHeaderSum6(ctx.src, ctx.dst, len);
  } else if (version === VrrpVersion.V3) {
    const mode = ctx.v3Ipv4Mode ?? V3Ipv4ChecksumMode.PseudoHeader;
    if (mode === V3Ipv4ChecksumMode.PseudoHeader) acc = pseudoHeaderSum4(ctx.src, ctx.dst, len);
    else if (mode === V3Ipv4ChecksumMode.OldUnicast) acc = pseudoHeaderSum4(ctx.src, VRRP_MCAST_GROUP4, len);
  }
  acc = sum16(msg, 0, Math.min(6, len), acc);
  if (len > 8) acc = sum16(msg, 8, len, acc);
  return finish(acc);
}
