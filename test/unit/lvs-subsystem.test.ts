// The checkers + IPVS subsystem against the fake IPVS kernel and a manual clock: ordering, inhibit_on_failure,
// quorum/hysteresis with the sorry server, alpha, drift repair, adoption, reload diffs, IPVS-unavailable mode, stop.
import t from 'tap';
import { Writable } from 'node:stream';
import { build } from './helpers/model';
import { LvsSubsystem } from '../../src/daemon/lvs-subsystem';
import { Metrics } from '../../src/daemon/metrics';
import { parseDaemonArgs } from '../../src/cli/args';
import { createLogger } from '../../src/util/log';
import { CheckerKind, ManualClock, type CheckFn, type CheckResult } from '../../src/check/index';
import { createFakeClient } from '../../src/ipvs/fake-client';
import type { BatchOp, IpvsClient } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { defaultDestinationConfig } from '../../src/ipvs/types';
import type { Config, NotifyScript } from '../../src/config/model';
import { readTable } from '../../src/lvs/reconciler';

interface Harness {
  miscWeight: number;
  sub: LvsSubsystem;
  clock: ManualClock;
  client: IpvsClient & { kernel: unknown };
  calls: string[];
  logs: Array<{ level: number; msg: string }>;
  scripts: string[];
  down: Set<string>;
  ctx: { log: ReturnType<typeof createLogger>; args: ReturnType<typeof parseDaemonArgs>; metrics: Metrics };
  table(): Promise<Record<string, Record<string, number>>>;
  tick(ms: number): Promise<void>;
}

function conf(text: string): Config {
  const { config, diagnostics } = build(text);
  const errs = diagnostics.filter((d) => d.severity === 'error');
  if (errs.length) throw new Error(errs.map((d) => d.message).join('; '));
  return config;
}

function describeBatch(o: BatchOp): string {
  const s = 'service' in o && o.service ? ('fwmark' in o.service ? `FWM ${o.service.fwmark}` : `${o.service.address}:${o.service.port}`) : '';
  const d = 'dest' in o ? ` ${o.dest.address}:${o.dest.port}${'config' in o ? ` w${(o.config as { weight: number }).weight}` : ''}` : '';
  return `${o.op} ${s}${d}`;
}

async function harness(config: Config, o: { argv?: string[]; prepare?: (c: IpvsClient) => Promise<void>; noIpvs?: boolean; isLocal?: (a: string) => boolean } = {}): Promise<Harness> {
  const clock = new ManualClock(0);
  const client = createFakeClient();
  if (o.prepare) await o.prepare(client);
  const calls: string[] = [];
  const orig = client.applyBatch.bind(client);
  client.applyBatch = async (ops: BatchOp[]) => {
    for (const op of ops) calls.push(describeBatch(op));
    return orig(ops);
  };
  const logs: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const r = JSON.parse(line);
        logs.push({ level: r.level, msg: r.msg });
      }
      cb();
    },
  });
  const log = createLogger({ stream, format: 'json' });
  const down = new Set<string>();
  const tcp: CheckFn = async (target) => {
    const ep = 'conn' in target ? `${target.conn.connectIp}:${target.conn.connectPort}` : '';
    const r: CheckResult = down.has(ep) ? { ok: false, message: `connect to ${ep} refused`, latencyMs: 1 } : { ok: true, message: 'connected', latencyMs: 0.5 };
    return r;
  };
  const misc: CheckFn = async () => ({ ok: true, message: 'exit 2+w', latencyMs: 1, weight: h.miscWeight });
  const scripts: string[] = [];
  const sub = new LvsSubsystem({
    clock,
    openClient: async () => {
      if (o.noIpvs) throw new IpvsError('open', 2, 'generic netlink family IPVS', 'ENOENT', 'IPVS is not available in this kernel (modprobe ip_vs?)');
      return client;
    },
    scheduler: { random: () => 0, checkers: { [CheckerKind.Tcp]: tcp, [CheckerKind.Misc]: misc } },
    runScript: (s: NotifyScript) => void scripts.push(s.command),
    isLocalAddress: o.isLocal,
    resyncMs: 10_000,
  });
  const ctx = { log, args: parseDaemonArgs(o.argv ?? []), metrics: new Metrics() };
  const h: Harness = {
    miscWeight: 1,
    sub,
    clock,
    client,
    calls,
    logs,
    scripts,
    down,
    ctx,
    async table() {
      const tb = await readTable(client);
      const out: Record<string, Record<string, number>> = {};
      for (const [id, s] of tb) {
        out[id] = {};
        for (const [did, d] of s.dests) out[id][did] = d.config.weight;
      }
      return out;
    },
    async tick(ms: number) {
      await clock.advance(ms);
      await sub.reconciler?.idle();
    },
  };
  await sub.start(config, ctx);
  return h;
}

