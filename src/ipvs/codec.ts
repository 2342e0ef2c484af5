// IPVS generic netlink codec: pure format/parse of every IPVS message (requests and replies, IPv4/IPv6),
// and typed builders/decoders between messages and the model in types.ts. Wire layout: ip_vs.h (Linux 6.1);
// byte order and attribute order follow net/netfilter/ipvs/ip_vs_ctl.c and ipvsadm 1.31 libipvs/libipvs.c.
import {
  AttrWriter,
  GENL_HDRLEN,
  HOST_LE,
  NlParseError,
  forEachAttr,
  formatGenl,
  parseGenl,
  rdBe16,
  rdBe32,
  rdString,
  rdU16,
  rdU32,
  rdU64,
  rdU8,
} from '../netlink/message';
import { addressBytes, familyOf, formatAddress, inetAddrUnion } from './address';
import {
  AddressFamily,
  CmdAttr,
  DaemonAttr,
  DestAttr,
  IPVS_GENL_VERSION,
  InfoAttr,
  IpvsCmd,
  KERNEL_DEFAULTS,
  ServiceFlag,
  StatsAttr,
  SvcAttr,
  SyncState,
} from './constants';
import {
  DaemonConfig,
  DaemonEntry,
  DestinationConfig,
  DestinationEntry,
  DestinationKey,
  Info,
  ServiceConfig,
  ServiceEntry,
  ServiceKey,
  Stats,
  Stats64,
  Timeouts,
  isFwmarkKey,
  versionString,
} from './types';

// ---------------------------------------------------------------------------------------------
// Generic message: one field per attribute, values as the kernel sees them.

export const STAT_KEYS = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
export type StatKey = (typeof STAT_KEYS)[number];
const STAT_ATTR: Record<StatKey, StatsAttr> = {
  conns: StatsAttr.CONNS,
  inpkts: StatsAttr.INPKTS,
  outpkts: StatsAttr.OUTPKTS,
  inbytes: StatsAttr.INBYTES,
  outbytes: StatsAttr.OUTBYTES,
  cps: StatsAttr.CPS,
  inpps: StatsAttr.INPPS,
  outpps: StatsAttr.OUTPPS,
  inbps: StatsAttr.INBPS,
  outbps: StatsAttr.OUTBPS,
};
/** In IPVS_*_ATTR_STATS only the byte counters are 64-bit (ip_vs_genl_fill_stats). */
const STATS32_U64 = new Set<StatKey>(['inbytes', 'outbytes']);

/** 32-bit counters as numbers, 64-bit ones as bigints (as read from the wire) */
export type StatsAttrs = Partial<Record<StatKey, bigint | number>>;

export interface SvcAttrs {
  af?: number;
  protocol?: number;
  /** raw ADDR payload: 16 bytes (union nf_inet_addr) from the kernel and ipvsadm */
  addr?: Buffer;
  /** host order (the attribute is big-endian on the wire) */
  port?: number;
  fwmark?: number;
  schedName?: string;
  flags?: { flags: number; mask: number };
  timeout?: number;
  /** the be32 value: an IPv4 mask as a number (0xffffff00), or for IPv6 the prefix length stored
   *  host-order and read back as be32 (use netmaskToWire/netmaskFromWire) */
  netmask?: number;
  stats?: StatsAttrs;
  peName?: string;
  stats64?: StatsAttrs;
}

export interface DestAttrs {
  addr?: Buffer;
  /** host order (big-endian on the wire) */
  port?: number;
  fwdMethod?: number;
  weight?: number;
  uThresh?: number;
  lThresh?: number;
  activeConns?: number;
  inactConns?: number;
  persistConns?: number;
  stats?: StatsAttrs;
  addrFamily?: number;
  stats64?: StatsAttrs;
  tunType?: number;
  /** host order (big-endian on the wire) */
  tunPort?: number;
  tunFlags?: number;
}

export interface DaemonAttrs {
  state?: number;
  mcastIfn?: string;
  syncId?: number;
  syncMaxLen?: number;
  /** 4 bytes, network order */
  mcastGroup?: Buffer;
  /** 16 bytes */
  mcastGroup6?: Buffer;
  /** host order (nla_put_u16 in both ipvsadm and the kernel) */
  mcastPort?: number;
  mcastTtl?: number;
}

export interface IpvsMessage {
  cmd: IpvsCmd;
  service?: SvcAttrs;
  dest?: DestAttrs;
  daemon?: DaemonAttrs;
  timeoutTcp?: number;
  timeoutTcpFin?: number;
  timeoutUdp?: number;
  /** GET_INFO reply (cmd SET_INFO): its attributes are IPVS_INFO_ATTR_* at the top level */
  info?: { version?: number; connTabSize?: number };
}

