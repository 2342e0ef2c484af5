// Kernel tier: pipelined batches with ack suppression against the real kernel. Requests that fail in the middle of
// a batch (duplicate service and destination: EEXIST; destination of a missing service: ESRCH; unknown scheduler:
// ENOENT) are reported with their own operation and object, every other request succeeds, the results equal the
// fake kernel's and those of a socket that asks an ack for every request, and the dump shows exactly that state.
import t from 'tap';
import { execFileSync } from 'child_process';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { BatchOp, BatchResult, IpvsClient } from '../../src/ipvs/client';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { ServiceKey, defaultDestinationConfig } from '../../src/ipvs/types';

const SKIP = process.env.LVSK_KERNEL ? false : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (bash test/kernel/run.sh)';

const svc = (i: number): ServiceKey => ({ family: AddressFamily.INET, protocol: Protocol.TCP, address: `10.77.${i >> 8}.${i & 0xff}`, port: 80 });
const cfg = (scheduler = 'wrr') => ({ scheduler, flags: 0, timeout: 0, netmask: 0xffffffff });
const dest = (i: number, d: number) => ({ address: `10.78.${i & 0xff}.${d + 1}`, port: 8080 });
const dcfg = (w: number) => ({ ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: w });

/** 400 services x 3 destinations, with failures in the middle of datagrams (and at a datagram's end). */
function ops(): { ops: BatchOp[]; failing: Map<number, string> } {
  const out: BatchOp[] = [];
  const failing = new Map<number, string>();
  for (let i = 0; i < 400; i++) {
    out.push({ op: 'addService', service: svc(i), config: cfg() });
    for (let d = 0; d < 3; d++) out.push({ op: 'addDestination', service: svc(i), dest: dest(i, d), config: dcfg(d + 1) });
    if (i === 10) {
      failing.set(out.length, 'addService EEXIST TCP 10.77.0.10:80');
      out.push({ op: 'addService', service: svc(10), config: cfg() });
    }
    if (i === 100) {
      failing.set(out.length, 'addDestination EEXIST TCP 10.77.0.100:80 -> 10.78.100.2:8080');
      out.push({ op: 'addDestination', service: svc(100), dest: dest(100, 1), config: dcfg(5) });
    }
    if (i === 200) {
      failing.set(out.length, 'addDestination ESRCH TCP 10.77.39.16:80 -> 10.78.16.1:8080');
      out.push({ op: 'addDestination', service: svc(10000), dest: dest(10000, 0), config: dcfg(1) });
    }
    if (i === 300) {
      failing.set(out.length, 'addService ENOENT TCP 10.77.3.44:80');
      out.push({ op: 'addService', service: svc(812), config: cfg('nosuchsched') });
    }
  }
  return { ops: out, failing };
}

function summary(res: BatchResult[]): string[] {
  return res.flatMap((r, i) => (r.ok ? [] : [`${i} ${r.error.op} ${r.error.code} ${r.error.object}`]));
}

async function rules(c: IpvsClient): Promise<string[]> {
  const out: string[] = [];
  for (const s of await c.listAll()) {
    out.push(`S ${s.key.family} ${'address' in s.key ? s.key.address : ''} ${s.config.scheduler}`);
    for (const d of s.destinations) out.push(`D ${'address' in s.key ? s.key.address : ''} ${d.key.address}:${d.key.port} w=${d.config.weight}`);
  }
  return out.sort();
}

t.test('pipelined batch with failures in the middle: errors with their objects, the rest applied', { skip: SKIP, timeout: 600000 }, async (t) => {
  const c = await openKernelClient();
  const plain = await openKernelClient({ suppressAcks: false });
  t.teardown(async () => {
    await c.flush().catch(() => undefined);
    await c.close();
    await plain.close();
  });
  await c.flush();
  const { ops: batch, failing } = ops();
  const res = await c.applyBatch(batch);
  const want = [...failing.entries()].map(([i, s]) => `${i} ${s}`);
  t.same(summary(res), want, 'only the failing requests failed, each with its operation, errno and object');
  t.equal(res.filter((r) => r.ok).length, batch.length - failing.size);

  const fake = createFakeClient();
  const fres = await fake.applyBatch(batch);
  t.same(summary(res), summary(fres), 'same results as the fake kernel');
  const state = await rules(c);
  t.same(state, await rules(fake), 'same state as the fake kernel');
  t.equal(state.filter((l) => l.startsWith('S ')).length, 400);
  t.equal(state.filter((l) => l.startsWith('D ')).length, 1200);

  // the same batch again: every add is now a duplicate (EEXIST), every error reported with its object
  const again = await c.applyBatch(batch);
  const dupes = again.filter((r) => !r.ok && r.error.code === 'EEXIST').length;
  t.equal(dupes, batch.length - 2, 'every add but the two that cannot be applied is a duplicate');
  t.same(summary(again), summary(await fake.applyBatch(batch)), 'same errors and objects as the fake kernel');

  // a socket that asks an ack for every request gives the same results
  await c.flush();
  const pres = await plain.applyBatch(batch);
  t.same(summary(pres), want, 'an ack per request: same results');
  t.same(await rules(plain), state);

  // ipvsadm sees what we programmed
  const saved = execFileSync('ipvsadm', ['-Sn'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  t.equal(saved.split('\n').filter((l) => l.startsWith('-A ')).length, 400);
  t.equal(saved.split('\n').filter((l) => l.startsWith('-a ')).length, 1200);
});

t.test('a batch of 5,000 requests where every one fails: each error is its own', { skip: SKIP, timeout: 600000 }, async (t) => {
  const c = await openKernelClient();
  t.teardown(async () => {
    await c.flush().catch(() => undefined);
    await c.close();
  });
  await c.flush();
  const batch: BatchOp[] = Array.from({ length: 5000 }, (_, i) => ({ op: 'deleteDestination', service: svc(i % 4000), dest: dest(i, 0) }));
  const res = await c.applyBatch(batch);
  const bad = res.filter((r, i) => r.ok || r.error.code !== 'ESRCH' || r.error.object !== `TCP 10.77.${(i % 4000) >> 8}.${i % 4000 & 0xff}:80 -> 10.78.${i & 0xff}.1:8080`);
  t.equal(bad.length, 0, 'every request failed with ESRCH and its own object');
});
