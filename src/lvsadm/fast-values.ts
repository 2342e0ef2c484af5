// The value scanners of lvsadm -R's fast path (fast-restore.ts): plain decimal numbers, dotted-decimal IPv4 and the
// numeric address[:port] forms of ipvsadm's parse_service(). Each accepts only text on which it agrees with the full
// parsers (string_to_number, strtol, atoi, inet_aton, inet_pton) and says "no" (-1, false) to everything else.
import { AF_INET, AF_INET6, inetPton6 } from './resolve';

const C0 = 48;
const C9 = 57;

/**
 * A decimal number of 1 to 10 digits (leading zeros allowed) within [min, max] (max at most UINT_MAX), or -1: the
 * values that ipvsadm's string_to_number and parse_fwmark (strtol) read as plain digits, and atoi for max < 2^31.
 * Anything else (signs, spaces, hex, overflow) goes to the full parser. `from` skips a prefix of `s`.
 */
export function smallNumber(s: string, min: number, max: number, from = 0): number {
  const n = s.length;
  if (n === from || n - from > 10) return -1;
  let v = 0;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < C0 || c > C9) return -1;
    v = v * 10 + (c - C0);
  }
  return v >= min && v <= max ? v : -1;
}

/**
 * The end of a dotted-decimal IPv4 address at the start of `s` (four parts 0..255 without leading zeros, which
 * inet_aton reads as plain decimal, so that the text is also inet_ntop's), or -1. With `out`, its value as a
 * host-order number goes to out[0].
 */
export function dotted4(s: string, out?: number[]): number {
  let i = 0;
  const n = s.length;
  let value = 0;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || s.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < C0 || c > C9) break;
      v = v * 10 + (c - C0);
      i++;
      if (i - first > 3) return -1;
    }
    if (i === first || v > 255 || (i - first > 1 && s.charCodeAt(first) === C0)) return -1;
    value = value * 256 + v;
  }
  if (out) out[0] = value;
  return i;
}

/** An IPv4 mask in dotted decimal as ipvsadm keeps it (-M: the host-order value of inet_aton's bytes), or -1. */
export function mask4(s: string): number {
  const v = [0];
  return dotted4(s, v) === s.length ? v[0] : -1;
}

/** An address as parse_service() leaves it: IPv4 as its (canonical) text, IPv6 as its 16 bytes. */
export interface FastAddr {
  af: number;
  /** dotted decimal when af is AF_INET */
  v4: string;
  /** inet_pton's bytes when af is AF_INET6 */
  v6: Buffer | null;
  port: number;
  /** parse_service() sets 128 for IPv6 */
  netmask: number;
}

/**
 * parse_service() restricted to numeric forms: "a.b.c.d", "a.b.c.d:port", "[v6]:port", bare "v6". Fills `t`
 * (the port only when present; IPv6 sets netmask 128) and returns true, or false for anything else (names, service
 * names, ports over 65535, inet_aton's octal/hex/short forms, bad text) with `t` possibly half written.
 */
export function numericService(s: string, t: FastAddr): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']', 1);
    if (close < 0 || s.charCodeAt(close + 1) !== 58 /* : */) return false;
    const a6 = inetPton6(s.slice(1, close));
    if (!a6) return false;
    const port = smallNumber(s, 0, 65535, close + 2);
    if (port < 0) return false;
    t.af = AF_INET6;
    t.v6 = a6;
    t.netmask = 128;
    t.port = port;
    return true;
  }
  const end = dotted4(s);
  if (end === n) {
    t.af = AF_INET;
    t.v4 = s;
    return true;
  }
  if (end > 0 && s.charCodeAt(end) === 58 /* : */) {
    // (an IPv4 text with a port is never an IPv6 address: inet_pton6 fails at its first '.')
    const port = smallNumber(s, 0, 65535, end + 1);
    if (port < 0) return false;
    t.af = AF_INET;
    t.v4 = s.slice(0, end);
    t.port = port;
    return true;
  }
  if (s.indexOf('.') >= 0 && s.indexOf(':') < 0) return false;
  const a6 = inetPton6(s);
  if (!a6) return false;
  t.af = AF_INET6;
  t.v6 = a6;
  t.netmask = 128;
  return true;
}
