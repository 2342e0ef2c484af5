// ipvsadm 1.31's listings (-L/-l in every mode, and the service part of -S): print_title, print_service_entry,
// list_all, list_service, list_timeout, list_daemon, print_largenum, and libipvs's sort order reproduced with
// glibc 2.36's qsort (a top-down merge sort) so that even its non-transitive comparisons order entries the same.
import { DaemonSpec, DestSpec, Fmt, Fwd, SvcSpec, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, TUN_NAMES } from './options';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Resolver, addrPortToAnyname, inetNtop } from './resolve';
import { formatDestRule, formatServiceRule } from './save';

/** Counters as ipvsadm holds them (struct ip_vs_stats64). */
export interface Counters {
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

/** ipvs_service_entry_t: what the listing prints of a service (the parsed service plus its counters). */
export interface ServiceView extends SvcSpec {
  stats: Counters;
}

/** ipvs_dest_entry_t: the parsed destination plus its connection counts and counters. */
export interface DestView extends Omit<DestSpec, 'fwd' | 'tunType'> {
  /** IP_VS_CONN_F_FWD_MASK bits of conn_flags */
  fwd: number;
  tunType: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  /** libipvs reads the 64-bit destination counters with nla_get_u32 (ipvs_parse_stats on STATS64): all but
   *  the byte counters arrive truncated to their low 32 bits; callers pass them that way. */
  stats: Counters;
}

// ---------------------------------------------------------------------------------------------
// printf helpers

export const padL = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));
export const padR = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
/** %d of a C int holding a 32-bit value */
export const cInt = (v: number) => String(v | 0);
/** %u of a C unsigned int */
export const cUint = (v: number) => String(v >>> 0);

