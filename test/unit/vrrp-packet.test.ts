// VRRP codec properties (fast-check round trips, checksum error detection) and a 100,000-buffer fuzz of parseVrrp.

import t from 'tap';
import fc from 'fast-check';
import { AddressFamily, addressToString, canonicalAddress, compareAddresses, ipv6ToString, addressToBytes } from '../../src/vrrp/addr';
import { V3Ipv4ChecksumMode } from '../../src/vrrp/checksum';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { ALL_REJECT_REASONS, RejectReason, VrrpCounters } from '../../src/vrrp/counters';
import { formatIpv4Header } from '../../src/vrrp/ip';
import { CodecContext, VrrpFormatError, VrrpPacket, formatVrrp, parseVrrp, parseVrrpIpv4Datagram } from '../../src/vrrp/packet';

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const ip4 = bytesOf(4).map((b) => addressToString(b, 0, AddressFamily.Inet));
const ip6 = bytesOf(16).map((b) => addressToString(b, 0, AddressFamily.Inet6));
const modeArb = fc.constantFrom(V3Ipv4ChecksumMode.PseudoHeader, V3Ipv4ChecksumMode.OldUnicast, V3Ipv4ChecksumMode.NoPseudoHeader);

const ctxArb = (family: AddressFamily) =>
  fc.record({
    family: fc.constant(family),
    src: family === AddressFamily.Inet ? ip4 : ip6,
    dst: family === AddressFamily.Inet ? ip4 : ip6,
    v3Ipv4Checksum: modeArb,
  });

const packetArb = (family: AddressFamily): fc.Arbitrary<VrrpPacket> => {
  const addrs = fc.array(family === AddressFamily.Inet ? ip4 : ip6, { maxLength: family === AddressFamily.Inet ? 20 : 8 });
  const common = { vrid: fc.integer({ min: 0, max: 255 }), priority: fc.integer({ min: 0, max: 255 }), addresses: addrs };
  const v2 = fc.record({
    version: fc.constant(VrrpVersion.V2 as const),
    ...common,
    authType: fc.constantFrom(AuthType.None, AuthType.Pass),
    advertIntervalSec: fc.integer({ min: 0, max: 255 }),
    authData: family === AddressFamily.Inet ? bytesOf(8).map((b) => Buffer.from(b)) : fc.constant(Buffer.alloc(0)),
  });
  const v3 = fc.record({
    version: fc.constant(VrrpVersion.V3 as const),
    ...common,
    maxAdvertIntervalCs: fc.integer({ min: 0, max: 4095 }),
    reserved: fc.integer({ min: 0, max: 15 }),
  });
  return fc.oneof(v2, v3);
};

const caseArb = fc.constantFrom(AddressFamily.Inet, AddressFamily.Inet6).chain((family) => fc.tuple(packetArb(family), ctxArb(family)));

t.test('parseVrrp(formatVrrp(p)) == p for v2/v3 over IPv4/IPv6', async (tt) => {
  fc.assert(
    fc.property(caseArb, ([p, ctx]) => {
      const bytes = formatVrrp(p, ctx);
      const r = parseVrrp(bytes, ctx);
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      const { checksum, ...rest } = r.packet;
      if (checksum !== bytes.readUInt16BE(6)) throw new Error('checksum field');
      tt.same(rest, p);
      if (p.version === VrrpVersion.V3 && ctx.family === AddressFamily.Inet && r.checksumMode !== ctx.v3Ipv4Checksum) {
        // OldUnicast equals PseudoHeader when dst is 224.0.0.18; any first match is then right
        if (ctx.dst !== '224.0.0.18') throw new Error(`mode ${r.checksumMode} vs ${ctx.v3Ipv4Checksum}`);
      }
    }),
    { numRuns: 2000 },
  );
});

