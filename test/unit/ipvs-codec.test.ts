// IPVS codec: fast-check round trips of generic messages and of the typed model (services, destinations,
// daemons, timeouts; IPv4/IPv6, fwmark, flags, tunnels), plus byte layout checks against ip_vs.h.
import t from 'tap';
import fc from 'fast-check';
import {
  IpvsMessage,
  format,
  parse,
  req,
  decodeServiceEntry,
  encodeServiceEntry,
  decodeDestEntry,
  encodeDestEntry,
  decodeDaemonEntry,
  encodeDaemonEntry,
  decodeTimeouts,
  decodeInfo,
  serviceAttrs,
  netmaskToWire,
  netmaskFromWire,
  formatAttrs,
  formatAttrsWithHeadroom,
} from '../../src/ipvs/codec';
import { AddressFamily, IpvsCmd, ForwardMethod, TunnelType, SyncState, ServiceFlag } from '../../src/ipvs/constants';
import { ServiceEntry, DestinationEntry, DaemonEntry, Stats, Stats64 } from '../../src/ipvs/types';
import { canonicalAddress, formatIPv6, addressBytes } from '../../src/ipvs/address';
import { NlParseError } from '../../src/netlink/message';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const name = (max: number) => fc.stringMatching(new RegExp(`^[a-z0-9_-]{0,${max}}$`));
const ipv4 = fc.ipV4().map(canonicalAddress);
const ipv6 = fc.ipV6().map(canonicalAddress);
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));

const statKeys = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
const stats32Attrs = fc.record(Object.fromEntries(statKeys.map((k) => [k, k.endsWith('bytes') ? u64 : u32])) as Record<(typeof statKeys)[number], fc.Arbitrary<bigint | number>>, { requiredKeys: [] });
const stats64Attrs = fc.record(Object.fromEntries(statKeys.map((k) => [k, u64])) as Record<(typeof statKeys)[number], fc.Arbitrary<bigint>>, { requiredKeys: [] });

const svcAttrs = fc.record(
  {
    af: u16,
    protocol: u16,
    addr: fc.oneof(bytes(16), bytes(4)),
    port: u16,
    fwmark: u32,
    schedName: name(15),
    flags: fc.record({ flags: u32, mask: u32 }),
    timeout: u32,
    netmask: u32,
    stats: stats32Attrs,
    peName: name(16),
    stats64: stats64Attrs,
  },
  { requiredKeys: [] },
);
const destAttrs = fc.record(
  {
    addr: bytes(16),
    port: u16,
    fwdMethod: u32,
    weight: u32,
    uThresh: u32,
    lThresh: u32,
    activeConns: u32,
    inactConns: u32,
    persistConns: u32,
    stats: stats32Attrs,
    addrFamily: u16,
    stats64: stats64Attrs,
    tunType: u8,
    tunPort: u16,
    tunFlags: u16,
  },
  { requiredKeys: [] },
);
const daemonAttrs = fc.record(
  { state: u32, mcastIfn: name(15), syncId: u32, syncMaxLen: u16, mcastGroup: bytes(4), mcastGroup6: bytes(16), mcastPort: u16, mcastTtl: u8 },
  { requiredKeys: [] },
);
const cmds = Object.values(IpvsCmd).filter((v): v is IpvsCmd => typeof v === 'number' && v !== IpvsCmd.SET_INFO);
const message: fc.Arbitrary<IpvsMessage> = fc.oneof(
  fc.record(
    { cmd: fc.constantFrom(...cmds), service: svcAttrs, dest: destAttrs, daemon: daemonAttrs, timeoutTcp: u32, timeoutTcpFin: u32, timeoutUdp: u32 },
    { requiredKeys: ['cmd'] },
  ),
  fc.record({ cmd: fc.constant(IpvsCmd.SET_INFO), info: fc.record({ version: u32, connTabSize: u32 }, { requiredKeys: [] }) }),
);

/** Numbers that went out as u64 come back as bigints: compare by value. */
function norm(x: unknown): unknown {
  if (typeof x === 'bigint') return `n${x}`;
  if (typeof x === 'number') return `n${x}`;
  if (Buffer.isBuffer(x)) return x.toString('hex');
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]));
  return x;
}

t.test('generic messages: parse(format(m)) = m', async (t) => {
  fc.assert(
    fc.property(message, (m) => {
      t.same(norm(parse(format(m))), norm(m));
    }),
    { numRuns: 500 },
  );
  t.pass('500 random messages');
});

t.test('formatting with headroom gives the same attributes', async (t) => {
  fc.assert(
    fc.property(message, fc.integer({ min: 0, max: 64 }), (m, h) => {
      t.ok(formatAttrsWithHeadroom(m, h).subarray(h).equals(formatAttrs(m)));
    }),
    { numRuns: 100 },
  );
});