export interface FormatOptions {
  /** Set NLA_F_NESTED on nested attributes (default true: ipvsadm 1.31 with libnl 3.7 does; the kernel's replies do not). */
  nestedFlag?: boolean;
  /** genl header version (default IPVS_GENL_VERSION) */
  version?: number;
}

function writeStats(container: number, s: StatsAttrs, all64: boolean, nestedFlag: boolean, w: AttrWriter): void {
  w.begin(container, nestedFlag);
  for (const k of STAT_KEYS) {
    const v = s[k];
    if (v === undefined) continue;
    if (all64 || STATS32_U64.has(k)) w.u64(STAT_ATTR[k], BigInt(v));
    else w.u32(STAT_ATTR[k], Number(v));
  }
  w.end();
}

function formatSvc(s: SvcAttrs, nestedFlag: boolean, w: AttrWriter): void {
  w.begin(CmdAttr.SERVICE, nestedFlag);
  if (s.af !== undefined) w.u16(SvcAttr.AF, s.af);
  if (s.protocol !== undefined) w.u16(SvcAttr.PROTOCOL, s.protocol);
  if (s.addr !== undefined) w.raw(SvcAttr.ADDR, s.addr);
  if (s.port !== undefined) w.be16(SvcAttr.PORT, s.port);
  if (s.fwmark !== undefined) w.u32(SvcAttr.FWMARK, s.fwmark);
  if (s.schedName !== undefined) w.string(SvcAttr.SCHED_NAME, s.schedName);
  if (s.peName !== undefined) w.string(SvcAttr.PE_NAME, s.peName);
  if (s.flags !== undefined) {
    const b = Buffer.alloc(8);
    writeU32(b, s.flags.flags, 0);
    writeU32(b, s.flags.mask, 4);
    w.raw(SvcAttr.FLAGS, b);
  }
  if (s.timeout !== undefined) w.u32(SvcAttr.TIMEOUT, s.timeout);
  if (s.netmask !== undefined) w.be32(SvcAttr.NETMASK, s.netmask);
  if (s.stats !== undefined) writeStats(SvcAttr.STATS, s.stats, false, nestedFlag, w);
  if (s.stats64 !== undefined) writeStats(SvcAttr.STATS64, s.stats64, true, nestedFlag, w);
  w.end();
}

function formatDest(d: DestAttrs, nestedFlag: boolean, w: AttrWriter): void {
  w.begin(CmdAttr.DEST, nestedFlag);
  if (d.addrFamily !== undefined) w.u16(DestAttr.ADDR_FAMILY, d.addrFamily);
  if (d.addr !== undefined) w.raw(DestAttr.ADDR, d.addr);
  if (d.port !== undefined) w.be16(DestAttr.PORT, d.port);
  if (d.fwdMethod !== undefined) w.u32(DestAttr.FWD_METHOD, d.fwdMethod);
  if (d.weight !== undefined) w.u32(DestAttr.WEIGHT, d.weight);
  if (d.tunType !== undefined) w.u8(DestAttr.TUN_TYPE, d.tunType);
  if (d.tunPort !== undefined) w.be16(DestAttr.TUN_PORT, d.tunPort);
  if (d.tunFlags !== undefined) w.u16(DestAttr.TUN_FLAGS, d.tunFlags);
  if (d.uThresh !== undefined) w.u32(DestAttr.U_THRESH, d.uThresh);
  if (d.lThresh !== undefined) w.u32(DestAttr.L_THRESH, d.lThresh);
  if (d.activeConns !== undefined) w.u32(DestAttr.ACTIVE_CONNS, d.activeConns);
  if (d.inactConns !== undefined) w.u32(DestAttr.INACT_CONNS, d.inactConns);
  if (d.persistConns !== undefined) w.u32(DestAttr.PERSIST_CONNS, d.persistConns);
  if (d.stats !== undefined) writeStats(DestAttr.STATS, d.stats, false, nestedFlag, w);
  if (d.stats64 !== undefined) writeStats(DestAttr.STATS64, d.stats64, true, nestedFlag, w);
  w.end();
}

function formatDaemon(d: DaemonAttrs, nestedFlag: boolean, w: AttrWriter): void {
  w.begin(CmdAttr.DAEMON, nestedFlag);
  if (d.state !== undefined) w.u32(DaemonAttr.STATE, d.state);
  if (d.mcastIfn !== undefined) w.string(DaemonAttr.MCAST_IFN, d.mcastIfn);
  if (d.syncId !== undefined) w.u32(DaemonAttr.SYNC_ID, d.syncId);
  if (d.syncMaxLen !== undefined) w.u16(DaemonAttr.SYNC_MAXLEN, d.syncMaxLen);
  if (d.mcastPort !== undefined) w.u16(DaemonAttr.MCAST_PORT, d.mcastPort);
  if (d.mcastTtl !== undefined) w.u8(DaemonAttr.MCAST_TTL, d.mcastTtl);
  if (d.mcastGroup6 !== undefined) w.raw(DaemonAttr.MCAST_GROUP6, d.mcastGroup6);
  if (d.mcastGroup !== undefined) w.raw(DaemonAttr.MCAST_GROUP, d.mcastGroup);
  w.end();
}

