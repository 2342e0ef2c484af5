// The VRRP socket pool: one socket per (family, interface, group | unicast source), adverts to the instances of their VRID, closed with its last instance.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { AddressFamily } from '../../src/vrrp/addr';
import { TransportPool } from '../../src/daemon/vrrp/transport-pool';
import type { ClosableTransport, TransportOptions } from '../../src/daemon/vrrp/transport';
import type { ReceivedAdvert } from '../../src/vrrp/socket';

class FakeSock extends EventEmitter implements ClosableTransport {
  readonly kind = 'raw-socket' as const;
  sent: Array<{ dst?: string; len: number }> = [];
  closed = false;
  constructor(readonly o: TransportOptions) {
    super();
  }
  send(msg: Buffer, dst?: string): Promise<number> {
    this.sent.push({ ...(dst !== undefined ? { dst } : {}), len: msg.length });
    return Promise.resolve(msg.length);
  }
  close(): void {
    this.closed = true;
  }
}

function advert(vrid: number): ReceivedAdvert {
  return { msg: Buffer.from([0x21, vrid, 100, 1, 0, 1, 0, 0, 10, 0, 0, 100]), rx: { src: '10.0.0.2', dst: '224.0.0.18', ttl: 255 } };
}

const member = (vrid: number, over: Record<string, unknown> = {}) => ({ instance: `VI_${vrid}`, vrid, family: AddressFamily.Inet, iface: 'eth0', ifindex: 2, source: '10.0.0.1', group: '224.0.0.18', ...over });

t.test('instances on one interface and group share a socket; adverts go to their VRID only', async (t) => {
  const opened: FakeSock[] = [];
  const unknown: number[] = [];
  const pool = new TransportPool((o) => {
    const s = new FakeSock(o);
    opened.push(s);
    return s;
  }, (vrid) => unknown.push(vrid));
  const a = pool.acquire(member(51));
  const b = pool.acquire(member(52));
  const c = pool.acquire(member(53, { iface: 'eth1', ifindex: 3 }));
  const u = pool.acquire(member(54, { group: undefined }));
  t.equal(opened.length, 3, 'eth0 multicast, eth1 multicast, eth0 unicast');
  t.equal(pool.stats().sockets, 3);
  const got: Record<string, number[]> = { a: [], b: [] };
  const la = (x: ReceivedAdvert): void => void got.a!.push(x.msg[1]!);
  const lb = (x: ReceivedAdvert): void => void got.b!.push(x.msg[1]!);
  a.on('advert', la);
  b.on('advert', lb);
  for (const v of [51, 52, 51, 99]) opened[0]!.emit('advert', advert(v));
  t.same(got, { a: [51, 51], b: [52] });
  t.same(unknown, [99], 'VRID 99 reported unknown');
  a.off('advert', la);
  opened[0]!.emit('advert', advert(51));
  t.same(got.a, [51, 51], 'no delivery after off');
  t.same(unknown, [99, 51], 'a VRID nobody listens to any more is unknown');
  await a.send(Buffer.alloc(12));
  await u.send(Buffer.alloc(12), '10.0.0.9');
  t.same(opened[0]!.sent, [{ dst: '224.0.0.18', len: 12 }], 'multicast instance sends to its group');
  t.same(opened[2]!.sent, [{ dst: '10.0.0.9', len: 12 }]);
  a.close();
  a.close();
  t.notOk(opened[0]!.closed, 'still used by VI_52');
  b.close();
  t.ok(opened[0]!.closed, 'closed with its last instance');
  c.close();
  u.close();
  t.equal(pool.stats().sockets, 0);
});

t.test('raw-socket fallback sockets are per source (no per-datagram source address)', async (t) => {
  const opened: FakeSock[] = [];
  const pool = new TransportPool((o) => {
    const s = new FakeSock(o);
    opened.push(s);
    return s;
  });
  pool.acquire(member(51));
  pool.acquire(member(52, { source: '10.0.0.5' }));
  pool.acquire(member(53));
  t.equal(opened.length, 2);
  pool.close();
  t.ok(opened.every((s) => s.closed));
});
