// garp.ts / ndisc.ts additions: brief-named formatters, VLAN tags, whole-frame parsers, router-flag cache, socket pool and announcer with fakes.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  FrameError,
  PacketSocketPool,
  formatGratuitousArp,
  parseArpFrame,
  sendGratuitousArp,
  virtualRouterMac,
  writeEthernetHeader,
} from '../../src/vrrp/garp';
import { GratuitousSender, LinkAnnouncer, NaFlag, RouterFlagCache, ROUTER_FLAG_RECHECK_MS, formatUnsolicitedNa, formatUnsolicitedNaFrame, parseNaFrame, readIpv6Forwarding } from '../../src/vrrp/ndisc';
import { AddressFamily } from '../../src/vrrp/addr';
import { EtherType, decodeLink, readPcap } from '../../src/vrrp/pcap';

const DIR = path.join(__dirname, '../../../shared/corpus/vrrp-pcaps');

// keepalived 2.2.7 frames (shared corpus dumps, v3-ip4-mcast-vmac.txt and v3-ip6-mcast.txt)
const GOLDEN_VMAC_ARP = 'ffffffffffff00005e00014d0806000108000604000100005e00014dc0a84d64ffffffffffffc0a84d64';
const GOLDEN_NA =
  '333300000001' + '26edee9139c3' + '86dd' + '6000000000203aff' + 'fd000077000000000000000000000100' + 'ff020000000000000000000000000001' +
  '88000a6e20000000' + 'fd000077000000000000000000000100' + '020126edee9139c3';

t.test('brief-named formatters produce keepalived golden bytes', async (t) => {
  t.equal(formatGratuitousArp({ senderMac: virtualRouterMac(77, AddressFamily.Inet), ip: '192.168.77.100' }).toString('hex'), GOLDEN_VMAC_ARP);
  t.equal(formatGratuitousArp({ senderMac: Buffer.from('00005e00014d', 'hex'), ip: '192.168.77.100' }).toString('hex'), GOLDEN_VMAC_ARP, 'MAC as bytes');
  t.equal(formatUnsolicitedNa({ srcMac: '26:ed:ee:91:39:c3', ip: 'fd00:77::100' }).toString('hex'), GOLDEN_NA);
  t.equal(virtualRouterMac(255, AddressFamily.Inet6), '00:00:5e:00:02:ff');
  t.throws(() => virtualRouterMac(0, AddressFamily.Inet), { code: 'EVRRPFRAME', message: /VRID is 0; should be 1..255/ });
  t.throws(() => formatGratuitousArp({ senderMac: '00:00:5e:00:01', ip: '10.0.0.1' }), { code: 'EVRRPMAC' });
  t.throws(() => formatGratuitousArp({ senderMac: Buffer.alloc(5), ip: '10.0.0.1' }), { code: 'EVRRPMAC' });
  t.throws(() => formatGratuitousArp({ senderMac: '02:00:00:00:00:01', ip: 'fd00::1' }), { code: 'EVRRPADDR' });
});

t.test('the first NA of the shared IPv6 capture parses as a whole frame', async (t) => {
  const pcap = readPcap(readFileSync(path.join(DIR, 'v3-ip6-mcast.pcap')));
  const rec = pcap.records.find((r) => {
    const fr = decodeLink(pcap.linkType, r.data);
    return fr?.etherType === EtherType.Ipv6 && fr.payload[40] === 136;
  });
  t.ok(rec);
  const p = parseNaFrame(rec!.data);
  t.ok(p.ok);
  if (p.ok) {
    t.match(p.frame, { dstMac: '33:33:00:00:00:01', srcMac: '26:ed:ee:91:39:c3', src: 'fd00:77::100', dst: 'ff02::1', hopLimit: 255, target: 'fd00:77::100', targetMac: '26:ed:ee:91:39:c3', flags: NaFlag.Override });
    t.equal(p.frame.vlan, undefined);
  }
});

t.test('802.1Q tags', async (t) => {
  const arp = formatGratuitousArp({ senderMac: '02:00:00:00:00:01', ip: '10.0.0.1', vlan: 100 });
  t.equal(arp.length, 46);
  t.equal(arp.toString('hex', 12, 18), '810000640806');
  const p = parseArpFrame(arp);
  t.ok(p.ok);
  if (p.ok) t.match(p.frame, { vlan: 100, op: 1, senderIp: '10.0.0.1', targetIp: '10.0.0.1', targetMac: 'ff:ff:ff:ff:ff:ff', srcMac: '02:00:00:00:00:01', gratuitous: true });
  const na = formatUnsolicitedNa({ srcMac: '02:00:00:00:00:01', ip: 'fd00::1', vlan: 4095, router: true });
  t.equal(na.length, 90);
  const q = parseNaFrame(na);
  t.ok(q.ok);
  if (q.ok) t.match(q.frame, { vlan: 4095, flags: NaFlag.Router | NaFlag.Override, target: 'fd00::1' });
  t.throws(() => writeEthernetHeader(Buffer.alloc(20), '02:00:00:00:00:01', '02:00:00:00:00:02', 0x0800, 4096), FrameError);
  t.throws(() => formatUnsolicitedNaFrame({ mac: '02:00:00:00:00:01', target: 'fd00::1', vlan: -1 }), { code: 'EVRRPFRAME', message: /VLAN id is -1; should be 0..4095/ });
});

