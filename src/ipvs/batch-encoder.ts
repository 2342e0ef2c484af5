// Fast encoding of a batch of IPVS requests: each service/destination request (NEW/SET/DEL_SERVICE, NEW/SET/DEL_DEST)
// is written straight into one buffer for the whole batch (nlmsghdr + genlmsghdr + attributes), without the generic
// message objects; the bytes are those of the generic codec (codec.ts) for the same message, attribute for
// attribute (ipvsadm 1.31 order; test/unit/ipvs-batch-encoder.test.ts checks it). Anything else, and any input
// that is not already canonical (IPv6 text, leading zeros, non-ASCII names, invalid values), goes through the
// generic path (client.ts batchMessage + codec.ts), which also produces the exact rejection errors.
import { AddressFamily, CmdAttr, DestAttr, IPVS_GENL_VERSION, IpvsCmd, SvcAttr } from './constants';
import { DEL_DEST_DEFAULTS, FormatOptions, describeService, formatAttrsWithHeadroom, netmaskToWire } from './codec';
import { BatchOp, batchMessage, normalizeDestKey, normalizeServiceKey } from './client';
import { addressBytes, familyOf } from './address';
import { IpvsError, IpvsOp } from './errors';
import { DestinationConfig, DestinationKey, ServiceConfig, ServiceKey, isFwmarkKey } from './types';
import { GENL_HDRLEN, HOST_LE, NLA_F_NESTED, NLMSG_HDRLEN, NlFlags } from '../netlink/message';

/** Requests of a batch, back to back in one buffer. */
export interface EncodedBatch {
  buf: Buffer;
  /** message j is buf[starts[j], starts[j + 1]) */
  starts: Uint32Array;
  /** index in the input of message j */
  index: Uint32Array;
  /** operation of message j */
  ops: IpvsOp[];
  count: number;
  /** inputs rejected before anything was sent (malformed input), by input index */
  rejected: Array<{ index: number; error: IpvsError }>;
}

const HEADROOM = NLMSG_HDRLEN + GENL_HDRLEN;
/** Largest fast-path message: headers, a full service nest (with a 16-byte PE name) and a full destination nest. */
const MAX_FAST_MSG = 256;
const DEFAULT_V4_NETMASK = 0xffffffff;
const DEFAULT_V6_NETMASK = 128;

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU16 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff;

/**
 * The address of a dotted quad as a uint32 when `a` is canonical (what canonicalAddress returns unchanged: four
 * decimal parts 0..255 without leading zeros), else -1.
 */
function canonicalV4(a: string): number {
  const n = a.length;
  if (n < 7 || n > 15) return -1;
  let part = 0;
  let v = 0;
  let digits = 0;
  let out = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? a.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return -1;
      out = out * 256 + v;
      part++;
      v = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && v === 0) return -1; // leading zero
      v = v * 10 + (c - 48);
      if (++digits > 3 || v > 255) return -1;
    } else return -1;
  }
  return part === 4 ? out : -1;
}

/** The 16-byte union nf_inet_addr at b[p]: the IPv4 address v4 (>= 0), else the bytes of the canonical text. */
function writeAddr(b: Buffer, p: number, v4: number, canonical: string): void {
  if (v4 >= 0) {
    b[p] = v4 >>> 24;
    b[p + 1] = (v4 >>> 16) & 0xff;
    b[p + 2] = (v4 >>> 8) & 0xff;
    b[p + 3] = v4 & 0xff;
    for (let i = p + 4; i < p + 16; i++) b[i] = 0;
    return;
  }
  const bytes = addressBytes(canonical);
  bytes.copy(b, p);
  for (let i = p + bytes.length; i < p + 16; i++) b[i] = 0;
}

/** ASCII string of at most `max` bytes, else -1 (non-ASCII names take the generic path). */
function asciiLen(s: unknown, max: number): number {
  if (typeof s !== 'string' || s.length > max) return -1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return -1;
  return s.length;
}

