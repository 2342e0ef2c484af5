// One shared raw ICMP socket and one raw ICMPv6 socket for every PING_CHECK, replies matched by identifier and sequence.
// Echo requests carry keepalived's 128-byte "keepalived check - " payload (check_ping.c ICMP_BUFSIZE, layer4.c set_buf).

import net from 'node:net';

/** Minimal typing of the raw-socket 1.8 package (it ships none). */
interface RawSocket {
  on(ev: 'message', l: (buf: Buffer, source: string) => void): void;
  on(ev: 'error', l: (e: Error) => void): void;
  on(ev: 'close', l: () => void): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (err: Error | null, bytes: number) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(o: { protocol: number; addressFamily?: number; bufferSize?: number }): RawSocket;
  Protocol: { ICMP: number; ICMPv6: number };
  AddressFamily: { IPv4: number; IPv6: number };
  createChecksum(...bufs: Buffer[]): number;
  writeChecksum(buf: Buffer, offset: number, checksum: number): void;
}

/** ICMP types (RFC 792, RFC 4443 2.1). */
export enum IcmpType {
  EchoReply = 0,
  DestUnreachable = 3,
  EchoRequest = 8,
  TimeExceeded = 11,
}
export enum Icmp6Type {
  DestUnreachable = 1,
  TimeExceeded = 3,
  EchoRequest = 128,
  EchoReply = 129,
}

export const ICMP_PAYLOAD_LEN = 128;

export function echoPayload(len = ICMP_PAYLOAD_LEN): Buffer {
  const s = 'keepalived check - ';
  return Buffer.from(s.repeat(Math.ceil(len / s.length)).slice(0, len), 'latin1');
}

/** RFC 1071 Internet checksum. */
export function inetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length & 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An echo request; for ICMPv6 the kernel fills the checksum (RFC 3542 3.1), for ICMPv4 we do. */
export function formatEcho(v6: boolean, id: number, seq: number, payload = echoPayload()): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = v6 ? Icmp6Type.EchoRequest : IcmpType.EchoRequest;
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  payload.copy(b, 8);
  if (!v6) b.writeUInt16BE(inetChecksum(b), 2);
  return b;
}

export interface ParsedIcmp {
  /** 'reply' for an echo reply, 'error' for an ICMP error quoting one of our echo requests. */
  kind: 'reply' | 'error';
  type: number;
  id: number;
  seq: number;
}

/**
 * Parse a datagram read from the raw socket. IPv4 raw sockets deliver the IP header; IPv6 ones do not.
 * Returns undefined for anything that is not an echo reply or an error about an echo request.
 */
export function parseIcmp(buf: Buffer, v6: boolean): ParsedIcmp | undefined {
  let off = 0;
  if (!v6) {
    if (buf.length < 20 || buf[0]! >> 4 !== 4) return undefined;
    off = (buf[0]! & 0x0f) * 4;
  }
  if (buf.length < off + 8) return undefined;
  const type = buf[off]!;
  const reply = v6 ? Icmp6Type.EchoReply : IcmpType.EchoReply;
  if (type === reply) return { kind: 'reply', type, id: buf.readUInt16BE(off + 4), seq: buf.readUInt16BE(off + 6) };
  const isErr = v6
    ? type === Icmp6Type.DestUnreachable || type === Icmp6Type.TimeExceeded
    : type === IcmpType.DestUnreachable || type === IcmpType.TimeExceeded;
  if (!isErr) return undefined;
  // The error quotes the offending packet: IPv4 header + 8 bytes, or the IPv6 header (40 bytes) + data.
  let q = off + 8;
  if (v6) q += 40;
  else {
    if (buf.length < q + 1) return undefined;
    q += (buf[q]! & 0x0f) * 4;
  }
  if (buf.length < q + 8) return undefined;
  const inner = buf[q]!;
  if (inner !== (v6 ? Icmp6Type.EchoRequest : IcmpType.EchoRequest)) return undefined;
  return { kind: 'error', type, id: buf.readUInt16BE(q + 4), seq: buf.readUInt16BE(q + 6) };
}