/** ipvsadm print_largenum(). */
export function largenum(i: bigint, format: number): string {
  if (format & Fmt.EXACT) {
    const s = i.toString();
    return padR(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (i < 100000000n) return padR(i.toString(), 9);
  if (i < 1000000000n) return padR((i / 1000n).toString(), 8) + 'K';
  if (i < 100000000000n) return padR((i / 1000000n).toString(), 8) + 'M';
  if (i < 100000000000000n) return padR((i / 1000000000n).toString(), 8) + 'G';
  return padR((i / 1000000000000n).toString(), 8) + 'T';
}

export function protocolName(p: number): string {
  return p === IPPROTO_TCP ? 'TCP' : p === IPPROTO_UDP ? 'UDP' : p === IPPROTO_SCTP ? 'SCTP' : '?';
}

export function fwdName(fwd: number): string {
  switch (fwd & 7) {
    case Fwd.MASQ:
      return 'Masq';
    case Fwd.LOCALNODE:
      return 'Local';
    case Fwd.TUNNEL:
      return 'Tunnel';
    case Fwd.DROUTE:
      return 'Route';
    default:
      return '(null)'; // printf("%s", NULL) in glibc
  }
}

const TUN_FLAG_NAMES = ['-c', '+c', 'r+c'];
const cArr = (a: readonly string[], i: number) => a[i] ?? '(null)';

/** ipvsadm fwd_tun_info(): "ipip", "gue:PORT:FLAGS", "gre:FLAGS" for tunnel destinations, else null. */
export function fwdTunInfo(d: DestView): string | null {
  if ((d.fwd & 7) !== Fwd.TUNNEL) return null;
  let s: string;
  switch (d.tunType) {
    case 0:
      s = TUN_NAMES[0];
      break;
    case 1:
      s = `gue:${d.tunPort}:${cArr(TUN_FLAG_NAMES, d.tunFlags)}`;
      break;
    case 2:
      s = `gre:${cArr(TUN_FLAG_NAMES, d.tunFlags)}`;
      break;
    default:
      return null;
  }
  return s.slice(0, 15); // snprintf(info, 16, ...)
}

/** ipvsadm print_sched_flags(): the comma-separated names, or "" */
export function schedFlagsText(sched: string, flags: number): string {
  const f: string[] = [];
  if (sched === 'sh') {
    if (flags & SVC_F_SCHED1) f.push('sh-fallback');
    if (flags & SVC_F_SCHED2) f.push('sh-port');
  } else if (sched === 'mh') {
    if (flags & SVC_F_SCHED1) f.push('mh-fallback');
    if (flags & SVC_F_SCHED2) f.push('mh-port');
  } else {
    if (flags & SVC_F_SCHED1) f.push('flag-1');
    if (flags & SVC_F_SCHED2) f.push('flag-2');
    if (flags & SVC_F_SCHED3) f.push('flag-3');
  }
  return f.join(',');
}

/** inet_ntoa of a host-order IPv4 mask number */
export function maskText(mask: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(mask >>> 0, 0);
  return inetNtop(AF_INET, b);
}

// ---------------------------------------------------------------------------------------------
// Sorting: libipvs ipvs_cmp_services / ipvs_cmp_dests (C int arithmetic) under glibc msort.

const word = (b: Buffer, i: number) => b.readUInt32BE(i * 4);

export function cmpServices(s1: ServiceView, s2: ServiceView): number {
  let r = (s1.fwmark - s2.fwmark) | 0;
  if (r !== 0) return r;
  r = s1.af - s2.af;
  if (r !== 0) return r;
  r = s1.protocol - s2.protocol;
  if (r !== 0) return r;
  if (s1.af === AF_INET6) for (let i = 0; !r && i < 4; i++) r = (word(s1.addr, i) - word(s2.addr, i)) | 0;
  else r = (word(s1.addr, 0) - word(s2.addr, 0)) | 0;
  if (r !== 0) return r;
  return s1.port - s2.port;
}

export function cmpDests(d1: DestView, d2: DestView): number {
  let r = 0;
  if (d1.af === AF_INET6) for (let i = 0; !r && i < 4; i++) r = (word(d1.addr, i) - word(d2.addr, i)) | 0;
  else r = (word(d1.addr, 0) - word(d2.addr, 0)) | 0;
  if (r !== 0) return r;
  return d1.port - d2.port;
}

/** glibc 2.36 qsort for these element sizes: msort_with_tmp (n1 = n / 2, left wins ties). */
export function glibcSort<T>(a: readonly T[], cmp: (x: T, y: T) => number): T[] {
  const sort = (b: T[]): T[] => {
    if (b.length <= 1) return b;
    const n1 = Math.floor(b.length / 2);
    const l = sort(b.slice(0, n1));
    const r = sort(b.slice(n1));
    const out: T[] = [];
    let i = 0;
    let j = 0;
    while (i < l.length && j < r.length) {
      if (cmp(l[i], r[j]) <= 0) out.push(l[i++]);
      else out.push(r[j++]);
    }
    while (i < l.length) out.push(l[i++]);
    while (j < r.length) out.push(r[j++]);
    return out;
  };
  return sort([...a]);
}

// ---------------------------------------------------------------------------------------------

/** ipvsadm print_title() */
export function formatTitle(format: number): string {
  const p = 'Prot LocalAddress:Port';
  if (format & Fmt.STATS)
    return `${padL(p, 33)} ${padR('Conns', 8)} ${padR('InPkts', 8)} ${padR('OutPkts', 8)} ${padR('InBytes', 8)} ${padR('OutBytes', 8)}\n  -> RemoteAddress:Port\n`;
  if (format & Fmt.RATE)
    return `${padL(p, 33)} ${padR('CPS', 8)} ${padR('InPPS', 8)} ${padR('OutPPS', 8)} ${padR('InBPS', 8)} ${padR('OutBPS', 8)}\n  -> RemoteAddress:Port\n`;
  if (format & Fmt.THRESHOLDS)
    return `${padL(p, 33)} ${padL('Uthreshold', 10)} ${padL('Lthreshold', 10)} ${padL('ActiveConn', 10)} ${padL('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  if (format & Fmt.PERSISTENTCONN)
    return `${padL(p, 33)} ${padL('Weight', 9)} ${padL('PersistConn', 11)} ${padL('ActiveConn', 10)} ${padL('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  if (format & Fmt.TUN_INFO)
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  if (!(format & Fmt.RULE)) return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  return '';
}

/** The svc_name of print_service_entry (listing or rule form). */
export function serviceName(r: Resolver, se: ServiceView, format: number): string {
  if (se.fwmark) {
    const v6 = se.af === AF_INET6;
    if (format & Fmt.RULE) return `-f ${cInt(se.fwmark)}${v6 ? ' -6' : ''}`;
    return `FWM  ${cInt(se.fwmark)}${v6 ? ' IPv6' : ''}`;
  }
  const vname = addrPortToAnyname(r, se.af, se.addr, se.port, se.protocol, (format & Fmt.NUMERIC) !== 0);
  if (format & Fmt.RULE) {
    const stype = se.protocol === IPPROTO_TCP ? '-t' : se.protocol === IPPROTO_UDP ? '-u' : se.protocol === IPPROTO_SCTP ? '--sctp-service' : '--xxx-service';
    return `${stype} ${vname}`;
  }
  const s = `${padL(protocolName(se.protocol), 4)} ${vname}`;
  return se.af !== AF_INET6 ? s.slice(0, 33) : s;
}

/** ipvsadm print_service_entry(): the service line and its destinations (sorted unless --nosort). */
export function formatServiceEntry(r: Resolver, se: ServiceView, dests: readonly DestView[], format: number): string {
  const svcName = serviceName(r, se, format);
  let out: string;
  if (format & Fmt.RULE) out = formatServiceRule(svcName, se);
  else if (format & Fmt.STATS) {
    const s = se.stats;
    out = padL(svcName, 33) + [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map((v) => largenum(v, format)).join('');
  } else if (format & Fmt.RATE) {
    const s = se.stats;
    out = padL(svcName, 33) + [s.cps, s.inpps, s.outpps, s.inbps, s.outbps].map((v) => largenum(v, format)).join('');
  } else {
    out = `${svcName} ${se.schedName}`;
    if (se.flags & (SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3)) out += ` (${schedFlagsText(se.schedName, se.flags)})`;
    if (se.flags & SVC_F_PERSISTENT) {
      out += ` persistent ${cUint(se.timeout)}`;
      if (se.af === AF_INET && se.netmask >>> 0 !== 0xffffffff) out += ` mask ${maskText(se.netmask)}`;
      if (se.af === AF_INET6 && se.netmask !== 128) out += ` mask ${cInt(se.netmask)}`;
      if (se.peName) out += ` pe ${se.peName}`;
    }
    if (se.flags & SVC_F_ONEPACKET) out += ' ops';
  }
  out += '\n';

  const list = format & Fmt.NOSORT ? dests : glibcSort(dests, cmpDests);
  for (const e of list) {
    let dname = addrPortToAnyname(r, e.af, e.addr, e.port, se.protocol, (format & Fmt.NUMERIC) !== 0);
    if (!(format & Fmt.RULE) && e.af !== AF_INET6) dname = dname.slice(0, 28);
    const s = e.stats;
    if (format & Fmt.RULE) out += formatDestRule(svcName, dname, e);
    else if (format & Fmt.STATS) out += `  -> ${padL(dname, 28)}${[s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map((v) => largenum(v, format)).join('')}\n`;
    else if (format & Fmt.RATE)
      out += `  -> ${padL(dname, 28)} ${padR(s.cps.toString(), 8)} ${padR(s.inpps.toString(), 8)} ${padR(s.outpps.toString(), 8)}${largenum(s.inbps, format)}${largenum(s.outbps, format)}\n`;
    else if (format & Fmt.THRESHOLDS)
      out += `  -> ${padL(dname, 28)} ${padL(cUint(e.uThreshold), 10)} ${padL(cUint(e.lThreshold), 10)} ${padL(cUint(e.activeConns), 10)} ${padL(cUint(e.inactConns), 10)}\n`;
    else if (format & Fmt.PERSISTENTCONN)
      out += `  -> ${padL(dname, 28)} ${padL(cUint(e.weight), 9)} ${padL(cUint(e.persistConns), 11)} ${padL(cUint(e.activeConns), 10)} ${padL(cUint(e.inactConns), 10)}\n`;
    else if (format & Fmt.TUN_INFO)
      out += `  -> ${padL(dname, 28)} ${padL(fwdName(e.fwd), 7)} ${padL(fwdTunInfo(e) ?? 'n/a', 13)} ${padL(cInt(e.weight), 6)} ${padL(cUint(e.activeConns), 10)} ${padL(cUint(e.inactConns), 10)}\n`;
    else out += `  -> ${padL(dname, 28)} ${padL(fwdName(e.fwd), 7)} ${padL(cInt(e.weight), 6)} ${padL(cUint(e.activeConns), 10)} ${padL(cUint(e.inactConns), 10)}\n`;
  }
  return out;
}

/** The version line of list_all (GET_INFO). */
export function formatVersionLine(versionCode: number, size: number): string {
  return `IP Virtual Server version ${(versionCode >> 16) & 0xff}.${(versionCode >> 8) & 0xff}.${versionCode & 0xff} (size=${cInt(size)})\n`;
}

/** "Timeout (tcp tcpfin udp): ..." of list_timeout */
export function formatTimeouts(t: { tcp: number; tcpFin: number; udp: number }): string {
  return `Timeout (tcp tcpfin udp): ${cInt(t.tcp)} ${cInt(t.tcpFin)} ${cInt(t.udp)}\n`;
}

/** A running sync daemon as listed: the same fields as the parsed --start-daemon spec (mcastAf 0 is AF_UNSPEC). */
export type DaemonView = DaemonSpec;

/** list_daemon(): one line per running daemon (the first two entries; master, then backup). */
export function formatDaemons(list: readonly DaemonView[]): string {
  let out = '';
  for (const u of list.slice(0, 2)) {
    let type: string;
    if (u.state & 1) type = 'master';
    else if (u.state & 2) type = 'backup';
    else continue;
    out += `${type} sync daemon (mcast=${u.mcastIfn}, syncid=${cInt(u.syncId)}`;
    if (u.syncMaxLen) out += `, maxlen=${cUint(u.syncMaxLen)}`;
    if (u.mcastAf !== 0) out += `, group=${inetNtop(u.mcastAf, u.mcastGroup)}`;
    if (u.mcastPort) out += `, port=${cUint(u.mcastPort)}`;
    if (u.mcastTtl) out += `, ttl=${cUint(u.mcastTtl)}`;
    out += ')\n';
  }
  return out;
}

export { AF_INET, AF_INET6 };
