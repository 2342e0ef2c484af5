// The in-place dump decoders (src/ipvs/dump-decoder.ts) against the generic path (parseAttrsAt + decodeServiceEntry /
// decodeDestEntry): the same entries for random replies as the kernel fills them, the same entries or the same error
// for corrupted ones, and lazy stats as own enumerable properties.
import t from 'tap';
import fc from 'fast-check';
import { decodeDestReply, decodeServiceReply } from '../../src/ipvs/dump-decoder';
import { decodeDestEntry, decodeServiceEntry, encodeDestEntry, encodeServiceEntry, format, parseAttrsAt } from '../../src/ipvs/codec';
import { AddressFamily, ForwardMethod, IpvsCmd } from '../../src/ipvs/constants';
import { DestinationEntry, ServiceEntry } from '../../src/ipvs/types';
import { canonicalAddress } from '../../src/ipvs/address';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const ipv4 = fc.ipV4().map(canonicalAddress);
const ipv6 = fc.ipV6().map(canonicalAddress);
const stats = fc.record({ conns: u32, inpkts: u32, outpkts: u32, inbytes: u64, outbytes: u64, cps: u32, inpps: u32, outpps: u32, inbps: u32, outbps: u32 });
const stats64 = fc.record({ conns: u64, inpkts: u64, outpkts: u64, inbytes: u64, outbytes: u64, cps: u64, inpps: u64, outpps: u64, inbps: u64, outbps: u64 });

const serviceEntry: fc.Arbitrary<ServiceEntry> = fc
  .tuple(fc.constantFrom(AddressFamily.INET, AddressFamily.INET6), fc.boolean(), fc.integer({ min: 1, max: 0xffffffff }), fc.constantFrom(6, 17, 132), ipv4, ipv6, u16, fc.constantFrom('rr', 'wrr', 'wlc', 'sh', ''), fc.integer({ min: 0, max: 0x3d }), u32, fc.constantFrom(undefined, 'sip'), stats, stats64, u32, fc.integer({ min: 1, max: 128 }))
  .map(([family, fw, fwmark, protocol, a4, a6, port, scheduler, flags, timeout, pe, st, st64, mask4, plen]) => ({
    key: fw ? { family, fwmark } : { family, protocol, address: family === AddressFamily.INET ? a4 : a6, port },
    config: { scheduler, flags: flags & ~2, timeout, netmask: family === AddressFamily.INET ? mask4 : plen, ...(pe ? { persistenceEngine: pe } : {}) },
    stats: st,
    stats64: st64,
  }));
const destEntry: fc.Arbitrary<DestinationEntry> = fc
  .tuple(fc.oneof(ipv4, ipv6), u16, fc.constantFrom(ForwardMethod.MASQ, ForwardMethod.TUNNEL, ForwardMethod.DROUTE), fc.integer({ min: 0, max: 0x7fffffff }), u32, u32, fc.integer({ min: 0, max: 2 }), u16, fc.integer({ min: 0, max: 3 }), u32, u32, u32, stats, stats64)
  .map(([address, port, forward, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelFlags, a, i, p, st, st64]) => ({
    key: { address, port },
    config: { forward, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelFlags },
    activeConns: a,
    inactiveConns: i,
    persistentConns: p,
    stats: st,
    stats64: st64,
  }));

/** Attributes of a reply as the kernel sends it (no NLA_F_NESTED), at an offset inside a larger buffer. */
function reply(cmd: IpvsCmd, attrs: { service?: ReturnType<typeof encodeServiceEntry>; dest?: ReturnType<typeof encodeDestEntry> }, pad: number): { b: Buffer; s: number; e: number } {
  const payload = format({ cmd, ...attrs }, { nestedFlag: false });
  const b = Buffer.concat([Buffer.alloc(pad, 0xee), payload, Buffer.alloc(3, 0xee)]);
  return { b, s: pad + 4, e: pad + payload.length };
}

