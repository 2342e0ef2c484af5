// Address text <-> bytes and family numbers for rtnetlink (AF_INET 2, AF_INET6 10).
import { isIPv4, isIPv6 } from 'net';

export const AF_INET = 2;
export const AF_INET6 = 10;

export function familyOf(addr: string): 4 | 6 {
  if (isIPv4(addr)) return 4;
  if (isIPv6(addr)) return 6;
  throw new Error(`address is ${JSON.stringify(addr)}; should be an IPv4 or IPv6 address`);
}

export function afOf(addr: string): number {
  return familyOf(addr) === 4 ? AF_INET : AF_INET6;
}

export function ipToBytes(addr: string): Buffer {
  if (isIPv4(addr)) return Buffer.from(addr.split('.').map(Number));
  if (!isIPv6(addr)) throw new Error(`address is ${JSON.stringify(addr)}; should be an IPv4 or IPv6 address`);
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // RFC 5952 compression of the longest run of zero groups (length >= 2)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** keepalived's scope names (rtnetlink rt_scope values, /etc/iproute2/rt_scopes). */
export const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

export function scopeNumber(scope: string | number | undefined): number {
  if (scope === undefined) return 0;
  if (typeof scope === 'number') return scope;
  if (scope in SCOPES) return SCOPES[scope];
  const n = Number(scope);
  if (Number.isInteger(n) && n >= 0 && n <= 255) return n;
  throw new Error(`scope is ${JSON.stringify(scope)}; should be global, site, link, host, nowhere or 0-255`);
}