// Attribute writers at b[o]: header, value, zeroed padding; each returns the offset after the attribute.
function nla(b: Buffer, o: number, len: number, type: number): void {
  b[o] = len & 0xff;
  b[o + 1] = len >>> 8;
  b[o + 2] = type & 0xff;
  b[o + 3] = type >>> 8;
}
function putU8(b: Buffer, o: number, type: number, v: number): number {
  nla(b, o, 5, type);
  b[o + 4] = v & 0xff;
  b[o + 5] = 0;
  b[o + 6] = 0;
  b[o + 7] = 0;
  return o + 8;
}
function putU16(b: Buffer, o: number, type: number, v: number): number {
  nla(b, o, 6, type);
  b[o + 4] = v & 0xff;
  b[o + 5] = (v >>> 8) & 0xff;
  b[o + 6] = 0;
  b[o + 7] = 0;
  return o + 8;
}
function putBe16(b: Buffer, o: number, type: number, v: number): number {
  nla(b, o, 6, type);
  b[o + 4] = (v >>> 8) & 0xff;
  b[o + 5] = v & 0xff;
  b[o + 6] = 0;
  b[o + 7] = 0;
  return o + 8;
}
function le32(b: Buffer, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = v >>> 24;
}
function putU32(b: Buffer, o: number, type: number, v: number): number {
  nla(b, o, 8, type);
  le32(b, o + 4, v);
  return o + 8;
}
function putBe32(b: Buffer, o: number, type: number, v: number): number {
  nla(b, o, 8, type);
  b[o + 4] = v >>> 24;
  b[o + 5] = (v >>> 16) & 0xff;
  b[o + 6] = (v >>> 8) & 0xff;
  b[o + 7] = v & 0xff;
  return o + 8;
}
/** NUL-terminated ASCII string of n characters (checked by asciiLen). */
function putString(b: Buffer, o: number, type: number, s: string, n: number): number {
  nla(b, o, 4 + n + 1, type);
  for (let i = 0; i < n; i++) b[o + 4 + i] = s.charCodeAt(i);
  const end = o + ((4 + n + 1 + 3) & ~3);
  for (let i = o + 4 + n; i < end; i++) b[i] = 0;
  return end;
}
function putAddr(b: Buffer, o: number, type: number, v4: number, canonical: string): number {
  nla(b, o, 20, type);
  writeAddr(b, o + 4, v4, canonical);
  return o + 20;
}

/** The SERVICE nest: identity, then either the configuration or ipvsadm's reference filler (codec serviceAttrs / serviceRefAttrs). */
function putService(b: Buffer, o: number, nestFlag: number, k: ServiceKey, v4: number, cfg: ServiceConfig | undefined, schedLen: number, peLen: number, refNetmask: number): number {
  const start = o;
  o += 4;
  o = putU16(b, o, SvcAttr.AF, k.family);
  if (isFwmarkKey(k)) o = putU32(b, o, SvcAttr.FWMARK, k.fwmark);
  else {
    o = putU16(b, o, SvcAttr.PROTOCOL, k.protocol);
    o = putAddr(b, o, SvcAttr.ADDR, v4, k.address);
    o = putBe16(b, o, SvcAttr.PORT, k.port);
  }
  if (cfg) {
    o = putString(b, o, SvcAttr.SCHED_NAME, cfg.scheduler, schedLen);
    if (cfg.persistenceEngine) o = putString(b, o, SvcAttr.PE_NAME, cfg.persistenceEngine, peLen);
    nla(b, o, 12, SvcAttr.FLAGS);
    le32(b, o + 4, cfg.flags >>> 0);
    le32(b, o + 8, 0xffffffff);
    o += 12;
    o = putU32(b, o, SvcAttr.TIMEOUT, cfg.timeout >>> 0);
    o = putBe32(b, o, SvcAttr.NETMASK, netmaskToWire(k.family, cfg.netmask));
  } else {
    o = putString(b, o, SvcAttr.SCHED_NAME, '', 0);
    nla(b, o, 12, SvcAttr.FLAGS);
    le32(b, o + 4, 0);
    le32(b, o + 8, 0xffffffff);
    o += 12;
    o = putU32(b, o, SvcAttr.TIMEOUT, 0);
    o = putBe32(b, o, SvcAttr.NETMASK, netmaskToWire(k.family, refNetmask));
  }
  nla(b, start, o - start, CmdAttr.SERVICE | nestFlag);
  return o;
}

