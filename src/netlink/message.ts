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

/** Builds a run of attributes in order into one growing buffer; nests with begin()/end(). */
export class AttrWriter {
  private buf: Buffer;
  private off = 0;
  private readonly stack: number[] = [];

  /** `headroom` bytes are left free at the start (for the nlmsghdr and genlmsghdr of the message). */
  constructor(initial = 256, readonly headroom = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, headroom + 64));
    this.off = headroom;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.off);
    this.buf = nb;
  }

  /** Writes an attribute header and reserves `len` payload bytes (zeroed padding); returns the payload offset. */
  private header(type: number, len: number): number {
    const total = align4(NLA_HDRLEN + len);
    this.ensure(total);
    const b = this.buf;
    const o = this.off;
    w16(b, NLA_HDRLEN + len, o);
    w16(b, type, o + 2);
    // zero the padding
    for (let i = o + NLA_HDRLEN + len; i < o + total; i++) b[i] = 0;
    this.off = o + total;
    return o + NLA_HDRLEN;
  }

  raw(type: number, data: Buffer): this {
    const p = this.header(type, data.length);
    data.copy(this.buf, p);
    return this;
  }
  u8(type: number, v: number): this {
    const p = this.header(type, 1);
    this.buf[p] = v & 0xff;
    return this;
  }
  // header() may grow (replace) this.buf: take the offset first, then the buffer.
  u16(type: number, v: number): this {
    const p = this.header(type, 2);
    w16(this.buf, v, p);
    return this;
  }
  be16(type: number, v: number): this {
    const p = this.header(type, 2);
    this.buf.writeUInt16BE(v, p);
    return this;
  }
  u32(type: number, v: number): this {
    const p = this.header(type, 4);
    w32(this.buf, v, p);
    return this;
  }
  be32(type: number, v: number): this {
    const p = this.header(type, 4);
    this.buf.writeUInt32BE(v >>> 0, p);
    return this;
  }
  u64(type: number, v: bigint): this {
    const p = this.header(type, 8);
    if (HOST_LE) this.buf.writeBigUInt64LE(v, p);
    else this.buf.writeBigUInt64BE(v, p);
    return this;
  }
  /** NUL-terminated string (NLA_NUL_STRING / nla_put_string). */
  string(type: number, s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    const p = this.header(type, n + 1);
    this.buf.write(s, p, 'utf8');
    this.buf[p + n] = 0;
    return this;
  }
  /** Opens a nested attribute; close it with end(). */
  begin(type: number, flagNested = false): this {
    this.ensure(NLA_HDRLEN);
    this.stack.push(this.off);
    w16(this.buf, flagNested ? type | NLA_F_NESTED : type, this.off + 2);
    this.off += NLA_HDRLEN;
    return this;
  }
  end(): this {
    const o = this.stack.pop();
    if (o === undefined) throw new Error('AttrWriter.end() without begin()');
    w16(this.buf, this.off - o, o);
    return this;
  }
  nested(type: number, inner: AttrWriter, flagNested = false): this {
    return this.raw(flagNested ? type | NLA_F_NESTED : type, inner.toBuffer());
  }
  /** Bytes of attributes written (without the headroom). */
  get length(): number {
    return this.off - this.headroom;
  }
  /** A copy of the attributes written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(this.headroom, this.off));
  }
  /** Headroom + attributes, without copying (the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/**
 * Calls fn(type, start, end) for each attribute in buf[start, end): offsets, no copies or Buffer views.
 * Throws NlParseError when a length runs past the end.
 */
export function forEachAttr(buf: Buffer, start: number, end: number, fn: (type: number, s: number, e: number) => void): void {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = HOST_LE ? buf[off] | (buf[off + 1] << 8) : (buf[off] << 8) | buf[off + 1];
    const rawType = HOST_LE ? buf[off + 2] | (buf[off + 3] << 8) : (buf[off + 2] << 8) | buf[off + 3];
    if (len < NLA_HDRLEN || off + len > end) {
      throw new NlParseError(`attribute ${rawType & NLA_TYPE_MASK} length is ${len}; should be 4..${end - off}`);
    }
    fn(rawType & NLA_TYPE_MASK, off + NLA_HDRLEN, off + len);
    off += (len + 3) & ~3;
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

// Offset readers for forEachAttr: payload is buf[s, e).
function needN(s: number, e: number, n: number, what: string): void {
  if (e - s < n) throw new NlParseError(`${what} is ${e - s} bytes; should be >= ${n}`);
}
export function rdU8(b: Buffer, s: number, e: number, what = 'u8 attribute'): number {
  needN(s, e, 1, what);
  return b[s];
}
export function rdU16(b: Buffer, s: number, e: number, what = 'u16 attribute'): number {
  needN(s, e, 2, what);
  return u16(b, s);
}
export function rdBe16(b: Buffer, s: number, e: number, what = 'be16 attribute'): number {
  needN(s, e, 2, what);
  return (b[s] << 8) | b[s + 1];
}
export function rdU32(b: Buffer, s: number, e: number, what = 'u32 attribute'): number {
  needN(s, e, 4, what);
  return u32(b, s);
}
export function rdBe32(b: Buffer, s: number, e: number, what = 'be32 attribute'): number {
  needN(s, e, 4, what);
  return b.readUInt32BE(s);
}
export function rdU64(b: Buffer, s: number, e: number, what = 'u64 attribute'): bigint {
  needN(s, e, 8, what);
  return HOST_LE ? b.readBigUInt64LE(s) : b.readBigUInt64BE(s);
}
export function rdString(b: Buffer, s: number, e: number): string {
  let z = s;
  while (z < e && b[z] !== 0) z++;
  return b.toString('utf8', s, z);
}