t.test('formatVrrp(parseVrrp(b)) == b for every buffer that decodes', async (tt) => {
  let decoded = 0;
  fc.assert(
    fc.property(caseArb, fc.array(fc.tuple(fc.nat(200), fc.nat(255)), { maxLength: 3 }), ([p, ctx], edits) => {
      const bytes = formatVrrp(p, ctx);
      for (const [pos, val] of edits) if (bytes.length) bytes[pos % bytes.length] = val;
      const r = parseVrrp(bytes, { ...ctx, skipChecksum: true });
      if (!r.ok) return;
      decoded++;
      // with the checksum recomputed the same way, only the checksum field may differ
      const again = formatVrrp(r.packet, ctx);
      again.writeUInt16BE(bytes.readUInt16BE(6), 6);
      if (!again.equals(bytes)) throw new Error(`${bytes.toString('hex')} -> ${again.toString('hex')}`);
    }),
    { numRuns: 2000 },
  );
  tt.ok(decoded > 500, `${decoded} decoded`);
});

t.test('any single-bit error in a valid advert is rejected', async (tt) => {
  fc.assert(
    fc.property(caseArb, fc.nat(), ([p, ctx], bit) => {
      const bytes = formatVrrp(p, ctx);
      const i = bit % (bytes.length * 8);
      bytes[i >> 3] ^= 1 << (i & 7);
      const r = parseVrrp(bytes, ctx);
      if (r.ok) throw new Error(`bit ${i} flip accepted: ${bytes.toString('hex')}`);
      if (!ALL_REJECT_REASONS.includes(r.reason)) throw new Error(r.reason);
    }),
    { numRuns: 3000 },
  );
  tt.pass('checked');
});

