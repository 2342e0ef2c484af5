// The IPVS contract suite against the in-memory fake kernel, plus fake-only checks (stats, dump order, options).
import t from 'tap';
import { runIpvsContract } from '../contract/ipvs-contract';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { AddressFamily, Protocol } from '../../src/ipvs/constants';
import { defaultDestinationConfig, defaultServiceConfig } from '../../src/ipvs/types';

t.test('contract', async (t) => {
  // as in the kernel tier: a dummy interface for the sync daemons (lo has no IPv6 multicast route)
  runIpvsContract(t, async () => createFakeClient({ interfaces: { lo: 65536, lvsksync0: 1500 } }), { syncInterface: 'lvsksync0' });
});

t.test('counters set on the fake are listed and zeroed', async (t) => {
  const c = createFakeClient();
  const k = { family: AddressFamily.INET as const, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 };
  await c.addService(k, defaultServiceConfig(AddressFamily.INET));
  await c.addDestination(k, { address: '10.0.0.2', port: 80 }, defaultDestinationConfig());
  t.ok(c.kernel.setStats((e) => e.key === e.key, { conns: (1n << 32n) + 5n, inbytes: 1n << 40n }));
  t.ok(c.kernel.setStats(() => true, { outpkts: 7n }, '10.0.0.2'));
  const s = await c.getService(k);
  t.equal(s.stats.conns, 5, '32-bit counter truncated as the kernel does');
  t.equal(s.stats64.conns, (1n << 32n) + 5n);
  t.equal(s.stats.inbytes, 1n << 40n);
  t.equal((await c.listDestinations(k))[0].stats.outpkts, 7);
  await c.zero();
  t.equal((await c.getService(k)).stats64.conns, 0n);
  t.equal((await c.listDestinations(k))[0].stats64.outpkts, 0n);
});

t.test('fake options: schedulers, interfaces, timeout arithmetic', async (t) => {
  const c = createFakeClient({ schedulers: ['rr'], interfaces: { eth0: 9000 } });
  const k = { family: AddressFamily.INET as const, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 };
  await t.rejects(c.addService(k, { ...defaultServiceConfig(AddressFamily.INET), scheduler: 'wlc' }), { code: 'ENOENT', message: /Scheduler or persistence engine not found/ });
  // svc->timeout = timeout * HZ is an unsigned int: large timeouts wrap, as in the kernel.
  await c.addService(k, { ...defaultServiceConfig(AddressFamily.INET), scheduler: 'rr', timeout: 2 ** 30 });
  t.equal((await c.getService(k)).config.timeout, Math.floor(((2 ** 30 * 250) % 2 ** 32) / 250));
  await c.startDaemon({ state: 2, mcastInterface: 'eth0', syncId: 1 });
  t.equal((await c.listDaemons())[0].syncMaxLen, 9000 - 28, 'backup maxlen from the interface MTU');
  await t.rejects(c.startDaemon({ state: 1, mcastInterface: 'lo', syncId: 1 }), { code: 'ENODEV' });
  const d = createFakeClient();
  await t.rejects(d.startDaemon({ state: 1, mcastInterface: 'lo', syncId: 1, mcastGroup: 'ff02::1:81' }), { code: 'ENETUNREACH' }, 'IPv6 sync group on lo, as the 6.1 kernel answers');
  await d.startDaemon({ state: 1, mcastInterface: 'lo', syncId: 1 });
  t.equal((await d.listDaemons())[0].syncMaxLen, 1472, 'master maxlen: 1500 - IPv4/UDP headers');
});

t.test('service dump: address services before fwmark services, newest first within a bucket', async (t) => {
  const c = createFakeClient();
  await c.addService({ family: AddressFamily.INET, fwmark: 1 }, defaultServiceConfig(AddressFamily.INET));
  await c.addService({ family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 }, defaultServiceConfig(AddressFamily.INET));
  const l = await c.listServices();
  t.same(l.map((s) => 'fwmark' in s.key), [false, true]);
});
