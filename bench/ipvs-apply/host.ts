// Host-side measurement of the JS cost of our IPVS paths (no kernel): listAll and applyBatch against
// FakeIpvsEndpoint. For iterating on the client under `node --cpu-prof`; the real numbers come from the VM.
// Usage: node dist/bench/ipvs-apply/host.js [nServices] [nDests] [repeats]
import { GenlSocket } from '../../src/netlink/socket';
import { KernelClient, KernelTransport } from '../../src/ipvs/kernel-client';
import { FAKE_FAMILY, FakeIpvsEndpoint, fakeState } from './fake-endpoint';
import { makeState } from './state';

async function main(): Promise<void> {
  const nS = Number(process.argv[2] ?? 10000);
  const nD = Number(process.argv[3] ?? 1);
  const repeats = Number(process.argv[4] ?? 3);
  const fs = fakeState(nS, nD);
  const sock = GenlSocket.open({ rawSocket: new FakeIpvsEndpoint(fs) });
  const c = new KernelClient(new KernelTransport(sock, FAKE_FAMILY, {}, 3, () => GenlSocket.open({ window: 1, coalesce: 1, rawSocket: new FakeIpvsEndpoint(fs) })), sock);
  const st = makeState(nS, nD);
  const dumps: number[] = [];
  const applies: number[] = [];
  for (let i = 0; i < repeats; i++) {
    let t0 = process.hrtime.bigint();
    const all = await c.listAll();
    const dumpMs = Number(process.hrtime.bigint() - t0) / 1e6;
    t0 = process.hrtime.bigint();
    const res = await c.applyBatch(st.ops);
    const applyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    dumps.push(dumpMs);
    applies.push(applyMs);
    if (all.length !== nS || res.some((r) => !r.ok)) throw new Error('fake endpoint: unexpected results');
  }
  const min = (a: number[]) => Math.min(...a).toFixed(0);
  console.log(`${nS}x${nD}: dump min ${min(dumps)} ms, apply (${st.ops.length} ops) min ${min(applies)} ms over ${repeats} runs`);
  await c.close();
}

void main();