function writeU32(b: Buffer, v: number, off: number): void {
  if (HOST_LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}

/** Attributes of a message (what follows the genl header). */
export function formatAttrs(m: IpvsMessage, opts: FormatOptions = {}): Buffer {
  return writeAttrs(m, opts, new AttrWriter(256)).toBuffer();
}

/** A buffer of `headroom` free bytes followed by the message's attributes, built in place. */
export function formatAttrsWithHeadroom(m: IpvsMessage, headroom: number, opts: FormatOptions = {}): Buffer {
  return writeAttrs(m, opts, new AttrWriter(256, headroom)).finish();
}

function writeAttrs(m: IpvsMessage, opts: FormatOptions, w: AttrWriter): AttrWriter {
  const nf = opts.nestedFlag ?? true;
  if (m.cmd === IpvsCmd.SET_INFO && m.info) {
    if (m.info.version !== undefined) w.u32(InfoAttr.VERSION, m.info.version);
    if (m.info.connTabSize !== undefined) w.u32(InfoAttr.CONN_TAB_SIZE, m.info.connTabSize);
    return w;
  }
  if (m.service) formatSvc(m.service, nf, w);
  if (m.dest) formatDest(m.dest, nf, w);
  if (m.daemon) formatDaemon(m.daemon, nf, w);
  if (m.timeoutTcp !== undefined) w.u32(CmdAttr.TIMEOUT_TCP, m.timeoutTcp);
  if (m.timeoutTcpFin !== undefined) w.u32(CmdAttr.TIMEOUT_TCP_FIN, m.timeoutTcpFin);
  if (m.timeoutUdp !== undefined) w.u32(CmdAttr.TIMEOUT_UDP, m.timeoutUdp);
  return w;
}

/** Generic netlink payload: genl header + attributes. */
export function format(m: IpvsMessage, opts: FormatOptions = {}): Buffer {
  return formatGenl({ cmd: m.cmd, version: opts.version ?? IPVS_GENL_VERSION }, formatAttrs(m, opts));
}

export function parseStats(b: Buffer, start: number, end: number, all64: boolean): StatsAttrs {
  const out: StatsAttrs = {};
  forEachAttr(b, start, end, (type, s, e) => {
    if (type < StatsAttr.CONNS || type > StatsAttr.OUTBPS) return; // PAD and unknown
    const k = STAT_KEYS[type - 1];
    // Read by length: the kernel sends u32 or u64 depending on the counter and the container.
    out[k] = e - s >= 8 && (all64 || STATS32_U64.has(k)) ? rdU64(b, s, e, `stats ${k}`) : rdU32(b, s, e, `stats ${k}`);
  });
  return out;
}

/** Checks a stats nest's layout now (so malformed input fails at parse time) without building it. */
function checkStats(b: Buffer, start: number, end: number): void {
  forEachAttr(b, start, end, (type, s, e) => {
    if (type >= StatsAttr.CONNS && type <= StatsAttr.OUTBPS && e - s < 4) throw new NlParseError(`stats attribute ${type} is ${e - s} bytes; should be >= 4`);
  });
}

/**
 * Defines obj[key] as computed on first read (then a plain data property). Dumps of many entries carry two
 * stats nests each; most listings never read them, and building them (20 counters, 12 bigints) was most
 * of the cost of parsing a dump.
 */
export function defineLazy<T extends object, K extends keyof T>(obj: T, key: K, compute: () => T[K]): void {
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get(): T[K] {
      const v = compute();
      Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
      return v;
    },
    set(v: T[K]) {
      Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** Replaces a lazy accessor of obj by a plain data property holding v; returns v. */
export function settleLazy<T>(obj: object, key: string, v: T): T {
  Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
  return v;
}

function lazyStats(obj: SvcAttrs | DestAttrs, key: 'stats' | 'stats64', b: Buffer, s: number, e: number): void {
  checkStats(b, s, e);
  defineLazy(obj as { stats?: StatsAttrs; stats64?: StatsAttrs }, key, () => parseStats(b, s, e, key === 'stats64'));
}

function parseSvc(b: Buffer, start: number, end: number): SvcAttrs {
  const r: SvcAttrs = {};
  forEachAttr(b, start, end, (type, s, e) => {
    switch (type) {
      case SvcAttr.AF: r.af = rdU16(b, s, e, 'service AF'); break;
      case SvcAttr.PROTOCOL: r.protocol = rdU16(b, s, e, 'service PROTOCOL'); break;
      case SvcAttr.ADDR: r.addr = Buffer.from(b.subarray(s, e)); break;
      case SvcAttr.PORT: r.port = rdBe16(b, s, e, 'service PORT'); break;
      case SvcAttr.FWMARK: r.fwmark = rdU32(b, s, e, 'service FWMARK'); break;
      case SvcAttr.SCHED_NAME: r.schedName = rdString(b, s, e); break;
      case SvcAttr.PE_NAME: r.peName = rdString(b, s, e); break;
      case SvcAttr.FLAGS:
        if (e - s < 8) throw new NlParseError(`service FLAGS is ${e - s} bytes; should be 8`);
        r.flags = { flags: rdU32(b, s, e), mask: rdU32(b, s + 4, e) };
        break;
      case SvcAttr.TIMEOUT: r.timeout = rdU32(b, s, e, 'service TIMEOUT'); break;
      case SvcAttr.NETMASK: r.netmask = rdBe32(b, s, e, 'service NETMASK'); break;
      case SvcAttr.STATS: lazyStats(r, 'stats', b, s, e); break;
      case SvcAttr.STATS64: lazyStats(r, 'stats64', b, s, e); break;
    }
  });
  return r;
}

function parseDest(b: Buffer, start: number, end: number): DestAttrs {
  const r: DestAttrs = {};
  forEachAttr(b, start, end, (type, s, e) => {
    switch (type) {
      case DestAttr.ADDR: r.addr = Buffer.from(b.subarray(s, e)); break;
      case DestAttr.PORT: r.port = rdBe16(b, s, e, 'dest PORT'); break;
      case DestAttr.FWD_METHOD: r.fwdMethod = rdU32(b, s, e, 'dest FWD_METHOD'); break;
      case DestAttr.WEIGHT: r.weight = rdU32(b, s, e, 'dest WEIGHT'); break;
      case DestAttr.U_THRESH: r.uThresh = rdU32(b, s, e, 'dest U_THRESH'); break;
      case DestAttr.L_THRESH: r.lThresh = rdU32(b, s, e, 'dest L_THRESH'); break;
      case DestAttr.ACTIVE_CONNS: r.activeConns = rdU32(b, s, e, 'dest ACTIVE_CONNS'); break;
      case DestAttr.INACT_CONNS: r.inactConns = rdU32(b, s, e, 'dest INACT_CONNS'); break;
      case DestAttr.PERSIST_CONNS: r.persistConns = rdU32(b, s, e, 'dest PERSIST_CONNS'); break;
      case DestAttr.STATS: lazyStats(r, 'stats', b, s, e); break;
      case DestAttr.ADDR_FAMILY: r.addrFamily = rdU16(b, s, e, 'dest ADDR_FAMILY'); break;
      case DestAttr.STATS64: lazyStats(r, 'stats64', b, s, e); break;
      case DestAttr.TUN_TYPE: r.tunType = rdU8(b, s, e, 'dest TUN_TYPE'); break;
      case DestAttr.TUN_PORT: r.tunPort = rdBe16(b, s, e, 'dest TUN_PORT'); break;
      case DestAttr.TUN_FLAGS: r.tunFlags = rdU16(b, s, e, 'dest TUN_FLAGS'); break;
    }
  });
  return r;
}

function parseDaemon(b: Buffer, start: number, end: number): DaemonAttrs {
  const r: DaemonAttrs = {};
  forEachAttr(b, start, end, (type, s, e) => {
    switch (type) {
      case DaemonAttr.STATE: r.state = rdU32(b, s, e, 'daemon STATE'); break;
      case DaemonAttr.MCAST_IFN: r.mcastIfn = rdString(b, s, e); break;
      case DaemonAttr.SYNC_ID: r.syncId = rdU32(b, s, e, 'daemon SYNC_ID'); break;
      case DaemonAttr.SYNC_MAXLEN: r.syncMaxLen = rdU16(b, s, e, 'daemon SYNC_MAXLEN'); break;
      case DaemonAttr.MCAST_GROUP: r.mcastGroup = Buffer.from(b.subarray(s, e)); break;
      case DaemonAttr.MCAST_GROUP6: r.mcastGroup6 = Buffer.from(b.subarray(s, e)); break;
      case DaemonAttr.MCAST_PORT: r.mcastPort = rdU16(b, s, e, 'daemon MCAST_PORT'); break;
      case DaemonAttr.MCAST_TTL: r.mcastTtl = rdU8(b, s, e, 'daemon MCAST_TTL'); break;
    }
  });
  return r;
}

/** Parses the attributes buf[start, end) of a message with the given command (last occurrence wins, as nla_parse). */
export function parseAttrsAt(cmd: IpvsCmd, b: Buffer, start: number, end: number): IpvsMessage {
  const out: IpvsMessage = { cmd };
  if (cmd === IpvsCmd.SET_INFO) {
    const info: NonNullable<IpvsMessage['info']> = {};
    forEachAttr(b, start, end, (type, s, e) => {
      if (type === InfoAttr.VERSION) info.version = rdU32(b, s, e, 'info VERSION');
      else if (type === InfoAttr.CONN_TAB_SIZE) info.connTabSize = rdU32(b, s, e, 'info CONN_TAB_SIZE');
    });
    out.info = info;
    return out;
  }
  forEachAttr(b, start, end, (type, s, e) => {
    switch (type) {
      case CmdAttr.SERVICE: out.service = parseSvc(b, s, e); break;
      case CmdAttr.DEST: out.dest = parseDest(b, s, e); break;
      case CmdAttr.DAEMON: out.daemon = parseDaemon(b, s, e); break;
      case CmdAttr.TIMEOUT_TCP: out.timeoutTcp = rdU32(b, s, e, 'TIMEOUT_TCP'); break;
      case CmdAttr.TIMEOUT_TCP_FIN: out.timeoutTcpFin = rdU32(b, s, e, 'TIMEOUT_TCP_FIN'); break;
      case CmdAttr.TIMEOUT_UDP: out.timeoutUdp = rdU32(b, s, e, 'TIMEOUT_UDP'); break;
    }
  });
  return out;
}

/** Parses the attributes of a message with the given command. */
export function parseAttrsOf(cmd: IpvsCmd, attrs: Buffer): IpvsMessage {
  return parseAttrsAt(cmd, attrs, 0, attrs.length);
}

/** Parses a generic netlink payload (genl header + attributes). */
export function parse(payload: Buffer): IpvsMessage {
  const g = parseGenl(payload);
  return parseAttrsOf(g.cmd, g.attrs);
}

export { GENL_HDRLEN };

// ---------------------------------------------------------------------------------------------
// Typed layer: model <-> generic messages.

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

/** The be32 NETMASK attribute value for a service's netmask. For IPv6 the kernel compares the
 *  host-order u32 to 1..128 (ip_vs_add_service), and ipvsadm puts it with NLA_PUT_U32. */
export function netmaskToWire(family: number, netmask: number): number {
  return family === AddressFamily.INET6 && HOST_LE ? bswap32(netmask) : netmask >>> 0;
}
export function netmaskFromWire(family: number, wire: number): number {
  return family === AddressFamily.INET6 && HOST_LE ? bswap32(wire) : wire >>> 0;
}

export function serviceKeyAttrs(key: ServiceKey): SvcAttrs {
  if (isFwmarkKey(key)) return { af: key.family, fwmark: key.fwmark };
  return { af: key.family, protocol: key.protocol, addr: inetAddrUnion(key.address), port: key.port };
}

export function serviceAttrs(key: ServiceKey, cfg: ServiceConfig): SvcAttrs {
  const s = serviceKeyAttrs(key);
  s.schedName = cfg.scheduler;
  if (cfg.persistenceEngine) s.peName = cfg.persistenceEngine;
  s.flags = { flags: cfg.flags >>> 0, mask: 0xffffffff };
  s.timeout = cfg.timeout >>> 0;
  s.netmask = netmaskToWire(key.family, cfg.netmask);
  return s;
}

/**
 * A service named as ipvsadm 1.31 names it in commands that only identify it (delete, zero, destination
 * commands, single get): the identity plus an empty scheduler, flags 0 with a full mask, timeout 0 and a
 * netmask. The kernel reads only the identity there (ip_vs_genl_parse_service with full_entry false);
 * sending what ipvsadm sends keeps our requests byte-identical to its (test/fixtures/ipvs-golden).
 */
export function serviceRefAttrs(key: ServiceKey, netmask: number): SvcAttrs {
  const s = serviceKeyAttrs(key);
  s.schedName = '';
  s.flags = { flags: 0, mask: 0xffffffff };
  s.timeout = 0;
  s.netmask = netmaskToWire(key.family, netmask);
  return s;
}
const defaultNetmask = (k: ServiceKey) => (k.family === AddressFamily.INET6 ? 128 : 0xffffffff);

export function destKeyAttrs(key: DestinationKey): DestAttrs {
  return { addrFamily: familyOf(key.address), addr: inetAddrUnion(key.address), port: key.port };
}

export function destAttrs(key: DestinationKey, cfg: DestinationConfig): DestAttrs {
  return {
    addrFamily: familyOf(key.address),
    addr: inetAddrUnion(key.address),
    port: key.port,
    fwdMethod: cfg.forward,
    weight: cfg.weight >>> 0,
    tunType: cfg.tunnelType,
    tunPort: cfg.tunnelPort,
    tunFlags: cfg.tunnelFlags,
    uThresh: cfg.upperThreshold >>> 0,
    lThresh: cfg.lowerThreshold >>> 0,
  };
}

export function daemonAttrs(cfg: DaemonConfig): DaemonAttrs {
  const d: DaemonAttrs = { state: cfg.state, mcastIfn: cfg.mcastInterface, syncId: cfg.syncId >>> 0 };
  // ipvsadm sends the optional attributes only when set (libipvs ipvs_start_daemon).
  if (cfg.syncMaxLen) d.syncMaxLen = cfg.syncMaxLen;
  if (cfg.mcastPort) d.mcastPort = cfg.mcastPort;
  if (cfg.mcastTtl) d.mcastTtl = cfg.mcastTtl;
  if (cfg.mcastGroup) {
    if (familyOf(cfg.mcastGroup) === AddressFamily.INET6) d.mcastGroup6 = addressBytes(cfg.mcastGroup);
    else d.mcastGroup = addressBytes(cfg.mcastGroup);
  }
  return d;
}

/** The destination ipvsadm 1.31 sends with a delete (weight 1, DR); the kernel reads only ADDR and PORT. */
export const DEL_DEST_DEFAULTS: DestinationConfig = { forward: 3, weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 };

/** Request builders, one per operation; attributes and their order as ipvsadm 1.31 sends them. */
export const req = {
  getInfo: (): IpvsMessage => ({ cmd: IpvsCmd.GET_INFO }),
  flush: (): IpvsMessage => ({ cmd: IpvsCmd.FLUSH }),
  newService: (k: ServiceKey, c: ServiceConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_SERVICE, service: serviceAttrs(k, c) }),
  setService: (k: ServiceKey, c: ServiceConfig): IpvsMessage => ({ cmd: IpvsCmd.SET_SERVICE, service: serviceAttrs(k, c) }),
  delService: (k: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.DEL_SERVICE, service: serviceRefAttrs(k, defaultNetmask(k)) }),
  getService: (k: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.GET_SERVICE, service: serviceRefAttrs(k, 0) }),
  /** with NLM_F_DUMP */
  dumpServices: (): IpvsMessage => ({ cmd: IpvsCmd.GET_SERVICE }),
  newDest: (s: ServiceKey, k: DestinationKey, c: DestinationConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_DEST, service: serviceRefAttrs(s, defaultNetmask(s)), dest: destAttrs(k, c) }),
  setDest: (s: ServiceKey, k: DestinationKey, c: DestinationConfig): IpvsMessage => ({ cmd: IpvsCmd.SET_DEST, service: serviceRefAttrs(s, defaultNetmask(s)), dest: destAttrs(k, c) }),
  /** ipvsadm sends a full destination with defaults (weight 1, DR) when deleting; the kernel reads ADDR and PORT */
  delDest: (s: ServiceKey, k: DestinationKey, c: DestinationConfig = DEL_DEST_DEFAULTS): IpvsMessage => ({ cmd: IpvsCmd.DEL_DEST, service: serviceRefAttrs(s, defaultNetmask(s)), dest: destAttrs(k, c) }),
  /** with NLM_F_DUMP */
  dumpDests: (s: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.GET_DEST, service: serviceKeyAttrs(s) }),
  newDaemon: (c: DaemonConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_DAEMON, daemon: daemonAttrs(c) }),
  /** ipvsadm --stop-daemon sends STATE, an empty MCAST_IFN and SYNC_ID 0; the kernel reads STATE */
  delDaemon: (state: SyncState.MASTER | SyncState.BACKUP): IpvsMessage => ({ cmd: IpvsCmd.DEL_DAEMON, daemon: { state, mcastIfn: '', syncId: 0 } }),
  /** with NLM_F_DUMP */
  dumpDaemons: (): IpvsMessage => ({ cmd: IpvsCmd.GET_DAEMON }),
  /** ipvsadm --set sends all three; 0 leaves a timeout unchanged */
  setConfig: (t: Partial<Timeouts>): IpvsMessage => ({
    cmd: IpvsCmd.SET_CONFIG,
    ...(t.tcp !== undefined ? { timeoutTcp: t.tcp >>> 0 } : {}),
    ...(t.tcpFin !== undefined ? { timeoutTcpFin: t.tcpFin >>> 0 } : {}),
    ...(t.udp !== undefined ? { timeoutUdp: t.udp >>> 0 } : {}),
  }),
  getConfig: (): IpvsMessage => ({ cmd: IpvsCmd.GET_CONFIG }),
  zero: (k?: ServiceKey): IpvsMessage => (k ? { cmd: IpvsCmd.ZERO, service: serviceRefAttrs(k, defaultNetmask(k)) } : { cmd: IpvsCmd.ZERO }),
};

