// Pure netlink framing: nlmsghdr, genlmsghdr, NLMSG_ERROR/DONE payloads and nlattr TLVs (include/uapi/linux/netlink.h).
import { endianness } from 'os';

/** Netlink attributes and headers are in host byte order; every supported target (x86_64, arm64) is LE. */
export const HOST_LE = endianness() === 'LE';

export enum NlMsgType {
  NOOP = 1,
  ERROR = 2,
  DONE = 3,
  OVERRUN = 4,
}

export enum NlFlags {
  REQUEST = 0x1,
  MULTI = 0x2,
  ACK = 0x4,
  ECHO = 0x8,
  DUMP_INTR = 0x10,
  DUMP_FILTERED = 0x20,
  // GET modifiers
  ROOT = 0x100,
  MATCH = 0x200,
  ATOMIC = 0x400,
  DUMP = 0x300,
  // NEW modifiers
  REPLACE = 0x100,
  EXCL = 0x200,
  CREATE = 0x400,
  APPEND = 0x800,
  // ACK modifiers
  CAPPED = 0x100,
  ACK_TLVS = 0x200,
}

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

export interface NlHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NlMessage extends NlHeader {
  /** Payload after the 16-byte header (unpadded length from nlmsg_len). */
  payload: Buffer;
}

function u16(b: Buffer, off: number): number {
  return HOST_LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
}
function u32(b: Buffer, off: number): number {
  return HOST_LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}
function i32(b: Buffer, off: number): number {
  return HOST_LE ? b.readInt32LE(off) : b.readInt32BE(off);
}
function w16(b: Buffer, v: number, off: number): void {
  if (HOST_LE) b.writeUInt16LE(v, off);
  else b.writeUInt16BE(v, off);
}
function w32(b: Buffer, v: number, off: number): void {
  if (HOST_LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}

/** One complete netlink message: header + payload, padded to 4 bytes. */
export function formatNlMessage(h: NlHeader, payload: Buffer): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(align4(len));
  w32(out, len, 0);
  w16(out, h.type, 4);
  w16(out, h.flags, 6);
  w32(out, h.seq, 8);
  w32(out, h.pid, 12);
  payload.copy(out, NLMSG_HDRLEN);
  return out;
}

export class NlParseError extends Error {
  override readonly name = 'NlParseError';
  readonly code = 'EPROTO';
}

