// The VRRP subsystem's pure wiring: notify argument lists, VIP/route specs and diffs, tracking effect, sync-group faults, reload plan, and an InstanceRunner with fakes.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';
import type { Config } from '../../src/config/model';
import { NotifyState, notifyCommands, argvOf, resolveIds, runCommand } from '../../src/daemon/vrrp/notify';
import { diffVips, instanceVips, routeSpec, vipKey } from '../../src/daemon/vrrp/vips';
import { TrackKind, parseTrackValue, scriptResult, trackEffect } from '../../src/daemon/vrrp/tracking';
import { followers, groupState, mayGoMaster, syncFaults } from '../../src/daemon/vrrp/sync';
import { ReloadAction, planReload } from '../../src/daemon/vrrp/reload-plan';
import { InstanceRunner, RunnerEnv } from '../../src/daemon/vrrp/runner';
import { NotifyKind, VrrpState } from '../../src/vrrp/fsm';
import { parseVrrp } from '../../src/vrrp/packet';
import { AddressFamily } from '../../src/vrrp/addr';

function config(text: string): Config {
  const r = parseConfig('/etc/keepalived/keepalived.conf', memoryLoader({ '/etc/keepalived/keepalived.conf': text }));
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
}

const BASE = `
global_defs { enable_script_security
  script_user root }
vrrp_script chk { script "/bin/true"
  interval 1
  weight -20 }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.0.0.100/24 dev eth1 label eth1:vip scope global brd 10.0.0.255
    10.0.0.101
  }
  virtual_ipaddress_excluded { 2001:db8::5/64 }
  virtual_routes { 192.168.9.0/24 via 10.0.0.1 table 100 metric 5 }
  notify_master "/usr/local/bin/master.sh arg1 'two words'"
  notify "/usr/local/bin/notify.sh" nobody
  track_script { chk }
}
`;

t.test('notify: the state script alone, then the generic one with INSTANCE/GROUP NAME STATE PRIORITY', async (t) => {
  const m = config(BASE).vrrpInstances[0]!;
  t.same(argvOf(m.notifyMaster!), ['/usr/local/bin/master.sh', 'arg1', 'two words']);
  const c = notifyCommands(m, 'INSTANCE', 'VI_1', NotifyState.Master, 100, { user: 'root' });
  t.same(c, [
    { file: '/usr/local/bin/master.sh', args: ['arg1', 'two words'], user: 'root' },
    { file: '/usr/local/bin/notify.sh', args: ['INSTANCE', 'VI_1', 'MASTER', '100'], user: 'nobody' },
  ]);
  const b = notifyCommands(m, 'INSTANCE', 'VI_1', NotifyState.Backup, 80);
  t.same(b, [{ file: '/usr/local/bin/notify.sh', args: ['INSTANCE', 'VI_1', 'BACKUP', '80'], user: 'nobody' }], 'no notify_backup: only the generic one');
  const g = notifyCommands({ notify: m.notify! }, 'GROUP', 'G1', NotifyState.Fault, 100);
  t.same(g[0]!.args, ['GROUP', 'G1', 'FAULT', '0'], 'groups report priority 0');
  const d = notifyCommands({ notify: m.notify! }, 'INSTANCE', 'VI_1', NotifyState.Deleted, 100);
  t.equal(d[0]!.args[2], 'FAULT', 'DELETED is reported as FAULT without notify_deleted');
  const s = notifyCommands({ notify: m.notify! }, 'INSTANCE', 'VI_1', NotifyState.Stop, 100);
  t.equal(s[0]!.waitMs, 1000, 'STOP notifies are waited for (1 s)');
});

t.test('notify: ids from passwd/group text, spawn without a shell, SIGKILL on timeout', async (t) => {
  const read = async (p: string): Promise<string> => (p === '/etc/passwd' ? 'root:x:0:0::/root:/bin/sh\nka:x:1001:1002::/:/bin/false\n' : 'wheel:x:10:\n');
  t.same(await resolveIds('ka', undefined, read), { uid: 1001, gid: 1002 });
  t.same(await resolveIds('ka', 'wheel', read), { uid: 1001, gid: 10 });
  t.same(await resolveIds('7', '8', read), { uid: 7, gid: 8 });
  await t.rejects(resolveIds('nosuch', undefined, read), { code: 'ENOENT' });
  const r = await runCommand({ file: '/bin/sh', args: ['-c', 'exit 3'] });
  t.equal(r.code, 3);
  const k = await runCommand({ file: '/bin/sleep', args: ['5'] }, 100);
  t.ok(k.timedOut);
  t.equal(k.signal, 'SIGKILL');
  await t.rejects(runCommand({ file: '/nonexistent/script', args: [] }), { code: 'ENOENT' });
  const star = await runCommand({ file: '/bin/echo', args: ['$HOME', '*'] });
  t.equal(star.code, 0, 'arguments are not expanded by a shell');
});