export class DecodeError extends NlParseError {}

export function toStats(s: StatsAttrs | undefined): Stats {
  const n = (k: StatKey) => {
    const v = s?.[k];
    return v === undefined ? 0 : typeof v === 'number' ? v : Number(BigInt.asUintN(32, v));
  };
  const big = (k: StatKey) => {
    const v = s?.[k];
    return v === undefined ? 0n : typeof v === 'bigint' ? v : BigInt(v);
  };
  return {
    conns: n('conns'),
    inpkts: n('inpkts'),
    outpkts: n('outpkts'),
    inbytes: big('inbytes'),
    outbytes: big('outbytes'),
    cps: n('cps'),
    inpps: n('inpps'),
    outpps: n('outpps'),
    inbps: n('inbps'),
    outbps: n('outbps'),
  };
}

export function toStats64(s: StatsAttrs | undefined, fallback: StatsAttrs | undefined): Stats64 {
  const src = s ?? fallback;
  const v = (k: StatKey) => {
    const x = src?.[k];
    return x === undefined ? 0n : typeof x === 'bigint' ? x : BigInt(x);
  };
  return {
    conns: v('conns'),
    inpkts: v('inpkts'),
    outpkts: v('outpkts'),
    inbytes: v('inbytes'),
    outbytes: v('outbytes'),
    cps: v('cps'),
    inpps: v('inpps'),
    outpps: v('outpps'),
    inbps: v('inbps'),
    outbps: v('outbps'),
  };
}