const TWO_RS = (extraVs = '', extraRs1 = '', extraRs2 = '') => `
virtual_server 10.0.0.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
${extraVs}
  real_server 10.0.1.1 80 {
    weight 2
${extraRs1}
    TCP_CHECK {
      retry 0
    }
  }
  real_server 10.0.1.2 80 {
    weight 3
${extraRs2}
    TCP_CHECK {
      retry 0
    }
  }
}
`;

t.test('start: service before destinations, all in one batch; a real server going down and up', async (t) => {
  const h = await harness(conf(TWO_RS()));
  t.same(h.calls, ['addService 10.0.0.1:80', 'addDestination 10.0.0.1:80 10.0.1.1:80 w2', 'addDestination 10.0.0.1:80 10.0.1.2:80 w3']);
  const tb = await readTable(h.client);
  const svc = tb.get('TCP 10.0.0.1:80')!;
  t.equal(svc.config.scheduler, 'rr');
  t.equal(svc.dests.get('10.0.1.1:80')!.config.forward, ForwardMethod.MASQ);
  h.down.add('10.0.1.1:80');
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.2:80': 3 } }, 'removed when down');
  t.ok(h.logs.some((l) => /Removing service \[10\.0\.1\.1\]:tcp:80 from VS TCP 10\.0\.0\.1:80/.test(l.msg)));
  h.down.delete('10.0.1.1:80');
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } }, 'restored when up');
  const st = h.sub.state() as any;
  const rs = st.virtualServers[0].realServers[0];
  t.equal(rs.alive, true);
  t.equal(rs.checkers[0].last.message, 'connected');
  t.equal(rs.checkers[0].last.latencyMs, 0.5);
  const text = await h.ctx.metrics.text();
  t.match(text, /lvskeeper_check_results_total\{virtual_server="TCP 10.0.0.1:80",real_server="10.0.1.1:80",checker="TCP_CHECK",result="fail"\} [1-9]/);
  t.match(text, /lvskeeper_ipvs_real_server_weight\{virtual_server="TCP 10.0.0.1:80",real_server="10.0.1.1:80"\} 2/);
  await h.sub.stop(h.ctx);
  t.same(await h.table(), {}, 'owned services removed on stop');
});

t.test('inhibit_on_failure: weight 0 instead of removal; notify scripts', async (t) => {
  const h = await harness(conf(TWO_RS('', 'inhibit_on_failure\n    notify_up /bin/up1\n    notify_down /bin/down1')));
  h.down.add('10.0.1.1:80');
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 0, '10.0.1.2:80': 3 } });
  t.ok(h.logs.some((l) => /Disabling service \[10\.0\.1\.1\]:tcp:80 of VS/.test(l.msg)));
  t.same(h.scripts, ['/bin/down1']);
  h.down.delete('10.0.1.1:80');
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  t.same(h.scripts, ['/bin/down1', '/bin/up1']);
  t.ok(h.calls.includes('updateDestination 10.0.0.1:80 10.0.1.1:80 w0'), 'an edit in place, not delete+add');
  await h.sub.stop(h.ctx);
});

t.test('quorum with hysteresis, sorry server and quorum scripts', async (t) => {
  // weights 2 + 3; quorum 4, hysteresis 1: lost below 3, gained at 5
  const h = await harness(conf(TWO_RS('quorum 4\n  hysteresis 1\n  quorum_up /bin/qup\n  quorum_down /bin/qdown\n  sorry_server 10.0.9.9 8080')));
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  h.down.add('10.0.1.1:80'); // live 3: not below 3 -> quorum kept
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.2:80': 3 } });
  t.same(h.scripts, []);
  h.down.add('10.0.1.2:80'); // live 0 -> lost
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.9.9:8080': 1 } }, 'sorry server in');
  t.same(h.scripts, ['/bin/qdown']);
  t.ok(h.logs.some((l) => /Lost quorum 4-1=3 > 0 for VS/.test(l.msg)));
  h.down.delete('10.0.1.2:80'); // live 3 < 5 -> still lost; the alive server stays out while the sorry server serves
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.9.9:8080': 1 } });
  h.down.delete('10.0.1.1:80'); // live 5 -> gained
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  t.same(h.scripts, ['/bin/qdown', '/bin/qup']);
  const st = h.sub.state() as any;
  t.same(st.virtualServers[0].quorum, { up: true, liveWeight: 5, quorum: 4, hysteresis: 1 });
  await h.sub.stop(h.ctx);
});

