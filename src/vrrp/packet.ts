// VRRP advertisement codec: parseVrrp/formatVrrp for v2 (RFC 3768 5.1) and v3 (RFC 5798 5.1) over IPv4 and IPv6.

import { AddressFamily, addressLength, addressToString, writeAddress } from './addr';
import { V3Ipv4ChecksumMode, vrrpChecksum } from './checksum';
import {
  AuthType,
  IPPROTO_AH,
  IPPROTO_VRRP,
  V3_MAX_ADVERT_INTERVAL_CS,
  VRRP_AUTH_LEN,
  VRRP_HEADER_LEN,
  VrrpType,
  VrrpVersion,
} from './constants';
import { RejectReason } from './counters';
import { Ipv4Header, parseIpv4Packet } from './ip';

interface VrrpPacketCommon {
  vrid: number;
  priority: number;
  /** The IPvX Address(es) field, in wire order, as canonical text. */
  addresses: string[];
  /** Checksum field as received (parse) or as computed (informational on format: format always recomputes). */
  checksum?: number;
}

/** VRRPv2 advertisement (RFC 3768 5.1). */
export interface VrrpV2Packet extends VrrpPacketCommon {
  version: VrrpVersion.V2;
  authType: AuthType;
  /** Adver Int in seconds (RFC 3768 5.3.7). */
  advertIntervalSec: number;
  /**
   * Authentication Data, 8 bytes over IPv4. Over IPv6 (keepalived's non-standard "version 2" IPv6 instances)
   * keepalived sends none, so it is empty there.
   */
  authData: Buffer;
}

/** VRRPv3 advertisement (RFC 5798 5.1). */
export interface VrrpV3Packet extends VrrpPacketCommon {
  version: VrrpVersion.V3;
  /** Max Advertise Interval in centiseconds, 12 bits (RFC 5798 5.2.7). */
  maxAdvertIntervalCs: number;
  /** The 4 reserved bits (RFC 5798 5.2.6: sent as 0, ignored on receive); kept so that format(parse(x)) == x. */
  reserved?: number;
}

export type VrrpPacket = VrrpV2Packet | VrrpV3Packet;

export interface CodecContext {
  family: AddressFamily;
  /** IP source address (for the pseudo-header, and reported as the advert's sender). */
  src: string;
  /** IP destination address (pseudo-header). */
  dst: string;
  /** VRRPv3 over IPv4 checksum variant used to send, and tried first on receive. Default PseudoHeader. */
  v3Ipv4Checksum?: V3Ipv4ChecksumMode;
  /**
   * Further variants accepted on receive. keepalived (vrrp_check_packet, CHKSUM_COMPATIBILITY_NONE) also
   * accepts OldUnicast on unicast instances and then switches to it; RFC 9568 receivers accept both
   * PseudoHeader and NoPseudoHeader.
   */
  acceptV3Ipv4Checksums?: V3Ipv4ChecksumMode[];
  /** Skip checksum verification (IPv6 raw sockets with IPV6_CHECKSUM: the kernel already verified). */
  skipChecksum?: boolean;
}

export type ParseResult =
  | {
      ok: true;
      packet: VrrpPacket;
      /** For v3 over IPv4: the variant whose checksum matched. */
      checksumMode?: V3Ipv4ChecksumMode;
    }
  | { ok: false; reason: RejectReason; detail: string };

function reject(reason: RejectReason, detail: string): ParseResult {
  return { ok: false, reason, detail };
}

/** Length a message must have given its first bytes (keepalived vrrp.c expected_vrrp_pkt_len). */
export function expectedLength(version: VrrpVersion, family: AddressFamily, count: number): number {
  let len = VRRP_HEADER_LEN + count * addressLength(family);
  // RFC 3768 5.1: v2 carries 8 bytes of Authentication Data; keepalived sends none for its IPv6 "v2".
  if (version === VrrpVersion.V2 && family === AddressFamily.Inet) len += VRRP_AUTH_LEN;
  return len;
}

const hex16 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/**
 * Decodes one VRRP message (the IP payload, no IP header). Checks that need nothing but the packet and
 * its IP addresses: length, version 2/3, type, checksum, v2 auth type. Instance checks (TTL, VRID, VIPs,
 * intervals, password) are in validate.ts. Never throws on any input.
 */