t.test('VIP specs: dev/label/scope/brd, instance interface by default, IPv6 NODAD; diffs by address/prefix/dev', async (t) => {
  const m = config(BASE).vrrpInstances[0]!;
  const v = instanceVips(m);
  t.same(v[0], { address: '10.0.0.100', prefix: 24, dev: 'eth1', label: 'eth1:vip', scope: 'global', broadcast: '10.0.0.255' });
  t.same(v[1], { address: '10.0.0.101', prefix: 32, dev: 'eth0' });
  t.same(v[2], { address: '2001:db8::5', prefix: 64, dev: 'eth0', nodad: true }, 'excluded VIPs are installed too');
  const next = [v[0]!, { address: '10.0.0.102', prefix: 32, dev: 'eth0' }];
  const d = diffVips(v, next);
  t.same(d.add.map(vipKey), ['10.0.0.102/32@eth0']);
  t.same(d.remove.map(vipKey), ['10.0.0.101/32@eth0', '2001:db8::5/64@eth0']);
  t.same(d.keep.map(vipKey), ['10.0.0.100/24@eth1']);
  const r = routeSpec(m.virtualRoutes[0]!, 'eth0');
  t.same(r, { ok: true, spec: { dest: '192.168.9.0', prefix: 24, family: 4, via: '10.0.0.1', dev: 'eth0', table: 100, metric: 5 } });
  const bad = routeSpec({ ...m.virtualRoutes[0]!, options: ['mtu', '1400'] }, 'eth0');
  t.equal(bad.ok, false);
});

t.test('tracking: keepalived weights, reverse, fault on weight 0, track_file value x weight, clamping', async (t) => {
  const I = TrackKind.Interface;
  t.same(trackEffect(100, [{ kind: I, name: 'eth1', weight: 0, up: false }]), { faults: ['interface:eth1'], priority: 100 });
  t.same(trackEffect(100, [{ kind: I, name: 'eth1', weight: 0, up: true, reverse: true }]).faults, ['interface:eth1']);
  t.equal(trackEffect(100, [{ kind: TrackKind.Script, name: 's', weight: -20, up: false }]).priority, 80);
  t.equal(trackEffect(100, [{ kind: TrackKind.Script, name: 's', weight: -20, up: true }]).priority, 100);
  t.equal(trackEffect(100, [{ kind: TrackKind.Script, name: 's', weight: 30, up: true }]).priority, 130);
  t.equal(trackEffect(100, [{ kind: TrackKind.Script, name: 's', weight: 30, up: false }]).priority, 100);
  t.equal(trackEffect(240, [{ kind: TrackKind.Script, name: 's', weight: 30, up: true }]).priority, 254, 'clamped to 254');
  t.equal(trackEffect(10, [{ kind: TrackKind.Script, name: 's', weight: -30, up: false }]).priority, 1, 'clamped to 1');
  t.equal(trackEffect(255, [{ kind: TrackKind.Script, name: 's', weight: -30, up: false }]).priority, 255, 'owner keeps 255');
  t.equal(trackEffect(100, [{ kind: TrackKind.File, name: 'f', weight: 2, up: true, value: -5 }]).priority, 90);
  t.same(trackEffect(100, [{ kind: TrackKind.File, name: 'f', weight: 0, up: true, value: 3 }]).faults, ['file:f']);
  t.same(trackEffect(100, [{ kind: TrackKind.File, name: 'f', weight: 1, up: true, value: -254 }]).faults, ['file:f']);
  t.equal(parseTrackValue(' 42\n'), 42);
  t.equal(parseTrackValue('-3 x'), -3);
  t.equal(parseTrackValue('abc'), 0);
  let s = { good: true, streak: 0 };
  s = scriptResult(s, false, 2, 3);
  s = scriptResult(s, false, 2, 3);
  t.equal(s.good, true, 'two failures < fall 3');
  s = scriptResult(s, false, 2, 3);
  t.equal(s.good, false, 'third failure: down');
  s = scriptResult(s, true, 2, 3);
  s = scriptResult(s, false, 2, 3);
  s = scriptResult(s, true, 2, 3);
  t.equal(s.good, false, 'rise counts consecutive successes');
  s = scriptResult(s, true, 2, 3);
  t.equal(s.good, true);
});

