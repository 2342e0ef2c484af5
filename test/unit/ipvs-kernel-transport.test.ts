// The kernel client's own paths on the host: KernelClient (GenlSocket, batch encoder, dump decoder) over a scripted
// netlink endpoint that answers as Linux 6.1 genl does, from the in-memory fake kernel. The IPVS contract suite runs
// on it, and random batches and dumps give the same results as the fake client's generic path.
import t from 'tap';
import fc from 'fast-check';
import { runIpvsContract } from '../contract/ipvs-contract';
import { FakeKernel, KernelErrno, createFakeClient } from '../../src/ipvs/fake-client';
import { KernelClient, KernelTransport } from '../../src/ipvs/kernel-client';
import { GENL_ID_CTRL, CtrlAttr, GenlSocket, RawSocketLike } from '../../src/netlink/socket';
import { AttrWriter, NlFlags, NlMsgType, NlParseError, formatGenl, formatNlError, formatNlMessage, parseNlMessages } from '../../src/netlink/message';
import { format, parse } from '../../src/ipvs/codec';
import { BatchOp, IpvsClient } from '../../src/ipvs/client';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { ServiceKey } from '../../src/ipvs/types';

const FAMILY = 0x2a;
const EINVAL = 22;

/** Netlink endpoint over a FakeKernel: acks on NLM_F_ACK or error, dump parts of about a page, NLMSG_DONE apart. */
class FakeKernelEndpoint implements RawSocketLike {
  private onMsg?: (b: Buffer) => void;
  private static nextPort = 7000;
  private readonly port = FakeKernelEndpoint.nextPort++;
  datagrams = 0;
  constructor(readonly kernel: FakeKernel) {}

  send(data: Buffer, _o: object, cb: (err?: Error) => void): void {
    this.datagrams++;
    const out: Buffer[] = [];
    let cur: Buffer[] = [];
    const flushCur = () => {
      if (cur.length) out.push(Buffer.concat(cur));
      cur = [];
    };
    for (const m of parseNlMessages(data)) {
      const h = { seq: m.seq, pid: m.pid };
      const errorReply = (errno: number) => {
        const e = formatNlError({ error: -errno, request: { len: 16 + m.payload.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid } }, errno ? m.payload : Buffer.alloc(0));
        cur.push(formatNlMessage({ type: NlMsgType.ERROR, flags: errno ? 0 : NlFlags.CAPPED, ...h }, e));
      };
      if (m.type === GENL_ID_CTRL) {
        const attrs = new AttrWriter().u16(CtrlAttr.FAMILY_ID, FAMILY).string(CtrlAttr.FAMILY_NAME, 'IPVS').u32(CtrlAttr.VERSION, 1).toBuffer();
        cur.push(formatNlMessage({ type: GENL_ID_CTRL, flags: 0, ...h }, formatGenl({ cmd: 1, version: 2 }, attrs)));
        if (m.flags & NlFlags.ACK) errorReply(0);
        continue;
      }
      const dump = (m.flags & NlFlags.DUMP) === NlFlags.DUMP;
      let replies;
      try {
        replies = this.kernel.handle(parse(m.payload), dump);
      } catch (e) {
        if (e instanceof KernelErrno) errorReply(e.errno);
        else if (e instanceof NlParseError) errorReply(EINVAL);
        else throw e;
        continue;
      }
      if (dump) {
        flushCur();
        let len = 0;
        for (const r of replies) {
          const msg = formatNlMessage({ type: FAMILY, flags: NlFlags.MULTI, ...h }, format(r, { nestedFlag: false }));
          if (len + msg.length > 3800) flushCur(), (len = 0);
          cur.push(msg);
          len += msg.length;
        }
        flushCur();
        cur.push(formatNlMessage({ type: NlMsgType.DONE, flags: NlFlags.MULTI, ...h }, Buffer.alloc(4)));
        flushCur();
      } else {
        for (const r of replies) cur.push(formatNlMessage({ type: FAMILY, flags: 0, ...h }, format(r, { nestedFlag: false })));
        if (m.flags & NlFlags.ACK) errorReply(0);
      }
    }
    flushCur();
    setImmediate(() => {
      for (const b of out) this.onMsg?.(b);
    });
    cb();
  }
  on(event: string, listener: (...a: never[]) => void): this {
    if (event === 'message') this.onMsg = listener as (b: Buffer) => void;
    return this;
  }
  address() {
    return { port: this.port };
  }
  getRecvBufferSize() {
    return 425984;
  }
  addMembership(): void {}
  ref(): void {}
  unref(): void {}
  close(): void {}
}

