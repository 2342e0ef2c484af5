// Raw IPPROTO_VRRP sockets (raw-socket 1.8.1): bound to one interface, joined to 224.0.0.18 / ff02::12, TTL/hop limit 255.

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { AddressFamily, addressToBytes, canonicalAddress } from './addr';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, VRRP_TTL } from './constants';
import { RejectReason } from './counters';
import { Ipv4Header } from './ip';
import { parseIpv4Packet } from './ip';
import { RxInfo } from './validate';

// Linux socket option numbers (include/uapi/linux/in.h, in6.h, asm-generic/socket.h; Linux 6.x)
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUF = 8;
const IPPROTO_IP = 0;
const IP_TOS = 1;
const IP_TTL = 2;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_MULTICAST_ALL = 49;
const IPPROTO_IPV6 = 41;
const IPV6_CHECKSUM = 7;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_JOIN_GROUP = 20;
const IPV6_MULTICAST_ALL = 29;

interface RawSocket extends EventEmitter {
  setOption(level: number, option: number, value: Buffer | number, length?: number): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (err: Error | null, bytes: number) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(opts: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}

function loadRaw(): RawSocketModule {
  // raw-socket ships no type declarations
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('raw-socket') as RawSocketModule;
}

export class VrrpSocketError extends Error {
  readonly code: string;
  constructor(
    readonly operation: string,
    readonly iface: string,
    cause: unknown,
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`VRRP socket ${operation} on ${iface}: ${msg}`);
    this.name = 'VrrpSocketError';
    this.code = 'EVRRPSOCK';
  }
}

export interface VrrpSocketOptions {
  family: AddressFamily;
  /** Interface to bind to (SO_BINDTODEVICE) and to send multicast on. */
  interface: string;
  /** Interface index; default read from /sys/class/net/<interface>/ifindex (needs sysfs of the current netns). */
  ifindex?: number;
  /** Our primary address on the interface (IPv4: used for IP_MULTICAST_IF and membership). */
  sourceAddress?: string;
  /** Join the VRRP multicast group (default true; false for unicast-only instances). */
  multicast?: boolean;
  /** TTL/hop limit for unicast sends (keepalived unicast_ttl; default 255). */
  unicastTtl?: number;
  receiveBufferSize?: number;
}

export interface ReceivedAdvert {
  /** The VRRP message (IP header removed). */
  msg: Buffer;
  rx: RxInfo;
  ip?: Ipv4Header;
}

export interface VrrpSocketEvents {
  advert: [ReceivedAdvert];
  invalid: [{ reason: RejectReason; detail: string }];
  error: [Error];
}

function ifindexOf(name: string): number {
  const text = readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8');
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`ifindex of ${name} is ${JSON.stringify(text.trim())}; should be a positive integer`);
  return n;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0); // host byte order (x86-64 / arm64 little-endian)
  return b;
}

/**
 * One raw socket per (family, interface), for sending and receiving adverts. IPv4 receive includes the IP
 * header (TTL checked by validate.ts); IPv6 raw sockets cannot report the hop limit through raw-socket
 * (no recvmsg), so `rx.ttl` is undefined there, and the kernel computes/verifies the checksum (IPV6_CHECKSUM)
 * as keepalived configures it.
 */
export class VrrpSocket extends EventEmitter<VrrpSocketEvents> {
  private readonly raw: RawSocket;
  private closed = false;
  readonly ifindex: number;

  constructor(readonly opts: VrrpSocketOptions) {
    super();
    const mod = loadRaw();
    const fam = opts.family === AddressFamily.Inet ? mod.AddressFamily.IPv4 : mod.AddressFamily.IPv6;
    try {
      this.raw = mod.createSocket({ protocol: IPPROTO_VRRP, addressFamily: fam, bufferSize: 65536 });
    } catch (e) {
      throw new VrrpSocketError('socket', opts.interface, e);
    }
    try {
      this.ifindex = opts.ifindex ?? ifindexOf(opts.interface);
      this.configure();
    } catch (e) {
      this.raw.close();
      throw e instanceof VrrpSocketError ? e : new VrrpSocketError('setsockopt', opts.interface, e);
    }
    this.raw.on('message', (buf: Buffer, source: string) => this.onMessage(buf, source));
    this.raw.on('error', (e: Error) => this.emit('error', new VrrpSocketError('recv', opts.interface, e)));
  }

  private set(op: string, level: number, option: number, value: Buffer | number): void {
    try {
      if (typeof value === 'number') this.raw.setOption(level, option, value);
      else this.raw.setOption(level, option, value, value.length);
    } catch (e) {
      throw new VrrpSocketError(op, this.opts.interface, e);
    }
  }