/** All messages in one datagram. Throws NlParseError on a truncated or malformed header. */
export function parseNlMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = u32(buf, off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NlParseError(`netlink message length is ${len} at offset ${off}; should be 16..${buf.length - off}`);
    }
    out.push({
      type: u16(buf, off + 4),
      flags: u16(buf, off + 6),
      seq: u32(buf, off + 8),
      pid: u32(buf, off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** struct nlmsgerr: error (negative errno, or 0 for an ACK) and the header of the request it answers. */
export interface NlError {
  error: number;
  request: NlHeader & { len: number };
}

export function parseNlError(payload: Buffer): NlError {
  if (payload.length < 4 + NLMSG_HDRLEN) throw new NlParseError(`NLMSG_ERROR payload is ${payload.length} bytes; should be >= 20`);
  return {
    error: i32(payload, 0),
    request: {
      len: u32(payload, 4),
      type: u16(payload, 8),
      flags: u16(payload, 10),
      seq: u32(payload, 12),
      pid: u32(payload, 16),
    },
  };
}

export function formatNlError(e: NlError, echoedPayload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4 + NLMSG_HDRLEN + echoedPayload.length);
  if (HOST_LE) b.writeInt32LE(e.error, 0);
  else b.writeInt32BE(e.error, 0);
  w32(b, e.request.len, 4);
  w16(b, e.request.type, 8);
  w16(b, e.request.flags, 10);
  w32(b, e.request.seq, 12);
  w32(b, e.request.pid, 16);
  echoedPayload.copy(b, 20);
  return b;
}

/** NLMSG_DONE carries an int: 0, or the negative errno with which a dump ended. */
export function parseNlDone(payload: Buffer): number {
  return payload.length >= 4 ? i32(payload, 0) : 0;
}

export interface GenlHeader {
  cmd: number;
  version: number;
}

export function formatGenl(h: GenlHeader, attrs: Buffer): Buffer {
  const b = Buffer.alloc(GENL_HDRLEN + attrs.length);
  b[0] = h.cmd;
  b[1] = h.version;
  attrs.copy(b, GENL_HDRLEN);
  return b;
}

export function parseGenl(payload: Buffer): GenlHeader & { attrs: Buffer } {
  if (payload.length < GENL_HDRLEN) throw new NlParseError(`generic netlink payload is ${payload.length} bytes; should be >= 4`);
  return { cmd: payload[0], version: payload[1], attrs: payload.subarray(GENL_HDRLEN) };
}

// ---------------------------------------------------------------------------------------------
// Attributes

export interface NlAttr {
  /** Type without the NESTED / NET_BYTEORDER flag bits. */
  type: number;
  nested: boolean;
  data: Buffer;
}

/** Splits a run of attributes. Trailing bytes shorter than an attribute header are ignored,
 *  as the kernel's nla_for_each_attr does; a length running past the end is an error. */
export function parseAttrs(buf: Buffer): NlAttr[] {
  const out: NlAttr[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = u16(buf, off);
    const rawType = u16(buf, off + 2);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new NlParseError(`attribute ${rawType & NLA_TYPE_MASK} length is ${len}; should be 4..${buf.length - off}`);
    }
    out.push({ type: rawType & NLA_TYPE_MASK, nested: (rawType & NLA_F_NESTED) !== 0, data: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Last occurrence wins, like nla_parse. */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const a of parseAttrs(buf)) m.set(a.type, a.data);
  return m;
}

/** Builds a run of attributes in order. */
export class AttrWriter {
  private parts: Buffer[] = [];
  private size = 0;

  raw(type: number, data: Buffer): this {
    const len = NLA_HDRLEN + data.length;
    const b = Buffer.alloc(align4(len));
    w16(b, len, 0);
    w16(b, type, 2);
    data.copy(b, NLA_HDRLEN);
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u8(type: number, v: number): this {
    return this.raw(type, Buffer.from([v & 0xff]));
  }
  u16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    w16(b, v, 0);
    return this.raw(type, b);
  }
  be16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v, 0);
    return this.raw(type, b);
  }
  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    w32(b, v, 0);
    return this.raw(type, b);
  }
  be32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0, 0);
    return this.raw(type, b);
  }
  u64(type: number, v: bigint): this {
    const b = Buffer.alloc(8);
    if (HOST_LE) b.writeBigUInt64LE(v, 0);
    else b.writeBigUInt64BE(v, 0);
    return this.raw(type, b);
  }
  /** NUL-terminated string (NLA_NUL_STRING / nla_put_string). */
  string(type: number, s: string): this {
    return this.raw(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]));
  }
  nested(type: number, inner: AttrWriter, flagNested = false): this {
    return this.raw(flagNested ? type | NLA_F_NESTED : type, inner.toBuffer());
  }
  get length(): number {
    return this.size;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

// Attribute readers: they check the payload length the way the kernel's nla_policy does (a too-short
// attribute is an error, a longer one is read from its start).
function need(data: Buffer, n: number, what: string): void {
  if (data.length < n) throw new NlParseError(`${what} is ${data.length} bytes; should be >= ${n}`);
}
export const getU8 = (d: Buffer, what = 'u8 attribute'): number => (need(d, 1, what), d[0]);
export const getU16 = (d: Buffer, what = 'u16 attribute'): number => (need(d, 2, what), u16(d, 0));
export const getBe16 = (d: Buffer, what = 'be16 attribute'): number => (need(d, 2, what), d.readUInt16BE(0));
export const getU32 = (d: Buffer, what = 'u32 attribute'): number => (need(d, 4, what), u32(d, 0));
export const getBe32 = (d: Buffer, what = 'be32 attribute'): number => (need(d, 4, what), d.readUInt32BE(0));
export const getU64 = (d: Buffer, what = 'u64 attribute'): bigint => (need(d, 8, what), HOST_LE ? d.readBigUInt64LE(0) : d.readBigUInt64BE(0));
/** Up to the first NUL (or the whole payload when there is none). */
export function getString(d: Buffer): string {
  const nul = d.indexOf(0);
  return d.subarray(0, nul < 0 ? d.length : nul).toString('utf8');
}
