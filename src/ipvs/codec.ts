// IPVS generic netlink codec: pure format/parse of every IPVS message (requests and replies, IPv4/IPv6),
// and typed builders/decoders between messages and the model in types.ts. Wire layout: ip_vs.h (Linux 6.1);
// byte order and attribute order follow net/netfilter/ipvs/ip_vs_ctl.c and ipvsadm 1.31 libipvs/libipvs.c.
import {
  AttrWriter,
  GENL_HDRLEN,
  HOST_LE,
  NlParseError,
  attrMap,
  formatGenl,
  getBe16,
  getBe32,
  getString,
  getU16,
  getU32,
  getU64,
  getU8,
  parseGenl,
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

export type StatsAttrs = Partial<Record<StatKey, bigint>>;

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
  /** Set NLA_F_NESTED on nested attributes (libnl's nla_nest_start does not in ipvsadm 1.31's build). */
  nestedFlag?: boolean;
  /** genl header version (default IPVS_GENL_VERSION) */
  version?: number;
}

function writeStats(container: number, s: StatsAttrs, all64: boolean, nestedFlag: boolean, w: AttrWriter): void {
  const inner = new AttrWriter();
  for (const k of STAT_KEYS) {
    const v = s[k];
    if (v === undefined) continue;
    if (all64 || STATS32_U64.has(k)) inner.u64(STAT_ATTR[k], v);
    else inner.u32(STAT_ATTR[k], Number(v));
  }
  w.nested(container, inner, nestedFlag);
}

function formatSvc(s: SvcAttrs, nestedFlag: boolean): AttrWriter {
  const w = new AttrWriter();
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
  return w;
}

function formatDest(d: DestAttrs, nestedFlag: boolean): AttrWriter {
  const w = new AttrWriter();
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
  return w;
}

function formatDaemon(d: DaemonAttrs): AttrWriter {
  const w = new AttrWriter();
  if (d.state !== undefined) w.u32(DaemonAttr.STATE, d.state);
  if (d.mcastIfn !== undefined) w.string(DaemonAttr.MCAST_IFN, d.mcastIfn);
  if (d.syncId !== undefined) w.u32(DaemonAttr.SYNC_ID, d.syncId);
  if (d.syncMaxLen !== undefined) w.u16(DaemonAttr.SYNC_MAXLEN, d.syncMaxLen);
  if (d.mcastPort !== undefined) w.u16(DaemonAttr.MCAST_PORT, d.mcastPort);
  if (d.mcastTtl !== undefined) w.u8(DaemonAttr.MCAST_TTL, d.mcastTtl);
  if (d.mcastGroup6 !== undefined) w.raw(DaemonAttr.MCAST_GROUP6, d.mcastGroup6);
  if (d.mcastGroup !== undefined) w.raw(DaemonAttr.MCAST_GROUP, d.mcastGroup);
  return w;
}

