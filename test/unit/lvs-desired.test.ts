// Pure parts of the LVS subsystem: quorum arithmetic, range expansion, service flags, desired pools, checker targets,
// and the batched apply's fallbacks.
import t from 'tap';
import { build } from './helpers/model';
import { desiredTable, expandRange, nextQuorum, planVirtualServers, serviceConfig } from '../../src/lvs/desired';
import { checkTargets, replyPattern } from '../../src/lvs/targets';
import { executeOps } from '../../src/lvs/apply';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { AddressFamily, ForwardMethod, Protocol, TunnelFlag, TunnelType } from '../../src/ipvs/constants';
import { defaultDestinationConfig } from '../../src/ipvs/types';
import { CheckerKind } from '../../src/check/index';
import type { Config } from '../../src/config/model';

function conf(text: string): Config {
  const { config, diagnostics } = build(text);
  const errs = diagnostics.filter((d) => d.severity === 'error');
  if (errs.length) throw new Error(errs.map((d) => d.message).join('; '));
  return config;
}

t.test('nextQuorum: keepalived update_quorum_state with hysteresis', async (t) => {
  t.equal(nextQuorum(undefined, 5, 4, 1), true, 'start: >= quorum + hysteresis');
  t.equal(nextQuorum(undefined, 4, 4, 1), false);
  t.equal(nextQuorum(true, 3, 4, 1), true, 'kept down to quorum - hysteresis');
  t.equal(nextQuorum(true, 2, 4, 1), false);
  t.equal(nextQuorum(false, 4, 4, 1), false, 'regained only at quorum + hysteresis');
  t.equal(nextQuorum(false, 5, 4, 1), true);
  t.equal(nextQuorum(true, 0, 0, 0), false, 'a live weight of 0 always loses quorum');
});

