// use_vmac planning: VMAC names as keepalived makes them, reuse/update/replace/conflict decisions, VIP placement on the VMAC.
import t from 'tap';
import { AddressFamily } from '../../src/vrrp/addr';
import { decideVmac, vmacNameCandidates } from '../../src/daemon/vrrp/vmac';
import { placeVips } from '../../src/daemon/vrrp/runner';
import { MacvlanMode } from '../../src/rtnl/linkinfo';
import type { LinkInfo } from '../../src/rtnl/links';

const eth0: LinkInfo = { index: 2, name: 'eth0', up: true, running: true, mac: '52:54:00:12:34:56' };
const macvlan = (name: string, mac: string, parentIndex = 2, mode = MacvlanMode.Private): LinkInfo => ({ index: 10, name, up: true, running: true, mac, parentIndex, kindInfo: { kind: 'macvlan', mode } });

t.test('names: vrrp.VRID, then vrrpN.VRID (IPv6 tries vrrp6 first); cut to 15 characters', async (t) => {
  t.same(vmacNameCandidates(51, AddressFamily.Inet, 'vrrp', 3), ['vrrp.51', 'vrrp1.51', 'vrrp2.51']);
  t.same(vmacNameCandidates(51, AddressFamily.Inet6, 'vrrp', 8), ['vrrp.51', 'vrrp6.51', 'vrrp1.51', 'vrrp2.51', 'vrrp3.51', 'vrrp4.51', 'vrrp5.51', 'vrrp7.51']);
  for (const n of vmacNameCandidates(255, AddressFamily.Inet, 'averyveryverylongprefix', 3)) t.ok(n.length <= 15 && n.endsWith('.255'), n);
});

t.test('decisions', async (t) => {
  const req = { instance: 'VI_1', vrid: 51, family: AddressFamily.Inet, parent: eth0, taken: new Set<string>() };
  t.same(decideVmac(req, [eth0]), { action: 'create', name: 'vrrp.51' }, 'nothing there: create vrrp.51');
  t.match(decideVmac(req, [eth0, macvlan('vrrp.51', '00:00:5e:00:01:33')]), { action: 'reuse', name: 'vrrp.51' }, 'left by -V: reuse');
  t.match(decideVmac(req, [eth0, macvlan('old51', '00:00:5e:00:01:33')]), { action: 'reuse', name: 'old51' }, 'a macvlan with the VMAC on the parent is adopted whatever its name');
  t.match(decideVmac({ ...req, name: 'v51' }, [eth0, macvlan('v51', '00:00:5e:00:01:99')]), { action: 'update', name: 'v51' }, 'wrong MAC: update');
  t.match(decideVmac({ ...req, name: 'v51' }, [eth0, macvlan('v51', '00:00:5e:00:01:33', 2, MacvlanMode.Bridge)]), { action: 'update' }, 'wrong mode: update');
  t.match(decideVmac({ ...req, name: 'v51' }, [eth0, macvlan('v51', '00:00:5e:00:01:33', 7)]), { action: 'replace' }, 'on another parent: replace');
  t.match(decideVmac({ ...req, name: 'eth0' }, [eth0]), { action: 'conflict', detail: /not a macvlan/ }, 'never touches a device that is not a macvlan');
  t.same(decideVmac(req, [eth0, { ...eth0, index: 5, name: 'vrrp.51' }]), { action: 'create', name: 'vrrp1.51' }, 'name in use by another device: next name');
  t.same(decideVmac({ ...req, taken: new Set(['vrrp.51']) }, [eth0]), { action: 'create', name: 'vrrp1.51' }, 'name used by another instance: next name');
  t.same(decideVmac({ ...req, family: AddressFamily.Inet6 }, [eth0, macvlan('vrrp.51', '00:00:5e:00:01:33')]), { action: 'create', name: 'vrrp6.51' }, 'IPv6 instance of the same VRID: its own VMAC 00:00:5e:00:02:33');
});

t.test('VIPs of the instance family on its interface move to the VMAC; others stay', async (t) => {
  const specs = [
    { address: '10.0.0.100', prefix: 24, dev: 'eth0' },
    { address: '10.0.1.100', prefix: 24, dev: 'eth1' },
    { address: 'fd00::100', prefix: 64, dev: 'eth0', nodad: true },
  ];
  t.same(placeVips(specs, 'eth0', 4, 'vrrp.51').map((s) => s.dev), ['vrrp.51', 'eth1', 'eth0']);
  t.same(placeVips(specs, 'eth0', 6, 'vrrp.51').map((s) => s.dev), ['eth0', 'eth1', 'vrrp.51']);
  t.equal(placeVips(specs, 'eth0', 4, undefined), specs, 'no VMAC: unchanged');
});
