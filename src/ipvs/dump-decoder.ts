// Fast decoding of IPVS dump replies (GET_SERVICE / GET_DEST parts) straight from the received datagram: one
// pass over the attributes by offset, no intermediate message objects or buffer copies, stats built on first
// read. The result, and every error, is what codec.ts gives (parseAttrsAt + decodeServiceEntry/decodeDestEntry);
// replies not shaped as the kernel sends them (ip_vs_genl_fill_service/_dest, Linux 6.1: one SERVICE or DEST
// nest) take that generic path.
import {
  DecodeError,
  decodeDestEntry,
  decodeServiceEntry,
  family,
  netmaskFromWire,
  parseAttrsAt,
  parseStats,
  settleLazy,
  toStats,
  toStats64,
} from './codec';
import { formatAddress } from './address';
import { AddressFamily, CmdAttr, DestAttr, IpvsCmd, ServiceFlag, StatsAttr, SvcAttr } from './constants';
import { DestinationEntry, ServiceConfig, ServiceEntry, ServiceKey, Stats, Stats64 } from './types';
import { HOST_LE, NLA_TYPE_MASK, NlParseError, rdBe16, rdBe32, rdString, rdU16, rdU32, rdU8 } from '../netlink/message';

const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** Address text of an ADDR payload b[s, e) (16 bytes from the kernel; shorter ones are zero-filled, as formatAddress does). */
function addressAt(fam: number, b: Buffer, s: number, e: number): string {
  if (fam === AddressFamily.INET && e - s >= 4) return DEC[b[s]] + '.' + DEC[b[s + 1]] + '.' + DEC[b[s + 2]] + '.' + DEC[b[s + 3]];
  return formatAddress(fam, b.subarray(s, e));
}

/** Validates a stats nest now (as codec's checkStats) so malformed input fails at parse time. */
function checkStatsAt(b: Buffer, start: number, end: number): void {
  for (let off = start; off + 4 <= end; ) {
    const len = b[off] | (b[off + 1] << 8);
    const type = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
    if (len < 4 || off + len > end) throw new NlParseError(`attribute ${type} length is ${len}; should be 4..${end - off}`);
    if (type >= StatsAttr.CONNS && type <= StatsAttr.OUTBPS && len - 4 < 4) throw new NlParseError(`stats attribute ${type} is ${len - 4} bytes; should be >= 4`);
    off += (len + 3) & ~3;
  }
}

/** [start, end) of the payload of the only top-level attribute when it is of type `want`; -1 when there is none; -2 otherwise. */
function onlyNest(b: Buffer, start: number, end: number, want: number): number {
  let found = -1;
  for (let off = start; off + 4 <= end; ) {
    const len = b[off] | (b[off + 1] << 8);
    const type = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
    if (len < 4 || off + len > end || type !== want || found !== -1) return -2;
    found = off;
    off += (len + 3) & ~3;
  }
  return found;
}

function attrError(b: Buffer, off: number, end: number): NlParseError {
  const len = b[off] | (b[off + 1] << 8);
  const type = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
  return new NlParseError(`attribute ${type} length is ${len}; should be 4..${end - off}`);
}

