// DNS_CHECK: one query (type, name; RD set) over UDP; any response with our id, QR set and RCODE 0 is success
// (keepalived check_dns.c). Includes a tiny pure DNS codec (RFC 1035 section 4).

import { udpSocket } from './sockopt';
import { randomInt } from 'node:crypto';
import { CheckerKind, CheckError, CheckResult, DnsTypeName, failResult, hostWithScope, okResult, performanceNow, TargetOf } from './types';

/** check_dns.c DNS_TYPE[] (RFC 1035 3.2.2, RFC 3596, RFC 4034). */
export enum DnsType {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  MX = 15,
  TXT = 16,
  AAAA = 28,
  RRSIG = 46,
  DNSKEY = 48,
}

export function dnsTypeFromName(name: string): DnsType {
  const v = (DnsType as unknown as Record<string, number | undefined>)[name.toUpperCase()];
  if (typeof v !== 'number')
    throw new CheckError('EDNSTYPE', `DNS check type is ${name}; should be one of A NS CNAME SOA MX TXT AAAA RRSIG DNSKEY`, { type: name });
  return v;
}

export const DNS_CLASS_IN = 1;
const HEADER_LEN = 12;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsRecordHeader {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export interface DnsMessage {
  id: number;
  flags: number;
  qr: boolean;
  opcode: number;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecordHeader[];
  authorities: DnsRecordHeader[];
  additionals: DnsRecordHeader[];
}

/**
 * Encode a domain name. "" and "." are the root, a trailing dot is optional (check_dns.c dns_make_query). Empty labels,
 * labels over 63 octets and names over 255 octets are rejected (RFC 1035 2.3.4).
 */
export function encodeName(name: string): Buffer {
  if (name === '' || name === '.') return Buffer.from([0]);
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  for (const label of trimmed.split('.')) {
    const b = Buffer.from(label, 'latin1');
    if (b.length === 0) throw new CheckError('EDNSNAME', `DNS name '${name}' has an empty label; should not`, { name });
    if (b.length > 63) throw new CheckError('EDNSNAME', `DNS label '${label}' is ${b.length} octets; should be at most 63`, { name });
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new CheckError('EDNSNAME', `DNS name is ${out.length} octets; should be at most 255`, { name });
  return out;
}

/** A standard query with RD=1, one question (check_dns.c dns_make_query). */
export function formatQuery(q: { id: number; type: number; name: string; class?: number }): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt16BE(q.id & 0xffff, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(q.type & 0xffff, 0);
  tail.writeUInt16BE((q.class ?? DNS_CLASS_IN) & 0xffff, 2);
  return Buffer.concat([h, encodeName(q.name), tail]);
}

function truncated(what: string, off: number): CheckError {
  return new CheckError('EDNSTRUNC', `DNS message truncated in ${what} at offset ${off}`, { offset: off });
}

/** Decode a possibly compressed name at `off`; returns the name and the offset after it in the original position. */
export function decodeName(buf: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = off;
  let next = -1;
  let jumps = 0;
  let total = 0;
  for (;;) {
    if (pos >= buf.length) throw truncated('name', pos);
    const len = buf[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw truncated('name pointer', pos);
      if (++jumps > 64) throw new CheckError('EDNSLOOP', `DNS name compression loop at offset ${pos}`, { offset: pos });
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new CheckError('EDNSLABEL', `DNS label type 0x${len.toString(16)} at offset ${pos}; should be 0 or 0xc0`, { offset: pos });
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) throw truncated('label', pos);
    total += len + 1;
    if (total > 255) throw new CheckError('EDNSNAME', `DNS name longer than 255 octets at offset ${off}`, { offset: off });
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.length ? labels.join('.') + '.' : '.', next };
}

/** Parse a DNS message (header, questions, resource records with raw rdata). Throws CheckError on malformed input. */
export function parseMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER_LEN) throw truncated('header', buf.length);
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)] as const;
  let off = HEADER_LEN;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = decodeName(buf, off);
    if (n.next + 4 > buf.length) throw truncated('question', n.next);
    questions.push({ name: n.name, type: buf.readUInt16BE(n.next), class: buf.readUInt16BE(n.next + 2) });
    off = n.next + 4;
  }
  const rrs = (count: number): DnsRecordHeader[] => {
    const out: DnsRecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const n = decodeName(buf, off);
      if (n.next + 10 > buf.length) throw truncated('record', n.next);
      const rdlen = buf.readUInt16BE(n.next + 8);
      if (n.next + 10 + rdlen > buf.length) throw truncated('rdata', n.next + 10);
      out.push({
        name: n.name,
        type: buf.readUInt16BE(n.next),
        class: buf.readUInt16BE(n.next + 2),
        ttl: buf.readUInt32BE(n.next + 4),
        rdata: buf.subarray(n.next + 10, n.next + 10 + rdlen),
      });
      off = n.next + 10 + rdlen;
    }
    return out;
  };
  const answers = rrs(counts[1]);
  const authorities = rrs(counts[2]);
  const additionals = rrs(counts[3]);
  return {
    id: buf.readUInt16BE(0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
  };
}

/** The header fields check_dns.c looks at; no further parsing needed to judge a reply. */
export function parseHeader(buf: Buffer): { id: number; qr: boolean; rcode: number } | undefined {
  if (buf.length < HEADER_LEN) return undefined;
  const flags = buf.readUInt16BE(2);
  return { id: buf.readUInt16BE(0), qr: (flags & 0x8000) !== 0, rcode: flags & 0xf };
}

export function checkDns(target: TargetOf<CheckerKind.Dns>, signal: AbortSignal, random: () => number = () => randomInt(0, 65536)): Promise<CheckResult> {
  const started = performanceNow();
  const { conn, dns } = target;
  const id = random() & 0xffff;
  let query: Buffer;
  try {
    query = formatQuery({ id, type: dnsTypeFromName((dns.type ?? 'SOA') as DnsTypeName), name: dns.name ?? '' });
  } catch (e) {
    return Promise.resolve(failResult((e as Error).message, started));
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      try {
        sock.close();
      } catch {
        /* closed */
      }
      resolve(r);
    };
    const onAbort = (): void => finish(failResult('read timeout from socket', started, { timedOut: true }));
    // bindto/bind_port, fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) through sockopt.ts
    const sock = udpSocket(conn, () => go());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(failResult(`failed to read socket; ${e.code ?? e.message}`, started)));
    sock.on('message', (msg) => {
      // check_dns.c dns_recv_thread: short, foreign-id and non-response datagrams are ignored
      const h = parseHeader(msg);
      if (!h || h.id !== id || !h.qr) return;
      if (h.rcode !== 0) return finish(failResult(`read error occurred. (rcode = ${h.rcode})`, started));
      finish(okResult('DNS response', started));
    });
    function go(): void {
      if (done) return;
      // node:dgram passes a failed connect (ENETUNREACH, ...) to this callback; its type omits the argument
      sock.connect(conn.connectPort, hostWithScope(conn), ((cerr?: NodeJS.ErrnoException) => {
        if (cerr) return finish(failResult(`failed to connect socket; ${cerr.code ?? cerr.message}`, started));
        sock.send(query, (err) => {
          if (err) finish(failResult('failed to write socket.', started));
        });
      }) as () => void);
    }
  });
}

/** The plugin entry point: check(target, signal). */
export { checkDns as check };
