// Advert transports for the daemon: the native IpSocket (recvmsg gives the IPv6 hop limit and destination, RFC 5798 7.1) or, without the addon, raw-socket's VrrpSocket.
import { EventEmitter } from 'node:events';
import { AddressFamily, canonicalAddress } from '../../vrrp/addr';
import { IPPROTO_VRRP } from '../../vrrp/constants';
import { parseIpv4Packet } from '../../vrrp/ip';
import type { AdvertTransport } from '../../vrrp/instance';
import { ReceivedAdvert, VrrpSocket } from '../../vrrp/socket';
import { IpSocket, ReceivedDatagram, nativeAvailable } from '../../native/packet';

export interface TransportOptions {
  family: AddressFamily;
  iface: string;
  ifindex: number;
  /** our advert source (primary address, unicast_src_ip / mcast_src_ip) */
  source: string;
  /** multicast group to join and send to; undefined = unicast only */
  group?: string;
  /** unicast_ttl (default 255) */
  unicastTtl?: number;
}

/** Per-datagram sending parameters of a shared socket (each instance has its own source and interface). */
export interface SendParams {
  source: string;
  ifindex: number;
  hopLimit: number;
}

export interface ClosableTransport extends AdvertTransport {
  close(): void;
  readonly kind: 'native' | 'raw-socket';
}

const VRRP_TTL = 255;

/** VRRP over the project's addon: IP_PKTINFO/IPV6_PKTINFO source, per-packet hop limit, received hop limit. */
export class NativeTransport extends EventEmitter implements ClosableTransport {
  readonly kind = 'native' as const;
  private readonly sock: IpSocket;

  constructor(readonly o: TransportOptions) {
    super();
    const v6 = o.family === AddressFamily.Inet6;
    this.sock = IpSocket.open({
      family: v6 ? 6 : 4,
      protocol: IPPROTO_VRRP,
      device: o.iface,
      multicastIf: o.ifindex,
      multicastLoop: false,
      multicastAll: false,
      hopLimit: VRRP_TTL,
      tos: 0xc0,
      ...(v6 ? { checksumOffset: 6 } : {}),
      ...(o.group ? { join: { group: o.group, ifindex: o.ifindex } } : {}),
    });
    this.sock.on('message', (d: ReceivedDatagram) => this.onMessage(d));
    this.sock.on('error', (e: Error) => this.emit('error', e));
  }

  private onMessage(d: ReceivedDatagram): void {
    let a: ReceivedAdvert;
    if (this.o.family === AddressFamily.Inet) {
      const ip = parseIpv4Packet(d.data);
      if (!ip.ok) return;
      const h = ip.header;
      a = { msg: Buffer.from(ip.payload), rx: { src: h.src, dst: h.dst, ttl: h.ttl }, ip: h };
    } else {
      const src = canonicalAddress(d.source.split('%')[0]!);
      const dst = d.destination ? canonicalAddress(d.destination.split('%')[0]!) : (this.o.group ?? this.o.source);
      a = { msg: Buffer.from(d.data), rx: { src, dst, ...(d.hopLimit !== undefined ? { ttl: d.hopLimit } : {}) } };
    }
    this.emit('advert', a);
  }

  send(msg: Buffer, dst?: string): Promise<number> {
    const to = dst ?? this.o.group;
    if (!to) return Promise.reject(new Error(`send on ${this.o.iface}: no destination; should be a unicast peer or a multicast group`));
    const multicast = to === this.o.group;
    return this.sendWith(msg, to, { source: this.o.source, ifindex: this.o.ifindex, hopLimit: multicast ? VRRP_TTL : (this.o.unicastTtl ?? VRRP_TTL) });
  }

  /** Sends with another instance's source address, interface and hop limit (a socket shared by several instances). */
  sendWith(msg: Buffer, to: string, p: SendParams): Promise<number> {
    try {
      return Promise.resolve(this.sock.send(msg, to, p));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** raw-socket fallback (no IPv6 hop limit: RFC 5798 7.1's check cannot be made). */
export class RawTransport implements ClosableTransport {
  readonly kind = 'raw-socket' as const;
  private readonly sock: VrrpSocket;

  constructor(o: TransportOptions) {
    this.sock = new VrrpSocket({
      family: o.family,
      interface: o.iface,
      ifindex: o.ifindex,
      sourceAddress: o.source,
      multicast: o.group !== undefined,
      ...(o.unicastTtl !== undefined ? { unicastTtl: o.unicastTtl } : {}),
    });
    this.sock.on('error', () => undefined);
  }

  send(msg: Buffer, dst?: string): Promise<number> {
    return this.sock.send(msg, dst);
  }

  on(event: 'advert', l: (a: ReceivedAdvert) => void): this {
    this.sock.on(event, l);
    return this;
  }

  off(event: 'advert', l: (a: ReceivedAdvert) => void): this {
    this.sock.off(event, l);
    return this;
  }

  close(): void {
    this.sock.close();
  }
}

/** The native transport when the addon is built, else raw-socket; `warn` is told about the fallback. */
export function openTransport(o: TransportOptions, warn: (m: string) => void): ClosableTransport {
  if (nativeAvailable()) return new NativeTransport(o);
  warn('native packet addon not built (make native): using raw-socket; the IPv6 hop limit of adverts is not checked (RFC 5798 7.1)');
  return new RawTransport(o);
}
