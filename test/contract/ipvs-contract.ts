// Contract suite for any IpvsClient (fake or kernel): every command and attribute, the kernel's errors,
// IPv6, fwmark, tunnels, the sync daemon, timeouts, batches and a dump of 10,000 destinations.
import type { Test } from 'tap';
import { IpvsClient, BatchOp } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import {
  AddressFamily,
  ForwardMethod,
  Protocol,
  ServiceFlag,
  SVC_F_SCHED_MH_FALLBACK,
  SVC_F_SCHED_MH_PORT,
  SVC_F_SCHED_SH_FALLBACK,
  SVC_F_SCHED_SH_PORT,
  SyncState,
  TunnelFlag,
  TunnelType,
} from '../../src/ipvs/constants';
import {
  DestinationConfig,
  DestinationEntry,
  ServiceConfig,
  ServiceEntry,
  ServiceKey,
  defaultDestinationConfig,
  defaultServiceConfig,
} from '../../src/ipvs/types';

export interface ContractOptions {
  /** Interface for sync daemons (default "lo") */
  syncInterface?: string;
  /** Also start a backup daemon (it joins a multicast group on syncInterface); default true */
  backupDaemon?: boolean;
  /** Run the 10,000-destination dump (default true) */
  bigDump?: boolean;
}

const V4 = AddressFamily.INET;
const V6 = AddressFamily.INET6;

const tcp = (address: string, port: number): ServiceKey => ({ family: address.includes(':') ? V6 : V4, protocol: Protocol.TCP, address, port });
const svcCfg = (c: Partial<ServiceConfig> = {}, family: AddressFamily.INET | AddressFamily.INET6 = V4): ServiceConfig => ({ ...defaultServiceConfig(family), ...c });
const dstCfg = (c: Partial<DestinationConfig> = {}): DestinationConfig => ({ ...defaultDestinationConfig(), ...c });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof IpvsError) return e.code;
    throw e;
  }
}

const sortServices = (l: ServiceEntry[]) =>
  [...l].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));

function expectErr(t: Test, got: string, want: string, what: string): void {
  t.equal(got, want, `${what}: ${want}`);
}

