// Receive validation: each RFC 5798/3768 7.1 and keepalived vrrp_check_packet rejection, counted and described "is X; should be Y".

import t from 'tap';
import { AddressFamily } from '../../src/vrrp/addr';
import { passwordBytes } from '../../src/vrrp/auth';
import { V3Ipv4ChecksumMode } from '../../src/vrrp/checksum';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { RejectReason, VrrpCounters, ALL_REJECT_REASONS } from '../../src/vrrp/counters';
import { formatIpv4Header } from '../../src/vrrp/ip';
import { VrrpPacket, formatVrrp, parseVrrpIpv4Datagram } from '../../src/vrrp/packet';
import { InstanceCheckConfig, RxInfo, acceptAdvert, checkAdvert } from '../../src/vrrp/validate';

const SRC = '192.168.77.1';
const MC = '224.0.0.18';

const cfg2: InstanceCheckConfig = {
  version: VrrpVersion.V2,
  family: AddressFamily.Inet,
  vrid: 77,
  addresses: ['192.168.77.100', '192.168.77.101'],
  advertIntervalMs: 1000,
  authType: AuthType.Pass,
  authPass: 's3cret',
};
const cfg3: InstanceCheckConfig = { version: VrrpVersion.V3, family: AddressFamily.Inet, vrid: 77, addresses: ['192.168.77.100'], advertIntervalMs: 1000 };

const v2 = (over: Partial<Extract<VrrpPacket, { version: VrrpVersion.V2 }>> = {}): VrrpPacket => ({
  version: VrrpVersion.V2,
  vrid: 77,
  priority: 150,
  addresses: ['192.168.77.101', '192.168.77.100'],
  authType: AuthType.Pass,
  advertIntervalSec: 1,
  authData: passwordBytes('s3cret'),
  ...over,
});
const v3 = (over: Partial<Extract<VrrpPacket, { version: VrrpVersion.V3 }>> = {}): VrrpPacket => ({
  version: VrrpVersion.V3,
  vrid: 77,
  priority: 150,
  addresses: ['192.168.77.100'],
  maxAdvertIntervalCs: 100,
  ...over,
});
const rx = (over: Partial<RxInfo> = {}): RxInfo => ({ src: SRC, dst: MC, ttl: 255, ...over });

interface Case {
  name: string;
  cfg: InstanceCheckConfig;
  pkt: VrrpPacket;
  rx?: Partial<RxInfo>;
  reason?: RejectReason;
  detail?: RegExp;
}