t.test('sync groups: one member at fault holds the others; group state when all agree', async (t) => {
  const groups = [{ name: 'G', group: ['A', 'B', 'C'] }, { name: 'H', group: ['D'] }];
  const m = syncFaults(groups, (n) => n === 'B');
  t.same(Object.fromEntries(m), { A: true, B: false, C: true, D: false });
  t.same(Object.fromEntries(syncFaults(groups, () => false)), { A: false, B: false, C: false, D: false });
  t.equal(groupState(['MASTER', 'MASTER']), 'MASTER');
  t.equal(groupState(['MASTER', 'BACKUP']), undefined);
  const v = (name: string, state: string, wantMaster = false) => ({ name, state, wantMaster });
  t.equal(mayGoMaster('A', [v('A', 'BACKUP'), v('B', 'BACKUP')]), false, 'others do not want MASTER: stay BACKUP');
  t.equal(mayGoMaster('A', [v('A', 'BACKUP'), v('B', 'BACKUP', true)]), true, 'all others want MASTER');
  t.equal(mayGoMaster('A', [v('A', 'BACKUP'), v('B', 'MASTER')]), true, 'group already MASTER');
  t.equal(mayGoMaster('A', [v('A', 'BACKUP')]), true, 'alone');
  t.same(followers('A', 'BACKUP', 'MASTER', [v('A', 'MASTER'), v('B', 'BACKUP'), v('C', 'FAULT')]), { target: 'MASTER', names: ['B'] });
  t.same(followers('A', 'MASTER', 'BACKUP', [v('A', 'BACKUP'), v('B', 'MASTER'), v('C', 'BACKUP')]), { target: 'BACKUP', names: ['B'] });
  t.equal(followers('A', 'FAULT', 'BACKUP', [v('A', 'BACKUP'), v('B', 'MASTER')]), undefined, 'leaving FAULT moves nobody');
});

t.test('reload plan: keep, in-place update, recreate, remove, add', async (t) => {
  const prev = config(BASE + 'vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 50\n virtual_ipaddress { 10.0.0.200 }\n}\n').vrrpInstances;
  const same = config('\n\n' + BASE + 'vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 50\n virtual_ipaddress { 10.0.0.200 }\n}\n').vrrpInstances;
  t.same(planReload(prev, same).map((s) => s.action), [ReloadAction.Keep, ReloadAction.Keep], 'moved lines are no change');
  const next = config(
    BASE.replace('priority 100', 'priority 110').replace('10.0.0.101', '10.0.0.111') +
      'vrrp_instance VI_3 {\n interface eth0\n virtual_router_id 53\n priority 50\n virtual_ipaddress { 10.0.0.201 }\n}\n',
  ).vrrpInstances;
  const p = planReload(prev, next);
  t.same(
    p.map((s) => [s.name, s.action]),
    [
      ['VI_1', ReloadAction.Update],
      ['VI_3', ReloadAction.Add],
      ['VI_2', ReloadAction.Remove],
    ],
  );
  t.same(p[0]!.changed, ['priority', 'virtualIpaddress']);
  const vrid = config(BASE.replace('virtual_router_id 51', 'virtual_router_id 61')).vrrpInstances;
  t.same(planReload([prev[0]!], vrid)[0], { name: 'VI_1', action: ReloadAction.Recreate, changed: ['virtualRouterId'] });
  const owner = config(BASE.replace('priority 100', 'priority 255')).vrrpInstances;
  t.equal(planReload([prev[0]!], owner)[0]!.action, ReloadAction.Recreate, 'becoming the address owner needs a restart');
});

class FakeTransport extends EventEmitter {
  readonly kind = 'native' as const;
  sent: Buffer[] = [];
  closed = false;
  send(msg: Buffer): Promise<number> {
    this.sent.push(msg);
    return Promise.resolve(msg.length);
  }
  close(): void {
    this.closed = true;
  }
}