export function runIpvsContract(t: Test, makeClient: () => Promise<IpvsClient>, opts: ContractOptions = {}): void {
  const ifname = opts.syncInterface ?? 'lo';
  let c: IpvsClient;
  let savedTimeouts: { tcp: number; tcpFin: number; udp: number } | undefined;

  t.before(async () => {
    c = await makeClient();
    savedTimeouts = await c.getTimeouts();
    await c.flush();
    for (const d of await c.listDaemons()) await c.stopDaemon(d.state);
  });
  t.afterEach(async () => {
    await c.flush();
    for (const d of await c.listDaemons()) await c.stopDaemon(d.state);
  });
  t.teardown(async () => {
    if (savedTimeouts) await c.setTimeouts(savedTimeouts).catch(() => undefined);
    await c.close();
  });

  t.test('info: version 1.2.1 and the connection table size', async (t) => {
    const i = await c.info();
    t.equal(i.version, '1.2.1');
    t.equal(i.versionCode, 0x010201);
    t.ok(i.connTableSize >= 256, `connection table size ${i.connTableSize}`);
  });

  t.test('IPv4 TCP service: add, get, list, update, delete and their errors', async (t) => {
    const k = tcp('10.0.0.1', 80);
    t.same(await c.listServices(), []);
    await c.addService(k, svcCfg({ scheduler: 'rr' }));
    const e = await c.getService(k);
    t.same(e.key, k);
    t.same(e.config, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff }, 'HASHED is not reported as configuration');
    t.equal(e.stats.conns, 0);
    t.equal(e.stats64.inbytes, 0n);
    const list = await c.listServices();
    t.equal(list.length, 1);
    t.same(list[0].key, k);
    expectErr(t, await code(c.addService(k, svcCfg())), 'EEXIST', 'adding it again');
    expectErr(t, await code(c.getService(tcp('10.0.0.1', 81))), 'ESRCH', 'getting a missing service');
    expectErr(t, await code(c.updateService(tcp('10.0.0.9', 80), svcCfg())), 'ESRCH', 'updating a missing service');
    expectErr(t, await code(c.deleteService(tcp('10.0.0.9', 80))), 'ESRCH', 'deleting a missing service');
    expectErr(t, await code(c.zero(tcp('10.0.0.9', 80))), 'ESRCH', 'zeroing a missing service');

    await c.updateService(k, svcCfg({ scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 600, netmask: 0xffffff00 }));
    t.same((await c.getService(k)).config, { scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 600, netmask: 0xffffff00 });
    await c.updateService(k, svcCfg({ scheduler: 'none' }));
    t.equal((await c.getService(k)).config.scheduler, 'none', 'scheduler "none" unbinds the scheduler');
    expectErr(t, await code(c.updateService(k, svcCfg({ scheduler: 'nosuchsch' }))), 'ENOENT', 'updating to an unknown scheduler');
    await c.deleteService(k);
    t.same(await c.listServices(), []);
  });

  t.test('service attributes: protocols, schedulers with flags, one-packet, persistence, netmask', async (t) => {
    expectErr(t, await code(c.addService(tcp('10.0.0.2', 80), svcCfg({ scheduler: 'nosuchsch' }))), 'ENOENT', 'unknown scheduler (module not found)');
    expectErr(t, await code(c.addService(tcp('10.0.0.2', 80), svcCfg({ scheduler: 'a-very-long-scheduler' }))), 'EINVAL', 'scheduler name over 15 characters');
    const udp: ServiceKey = { family: V4, protocol: Protocol.UDP, address: '10.0.0.2', port: 53 };
    const sctp: ServiceKey = { family: V4, protocol: Protocol.SCTP, address: '10.0.0.2', port: 3868 };
    const tcp2 = tcp('10.0.0.2', 53);
    await c.addService(udp, svcCfg({ scheduler: 'sh', flags: SVC_F_SCHED_SH_FALLBACK | SVC_F_SCHED_SH_PORT | ServiceFlag.ONEPACKET }));
    await c.addService(sctp, svcCfg({ scheduler: 'mh', flags: SVC_F_SCHED_MH_FALLBACK | SVC_F_SCHED_MH_PORT }));
    await c.addService(tcp2, svcCfg({ scheduler: 'wrr', flags: ServiceFlag.PERSISTENT | ServiceFlag.SCHED3, timeout: 300, netmask: 0xffff0000 }));
    t.same((await c.getService(udp)).config, { scheduler: 'sh', flags: ServiceFlag.SCHED1 | ServiceFlag.SCHED2 | ServiceFlag.ONEPACKET, timeout: 0, netmask: 0xffffffff });
    t.same((await c.getService(sctp)).config, { scheduler: 'mh', flags: ServiceFlag.SCHED1 | ServiceFlag.SCHED2, timeout: 0, netmask: 0xffffffff });
    t.same((await c.getService(tcp2)).config, { scheduler: 'wrr', flags: ServiceFlag.PERSISTENT | ServiceFlag.SCHED3, timeout: 300, netmask: 0xffff0000 });
    t.equal((await c.listServices()).length, 3, 'same address and port, different protocols: three services');
  });

  t.test('persistence engine sip', async (t) => {
    const k: ServiceKey = { family: V4, protocol: Protocol.UDP, address: '10.0.0.3', port: 5060 };
    expectErr(t, await code(c.addService(k, svcCfg({ persistenceEngine: 'nosuchpe', flags: ServiceFlag.PERSISTENT, timeout: 60 }))), 'ENOENT', 'unknown persistence engine');
    await c.addService(k, svcCfg({ persistenceEngine: 'sip', flags: ServiceFlag.PERSISTENT, timeout: 60 }));
    t.same((await c.getService(k)).config, { scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 60, netmask: 0xffffffff, persistenceEngine: 'sip' });
  });

  t.test('IPv6 services: address, prefix-length netmask and its range', async (t) => {
    const k = tcp('2001:db8::10', 443);
    await c.addService(k, svcCfg({ flags: ServiceFlag.PERSISTENT, timeout: 120, netmask: 64 }, V6));
    const e = await c.getService(k);
    t.same(e.key, { family: V6, protocol: Protocol.TCP, address: '2001:db8::10', port: 443 });
    t.same(e.config, { scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 120, netmask: 64 });
    expectErr(t, await code(c.addService(tcp('2001:db8::11', 443), svcCfg({ netmask: 0 }, V6))), 'EINVAL', 'IPv6 netmask 0');
    expectErr(t, await code(c.addService(tcp('2001:db8::11', 443), svcCfg({ netmask: 129 }, V6))), 'EINVAL', 'IPv6 netmask 129');
    expectErr(t, await code(c.updateService(k, svcCfg({ netmask: 200 }, V6))), 'EINVAL', 'IPv6 netmask 200 on update');
    // The same address text in upper case is the same service.
    expectErr(t, await code(c.addService(tcp('2001:DB8:0::10', 443), svcCfg({}, V6))), 'EEXIST', 'non-canonical spelling of an existing IPv6 service');
    const v4same = tcp('10.0.0.10', 443);
    await c.addService(v4same, svcCfg());
    t.equal((await c.listServices()).length, 2);
  });

  t.test('fwmark services in both families', async (t) => {
    const f4: ServiceKey = { family: V4, fwmark: 42 };
    const f6: ServiceKey = { family: V6, fwmark: 42 };
    await c.addService(f4, svcCfg({ scheduler: 'rr' }));
    await c.addService(f6, svcCfg({ scheduler: 'rr' }, V6));
    expectErr(t, await code(c.addService(f4, svcCfg())), 'EEXIST', 'same mark and family');
    t.same((await c.getService(f4)).key, f4);
    t.same((await c.getService(f6)).key, f6);
    t.same((await c.getService(f6)).config.netmask, 128);
    await c.addDestination(f4, { address: '10.1.0.1', port: 0 }, dstCfg());
    t.same((await c.listDestinations(f4)).map((d) => d.key), [{ address: '10.1.0.1', port: 0 }]);
    t.same(sortServices(await c.listServices()).map((s) => s.key), sortServices([{ key: f4 }, { key: f6 }] as ServiceEntry[]).map((s) => s.key));
    const all = sortServices(await c.listAll()) as Array<ServiceEntry & { destinations: DestinationEntry[] }>;
    t.same(all.map((s) => [s.key, s.destinations.map((d) => d.key)]), sortServices([{ key: f4 }, { key: f6 }] as ServiceEntry[]).map((s) => [s.key, 'fwmark' in s.key && s.key.family === V4 ? [{ address: '10.1.0.1', port: 0 }] : []]), 'listAll');
    await c.deleteService(f4);
    expectErr(t, await code(c.getService(f4)), 'ESRCH', 'deleted fwmark service');
  });

  t.test('destinations: every forwarding method, update, delete, errors', async (t) => {
    const k = tcp('10.0.0.4', 80);
    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.1', port: 80 }, dstCfg())), 'ESRCH', 'destination of a missing service');
    t.same(await c.listDestinations(k), [], 'destinations of a missing service list empty (the kernel dump returns nothing)');
    await c.addService(k, svcCfg());
    await c.addDestination(k, { address: '10.1.0.1', port: 80 }, dstCfg({ forward: ForwardMethod.MASQ, weight: 3, upperThreshold: 100, lowerThreshold: 10 }));
    await c.addDestination(k, { address: '10.1.0.2', port: 80 }, dstCfg({ forward: ForwardMethod.DROUTE }));
    await c.addDestination(k, { address: '10.1.0.3', port: 8080 }, dstCfg({ forward: ForwardMethod.LOCALNODE, weight: 0 }));
    await c.addDestination(k, { address: '10.1.0.4', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.IPIP }));
    await c.addDestination(k, { address: '10.1.0.5', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6080, tunnelFlags: TunnelFlag.CSUM }));
    await c.addDestination(k, { address: '10.1.0.6', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6081, tunnelFlags: TunnelFlag.REMCSUM }));
    await c.addDestination(k, { address: '10.1.0.7', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GRE, tunnelFlags: TunnelFlag.CSUM }));
    const l = await c.listDestinations(k);
    t.same(
      l.map((d) => d.key.address),
      ['10.1.0.7', '10.1.0.6', '10.1.0.5', '10.1.0.4', '10.1.0.3', '10.1.0.2', '10.1.0.1'],
      'the kernel lists destinations newest first',
    );
    const by = (a: string) => l.find((d) => d.key.address === a) as DestinationEntry;
    t.same(by('10.1.0.1').config, dstCfg({ forward: ForwardMethod.MASQ, weight: 3, upperThreshold: 100, lowerThreshold: 10 }));
    t.same(by('10.1.0.3').config, dstCfg({ forward: ForwardMethod.LOCALNODE, weight: 0 }));
    t.same(by('10.1.0.5').config, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6080, tunnelFlags: TunnelFlag.CSUM }));
    t.same(by('10.1.0.6').config.tunnelFlags, TunnelFlag.REMCSUM);
    t.same(by('10.1.0.7').config, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GRE, tunnelFlags: TunnelFlag.CSUM }));
    t.equal(by('10.1.0.1').activeConns, 0);
    t.equal(by('10.1.0.1').inactiveConns, 0);
    t.equal(by('10.1.0.1').persistentConns, 0);
    t.equal(by('10.1.0.1').stats64.conns, 0n);

    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.1', port: 80 }, dstCfg())), 'EEXIST', 'existing destination');
    await c.addDestination(k, { address: '10.1.0.1', port: 81 }, dstCfg());
    await c.updateDestination(k, { address: '10.1.0.2', port: 80 }, dstCfg({ forward: ForwardMethod.MASQ, weight: 9, upperThreshold: 5, lowerThreshold: 5 }));
    t.same((await c.listDestinations(k)).find((d) => d.key.address === '10.1.0.2')!.config, dstCfg({ forward: ForwardMethod.MASQ, weight: 9, upperThreshold: 5, lowerThreshold: 5 }));
    t.same((await c.listDestinations(k))[0].key, { address: '10.1.0.1', port: 81 }, 'an update does not reorder');
    expectErr(t, await code(c.updateDestination(k, { address: '10.1.0.99', port: 80 }, dstCfg())), 'ENOENT', 'updating a missing destination');
    expectErr(t, await code(c.deleteDestination(k, { address: '10.1.0.99', port: 80 })), 'ENOENT', 'deleting a missing destination');
    expectErr(t, await code(c.deleteDestination(tcp('10.0.0.99', 80), { address: '10.1.0.1', port: 80 })), 'ESRCH', 'deleting from a missing service');
    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.8', port: 80 }, dstCfg({ weight: 0x80000000 }))), 'ERANGE', 'negative weight');
    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.8', port: 80 }, dstCfg({ upperThreshold: 5, lowerThreshold: 6 }))), 'ERANGE', 'lower threshold above upper');
    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.8', port: 80 }, dstCfg({ upperThreshold: 0, lowerThreshold: 6 }))), 'ERANGE', 'lower threshold with no upper');
    expectErr(t, await code(c.updateDestination(k, { address: '10.1.0.1', port: 80 }, dstCfg({ weight: -1 >>> 0 }))), 'ERANGE', 'negative weight on update');
    expectErr(t, await code(c.addDestination(k, { address: '10.1.0.8', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 0 }))), 'EINVAL', 'GUE without a port');
    expectErr(t, await code(c.addDestination(k, { address: '224.0.0.1', port: 80 }, dstCfg())), 'EINVAL', 'multicast destination');
    expectErr(t, await code(c.addDestination(k, { address: '0.0.0.0', port: 80 }, dstCfg())), 'EINVAL', '0.0.0.0 destination');
    expectErr(t, await code(c.addDestination(k, { address: '255.255.255.255', port: 80 }, dstCfg())), 'EINVAL', 'broadcast destination');
    await c.deleteDestination(k, { address: '10.1.0.1', port: 80 });
    t.equal((await c.listDestinations(k)).length, 7);
    await c.deleteService(k);
    t.same(await c.listDestinations(k), [], 'destinations go with their service');
  });

  t.test('IPv6 and mixed-family destinations', async (t) => {
    const k6 = tcp('2001:db8::1', 80);
    const k4 = tcp('10.0.0.5', 80);
    await c.addService(k6, svcCfg({}, V6));
    await c.addService(k4, svcCfg());
    await c.addDestination(k6, { address: '2001:db8:1::1', port: 80 }, dstCfg({ forward: ForwardMethod.MASQ }));
    await c.addDestination(k6, { address: '2001:DB8:1:0::2', port: 8080 }, dstCfg());
    t.same((await c.listDestinations(k6)).map((d) => d.key), [
      { address: '2001:db8:1::2', port: 8080 },
      { address: '2001:db8:1::1', port: 80 },
    ]);
    expectErr(t, await code(c.addDestination(k6, { address: 'fe80::1', port: 80 }, dstCfg())), 'EINVAL', 'link-local IPv6 destination');
    expectErr(t, await code(c.addDestination(k6, { address: 'ff02::1', port: 80 }, dstCfg())), 'EINVAL', 'multicast IPv6 destination');
    expectErr(t, await code(c.addDestination(k6, { address: '::', port: 80 }, dstCfg())), 'EINVAL', 'unspecified IPv6 destination');
    expectErr(t, await code(c.addDestination(k4, { address: '2001:db8:1::3', port: 80 }, dstCfg({ forward: ForwardMethod.MASQ }))), 'EINVAL', 'mixed family with NAT');
    expectErr(t, await code(c.addDestination(k4, { address: '2001:db8:1::3', port: 80 }, dstCfg({ forward: ForwardMethod.DROUTE }))), 'EINVAL', 'mixed family with DR');
    await c.addDestination(k4, { address: '2001:db8:1::3', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.IPIP }));
    await c.addDestination(k6, { address: '10.2.0.1', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 5555 }));
    t.same((await c.listDestinations(k4)).map((d) => [d.key, d.config.forward]), [[{ address: '2001:db8:1::3', port: 80 }, ForwardMethod.TUNNEL]]);
    t.same((await c.listDestinations(k6))[0].key, { address: '10.2.0.1', port: 80 });
    expectErr(t, await code(c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 1 })), 'EINVAL', 'sync daemon with mixed-family destinations');
    await c.deleteDestination(k4, { address: '2001:db8:1::3', port: 80 });
    await c.deleteDestination(k6, { address: '10.2.0.1', port: 80 });
    await c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 1 });
    expectErr(t, await code(c.addDestination(k4, { address: '2001:db8:1::3', port: 80 }, dstCfg({ forward: ForwardMethod.TUNNEL }))), 'EINVAL', 'mixed-family destination while a sync daemon runs');
  });

  t.test('timeouts: get, set, partial set, range', async (t) => {
    await c.setTimeouts({ tcp: 1000, tcpFin: 100, udp: 200 });
    t.same(await c.getTimeouts(), { tcp: 1000, tcpFin: 100, udp: 200 });
    await c.setTimeouts({ tcp: 0, tcpFin: 0, udp: 250 });
    t.same(await c.getTimeouts(), { tcp: 1000, tcpFin: 100, udp: 250 }, '0 leaves a timeout unchanged');
    await c.setTimeouts({ tcpFin: 30 });
    t.same(await c.getTimeouts(), { tcp: 1000, tcpFin: 30, udp: 250 }, 'absent fields are unchanged');
    expectErr(t, await code(c.setTimeouts({ tcp: 0x80000000 })), 'EINVAL', 'negative (as int) tcp timeout');
    expectErr(t, await code(c.setTimeouts({ udp: 9000000 })), 'EINVAL', 'udp timeout above INT_MAX / HZ');
    t.same(await c.getTimeouts(), { tcp: 1000, tcpFin: 30, udp: 250 }, 'a refused set changes nothing');
    if (savedTimeouts) await c.setTimeouts(savedTimeouts);
  });

  t.test('zero: all services and one', async (t) => {
    const k = tcp('10.0.0.6', 80);
    await c.zero();
    await c.addService(k, svcCfg());
    await c.addDestination(k, { address: '10.1.0.1', port: 80 }, dstCfg());
    await c.zero(k);
    await c.zero();
    const e = await c.getService(k);
    t.same(e.stats, { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0n, outbytes: 0n, cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });
    t.equal((await c.listDestinations(k))[0].stats64.outbytes, 0n);
    await c.zero({ family: V4, fwmark: 1 }).then(
      () => t.fail('zeroing a missing fwmark service should fail'),
      (err: IpvsError) => t.equal(err.code, 'ESRCH'),
    );
  });

  t.test('sync daemons: defaults, options, errors', async (t) => {
    t.same(await c.listDaemons(), []);
    await c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 5 });
    t.same(await c.listDaemons(), [
      { state: SyncState.MASTER, mcastInterface: ifname, syncId: 5, syncMaxLen: 1500 - 28, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1 },
    ]);
    expectErr(t, await code(c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 6 })), 'EEXIST', 'a second master');
    if (opts.backupDaemon !== false) {
      await c.startDaemon({ state: SyncState.BACKUP, mcastInterface: ifname, syncId: 7, syncMaxLen: 1400, mcastGroup: '239.1.2.3', mcastPort: 9000, mcastTtl: 3 });
      t.same((await c.listDaemons()).map((d) => d.state), [SyncState.MASTER, SyncState.BACKUP], 'master listed before backup');
      t.same((await c.listDaemons())[1], { state: SyncState.BACKUP, mcastInterface: ifname, syncId: 7, syncMaxLen: 1400, mcastGroup: '239.1.2.3', mcastPort: 9000, mcastTtl: 3 });
      await c.stopDaemon(SyncState.BACKUP);
    }
    await c.stopDaemon(SyncState.MASTER);
    expectErr(t, await code(c.stopDaemon(SyncState.MASTER)), 'ESRCH', 'stopping a stopped master');
    expectErr(t, await code(c.stopDaemon(SyncState.BACKUP)), 'ESRCH', 'stopping a stopped backup');
    expectErr(t, await code(c.startDaemon({ state: SyncState.MASTER, mcastInterface: 'nosuchif0', syncId: 1 })), 'ENODEV', 'unknown interface');
    expectErr(t, await code(c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 1, mcastGroup: '10.0.0.1' })), 'EINVAL', 'IPv4 group that is not multicast');
    expectErr(t, await code(c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 1, mcastGroup: '2001:db8::1' })), 'EINVAL', 'IPv6 group that is not multicast');
    expectErr(t, await code(c.startDaemon({ state: 3 as SyncState.MASTER, mcastInterface: ifname, syncId: 1 })), 'EINVAL', 'state neither master nor backup');
    await c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 9, mcastGroup: 'ff02::1:3', syncMaxLen: 100000 & 0xffff });
    const m = (await c.listDaemons())[0];
    t.equal(m.mcastGroup, 'ff02::1:3', 'IPv6 multicast group');
    t.equal(m.syncMaxLen, 100000 & 0xffff, 'requested maxlen within 1..65535-48 is kept');
    await c.stopDaemon(SyncState.MASTER);
    await c.startDaemon({ state: SyncState.MASTER, mcastInterface: ifname, syncId: 9, mcastGroup: 'ff02::1:3', syncMaxLen: 65535 });
    t.equal((await c.listDaemons())[0].syncMaxLen, 65535 - 48, 'maxlen clamped to 65535 minus IPv6+UDP headers');
  });

  t.test('batch: pipelined operations apply in order and report each result', async (t) => {
    const k = tcp('10.0.0.7', 80);
    const ops: BatchOp[] = [
      { op: 'addService', service: k, config: svcCfg({ scheduler: 'rr' }) },
      { op: 'addDestination', service: k, dest: { address: '10.1.0.1', port: 80 }, config: dstCfg() },
      { op: 'addDestination', service: k, dest: { address: '10.1.0.1', port: 80 }, config: dstCfg() },
      { op: 'addDestination', service: tcp('10.0.0.8', 80), dest: { address: '10.1.0.1', port: 80 }, config: dstCfg() },
      { op: 'updateDestination', service: k, dest: { address: '10.1.0.1', port: 80 }, config: dstCfg({ weight: 4 }) },
      { op: 'addDestination', service: k, dest: { address: 'not-an-address', port: 80 }, config: dstCfg() },
      { op: 'addDestination', service: k, dest: { address: '10.1.0.2', port: 80 }, config: dstCfg() },
      { op: 'updateService', service: k, config: svcCfg({ scheduler: 'wrr' }) },
      { op: 'setTimeouts', timeouts: { tcp: 0 } },
      { op: 'zero', service: k },
    ];
    const r = await c.applyBatch(ops);
    t.same(
      r.map((x) => (x.ok ? 'OK' : x.error.code)),
      ['OK', 'OK', 'EEXIST', 'ESRCH', 'OK', 'EINVAL', 'OK', 'OK', 'OK', 'OK'],
    );
    const failed = r[3];
    if (!failed.ok) {
      t.equal(failed.error.op, 'addDestination');
      t.equal(failed.error.object, 'TCP 10.0.0.8:80 -> 10.1.0.1:80');
      t.match(failed.error.message, /Service not defined/);
    }
    t.equal((await c.getService(k)).config.scheduler, 'wrr');
    t.same((await c.listDestinations(k)).map((d) => [d.key.address, d.config.weight]), [
      ['10.1.0.2', 1],
      ['10.1.0.1', 4],
    ]);
    await c.applyBatch([{ op: 'flush' }]);
    t.same(await c.listServices(), []);
  });

  t.test('malformed input is refused before it is sent', async (t) => {
    expectErr(t, await code(c.addService({ family: V4, protocol: Protocol.TCP, address: '10.0.0.300', port: 80 }, svcCfg())), 'EINVAL', 'bad address');
    expectErr(t, await code(c.addService({ family: V6, protocol: Protocol.TCP, address: '10.0.0.3', port: 80 }, svcCfg())), 'EINVAL', 'IPv4 address in an IPv6 service');
    expectErr(t, await code(c.addService(tcp('10.0.0.3', 70000), svcCfg())), 'EINVAL', 'port out of range');
    expectErr(t, await code(c.addService({ family: 7 as AddressFamily.INET, fwmark: 3 }, svcCfg())), 'EAFNOSUPPORT', 'unknown address family (kernel)');
  });

  if (opts.bigDump !== false) {
    t.test('10,000 destinations: pipelined add, full dump, newest first', async (t) => {
      const k = tcp('10.0.0.100', 80);
      await c.addService(k, svcCfg({ scheduler: 'rr' }));
      const ops: BatchOp[] = [];
      for (let i = 0; i < 10000; i++) {
        ops.push({ op: 'addDestination', service: k, dest: { address: `10.${100 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`, port: 8000 + (i % 7) }, config: dstCfg({ weight: 1 + (i % 100) }) });
      }
      const r = await c.applyBatch(ops);
      t.equal(r.filter((x) => !x.ok).length, 0, 'every add succeeded');
      const l = await c.listDestinations(k);
      t.equal(l.length, 10000, 'the dump has every destination');
      t.same(l[0].key, ops[9999].op === 'addDestination' ? ops[9999].dest : undefined, 'newest first');
      t.same(l[9999].key, ops[0].op === 'addDestination' ? ops[0].dest : undefined, 'oldest last');
      t.equal(new Set(l.map((d) => `${d.key.address}:${d.key.port}`)).size, 10000, 'no duplicates in the dump');
      t.equal(l[5000].config.weight, 1 + ((9999 - 5000) % 100));
      const all = await c.listAll();
      t.equal(all.length, 1);
      t.equal(all[0].destinations.length, 10000, 'listAll has every destination');
    });
  }
}