/** The entry of one GET_SERVICE reply (genl attributes b[start, end)), or undefined when it carries no service. */
export function decodeServiceReply(cmd: number, b: Buffer, start: number, end: number): ServiceEntry | undefined {
  const at = HOST_LE && cmd !== IpvsCmd.SET_INFO ? onlyNest(b, start, end, CmdAttr.SERVICE) : -2;
  if (at === -1) return undefined;
  if (at === -2) {
    const m = parseAttrsAt(cmd, b, start, end);
    return m.service ? decodeServiceEntry(m.service) : undefined;
  }
  const e0 = at + (b[at] | (b[at + 1] << 8));
  let af: number | undefined;
  let protocol: number | undefined;
  let port: number | undefined;
  let fwmark: number | undefined;
  let sched: string | undefined;
  let pe: string | undefined;
  let timeout: number | undefined;
  let netmask: number | undefined;
  let flags = 0;
  let mask = 0;
  let hasFlags = false;
  let addrS = -1;
  let addrE = -1;
  let stS = -1;
  let stE = -1;
  let st64S = -1;
  let st64E = -1;
  for (let off = at + 4; off + 4 <= e0; ) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > e0) throw attrError(b, off, e0);
    const s = off + 4;
    const e = off + len;
    switch ((b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK) {
      case SvcAttr.AF: af = rdU16(b, s, e, 'service AF'); break;
      case SvcAttr.PROTOCOL: protocol = rdU16(b, s, e, 'service PROTOCOL'); break;
      case SvcAttr.ADDR: addrS = s; addrE = e; break;
      case SvcAttr.PORT: port = rdBe16(b, s, e, 'service PORT'); break;
      case SvcAttr.FWMARK: fwmark = rdU32(b, s, e, 'service FWMARK'); break;
      case SvcAttr.SCHED_NAME: sched = rdString(b, s, e); break;
      case SvcAttr.PE_NAME: pe = rdString(b, s, e); break;
      case SvcAttr.FLAGS:
        if (e - s < 8) throw new NlParseError(`service FLAGS is ${e - s} bytes; should be 8`);
        flags = rdU32(b, s, e);
        mask = rdU32(b, s + 4, e);
        hasFlags = true;
        break;
      case SvcAttr.TIMEOUT: timeout = rdU32(b, s, e, 'service TIMEOUT'); break;
      case SvcAttr.NETMASK: netmask = rdBe32(b, s, e, 'service NETMASK'); break;
      case SvcAttr.STATS: checkStatsAt(b, s, e); stS = s; stE = e; break;
      case SvcAttr.STATS64: checkStatsAt(b, s, e); st64S = s; st64E = e; break;
    }
    off += (len + 3) & ~3;
  }
  // as decodeServiceKey / decodeServiceEntry
  const fam = family(af, 'service');
  let key: ServiceKey;
  if (fwmark) key = { family: fam, fwmark };
  else {
    if (protocol === undefined || addrS < 0 || port === undefined) throw new DecodeError('service has neither FWMARK nor PROTOCOL, ADDR and PORT');
    key = { family: fam, protocol, address: addressAt(fam, b, addrS, addrE), port };
  }
  if (sched === undefined || !hasFlags || timeout === undefined || netmask === undefined) {
    throw new DecodeError('service entry lacks SCHED_NAME, FLAGS, TIMEOUT or NETMASK');
  }
  const config: ServiceConfig = {
    scheduler: sched,
    // HASHED is kernel bookkeeping (set on every listed service), not configuration.
    flags: (flags & mask & ~ServiceFlag.HASHED) >>> 0,
    timeout,
    netmask: netmaskFromWire(fam, netmask),
  };
  if (pe) config.persistenceEngine = pe;
  return {
    key,
    config,
    get stats(): Stats {
      return settleLazy(this, 'stats', toStats(stS < 0 ? undefined : parseStats(b, stS, stE, false)));
    },
    set stats(v: Stats) {
      settleLazy(this, 'stats', v);
    },
    get stats64(): Stats64 {
      return settleLazy(this, 'stats64', toStats64(st64S < 0 ? undefined : parseStats(b, st64S, st64E, true), stS < 0 ? undefined : parseStats(b, stS, stE, false)));
    },
    set stats64(v: Stats64) {
      settleLazy(this, 'stats64', v);
    },
  };
}

