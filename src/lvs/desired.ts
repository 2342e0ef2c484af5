// Configuration + health -> the desired IPVS table, with keepalived's virtual-server semantics (check/ipwrapper.c
// v2.2.7): down real servers leave the pool (or stay at weight 0 with inhibit_on_failure), quorum with hysteresis,
// the sorry server replacing the pool while quorum is lost, virtual_server_group expansion, fwmark and IPv6 services.
import { canonicalAddress, ipv4Mask } from '../ipvs/address';
import { AddressFamily, ForwardMethod, Protocol, ServiceFlag, TunnelFlag, TunnelType } from '../ipvs/constants';
import type { DestinationConfig, DestinationKey, ServiceConfig, ServiceKey } from '../ipvs/types';
import type { Config, Family, LvsMethod, RealServer, TunnelOpts, VirtualServer, VsgEntry } from '../config/model';
import { Table, TableDest, destId, serviceId } from './state';

export class DesiredStateError extends Error {
  readonly code: string;
  constructor(code: string, message: string, readonly context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DesiredStateError';
    this.code = code;
  }
}

export interface RsPlan {
  /** "<vs id> -> <addr:port>" */
  id: string;
  label: string;
  rs: RealServer;
  address: string;
  /** the configured port; 0 = the service's port */
  port: number;
  /** real_weight of the configured weight */
  weight: number;
  inhibit: boolean;
  dest: Omit<DestinationConfig, 'weight'>;
}

export interface SorryPlan {
  address: string;
  port: number;
  inhibit: boolean;
  dest: Omit<DestinationConfig, 'weight'>;
}

export interface VsPlan {
  /** "TCP 10.0.0.1:80", "FWM 5", "group NAME TCP" */
  id: string;
  vs: VirtualServer;
  services: Array<{ key: ServiceKey; config: ServiceConfig }>;
  realServers: RsPlan[];
  sorry?: SorryPlan;
  /** addresses that must be local for the checkers to run under ha_suspend */
  addresses: string[];
  /** the configuration it came from (checker targets need global parts: track files, SSL) */
  config: Config;
}

const famOf = (f: Family | undefined, addr?: string): AddressFamily.INET | AddressFamily.INET6 =>
  f === 6 || (f === undefined && addr?.includes(':')) ? AddressFamily.INET6 : AddressFamily.INET;

const PROTO: Record<string, Protocol> = { TCP: Protocol.TCP, UDP: Protocol.UDP, SCTP: Protocol.SCTP };

export function forwardMethod(m: LvsMethod | string): ForwardMethod {
  return m === 'NAT' ? ForwardMethod.MASQ : m === 'TUN' ? ForwardMethod.TUNNEL : ForwardMethod.DROUTE;
}

function tunnel(o: TunnelOpts, vs: VirtualServer): Pick<DestinationConfig, 'tunnelType' | 'tunnelPort' | 'tunnelFlags'> {
  const type = o.tunType ?? vs.tunType;
  const flags = o.tunFlags ?? vs.tunFlags;
  return {
    tunnelType: type === 'gue' ? TunnelType.GUE : type === 'gre' ? TunnelType.GRE : TunnelType.IPIP,
    tunnelPort: o.tunPort ?? vs.tunPort ?? 0,
    tunnelFlags: flags === 'csum' ? TunnelFlag.CSUM : flags === 'remcsum' ? TunnelFlag.REMCSUM : TunnelFlag.NOCSUM,
  };
}

/** ServiceConfig of a virtual server (check/ipvswrapper.c ipvs_set_srule). */
export function serviceConfig(vs: VirtualServer, family: AddressFamily.INET | AddressFamily.INET6): ServiceConfig {
  let flags = 0;
  if (vs.persistenceTimeout > 0) flags |= ServiceFlag.PERSISTENT;
  if (vs.ops) flags |= ServiceFlag.ONEPACKET;
  if (vs.flag1) flags |= ServiceFlag.SCHED1;
  if (vs.flag2) flags |= ServiceFlag.SCHED2;
  if (vs.flag3) flags |= ServiceFlag.SCHED3;
  // sh-fallback/mh-fallback = SCHED1, sh-port/mh-port = SCHED2 (ip_vs.h, ip_vs_mh.c); meaningful only with their scheduler
  if ((vs.lbAlgo === 'sh' && vs.shFallback) || (vs.lbAlgo === 'mh' && vs.mhFallback)) flags |= ServiceFlag.SCHED1;
  if ((vs.lbAlgo === 'sh' && vs.shPort) || (vs.lbAlgo === 'mh' && vs.mhPort)) flags |= ServiceFlag.SCHED2;
  let netmask = family === AddressFamily.INET6 ? 128 : 0xffffffff;
  if (vs.persistenceGranularity !== undefined) {
    const g = vs.persistenceGranularity;
    netmask = family === AddressFamily.INET6 ? Number(g) : /^\d+$/.test(g) ? ipv4Mask(Number(g)) : ipv4Mask(g);
  }
  return {
    scheduler: vs.lbAlgo,
    flags: flags >>> 0,
    timeout: vs.persistenceTimeout > 0 ? Math.round(vs.persistenceTimeout) : 0,
    netmask,
    persistenceEngine: vs.persistenceEngine ?? '',
  };
}

