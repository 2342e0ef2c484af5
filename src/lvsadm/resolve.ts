// Name and number conversions with glibc 2.36 semantics, as ipvsadm 1.31 calls them: inet_aton, inet_pton,
// inet_ntop, strtol, and host/service lookups. Lookups read /etc/hosts and /etc/services only (nss "files"):
// no DNS, no other NSS module. A name absent from /etc/hosts is "not found", which is also what glibc returns
// after its DNS step fails (as it does where no name server answers, e.g. in the test VM).
import * as fs from 'fs';

export const AF_INET = 2;
export const AF_INET6 = 10;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';

/**
 * strtol(s, &end, base) for base 10 or 16: the value (clamped like LONG_MIN/LONG_MAX with `range`), and the
 * index where parsing stopped (0 when no digits were read, as glibc sets end = s).
 */
export function strtol(s: string, base: 10 | 16 = 10): { value: bigint; end: number; range: boolean } {
  let i = 0;
  while (i < s.length && isSpace(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) i += 2;
  const start = i;
  let v = 0n;
  const B = BigInt(base);
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * B + BigInt(d);
  }
  if (i === start) return { value: 0n, end: 0, range: false };
  const MAX = (1n << 63n) - 1n;
  let range = false;
  if (neg) {
    if (v > MAX + 1n) {
      v = MAX + 1n;
      range = true;
    }
    v = -v;
  } else if (v > MAX) {
    v = MAX;
    range = true;
  }
  return { value: v, end: i, range };
}

/** C atoi(): (int) strtol(s, NULL, 10). */
export function atoi(s: string): number {
  return Number(BigInt.asIntN(32, strtol(s).value));
}

/** ipvsadm string_to_number(s, min, max): the number, or -1. */
export function stringToNumber(s: string, min: number, max: number): number {
  // fast path, same result: up to 9 plain decimal digits fit a double exactly and cannot overflow strtol
  if (SHORT_DECIMAL.test(s)) {
    const v = Number(s);
    return v >= min && v <= max ? v : -1;
  }
  const r = strtol(s);
  if (r.end === s.length && r.end !== 0 && !r.range) {
    if (BigInt(min) <= r.value && r.value <= BigInt(max)) return Number(r.value);
  }
  return -1;
}

const SHORT_DECIMAL = /^[0-9]{1,9}$/;

/** glibc 2.36 inet_aton: 1 to 4 parts, each read by strtoul(base 0) (decimal, 0 octal, 0x hex) and at most
 *  0xffffffff; whitespace ends the address (the rest is ignored). */
export function inetAton(s: string): Buffer | null {
  // fast path, same result: four decimal parts without leading zeros (restore files are made of these)
  const d = DOTTED_DECIMAL.exec(s);
  if (d) {
    const b = Buffer.allocUnsafe(4);
    for (let k = 0; k < 4; k++) {
      const v = Number(d[k + 1]);
      if (v > 255) return null;
      b[k] = v;
    }
    return b;
  }
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    if (!isDigit(s[i] ?? '')) return null;
    let v = 0n;
    if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /^[0-9a-fA-F]$/.test(s[i + 2] ?? '')) {
      i += 2;
      while (i < s.length && /^[0-9a-fA-F]$/.test(s[i])) v = v * 16n + BigInt(parseInt(s[i++], 16));
    } else if (s[i] === '0') {
      while (i < s.length && s[i] >= '0' && s[i] <= '7') v = v * 8n + BigInt(Number(s[i++]));
    } else {
      while (i < s.length && isDigit(s[i])) v = v * 10n + BigInt(Number(s[i++]));
    }
    if (v > 0xffffffffn) return null;
    val = Number(v);
    if (s[i] === '.') {
      if (parts.length > 2 || val > 0xff) return null;
      parts.push(val);
      i++;
    } else break;
  }
  if (i < s.length && !isSpace(s[i])) return null;
  const max = [0xffffffff, 0xffffff, 0xffff, 0xff];
  if (val > max[parts.length]) return null;
  let out = val;
  parts.forEach((p, k) => {
    out += p * 2 ** (8 * (3 - k));
  });
  const b = Buffer.alloc(4);
  b.writeUInt32BE(out >>> 0, 0);
  return b;
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(s: string): Buffer | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = Buffer.alloc(4);
  for (let k = 0; k < 4; k++) {
    const p = m[k + 1];
    if (p.length > 1 && p[0] === '0') return null;
    const v = Number(p);
    if (v > 255) return null;
    b[k] = v;
  }
  return b;
}

