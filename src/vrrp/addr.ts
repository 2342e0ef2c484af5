// IPv4/IPv6 address text <-> bytes for the VRRP codec (RFC 5952 canonical IPv6 text) and address ordering.

import { isIPv4, isIPv6 } from 'node:net';

export enum AddressFamily {
  Inet = 4,
  Inet6 = 6,
}

export function addressLength(family: AddressFamily): number {
  return family === AddressFamily.Inet ? 4 : 16;
}

export function familyOf(address: string): AddressFamily | undefined {
  if (isIPv4(address)) return AddressFamily.Inet;
  if (isIPv6(address)) return AddressFamily.Inet6;
  return undefined;
}

/** Dotted quad of the 4 bytes at `off`. */
export function ipv4ToString(buf: Uint8Array, off = 0): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `off` (lower case, longest zero run of 2+ groups compressed, first on a tie). */
export function ipv6ToString(buf: Uint8Array, off = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 section 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ipv4ToString(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function addressToString(buf: Uint8Array, off: number, family: AddressFamily): string {
  return family === AddressFamily.Inet ? ipv4ToString(buf, off) : ipv6ToString(buf, off);
}

export class AddressError extends Error {
  readonly code = 'EVRRPADDR';
  constructor(
    readonly address: string,
    readonly family: AddressFamily | undefined,
  ) {
    super(`address is ${JSON.stringify(address)}; should be an ${family === AddressFamily.Inet6 ? 'IPv6' : family === AddressFamily.Inet ? 'IPv4' : 'IPv4 or IPv6'} address`);
    this.name = 'AddressError';
  }
}

function parseIpv4Into(text: string, out: Uint8Array, off: number): boolean {
  if (!isIPv4(text)) return false;
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[off + i] = Number(parts[i]);
  return true;
}

function parseIpv6Into(text: string, out: Uint8Array, off: number): boolean {
  let t = text;
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct); // zone id is not part of the address bytes
  if (!isIPv6(t)) return false;
  const groups: number[] = [];
  let tailV4: number[] | undefined;
  const lastColon = t.lastIndexOf(':');
  const lastPart = t.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    tailV4 = lastPart.split('.').map(Number);
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = t.indexOf('::');
  if (dbl >= 0) {
    const left = t.slice(0, dbl).split(':').filter((s) => s !== '');
    const right = t.slice(dbl + 2).split(':').filter((s) => s !== '');
    const fill = 8 - left.length - right.length;
    for (const s of left) groups.push(parseInt(s, 16));
    for (let i = 0; i < fill; i++) groups.push(0);
    for (const s of right) groups.push(parseInt(s, 16));
  } else {
    for (const s of t.split(':')) groups.push(parseInt(s, 16));
  }
  if (groups.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    out[off + 2 * i] = (groups[i]! >> 8) & 0xff;
    out[off + 2 * i + 1] = groups[i]! & 0xff;
  }
  if (tailV4) for (let i = 0; i < 4; i++) out[off + 12 + i] = tailV4[i]!;
  return true;
}

/** Writes the address bytes at `off`; throws AddressError when the text is not an address of `family`. */
export function writeAddress(text: string, family: AddressFamily, out: Uint8Array, off: number): void {
  const ok = family === AddressFamily.Inet ? parseIpv4Into(text, out, off) : parseIpv6Into(text, out, off);
  if (!ok) throw new AddressError(text, family);
}

export function addressToBytes(text: string, family?: AddressFamily): Buffer {
  const fam = family ?? familyOf(text.split('%')[0]!);
  if (fam === undefined) throw new AddressError(text, undefined);
  const out = Buffer.alloc(addressLength(fam));
  writeAddress(text, fam, out, 0);
  return out;
}

/** Canonical text (dotted quad / RFC 5952) so that config spellings compare equal to wire addresses. */
export function canonicalAddress(text: string): string {
  const fam = familyOf(text.split('%')[0]!);
  if (fam === undefined) throw new AddressError(text, undefined);
  return addressToString(addressToBytes(text, fam), 0, fam);
}

/**
 * Orders two addresses of one family as unsigned big-endian integers (RFC 5798 6.4.3: "the primary
 * IPvX Address of the sender is greater than the local primary IPvX Address"). Returns <0, 0, >0.
 */
export function compareAddresses(a: string, b: string): number {
  const ba = addressToBytes(a);
  const bb = addressToBytes(b);
  if (ba.length !== bb.length) return ba.length - bb.length;
  return Buffer.compare(ba, bb);
}

export function isMulticast(address: string): boolean {
  const b = addressToBytes(address);
  if (b.length === 4) return b[0]! >= 224 && b[0]! <= 239; // 224.0.0.0/4
  return b[0] === 0xff; // ff00::/8
}

export function isLinkLocal6(address: string): boolean {
  const b = addressToBytes(address);
  return b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80; // fe80::/10
}