t.test('sorry_server_inhibit keeps the sorry server at weight 0; alpha starts with no real server', async (t) => {
  const h = await harness(conf(TWO_RS('alpha\n  sorry_server 10.0.9.9 8080\n  sorry_server_inhibit')));
  // alpha: both checkers down at start -> quorum down -> sorry server active
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.9.9:8080': 1 } });
  await h.tick(1000); // first checks (warmup 0 with random 0, bootstrap delay 1 s)
  await h.tick(1000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3, '10.0.9.9:8080': 0 } });
  await h.sub.stop(h.ctx);
});

t.test('drift: a flush and a deleted destination behind its back are repaired on resync', async (t) => {
  const h = await harness(conf(TWO_RS()));
  await h.client.flush();
  await h.tick(10_000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  t.ok(h.logs.some((l) => l.level === 40 && l.msg === 'repairing IPVS drift: add-service TCP 10.0.0.1:80 (missing)'));
  await h.client.deleteDestination({ family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 }, { address: '10.0.1.2', port: 80 });
  await h.tick(10_000);
  t.ok(h.logs.some((l) => l.msg === 'repairing IPVS drift: add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (missing)'));
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  await h.sub.stop(h.ctx);
});

t.test('adoption at start: existing entries edited in place, unrelated services left alone, -I keeps IPVS', async (t) => {
  const svc = { family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 } as const;
  const other = { family: AddressFamily.INET, protocol: Protocol.UDP, address: '10.9.9.9', port: 53 } as const;
  const h = await harness(conf(TWO_RS()), {
    argv: ['-I'],
    prepare: async (c) => {
      await c.addService(svc, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, persistenceEngine: '' });
      await c.addDestination(svc, { address: '10.0.1.1', port: 80 }, { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 7 });
      await c.addService(other, { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff });
    },
  });
  t.same(h.calls, ['updateDestination 10.0.0.1:80 10.0.1.1:80 w2', 'addDestination 10.0.0.1:80 10.0.1.2:80 w3'], 'no flush, no service re-creation');
  t.ok(h.logs.some((l) => /adopting 1 existing IPVS service/.test(l.msg)));
  await h.sub.stop(h.ctx);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 }, 'UDP 10.9.9.9:53': {} }, '-I leaves everything');
});

t.test('stop without -I removes only owned services; omega runs notify_down and quorum_down', async (t) => {
  const other = { family: AddressFamily.INET, protocol: Protocol.UDP, address: '10.9.9.9', port: 53 } as const;
  const h = await harness(conf(TWO_RS('omega\n  quorum_down /bin/qdown', 'notify_down /bin/d1')), {
    prepare: async (c) => void (await c.addService(other, { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff })),
  });
  await h.sub.stop(h.ctx);
  t.same(await h.table(), { 'UDP 10.9.9.9:53': {} });
  t.same(h.scripts, ['/bin/d1', '/bin/qdown']);
});

t.test('reload: untouched entries keep their IPVS state and checker jobs; only the diff is applied', async (t) => {
  const c1 = conf(TWO_RS() + `
virtual_server 10.0.0.2 443 {
  lb_algo wlc
  lb_kind DR
  real_server 10.0.2.1 443 {
    TCP_CHECK {
    }
  }
}
`);
  const h = await harness(c1);
  h.down.add('10.0.1.2:80');
  await h.tick(2000);
  const before = h.sub.state() as any;
  const job = before.virtualServers[0].realServers[0].checkers[0];
  const sched = (h.sub as any).scheduler;
  const rs2Checker = before.virtualServers[0].realServers[1].checkers[0].id;
  const statusBefore = sched.status(rs2Checker);
  h.calls.length = 0;
  // weight of 10.0.1.1 changes, 10.0.1.3 is added, the second virtual server is removed
  const c2 = conf(TWO_RS().replace('weight 2', 'weight 5').replace('  real_server 10.0.1.2 80 {', '  real_server 10.0.1.3 80 {\n    TCP_CHECK {\n      retry 0\n    }\n  }\n  real_server 10.0.1.2 80 {'));
  await h.sub.reload(c1, c2, h.ctx);
  t.same(h.calls.sort(), ['addDestination 10.0.0.1:80 10.0.1.3:80 w1', 'deleteService 10.0.0.2:443', 'updateDestination 10.0.0.1:80 10.0.1.1:80 w5'].sort());
  const after = h.sub.state() as any;
  const rs2 = after.virtualServers[0].realServers.find((r: any) => r.address === '10.0.1.2');
  t.equal(rs2.alive, false, 'the down real server stays down (checker state kept)');
  const statusAfter = sched.status(rs2Checker);
  t.equal(statusAfter.jobKey, statusBefore.jobKey, 'same target, same scheduler job');
  t.equal(statusAfter.nextRunAt, statusBefore.nextRunAt, 'not rescheduled');
  t.equal(after.virtualServers[0].realServers[0].checkers[0].hasRun, job.hasRun);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 5, '10.0.1.3:80': 1 } });
  // reloading the same configuration does nothing
  h.calls.length = 0;
  await h.sub.reload(c2, c2, h.ctx);
  t.same(h.calls, []);
  await h.sub.stop(h.ctx);
});