  private configure(): void {
    const o = this.opts;
    this.set('SO_BINDTODEVICE', SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${o.interface}\0`, 'latin1'));
    if (o.receiveBufferSize) this.set('SO_RCVBUF', SOL_SOCKET, SO_RCVBUF, o.receiveBufferSize);
    const multicast = o.multicast ?? true;
    const ttl = o.unicastTtl ?? VRRP_TTL;
    if (o.family === AddressFamily.Inet) {
      // RFC 5798 5.1.1.3 / keepalived vrrp_build_ip4: TTL 255, TOS internetwork control
      this.set('IP_TOS', IPPROTO_IP, IP_TOS, 0xc0);
      this.set('IP_TTL', IPPROTO_IP, IP_TTL, ttl);
      this.set('IP_MULTICAST_TTL', IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL);
      this.set('IP_MULTICAST_LOOP', IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      // keepalived if_setsockopt_mcast_all: only the groups this socket joined
      this.set('IP_MULTICAST_ALL', IPPROTO_IP, IP_MULTICAST_ALL, 0);
      // struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }
      const mreqn = Buffer.alloc(12);
      if (o.sourceAddress) addressToBytes(o.sourceAddress, AddressFamily.Inet).copy(mreqn, 4);
      mreqn.writeInt32LE(this.ifindex, 8);
      this.set('IP_MULTICAST_IF', IPPROTO_IP, IP_MULTICAST_IF, mreqn);
      if (multicast) {
        addressToBytes(VRRP_MCAST_GROUP4, AddressFamily.Inet).copy(mreqn, 0);
        this.set('IP_ADD_MEMBERSHIP', IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn);
      }
    } else {
      // keepalived if_setsockopt_ipv6_checksum: the kernel fills in and verifies the checksum at offset 6
      this.set('IPV6_CHECKSUM', IPPROTO_IPV6, IPV6_CHECKSUM, int32(6));
      this.set('IPV6_UNICAST_HOPS', IPPROTO_IPV6, IPV6_UNICAST_HOPS, int32(ttl));
      this.set('IPV6_MULTICAST_HOPS', IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int32(VRRP_TTL));
      this.set('IPV6_MULTICAST_LOOP', IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int32(0));
      this.set('IPV6_MULTICAST_ALL', IPPROTO_IPV6, IPV6_MULTICAST_ALL, int32(0));
      this.set('IPV6_MULTICAST_IF', IPPROTO_IPV6, IPV6_MULTICAST_IF, int32(this.ifindex));
      if (multicast) {
        // struct ipv6_mreq { ipv6mr_multiaddr, ipv6mr_interface }
        const mreq = Buffer.alloc(20);
        addressToBytes(VRRP_MCAST_GROUP6, AddressFamily.Inet6).copy(mreq, 0);
        mreq.writeInt32LE(this.ifindex, 16);
        this.set('IPV6_JOIN_GROUP', IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq);
      }
    }
  }

  private onMessage(buf: Buffer, source: string): void {
    if (this.opts.family === AddressFamily.Inet) {
      const ip = parseIpv4Packet(buf);
      if (!ip.ok) {
        this.emit('invalid', { reason: RejectReason.IpHeader, detail: ip.detail });
        return;
      }
      const h = ip.header;
      this.emit('advert', { msg: Buffer.from(ip.payload), rx: { src: h.src, dst: h.dst, ttl: h.ttl }, ip: h });
    } else {
      // raw-socket's recvfrom gives no destination (IPV6_PKTINFO needs recvmsg): assume the group when
      // joined, which is what a multicast instance expects; unicast instances pass multicast: false.
      const dst = (this.opts.multicast ?? true) ? VRRP_MCAST_GROUP6 : (this.opts.sourceAddress ?? '::');
      this.emit('advert', { msg: Buffer.from(buf), rx: { src: canonicalAddress(source), dst } });
    }
  }

  /** Sends one VRRP message (no IP header) to `dst` (default: the multicast group). */
  send(msg: Buffer, dst?: string): Promise<number> {
    const to = dst ?? (this.opts.family === AddressFamily.Inet ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new VrrpSocketError('send', this.opts.interface, new Error('socket is closed; should be open')));
        return;
      }
      this.raw.send(msg, 0, msg.length, to, (err, bytes) => (err ? reject(new VrrpSocketError('send', this.opts.interface, err)) : resolve(bytes)));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.close();
  }
}
