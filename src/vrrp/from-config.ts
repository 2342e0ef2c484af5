// keepalived.conf vrrp_instance model -> VRRP runtime settings, with keepalived 2.2.7's completion rules (vrrp.c vrrp_complete_instance).

import type { VrrpInstance as VrrpInstanceModel } from '../config/model';
import { AddressFamily, canonicalAddress } from './addr';
import { V3Ipv4ChecksumMode } from './checksum';
import { AuthType, PRIORITY_OWNER, VrrpVersion } from './constants';
import { FsmConfig, fsmConfig } from './fsm';
import { InstanceCheckConfig, UnicastPeer } from './validate';

export interface InstanceSettings {
  fsm: FsmConfig;
  check: InstanceCheckConfig;
  /** unicast_peer addresses (empty: multicast) */
  unicastPeers: string[];
  /** notes about values keepalived would have adjusted, in keepalived's wording */
  warnings: string[];
}

/**
 * advert_int as keepalived uses it (vrrp.c vrrp_complete_instance): v2 whole seconds below 256 (rounded, at
 * least 1 s), v3 whole centiseconds below 40.96 s (rounded, at least 10 ms). Returns milliseconds.
 */
export function effectiveAdvertIntervalMs(version: VrrpVersion, seconds: number, warnings: string[] = []): number {
  let us = Math.round(seconds * 1e6) || 1_000_000;
  if (version === VrrpVersion.V2) {
    if (us >= 256 * 1e6) {
      warnings.push(`VRRPv2 advertisement interval ${seconds}s is out of range. Must be less than 256s. Setting to 255s`);
      us = 255 * 1e6;
    } else if (us % 1e6) {
      warnings.push(`VRRPv2 advertisement interval ${seconds}s must be an integer. rounding`);
      us = Math.floor((us + 5e5) / 1e6) * 1e6 || 1e6;
    }
  } else if (us >= 4096 * 1e4) {
    warnings.push(`VRRPv3 advertisement interval ${seconds}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
    us = 4095 * 1e4;
  } else if (us % 1e4) {
    warnings.push(`VRRPv3 advertisement interval ${seconds}s must be in units of 10ms - rounding`);
    us = Math.floor((us + 5e3) / 1e4) * 1e4 || 1e4;
  }
  return us / 1000;
}

export interface SettingsOptions {
  /** the instance's primary address (unicast_src_ip / mcast_src_ip, else the interface's first address) */
  primaryAddress: string;
  /** lvskeeper extension (keepalived 2.2.7 has none): VRRPv3/IPv4 checksum variant */
  v3Ipv4Checksum?: V3Ipv4ChecksumMode;
}

/** Builds FSM and validation settings for one configured instance. */
export function instanceSettings(m: VrrpInstanceModel, opts: SettingsOptions): InstanceSettings {
  const warnings: string[] = [];
  const family = m.family === 6 ? AddressFamily.Inet6 : AddressFamily.Inet;
  // keepalived: IPv6 instances are v3 unless "version 2" is forced (non-strict); strict forces v3
  let version = m.version === 2 ? VrrpVersion.V2 : VrrpVersion.V3;
  if (family === AddressFamily.Inet6 && version === VrrpVersion.V2 && m.strictMode) {
    warnings.push('cannot use IPv6 with VRRP version 2; setting version 3');
    version = VrrpVersion.V3;
  }
  const owner = m.priority === PRIORITY_OWNER;
  let authType = AuthType.None;
  let authPass: string | undefined;
  if (m.authentication?.type === 'PASS') {
    if (m.strictMode) warnings.push('Strict mode does not support authentication. Ignoring.');
    else if (version === VrrpVersion.V3) warnings.push('VRRP version 3 does not support authentication. Ignoring.');
    else if (!m.authentication.authPass) warnings.push('Authentication specified but no password given. Ignoring');
    else {
      authType = AuthType.Pass;
      authPass = m.authentication.authPass;
    }
  } else if (m.authentication?.type === 'AH') {
    warnings.push('auth_type AH (IPsec AH, removed by RFC 3768) is not supported; using no authentication');
  }
  let nopreempt = m.nopreempt;
  let preemptDelay = m.preemptDelay;
  if (m.state === 'MASTER' && nopreempt) {
    warnings.push('Warning - nopreempt will not work with initial state MASTER - clearing');
    nopreempt = false;
  }
  if (m.state === 'MASTER' && preemptDelay) {
    warnings.push('Warning - preempt delay will not work with initial state MASTER - clearing');
    preemptDelay = 0;
  }
  if (preemptDelay && (m.strictMode || nopreempt)) {
    warnings.push(`preempt_delay is incompatible with ${m.strictMode ? 'strict' : 'nopreempt'} mode - resetting`);
    preemptDelay = 0;
  }
  const advertIntervalMs = effectiveAdvertIntervalMs(version, m.advertInt, warnings);
  const unicastPeers = m.unicastPeer.map((p) => canonicalAddress(p.address));
  const peers: UnicastPeer[] = m.unicastPeer.map((p) => ({
    address: canonicalAddress(p.address),
    ...(p.minTtl !== undefined ? { minTtl: p.minTtl } : {}),
    ...(p.maxTtl !== undefined ? { maxTtl: p.maxTtl } : {}),
  }));
  const fsm = fsmConfig({
    version,
    priority: m.priority,
    primaryAddress: opts.primaryAddress,
    advertIntervalMs,
    preempt: !nopreempt,
    preemptDelayMs: preemptDelay * 1000,
    // vrrp.c: accept = owner ? true : !strict_mode, unless configured
    acceptMode: m.accept ?? (owner ? true : !m.strictMode),
    downTimerAdverts: m.strictMode ? 3 : m.downTimerAdverts,
    garpMasterDelayMs: m.garpMasterDelay * 1000,
    garpMasterRepeat: m.garpMasterRepeat,
    garpMasterRefreshMs: m.garpMasterRefresh * 1000,
    garpMasterRefreshRepeat: m.garpMasterRefreshRepeat,
    // strict mode: no lower-priority GARPs, no advert on a lower-priority advert, none on a higher one
    garpLowerPrioDelayMs: m.strictMode ? 0 : m.garpLowerPrioDelay * 1000,
    garpLowerPrioRepeat: m.strictMode ? 0 : m.garpLowerPrioRepeat,
    lowerPrioNoAdvert: m.strictMode ? true : m.lowerPrioNoAdvert,
    higherPrioSendAdvert: m.strictMode ? false : m.higherPrioSendAdvert,
    notifyPriorityChanges: m.notifyPriorityChanges ?? false,
  });
  const check: InstanceCheckConfig = {
    name: m.name,
    version,
    family,
    vrid: m.virtualRouterId ?? 0,
    addresses: m.virtualIpaddress.filter((v) => v.family === (family === AddressFamily.Inet ? 4 : 6)).map((v) => canonicalAddress(v.address)),
    advertIntervalMs,
    authType,
    ...(authPass !== undefined ? { authPass } : {}),
    unicast: unicastPeers.length > 0,
    unicastPeers: peers,
    checkUnicastSrc: m.checkUnicastSrc,
  };
  return { fsm, check, unicastPeers, warnings };
}