const stats: fc.Arbitrary<Stats> = fc.record({
  conns: u32, inpkts: u32, outpkts: u32, inbytes: u64, outbytes: u64, cps: u32, inpps: u32, outpps: u32, inbps: u32, outbps: u32,
});
const stats64: fc.Arbitrary<Stats64> = fc.record(Object.fromEntries(statKeys.map((k) => [k, u64])) as Record<(typeof statKeys)[number], fc.Arbitrary<bigint>>) as fc.Arbitrary<Stats64>;
const serviceFlags = fc.subarray([ServiceFlag.PERSISTENT, ServiceFlag.ONEPACKET, ServiceFlag.SCHED1, ServiceFlag.SCHED2, ServiceFlag.SCHED3]).map((a) => a.reduce((x, y) => x | y, 0));

const serviceEntry: fc.Arbitrary<ServiceEntry> = fc
  .tuple(
    fc.constantFrom(AddressFamily.INET, AddressFamily.INET6),
    fc.boolean(),
    fc.integer({ min: 1, max: 0xffffffff }),
    fc.constantFrom(6, 17, 132),
    ipv4,
    ipv6,
    u16,
    fc.constantFrom('rr', 'wrr', 'lc', 'wlc', 'sh', 'mh', 'none', 'twos'),
    serviceFlags,
    u32,
    fc.option(fc.constant('sip'), { nil: undefined }),
    stats,
    stats64,
    u32,
    fc.integer({ min: 1, max: 128 }),
  )
  .map(([family, fw, fwmark, protocol, a4, a6, port, scheduler, flags, timeout, pe, st, st64, mask4, plen]) => ({
    key: fw ? { family, fwmark } : { family, protocol, address: family === AddressFamily.INET ? a4 : a6, port },
    config: { scheduler, flags, timeout, netmask: family === AddressFamily.INET ? mask4 : plen, ...(pe ? { persistenceEngine: pe } : {}) },
    stats: st,
    stats64: st64,
  }));

const destEntry = (svcFamily: AddressFamily): fc.Arbitrary<DestinationEntry> =>
  fc
    .tuple(fc.oneof(ipv4, ipv6), u16, fc.constantFrom(ForwardMethod.MASQ, ForwardMethod.LOCALNODE, ForwardMethod.TUNNEL, ForwardMethod.DROUTE), fc.integer({ min: 0, max: 0x7fffffff }), u32, u32, fc.constantFrom(TunnelType.IPIP, TunnelType.GUE, TunnelType.GRE), u16, fc.integer({ min: 0, max: 3 }), u32, u32, u32, stats, stats64)
    .map(([address, port, forward, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelFlags, a, i, p, st, st64]) => ({
      key: { address, port },
      config: { forward, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelFlags },
      activeConns: a,
      inactiveConns: i,
      persistentConns: p,
      stats: st,
      stats64: st64,
    }));

t.test('service entries survive encode -> bytes -> decode', async (t) => {
  fc.assert(
    fc.property(serviceEntry, (e) => {
      const m = parse(format({ cmd: IpvsCmd.NEW_SERVICE, service: encodeServiceEntry(e) }));
      t.same(decodeServiceEntry(m.service!), e);
      t.ok(((m.service!.flags!.flags) & ServiceFlag.HASHED) !== 0, 'the kernel reports HASHED');
    }),
    { numRuns: 300 },
  );
});

t.test('destination entries (mixed families, tunnels) survive encode -> bytes -> decode', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(AddressFamily.INET, AddressFamily.INET6).chain((f) => fc.tuple(fc.constant(f), destEntry(f))), ([f, e]) => {
      const m = parse(format({ cmd: IpvsCmd.NEW_DEST, dest: encodeDestEntry(e) }));
      t.same(decodeDestEntry(m.dest!, f), e);
    }),
    { numRuns: 300 },
  );
});

t.test('daemon entries survive encode -> bytes -> decode', async (t) => {
  const daemon: fc.Arbitrary<DaemonEntry> = fc.record({
    state: fc.constantFrom(SyncState.MASTER, SyncState.BACKUP) as fc.Arbitrary<SyncState.MASTER | SyncState.BACKUP>,
    mcastInterface: name(15),
    syncId: u32,
    syncMaxLen: u16,
    mcastGroup: fc.oneof(ipv4, ipv6),
    mcastPort: u16,
    mcastTtl: u8,
  });
  fc.assert(
    fc.property(daemon, (d) => {
      t.same(decodeDaemonEntry(parse(format({ cmd: IpvsCmd.NEW_DAEMON, daemon: encodeDaemonEntry(d) })).daemon!), d);
    }),
    { numRuns: 200 },
  );
});