export function parseVrrp(buf: Uint8Array, ctx: CodecContext): ParseResult {
  if (buf.length < VRRP_HEADER_LEN) {
    return reject(RejectReason.PacketLength, `VRRP length is ${buf.length}; should be at least ${VRRP_HEADER_LEN}`);
  }
  const version = buf[0]! >> 4;
  const type = buf[0]! & 0x0f;
  // RFC 5798 7.1: "MUST verify that the VRRP version is 3" (RFC 3768 7.1: 2); we decode both here.
  if (version !== VrrpVersion.V2 && version !== VrrpVersion.V3) {
    return reject(RejectReason.Version, `VRRP version is ${version}; should be 2 or 3`);
  }
  const count = buf[3]!;
  const expected = expectedLength(version, ctx.family, count);
  // RFC 5798 7.1: "MUST verify that the received packet contains the complete VRRP packet (including fixed
  // fields, and IPvX Address(es))". keepalived rejects longer packets too ("vrrp packet too long").
  if (buf.length !== expected) {
    return reject(
      RejectReason.PacketLength,
      `VRRP length is ${buf.length}; should be ${expected} for version ${version} with ${count} ${ctx.family === AddressFamily.Inet ? 'IPv4' : 'IPv6'} address(es)`,
    );
  }
  // RFC 5798 5.2.2: "A packet with unknown type MUST be discarded."
  if (type !== VrrpType.Advertisement) {
    return reject(RejectReason.InvalidType, `VRRP type is ${type}; should be ${VrrpType.Advertisement} (ADVERTISEMENT)`);
  }
  const checksum = (buf[6]! << 8) | buf[7]!;
  let checksumMode: V3Ipv4ChecksumMode | undefined;
  if (!ctx.skipChecksum) {
    try {
      const cctx = { family: ctx.family, src: ctx.src, dst: ctx.dst };
      if (version === VrrpVersion.V3 && ctx.family === AddressFamily.Inet) {
        const modes = [ctx.v3Ipv4Checksum ?? V3Ipv4ChecksumMode.PseudoHeader, ...(ctx.acceptV3Ipv4Checksums ?? [])];
        let first: number | undefined;
        for (const m of modes) {
          const c = vrrpChecksum(buf, version, { ...cctx, v3Ipv4Mode: m });
          first ??= c;
          if (c === checksum) {
            checksumMode = m;
            break;
          }
        }
        if (checksumMode === undefined) {
          return reject(RejectReason.Checksum, `VRRP checksum is ${hex16(checksum)}; should be ${hex16(first!)} (${modes.join(' or ')})`);
        }
      } else {
        const c = vrrpChecksum(buf, version, cctx);
        if (c !== checksum) return reject(RejectReason.Checksum, `VRRP checksum is ${hex16(checksum)}; should be ${hex16(c)}`);
      }
    } catch (e) {
      // only reachable when ctx holds a malformed address: report, never throw
      return reject(RejectReason.Checksum, `VRRP checksum cannot be verified: ${(e as Error).message}`);
    }
  }
  const alen = addressLength(ctx.family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(addressToString(buf, VRRP_HEADER_LEN + i * alen, ctx.family));
  const base = { vrid: buf[1]!, priority: buf[2]!, addresses, checksum };
  if (version === VrrpVersion.V2) {
    const authType = buf[4]!;
    // RFC 3768 5.3.6 defines only 0; keepalived (vrrp_check_packet) also knows 1 (PASS) and 2 (AH).
    if (authType === AuthType.Ah) {
      return reject(RejectReason.AuthAhObsolete, `VRRPv2 auth type is 2 (IPsec AH, removed by RFC 3768); should be 0 (none) or 1 (PASS)`);
    }
    if (authType !== AuthType.None && authType !== AuthType.Pass) {
      return reject(RejectReason.InvalidAuthType, `VRRPv2 auth type is ${authType}; should be 0 (none) or 1 (PASS)`);
    }
    const authStart = VRRP_HEADER_LEN + count * alen;
    const packet: VrrpV2Packet = {
      version: VrrpVersion.V2,
      ...base,
      authType,
      advertIntervalSec: buf[5]!,
      authData: Buffer.from(buf.subarray(authStart, buf.length)),
    };
    return { ok: true, packet };
  }
  const word = (buf[4]! << 8) | buf[5]!;
  const packet: VrrpV3Packet = {
    version: VrrpVersion.V3,
    ...base,
    maxAdvertIntervalCs: word & V3_MAX_ADVERT_INTERVAL_CS,
    reserved: word >> 12,
  };
  return checksumMode ? { ok: true, packet, checksumMode } : { ok: true, packet };
}

export class VrrpFormatError extends Error {
  readonly code = 'EVRRPFORMAT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`formatVrrp: ${message}`);
    this.name = 'VrrpFormatError';
  }
}