const cases: Case[] = [
  { name: 'v2 advert with password, VIPs in another order', cfg: cfg2, pkt: v2() },
  { name: 'v3 advert', cfg: cfg3, pkt: v3() },
  { name: 'TTL 254 on multicast', cfg: cfg3, pkt: v3(), rx: { ttl: 254 }, reason: RejectReason.IpTtl, detail: /TTL is 254; should be 255/ },
  { name: 'TTL unknown is not checked', cfg: cfg3, pkt: v3(), rx: { ttl: undefined } },
  { name: 'TTL 64 on a unicast instance is fine (keepalived)', cfg: { ...cfg3, unicast: true }, pkt: v3(), rx: { ttl: 64, dst: '192.168.77.2' } },
  { name: 'version 2 on a v3 instance', cfg: cfg3, pkt: v2({ addresses: ['192.168.77.100'] }), reason: RejectReason.Version, detail: /version is 2; should be 3/ },
  { name: 'auth type none on a PASS instance', cfg: cfg2, pkt: v2({ authType: AuthType.None, authData: Buffer.alloc(8) }), reason: RejectReason.AuthTypeMismatch, detail: /auth type is 0 \(none\); should be 1 \(PASS\)/ },
  { name: 'wrong password', cfg: cfg2, pkt: v2({ authData: passwordBytes('guess') }), reason: RejectReason.AuthFailure, detail: /password is a different one; should be the configured auth_pass/ },
  { name: 'v2 interval 2 s vs 1 s', cfg: cfg2, pkt: v2({ advertIntervalSec: 2 }), reason: RejectReason.AdvertInterval, detail: /advert interval is 2 s; should be 1 s/ },
  { name: 'v3 interval differs: fine (learned)', cfg: cfg3, pkt: v3({ maxAdvertIntervalCs: 300 }) },
  { name: 'other VRID', cfg: cfg3, pkt: v3({ vrid: 78 }), reason: RejectReason.VridMismatch, detail: /VRID is 78; should be 77/ },
  { name: 'one VIP too many', cfg: cfg3, pkt: v3({ addresses: ['192.168.77.100', '192.168.77.102'] }), reason: RejectReason.AddressCount, detail: /address count is 2; should be 1/ },
  { name: 'different VIP', cfg: cfg3, pkt: v3({ addresses: ['192.168.77.102'] }), reason: RejectReason.AddressList, detail: /address list is \[192\.168\.77\.102\]; should contain 192\.168\.77\.100/ },
  { name: 'unicast advert on a multicast instance', cfg: cfg3, pkt: v3(), rx: { dst: '192.168.77.2' }, reason: RejectReason.DestinationType, detail: /is unicast; should be multicast/ },
  { name: 'multicast advert on a unicast instance', cfg: { ...cfg3, unicast: true }, pkt: v3(), reason: RejectReason.DestinationType, detail: /is multicast; should be unicast/ },
  {
    name: 'unicast source not a peer (check_unicast_src)',
    cfg: { ...cfg3, unicast: true, checkUnicastSrc: true, unicastPeers: [{ address: '192.168.77.3' }] },
    pkt: v3(),
    rx: { dst: '192.168.77.2' },
    reason: RejectReason.UnicastSource,
    detail: /unicast source is 192\.168\.77\.1; should be one of the unicast peers \[192\.168\.77\.3\]/,
  },
  {
    name: 'unicast peer TTL outside min_ttl/max_ttl',
    cfg: { ...cfg3, unicast: true, unicastPeers: [{ address: SRC, minTtl: 250, maxTtl: 255 }] },
    pkt: v3(),
    rx: { dst: '192.168.77.2', ttl: 64 },
    reason: RejectReason.IpTtl,
    detail: /TTL\/hop limit is 64; should be in 250\.\.255/,
  },
  { name: 'IPv6 source on an IPv4 instance', cfg: cfg3, pkt: v3(), rx: { src: 'fe80::1', dst: 'ff02::12' }, reason: RejectReason.Family, detail: /family is IPv6; should be IPv4/ },
  {
    name: 'IPv6 VIP spelled differently in the config',
    cfg: { version: VrrpVersion.V3, family: AddressFamily.Inet6, vrid: 77, addresses: ['FD00:0077:0::0100'], advertIntervalMs: 1000 },
    pkt: v3({ addresses: ['fd00:77::100'] }),
    rx: { src: 'fe80::24ed:eeff:fe91:39c3', dst: 'ff02::12' },
  },
];

for (const c of cases) {
  t.test(c.name, async (tt) => {
    const r = checkAdvert(c.pkt, rx(c.rx), c.cfg);
    if (!c.reason) {
      tt.same(r, { ok: true });
      return;
    }
    tt.equal(r.ok, false);
    if (!r.ok) {
      tt.equal(r.reason, c.reason);
      tt.match(r.detail, c.detail!);
      tt.match(r.detail, / is .*; should /, 'says "is X; should be Y"');
    }
    // through the whole receive path: exactly one counter moves
    const counters = new VrrpCounters();
    const family = c.cfg.family;
    const info = rx(c.rx);
    if (family === AddressFamily.Inet && info.src.includes('.')) {
      const bytes = formatVrrp(c.pkt, { family, src: info.src, dst: info.dst });
      const a = acceptAdvert(bytes, info, c.cfg, counters);
      tt.equal(a.ok, false);
      tt.equal(counters.rejected[c.reason], 1);
      tt.equal(counters.totalRejected(), 1);
      tt.equal(counters.advertRcvd, 0);
    }
  });
}

t.test('skip_check_adv_addr: the address checks can be skipped', async (tt) => {
  tt.same(checkAdvert(v3({ addresses: ['10.0.0.1', '10.0.0.2'] }), rx(), cfg3, { checkAddresses: false }), { ok: true });
});