async function kernelClientOver(kernel: FakeKernel, opts: { coalesce?: number } = {}): Promise<KernelClient> {
  const sock = GenlSocket.open({ rawSocket: new FakeKernelEndpoint(kernel), coalesce: opts.coalesce });
  const fam = await sock.resolveFamily('IPVS');
  return new KernelClient(new KernelTransport(sock, fam.id, {}, 3, () => GenlSocket.open({ window: 1, coalesce: 1, rawSocket: new FakeKernelEndpoint(kernel) })), sock);
}

const kernelOpts = { interfaces: { lo: 65536, lvsksync0: 1500 } };

t.test('contract over the netlink path', async (t) => {
  runIpvsContract(t, () => kernelClientOver(new FakeKernel(kernelOpts)), { syncInterface: 'lvsksync0' });
});

// Random batches: the same results (ok, or code, errno, message) and the same table as the fake client's generic path.
// Mostly valid values (so that most operations reach the kernel and succeed), some malformed or refused ones.
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const addr4 = mostly(
  fc.oneof(fc.constantFrom('10.0.0.1', '10.0.0.2', '192.168.1.1'), fc.ipV4()),
  fc.constantFrom('10.0.0.01', '010.0.0.1', '10.0.0', '1.2.3.4.5', '10.0.0.256', ' 10.0.0.1', '::ffff:10.0.0.1', 'x', '0.0.0.0', '224.0.0.1'),
);
const addr6 = fc.oneof(fc.constantFrom('2001:db8::1', '2001:DB8::0:1', '2001:db8:0:0:0:0:0:2', '::ffff:10.0.0.1'), fc.ipV6());
const port = mostly(fc.oneof(fc.constantFrom(0, 80, 8080, 65535), fc.integer({ min: 0, max: 65535 })), fc.constantFrom(65536, -1, 1.5));
const serviceKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({ family: fc.constant(AddressFamily.INET as const), protocol: mostly(fc.constantFrom(Protocol.TCP, Protocol.UDP, Protocol.SCTP), fc.constant(0x10000)), address: addr4, port }),
  fc.record({ family: fc.constant(AddressFamily.INET6 as const), protocol: fc.constantFrom(Protocol.TCP, Protocol.UDP), address: mostly(addr6, addr4), port }),
  fc.record({ family: fc.constantFrom(AddressFamily.INET as const, AddressFamily.INET6 as const), fwmark: mostly(fc.constantFrom(1, 7, 0xffffffff), fc.constant(2 ** 32)) }),
  fc.record({ family: fc.constant(7 as AddressFamily.INET), protocol: fc.constant(6), address: fc.constant('10.0.0.1'), port: fc.constant(80) }),
) as fc.Arbitrary<ServiceKey>;
const u32 = fc.oneof(fc.constantFrom(0, 1, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const u32ish = mostly(u32, fc.constantFrom(-1, 2 ** 32, 0.5));
const svcConfig = fc.record(
  {
    scheduler: mostly(fc.constantFrom('rr', 'wrr', 'wlc', 'sh', 'mh'), fc.constantFrom('', 'nosuch', 'x'.repeat(15), 'x'.repeat(16), 'rré')),
    flags: mostly(fc.constantFrom(0, 1, 4, 8, 16, 0x19), u32ish),
    timeout: mostly(fc.integer({ min: 0, max: 100000 }), u32ish),
    netmask: mostly(fc.constantFrom(0xffffffff, 0xffffff00, 128, 64), u32ish),
    persistenceEngine: mostly(fc.constantFrom('', 'sip'), fc.constantFrom('nope', 'p'.repeat(16), 'p'.repeat(17))),
  },
  { requiredKeys: ['scheduler', 'flags', 'timeout', 'netmask'] },
);
const destKey = fc.record({ address: mostly(addr4, addr6), port });
const destConfig = fc.record({
  forward: mostly(fc.constantFrom(ForwardMethod.MASQ, ForwardMethod.TUNNEL, ForwardMethod.DROUTE), fc.constantFrom(ForwardMethod.LOCALNODE, 8)),
  weight: mostly(fc.oneof(fc.constantFrom(0, 1, 5, 0x7fffffff), fc.integer({ min: 0, max: 0x7fffffff })), u32ish),
  upperThreshold: mostly(fc.integer({ min: 0, max: 1000 }), u32ish),
  lowerThreshold: mostly(fc.integer({ min: 0, max: 1000 }), u32ish),
  tunnelType: mostly(fc.constantFrom(0, 1, 2), fc.constantFrom(3, 256)),
  tunnelPort: mostly(fc.constantFrom(0, 6080), port),
  tunnelFlags: mostly(fc.constantFrom(0, 1, 2, 3), fc.constant(0x10000)),
});
// a small pool of services so that destinations and updates hit existing ones
const pool: ServiceKey[] = [
  { family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 },
  { family: AddressFamily.INET, protocol: Protocol.UDP, address: '10.0.0.1', port: 53 },
  { family: AddressFamily.INET6, protocol: Protocol.TCP, address: '2001:db8::1', port: 443 },
  { family: AddressFamily.INET, fwmark: 3 },
];
const anyService = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: serviceKey });
const op = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('addService' as const, 'updateService' as const), service: anyService, config: svcConfig }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteService' as const), service: anyService }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('addDestination' as const, 'updateDestination' as const), service: anyService, dest: destKey, config: destConfig }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteDestination' as const), service: anyService, dest: destKey }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setTimeouts' as const), timeouts: fc.record({ tcp: fc.nat(1000) }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zero' as const), service: fc.option(anyService, { nil: undefined }) }) },
) as fc.Arbitrary<BatchOp>;

