// Receive-side checks of a decoded advert against one instance (RFC 5798 7.1, RFC 3768 7.1, keepalived vrrp.c vrrp_check_packet).

import { AddressFamily, canonicalAddress, familyOf, isMulticast } from './addr';
import { authTypeName, passwordMatches } from './auth';
import { V3Ipv4ChecksumMode } from './checksum';
import { AuthType, VRRP_TTL, VrrpVersion } from './constants';
import { RejectReason, VrrpCounters } from './counters';
import { CodecContext, VrrpPacket, parseVrrp } from './packet';

export interface UnicastPeer {
  address: string;
  /** keepalived unicast_peer min_ttl/max_ttl (setting either turns on check_unicast_src) */
  minTtl?: number;
  maxTtl?: number;
}

/** What an instance expects of the adverts it receives. */
export interface InstanceCheckConfig {
  name?: string;
  version: VrrpVersion;
  family: AddressFamily;
  vrid: number;
  /** Configured virtual addresses (virtual_ipaddress), any spelling. */
  addresses: string[];
  /** Configured Advertisement_Interval in milliseconds (v2 adverts must carry the same, in seconds). */
  advertIntervalMs: number;
  /** v2 only; default None. */
  authType?: AuthType;
  authPass?: string;
  /** Instance sends unicast (unicast_peer configured). */
  unicast?: boolean;
  unicastPeers?: UnicastPeer[];
  /** keepalived check_unicast_src / vrrp_check_unicast_src. */
  checkUnicastSrc?: boolean;
}

/** Per-packet facts that are not in the VRRP message. */
export interface RxInfo {
  src: string;
  dst: string;
  /** IPv4 TTL / IPv6 Hop Limit; undefined when the socket could not tell (keepalived rx_ttl_hop_limit -1). */
  ttl?: number;
}

export interface CheckOptions {
  /**
   * Compare the advert's address list with ours (default true). keepalived skips it for adverts from the
   * master it already knows when skip_check_adv_addr is set (vrrp.c vrrp_state_backup).
   */
  checkAddresses?: boolean;
}

export type CheckResult = { ok: true } | { ok: false; reason: RejectReason; detail: string };

const fail = (reason: RejectReason, detail: string): CheckResult => ({ ok: false, reason, detail });

/**
 * Checks a decoded advert against an instance, in keepalived's order. Does not count: see acceptAdvert.
 * RFC 5798 7.1 / RFC 3768 7.1 "MUST" checks are all here; the "MAY" address-list check is keepalived's
 * (log, count addr_list_err, discard).
 */