const DOTTED_DECIMAL = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** A hexadecimal digit's value, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** glibc inet_pton(AF_INET6): hex groups of 1..4 digits, one "::", an optional dotted IPv4 tail. */
export function inetPton6(s: string): Buffer | null {
  // every IPv6 text has a colon; IPv4 hosts (most restore lines) stop here
  if (s.length === 0 || s.indexOf(':') < 0) return null;
  const out = Buffer.alloc(16);
  let i = 0;
  if (s[0] === ':') {
    if (s[1] !== ':') return null;
    i = 1;
  }
  const words: number[] = [];
  let gap = -1;
  let curStart = i;
  let sawX = false;
  let val = 0;
  let digits = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    const hv = hexValue(s.charCodeAt(i));
    if (hv >= 0) {
      if (digits >= 4) return null;
      val = (val << 4) | hv;
      digits++;
      sawX = true;
      continue;
    }
    if (c === ':') {
      curStart = i + 1;
      if (!sawX) {
        if (gap >= 0) return null;
        gap = words.length;
        continue;
      }
      if (i + 1 >= s.length) return null;
      if (words.length >= 8) return null;
      words.push(val);
      sawX = false;
      val = 0;
      digits = 0;
      continue;
    }
    if (c === '.' && words.length <= 6) {
      const v4 = inetPton4(s.slice(curStart));
      if (!v4) return null;
      words.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      sawX = false;
      i = s.length;
      break;
    }
    return null;
  }
  if (sawX) {
    if (words.length >= 8) return null;
    words.push(val);
  }
  if (gap >= 0) {
    if (words.length === 8) return null;
    const fill = new Array(8 - words.length).fill(0);
    words.splice(gap, 0, ...fill);
  }
  if (words.length !== 8) return null;
  words.forEach((w, k) => out.writeUInt16BE(w, k * 2));
  return out;
}

/** glibc inet_ntop(AF_INET6): longest run (>= 2) of zero words as "::" (first on ties), IPv4 tails for
 *  ::a.b.c.d (IPv4-compatible) and ::ffff:a.b.c.d (IPv4-mapped). */
