// keepalived.conf vrrp_instance -> FSM/validation settings, with keepalived 2.2.7's completion rules.

import t from 'tap';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';
import { AddressFamily } from '../../src/vrrp/addr';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { effectiveAdvertIntervalMs, instanceSettings } from '../../src/vrrp/from-config';

function instances(text: string) {
  const r = parseConfig('/etc/keepalived/keepalived.conf', memoryLoader({ '/etc/keepalived/keepalived.conf': text }));
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return r.config.vrrpInstances;
}

t.test('a typical v2 instance with PASS auth, nopreempt, garp settings', async (tt) => {
  const [m] = instances(`
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 2
  nopreempt
  garp_master_delay 3
  garp_master_repeat 2
  garp_master_refresh 60
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  unicast_peer {
    192.168.77.2 min_ttl 250
  }
  virtual_ipaddress {
    192.168.77.100/24
    192.168.77.101/24
  }
}
`);
  const s = instanceSettings(m!, { primaryAddress: '192.168.77.1' });
  tt.same(s.warnings, []);
  tt.match(s.fsm, {
    version: VrrpVersion.V2,
    priority: 150,
    advertIntervalMs: 2000,
    preempt: false,
    preemptDelayMs: 0,
    acceptMode: true,
    garpMasterDelayMs: 3000,
    garpMasterRepeat: 2,
    garpMasterRefreshMs: 60000,
    downTimerAdverts: 3,
    primaryAddress: '192.168.77.1',
  });
  tt.match(s.check, {
    version: VrrpVersion.V2,
    family: AddressFamily.Inet,
    vrid: 51,
    addresses: ['192.168.77.100', '192.168.77.101'],
    advertIntervalMs: 2000,
    authType: AuthType.Pass,
    authPass: 's3cret',
    unicast: true,
    unicastPeers: [{ address: '192.168.77.2', minTtl: 250 }],
  });
  tt.same(s.unicastPeers, ['192.168.77.2']);
});

t.test('IPv6 instance defaults to v3; auth ignored on v3; interval rounding', async (tt) => {
  const [m] = instances(`
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 77
  priority 255
  advert_int 0.123
  authentication {
    auth_type PASS
    auth_pass x
  }
  virtual_ipaddress {
    fd00:0077::0100/64
  }
}
`);
  const s = instanceSettings(m!, { primaryAddress: 'fe80::1' });
  tt.equal(s.check.version, VrrpVersion.V3);
  tt.equal(s.check.family, AddressFamily.Inet6);
  tt.same(s.check.addresses, ['fd00:77::100']);
  tt.equal(s.check.authType, AuthType.None);
  tt.equal(s.fsm.advertIntervalMs, 120);
  tt.equal(s.fsm.acceptMode, true, 'owner');
  // the config builder may already have adjusted (and diagnosed) these; either way the result is keepalived's
});

t.test('advert_int rounding as keepalived', async (tt) => {
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V2, 1.4), 1000);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V2, 1.5), 2000);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V2, 0.3), 1000);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V2, 300), 255000);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V3, 0.005), 10);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V3, 0.015), 20);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V3, 50), 40950);
  tt.equal(effectiveAdvertIntervalMs(VrrpVersion.V3, 1), 1000);
});