t.test('acceptAdvert counts accepted adverts and priority 0', async (tt) => {
  const counters = new VrrpCounters();
  const pkt = formatVrrp(v3({ priority: 0 }), { family: AddressFamily.Inet, src: SRC, dst: MC });
  const a = acceptAdvert(pkt, rx(), cfg3, counters);
  tt.ok(a.ok);
  if (a.ok) {
    tt.equal(a.packet.priority, 0);
    tt.equal(a.src, SRC);
  }
  tt.equal(counters.advertRcvd, 1);
  tt.equal(counters.priZeroRcvd, 1);
  // decode-level rejections are counted too
  const bad = Buffer.from(pkt);
  bad[7] ^= 1;
  const r = acceptAdvert(bad, rx(), cfg3, counters);
  tt.equal(r.ok, false);
  if (!r.ok) tt.match(r.detail, /checksum is 0x[0-9a-f]{4}; should be 0x[0-9a-f]{4}/);
  tt.equal(counters.rejected[RejectReason.Checksum], 1);
  const view = counters.keepalivedView();
  tt.equal(view.chk_err, 1);
  tt.equal(view.advert_rcvd, 1);
  tt.equal(view.pri_zero_rcvd, 1);
  tt.same(Object.keys(counters.snapshot().rejected).sort(), [...ALL_REJECT_REASONS].sort());
});

t.test('old_unicast_checksum peers are accepted when asked (keepalived auto-compat)', async (tt) => {
  const counters = new VrrpCounters();
  const ucfg = { ...cfg3, unicast: true };
  const info = rx({ dst: '192.168.77.2' });
  const old = formatVrrp(v3(), { family: AddressFamily.Inet, src: SRC, dst: info.dst, v3Ipv4Checksum: V3Ipv4ChecksumMode.OldUnicast });
  tt.equal(acceptAdvert(old, info, ucfg, counters).ok, false);
  tt.equal(acceptAdvert(old, info, ucfg, counters, { acceptV3Ipv4Checksums: [V3Ipv4ChecksumMode.OldUnicast] }).ok, true);
});

t.test('raw IPv4 datagrams: IP header problems and the obsolete AH', async (tt) => {
  const body = formatVrrp(v3(), { family: AddressFamily.Inet, src: SRC, dst: MC });
  const ip = formatIpv4Header({ src: SRC, dst: MC, id: 1 }, body.length);
  const good = Buffer.concat([ip, body]);
  const ok = parseVrrpIpv4Datagram(good);
  tt.ok(ok.ok);
  if (ok.ok) {
    tt.equal(ok.ip.ttl, 255);
    tt.equal(ok.ip.tos, 0xc0);
    tt.equal(ok.ip.src, SRC);
  }
  const trailing = parseVrrpIpv4Datagram(Buffer.concat([good, Buffer.alloc(4)]));
  tt.ok(trailing.ok, 'bytes after tot_len (link padding) are ignored');
  const shortTot = Buffer.from(good);
  shortTot.writeUInt16BE(good.length - 4, 2);
  const st = parseVrrpIpv4Datagram(shortTot);
  tt.equal(st.ok, false);
  if (!st.ok) tt.equal(st.reason, RejectReason.PacketLength);
  const ah = Buffer.from(good);
  ah[9] = 51;
  const a = parseVrrpIpv4Datagram(ah);
  tt.equal(a.ok, false);
  if (!a.ok) tt.equal(a.reason, RejectReason.AuthAhObsolete);
  const udp = Buffer.from(good);
  udp[9] = 17;
  const u = parseVrrpIpv4Datagram(udp);
  if (!u.ok) tt.match(u.detail, /IP protocol is 17; should be 112/);
  const trunc = parseVrrpIpv4Datagram(good.subarray(0, 10));
  tt.equal(trunc.ok, false);
  if (!trunc.ok) tt.equal(trunc.reason, RejectReason.IpHeader);
  const frag = Buffer.from(good);
  frag.writeUInt16BE(0x2000, 6);
  const f = parseVrrpIpv4Datagram(frag);
  if (!f.ok) tt.equal(f.reason, RejectReason.IpHeader);
  else tt.fail('fragment accepted');
});