function fakeEnv() {
  const calls: string[] = [];
  const env: RunnerEnv = {
    addVips: async (_r, specs, routes) => void calls.push(`add ${specs.map(vipKey).join(',')} routes=${routes.length}`),
    removeVips: async (_r, specs) => void calls.push(`remove ${specs.map(vipKey).join(',')}`),
    gratuitous: (_r, repeat) => void calls.push(`garp ${repeat}`),
    notify: (_r, kind, prio) => void calls.push(`notify ${kind} ${prio}`),
    log: () => undefined,
  };
  return { env, calls };
}

const OWNER = `
vrrp_instance VI_O {
  interface eth0
  virtual_router_id 7
  priority 255
  version 3
  virtual_ipaddress { 10.0.0.7/24 }
}
`;

t.test('runner: an owner starts as master, adds VIPs, announces; update in place; stop sends priority 0 and removes VIPs', async (t) => {
  const m = config(OWNER).vrrpInstances[0]!;
  const tr = new FakeTransport();
  const { env, calls } = fakeEnv();
  const r = new InstanceRunner({ model: m, primaryAddress: '10.0.0.1', transport: tr, env });
  r.start();
  await new Promise((res) => setImmediate(res));
  t.equal(r.inst.state.state, VrrpState.Master);
  t.ok(r.vipsInstalled);
  t.same(calls.slice(0, 3), [`notify ${NotifyKind.Master} 255`, 'garp 5', 'add 10.0.0.7/24@eth0 routes=0'].sort((a, b) => calls.indexOf(a) - calls.indexOf(b)));
  t.ok(calls.includes('add 10.0.0.7/24@eth0 routes=0'));
  const first = parseVrrp(tr.sent[0]!, { family: AddressFamily.Inet, src: '10.0.0.1', dst: '224.0.0.18' });
  t.ok(first.ok && first.packet.priority === 255 && first.packet.addresses.join() === '10.0.0.7');
  calls.length = 0;
  const next = config(OWNER.replace('10.0.0.7/24', '10.0.0.7/24\n 10.0.0.8/24')).vrrpInstances[0]!;
  await r.update(next, '10.0.0.1');
  t.same(calls, ['remove ', 'add 10.0.0.8/24@eth0 routes=0'], 'only the new address is added');
  tr.sent.length = 0;
  r.inst.opts.hooks!.log?.('info', 'x');
  const adv = r.inst.advert(255);
  t.same(adv.addresses, ['10.0.0.7', '10.0.0.8'], 'adverts carry the new list');
  calls.length = 0;
  await r.stop(false);
  const last = parseVrrp(tr.sent.at(-1)!, { family: AddressFamily.Inet, src: '10.0.0.1', dst: '224.0.0.18' });
  t.ok(last.ok && last.packet.priority === 0, 'priority-0 advert on stop');
  t.ok(calls.includes('remove 10.0.0.7/24@eth0,10.0.0.8/24@eth0'));
  t.ok(calls.includes(`notify ${NotifyKind.Stop} 255`));
  t.ok(tr.closed);
});

t.test('runner: -V keeps the VIPs on stop; sync fault and tracking faults stack', async (t) => {
  const m = config(OWNER).vrrpInstances[0]!;
  const tr = new FakeTransport();
  const { env, calls } = fakeEnv();
  const r = new InstanceRunner({ model: m, primaryAddress: '10.0.0.1', transport: tr, env });
  r.start();
  await new Promise((res) => setImmediate(res));
  r.setSyncFault('sync:G');
  t.equal(r.inst.state.state, VrrpState.Fault, 'sync-group fault takes it to FAULT');
  r.tracked = [{ kind: TrackKind.Interface, name: 'eth9', weight: 0, up: false }];
  r.retrack();
  r.setSyncFault(undefined);
  t.equal(r.inst.state.state, VrrpState.Fault, 'still at fault on its own');
  r.tracked = [];
  r.retrack();
  t.equal(r.inst.state.state, VrrpState.Master, 'no fault left: an owner is master again');
  await new Promise((res) => setImmediate(res));
  calls.length = 0;
  await r.stop(true);
  t.notOk(calls.some((c) => c.startsWith('remove')), 'VIPs stay with -V');
});