function writeU32(b: Buffer, v: number, off: number): void {
  if (HOST_LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}

/** Attributes of a message (what follows the genl header). */
export function formatAttrs(m: IpvsMessage, opts: FormatOptions = {}): Buffer {
  const nf = opts.nestedFlag ?? false;
  const w = new AttrWriter();
  if (m.cmd === IpvsCmd.SET_INFO && m.info) {
    if (m.info.version !== undefined) w.u32(InfoAttr.VERSION, m.info.version);
    if (m.info.connTabSize !== undefined) w.u32(InfoAttr.CONN_TAB_SIZE, m.info.connTabSize);
    return w.toBuffer();
  }
  if (m.service) w.nested(CmdAttr.SERVICE, formatSvc(m.service, nf), nf);
  if (m.dest) w.nested(CmdAttr.DEST, formatDest(m.dest, nf), nf);
  if (m.daemon) w.nested(CmdAttr.DAEMON, formatDaemon(m.daemon), nf);
  if (m.timeoutTcp !== undefined) w.u32(CmdAttr.TIMEOUT_TCP, m.timeoutTcp);
  if (m.timeoutTcpFin !== undefined) w.u32(CmdAttr.TIMEOUT_TCP_FIN, m.timeoutTcpFin);
  if (m.timeoutUdp !== undefined) w.u32(CmdAttr.TIMEOUT_UDP, m.timeoutUdp);
  return w.toBuffer();
}

/** Generic netlink payload: genl header + attributes. */
export function format(m: IpvsMessage, opts: FormatOptions = {}): Buffer {
  return formatGenl({ cmd: m.cmd, version: opts.version ?? IPVS_GENL_VERSION }, formatAttrs(m, opts));
}

function parseStats(b: Buffer, all64: boolean): StatsAttrs {
  const m = attrMap(b);
  const out: StatsAttrs = {};
  for (const k of STAT_KEYS) {
    const d = m.get(STAT_ATTR[k]);
    if (!d) continue;
    // Read by length: the kernel sends u32 or u64 depending on the counter and the container.
    out[k] = d.length >= 8 && (all64 || STATS32_U64.has(k)) ? getU64(d, `stats ${k}`) : BigInt(getU32(d, `stats ${k}`));
  }
  return out;
}

function parseSvc(b: Buffer): SvcAttrs {
  const m = attrMap(b);
  const s: SvcAttrs = {};
  let d: Buffer | undefined;
  if ((d = m.get(SvcAttr.AF))) s.af = getU16(d, 'service AF');
  if ((d = m.get(SvcAttr.PROTOCOL))) s.protocol = getU16(d, 'service PROTOCOL');
  if ((d = m.get(SvcAttr.ADDR))) s.addr = Buffer.from(d);
  if ((d = m.get(SvcAttr.PORT))) s.port = getBe16(d, 'service PORT');
  if ((d = m.get(SvcAttr.FWMARK))) s.fwmark = getU32(d, 'service FWMARK');
  if ((d = m.get(SvcAttr.SCHED_NAME))) s.schedName = getString(d);
  if ((d = m.get(SvcAttr.PE_NAME))) s.peName = getString(d);
  if ((d = m.get(SvcAttr.FLAGS))) {
    if (d.length < 8) throw new NlParseError(`service FLAGS is ${d.length} bytes; should be 8`);
    s.flags = { flags: getU32(d), mask: getU32(d.subarray(4)) };
  }
  if ((d = m.get(SvcAttr.TIMEOUT))) s.timeout = getU32(d, 'service TIMEOUT');
  if ((d = m.get(SvcAttr.NETMASK))) s.netmask = getBe32(d, 'service NETMASK');
  if ((d = m.get(SvcAttr.STATS))) s.stats = parseStats(d, false);
  if ((d = m.get(SvcAttr.STATS64))) s.stats64 = parseStats(d, true);
  return s;
}

function parseDest(b: Buffer): DestAttrs {
  const m = attrMap(b);
  const r: DestAttrs = {};
  let d: Buffer | undefined;
  if ((d = m.get(DestAttr.ADDR))) r.addr = Buffer.from(d);
  if ((d = m.get(DestAttr.PORT))) r.port = getBe16(d, 'dest PORT');
  if ((d = m.get(DestAttr.FWD_METHOD))) r.fwdMethod = getU32(d, 'dest FWD_METHOD');
  if ((d = m.get(DestAttr.WEIGHT))) r.weight = getU32(d, 'dest WEIGHT');
  if ((d = m.get(DestAttr.U_THRESH))) r.uThresh = getU32(d, 'dest U_THRESH');
  if ((d = m.get(DestAttr.L_THRESH))) r.lThresh = getU32(d, 'dest L_THRESH');
  if ((d = m.get(DestAttr.ACTIVE_CONNS))) r.activeConns = getU32(d, 'dest ACTIVE_CONNS');
  if ((d = m.get(DestAttr.INACT_CONNS))) r.inactConns = getU32(d, 'dest INACT_CONNS');
  if ((d = m.get(DestAttr.PERSIST_CONNS))) r.persistConns = getU32(d, 'dest PERSIST_CONNS');
  if ((d = m.get(DestAttr.STATS))) r.stats = parseStats(d, false);
  if ((d = m.get(DestAttr.ADDR_FAMILY))) r.addrFamily = getU16(d, 'dest ADDR_FAMILY');
  if ((d = m.get(DestAttr.STATS64))) r.stats64 = parseStats(d, true);
  if ((d = m.get(DestAttr.TUN_TYPE))) r.tunType = getU8(d, 'dest TUN_TYPE');
  if ((d = m.get(DestAttr.TUN_PORT))) r.tunPort = getBe16(d, 'dest TUN_PORT');
  if ((d = m.get(DestAttr.TUN_FLAGS))) r.tunFlags = getU16(d, 'dest TUN_FLAGS');
  return r;
}

function parseDaemon(b: Buffer): DaemonAttrs {
  const m = attrMap(b);
  const r: DaemonAttrs = {};
  let d: Buffer | undefined;
  if ((d = m.get(DaemonAttr.STATE))) r.state = getU32(d, 'daemon STATE');
  if ((d = m.get(DaemonAttr.MCAST_IFN))) r.mcastIfn = getString(d);
  if ((d = m.get(DaemonAttr.SYNC_ID))) r.syncId = getU32(d, 'daemon SYNC_ID');
  if ((d = m.get(DaemonAttr.SYNC_MAXLEN))) r.syncMaxLen = getU16(d, 'daemon SYNC_MAXLEN');
  if ((d = m.get(DaemonAttr.MCAST_GROUP))) r.mcastGroup = Buffer.from(d);
  if ((d = m.get(DaemonAttr.MCAST_GROUP6))) r.mcastGroup6 = Buffer.from(d);
  if ((d = m.get(DaemonAttr.MCAST_PORT))) r.mcastPort = getU16(d, 'daemon MCAST_PORT');
  if ((d = m.get(DaemonAttr.MCAST_TTL))) r.mcastTtl = getU8(d, 'daemon MCAST_TTL');
  return r;
}

/** Parses the attributes of a message with the given command. */
export function parseAttrsOf(cmd: IpvsCmd, attrs: Buffer): IpvsMessage {
  const m = attrMap(attrs);
  const out: IpvsMessage = { cmd };
  let d: Buffer | undefined;
  if (cmd === IpvsCmd.SET_INFO) {
    const info: IpvsMessage['info'] = {};
    if ((d = m.get(InfoAttr.VERSION))) info.version = getU32(d, 'info VERSION');
    if ((d = m.get(InfoAttr.CONN_TAB_SIZE))) info.connTabSize = getU32(d, 'info CONN_TAB_SIZE');
    out.info = info;
    return out;
  }
  if ((d = m.get(CmdAttr.SERVICE))) out.service = parseSvc(d);
  if ((d = m.get(CmdAttr.DEST))) out.dest = parseDest(d);
  if ((d = m.get(CmdAttr.DAEMON))) out.daemon = parseDaemon(d);
  if ((d = m.get(CmdAttr.TIMEOUT_TCP))) out.timeoutTcp = getU32(d, 'TIMEOUT_TCP');
  if ((d = m.get(CmdAttr.TIMEOUT_TCP_FIN))) out.timeoutTcpFin = getU32(d, 'TIMEOUT_TCP_FIN');
  if ((d = m.get(CmdAttr.TIMEOUT_UDP))) out.timeoutUdp = getU32(d, 'TIMEOUT_UDP');
  return out;
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

export function destKeyAttrs(key: DestinationKey): DestAttrs {
  return { addrFamily: familyOf(key.address), addr: inetAddrUnion(key.address), port: key.port };
}

export function destAttrs(key: DestinationKey, cfg: DestinationConfig): DestAttrs {
  return {
    ...destKeyAttrs(key),
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

/** Request builders, one per operation. */
export const req = {
  getInfo: (): IpvsMessage => ({ cmd: IpvsCmd.GET_INFO }),
  flush: (): IpvsMessage => ({ cmd: IpvsCmd.FLUSH }),
  newService: (k: ServiceKey, c: ServiceConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_SERVICE, service: serviceAttrs(k, c) }),
  setService: (k: ServiceKey, c: ServiceConfig): IpvsMessage => ({ cmd: IpvsCmd.SET_SERVICE, service: serviceAttrs(k, c) }),
  delService: (k: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.DEL_SERVICE, service: serviceKeyAttrs(k) }),
  getService: (k: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.GET_SERVICE, service: serviceKeyAttrs(k) }),
  /** with NLM_F_DUMP */
  dumpServices: (): IpvsMessage => ({ cmd: IpvsCmd.GET_SERVICE }),
  newDest: (s: ServiceKey, k: DestinationKey, c: DestinationConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_DEST, service: serviceKeyAttrs(s), dest: destAttrs(k, c) }),
  setDest: (s: ServiceKey, k: DestinationKey, c: DestinationConfig): IpvsMessage => ({ cmd: IpvsCmd.SET_DEST, service: serviceKeyAttrs(s), dest: destAttrs(k, c) }),
  delDest: (s: ServiceKey, k: DestinationKey): IpvsMessage => ({ cmd: IpvsCmd.DEL_DEST, service: serviceKeyAttrs(s), dest: destKeyAttrs(k) }),
  /** with NLM_F_DUMP */
  dumpDests: (s: ServiceKey): IpvsMessage => ({ cmd: IpvsCmd.GET_DEST, service: serviceKeyAttrs(s) }),
  newDaemon: (c: DaemonConfig): IpvsMessage => ({ cmd: IpvsCmd.NEW_DAEMON, daemon: daemonAttrs(c) }),
  delDaemon: (state: SyncState.MASTER | SyncState.BACKUP): IpvsMessage => ({ cmd: IpvsCmd.DEL_DAEMON, daemon: { state } }),
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
  zero: (k?: ServiceKey): IpvsMessage => (k ? { cmd: IpvsCmd.ZERO, service: serviceKeyAttrs(k) } : { cmd: IpvsCmd.ZERO }),
};

export class DecodeError extends NlParseError {}

function toStats(s: StatsAttrs | undefined): Stats {
  const n = (k: StatKey) => Number(BigInt.asUintN(32, s?.[k] ?? 0n));
  return {
    conns: n('conns'),
    inpkts: n('inpkts'),
    outpkts: n('outpkts'),
    inbytes: s?.inbytes ?? 0n,
    outbytes: s?.outbytes ?? 0n,
    cps: n('cps'),
    inpps: n('inpps'),
    outpps: n('outpps'),
    inbps: n('inbps'),
    outbps: n('outbps'),
  };
}

function toStats64(s: StatsAttrs | undefined, fallback: StatsAttrs | undefined): Stats64 {
  const src = s ?? fallback;
  const v = (k: StatKey) => src?.[k] ?? 0n;
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

function family(af: number | undefined, what: string): AddressFamily.INET | AddressFamily.INET6 {
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
  return { key, config, stats: toStats(s.stats), stats64: toStats64(s.stats64, s.stats) };
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
    stats: toStats(d.stats),
    stats64: toStats64(d.stats64, d.stats),
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
  for (const k of STAT_KEYS) o[k] = BigInt(s[k]);
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