interface Pending {
  addr: string;
  resolve: (r: { ok: boolean; message: string }) => void;
}

/** Shared pinger: one socket per family, opened on demand, closed after IDLE_CLOSE_MS without outstanding requests. */
export class IcmpSockets {
  static readonly IDLE_CLOSE_MS = 5000;
  private raw?: RawSocketModule;
  private sockets: { 4?: RawSocket; 6?: RawSocket } = {};
  private pending = new Map<string, Pending>();
  private seq = 0;
  private idleTimer?: NodeJS.Timeout;
  readonly id: number;

  constructor(id = process.pid & 0xffff) {
    this.id = id;
  }

  /** Throws (EPERM, module missing) when raw sockets are unavailable; callers fall back to the ping binary. */
  private socket(v6: boolean): RawSocket {
    const fam = v6 ? 6 : 4;
    const existing = this.sockets[fam];
    if (existing) return existing;
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    this.raw ??= require('raw-socket') as RawSocketModule;
    const s = this.raw.createSocket({
      protocol: v6 ? this.raw.Protocol.ICMPv6 : this.raw.Protocol.ICMP,
      addressFamily: v6 ? this.raw.AddressFamily.IPv6 : this.raw.AddressFamily.IPv4,
      bufferSize: 4096,
    });
    s.on('message', (buf) => this.onMessage(buf, v6));
    s.on('error', () => {
      if (this.sockets[fam] === s) delete this.sockets[fam];
    });
    this.sockets[fam] = s;
    return s;
  }

  private key(v6: boolean, seq: number): string {
    return `${v6 ? 6 : 4}/${seq}`;
  }

  private onMessage(buf: Buffer, v6: boolean): void {
    const p = parseIcmp(buf, v6);
    if (!p || p.id !== this.id) return;
    const k = this.key(v6, p.seq);
    const pend = this.pending.get(k);
    if (!pend) return;
    this.pending.delete(k);
    pend.resolve(p.kind === 'reply' ? { ok: true, message: 'ICMP echo reply' } : { ok: false, message: `Got ICMP packet with type 0x${p.type.toString(16)}` });
    this.maybeIdle();
  }

  /** Send one echo request and wait for its reply, an ICMP error about it, or the abort signal. */
  ping(addr: string, signal: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const v6 = net.isIPv6(addr);
    const sock = this.socket(v6);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // sequence numbers are unique among outstanding requests of this family
    let seq = 0;
    for (let n = 0; n < 0x10000; n++) {
      this.seq = (this.seq + 1) & 0xffff;
      if (!this.pending.has(this.key(v6, this.seq))) {
        seq = this.seq;
        break;
      }
    }
    const k = this.key(v6, seq);
    return new Promise((resolve) => {
      const done = (r: { ok: boolean; message: string }): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => {
        if (this.pending.get(k)?.resolve === done) this.pending.delete(k);
        this.maybeIdle();
        resolve({ ok: false, message: `ICMP connection to address ${addr} timeout.` });
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(k, { addr, resolve: done });
      const pkt = formatEcho(v6, this.id, seq);
      sock.send(pkt, 0, pkt.length, addr, (err) => {
        if (err) {
          this.pending.delete(k);
          done({ ok: false, message: `send ICMP packet fail: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
          this.maybeIdle();
        }
      });
    });
  }

  private maybeIdle(): void {
    if (this.pending.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => this.close(), IcmpSockets.IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    for (const f of [4, 6] as const) {
      this.sockets[f]?.close();
      delete this.sockets[f];
    }
  }
}

let shared: IcmpSockets | undefined;
export function sharedIcmp(): IcmpSockets {
  shared ??= new IcmpSockets();
  return shared;
}
