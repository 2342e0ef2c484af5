// VrrpInstance end to end on a virtual clock: real bytes through codec, validation, FSM and counters between simulated routers.

import t from 'tap';
import { EventEmitter } from 'node:events';
import { AddressFamily } from '../../src/vrrp/addr';
import { V3Ipv4ChecksumMode } from '../../src/vrrp/checksum';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { RejectReason } from '../../src/vrrp/counters';
import { FsmConfig, NotifyKind, VrrpState, fsmConfig } from '../../src/vrrp/fsm';
import { AdvertTransport, InstanceOptions, TimerPrimitives, VrrpInstance } from '../../src/vrrp/instance';
import { parseVrrp } from '../../src/vrrp/packet';
import { ReceivedAdvert } from '../../src/vrrp/socket';
import { InstanceCheckConfig } from '../../src/vrrp/validate';

/** Virtual time: timers run in deadline order when the test advances the clock. */
class VirtualClock implements TimerPrimitives {
  now = 0;
  private seq = 0;
  private pending = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let best: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[0] < best[0]))) best = e;
      if (!best) break;
      this.pending.delete(best[0]);
      this.now = Math.max(this.now, best[1].at);
      best[1].fn();
    }
    this.now = end;
  }
}

/** A shared segment: what one transport sends, the others receive 1 ms later with TTL 255. */
class Segment {
  readonly ports: Port[] = [];
  wire: Array<{ at: number; from: string; dst: string; msg: Buffer }> = [];
  constructor(readonly clock: VirtualClock) {}
  port(address: string): Port {
    const p = new Port(this, address);
    this.ports.push(p);
    return p;
  }
}

class Port extends EventEmitter implements AdvertTransport {
  down = false;
  constructor(
    readonly seg: Segment,
    readonly address: string,
  ) {
    super();
  }
  send(msg: Buffer, dst?: string): Promise<number> {
    if (this.down) return Promise.resolve(0);
    const to = dst ?? '224.0.0.18';
    const copy = Buffer.from(msg);
    this.seg.wire.push({ at: this.seg.clock.now, from: this.address, dst: to, msg: copy });
    this.seg.clock.set(() => {
      for (const p of this.seg.ports) {
        if (p === this || p.down) continue;
        if (!to.startsWith('224.') && to !== p.address) continue;
        const a: ReceivedAdvert = { msg: copy, rx: { src: this.address, dst: to, ttl: 255 } };
        p.emit('advert', a);
      }
    }, 1);
    return Promise.resolve(msg.length);
  }
}

interface Router {
  inst: VrrpInstance;
  port: Port;
  vips: boolean;
  notes: string[];
  logs: string[];
}

function router(seg: Segment, address: string, fsm: Partial<FsmConfig> & { priority: number }, check: Partial<InstanceCheckConfig> = {}, extra: Partial<InstanceOptions> = {}): Router {
  const port = seg.port(address);
  const version = check.version ?? VrrpVersion.V3;
  const r: Router = { inst: undefined as unknown as VrrpInstance, port, vips: false, notes: [], logs: [] };
  r.inst = new VrrpInstance({
    name: `VI_${address}`,
    fsm: fsmConfig({ version, primaryAddress: address, ...fsm }),
    check: { version, family: AddressFamily.Inet, vrid: 51, addresses: ['10.0.0.100'], advertIntervalMs: 1000, ...check },
    transport: port,
    sourceAddress: address,
    clock: () => seg.clock.now,
    timers: seg.clock,
    hooks: {
      addVips: () => {
        r.vips = true;
      },
      removeVips: () => {
        r.vips = false;
      },
      notify: (kind) => r.notes.push(kind),
      log: (_l, m) => r.logs.push(m),
    },
    ...extra,
  });
  return r;
}