export function inetNtop6(b: Buffer): string {
  const w: number[] = [];
  for (let k = 0; k < 8; k++) w.push(b.readUInt16BE(k * 2));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let k = 0; k < 8; k++) {
    if (w[k] === 0) {
      if (curBase < 0) {
        curBase = k;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (bestBase >= 0 && k >= bestBase && k < bestBase + bestLen) {
      if (k === bestBase) out += ':';
      continue;
    }
    if (k !== 0) out += ':';
    if (k === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += w[k].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function inetNtop(af: number, b: Buffer): string {
  return af === AF_INET6 ? inetNtop6(b) : `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

// ---------------------------------------------------------------------------------------------
// /etc/hosts and /etc/services (nss "files" semantics).

export interface HostEntry {
  af: number;
  addr: Buffer;
  names: string[];
}
export interface ServiceEntryLine {
  name: string;
  port: number;
  proto: string;
  aliases: string[];
}

/** Where lookups read from; tests substitute their own files. */
export interface ResolverFiles {
  hosts: string;
  services: string;
}

export function parseHosts(text: string): HostEntry[] {
  const out: HostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '');
    const f = line.split(/[ \t\r]+/).filter((x) => x !== '');
    if (f.length < 2) continue;
    const a6 = inetPton6(f[0]);
    if (a6) out.push({ af: AF_INET6, addr: a6, names: f.slice(1) });
    else {
      const a4 = inetPton4(f[0]);
      if (a4) out.push({ af: AF_INET, addr: a4, names: f.slice(1) });
    }
  }
  return out;
}

export function parseServices(text: string): ServiceEntryLine[] {
  const out: ServiceEntryLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '');
    const f = line.split(/[ \t\r]+/).filter((x) => x !== '');
    if (f.length < 2) continue;
    const m = /^(\d+)\/(\S+)$/.exec(f[1]);
    if (!m) continue;
    const port = Number(m[1]);
    if (port > 0xffff) continue;
    out.push({ name: f[0], port, proto: m[2], aliases: f.slice(2) });
  }
  return out;
}

/** The host and service lookups ipvsadm makes, over parsed files (read once, on first use). */
export class Resolver {
  private hostsCache?: HostEntry[];
  private servicesCache?: ServiceEntryLine[];
  constructor(private readonly files: ResolverFiles | { hostsText: string; servicesText: string } = { hosts: '/etc/hosts', services: '/etc/services' }) {}

  private read(path: string): string {
    try {
      return fs.readFileSync(path, 'latin1');
    } catch {
      return '';
    }
  }
  private get hosts(): HostEntry[] {
    if (!this.hostsCache) this.hostsCache = parseHosts('hostsText' in this.files ? this.files.hostsText : this.read(this.files.hosts));
    return this.hostsCache;
  }
  private get services(): ServiceEntryLine[] {
    if (!this.servicesCache) this.servicesCache = parseServices('servicesText' in this.files ? this.files.servicesText : this.read(this.files.services));
    return this.servicesCache;
  }

  /** gethostbyname(name) restricted to IPv4 (ipvsadm host_to_addr): the first address, or null. */
  hostToAddr(name: string): Buffer | null {
    // glibc answers a name of digits and dots itself (nss_hostname_digits_dots): inet_aton already refused it.
    if (/^[0-9.]+$/.test(name)) return null;
    const lower = name.toLowerCase();
    for (const h of this.hosts) {
      if (h.af !== AF_INET) continue;
      if (h.names.some((n) => n.toLowerCase() === lower)) return Buffer.from(h.addr);
    }
    return null;
  }

  /** gethostbyaddr(addr, af)->h_name, or null. */
  addrToHost(af: number, addr: Buffer): string | null {
    const len = af === AF_INET6 ? 16 : 4;
    const a = addr.subarray(0, len);
    for (const h of this.hosts) {
      if (h.af !== af) continue;
      if (h.addr.equals(a)) return h.names[0];
    }
    return null;
  }

  /** getservbyname(name, proto)->s_port, or -1 (ipvsadm service_to_port). */
  serviceToPort(name: string, protocol: number): number {
    const proto = protoName(protocol);
    if (!proto) return -1;
    for (const s of this.services) {
      if (s.proto !== proto) continue;
      if (s.name === name || s.aliases.includes(name)) return s.port;
    }
    return -1;
  }

  /** getservbyport(port, proto)->s_name, or null (ipvsadm port_to_service). */
  portToService(port: number, protocol: number): string | null {
    const proto = protoName(protocol);
    if (!proto) return null;
    for (const s of this.services) if (s.proto === proto && s.port === port) return s.name;
    return null;
  }
}

function protoName(protocol: number): string | null {
  return protocol === IPPROTO_TCP ? 'tcp' : protocol === IPPROTO_UDP ? 'udp' : protocol === IPPROTO_SCTP ? 'sctp' : null;
}

/** ipvsadm addrport_to_anyname(): "host:port", "[v6]:port", names unless numeric; at most 59 bytes (malloc(60)). */
export function addrPortToAnyname(r: Resolver, af: number, addr: Buffer, port: number, protocol: number, numeric: boolean): string {
  const open = af === AF_INET ? '' : '[';
  const close = af === AF_INET ? '' : ']';
  let s: string;
  if (numeric) s = `${open}${inetNtop(af, addr)}${close}:${port}`;
  else {
    const host = r.addrToHost(af, addr) ?? inetNtop(af, addr);
    const svc = r.portToService(port, protocol) ?? String(port);
    s = `${open}${host}${close}:${svc}`;
  }
  return truncateBytes(s, 59);
}

/** C string truncation to n bytes (names are read as latin1, so a char is a byte). */
export function truncateBytes(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}
