// /proc/net/ip_vs as a comparable table: the cheapest full read of the kernel's IPVS table (no netlink dump).
import type { ExpectedTable } from './conf';

function hexAddr(h: string): string {
  // IPv4 only here: 8 hex digits, network order
  const n = parseInt(h, 16);
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function hexEndpoint(s: string): string {
  const [a, p] = s.split(':');
  return `${hexAddr(a!)}:${parseInt(p!, 16)}`;
}

const HEX_V4 = /^[0-9A-F]{8}:[0-9A-F]{4}$/;

/** Parses /proc/net/ip_vs text (IPv4 endpoints decoded; fwmark and IPv6 entries kept under their raw text). */
export function parseProcIpvs(text: string): ExpectedTable {
  const t: ExpectedTable = new Map();
  let cur: Map<string, number> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('  -> ')) {
      const f = line.slice(5).trim().split(/\s+/);
      if (!cur || f[0] === 'RemoteAddress:Port') continue;
      cur.set(HEX_V4.test(f[0]!) ? hexEndpoint(f[0]!) : f[0]!, Number(f[2]));
    } else if (/^(TCP|UDP|SCTP|FWM)\s/.test(line)) {
      const f = line.trim().split(/\s+/);
      cur = new Map();
      t.set(HEX_V4.test(f[1]!) ? hexEndpoint(f[1]!) : f[1]!, cur);
    }
  }
  return t;
}

/** Entries that differ, at most `limit` of them (for error messages). */
export function tableDiff(want: ExpectedTable, got: ExpectedTable, limit = 5): string[] {
  const out: string[] = [];
  for (const [svc, dw] of want) {
    const dg = got.get(svc);
    if (!dg) out.push(`missing ${svc}`);
    else {
      for (const [d, w] of dw) if (dg.get(d) !== w) out.push(`${svc}>${d} weight ${dg.get(d) ?? 'absent'}; should be ${w}`);
      for (const d of dg.keys()) if (!dw.has(d)) out.push(`extra ${svc}>${d}`);
    }
    if (out.length >= limit) return out.slice(0, limit);
  }
  for (const svc of got.keys()) if (!want.has(svc)) out.push(`extra ${svc}`);
  return out.slice(0, limit);
}

export function tablesEqual(want: ExpectedTable, got: ExpectedTable): boolean {
  if (want.size !== got.size) return false;
  for (const [svc, dw] of want) {
    const dg = got.get(svc);
    if (!dg || dg.size !== dw.size) return false;
    for (const [d, w] of dw) if (dg.get(d) !== w) return false;
  }
  return true;
}