function checkRange(field: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new VrrpFormatError(field, `${field} is ${v}; should be an integer in ${lo}..${hi}`);
}

/** Encodes an advertisement with its checksum computed for `ctx` (src/dst/family/variant). */
export function formatVrrp(packet: VrrpPacket, ctx: CodecContext): Buffer {
  checkRange('vrid', packet.vrid, 0, 255);
  checkRange('priority', packet.priority, 0, 255);
  checkRange('address count', packet.addresses.length, 0, 255);
  const alen = addressLength(ctx.family);
  const len = expectedLength(packet.version, ctx.family, packet.addresses.length);
  const out = Buffer.alloc(len);
  out[0] = (packet.version << 4) | VrrpType.Advertisement;
  out[1] = packet.vrid;
  out[2] = packet.priority;
  out[3] = packet.addresses.length;
  if (packet.version === VrrpVersion.V2) {
    checkRange('auth type', packet.authType, 0, 255);
    checkRange('advert interval (s)', packet.advertIntervalSec, 0, 255);
    out[4] = packet.authType;
    out[5] = packet.advertIntervalSec;
  } else {
    checkRange('max advert interval (cs)', packet.maxAdvertIntervalCs, 0, V3_MAX_ADVERT_INTERVAL_CS);
    const reserved = packet.reserved ?? 0;
    checkRange('reserved', reserved, 0, 15);
    out.writeUInt16BE((reserved << 12) | packet.maxAdvertIntervalCs, 4);
  }
  packet.addresses.forEach((a, i) => {
    try {
      writeAddress(a, ctx.family, out, VRRP_HEADER_LEN + i * alen);
    } catch (e) {
      throw new VrrpFormatError('addresses', (e as Error).message);
    }
  });
  if (packet.version === VrrpVersion.V2 && ctx.family === AddressFamily.Inet) {
    const auth = packet.authData;
    if (auth.length !== 0 && auth.length !== VRRP_AUTH_LEN) {
      throw new VrrpFormatError('authData', `authData length is ${auth.length}; should be ${VRRP_AUTH_LEN}`);
    }
    auth.copy(out, len - VRRP_AUTH_LEN);
  }
  out.writeUInt16BE(vrrpChecksum(out, packet.version, { family: ctx.family, src: ctx.src, dst: ctx.dst, v3Ipv4Mode: ctx.v3Ipv4Checksum }), 6);
  return out;
}

export type DatagramResult =
  | { ok: true; ip: Ipv4Header; packet: VrrpPacket; checksumMode?: V3Ipv4ChecksumMode }
  | { ok: false; reason: RejectReason; detail: string; ip?: Ipv4Header };

/**
 * Decodes an IPv4 datagram as a raw IPPROTO_VRRP socket delivers it (IP header included): gives the TTL
 * and addresses that validation needs, then the VRRP message. `ctx` supplies the checksum options only.
 */
export function parseVrrpIpv4Datagram(buf: Buffer, ctx: Omit<CodecContext, 'family' | 'src' | 'dst'> = {}): DatagramResult {
  const ipr = parseIpv4Packet(buf);
  if (!ipr.ok) return { ok: false, reason: RejectReason.IpHeader, detail: ipr.detail };
  const ip = ipr.header;
  if (ip.protocol === IPPROTO_AH) {
    return { ok: false, reason: RejectReason.AuthAhObsolete, detail: 'IP protocol is 51 (AH, VRRPv2 auth type 2, removed by RFC 3768); should be 112', ip };
  }
  if (ip.protocol !== IPPROTO_VRRP) {
    return { ok: false, reason: RejectReason.IpProtocol, detail: `IP protocol is ${ip.protocol}; should be ${IPPROTO_VRRP}`, ip };
  }
  if (ip.fragmentOffset !== 0 || ip.moreFragments) {
    return { ok: false, reason: RejectReason.IpHeader, detail: `IPv4 fragment offset is ${ip.fragmentOffset}${ip.moreFragments ? ' with more fragments' : ''}; should be an unfragmented packet`, ip };
  }
  const r = parseVrrp(ipr.payload, { ...ctx, family: AddressFamily.Inet, src: ip.src, dst: ip.dst });
  if (!r.ok) return { ...r, ip };
  return r.checksumMode ? { ok: true, ip, packet: r.packet, checksumMode: r.checksumMode } : { ok: true, ip, packet: r.packet };
}
