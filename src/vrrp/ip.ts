// IPv4/IPv6 headers around VRRP: parse what a raw socket (IPv4, header included) or a capture delivers; build IPv4 headers.

import { AddressFamily, ipv4ToString, ipv6ToString, writeAddress } from './addr';
import { internetChecksum } from './checksum';
import { IPPROTO_VRRP, VRRP_TTL } from './constants';

export interface Ipv4Header {
  version: 4;
  /** header length in bytes (IHL * 4) */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

export interface Ipv6Header {
  version: 6;
  headerLength: 40;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
}

export type IpHeaderResult<H> = { ok: true; header: H; payload: Buffer } | { ok: false; detail: string };

/**
 * Parses an IPv4 packet as a Linux raw socket delivers it (header included, tot_len in network order and
 * counting the header). The payload is cut at tot_len; a buffer shorter than tot_len is an error.
 */
export function parseIpv4Packet(buf: Buffer): IpHeaderResult<Ipv4Header> {
  if (buf.length < 20) return { ok: false, detail: `IPv4 packet length is ${buf.length}; should be at least 20` };
  const version = buf[0]! >> 4;
  if (version !== 4) return { ok: false, detail: `IP version is ${version}; should be 4` };
  const headerLength = (buf[0]! & 0x0f) * 4;
  if (headerLength < 20) return { ok: false, detail: `IPv4 header length is ${headerLength}; should be at least 20` };
  if (buf.length < headerLength) {
    return { ok: false, detail: `IPv4 packet length is ${buf.length}; should be at least the header length ${headerLength}` };
  }
  const totalLength = buf.readUInt16BE(2);
  if (totalLength < headerLength || totalLength > buf.length) {
    return { ok: false, detail: `IPv4 total length is ${totalLength}; should be between ${headerLength} and the ${buf.length} bytes received` };
  }
  const frag = buf.readUInt16BE(6);
  const header: Ipv4Header = {
    version: 4,
    headerLength,
    tos: buf[1]!,
    totalLength,
    id: buf.readUInt16BE(4),
    dontFragment: (frag & 0x4000) !== 0,
    moreFragments: (frag & 0x2000) !== 0,
    fragmentOffset: (frag & 0x1fff) * 8,
    ttl: buf[8]!,
    protocol: buf[9]!,
    checksum: buf.readUInt16BE(10),
    src: ipv4ToString(buf, 12),
    dst: ipv4ToString(buf, 16),
  };
  return { ok: true, header, payload: buf.subarray(headerLength, totalLength) };
}

/** Parses a fixed IPv6 header (no extension headers are walked: VRRP packets carry none). */
export function parseIpv6Packet(buf: Buffer): IpHeaderResult<Ipv6Header> {
  if (buf.length < 40) return { ok: false, detail: `IPv6 packet length is ${buf.length}; should be at least 40` };
  const version = buf[0]! >> 4;
  if (version !== 6) return { ok: false, detail: `IP version is ${version}; should be 6` };
  const w = buf.readUInt32BE(0);
  const payloadLength = buf.readUInt16BE(4);
  if (40 + payloadLength > buf.length) {
    return { ok: false, detail: `IPv6 payload length is ${payloadLength}; should be at most the ${buf.length - 40} bytes received` };
  }
  const header: Ipv6Header = {
    version: 6,
    headerLength: 40,
    trafficClass: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    payloadLength,
    nextHeader: buf[6]!,
    hopLimit: buf[7]!,
    src: ipv6ToString(buf, 8),
    dst: ipv6ToString(buf, 24),
  };
  return { ok: true, header, payload: buf.subarray(40, 40 + payloadLength) };
}

export interface Ipv4BuildOptions {
  src: string;
  dst: string;
  /** default 255 (RFC 5798 5.1.1.3) */
  ttl?: number;
  /** default 0xc0, internetwork control, as keepalived vrrp_build_ip4 */
  tos?: number;
  /** default 0 (with IP_HDRINCL the kernel then picks one) */
  id?: number;
  dontFragment?: boolean;
  protocol?: number;
}

/**
 * An IPv4 header for `payloadLength` bytes of payload, header checksum filled in, the way keepalived
 * builds it for its IP_HDRINCL send socket (vrrp.c vrrp_build_ip4).
 */
export function formatIpv4Header(opts: Ipv4BuildOptions, payloadLength: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = opts.tos ?? 0xc0;
  h.writeUInt16BE(20 + payloadLength, 2);
  h.writeUInt16BE(opts.id ?? 0, 4);
  h.writeUInt16BE(opts.dontFragment ? 0x4000 : 0, 6);
  h[8] = opts.ttl ?? VRRP_TTL;
  h[9] = opts.protocol ?? IPPROTO_VRRP;
  writeAddress(opts.src, AddressFamily.Inet, h, 12);
  writeAddress(opts.dst, AddressFamily.Inet, h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}