/** The DEST nest of codec destAttrs. */
function putDest(b: Buffer, o: number, nestFlag: number, d: DestinationKey, v4: number, c: DestinationConfig): number {
  const start = o;
  o += 4;
  o = putU16(b, o, DestAttr.ADDR_FAMILY, v4 >= 0 ? AddressFamily.INET : familyOf(d.address));
  o = putAddr(b, o, DestAttr.ADDR, v4, d.address);
  o = putBe16(b, o, DestAttr.PORT, d.port);
  o = putU32(b, o, DestAttr.FWD_METHOD, c.forward);
  o = putU32(b, o, DestAttr.WEIGHT, c.weight >>> 0);
  o = putU8(b, o, DestAttr.TUN_TYPE, c.tunnelType);
  o = putBe16(b, o, DestAttr.TUN_PORT, c.tunnelPort);
  o = putU16(b, o, DestAttr.TUN_FLAGS, c.tunnelFlags);
  o = putU32(b, o, DestAttr.U_THRESH, c.upperThreshold >>> 0);
  o = putU32(b, o, DestAttr.L_THRESH, c.lowerThreshold >>> 0);
  nla(b, start, o - start, CmdAttr.DEST | nestFlag);
  return o;
}

// The key the encoder writes, and its IPv4 address as a uint32 (-1: fwmark or IPv6) when the key was canonical.
let keyV4 = -1;

/**
 * A service key as the encoder needs it: the key itself when it is what normalizeServiceKey would keep unchanged
 * (INET/INET6, canonical, in range), else its normalized copy; undefined for other families (the generic path
 * sends them and the kernel answers). Throws the generic rejection (IpvsError) when it is malformed. Sets keyV4.
 */
function serviceKeyFor(op: IpvsOp, k: ServiceKey): ServiceKey | undefined {
  keyV4 = -1;
  if (k.family !== AddressFamily.INET && k.family !== AddressFamily.INET6) return undefined;
  if (isFwmarkKey(k)) return isU32(k.fwmark) ? k : normalizeServiceKey(op, k);
  if (k.family === AddressFamily.INET && isU16(k.protocol) && isU16(k.port)) {
    keyV4 = canonicalV4(k.address);
    if (keyV4 >= 0) return k;
  }
  const n = normalizeServiceKey(op, k);
  if (!isFwmarkKey(n) && n.family === AddressFamily.INET) keyV4 = canonicalV4(n.address);
  return n;
}

/** As serviceKeyFor, for a destination key of the (normalized) service svc. */
function destKeyFor(op: IpvsOp, svc: ServiceKey, d: DestinationKey): DestinationKey {
  keyV4 = -1;
  if (isU16(d.port)) {
    keyV4 = canonicalV4(d.address);
    if (keyV4 >= 0) return d;
  }
  const n = normalizeDestKey(op, describeService(svc), d);
  keyV4 = canonicalV4(n.address);
  return n;
}

function serviceConfigOk(c: ServiceConfig): { sched: number; pe: number } | undefined {
  const sched = asciiLen(c.scheduler, 15);
  if (sched < 0) return undefined;
  let pe = 0;
  if (c.persistenceEngine) {
    pe = asciiLen(c.persistenceEngine, 16);
    if (pe < 0) return undefined;
  }
  if (!isU32(c.flags) || !isU32(c.timeout) || !isU32(c.netmask)) return undefined;
  return { sched, pe };
}

function destConfigOk(c: DestinationConfig): boolean {
  return (
    Number.isInteger(c.forward) && c.forward >= 0 && c.forward <= 7 &&
    isU32(c.weight) && isU32(c.upperThreshold) && isU32(c.lowerThreshold) &&
    Number.isInteger(c.tunnelType) && c.tunnelType >= 0 && c.tunnelType <= 0xff &&
    isU16(c.tunnelPort) && isU16(c.tunnelFlags)
  );
}

const CMD: Partial<Record<BatchOp['op'], IpvsCmd>> = {
  addService: IpvsCmd.NEW_SERVICE,
  updateService: IpvsCmd.SET_SERVICE,
  deleteService: IpvsCmd.DEL_SERVICE,
  addDestination: IpvsCmd.NEW_DEST,
  updateDestination: IpvsCmd.SET_DEST,
  deleteDestination: IpvsCmd.DEL_DEST,
};

/**
 * Writes the message of one operation at b[o] (b has MAX_FAST_MSG bytes free there) and returns its end, or -1
 * when the operation takes the generic path. Throws IpvsError for malformed keys (as batchMessage does).
 */