export function family(af: number | undefined, what: string): AddressFamily.INET | AddressFamily.INET6 {
  if (af === AddressFamily.INET || af === AddressFamily.INET6) return af;
  throw new DecodeError(`${what} address family is ${af}; should be 2 (AF_INET) or 10 (AF_INET6)`);
}

export function decodeServiceKey(s: SvcAttrs): ServiceKey {
  const fam = family(s.af, 'service');
  if (s.fwmark) return { family: fam, fwmark: s.fwmark };
  if (s.protocol === undefined || !s.addr || s.port === undefined) {
    throw new DecodeError('service has neither FWMARK nor PROTOCOL, ADDR and PORT');
  }
  return { family: fam, protocol: s.protocol, address: formatAddress(fam, s.addr), port: s.port };
}

/** A service entry of a GET_SERVICE reply or dump part (the kernel fills every attribute). */
export function decodeServiceEntry(s: SvcAttrs): ServiceEntry {
  const key = decodeServiceKey(s);
  if (s.schedName === undefined || !s.flags || s.timeout === undefined || s.netmask === undefined) {
    throw new DecodeError('service entry lacks SCHED_NAME, FLAGS, TIMEOUT or NETMASK');
  }
  const config: ServiceConfig = {
    scheduler: s.schedName,
    // HASHED is kernel bookkeeping (set on every listed service), not configuration.
    flags: (s.flags.flags & s.flags.mask & ~ServiceFlag.HASHED) >>> 0,
    timeout: s.timeout,
    netmask: netmaskFromWire(key.family, s.netmask),
  };
  if (s.peName) config.persistenceEngine = s.peName;
  // Lazy stats as accessors of the literal (as defineLazy does, but without two defineProperty calls per entry).
  return {
    key,
    config,
    get stats(): Stats {
      return settleLazy(this, 'stats', toStats(s.stats));
    },
    set stats(v: Stats) {
      settleLazy(this, 'stats', v);
    },
    get stats64(): Stats64 {
      return settleLazy(this, 'stats64', toStats64(s.stats64, s.stats));
    },
    set stats64(v: Stats64) {
      settleLazy(this, 'stats64', v);
    },
  };
}