const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
/** The entry (stats read) or the error, for comparison. */
function outcome(f: () => unknown): string {
  try {
    return String(json(f()));
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

t.test('service replies: the generic entries, intact or corrupted', async (t) => {
  let errors = 0;
  fc.assert(
    fc.property(serviceEntry, fc.nat(8), fc.option(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { nil: undefined }), (e, pad, corrupt) => {
      const r = reply(IpvsCmd.NEW_SERVICE, { service: encodeServiceEntry(e) }, pad);
      if (corrupt) r.b[r.s + (corrupt[0] % (r.e - r.s))] = corrupt[1];
      const want = outcome(() => {
        const m = parseAttrsAt(IpvsCmd.NEW_SERVICE, r.b, r.s, r.e);
        return m.service ? decodeServiceEntry(m.service) : undefined;
      });
      const got = outcome(() => decodeServiceReply(IpvsCmd.NEW_SERVICE, r.b, r.s, r.e));
      if (got !== want) throw new Error(`got ${got}\nwant ${want}`);
      if (!corrupt && got !== json(e)) throw new Error(`got ${got}\nwant the entry ${json(e)}`);
      if (got.startsWith('NlParseError') || got.startsWith('Error')) errors++;
    }),
    { numRuns: 2000 },
  );
  t.pass(`2000 replies (${errors} corrupted into errors) decode as the generic path does`);
});

t.test('destination replies: the generic entries, intact or corrupted; the service family without ADDR_FAMILY', async (t) => {
  fc.assert(
    fc.property(destEntry, fc.constantFrom(AddressFamily.INET, AddressFamily.INET6), fc.boolean(), fc.nat(8), fc.option(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { nil: undefined }), (e, svcFam, noAf, pad, corrupt) => {
      const attrs = encodeDestEntry(e);
      if (noAf) delete attrs.addrFamily;
      const r = reply(IpvsCmd.NEW_DEST, { dest: attrs }, pad);
      if (corrupt) r.b[r.s + (corrupt[0] % (r.e - r.s))] = corrupt[1];
      const want = outcome(() => {
        const m = parseAttrsAt(IpvsCmd.NEW_DEST, r.b, r.s, r.e);
        return m.dest ? decodeDestEntry(m.dest, svcFam) : undefined;
      });
      const got = outcome(() => decodeDestReply(IpvsCmd.NEW_DEST, r.b, r.s, r.e, svcFam));
      if (got !== want) throw new Error(`got ${got}\nwant ${want}`);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 replies');
});

t.test('replies not shaped as the kernel fills them take the generic path', async (t) => {
  const e = fc.sample(serviceEntry, { numRuns: 1, seed: 7 })[0];
  const two = format({ cmd: IpvsCmd.NEW_SERVICE, service: encodeServiceEntry(e), timeoutTcp: 5 }, { nestedFlag: false });
  t.equal(json(decodeServiceReply(IpvsCmd.NEW_SERVICE, two, 4, two.length)), json(e), 'an extra top-level attribute');
  const none = format({ cmd: IpvsCmd.NEW_SERVICE, timeoutTcp: 5 });
  t.equal(decodeServiceReply(IpvsCmd.NEW_SERVICE, none, 4, none.length), undefined, 'no SERVICE: skipped');
  t.equal(decodeDestReply(IpvsCmd.NEW_DEST, none, 4, 4, AddressFamily.INET), undefined, 'empty: skipped');
});

t.test('lazy stats: own enumerable, built once, replaceable, copied by a spread', async (t) => {
  const d = fc.sample(destEntry, { numRuns: 1, seed: 3 })[0];
  const r = reply(IpvsCmd.NEW_DEST, { dest: encodeDestEntry(d) }, 0);
  const make = () => decodeDestReply(IpvsCmd.NEW_DEST, r.b, r.s, r.e, AddressFamily.INET)!;
  const e = make();
  t.ok(Object.keys(e).includes('stats') && Object.keys(e).includes('stats64'), 'own enumerable keys');
  const s = e.stats;
  t.equal(e.stats, s, 'built once');
  t.same(s, d.stats);
  t.equal(Object.getOwnPropertyDescriptor(e, 'stats')?.value, s, 'a data property after the first read');
  const copy = { ...make() };
  t.equal(Object.getOwnPropertyDescriptor(copy, 'stats64')?.value?.conns, d.stats64.conns, 'a spread copies the built value');
  const f = make();
  f.stats = { ...s, conns: 9 };
  t.equal(f.stats.conns, 9, 'assignable before the first read');
});
