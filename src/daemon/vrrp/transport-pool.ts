// One VRRP socket per (family, interface, multicast group | unicast source) shared by the instances on it, received adverts demultiplexed by VRID (keepalived vrrp_scheduler.c sockpool).
import { AddressFamily } from '../../vrrp/addr';
import type { ReceivedAdvert } from '../../vrrp/socket';
import { ClosableTransport, NativeTransport, TransportOptions } from './transport';

const VRRP_TTL = 255;

/** What one instance needs from the pool. */
export interface PoolMember {
  instance: string;
  vrid: number;
  family: AddressFamily;
  /** interface adverts are sent and received on (the configured interface, or with use_vmac the VMAC unless vmac_xmit_base) */
  iface: string;
  ifindex: number;
  source: string;
  group?: string;
  unicastTtl?: number;
}

type Opener = (o: TransportOptions) => ClosableTransport;

interface Entry {
  key: string;
  sock: ClosableTransport;
  byVrid: Map<number, Set<(a: ReceivedAdvert) => void>>;
  refs: number;
  onAdvert: (a: ReceivedAdvert) => void;
}

/** keepalived already_exist_sock: family, interface and (multicast) destination group or (unicast) source; raw-socket fallback sockets carry their source too. */
export function poolKey(m: PoolMember, perSendSource: boolean): string {
  const dest = m.group !== undefined ? `m:${m.group}` : `u:${m.source}`;
  const extra = perSendSource ? '' : `|src:${m.source}|ttl:${m.unicastTtl ?? VRRP_TTL}`;
  return `${m.family}|${m.ifindex}|${m.iface}|${dest}${extra}`;
}

/** The transport an instance runs on: its view of the shared socket (its VRID's adverts, its own source address). */
class MemberTransport implements ClosableTransport {
  readonly kind: ClosableTransport['kind'];
  private closed = false;

  constructor(
    private readonly pool: TransportPool,
    private readonly entry: Entry,
    private readonly m: PoolMember,
  ) {
    this.kind = entry.sock.kind;
  }

  send(msg: Buffer, dst?: string): Promise<number> {
    const to = dst ?? this.m.group;
    if (!to) return Promise.reject(new Error(`(${this.m.instance}) send on ${this.m.iface}: no destination; should be a unicast peer or a multicast group`));
    const via = this.entry.sock;
    if (via instanceof NativeTransport) {
      const hopLimit = to === this.m.group ? VRRP_TTL : (this.m.unicastTtl ?? VRRP_TTL);
      return via.sendWith(msg, to, { source: this.m.source, ifindex: this.m.ifindex, hopLimit });
    }
    return via.send(msg, to);
  }

  on(event: 'advert', l: (a: ReceivedAdvert) => void): this {
    if (event === 'advert') this.pool.listen(this.entry, this.m.vrid, l, true);
    return this;
  }

  off(event: 'advert', l: (a: ReceivedAdvert) => void): this {
    if (event === 'advert') this.pool.listen(this.entry, this.m.vrid, l, false);
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.release(this.entry);
  }
}

export interface PoolStats {
  sockets: number;
  members: Array<{ key: string; refs: number; vrids: number[] }>;
}

/**
 * Opens sockets on demand and closes each when its last instance leaves. An advert whose VRID no
 * instance on that socket has is dropped (and reported to `unknownVrid`, keepalived log_unknown_vrids).
 */
export class TransportPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly open: Opener,
    private readonly unknownVrid: (vrid: number, iface: string, src: string) => void = () => undefined,
  ) {}

  acquire(m: PoolMember): ClosableTransport {
    const opts: TransportOptions = { family: m.family, iface: m.iface, ifindex: m.ifindex, source: m.source, ...(m.group !== undefined ? { group: m.group } : {}), ...(m.unicastTtl !== undefined ? { unicastTtl: m.unicastTtl } : {}) };
    let entry = [...this.entries.values()].find((e) => e.key === poolKey(m, e.sock instanceof NativeTransport));
    if (!entry) {
      const sock = this.open(opts);
      const key = poolKey(m, sock instanceof NativeTransport);
      const e: Entry = { key, sock, byVrid: new Map(), refs: 0, onAdvert: (a) => this.dispatch(e, m.iface, a) };
      sock.on('advert', e.onAdvert);
      this.entries.set(key, e);
      entry = e;
    }
    entry.refs++;
    return new MemberTransport(this, entry, m);
  }

  private dispatch(e: Entry, iface: string, a: ReceivedAdvert): void {
    // keepalived vrrp_dispatcher_read: rb_find(hd->vrid) among the instances of this socket
    const vrid = a.msg.length >= 2 ? a.msg[1]! : -1;
    const ls = e.byVrid.get(vrid);
    if (!ls || ls.size === 0) {
      this.unknownVrid(vrid, iface, a.rx.src);
      return;
    }
    for (const l of [...ls]) l(a);
  }

  /** @internal */
  listen(e: Entry, vrid: number, l: (a: ReceivedAdvert) => void, on: boolean): void {
    let s = e.byVrid.get(vrid);
    if (on) {
      if (!s) e.byVrid.set(vrid, (s = new Set()));
      s.add(l);
    } else if (s) {
      s.delete(l);
      if (s.size === 0) e.byVrid.delete(vrid);
    }
  }

  /** @internal */
  release(e: Entry): void {
    if (--e.refs <= 0) this.drop(e);
  }

  private drop(e: Entry): void {
    e.sock.off('advert', e.onAdvert);
    e.sock.close();
    this.entries.delete(e.key);
  }

  stats(): PoolStats {
    return {
      sockets: this.entries.size,
      members: [...this.entries.values()].map((e) => ({ key: e.key, refs: e.refs, vrids: [...e.byVrid.keys()].sort((a, b) => a - b) })),
    };
  }

  close(): void {
    for (const e of [...this.entries.values()]) this.drop(e);
  }
}