export function checkAdvert(pkt: VrrpPacket, rx: RxInfo, cfg: InstanceCheckConfig, opts: CheckOptions = {}): CheckResult {
  const srcFamily = familyOf(rx.src);
  if (srcFamily !== cfg.family) {
    return fail(RejectReason.Family, `source address family is ${srcFamily === AddressFamily.Inet6 ? 'IPv6' : srcFamily === AddressFamily.Inet ? 'IPv4' : 'unknown'}; should be ${cfg.family === AddressFamily.Inet ? 'IPv4' : 'IPv6'}`);
  }
  // RFC 5798 7.1: "MUST verify that the IPv4 TTL or IPv6 Hop Limit is 255". keepalived does not check
  // it for unicast instances (unicast_ttl may be lower), see the v3-ip6-ucast capture with hop limit 64.
  if (!cfg.unicast && rx.ttl !== undefined && rx.ttl !== VRRP_TTL) {
    return fail(RejectReason.IpTtl, `${cfg.family === AddressFamily.Inet ? 'TTL' : 'hop limit'} is ${rx.ttl}; should be ${VRRP_TTL}`);
  }
  // RFC 5798 7.1: "MUST verify the VRRP version ..."
  if (pkt.version !== cfg.version) {
    return fail(RejectReason.Version, `VRRP version is ${pkt.version}; should be ${cfg.version}`);
  }
  if (pkt.version === VrrpVersion.V2) {
    // RFC 3768 7.1 / RFC 2338 7.1: "MUST perform authentication specified by Auth Type".
    const want = cfg.authType ?? AuthType.None;
    if (pkt.authType !== want) {
      return fail(RejectReason.AuthTypeMismatch, `auth type is ${authTypeName(pkt.authType)}; should be ${authTypeName(want)}`);
    }
    if (want === AuthType.Pass && cfg.family === AddressFamily.Inet && !passwordMatches(pkt.authData, cfg.authPass ?? '')) {
      // never log either password
      return fail(RejectReason.AuthFailure, 'auth password is a different one; should be the configured auth_pass');
    }
    // RFC 3768 7.1: "MUST verify that the Adver Interval in the packet is the same as the locally configured
    // for this virtual router". keepalived: log and drop ("to prevent concurrent VRID running").
    if (pkt.advertIntervalSec * 1000 !== cfg.advertIntervalMs) {
      return fail(RejectReason.AdvertInterval, `advert interval is ${pkt.advertIntervalSec} s; should be ${cfg.advertIntervalMs / 1000} s`);
    }
  }
  // RFC 5798 7.1: "MUST verify that the VRID is configured on the receiving interface".
  if (pkt.vrid !== cfg.vrid) {
    return fail(RejectReason.VridMismatch, `VRID is ${pkt.vrid}; should be ${cfg.vrid}`);
  }
  const checkAddresses = opts.checkAddresses ?? true;
  // keepalived vrrp_check_packet: "received an unexpected ip number count" -> addr_list_err, discard.
  if (checkAddresses && pkt.addresses.length !== cfg.addresses.length) {
    return fail(RejectReason.AddressCount, `address count is ${pkt.addresses.length}; should be ${cfg.addresses.length}`);
  }
  // keepalived: a multicast instance discards unicast adverts and vice versa (counted as addr_list_err).
  const multicast = isMulticast(rx.dst);
  if (multicast === !!cfg.unicast) {
    return fail(RejectReason.DestinationType, `destination ${rx.dst} is ${multicast ? 'multicast' : 'unicast'}; should be ${cfg.unicast ? 'unicast' : 'multicast'}`);
  }
  if (checkAddresses) {
    // RFC 5798 7.1 "MAY verify that the IPvX Address(es) associated with the VRID are valid"; keepalived
    // does (any order), logs "ip address associated with VRID not present in MASTER advert", discards.
    const got = new Set(pkt.addresses);
    for (const a of cfg.addresses) {
      const c = canonicalAddress(a);
      if (!got.has(c)) {
        return fail(RejectReason.AddressList, `address list is [${pkt.addresses.join(', ')}]; should contain ${c}`);
      }
    }
  }
  if (cfg.unicast && (cfg.checkUnicastSrc || (cfg.unicastPeers ?? []).some((p) => p.minTtl !== undefined || p.maxTtl !== undefined))) {
    const src = canonicalAddress(rx.src);
    const peer = (cfg.unicastPeers ?? []).find((p) => canonicalAddress(p.address) === src);
    if (!peer) {
      return fail(RejectReason.UnicastSource, `unicast source is ${src}; should be one of the unicast peers [${(cfg.unicastPeers ?? []).map((p) => p.address).join(', ')}]`);
    }
    const lo = peer.minTtl ?? 0;
    const hi = peer.maxTtl ?? 255;
    if (rx.ttl !== undefined && (rx.ttl < lo || rx.ttl > hi)) {
      return fail(RejectReason.IpTtl, `TTL/hop limit is ${rx.ttl}; should be in ${lo}..${hi} for peer ${peer.address}`);
    }
  }
  return { ok: true };
}

export type AcceptResult =
  | { ok: true; packet: VrrpPacket; src: string; checksumMode?: V3Ipv4ChecksumMode }
  | { ok: false; reason: RejectReason; detail: string; packet?: VrrpPacket };

/**
 * Decode + check + count, for one instance: what the receive path calls per packet. A rejection increments
 * exactly one counter; an accepted advert increments advertRcvd (and priZeroRcvd when priority is 0).
 */
export function acceptAdvert(
  msg: Uint8Array,
  rx: RxInfo,
  cfg: InstanceCheckConfig,
  counters: VrrpCounters,
  codec: Omit<CodecContext, 'family' | 'src' | 'dst'> = {},
  opts: CheckOptions = {},
): AcceptResult {
  const parsed = parseVrrp(msg, { ...codec, family: cfg.family, src: rx.src, dst: rx.dst });
  if (!parsed.ok) {
    counters.reject(parsed.reason);
    return parsed;
  }
  const c = checkAdvert(parsed.packet, rx, cfg, opts);
  if (!c.ok) {
    counters.reject(c.reason);
    return { ...c, packet: parsed.packet };
  }
  counters.advertRcvd++;
  if (parsed.packet.priority === 0) counters.priZeroRcvd++;
  const src = canonicalAddress(rx.src);
  return parsed.checksumMode ? { ok: true, packet: parsed.packet, src, checksumMode: parsed.checksumMode } : { ok: true, packet: parsed.packet, src };
}