t.test('IPVS unavailable: checkers run, state visible', async (t) => {
  const h = await harness(conf(TWO_RS()), { noIpvs: true });
  t.ok(h.logs.some((l) => l.msg === 'IPVS is not available in this kernel; running checkers only'));
  h.down.add('10.0.1.1:80');
  await h.tick(2000);
  const st = h.sub.state() as any;
  t.equal(st.ipvs.available, false);
  t.equal(st.virtualServers[0].realServers[0].alive, false);
  t.equal(st.virtualServers[0].realServers[0].checkers[0].last.message, 'connect to 10.0.1.1:80 refused');
  t.equal(st.virtualServers[0].realServers[1].alive, true);
  await h.sub.stop(h.ctx);
});

t.test('ha_suspend: checkers do not run while the VS address is not local', async (t) => {
  let local = false;
  const h = await harness(conf(TWO_RS('ha_suspend')), { isLocal: () => local });
  h.down.add('10.0.1.1:80');
  await h.tick(3000);
  let st = h.sub.state() as any;
  t.equal(st.virtualServers[0].suspended, true);
  t.equal(st.virtualServers[0].realServers[0].checkers[0].hasRun, false);
  local = true;
  await h.tick(3000);
  st = h.sub.state() as any;
  t.equal(st.virtualServers[0].suspended, false);
  t.equal(st.virtualServers[0].realServers[0].alive, false);
  await h.sub.stop(h.ctx);
});

t.test('virtual_server_group: address ranges and fwmarks expand into services with the same pool', async (t) => {
  const h = await harness(
    conf(`
virtual_server_group G {
  10.0.0.1-3 80
  fwmark 7
}
virtual_server group G {
  lb_algo sh
  sh-port
  lb_kind TUN
  persistence_timeout 30
  protocol TCP
  real_server 10.0.1.1 80 {
  }
}
`),
  );
  t.same(Object.keys(await h.table()).sort(), ['FWM 7', 'TCP 10.0.0.1:80', 'TCP 10.0.0.2:80', 'TCP 10.0.0.3:80']);
  const tb = await readTable(h.client);
  const s = tb.get('TCP 10.0.0.2:80')!;
  t.equal(s.config.scheduler, 'sh');
  t.equal(s.config.flags, 0x1 | 0x10, 'persistent + sh-port');
  t.equal(s.config.timeout, 30);
  t.equal(s.dests.get('10.0.1.1:80')!.config.forward, ForwardMethod.TUNNEL);
  await h.sub.stop(h.ctx);
});

t.test('misc_dynamic weight changes are edits; health changes diff against the cached table (no dump)', async (t) => {
  const h = await harness(
    conf(`
virtual_server 10.0.0.1 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind DR
  protocol TCP
  real_server 10.0.1.1 80 {
    weight 1
    MISC_CHECK {
      misc_path "/bin/true"
      misc_dynamic
    }
  }
}
`),
  );
  const dumps = h.sub.reconciler!.dumps;
  h.miscWeight = 7;
  await h.tick(2000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 7 } });
  t.ok(h.calls.includes('updateDestination 10.0.0.1:80 10.0.1.1:80 w7'));
  t.equal(h.sub.reconciler!.dumps, dumps, 'no kernel dump for a health change');
  await h.tick(10_000);
  t.ok(h.sub.reconciler!.dumps > dumps, 'the resync dumps');
  await h.sub.stop(h.ctx);
});