t.test('requests: the typed builders put what ipvsadm puts', async (t) => {
  const k = { family: AddressFamily.INET as const, protocol: 6, address: '192.0.2.1', port: 80 };
  const m = parse(format(req.newService(k, { scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 300, netmask: 0xffffff00 })));
  t.equal(m.cmd, IpvsCmd.NEW_SERVICE);
  t.same(m.service!.addr!.toString('hex'), 'c0000201' + '00'.repeat(12), 'ADDR is the 16-byte union nf_inet_addr');
  t.same(m.service!.flags, { flags: 1, mask: 0xffffffff }, 'flags with a full mask');
  t.equal(m.service!.netmask, 0xffffff00);
  const raw = format(req.newService(k, { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffff00 }));
  // genl header, then SERVICE nest: AF(u16=2) first, PROTOCOL(u16=6), ADDR(16), PORT(be16 80)
  t.equal(raw.subarray(0, 4).toString('hex'), '01010000', 'genl cmd NEW_SERVICE, version 1');
  t.equal(raw.subarray(8, 16).toString('hex'), '0600010002000000', 'AF attribute: len 6, type 1, value 2');
  t.ok(raw.includes(Buffer.from('06000400' + '0050' + '0000', 'hex')), 'PORT is big-endian');
  t.ok(raw.includes(Buffer.from('08000900ffffff00', 'hex')), 'IPv4 NETMASK is the mask in network order');
  const k6 = { family: AddressFamily.INET6 as const, protocol: 17, address: '2001:db8::1', port: 53 };
  const raw6 = format(req.newService(k6, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 64 }));
  t.ok(raw6.includes(Buffer.from('0800090040000000', 'hex')), 'IPv6 NETMASK is the prefix length in host order (ipvsadm NLA_PUT_U32)');
  t.equal(netmaskFromWire(AddressFamily.INET6, netmaskToWire(AddressFamily.INET6, 64)), 64);
  const d = parse(format(req.newDest(k, { address: '2001:db8::2', port: 8080 }, { forward: ForwardMethod.TUNNEL, weight: 5, upperThreshold: 0, lowerThreshold: 0, tunnelType: TunnelType.GUE, tunnelPort: 6080, tunnelFlags: 1 })));
  t.same(
    { af: d.dest!.addrFamily, port: d.dest!.port, fwd: d.dest!.fwdMethod, tt: d.dest!.tunType, tp: d.dest!.tunPort, tf: d.dest!.tunFlags },
    { af: AddressFamily.INET6, port: 8080, fwd: 2, tt: 1, tp: 6080, tf: 1 },
  );
  t.same(decodeTimeouts(parse(format(req.setConfig({ tcp: 900, tcpFin: 120, udp: 300 })))), { tcp: 900, tcpFin: 120, udp: 300 });
  t.same(parse(format(req.setConfig({ udp: 5 }))), { cmd: IpvsCmd.SET_CONFIG, timeoutUdp: 5 });
  t.same(parse(format(req.zero())), { cmd: IpvsCmd.ZERO });
  t.same(parse(format(req.flush())), { cmd: IpvsCmd.FLUSH });
  t.same(parse(format(req.delDaemon(SyncState.BACKUP))), { cmd: IpvsCmd.DEL_DAEMON, daemon: { state: 2, mcastIfn: '', syncId: 0 } });
  t.same(serviceAttrs({ family: AddressFamily.INET, fwmark: 7 }, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }).fwmark, 7);
});

t.test('GET_INFO reply: version text', async (t) => {
  t.same(decodeInfo(parse(format({ cmd: IpvsCmd.SET_INFO, info: { version: 0x010201, connTabSize: 4096 } }))), { version: '1.2.1', versionCode: 0x010201, connTableSize: 4096 });
});

t.test('malformed input: truncated attributes are errors, short attributes are refused', async (t) => {
  const good = format(req.newService({ family: AddressFamily.INET, protocol: 6, address: '10.0.0.1', port: 80 }, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }));
  t.throws(() => parse(good.subarray(0, good.length - 3)), NlParseError);
  // an AF attribute of 1 byte
  const bad = Buffer.from('01010000' + '0c000100' + '05000100' + '02000000', 'hex');
  t.throws(() => parse(bad), NlParseError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
      try {
        parse(Buffer.from(a));
      } catch (e) {
        if (!(e instanceof NlParseError)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
});

t.test('addresses: canonical text', async (t) => {
  t.equal(canonicalAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  t.equal(canonicalAddress('::ffff:10.0.0.1'), '::ffff:10.0.0.1');
  t.equal(canonicalAddress('2001:db8:0:1:0:0:1:1'), '2001:db8:0:1::1:1');
  t.equal(canonicalAddress('::'), '::');
  t.equal(canonicalAddress('fe80::1:0:0:0'), 'fe80::1:0:0:0', 'equal runs: the first is compressed');
  t.equal(canonicalAddress('fe80:0:0:1:0:0:0:0'), 'fe80:0:0:1::', 'the longest run is compressed');
  fc.assert(
    fc.property(fc.ipV6(), (a) => {
      const c = canonicalAddress(a);
      t.ok(addressBytes(c).equals(addressBytes(a)));
      t.equal(formatIPv6(addressBytes(c)), c);
    }),
    { numRuns: 300 },
  );
});
