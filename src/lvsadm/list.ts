// lvsadm's listings (ipvsadm 1.31 list_all, list_service, list_timeout, list_daemon, list_conn; -S is list_all in
// rule format) over an IpvsClient. main.ts loads this file only when a command lists, so a restore does not load
// the formatting code (nor conn.ts, loaded by -c alone).
import type { IpvsClient } from '../ipvs/client';
import { AddressFamily } from '../ipvs/constants';
import type { DestinationEntry, ServiceEntry, ServiceKey } from '../ipvs/types';
import { ExitCode, IpvsFunc, LvsadmExit, errnoOf, ipvsStrerror } from './errors';
import {
  Counters,
  DaemonView,
  DestView,
  ServiceView,
  cmpServices,
  formatDaemons,
  formatServiceEntry,
  formatTimeouts,
  formatTitle,
  formatVersionLine,
  glibcSort,
} from './format';
import type { LvsadmDeps } from './main';
import { Fmt } from './spec';
import { AF_INET, AF_INET6, inetNtop, inetPton6 } from './resolve';

// ---------------------------------------------------------------------------------------------
// The client's entries as the listing code's views.

function addrBytes(af: number, text: string): Buffer {
  const b = Buffer.alloc(16);
  if (af === AF_INET6) inetPton6(text)!.copy(b, 0);
  else {
    const p = text.split('.').map(Number);
    p.forEach((v, i) => (b[i] = v));
  }
  return b;
}

const low32 = (v: bigint) => BigInt.asUintN(32, v);

export function serviceView(e: ServiceEntry): ServiceView {
  const k = e.key as { family: number; fwmark?: number; protocol?: number; address?: string; port?: number };
  const fw = k.fwmark ?? 0;
  const s = e.stats64;
  return {
    af: k.family,
    protocol: fw ? 0 : (k.protocol ?? 0),
    addr: fw ? Buffer.alloc(16) : addrBytes(k.family, k.address!),
    port: fw ? 0 : (k.port ?? 0),
    fwmark: fw,
    schedName: e.config.scheduler,
    flags: e.config.flags,
    timeout: e.config.timeout,
    netmask: e.config.netmask,
    peName: e.config.persistenceEngine ?? '',
    stats: { ...s },
  };
}

export function destView(e: DestinationEntry): DestView {
  const af = e.key.address.includes(':') ? AF_INET6 : AF_INET;
  const s = e.stats64;
  const stats: Counters = {
    conns: low32(s.conns),
    inpkts: low32(s.inpkts),
    outpkts: low32(s.outpkts),
    inbytes: s.inbytes,
    outbytes: s.outbytes,
    cps: low32(s.cps),
    inpps: low32(s.inpps),
    outpps: low32(s.outpps),
    inbps: low32(s.inbps),
    outbps: low32(s.outbps),
  };
  return {
    af,
    addr: addrBytes(af, e.key.address),
    port: e.key.port,
    fwd: e.config.forward,
    weight: e.config.weight,
    uThreshold: e.config.upperThreshold,
    lThreshold: e.config.lowerThreshold,
    activeConns: e.activeConns,
    inactConns: e.inactiveConns,
    persistConns: e.persistentConns,
    tunType: e.config.tunnelType,
    tunPort: e.config.tunnelPort,
    tunFlags: e.config.tunnelFlags,
    stats,
  };
}

export function serviceKeyOf(v: ServiceView): ServiceKey {
  const family = v.af === AF_INET6 ? AddressFamily.INET6 : AddressFamily.INET;
  if (v.fwmark) return { family, fwmark: v.fwmark };
  return { family, protocol: v.protocol, address: inetNtop(v.af, v.addr), port: v.port };
}

// ---------------------------------------------------------------------------------------------

/** The listing commands of one run (ipvsadm's globals: the client and GET_INFO's answer). */
export class Lister {
  constructor(
    readonly d: LvsadmDeps,
    readonly client: IpvsClient,
    readonly info: { versionCode: number; connTableSize: number },
  ) {}

  /** exit(1) after a listing failure, with ipvs_strerror's text when ipvsadm prints one. */
  private listFail(func: IpvsFunc | null, e: unknown): never {
    throw new LvsadmExit(ExitCode.LIST_FAILED, func ? `${ipvsStrerror(func, errnoOf(e))}\n` : '', '', 'list-failed');
  }

  private async dests(se: ServiceView): Promise<DestView[]> {
    try {
      return (await this.client.listDestinations(serviceKeyOf(se))).map(destView);
    } catch (e) {
      return this.listFail('get_dests', e);
    }
  }

  async listAll(format: number): Promise<void> {
    const d = this.d;
    if (!(format & Fmt.RULE)) d.stdout(formatVersionLine(this.info.versionCode, this.info.connTableSize));
    let services: ServiceView[];
    try {
      services = (await this.client.listServices()).map(serviceView);
    } catch (e) {
      return this.listFail('get_services', e);
    }
    if (!(format & Fmt.NOSORT)) services = glibcSort(services, cmpServices);
    d.stdout(formatTitle(format));
    for (const se of services) d.stdout(formatServiceEntry(d.resolver, se, await this.dests(se), format));
  }

  async listService(key: ServiceKey, format: number): Promise<void> {
    let se: ServiceView;
    try {
      se = serviceView(await this.client.getService(key));
    } catch (err) {
      return this.listFail('get_service', err);
    }
    this.d.stdout(formatTitle(format));
    this.d.stdout(formatServiceEntry(this.d.resolver, se, await this.dests(se), format));
  }

  async listTimeout(): Promise<void> {
    try {
      this.d.stdout(formatTimeouts(await this.client.getTimeouts()));
    } catch (e) {
      this.listFail(null, e);
    }
  }

  async listDaemon(): Promise<void> {
    let list: DaemonView[];
    try {
      list = (await this.client.listDaemons()).map((x) => {
        const af = x.mcastGroup.includes(':') ? AF_INET6 : AF_INET;
        return {
          state: x.state,
          mcastIfn: x.mcastInterface,
          syncId: x.syncId,
          syncMaxLen: x.syncMaxLen,
          mcastAf: x.mcastGroup ? af : 0,
          mcastGroup: x.mcastGroup ? addrBytes(af, x.mcastGroup) : Buffer.alloc(16),
          mcastPort: x.mcastPort,
          mcastTtl: x.mcastTtl,
        };
      });
    } catch (e) {
      return this.listFail(null, e);
    }
    this.d.stdout(formatDaemons(list));
  }

  listConn(format: number): void {
    const { CONN_PROC_FILE, formatConnections } = require('./conn') as typeof import('./conn');
    const text = this.d.readFile(CONN_PROC_FILE);
    if (text === null) throw new LvsadmExit(ExitCode.LIST_FAILED, `cannot open file ${CONN_PROC_FILE}\n`, '', 'list-failed');
    const r = formatConnections(this.d.resolver, text, format);
    this.d.stdout(r.out);
    if (r.exit !== undefined) throw new LvsadmExit(r.exit, r.err, '', 'list-failed');
  }
}
