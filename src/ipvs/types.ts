// IPVS data model: identities (service, destination) kept apart from their configuration and from observed stats.
import { AddressFamily, ForwardMethod, Protocol, SyncState, TunnelType } from './constants';

/** A virtual service addressed by protocol, address and port (ipvsadm -t/-u/--sctp-service). */
export interface AddressServiceKey {
  family: AddressFamily.INET | AddressFamily.INET6;
  /** Protocol number; the kernel accepts any, ipvsadm uses TCP, UDP or SCTP */
  protocol: Protocol | number;
  /** Canonical text (IPv4 dotted quad or RFC 5952 IPv6) */
  address: string;
  port: number;
}

/** A virtual service addressed by firewall mark (ipvsadm -f); family selects which packets match. */
export interface FwmarkServiceKey {
  family: AddressFamily.INET | AddressFamily.INET6;
  fwmark: number;
}

export type ServiceKey = AddressServiceKey | FwmarkServiceKey;

export const isFwmarkKey = (k: ServiceKey): k is FwmarkServiceKey => 'fwmark' in k && k.fwmark !== undefined && k.fwmark !== 0;

export interface ServiceConfig {
  /** Scheduler name ("wlc", "rr", ... or "none"); at most 15 characters */
  scheduler: string;
  /** IP_VS_SVC_F_* bits (ServiceFlag), without the kernel-internal HASHED bit */
  flags: number;
  /** Persistence timeout in seconds (meaningful with ServiceFlag.PERSISTENT) */
  timeout: number;
  /**
   * Persistence granularity. IPv4: the mask as a 32-bit number (0xffffffff = /32, as ipvsadm's default).
   * IPv6: the prefix length 1..128 (128 by default).
   */
  netmask: number;
  /** Persistence engine ("sip"), empty or absent for none */
  persistenceEngine?: string;
}

/** Identity of a real server inside a service. Its family is the family of `address` (may differ from
 *  the service's: mixed-family destinations must use tunnel forwarding). */
export interface DestinationKey {
  address: string;
  port: number;
}

export interface DestinationConfig {
  forward: ForwardMethod;
  /** 0..2147483647; 0 quiesces the server */
  weight: number;
  /** Upper/lower connection thresholds; 0 = no limit */
  upperThreshold: number;
  lowerThreshold: number;
  /** Tunnel encapsulation (forward = TUNNEL) */
  tunnelType: TunnelType;
  /** GUE destination port (required for GUE) */
  tunnelPort: number;
  /** TunnelFlag bits (checksum options for GUE/GRE) */
  tunnelFlags: number;
}

/** Counters of ip_vs_stats_user: the 32-bit ones truncated by the kernel, byte counters 64-bit. */
export interface Stats {
  conns: number;
  inpkts: number;
  outpkts: number;
  inbytes: bigint;
  outbytes: bigint;
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
}

/** IPVS_*_ATTR_STATS64: every counter and rate 64-bit. */
export interface Stats64 {
  conns: bigint;
  inpkts: bigint;
  outpkts: bigint;
  inbytes: bigint;
  outbytes: bigint;
  cps: bigint;
  inpps: bigint;
  outpps: bigint;
  inbps: bigint;
  outbps: bigint;
}

/** A service as listed by the kernel. */
export interface ServiceEntry {
  key: ServiceKey;
  config: ServiceConfig;
  stats: Stats;
  stats64: Stats64;
}

/** A destination as listed by the kernel. */
export interface DestinationEntry {
  key: DestinationKey;
  config: DestinationConfig;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: Stats;
  stats64: Stats64;
}

/** Connection synchronisation daemon (ipvsadm --start-daemon). */
export interface DaemonConfig {
  state: SyncState.MASTER | SyncState.BACKUP;
  /** Multicast interface name (at most 15 characters) */
  mcastInterface: string;
  /** SyncID 0..255 (the kernel keeps 32 bits) */
  syncId: number;
  /** UDP payload size; 0/absent = from the interface MTU */
  syncMaxLen?: number;
  /** IPv4 or IPv6 multicast group; absent = 224.0.0.81 */
  mcastGroup?: string;
  /** absent = 8848 */
  mcastPort?: number;
  /** absent = 1 */
  mcastTtl?: number;
}

/** A running daemon as the kernel reports it (all fields filled in with the kernel's defaults). */
export interface DaemonEntry {
  state: SyncState.MASTER | SyncState.BACKUP;
  mcastInterface: string;
  syncId: number;
  syncMaxLen: number;
  mcastGroup: string;
  mcastPort: number;
  mcastTtl: number;
}

/** Connection timeouts in seconds (ipvsadm --set tcp tcpfin udp). 0 in a SET leaves a value unchanged. */
export interface Timeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface Info {
  /** "1.2.1", as ipvsadm prints in "IP Virtual Server version 1.2.1 (size=4096)" */
  version: string;
  versionCode: number;
  connTableSize: number;
}

export const ZERO_STATS: Readonly<Stats> = Object.freeze({
  conns: 0,
  inpkts: 0,
  outpkts: 0,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0,
  inpps: 0,
  outpps: 0,
  inbps: 0,
  outbps: 0,
});

export const ZERO_STATS64: Readonly<Stats64> = Object.freeze({
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
});

/** Defaults ipvsadm and keepalived use when a field is not given. */
export function defaultServiceConfig(family: AddressFamily.INET | AddressFamily.INET6): ServiceConfig {
  return { scheduler: 'wlc', flags: 0, timeout: 0, netmask: family === AddressFamily.INET6 ? 128 : 0xffffffff };
}

export function defaultDestinationConfig(): DestinationConfig {
  return {
    forward: ForwardMethod.DROUTE,
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: TunnelType.IPIP,
    tunnelPort: 0,
    tunnelFlags: 0,
  };
}

export function versionString(code: number): string {
  return `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`;
}
