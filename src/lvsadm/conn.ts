// ipvsadm -L -c: the connection table from /proc/net/ip_vs_conn (ipvsadm 1.31 list_conn/print_conn), read with
// fgets into 256 bytes and sscanf "%s %s %hX %s %hX %s %hX %s %d %s %s", printed with names unless -n.
import { Fmt } from './options';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Resolver, addrPortToAnyname, inetPton4, inetPton6 } from './resolve';
import { padL } from './format';

export const CONN_PROC_FILE = '/proc/net/ip_vs_conn';

/** fgets(buf, 256, f) over the whole text: pieces of at most 255 bytes, each ending at a newline if one comes first. */
export function fgetsChunks(text: string, size = 256): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    const end = Math.min(nl < 0 ? text.length : nl + 1, i + size - 1);
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

type Scanned = { n: number; v: Array<string | number> };

/** The sscanf of print_conn over whitespace-separated fields; n is -1 when the line is blank (EOF before a conversion). */
function scanConn(line: string): Scanned {
  const spec = ['s', 's', 'X', 's', 'X', 's', 'X', 's', 'd', 's', 's'];
  const fields = line.split(/[ \t\n\r\v\f]+/).filter((x) => x !== '');
  if (fields.length === 0) return { n: -1, v: [] };
  const v: Array<string | number> = [];
  for (let k = 0; k < spec.length && k < fields.length; k++) {
    const f = fields[k];
    if (spec[k] === 's') v.push(f);
    else if (spec[k] === 'X') {
      const m = /^[+-]?(0[xX])?[0-9a-fA-F]+/.exec(f);
      if (!m) break;
      let x = parseInt(m[0].replace(/^[+-]?(0[xX])?/, ''), 16);
      if (m[0][0] === '-') x = -x;
      v.push(((x % 0x10000) + 0x10000) % 0x10000);
    } else {
      const m = /^[+-]?\d+/.exec(f);
      if (!m) break;
      v.push(Number(BigInt.asUintN(32, BigInt(m[0]))));
    }
  }
  return { n: v.length, v };
}

function parseConnAddr(s: string): { af: number; addr: Buffer } {
  const a6 = inetPton6(s);
  if (a6) return { af: AF_INET6, addr: a6 };
  const b = Buffer.alloc(16);
  const a4 = inetPton4(s);
  if (a4) a4.copy(b, 0);
  else b.writeUInt32BE(Number(BigInt.asUintN(32, BigInt(/^[0-9a-fA-F]+/.test(s) ? `0x${/^[0-9a-fA-F]+/.exec(s)![0]}` : '0'))), 0);
  return { af: AF_INET, addr: b };
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The listing for the text of /proc/net/ip_vs_conn; `exit` is set when ipvsadm would stop early with exit(1). */
export function formatConnections(r: Resolver, text: string, format: number): { out: string; err: string; exit?: number } {
  const chunks = fgetsChunks(text);
  if (chunks.length === 0) return { out: '', err: `unexpected input from ${CONN_PROC_FILE}\n`, exit: 1 };
  let out = 'IPVS connection entries\n';
  if (format & Fmt.PERSISTENTCONN)
    out += `pro expire ${padL('state', 11)} ${padL('source', 18)} ${padL('virtual', 18)} ${padL('destination', 18)} ${padL('pe name', 16)} pe_data\n`;
  else out += `pro expire ${padL('state', 11)} ${padL('source', 18)} ${padL('virtual', 18)} destination\n`;
  const numeric = (format & Fmt.NUMERIC) !== 0;
  for (const line of chunks.slice(1)) {
    const { n, v } = scanConn(line);
    if (n === -1) return { out, err: '', exit: 1 };
    const [protocol, t1, cport, t2, vport, t3, dport, state, expires, peName, peData] = [
      String(v[0] ?? ''),
      String(v[1] ?? ''),
      Number(v[2] ?? 0),
      String(v[3] ?? ''),
      Number(v[4] ?? 0),
      String(v[5] ?? ''),
      Number(v[6] ?? 0),
      String(v[7] ?? ''),
      Number(v[8] ?? 0),
      String(v[9] ?? ''),
      String(v[10] ?? ''),
    ];
    const proto = protocol === 'TCP' ? IPPROTO_TCP : protocol === 'UDP' ? IPPROTO_UDP : protocol === 'SCTP' ? IPPROTO_SCTP : 0;
    let af = AF_INET;
    let caddr: Buffer;
    let vaddr: Buffer;
    const c6 = inetPton6(t1);
    if (c6) {
      caddr = c6;
      vaddr = inetPton6(t2) ?? Buffer.alloc(16);
      af = AF_INET6;
    } else {
      caddr = parseConnAddr(t1).addr;
      vaddr = parseConnAddr(t2).addr;
    }
    const d = parseConnAddr(t3);
    const cname = addrPortToAnyname(r, af, caddr, cport, proto, numeric);
    const vname = addrPortToAnyname(r, af, vaddr, vport, proto, numeric);
    const dname = addrPortToAnyname(r, d.af, d.addr, dport, proto, numeric);
    const exp = `${two(Math.floor(expires / 60))}:${two(expires % 60)}`;
    if (format & Fmt.PERSISTENTCONN && n === 11)
      out += `${padL(protocol, 3)} ${padL(exp, 6)} ${padL(state, 11)} ${padL(cname, 18)} ${padL(vname, 18)} ${padL(dname, 16)} ${padL(peName, 18)} ${peData}\n`;
    else out += `${padL(protocol, 3)} ${padL(exp, 6)} ${padL(state, 11)} ${padL(cname, 18)} ${padL(vname, 18)} ${dname}\n`;
  }
  return { out, err: '' };
}