/** Every address from first to last inclusive (last IPv4 octet or last IPv6 group ranges, as keepalived's "x.y.z.a-b"). */
export function expandRange(first: string, last: string | undefined): string[] {
  const a = canonicalAddress(first);
  if (!last || canonicalAddress(last) === a) return [a];
  const v6 = a.includes(':');
  const toBig = (s: string): bigint =>
    v6
      ? BigInt('0x' + Buffer.from(expand6(canonicalAddress(s))).toString('hex'))
      : BigInt(s.split('.').reduce((n, o) => n * 256 + Number(o), 0));
  const lo = toBig(a);
  const hi = toBig(last);
  if (hi < lo) throw new DesiredStateError('ERANGE', `address range ${first}-${last} is empty; should end at or after its start`);
  if (hi - lo > 65535n) throw new DesiredStateError('ERANGE', `address range ${first}-${last} has ${hi - lo + 1n} addresses; should have at most 65536`);
  const out: string[] = [];
  for (let x = lo; x <= hi; x++) out.push(v6 ? fromBig6(x) : [24n, 16n, 8n, 0n].map((s) => String((x >> s) & 255n)).join('.'));
  return out;
}

function expand6(s: string): number[] {
  const [h, t] = s.split('::');
  const parse = (p: string | undefined): number[] => (p ? p.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(h);
  const tail = t === undefined ? [] : parse(t);
  const groups = t === undefined ? head : [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail];
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

function fromBig6(x: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((x >> BigInt(i * 16)) & 0xffffn).toString(16));
  return canonicalAddress(groups.join(':'));
}

function vsgServices(vs: VirtualServer, entries: VsgEntry[], proto: Protocol): ServiceKey[] {
  const keys: ServiceKey[] = [];
  for (const e of entries) {
    if (e.kind === 'fwmark') {
      keys.push({ family: famOf(e.fwmarkFamily ?? vs.family ?? vs.ipFamily), fwmark: e.fwmark! });
    } else {
      for (const a of expandRange(e.address!, e.addressEnd)) keys.push({ family: famOf(undefined, a), protocol: proto, address: a, port: e.port ?? 0 });
    }
  }
  return keys;
}

/** The id under which a virtual server is tracked (state, checker ids). */
export function vsId(vs: VirtualServer): string {
  const proto = vs.protocol ?? 'TCP';
  if (vs.kind === 'group') return `group ${vs.group} ${proto}`;
  if (vs.kind === 'fwmark') return serviceId({ family: famOf(vs.family ?? vs.ipFamily), fwmark: vs.fwmark! });
  return serviceId({ family: famOf(vs.family, vs.address), protocol: PROTO[proto], address: canonicalAddress(vs.address!), port: vs.port ?? 0 });
}

/** Resolves every virtual server of a configuration into services and real servers (no health involved). */
export function planVirtualServers(config: Config, onError?: (vs: VirtualServer, e: Error) => void): VsPlan[] {
  const out: VsPlan[] = [];
  const seen = new Set<string>();
  for (const vs of config.virtualServers) {
    try {
      const id = vsId(vs);
      if (seen.has(id)) throw new DesiredStateError('EDUPVS', `virtual server ${id} is defined twice; should be defined once`);
      seen.add(id);
      const proto = PROTO[vs.protocol ?? 'TCP'];
      let keys: ServiceKey[];
      if (vs.kind === 'group') {
        const g = config.virtualServerGroups.find((x) => x.name === vs.group);
        if (!g) throw new DesiredStateError('ENOVSG', `virtual_server_group ${vs.group} is not defined; should be defined before use`);
        keys = vsgServices(vs, g.entries, proto);
      } else if (vs.kind === 'fwmark') {
        keys = [{ family: famOf(vs.family ?? vs.ipFamily), fwmark: vs.fwmark! }];
      } else {
        keys = [{ family: famOf(vs.family, vs.address), protocol: proto, address: canonicalAddress(vs.address!), port: vs.port ?? 0 }];
      }
      const services = keys.map((key) => ({ key, config: serviceConfig(vs, key.family) }));
      const realServers: RsPlan[] = [];
      const rsSeen = new Set<string>();
      for (const rs of vs.realServers) {
        const address = canonicalAddress(rs.address);
        const rid = `${id} -> ${destId({ address, port: rs.port })}`;
        if (rsSeen.has(rid)) continue; // keepalived drops duplicate real servers
        rsSeen.add(rid);
        realServers.push({
          id: rid,
          label: `[${address}]:${(vs.kind === 'fwmark' ? 'none' : (vs.protocol ?? 'TCP')).toLowerCase()}:${rs.port}`,
          rs,
          address,
          port: rs.port,
          weight: rs.weight,
          inhibit: rs.inhibitOnFailure,
          dest: {
            forward: forwardMethod(rs.lvsMethod),
            upperThreshold: rs.uthreshold ?? 0,
            lowerThreshold: rs.lthreshold ?? 0,
            ...tunnel(rs, vs),
          },
        });
      }
      const ss = vs.sorryServer;
      const sorry: SorryPlan | undefined = ss
        ? { address: canonicalAddress(ss.address), port: ss.port, inhibit: ss.inhibit, dest: { forward: forwardMethod(ss.lvsMethod), upperThreshold: 0, lowerThreshold: 0, ...tunnel(ss, vs) } }
        : undefined;
      const addresses = keys.filter((k): k is Extract<ServiceKey, { address: string }> => 'address' in k).map((k) => k.address);
      out.push({ id, vs, services, realServers, sorry, addresses, config });
    } catch (e) {
      onError?.(vs, e as Error);
    }
  }
  return out;
}

export interface RsHealth {
  alive: boolean;
  /** real_weight(effective weight) */
  weight: number;
}

/** Sum of the weights of alive real servers (ipwrapper.c weigh_live_realservers). */
export function liveWeight(plan: VsPlan, health: (rsId: string) => RsHealth): number {
  let sum = 0;
  for (const r of plan.realServers) {
    const h = health(r.id);
    if (h.alive) sum += h.weight;
  }
  return sum;
}

/**
 * Quorum state after a health change (ipwrapper.c update_quorum_state): gained when the live weight reaches
 * quorum + hysteresis, lost when it is 0 or below quorum - hysteresis. `prev` undefined = start (set_quorum_states).
 */
export function nextQuorum(prev: boolean | undefined, weightSum: number, quorum: number, hysteresis: number): boolean {
  if (prev === undefined) return weightSum >= quorum + hysteresis;
  if (!prev) return weightSum >= quorum + hysteresis;
  return !(weightSum === 0 || weightSum < quorum - hysteresis);
}

/** Whether the sorry server replaces the pool: quorum is lost and there is one. */
export function sorryActive(plan: VsPlan, quorumUp: boolean): boolean {
  return !!plan.sorry && !quorumUp;
}

/** One virtual server's destinations in one of its services. */
export function desiredDests(plan: VsPlan, key: ServiceKey, health: (rsId: string) => RsHealth, quorumUp: boolean): TableDest[] {
  const servicePort = 'port' in key ? key.port : 0;
  const dests = new Map<string, TableDest>();
  const sorry = sorryActive(plan, quorumUp);
  for (const r of plan.realServers) {
    const h = health(r.id);
    const dk: DestinationKey = { address: r.address, port: r.port || servicePort };
    let weight: number | undefined;
    // While the sorry server serves, alive servers are out of the pool (perform_quorum_state); inhibited ones at weight 0.
    if (sorry) weight = r.inhibit ? 0 : undefined;
    else if (h.alive) weight = h.weight;
    else weight = r.inhibit ? 0 : undefined;
    if (weight !== undefined) dests.set(destId(dk), { key: dk, config: { ...r.dest, weight } });
  }
  if (plan.sorry) {
    const s = plan.sorry;
    const dk: DestinationKey = { address: s.address, port: s.port || servicePort };
    // sorry_server_inhibit: kept at weight 0 while not needed (init_service_vs); a real server at the same address wins then.
    if (sorry) dests.set(destId(dk), { key: dk, config: { ...s.dest, weight: 1 } });
    else if (s.inhibit && !dests.has(destId(dk))) dests.set(destId(dk), { key: dk, config: { ...s.dest, weight: 0 } });
  }
  return [...dests.values()];
}

/** The whole desired table. */
export function desiredTable(plans: VsPlan[], health: (rsId: string) => RsHealth, quorum: (vsId: string) => boolean): Table {
  const t: Table = new Map();
  for (const p of plans) {
    const q = quorum(p.id);
    for (const s of p.services) {
      const dests = new Map<string, TableDest>();
      for (const d of desiredDests(p, s.key, health, q)) dests.set(destId(d.key), d);
      t.set(serviceId(s.key), { key: s.key, config: s.config, dests });
    }
  }
  return t;
}