t.test('notify fifo: keepalived line format; created, script started with its name, lines delivered, removed on close', async (t) => {
  const { NotifyFifo, fifoLine } = await import('../../src/daemon/vrrp/fifo');
  const { mkdtempSync, readFileSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  t.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n');
  t.equal(fifoLine('GROUP', 'G', 'BACKUP', 0), 'GROUP "G" BACKUP 0\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsk-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const name = path.join(dir, 'vrrp.fifo');
  const out = path.join(dir, 'out');
  const loc = { file: 'x', line: 1, col: 1 };
  const f = new NotifyFifo({ loc, name, script: { loc, command: '', args: ['/bin/sh', '-c', `cat "$1" >> ${out}`, 'sh'] } }, () => undefined);
  await f.open();
  t.ok(existsSync(name), 'FIFO created');
  f.write(fifoLine('INSTANCE', 'VI_1', 'MASTER', 100));
  f.write(fifoLine('GROUP', 'G', 'MASTER', 0));
  for (let i = 0; i < 50 && !readFileSafe(out).includes('GROUP'); i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(readFileSafe(out), 'INSTANCE "VI_1" MASTER 100\nGROUP "G" MASTER 0\n');
  await f.close();
  t.notOk(existsSync(name), 'FIFO we created is removed');
  function readFileSafe(p: string): string {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  }
});

t.test('FSM sync-group events: SyncMaster from BACKUP, SyncBackup from MASTER (no priority 0), SyncWait restarts the down timer', async (t) => {
  const { step, initialState, fsmConfig, EventType, TimerName, masterDownInterval } = await import('../../src/vrrp/fsm');
  const { VrrpVersion } = await import('../../src/vrrp/constants');
  const cfg = fsmConfig({ version: VrrpVersion.V3, priority: 100, primaryAddress: '10.0.0.1' });
  let s = step(initialState(cfg), { type: EventType.Startup }, 0).state;
  t.equal(s.state, VrrpState.Backup);
  const w = step(s, { type: EventType.SyncWait }, 500);
  t.equal(w.state.state, VrrpState.Backup);
  t.equal(w.state.timers[TimerName.MasterDown], 500 + masterDownInterval(s));
  const m = step(s, { type: EventType.SyncMaster }, 600);
  t.equal(m.state.state, VrrpState.Master);
  t.ok(m.actions.some((a) => a.type === 'addVips'));
  s = m.state;
  const b = step(s, { type: EventType.SyncBackup }, 700);
  t.equal(b.state.state, VrrpState.Backup);
  t.ok(b.actions.some((a) => a.type === 'removeVips'));
  t.notOk(b.actions.some((a) => a.type === 'sendAdvert' && a.priority === 0), 'no priority-0 advert (keepalived leave_master(vrrp, false))');
  t.same(step(b.state, { type: EventType.SyncBackup }, 800).actions, [], 'no-op in BACKUP');
});

t.test('VrrpInstance: mayBecomeMaster gate holds BACKUP with wantMaster, then lets it go', async (t) => {
  const { VrrpInstance } = await import('../../src/vrrp/instance');
  const { fsmConfig } = await import('../../src/vrrp/fsm');
  const { VrrpVersion } = await import('../../src/vrrp/constants');
  let now = 0;
  const pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let ids = 0;
  const timers = {
    set: (fn: () => void, ms: number) => {
      const id = ++ids;
      pending.push({ at: now + ms, fn, id });
      return id;
    },
    clear: (h: unknown) => {
      const i = pending.findIndex((p) => p.id === h);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      pending.sort((a, b) => a.at - b.at);
      const p = pending[0];
      if (!p || p.at > end) break;
      pending.shift();
      now = p.at;
      p.fn();
    }
    now = end;
  };
  let allow = false;
  const inst = new VrrpInstance({
    name: 'VI',
    fsm: fsmConfig({ version: VrrpVersion.V3, priority: 100, primaryAddress: '10.0.0.1' }),
    check: { version: VrrpVersion.V3, family: AddressFamily.Inet, vrid: 1, addresses: ['10.0.0.9'], advertIntervalMs: 1000 },
    transport: new FakeTransport(),
    sourceAddress: '10.0.0.1',
    clock: () => now,
    timers,
    hooks: { mayBecomeMaster: () => allow },
  });
  inst.start();
  advance(4000);
  t.equal(inst.state.state, VrrpState.Backup, 'held in BACKUP');
  t.ok(inst.wantMaster, 'wants MASTER');
  allow = true;
  advance(4000);
  t.equal(inst.state.state, VrrpState.Master, 'goes MASTER once the group is ready');
  t.notOk(inst.wantMaster);
  inst.stop();
});