t.test('frame parsers reject what is not theirs', async (t) => {
  const arp = formatGratuitousArp({ senderMac: '02:00:00:00:00:01', ip: '10.0.0.1' });
  const rows: Array<[string, ReturnType<typeof parseArpFrame> | ReturnType<typeof parseNaFrame>, RegExp]> = [
    ['short', parseArpFrame(Buffer.alloc(10)), /frame length is 10; should be at least 14/],
    ['tag cut', parseArpFrame(Buffer.concat([arp.subarray(0, 12), Buffer.from('8100', 'hex')])), /inside its 802.1Q tag/],
    ['not ARP', parseArpFrame(formatUnsolicitedNa({ srcMac: '02:00:00:00:00:01', ip: 'fd00::1' })), /ethertype is 0x86dd; should be 0x0806/],
    ['ARP cut', parseArpFrame(arp.subarray(0, 30)), /ARP length is 16; should be at least 28/],
    ['NA: not IPv6', parseNaFrame(arp), /ethertype is 0x0806; should be 0x86dd/],
    ['NA: short', parseNaFrame(Buffer.alloc(4)), /should be at least 14/],
    ['NA: IPv6 cut', parseNaFrame(formatUnsolicitedNa({ srcMac: '02:00:00:00:00:01', ip: 'fd00::1' }).subarray(0, 40)), /IPv6 header is truncated/],
    ['NA: payload cut', parseNaFrame(formatUnsolicitedNa({ srcMac: '02:00:00:00:00:01', ip: 'fd00::1' }).subarray(0, 80)), /payload length is 32; only 26 bytes follow/],
  ];
  for (const [name, r, re] of rows) {
    t.equal(r.ok, false, name);
    if (!r.ok) t.match(r.detail, re, name);
  }
  const na = formatUnsolicitedNa({ srcMac: '02:00:00:00:00:01', ip: 'fd00::1' });
  const v4 = Buffer.from(na);
  v4[14] = 0x40;
  const r1 = parseNaFrame(v4);
  t.match(!r1.ok && r1.detail, /IP version is 4; should be 6/);
  const udp = Buffer.from(na);
  udp[20] = 17;
  const r2 = parseNaFrame(udp);
  t.match(!r2.ok && r2.detail, /next header is 17; should be 58/);
  const bad = Buffer.from(na);
  bad[bad.length - 1] ^= 1;
  const r3 = parseNaFrame(bad);
  t.match(!r3.ok && r3.detail, /checksum/);
});

t.test('router flag: forwarding sysctl, rechecked at most every 5 s', async (t) => {
  t.equal(readIpv6Forwarding('eth0', () => '1\n'), true);
  t.equal(readIpv6Forwarding('eth0', () => '0\n'), false);
  t.equal(
    readIpv6Forwarding('gone0', () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    }),
    false,
  );
  let now = 0;
  let fwd = false;
  const reads: string[] = [];
  const c = new RouterFlagCache(
    () => now,
    (n) => {
      reads.push(n);
      return fwd;
    },
  );
  const rows: Array<[number, boolean, boolean, number]> = [
    // [now, sysctl value, expected flag, reads so far]
    [0, false, false, 1],
    [1000, true, false, 1], // cached
    [ROUTER_FLAG_RECHECK_MS - 1, true, false, 1],
    [ROUTER_FLAG_RECHECK_MS, true, true, 2], // rechecked
    [ROUTER_FLAG_RECHECK_MS + 10, false, true, 2],
  ];
  for (const [at, value, want, n] of rows) {
    now = at;
    fwd = value;
    t.equal(c.router('eth0'), want, `t=${at}`);
    t.equal(reads.length, n, `reads at t=${at}`);
  }
  t.equal(c.router('eth1'), false, 'per interface');
  t.same(reads.slice(-1), ['eth1']);
});

class FakeSocket {
  sent: Array<{ frame: string; op: string }> = [];
  closed = false;
  constructor(readonly ifindex: number) {}
  send(frame: Buffer, op = ''): number {
    if (this.closed) throw Object.assign(new Error('closed'), { code: 'EBADF' });
    this.sent.push({ frame: frame.toString('hex'), op });
    return frame.length;
  }
  close(): void {
    this.closed = true;
  }
}