t.test('global lvs_flush, lvs_timeouts and lvs_flush_onstop', async (t) => {
  const other = { family: AddressFamily.INET, protocol: Protocol.UDP, address: '10.9.9.9', port: 53 } as const;
  const head = `global_defs {\n  lvs_flush\n  lvs_flush_onstop\n  lvs_timeouts tcp 900 tcpfin 30 udp 60\n}\n`;
  const h = await harness(conf(head + TWO_RS()), {
    prepare: async (c) => void (await c.addService(other, { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff })),
  });
  t.same(Object.keys(await h.table()), ['TCP 10.0.0.1:80'], 'lvs_flush removed the unrelated service at start');
  t.same(await h.client.getTimeouts(), { tcp: 900, tcpFin: 30, udp: 60 });
  await h.client.addService(other, { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff });
  await h.sub.stop(h.ctx);
  t.same(await h.table(), {}, 'lvs_flush_onstop flushes everything');
});

t.test('rs_init_notifies runs notify_up for real servers alive at start', async (t) => {
  const h = await harness(conf(`global_defs {\n  rs_init_notifies\n}\n` + TWO_RS('', 'notify_up /bin/up1', 'notify_up /bin/up2\n    notify_down /bin/down2')));
  t.same(h.scripts, ['/bin/up1', '/bin/up2']);
  await h.sub.stop(h.ctx);
});

t.test('IPVS missing at start is retried on reload (said once)', async (t) => {
  const c = conf(TWO_RS());
  const opts = { noIpvs: true };
  const h = await harness(c, opts);
  await h.sub.reload(c, c, h.ctx);
  t.equal(h.logs.filter((l) => l.msg === 'IPVS is not available in this kernel; running checkers only').length, 1);
  opts.noIpvs = false;
  await h.sub.reload(c, c, h.ctx);
  t.ok(h.logs.some((l) => l.msg === 'IPVS is available now; programming the virtual servers'));
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  await h.sub.stop(h.ctx);
});

t.test('a failed dump is logged and the next resync recovers', async (t) => {
  const h = await harness(conf(TWO_RS()));
  await h.client.flush();
  const orig = h.client.listAll.bind(h.client);
  let fail = true;
  h.client.listAll = async () => {
    if (fail) {
      fail = false;
      throw new Error('netlink socket closed');
    }
    return orig();
  };
  await h.tick(10_000);
  t.ok(h.logs.some((l) => l.level === 50 && /IPVS reconcile \(resync\) failed: netlink socket closed/.test(l.msg)));
  t.match((h.sub.state() as any).ipvs.lastPass, { reason: 'resync', error: 'netlink socket closed' });
  await h.tick(10_000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.1:80': 2, '10.0.1.2:80': 3 } });
  await h.sub.stop(h.ctx);
});

t.test('a health change reconciles only its virtual server; the resync repairs drift elsewhere', async (t) => {
  const h = await harness(conf(TWO_RS() + TWO_RS().replace('10.0.0.1 80', '10.0.0.2 80').replace(/10\.0\.1\./g, '10.0.2.')));
  const desiredScopes: Array<string[] | undefined> = [];
  const rec = h.sub.reconciler!;
  const orig = (rec as unknown as { o: { desired: (s?: ReadonlySet<string>) => unknown } }).o;
  const desired = orig.desired;
  orig.desired = (s) => (desiredScopes.push(s && [...s]), desired(s));
  // drift behind our back in the second virtual server: the cached table does not know it
  await h.client.deleteDestination({ family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.2', port: 80 }, { address: '10.0.2.2', port: 80 });
  h.calls.length = 0;
  h.down.add('10.0.1.1:80');
  await h.tick(2000);
  t.same(h.calls, ['deleteDestination 10.0.0.1:80 10.0.1.1:80'], 'one op, in the first virtual server');
  t.same(desiredScopes, [['TCP 10.0.0.1:80']], 'only its services were built and diffed');
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.2:80': 3 }, 'TCP 10.0.0.2:80': { '10.0.2.1:80': 2 } });
  await h.tick(10_000);
  t.same(await h.table(), { 'TCP 10.0.0.1:80': { '10.0.1.2:80': 3 }, 'TCP 10.0.0.2:80': { '10.0.2.1:80': 2, '10.0.2.2:80': 3 } }, 'the resync repaired the drift');
  await h.sub.stop(h.ctx);
});