const results = (rs: Awaited<ReturnType<IpvsClient['applyBatch']>>) => rs.map((r) => (r.ok ? 'ok' : `${r.error.name} ${r.error.code} ${r.error.errno} ${r.error.op} ${r.error.object} ${r.error.message}`));
const table = async (c: IpvsClient) => JSON.stringify(await c.listAll(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

t.test('random batches: same results and table as the generic path', async (t) => {
  let runs = 0;
  let oks = 0;
  let total = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60, size: 'medium' }), fc.constantFrom(1, 3, 64), async (random, coalesce) => {
      // the pool's services first, then the random operations
      const ops: BatchOp[] = [...pool.map((service): BatchOp => ({ op: 'addService', service, config: { scheduler: 'wlc', flags: 0, timeout: 0, netmask: service.family === AddressFamily.INET6 ? 128 : 0xffffffff } })), ...random];
      const ref = createFakeClient(kernelOpts);
      const kc = await kernelClientOver(new FakeKernel(kernelOpts), { coalesce });
      try {
        const want = results(await ref.applyBatch(ops));
        const got = results(await kc.applyBatch(ops));
        t.strictSame(got, want);
        t.equal(await table(kc), await table(ref));
        runs++;
        oks += got.filter((r) => r === 'ok').length;
        total += got.length;
      } finally {
        await kc.close();
        await ref.close();
      }
    }),
    { numRuns: 150 },
  );
  t.equal(runs, 150);
  t.ok(oks > total / 4, `${oks} of ${total} operations succeeded`);
});

t.test('a large batch goes out in few datagrams and lists back in full', async (t) => {
  const k = new FakeKernel(kernelOpts);
  const ep = new FakeKernelEndpoint(k);
  const sent: Buffer[] = [];
  const send = ep.send.bind(ep);
  ep.send = (data, o, cb) => (sent.push(data), send(data, o, cb));
  const sock = GenlSocket.open({ rawSocket: ep });
  const c = new KernelClient(new KernelTransport(sock, FAMILY, {}, 3, () => GenlSocket.open({ window: 1, coalesce: 1, rawSocket: new FakeKernelEndpoint(k) })), sock);
  const ops: BatchOp[] = [];
  for (let s = 0; s < 300; s++) {
    const service: ServiceKey = { family: AddressFamily.INET, protocol: Protocol.TCP, address: `10.1.${s >> 8}.${s & 0xff}`, port: 80 };
    ops.push({ op: 'addService', service, config: { scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff } });
    for (let d = 0; d < 3; d++) {
      ops.push({ op: 'addDestination', service, dest: { address: `10.2.${s >> 8}.${(s * 3 + d) & 0xff}`, port: 8080 + d }, config: { forward: ForwardMethod.MASQ, weight: d + 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 } });
    }
  }
  const res = await c.applyBatch(ops);
  t.equal(res.filter((r) => r.ok).length, ops.length);
  t.ok(sent.length <= Math.ceil(ops.length / 64) + 2, `${ops.length} requests in ${sent.length} datagrams`);
  t.ok(sent.every((d) => d.buffer === sent[0].buffer), 'each datagram a slice of the batch buffer (not copied)');
  const all = await c.listAll();
  t.equal(all.length, 300);
  t.equal(all.reduce((n, s) => n + s.destinations.length, 0), 900);
  t.equal(all.find((s) => 'address' in s.key && s.key.address === '10.1.0.7')?.destinations.length, 3);
  t.ok(all[0].stats.conns === 0 && all[0].destinations[0].stats64.inbytes === 0n, 'lazy stats decode');
  await c.close();
});