t.test('two v3 routers elect the higher priority; the backup takes over on priority 0', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const a = router(seg, '10.0.0.1', { priority: 150 });
  const b = router(seg, '10.0.0.2', { priority: 100 });
  a.inst.start();
  b.inst.start();
  seg.clock.advance(10_000);
  tt.equal(a.inst.state.state, VrrpState.Master);
  tt.equal(b.inst.state.state, VrrpState.Backup);
  tt.ok(a.vips);
  tt.notOk(b.vips);
  tt.same(a.notes, [NotifyKind.Backup, NotifyKind.Master]);
  tt.same(b.notes, [NotifyKind.Backup]);
  // the bytes on the wire are adverts a keepalived would accept: decode with the pseudo-header
  const first = seg.wire[0]!;
  const dec = parseVrrp(first.msg, { family: AddressFamily.Inet, src: first.from, dst: first.dst });
  tt.ok(dec.ok);
  if (dec.ok) tt.match(dec.packet, { version: 3, vrid: 51, priority: 150, addresses: ['10.0.0.100'], maxAdvertIntervalCs: 100 });
  const sentA = a.inst.counters.advertSent;
  tt.ok(sentA >= 6 && sentA <= 8, `master sent ${sentA} adverts`);
  tt.equal(b.inst.counters.advertSent, 0);
  tt.equal(b.inst.counters.advertRcvd, sentA);
  tt.equal(a.inst.counters.becomeMaster, 1);

  const stopAt = seg.clock.now;
  a.inst.stop();
  tt.equal(a.inst.counters.priZeroSent, 1);
  tt.equal(a.inst.counters.releaseMaster, 1);
  tt.notOk(a.vips);
  // Skew_Time for priority 100 at 1 s: 609.375 ms (+1 ms link delay)
  seg.clock.advance(600);
  tt.equal(b.inst.state.state, VrrpState.Backup);
  seg.clock.advance(20);
  tt.equal(b.inst.state.state, VrrpState.Master, `took over ${seg.clock.now - stopAt} ms after the priority 0 advert`);
  tt.equal(b.inst.counters.priZeroRcvd, 1);
  b.inst.stop();
});

t.test('a crashed master (link down, no priority 0) is replaced after Master_Down_Interval', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const a = router(seg, '10.0.0.9', { priority: 200 });
  const b = router(seg, '10.0.0.2', { priority: 100 });
  a.inst.start();
  b.inst.start();
  seg.clock.advance(5000);
  tt.equal(a.inst.state.state, VrrpState.Master);
  a.port.down = true;
  const lastAdvert = seg.wire[seg.wire.length - 1]!;
  tt.equal(lastAdvert.from, '10.0.0.9');
  // Master_Down_Interval for priority 100 at 1 s: 3609.375 ms after the last advert arrived (1 ms link)
  const mdiEnd = lastAdvert.at + 1 + 3609.375;
  seg.clock.advance(mdiEnd - 5 - seg.clock.now);
  tt.equal(b.inst.state.state, VrrpState.Backup);
  seg.clock.advance(10);
  tt.equal(b.inst.state.state, VrrpState.Master);
  // link back: the higher priority master wins again at its next advert
  a.port.down = false;
  seg.clock.advance(1500);
  tt.equal(a.inst.state.state, VrrpState.Master);
  tt.equal(b.inst.state.state, VrrpState.Backup);
  tt.ok(b.logs.some((l) => /higher priority 200, ours 100/.test(l)));
  a.inst.stop();
  b.inst.stop();
});

t.test('v2 PASS mismatch: adverts rejected and counted, both end up master', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const v2 = { version: VrrpVersion.V2, authType: AuthType.Pass } as const;
  const a = router(seg, '10.0.0.1', { priority: 150 }, { ...v2, authPass: 'right' });
  const b = router(seg, '10.0.0.2', { priority: 100 }, { ...v2, authPass: 'wrong' });
  a.inst.start();
  b.inst.start();
  seg.clock.advance(8000);
  tt.equal(a.inst.state.state, VrrpState.Master);
  tt.equal(b.inst.state.state, VrrpState.Master);
  tt.ok(b.inst.counters.rejected[RejectReason.AuthFailure] > 0);
  tt.ok(a.inst.counters.rejected[RejectReason.AuthFailure] > 0);
  tt.equal(b.inst.counters.keepalivedView().auth_failure, b.inst.counters.rejected[RejectReason.AuthFailure]);
  tt.ok(b.logs.some((l) => /password is a different one; should be the configured auth_pass - discarding packet from 10\.0\.0\.1/.test(l)));
  a.inst.stop();
  b.inst.stop();
});

