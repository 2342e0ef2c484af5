// The batch encoder (src/ipvs/batch-encoder.ts) against the generic codec: for random operations, canonical or
// not, valid or not, each request's bytes equal nlmsghdr + format(batchMessage(op).msg), and each rejection is the
// error batchMessage throws.
import t from 'tap';
import fc from 'fast-check';
import { encodeBatch } from '../../src/ipvs/batch-encoder';
import { BatchOp, batchMessage } from '../../src/ipvs/client';
import { FormatOptions, format } from '../../src/ipvs/codec';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { ServiceKey } from '../../src/ipvs/types';
import { NlFlags, formatNlMessage } from '../../src/netlink/message';

const FAMILY = 0x24;
const PID = 0x80001234;

const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const u32ish = mostly(u32, fc.constantFrom(-1, 2 ** 32, 0.5, NaN));
const port = mostly(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(65536, -1, 1.5));
const v4 = mostly(
  fc.oneof(fc.ipV4(), fc.constantFrom('0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1')),
  fc.constantFrom('10.0.0.01', '010.0.0.1', '10.0.0', '1.2.3.4.5', '10.0.0.256', ' 10.0.0.1', '1.2.3.4 ', '1..2.3', '', 'x', '١.٢.٣.٤', '1000.0.0.1'),
);
const v6 = fc.oneof(fc.ipV6(), fc.constantFrom('2001:DB8::1', '2001:db8:0:0:0:0:0:1', '::ffff:1.2.3.4', '::', 'fe80::1%eth0'));
const addr = mostly(v4, v6);
const serviceKey = fc.oneof(
  fc.record({ family: fc.constantFrom(AddressFamily.INET, AddressFamily.INET6), protocol: mostly(fc.constantFrom(Protocol.TCP, Protocol.UDP, Protocol.SCTP), fc.constantFrom(0x10000, -1)), address: addr, port }),
  fc.record({ family: fc.constantFrom(AddressFamily.INET, AddressFamily.INET6), fwmark: mostly(fc.integer({ min: 1, max: 0xffffffff }), fc.constantFrom(2 ** 32, -1, 1.5)) }),
  fc.record({ family: fc.constantFrom(0, 7), protocol: fc.constant(6), address: fc.constant('10.0.0.1'), port: fc.constant(80) }),
) as fc.Arbitrary<ServiceKey>;
const name = (max: number) => mostly(fc.stringMatching(new RegExp(`^[a-z0-9_-]{0,${max}}$`)), fc.oneof(fc.string({ maxLength: max + 3 }), fc.constantFrom('wrré', 'ü'.repeat(8))));
const svcConfig = fc.record(
  { scheduler: name(15), flags: u32ish, timeout: u32ish, netmask: u32ish, persistenceEngine: name(16) },
  { requiredKeys: ['scheduler', 'flags', 'timeout', 'netmask'] },
);
const destConfig = fc.record({
  forward: mostly(fc.integer({ min: 0, max: 7 }), fc.constantFrom(8, -1)),
  weight: u32ish,
  upperThreshold: u32ish,
  lowerThreshold: u32ish,
  tunnelType: mostly(fc.integer({ min: 0, max: 255 }), fc.constant(256)),
  tunnelPort: port,
  tunnelFlags: port,
});
const op: fc.Arbitrary<BatchOp> = fc.oneof(
  fc.record({ op: fc.constantFrom('addService' as const, 'updateService' as const), service: serviceKey, config: svcConfig }),
  fc.record({ op: fc.constant('deleteService' as const), service: serviceKey }),
  fc.record({ op: fc.constantFrom('addDestination' as const, 'updateDestination' as const), service: serviceKey, dest: fc.record({ address: addr, port }), config: destConfig }),
  fc.record({ op: fc.constant('deleteDestination' as const), service: serviceKey, dest: fc.record({ address: addr, port }) }),
  fc.record({ op: fc.constant('zero' as const), service: fc.option(serviceKey, { nil: undefined }) }),
  fc.record({ op: fc.constant('setTimeouts' as const), timeouts: fc.record({ tcp: u32ish, udp: u32ish }, { requiredKeys: [] }) }),
  fc.record({ op: fc.constant('startDaemon' as const), daemon: fc.record({ state: fc.constantFrom(1, 2), mcastInterface: name(15), syncId: u32ish }) }),
  fc.constant({ op: 'flush' } as BatchOp),
);
const fmt: fc.Arbitrary<FormatOptions> = fc.oneof(fc.constant({}), fc.record({ nestedFlag: fc.boolean(), version: fc.constantFrom(1, 2) }, { requiredKeys: [] }));

