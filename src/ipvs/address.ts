// IPv4/IPv6 address text <-> bytes (union nf_inet_addr layout), with RFC 5952 canonical IPv6 text.
import { isIPv4Text as isIPv4, isIPv6Text as isIPv6 } from './ip-text';
import { AddressFamily } from './constants';

export class AddressError extends Error {
  override readonly name = 'AddressError';
  readonly code = 'EINVAL_ADDRESS';
}

/** Dotted quad without leading zeros: already canonical. */
const V4_CANONICAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function familyOf(address: string): AddressFamily.INET | AddressFamily.INET6 {
  if (V4_CANONICAL.test(address) || isIPv4(address)) return AddressFamily.INET;
  if (isIPv6(address)) return AddressFamily.INET6;
  throw new AddressError(`address is "${address}"; should be an IPv4 or IPv6 address`);
}

function v4Bytes(a: string, out: Buffer = Buffer.alloc(4)): Buffer {
  let part = 0;
  let v = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c === 46) {
      out[part++] = v;
      v = 0;
    } else v = v * 10 + (c - 48);
  }
  out[part] = v;
  return out;
}

function v6Bytes(a: string): Buffer {
  let s = a;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hex groups.
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const b = v4Bytes(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const groups: number[] = [];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    groups.push(...head, ...new Array(8 - head.length - rest.length).fill(0), ...rest);
  } else {
    groups.push(...parse(s));
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** 4 bytes for IPv4, 16 for IPv6, network order. */
export function addressBytes(address: string): Buffer {
  return familyOf(address) === AddressFamily.INET ? v4Bytes(address) : v6Bytes(address);
}

/** The 16-byte union nf_inet_addr that the kernel and ipvsadm put in ADDR attributes (IPv4 in the first 4 bytes). */
export function inetAddrUnion(address: string): Buffer {
  const b = Buffer.alloc(16);
  if (V4_CANONICAL.test(address)) return v4Bytes(address, b);
  addressBytes(address).copy(b, 0);
  return b;
}

export function formatIPv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952: lowercase, no leading zeros, longest run (>= 2) of zero groups as "::", first on ties. */
export function formatIPv6(b: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(i * 2));
  // IPv4-mapped ::ffff:a.b.c.d keeps the dotted tail, as inet_ntop does.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${formatIPv4(b.subarray(12, 16))}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestStart).map(hex).join(':')}::${g.slice(bestStart + bestLen).map(hex).join(':')}`;
}

/** Text of an address read from an attribute of the given family (ADDR attributes are 16 bytes for both). */
export function formatAddress(family: number, b: Buffer): string {
  if (family === AddressFamily.INET6) {
    const full = Buffer.alloc(16);
    b.copy(full, 0, 0, Math.min(16, b.length));
    return formatIPv6(full);
  }
  const four = Buffer.alloc(4);
  b.copy(four, 0, 0, Math.min(4, b.length));
  return formatIPv4(four);
}

/** Canonical text of an address (so equal addresses compare equal as strings). */
export function canonicalAddress(address: string): string {
  if (V4_CANONICAL.test(address)) return address;
  const fam = familyOf(address);
  return formatAddress(fam, addressBytes(address));
}

/** IPv4 netmask as a 32-bit number from dotted text or a prefix length. */
export function ipv4Mask(maskOrPrefix: string | number): number {
  if (typeof maskOrPrefix === 'number') {
    if (!Number.isInteger(maskOrPrefix) || maskOrPrefix < 0 || maskOrPrefix > 32) {
      throw new AddressError(`IPv4 prefix length is ${maskOrPrefix}; should be 0..32`);
    }
    return maskOrPrefix === 0 ? 0 : (0xffffffff << (32 - maskOrPrefix)) >>> 0;
  }
  if (!isIPv4(maskOrPrefix)) throw new AddressError(`netmask is "${maskOrPrefix}"; should be a dotted IPv4 mask`);
  return v4Bytes(maskOrPrefix).readUInt32BE(0);
}

export function formatIPv4Mask(mask: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(mask >>> 0, 0);
  return formatIPv4(b);
}