t.test('pool and announcer route ARP and NA to one socket per interface', async (t) => {
  const opened: FakeSocket[] = [];
  const pool = new PacketSocketPool((i) => {
    const s = new FakeSocket(i);
    opened.push(s);
    return s;
  });
  const ann = new LinkAnnouncer({ pool, routerFlag: new RouterFlagCache(() => 0, (n) => n === 'eth0') });
  const eth0 = { ifindex: 2, ifname: 'vrrp.61', mac: '00:00:5e:00:01:3d', baseIfname: 'eth0' };
  t.equal(ann.announce({ ...eth0, address: '10.0.0.100' }), 42);
  t.equal(ann.announce({ ...eth0, address: 'fd00::100' }), 86);
  t.equal(ann.announce({ ifindex: 3, ifname: 'eth1', mac: '02:00:00:00:00:03', address: 'fd00:1::100' }), 86);
  t.equal(opened.length, 2, 'one socket per ifindex');
  t.same(opened[0]!.sent.map((s) => s.frame), [
    formatGratuitousArp({ senderMac: '00:00:5e:00:01:3d', ip: '10.0.0.100' }).toString('hex'),
    formatUnsolicitedNa({ srcMac: '00:00:5e:00:01:3d', ip: 'fd00::100', router: true }).toString('hex'),
  ]);
  t.match(opened[0]!.sent[0]!.op, /gratuitous ARP for 10.0.0.100/);
  t.same(opened[1]!.sent.map((s) => s.frame), [formatUnsolicitedNa({ srcMac: '02:00:00:00:00:03', ip: 'fd00:1::100' }).toString('hex')], 'eth1 does not forward: no R flag');
  pool.drop(2);
  t.equal(opened[0]!.closed, true);
  sendGratuitousArp(pool, { ifindex: 2, ifname: 'vrrp.61', mac: '00:00:5e:00:01:3d', vlan: 7 }, '10.0.0.100');
  t.equal(opened.length, 3, 'reopened after drop');
  t.equal(opened[2]!.sent[0]!.frame.length, 46 * 2, 'tagged');
  ann.close();
  t.ok(opened.every((s) => s.closed), 'all closed');
});

t.test('GratuitousSender: pacer on a fake clock, errors reported, cancel and close', async (t) => {
  let now = 0;
  const timers: Array<{ fn: () => void; at: number; live: boolean }> = [];
  const clock = {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const h = { fn, at: now + ms, live: true };
      timers.push(h);
      return h;
    },
    clearTimer: (h: unknown) => {
      (h as { live: boolean }).live = false;
    },
  };
  const advance = (to: number): void => {
    for (;;) {
      const next = timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      now = next.at;
      next.live = false;
      next.fn();
    }
    now = to;
  };
  const sent: Array<[number, string]> = [];
  const errors: string[] = [];
  let closed = false;
  const announcer = {
    announce: (a: { address: string }) => {
      if (a.address === '10.0.0.9') throw Object.assign(new Error('sendto ENETDOWN'), { code: 'ENETDOWN' });
      sent.push([now, a.address]);
      return 42;
    },
    close: () => {
      closed = true;
    },
  };
  const s = new GratuitousSender(announcer, { garpIntervalMs: 300, gnaIntervalMs: 0 }, (e, a) => errors.push(`${a.address}: ${e.message}`), clock);
  const vip = (address: string, order: number) => ({ ifindex: 2, ifname: 'eth0', mac: '02:00:00:00:00:01', address, order });
  s.burst('V4', [vip('10.0.0.100', 0), vip('10.0.0.101', 1)], 3);
  s.burst('V6', [vip('fd00::100', 2), vip('fd00::101', 3)], 2);
  advance(1000);
  t.same(sent, [[0, '10.0.0.100'], [0, 'fd00::100'], [0, 'fd00::101'], [0, 'fd00::100'], [0, 'fd00::101'], [300, '10.0.0.100'], [600, '10.0.0.101']], 'keepalived order and spacing; NA interval 0');
  s.burst('V4', [vip('10.0.0.9', 0)], 1);
  t.same(errors, ['10.0.0.9: sendto ENETDOWN']);
  s.burst('V4', [vip('10.0.0.100', 0), vip('10.0.0.101', 1)], 1);
  t.equal(s.pending.length, 2, 'queued behind the failed send (it still used the interval)');
  s.cancel('V4');
  t.equal(s.pending.length, 0);
  advance(5000);
  t.equal(sent.length, 7, 'nothing after cancel');
  s.close();
  t.ok(closed);
});
