// The reconciler's view of an IPVS table: services by canonical id, each with its destinations.
// Used for both the desired table (configuration + health) and the actual one (the kernel's dump).
import type { DestinationConfig, DestinationKey, ServiceConfig, ServiceKey } from '../ipvs/types';
import { isFwmarkKey } from '../ipvs/types';
import { AddressFamily, Protocol } from '../ipvs/constants';

export interface TableDest {
  key: DestinationKey;
  config: DestinationConfig;
}

export interface TableService {
  key: ServiceKey;
  config: ServiceConfig;
  dests: Map<string, TableDest>;
}

export type Table = Map<string, TableService>;

function protoName(p: number): string {
  return p === Protocol.TCP ? 'TCP' : p === Protocol.UDP ? 'UDP' : p === Protocol.SCTP ? 'SCTP' : `proto${p}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Canonical id of a service, as ipvsadm would name it: "TCP 10.0.0.1:80", "FWM 5 IPv6". */
export function serviceId(k: ServiceKey): string {
  if (isFwmarkKey(k)) return `FWM ${k.fwmark}${k.family === AddressFamily.INET6 ? ' IPv6' : ''}`;
  return `${protoName(k.protocol)} ${hostPort(k.address, k.port)}`;
}

export function destId(k: DestinationKey): string {
  return hostPort(k.address, k.port);
}

export function newTable(services: Array<{ key: ServiceKey; config: ServiceConfig; dests?: TableDest[] }>): Table {
  const t: Table = new Map();
  for (const s of services) {
    const dests = new Map<string, TableDest>();
    for (const d of s.dests ?? []) dests.set(destId(d.key), d);
    t.set(serviceId(s.key), { key: s.key, config: s.config, dests });
  }
  return t;
}

export function sameServiceConfig(a: ServiceConfig, b: ServiceConfig): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.flags === b.flags &&
    a.timeout === b.timeout &&
    a.netmask === b.netmask &&
    (a.persistenceEngine ?? '') === (b.persistenceEngine ?? '')
  );
}

export function sameDestConfig(a: DestinationConfig, b: DestinationConfig): boolean {
  return (
    a.forward === b.forward &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    a.tunnelType === b.tunnelType &&
    a.tunnelPort === b.tunnelPort &&
    a.tunnelFlags === b.tunnelFlags
  );
}
