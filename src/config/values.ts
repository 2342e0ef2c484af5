// Value parsers for keepalived.conf words: numbers, timers, booleans, addresses, ports — keepalived 2.2.7 rules.
// Each parser is pure and returns either { ok: true, value } or { ok: false, why } where `why` completes
// a message "X is <text>; should be <why>". Rules follow lib/parser.c (read_int_func, read_unsigned_func,
// read_decimal_unsigned_long_func, check_true_false) and lib/utils.c (inet_stosockaddr).

export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(why: string): Parsed<T> => ({ ok: false, why });

export const UINT_MAX = 4294967295;
export const INT_MAX = 2147483647;

function rangeText(min: number, max: number): string {
  return `${min}-${max}`;
}

/** strtol-style decimal: optional leading whitespace and sign, then digits, nothing after. */
const INT_RE = /^\s*[+-]?\d+$/;

/** keepalived read_int(): a signed decimal integer in [min, max]. */
export function parseInt10(text: string, min: number, max: number): Parsed<number> {
  if (!INT_RE.test(text)) return bad(`an integer ${rangeText(min, max)}`);
  const v = Number(text.trim());
  if (!Number.isSafeInteger(v) || v < min || v > max) return bad(rangeText(min, max));
  return ok(v);
}

/** keepalived read_unsigned(): no leading '-', decimal, in [min, max]. */
export function parseUnsigned(text: string, min: number, max: number): Parsed<number> {
  const t = text.trim();
  if (t.startsWith('-')) return bad(`a non-negative integer ${rangeText(min, max)}`);
  if (!/^\+?\d+$/.test(t)) return bad(`an integer ${rangeText(min, max)}`);
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < min || v > max) return bad(rangeText(min, max));
  return ok(v);
}

/**
 * keepalived read_decimal_unsigned/read_timer: a non-negative decimal number of seconds with up to 6 decimal
 * places ("1.5"); the result is in seconds (a float). min/max are in seconds. More than 6 decimal places is
 * reported by keepalived and rounded; we report it too.
 */
export function parseSeconds(text: string, min: number, max: number): Parsed<number> {
  const t = text;
  if (t.startsWith('-')) return bad(`a non-negative number of seconds ${fmtSec(min)}-${fmtSec(max)}`);
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return bad(`a number of seconds ${fmtSec(min)}-${fmtSec(max)}`);
  const frac = m[2] ?? '';
  if (frac.length > 6) return bad(`a number of seconds with at most 6 decimal places`);
  const micros = Number(m[1] || '0') * 1e6 + Number((frac + '000000').slice(0, 6));
  if (!Number.isFinite(micros)) return bad(`${fmtSec(min)}-${fmtSec(max)}`);
  const v = micros / 1e6;
  if (v < min || v > max) return bad(`${fmtSec(min)}-${fmtSec(max)} seconds`);
  return ok(v);
}

function fmtSec(s: number): string {
  if (s >= 1e12) return 'unlimited';
  return String(s);
}

/** keepalived check_true_false(): true/on/yes, false/off/no (case-sensitive). */
export function parseBool(text: string): Parsed<boolean> {
  if (text === 'true' || text === 'on' || text === 'yes') return ok(true);
  if (text === 'false' || text === 'off' || text === 'no') return ok(false);
  return bad('one of true, false, on, off, yes, no');
}

export type Family = 4 | 6;

/** Dotted quad as glibc inet_pton(AF_INET) accepts it: exactly four decimal octets 0-255, no leading zeros. */
export function isIPv4(s: string): boolean {
  // one pass over the characters, no split or regex: called for every address of large configs
  let octets = 0;
  let digits = 0;
  let value = 0;
  let lead0 = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // a '.' after the end closes the last octet
    if (c === 46) {
      if (digits === 0 || value > 255 || (lead0 && digits > 1)) return false;
      if (++octets > 4) return false;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead0 = c === 48;
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return octets === 4;
}

/** IPv6 text as inet_pton(AF_INET6) accepts it (including an embedded dotted quad). */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let head = s;
  let tailGroups = 0;
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return false;
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    head = s.slice(0, lastColon + 1) + '0';
    tailGroups = 1; // the v4 part counts as two groups: one already represented by '0'
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return false;
  const grp = (x: string): string[] | null => {
    if (x === '') return [];
    const g = x.split(':');
    return g.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p)) ? g : null;
  };
  if (dbl.length === 2) {
    const a = grp(dbl[0]!);
    const b = grp(dbl[1]!);
    if (!a || !b) return false;
    return a.length + b.length + tailGroups <= 7;
  }
  const g = grp(head);
  return !!g && g.length + tailGroups === 8;
}