/** The entry of one GET_DEST reply (genl attributes b[start, end)), or undefined when it carries no destination. */
export function decodeDestReply(cmd: number, b: Buffer, start: number, end: number, serviceFamily: number): DestinationEntry | undefined {
  const at = HOST_LE && cmd !== IpvsCmd.SET_INFO ? onlyNest(b, start, end, CmdAttr.DEST) : -2;
  if (at === -1) return undefined;
  if (at === -2) {
    const m = parseAttrsAt(cmd, b, start, end);
    return m.dest ? decodeDestEntry(m.dest, serviceFamily) : undefined;
  }
  const e0 = at + (b[at] | (b[at + 1] << 8));
  let port: number | undefined;
  let fwd: number | undefined;
  let weight: number | undefined;
  let uThresh: number | undefined;
  let lThresh: number | undefined;
  let active: number | undefined;
  let inact: number | undefined;
  let persist: number | undefined;
  let addrFamily: number | undefined;
  let tunType: number | undefined;
  let tunPort: number | undefined;
  let tunFlags: number | undefined;
  let addrS = -1;
  let addrE = -1;
  let stS = -1;
  let stE = -1;
  let st64S = -1;
  let st64E = -1;
  for (let off = at + 4; off + 4 <= e0; ) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > e0) throw attrError(b, off, e0);
    const s = off + 4;
    const e = off + len;
    switch ((b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK) {
      case DestAttr.ADDR: addrS = s; addrE = e; break;
      case DestAttr.PORT: port = rdBe16(b, s, e, 'dest PORT'); break;
      case DestAttr.FWD_METHOD: fwd = rdU32(b, s, e, 'dest FWD_METHOD'); break;
      case DestAttr.WEIGHT: weight = rdU32(b, s, e, 'dest WEIGHT'); break;
      case DestAttr.U_THRESH: uThresh = rdU32(b, s, e, 'dest U_THRESH'); break;
      case DestAttr.L_THRESH: lThresh = rdU32(b, s, e, 'dest L_THRESH'); break;
      case DestAttr.ACTIVE_CONNS: active = rdU32(b, s, e, 'dest ACTIVE_CONNS'); break;
      case DestAttr.INACT_CONNS: inact = rdU32(b, s, e, 'dest INACT_CONNS'); break;
      case DestAttr.PERSIST_CONNS: persist = rdU32(b, s, e, 'dest PERSIST_CONNS'); break;
      case DestAttr.STATS: checkStatsAt(b, s, e); stS = s; stE = e; break;
      case DestAttr.ADDR_FAMILY: addrFamily = rdU16(b, s, e, 'dest ADDR_FAMILY'); break;
      case DestAttr.STATS64: checkStatsAt(b, s, e); st64S = s; st64E = e; break;
      case DestAttr.TUN_TYPE: tunType = rdU8(b, s, e, 'dest TUN_TYPE'); break;
      case DestAttr.TUN_PORT: tunPort = rdBe16(b, s, e, 'dest TUN_PORT'); break;
      case DestAttr.TUN_FLAGS: tunFlags = rdU16(b, s, e, 'dest TUN_FLAGS'); break;
    }
    off += (len + 3) & ~3;
  }
  // as decodeDestEntry
  if (addrS < 0 || port === undefined || fwd === undefined || weight === undefined || uThresh === undefined || lThresh === undefined) {
    throw new DecodeError('destination entry lacks ADDR, PORT, FWD_METHOD, WEIGHT or thresholds');
  }
  // Without ADDR_FAMILY (kernels before 4.2) a destination has the service's family.
  const fam = family(addrFamily ?? serviceFamily, 'destination');
  return {
    key: { address: addressAt(fam, b, addrS, addrE), port },
    config: {
      forward: fwd & 0x7,
      weight,
      upperThreshold: uThresh,
      lowerThreshold: lThresh,
      tunnelType: tunType ?? 0,
      tunnelPort: tunPort ?? 0,
      tunnelFlags: tunFlags ?? 0,
    },
    activeConns: active ?? 0,
    inactiveConns: inact ?? 0,
    persistentConns: persist ?? 0,
    get stats(): Stats {
      return settleLazy(this, 'stats', toStats(stS < 0 ? undefined : parseStats(b, stS, stE, false)));
    },
    set stats(v: Stats) {
      settleLazy(this, 'stats', v);
    },
    get stats64(): Stats64 {
      return settleLazy(this, 'stats64', toStats64(st64S < 0 ? undefined : parseStats(b, st64S, st64E, true), stS < 0 ? undefined : parseStats(b, stS, stE, false)));
    },
    set stats64(v: Stats64) {
      settleLazy(this, 'stats64', v);
    },
  };
}