/** What the generic path sends for each operation: a message, or the error batchMessage throws. */
function reference(ops: BatchOp[], f: FormatOptions): Array<Buffer | Error> {
  return ops.map((o) => {
    let m;
    try {
      m = batchMessage(o);
    } catch (e) {
      return e as Error;
    }
    return formatNlMessage({ type: FAMILY, flags: NlFlags.REQUEST | NlFlags.ACK, seq: 0, pid: PID }, format(m.msg, f));
  });
}

const errorOf = (e: Error) => ({ name: e.name, message: e.message, code: (e as { code?: string }).code, errno: (e as { errno?: number }).errno, object: (e as { object?: string }).object });

t.test('each request: the generic bytes; each rejection: the generic error', async (t) => {
  let fast = 0;
  let rejected = 0;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), fmt, (ops, f) => {
      const want = reference(ops, f);
      const got = encodeBatch(ops, FAMILY, PID, f);
      const rej = new Map(got.rejected.map((r) => [r.index, r.error]));
      let j = 0;
      for (let i = 0; i < ops.length; i++) {
        const w = want[i];
        if (w instanceof Error) {
          const e = rej.get(i);
          if (!e) throw new Error(`op ${i} (${JSON.stringify(ops[i])}) should be rejected: ${w.message}`);
          if (JSON.stringify(errorOf(e)) !== JSON.stringify(errorOf(w))) throw new Error(`op ${i}: error ${e.message}; should be ${w.message}`);
          rejected++;
          continue;
        }
        if (rej.has(i)) throw new Error(`op ${i} (${JSON.stringify(ops[i])}) rejected: ${rej.get(i)!.message}`);
        if (got.index[j] !== i || got.ops[j] !== ops[i].op) throw new Error(`message ${j} is op ${got.index[j]} (${got.ops[j]}); should be ${i}`);
        const bytes = got.buf.subarray(got.starts[j], got.starts[j + 1]);
        if (!bytes.equals(w)) throw new Error(`op ${i} (${JSON.stringify(ops[i])}):\n got  ${bytes.toString('hex')}\n want ${w.toString('hex')}`);
        j++;
        fast++;
      }
      if (j !== got.count || got.starts[got.count] !== got.buf.length) throw new Error(`${got.count} messages, ${got.buf.length} bytes; should be ${j}`);
    }),
    { numRuns: 3000 },
  );
  t.ok(fast > 3000 && rejected > 300, `${fast} requests byte-identical, ${rejected} rejections identical`);
});

t.test('the lvsadm -R / reconciler shapes, and a buffer that grows', async (t) => {
  const ops: BatchOp[] = [];
  for (let s = 0; s < 500; s++) {
    const service: ServiceKey = { family: AddressFamily.INET, protocol: Protocol.TCP, address: `10.1.${s >> 8}.${s & 0xff}`, port: 80 };
    ops.push({ op: 'addService', service, config: { scheduler: 'wrr', flags: 1, timeout: 300, netmask: 0xffffff00, persistenceEngine: 'p'.repeat(16) } });
    ops.push({ op: 'addDestination', service, dest: { address: `2001:db8::${s.toString(16)}`, port: 8080 }, config: { forward: ForwardMethod.TUNNEL, weight: 3, upperThreshold: 10, lowerThreshold: 5, tunnelType: 1, tunnelPort: 6080, tunnelFlags: 1 } });
    ops.push({ op: 'deleteDestination', service: { family: AddressFamily.INET6, fwmark: s + 1 }, dest: { address: '2001:db8::1', port: 0 } });
  }
  const got = encodeBatch(ops, FAMILY, PID);
  const want = reference(ops, {}) as Buffer[];
  t.equal(got.count, ops.length);
  t.ok(got.buf.equals(Buffer.concat(want)), 'the concatenation of the generic requests');
});