t.test('unicast v3 with an old_unicast_checksum peer: keepalived-style auto switch', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const old = router(seg, '10.0.0.1', { priority: 150 }, { unicast: true }, { unicastPeers: ['10.0.0.2'], v3Ipv4Checksum: V3Ipv4ChecksumMode.OldUnicast });
  const neu = router(seg, '10.0.0.2', { priority: 100 }, { unicast: true }, { unicastPeers: ['10.0.0.1'], autoOldUnicastChecksum: true });
  old.inst.start();
  neu.inst.start();
  seg.clock.advance(6000);
  tt.equal(old.inst.state.state, VrrpState.Master);
  tt.equal(neu.inst.state.state, VrrpState.Backup, 'the new-style peer accepted the old checksum');
  tt.ok(neu.logs.some((l) => /Setting unicast VRRPv3 checksum to old version/.test(l)));
  tt.equal(neu.inst.counters.rejected[RejectReason.Checksum], 0);
  // after the switch, what it sends verifies the old way
  old.inst.stop();
  seg.clock.advance(2000);
  tt.equal(neu.inst.state.state, VrrpState.Master);
  const last = seg.wire[seg.wire.length - 1]!;
  tt.equal(last.from, '10.0.0.2');
  const r = parseVrrp(last.msg, { family: AddressFamily.Inet, src: last.from, dst: last.dst, v3Ipv4Checksum: V3Ipv4ChecksumMode.OldUnicast });
  tt.ok(r.ok);
  neu.inst.stop();
});

t.test('fault and priority changes through the instance API', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const a = router(seg, '10.0.0.1', { priority: 150 });
  const b = router(seg, '10.0.0.2', { priority: 100 });
  a.inst.start();
  b.inst.start();
  seg.clock.advance(5000);
  a.inst.fault('eth0', true);
  tt.equal(a.inst.state.state, VrrpState.Fault);
  seg.clock.advance(700);
  tt.equal(b.inst.state.state, VrrpState.Master, 'priority 0 from the faulting master');
  a.inst.fault('eth0', false);
  tt.equal(a.inst.state.state, VrrpState.Backup);
  seg.clock.advance(5000);
  tt.equal(a.inst.state.state, VrrpState.Master, 'preempted back');
  // tracking lowers a below b: b preempts after its Master_Down_Interval
  a.inst.setPriority(50);
  seg.clock.advance(5000);
  tt.equal(b.inst.state.state, VrrpState.Master);
  tt.equal(a.inst.state.state, VrrpState.Backup);
  a.inst.stop();
  b.inst.stop();
  // the instance ignores adverts after stop
  const before = a.inst.counters.advertRcvd;
  b.port.emit('advert', { msg: Buffer.alloc(0), rx: { src: '10.0.0.2', dst: '224.0.0.18', ttl: 255 } });
  tt.equal(a.inst.counters.advertRcvd, before);
});

t.test('host timers that fire early are re-armed, not lost', async (tt) => {
  class EarlyClock extends VirtualClock {
    override set(fn: () => void, ms: number): unknown {
      return super.set(fn, ms - Math.min(5, Math.floor(ms / 2))); // timers fire up to 5 ms early
    }
  }
  const seg = new Segment(new EarlyClock());
  const a = router(seg, '10.0.0.1', { priority: 150 });
  a.inst.start();
  // Master_Down_Interval for 150: 3414.062 ms; an early expiry must not make it master before that
  seg.clock.advance(3405);
  tt.equal(a.inst.state.state, VrrpState.Backup);
  seg.clock.advance(20);
  tt.equal(a.inst.state.state, VrrpState.Master);
  seg.clock.advance(10_000);
  tt.equal(a.inst.counters.advertSent, 11, 'one advert per second, none lost');
  a.inst.stop();
});

t.test('instances of different VRIDs on one segment ignore each other without counting errors', async (tt) => {
  const seg = new Segment(new VirtualClock());
  const a = router(seg, '10.0.0.1', { priority: 150 });
  const b = router(seg, '10.0.0.2', { priority: 100 }, { vrid: 52 });
  a.inst.start();
  b.inst.start();
  seg.clock.advance(8000);
  tt.equal(a.inst.state.state, VrrpState.Master);
  tt.equal(b.inst.state.state, VrrpState.Master, 'separate virtual routers');
  tt.equal(a.inst.counters.totalRejected(), 0);
  tt.equal(b.inst.counters.totalRejected(), 0);
  tt.equal(b.inst.counters.advertRcvd, 0);
  a.inst.stop();
  b.inst.stop();
});