export function ipFamily(s: string): Family | undefined {
  if (isIPv4(s)) return 4;
  if (isIPv6(s)) return 6;
  return undefined;
}

/** An address as inet_stosockaddr reads it: family chosen by ':' presence; no range/mask. */
export function parseIp(text: string): Parsed<{ addr: string; family: Family }> {
  const family: Family = text.includes(':') ? 6 : 4;
  if (family === 4 ? isIPv4(text) : isIPv6(text)) return ok({ addr: text, family });
  return bad('an IPv4 or IPv6 address');
}

/** "ADDR[/PREFIX]" as parse_ipaddress() reads it (vrrp_ipaddress.c); prefix defaults to the host length. */
export function parsePrefix(text: string): Parsed<{ addr: string; family: Family; prefixLen: number }> {
  const slash = text.indexOf('/');
  const a = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(a);
  if (!ip.ok) return bad('an IPv4 or IPv6 address with optional /prefix');
  const maxLen = ip.value.family === 4 ? 32 : 128;
  let prefixLen = maxLen;
  if (slash >= 0) {
    const p = parseUnsigned(text.slice(slash + 1), 0, maxLen);
    if (!p.ok) return bad(`an address with a prefix length 0-${maxLen}`);
    prefixLen = p.value;
  }
  return ok({ ...ip.value, prefixLen });
}

/** A TCP/UDP port 1-65535 (read_unsigned(port, 1, 65535)). */
export function parsePort(text: string): Parsed<number> {
  return parseUnsigned(text, 1, 65535);
}

/** A port where "0", "00"... mean "no port" (keepalived since 2.0.7 for virtual/real server lines). */
export function parsePortOrZero(text: string): Parsed<number> {
  if (/^0+$/.test(text)) return ok(0);
  return parsePort(text);
}

export function ipv4ToInt(s: string): number {
  return s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function isIPv4Multicast(s: string): boolean {
  const first = Number(s.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** Expands an IPv6 text address to 8 numeric groups (assumes isIPv6). */
export function ipv6Groups(s: string): number[] {
  let text = s;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const n = ipv4ToInt(last);
    text = `${s.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [h, t] = text.includes('::') ? text.split('::') : [text, undefined];
  const hg = h ? h.split(':').map((x) => parseInt(x, 16)) : [];
  if (t === undefined) return hg;
  const tg = t ? t.split(':').map((x) => parseInt(x, 16)) : [];
  return [...hg, ...new Array(8 - hg.length - tg.length).fill(0), ...tg];
}

export function isIPv6LinkLocal(s: string): boolean {
  return (ipv6Groups(s)[0]! & 0xffc0) === 0xfe80;
}

export function isIPv6Multicast(s: string): boolean {
  return (ipv6Groups(s)[0]! & 0xff00) === 0xff00;
}

/** ff02::/16-style link-local scope multicast (IN6_IS_ADDR_MC_LINKLOCAL). */
export function isIPv6McLinkLocal(s: string): boolean {
  const g = ipv6Groups(s)[0]!;
  return (g & 0xff00) === 0xff00 && (g & 0x000f) === 0x2;
}

/** Linux interface name: 1-15 bytes (IFNAMSIZ-1), no '/', no whitespace. */
export function checkIfName(text: string): Parsed<string> {
  if (text.length === 0 || Buffer.byteLength(text) > 15) return bad('an interface name of 1-15 characters');
  if (/[\s/]/.test(text)) return bad('an interface name without "/" or spaces');
  return ok(text);
}