export function decodeDestEntry(d: DestAttrs, serviceFamily: number): DestinationEntry {
  if (!d.addr || d.port === undefined || d.fwdMethod === undefined || d.weight === undefined || d.uThresh === undefined || d.lThresh === undefined) {
    throw new DecodeError('destination entry lacks ADDR, PORT, FWD_METHOD, WEIGHT or thresholds');
  }
  // Without ADDR_FAMILY (kernels before 4.2) a destination has the service's family.
  const fam = family(d.addrFamily ?? serviceFamily, 'destination');
  return {
    key: { address: formatAddress(fam, d.addr), port: d.port },
    config: {
      forward: d.fwdMethod & 0x7,
      weight: d.weight,
      upperThreshold: d.uThresh,
      lowerThreshold: d.lThresh,
      tunnelType: d.tunType ?? 0,
      tunnelPort: d.tunPort ?? 0,
      tunnelFlags: d.tunFlags ?? 0,
    },
    activeConns: d.activeConns ?? 0,
    inactiveConns: d.inactConns ?? 0,
    persistentConns: d.persistConns ?? 0,
    get stats(): Stats {
      return settleLazy(this, 'stats', toStats(d.stats));
    },
    set stats(v: Stats) {
      settleLazy(this, 'stats', v);
    },
    get stats64(): Stats64 {
      return settleLazy(this, 'stats64', toStats64(d.stats64, d.stats));
    },
    set stats64(v: Stats64) {
      settleLazy(this, 'stats64', v);
    },
  };
}