t.test('expandRange: IPv4 last octet and IPv6 last group', async (t) => {
  t.same(expandRange('10.0.0.254', '10.0.1.1'), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  t.same(expandRange('2001:db8::fe', '2001:db8::101'), ['2001:db8::fe', '2001:db8::ff', '2001:db8::100', '2001:db8::101']);
  t.same(expandRange('10.0.0.1', undefined), ['10.0.0.1']);
  t.throws(() => expandRange('10.0.0.5', '10.0.0.1'), /empty/);
});

t.test('serviceConfig: persistence, granularity, ops, mh flags', async (t) => {
  const c = conf(`
virtual_server 2001:db8::1 443 {
  lb_algo mh
  mh-fallback
  mh-port
  ops
  persistence_timeout 120
  persistence_granularity 64
  protocol UDP
  lb_kind TUN
  real_server 2001:db8::10 443 {
    lvs_method TUN type gue port 6080 csum
  }
}
virtual_server 10.0.0.1 80 {
  persistence_granularity 255.255.255.0
  real_server 10.0.1.1 80 {
  }
}
`);
  const [p6, p4] = planVirtualServers(c);
  t.equal(p6.id, 'UDP [2001:db8::1]:443');
  const k = p6.services[0].key;
  t.same(k, { family: AddressFamily.INET6, protocol: Protocol.UDP, address: '2001:db8::1', port: 443 });
  t.same(p6.services[0].config, { scheduler: 'mh', flags: 0x1 | 0x4 | 0x8 | 0x10, timeout: 120, netmask: 64, persistenceEngine: '' });
  t.same(p6.realServers[0].dest, { forward: ForwardMethod.TUNNEL, upperThreshold: 0, lowerThreshold: 0, tunnelType: TunnelType.GUE, tunnelPort: 6080, tunnelFlags: TunnelFlag.CSUM });
  t.equal(p4.services[0].config.netmask, 0xffffff00);
  t.equal(p4.services[0].config.timeout, 360, 'granularity implies keepalived default persistence 360 s');
  t.same(serviceConfig({ ...p4.vs, persistenceTimeout: 0, persistenceGranularity: undefined }, AddressFamily.INET), { scheduler: p4.vs.lbAlgo, flags: 0, timeout: 0, netmask: 0xffffffff, persistenceEngine: '' });
});

t.test('desiredTable: fwmark service, rs port 0, inhibit and down servers', async (t) => {
  const c = conf(`
virtual_server fwmark 5 {
  lb_algo wrr
  lb_kind DR
  real_server 10.0.1.1 {
    weight 4
  }
  real_server 10.0.1.2 {
    inhibit_on_failure
  }
  real_server 10.0.1.3 {
  }
}
`);
  const plans = planVirtualServers(c);
  const down = new Set(['FWM 5 -> 10.0.1.2:0', 'FWM 5 -> 10.0.1.3:0']);
  const tb = desiredTable(plans, (id) => ({ alive: !down.has(id), weight: id.endsWith('10.0.1.1:0') ? 4 : 1 }), () => true);
  const s = tb.get('FWM 5')!;
  t.same([...s.dests.keys()], ['10.0.1.1:0', '10.0.1.2:0']);
  t.equal(s.dests.get('10.0.1.2:0')!.config.weight, 0);
  t.equal(s.dests.get('10.0.1.1:0')!.config.weight, 4);
});

t.test('checkTargets: inheritance and mapping', async (t) => {
  const c = conf(`
track_file tf {
  file /tmp/lvsk-weight
  weight 3
}
virtual_server 10.0.0.1 80 {
  virtualhost vs.example
  protocol TCP
  real_server 10.0.1.1 8080 {
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 2
    }
    MISC_CHECK {
      misc_path "/bin/sh a b"
      misc_dynamic
    }
    UDP_CHECK {
      connect_port 53
      require_reply 0102
    }
    FILE_CHECK {
      track_file tf
    }
  }
}
`);
  const [p] = planVirtualServers(c);
  const r = p.realServers[0];
  const ts = checkTargets(c, p.vs, r.rs, r.id, p.id, 80);
  t.same(ts.map((x) => x.kind), ['HTTP_GET', 'MISC_CHECK', 'UDP_CHECK', 'FILE_CHECK']);
  t.same(ts.flatMap((x) => x.issues.filter((i) => i.severity === 'error')), []);
  const http = ts[0].target!;
  t.equal(http.kind, CheckerKind.HttpGet);
  if (http.kind === CheckerKind.HttpGet) {
    t.equal(http.http.virtualhost, 'vs.example', 'virtualhost from the virtual server');
    t.same(http.conn, { connectIp: '10.0.1.1', connectPort: 8080, bindto: undefined, bindPort: undefined, bindIf: undefined, fwmark: undefined });
    t.equal(http.timing.connectTimeoutMs, 2000);
    t.equal(http.http.urls[0].path, '/health');
  }
  const misc = ts[1].target!;
  if (misc.kind === CheckerKind.Misc) {
    t.equal(misc.misc.miscPath, '/bin/sh a b');
    t.equal(misc.misc.miscDynamic, true);
  }
  const file = ts[3].target!;
  if (file.kind === CheckerKind.File) t.same(file.file, { path: '/tmp/lvsk-weight', weight: 3, reverse: false });
  t.equal(ts[0].id, r.id + '#0:HTTP_GET');
  t.equal(r.id, 'TCP 10.0.0.1:80 -> 10.0.1.1:8080', r.id);
  t.equal(replyPattern('0a0b', 'ff0f'), '0aXb');
});

t.test('executeOps: EEXIST add becomes an edit, deleting what is gone is done', async (t) => {
  const c = createFakeClient();
  const svc = { family: AddressFamily.INET, protocol: Protocol.TCP, address: '10.0.0.1', port: 80 } as const;
  const cfg = { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, persistenceEngine: '' };
  await c.addService(svc, cfg);
  await c.addDestination(svc, { address: '10.0.1.1', port: 80 }, defaultDestinationConfig());
  const out = await executeOps(
    c,
    [
      { op: 'add-service', service: svc, config: { ...cfg, scheduler: 'wlc' }, reason: 'missing' },
      { op: 'add-dest', service: svc, dest: { address: '10.0.1.1', port: 80 }, config: { ...defaultDestinationConfig(), weight: 9 }, reason: 'missing' },
      { op: 'del-dest', service: svc, dest: { address: '10.0.1.9', port: 80 }, reason: 'x' },
      { op: 'add-dest', service: { ...svc, port: 81 }, dest: { address: '10.0.1.1', port: 80 }, config: defaultDestinationConfig(), reason: 'missing' },
    ],
    2,
  );
  t.same(out.map((o) => [o.ok, o.note ?? '', o.error?.code ?? '']), [
    [true, 'existed; updated', ''],
    [true, 'existed; updated', ''],
    [true, 'already gone', ''],
    [false, '', 'ESRCH'],
  ]);
  const s = (await c.listAll())[0];
  t.equal(s.config.scheduler, 'wlc');
  t.equal(s.destinations[0].config.weight, 9);
});

t.test('checkTargets: DNS, SMTP, PING, SSL_GET and dropped checkers', async (t) => {
  const c = conf(`
SSL {
  certificate /etc/ssl/client.pem
}
virtual_server 10.0.0.1 53 {
  protocol UDP
  real_server 10.0.1.1 53 {
    DNS_CHECK {
      type A
      name example.org
    }
    PING_CHECK {
    }
    SSL_GET {
      url {
        path /
      }
      connect_port 443
    }
    SMTP_CHECK {
      connect_port 25
      helo_name mx.example
    }
  }
}
`);
  const [p] = planVirtualServers(c);
  const r = p.realServers[0];
  const ts = checkTargets(c, p.vs, r.rs, r.id, p.id, 53);
  const byKind = Object.fromEntries(ts.map((x) => [x.kind, x.target as any]));
  t.same(byKind.DNS_CHECK.dns, { type: 'A', name: 'example.org' });
  t.equal(byKind.DNS_CHECK.protocol, 'udp');
  t.equal(byKind.PING_CHECK.conn.connectPort, 0);
  t.equal(byKind.SSL_GET.conn.connectPort, 443);
  t.equal(byKind.SSL_GET.http.tls.certificate, '/etc/ssl/client.pem');
  t.equal(byKind.SMTP_CHECK.smtp.heloName, 'mx.example');
});