t.test('addresses: RFC 5952 text, ordering', async (tt) => {
  fc.assert(
    fc.property(bytesOf(16), (b) => {
      const s = ipv6ToString(b);
      if (!addressToBytes(s).equals(Buffer.from(b))) throw new Error(s);
      if (canonicalAddress(s) !== s) throw new Error(s);
    }),
    { numRuns: 2000 },
  );
  tt.equal(ipv6ToString(Buffer.from('fe800000000000000000000000770100', 'hex')), 'fe80::77:100');
  tt.equal(ipv6ToString(Buffer.from('20010db8000000010000000000000001', 'hex')), '2001:db8:0:1::1', 'longest run compressed');
  tt.equal(ipv6ToString(Buffer.from('20010db8000000000001000000000001', 'hex')), '2001:db8::1:0:0:1', 'first of equal runs');
  tt.equal(ipv6ToString(Buffer.from('20010db8000100010001000100010001', 'hex')), '2001:db8:1:1:1:1:1:1');
  tt.equal(ipv6ToString(Buffer.from('20010db8000000010001000100010001', 'hex')), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
  tt.equal(ipv6ToString(Buffer.from('00000000000000000000ffffc0a84d01', 'hex')), '::ffff:192.168.77.1');
  tt.equal(canonicalAddress('FE80::0:1%eth0'), 'fe80::1');
  tt.ok(compareAddresses('192.168.77.3', '192.168.77.20') < 0, 'numeric, not textual');
  tt.ok(compareAddresses('fe80::10', 'fe80::9') > 0);
  tt.throws(() => addressToBytes('300.1.1.1'), { code: 'EVRRPADDR' });
});

t.test('formatVrrp refuses out-of-range fields with "is X; should be Y"', async (tt) => {
  const ctx: CodecContext = { family: AddressFamily.Inet, src: '10.0.0.1', dst: '224.0.0.18' };
  const p: VrrpPacket = { version: VrrpVersion.V3, vrid: 1, priority: 100, addresses: ['10.0.0.100'], maxAdvertIntervalCs: 100 };
  tt.throws(() => formatVrrp({ ...p, priority: 256 }, ctx), /priority is 256; should be an integer in 0\.\.255/);
  tt.throws(() => formatVrrp({ ...p, maxAdvertIntervalCs: 4096 }, ctx), VrrpFormatError);
  tt.throws(() => formatVrrp({ ...p, addresses: ['fd00::1'] }, ctx), /should be an IPv4 address/);
  tt.throws(() => formatVrrp({ ...p, addresses: Array(256).fill('10.0.0.1') }, ctx), /address count is 256/);
  tt.throws(
    () => formatVrrp({ version: VrrpVersion.V2, vrid: 1, priority: 1, addresses: [], authType: 0, advertIntervalSec: 1, authData: Buffer.alloc(3) }, ctx),
    /authData length is 3; should be 8/,
  );
});

t.test('decode-level rejections', async (tt) => {
  const ctx: CodecContext = { family: AddressFamily.Inet, src: '10.0.0.1', dst: '224.0.0.18' };
  const v2 = formatVrrp({ version: VrrpVersion.V2, vrid: 1, priority: 100, addresses: ['10.0.0.100'], authType: 0, advertIntervalSec: 1, authData: Buffer.alloc(8) }, ctx);
  const expectReject = (b: Buffer, reason: RejectReason, re: RegExp, c = ctx) => {
    const r = parseVrrp(b, c);
    tt.equal(r.ok, false);
    if (!r.ok) {
      tt.equal(r.reason, reason);
      tt.match(r.detail, re);
    }
  };
  expectReject(v2.subarray(0, 5), RejectReason.PacketLength, /length is 5; should be at least 8/);
  expectReject(v2.subarray(0, 19), RejectReason.PacketLength, /length is 19; should be 20 for version 2 with 1 IPv4/);
  expectReject(Buffer.concat([v2, Buffer.alloc(1)]), RejectReason.PacketLength, /length is 21; should be 20/);
  const rewrite = (f: (b: Buffer) => void, fixSum = true): Buffer => {
    const b = Buffer.from(v2);
    f(b);
    if (fixSum) {
      b.writeUInt16BE(0, 6);
      // recompute as v2 (no pseudo-header)
      let s = 0;
      for (let i = 0; i < b.length; i += 2) s += b.readUInt16BE(i);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      b.writeUInt16BE(~s & 0xffff, 6);
    }
    return b;
  };
  expectReject(rewrite((b) => (b[0] = 0x41)), RejectReason.Version, /version is 4; should be 2 or 3/);
  expectReject(rewrite((b) => (b[0] = 0x22)), RejectReason.InvalidType, /type is 2; should be 1 \(ADVERTISEMENT\)/);
  expectReject(rewrite((b) => (b[4] = 2)), RejectReason.AuthAhObsolete, /auth type is 2 \(IPsec AH, removed by RFC 3768\); should be 0 \(none\) or 1 \(PASS\)/);
  expectReject(rewrite((b) => (b[4] = 7)), RejectReason.InvalidAuthType, /auth type is 7; should be 0 \(none\) or 1 \(PASS\)/);
  expectReject(rewrite((b) => (b[2] = 99), false), RejectReason.Checksum, /checksum is 0x[0-9a-f]{4}; should be 0x[0-9a-f]{4}/);
  // a bad context address is reported, not thrown
  const v3 = formatVrrp({ version: VrrpVersion.V3, vrid: 1, priority: 100, addresses: ['10.0.0.100'], maxAdvertIntervalCs: 100 }, ctx);
  expectReject(v3, RejectReason.Checksum, /cannot be verified/, { ...ctx, src: 'bogus' });
});

/** xorshift32: the fuzz is repeatable */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

t.test('fuzz: 100,000 random and mutated buffers; no exception, every result ok or a counted reason', async (tt) => {
  const next = rng(0x5eed1234);
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const seeds: Array<{ bytes: Buffer; ctx: CodecContext }> = [];
  const s4 = { family: AddressFamily.Inet, src: '192.168.77.1', dst: '224.0.0.18' } as const;
  const s6 = { family: AddressFamily.Inet6, src: 'fe80::24ed:eeff:fe91:39c3', dst: 'ff02::12' } as const;
  seeds.push({ bytes: formatVrrp({ version: 3, vrid: 77, priority: 150, addresses: ['192.168.77.100'], maxAdvertIntervalCs: 100 }, s4), ctx: s4 });
  seeds.push({ bytes: formatVrrp({ version: 2, vrid: 77, priority: 150, addresses: ['192.168.77.100', '192.168.77.101'], authType: 1, advertIntervalSec: 1, authData: Buffer.from('s3cret\0\0') }, s4), ctx: s4 });
  seeds.push({ bytes: formatVrrp({ version: 3, vrid: 77, priority: 0, addresses: ['fe80::77:100', 'fd00:77::100'], maxAdvertIntervalCs: 100 }, s6), ctx: s6 });
  seeds.push({ bytes: formatVrrp({ version: 2, vrid: 77, priority: 100, addresses: ['fd00:77::100'], authType: 0, advertIntervalSec: 1, authData: Buffer.alloc(0) }, s6), ctx: s6 });
  const counters = new VrrpCounters();
  let ok = 0;
  let rejected = 0;
  const N = 100_000;
  for (let i = 0; i < N; i++) {
    const seed = pick(seeds);
    let buf: Buffer;
    const kind = next() % 4;
    if (kind === 0) {
      buf = Buffer.alloc(next() % 80);
      for (let j = 0; j < buf.length; j++) buf[j] = next() & 0xff;
    } else if (kind === 1) {
      buf = Buffer.from(seed.bytes);
      const flips = 1 + (next() % 4);
      for (let j = 0; j < flips; j++) buf[next() % buf.length] ^= 1 << (next() % 8);
    } else if (kind === 2) {
      const cut = next() % (seed.bytes.length + 8);
      buf = cut <= seed.bytes.length ? Buffer.from(seed.bytes.subarray(0, cut)) : Buffer.concat([seed.bytes, Buffer.alloc(cut - seed.bytes.length, next() & 0xff)]);
    } else {
      buf = Buffer.from(seed.bytes);
      buf[next() % buf.length] = next() & 0xff;
      buf[3] = next() % 4; // address count: the length check
    }
    const ctx: CodecContext = {
      ...seed.ctx,
      ...(next() % 3 === 0 ? { v3Ipv4Checksum: pick([V3Ipv4ChecksumMode.PseudoHeader, V3Ipv4ChecksumMode.OldUnicast, V3Ipv4ChecksumMode.NoPseudoHeader]) } : {}),
      ...(next() % 5 === 0 ? { skipChecksum: true } : {}),
      ...(next() % 4 === 0 ? { acceptV3Ipv4Checksums: [V3Ipv4ChecksumMode.NoPseudoHeader] } : {}),
    };
    let r;
    try {
      r = parseVrrp(buf, ctx);
    } catch (e) {
      tt.fail(`parseVrrp threw on ${buf.toString('hex')}: ${(e as Error).stack}`);
      return;
    }
    if (r.ok) {
      ok++;
      // whatever decodes also encodes
      formatVrrp(r.packet, ctx);
    } else {
      if (!ALL_REJECT_REASONS.includes(r.reason) || typeof r.detail !== 'string' || !/ is .*; should /.test(r.detail)) {
        tt.fail(`bad rejection ${JSON.stringify(r)}`);
        return;
      }
      counters.reject(r.reason);
      rejected++;
    }
    // raw IPv4 datagrams too, with random headers around the same bytes
    if (seed.ctx.family === AddressFamily.Inet && i % 4 === 0) {
      const ipHdr = formatIpv4Header({ src: seed.ctx.src, dst: seed.ctx.dst, ttl: next() & 0xff }, buf.length);
      if (next() % 2) ipHdr[next() % 20] = next() & 0xff;
      let d;
      try {
        d = parseVrrpIpv4Datagram(Buffer.concat([ipHdr, buf]).subarray(0, next() % 2 ? undefined : next() % (20 + buf.length + 1)));
      } catch (e) {
        tt.fail(`parseVrrpIpv4Datagram threw: ${(e as Error).stack}`);
        return;
      }
      if (!d.ok && !ALL_REJECT_REASONS.includes(d.reason)) tt.fail(`bad datagram rejection ${d.reason}`);
    }
  }
  tt.equal(ok + rejected, N);
  tt.equal(counters.totalRejected(), rejected, 'every rejection counted under a named reason');
  tt.ok(ok > 1000, `${ok} decoded`);
  for (const reason of [RejectReason.PacketLength, RejectReason.Checksum, RejectReason.Version, RejectReason.InvalidType, RejectReason.InvalidAuthType, RejectReason.AuthAhObsolete]) {
    tt.ok(counters.rejected[reason] > 0, `${reason}: ${counters.rejected[reason]}`);
  }
});