function encodeFast(b: Buffer, o: number, x: BatchOp, familyId: number, pid: number, nestFlag: number, version: number): number {
  const cmd = CMD[x.op];
  if (cmd === undefined || !HOST_LE) return -1;
  const s = x as { service: ServiceKey; config?: ServiceConfig | DestinationConfig; dest?: DestinationKey };
  const k = serviceKeyFor(x.op, s.service);
  if (!k) return -1;
  const svcV4 = keyV4;
  let end: number;
  const start = o;
  o += HEADROOM;
  if (x.op === 'addService' || x.op === 'updateService') {
    const ok = serviceConfigOk(x.config);
    if (!ok) return -1;
    end = putService(b, o, nestFlag, k, svcV4, x.config, ok.sched, ok.pe, 0);
  } else if (x.op === 'deleteService') {
    end = putService(b, o, nestFlag, k, svcV4, undefined, 0, 0, k.family === AddressFamily.INET6 ? DEFAULT_V6_NETMASK : DEFAULT_V4_NETMASK);
  } else {
    const d = destKeyFor(x.op, k, s.dest!);
    const destV4 = keyV4;
    const c = x.op === 'deleteDestination' ? DEL_DEST_DEFAULTS : (s.config as DestinationConfig);
    if (!destConfigOk(c)) return -1;
    o = putService(b, o, nestFlag, k, svcV4, undefined, 0, 0, k.family === AddressFamily.INET6 ? DEFAULT_V6_NETMASK : DEFAULT_V4_NETMASK);
    end = putDest(b, o, nestFlag, d, destV4, c);
  }
  writeHeaders(b, start, end - start, familyId, pid, cmd, version);
  return end;
}

/** nlmsghdr (seq 0; REQUEST|ACK) and genlmsghdr of the message b[start, start + len). */
function writeHeaders(b: Buffer, start: number, len: number, familyId: number, pid: number, cmd: number, version: number): void {
  le32(b, start, len);
  b[start + 4] = familyId & 0xff;
  b[start + 5] = familyId >>> 8;
  b[start + 6] = NlFlags.REQUEST | NlFlags.ACK;
  b[start + 7] = 0;
  le32(b, start + 8, 0);
  le32(b, start + 12, pid >>> 0);
  b[start + 16] = cmd;
  b[start + 17] = version;
  b[start + 18] = 0;
  b[start + 19] = 0;
}

/**
 * Encodes the operations of a batch into one buffer. Rejected inputs (IpvsError, as batchMessage throws them)
 * are listed in `rejected` and not encoded. `pid` goes in every nlmsghdr (the socket rewrites seq and flags).
 */
export function encodeBatch(ops: BatchOp[], familyId: number, pid: number, fmt: FormatOptions = {}): EncodedBatch {
  const nestFlag = (fmt.nestedFlag ?? true) ? NLA_F_NESTED : 0;
  const version = fmt.version ?? IPVS_GENL_VERSION;
  let buf = Buffer.allocUnsafe(Math.max(1024, ops.length * 160));
  const starts = new Uint32Array(ops.length + 1);
  const index = new Uint32Array(ops.length);
  const opNames: IpvsOp[] = [];
  const rejected: Array<{ index: number; error: IpvsError }> = [];
  let off = 0;
  let count = 0;
  const ensure = (n: number) => {
    if (off + n <= buf.length) return;
    let size = buf.length * 2;
    while (size < off + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    buf.copy(nb, 0, 0, off);
    buf = nb;
  };
  for (let i = 0; i < ops.length; i++) {
    const x = ops[i];
    let end: number;
    try {
      ensure(MAX_FAST_MSG);
      end = encodeFast(buf, off, x, familyId, pid, nestFlag, version);
      if (end < 0) {
        const m = batchMessage(x);
        const generic = formatAttrsWithHeadroom(m.msg, HEADROOM, fmt);
        ensure(generic.length);
        generic.copy(buf, off);
        writeHeaders(buf, off, generic.length, familyId, pid, m.msg.cmd, version);
        end = off + generic.length;
      }
    } catch (e) {
      // as TransportClient.applyBatch records what batchMessage throws (IpvsError for malformed input)
      rejected.push({ index: i, error: e as IpvsError });
      continue;
    }
    starts[count] = off;
    index[count] = i;
    opNames.push(x.op);
    count++;
    off = end;
  }
  starts[count] = off;
  return { buf: buf.subarray(0, off), starts, index, ops: opNames, count, rejected };
}

/** The object of an operation, as batchMessage names it in errors (computed only for the failed ones). */
export function batchObject(x: BatchOp): string | undefined {
  try {
    return batchMessage(x).object;
  } catch {
    return undefined;
  }
}