export function decodeDaemonEntry(d: DaemonAttrs): DaemonEntry {
  if (d.state !== SyncState.MASTER && d.state !== SyncState.BACKUP) throw new DecodeError(`daemon state is ${d.state}; should be 1 or 2`);
  let group: string = KERNEL_DEFAULTS.syncGroup;
  if (d.mcastGroup) group = formatAddress(AddressFamily.INET, d.mcastGroup);
  else if (d.mcastGroup6) group = formatAddress(AddressFamily.INET6, d.mcastGroup6);
  return {
    state: d.state,
    mcastInterface: d.mcastIfn ?? '',
    syncId: d.syncId ?? 0,
    syncMaxLen: d.syncMaxLen ?? 0,
    mcastGroup: group,
    mcastPort: d.mcastPort ?? 0,
    mcastTtl: d.mcastTtl ?? 0,
  };
}

export function decodeTimeouts(m: IpvsMessage): Timeouts {
  return { tcp: m.timeoutTcp ?? 0, tcpFin: m.timeoutTcpFin ?? 0, udp: m.timeoutUdp ?? 0 };
}

export function decodeInfo(m: IpvsMessage): Info {
  const code = m.info?.version;
  if (code === undefined || m.info?.connTabSize === undefined) throw new DecodeError('GET_INFO reply lacks VERSION or CONN_TAB_SIZE');
  return { version: versionString(code), versionCode: code, connTableSize: m.info.connTabSize };
}

// Reply builders (the fake kernel answers with these; tests use them for round trips).
function statsAttrs(s: Stats): StatsAttrs {
  const o: StatsAttrs = {};
  for (const k of STAT_KEYS) o[k] = s[k];
  return o;
}
function stats64Attrs(s: Stats64): StatsAttrs {
  const o: StatsAttrs = {};
  for (const k of STAT_KEYS) o[k] = s[k];
  return o;
}

/** Service attributes as ip_vs_genl_fill_service puts them (flags include HASHED, mask ~0). */
export function encodeServiceEntry(e: ServiceEntry): SvcAttrs {
  const s = serviceAttrs(e.key, e.config);
  if (isFwmarkKey(e.key)) {
    delete s.protocol;
  }
  s.flags = { flags: (e.config.flags | ServiceFlag.HASHED) >>> 0, mask: 0xffffffff };
  s.stats = statsAttrs(e.stats);
  s.stats64 = stats64Attrs(e.stats64);
  return s;
}

export function encodeDestEntry(e: DestinationEntry): DestAttrs {
  return {
    ...destAttrs(e.key, e.config),
    activeConns: e.activeConns,
    inactConns: e.inactiveConns,
    persistConns: e.persistentConns,
    stats: statsAttrs(e.stats),
    stats64: stats64Attrs(e.stats64),
  };
}

export function encodeDaemonEntry(e: DaemonEntry): DaemonAttrs {
  const d: DaemonAttrs = {
    state: e.state,
    mcastIfn: e.mcastInterface,
    syncId: e.syncId,
    syncMaxLen: e.syncMaxLen,
    mcastPort: e.mcastPort,
    mcastTtl: e.mcastTtl,
  };
  if (familyOf(e.mcastGroup) === AddressFamily.INET6) d.mcastGroup6 = addressBytes(e.mcastGroup);
  else d.mcastGroup = addressBytes(e.mcastGroup);
  return d;
}

/** ipvsadm-style description of a service ("TCP 10.0.0.1:80", "FWM 7", "UDP [2001:db8::1]:53"). */
export function describeService(k: ServiceKey): string {
  const fam = k.family === AddressFamily.INET6 ? ' IPv6' : '';
  if (isFwmarkKey(k)) return `FWM ${k.fwmark}${fam}`;
  const proto = k.protocol === 6 ? 'TCP' : k.protocol === 17 ? 'UDP' : k.protocol === 132 ? 'SCTP' : `proto ${k.protocol}`;
  return `${proto} ${hostPort(k.address, k.port)}`;
}

export function describeDest(s: ServiceKey, d: DestinationKey): string {
  return `${describeService(s)} -> ${hostPort(d.address, d.port)}`;
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
