// Shutdown of a master: priority-0 advert and VIP removal normally; neither with keepalived's -V (release: false), STOP notified in both.
import t from 'tap';
import { EventType, FsmState, NotifyKind, TimerName, VrrpState, fsmConfig, initialState, step } from '../../src/vrrp/fsm';
import { VrrpVersion } from '../../src/vrrp/constants';

function master(): FsmState {
  const cfg = fsmConfig({ version: VrrpVersion.V3, priority: 150, primaryAddress: '10.0.0.1' });
  let s = step(initialState(cfg), { type: EventType.Startup }, 0).state;
  const due = s.timers[TimerName.MasterDown]!;
  s = step(s, { type: EventType.Timer, timer: TimerName.MasterDown }, due).state;
  return s;
}

t.test('a master leaving normally sends priority 0 and removes its VIPs', async (t) => {
  const s = master();
  t.equal(s.state, VrrpState.Master);
  const r = step(s, { type: EventType.Shutdown }, 10000);
  t.equal(r.state.state, VrrpState.Initialize);
  t.ok(r.actions.some((a) => a.type === 'sendAdvert' && a.priority === 0), 'priority-0 advert (RFC 5798 6.4.3)');
  t.ok(r.actions.some((a) => a.type === 'removeVips'), 'VIPs removed');
  t.ok(r.actions.some((a) => a.type === 'notify' && a.kind === NotifyKind.Stop), 'STOP notified');
});

t.test('-V: a master leaving sends nothing and keeps its VIPs; STOP is still notified (keepalived notify_shutdown)', async (t) => {
  const s = master();
  const r = step(s, { type: EventType.Shutdown, release: false }, 10000);
  t.equal(r.state.state, VrrpState.Initialize);
  t.notOk(r.actions.some((a) => a.type === 'sendAdvert'), 'no advert at all');
  t.notOk(r.actions.some((a) => a.type === 'removeVips'), 'VIPs kept');
  t.ok(r.actions.some((a) => a.type === 'notify' && a.kind === NotifyKind.Stop), 'STOP notified');
  t.same(r.state.timers, {}, 'no timer left');
});

t.test('-V on a backup is a plain stop', async (t) => {
  const cfg = fsmConfig({ version: VrrpVersion.V2, priority: 100, primaryAddress: '10.0.0.1' });
  const s = step(initialState(cfg), { type: EventType.Startup }, 0).state;
  t.equal(s.state, VrrpState.Backup);
  const r = step(s, { type: EventType.Shutdown, release: false }, 500);
  t.equal(r.state.state, VrrpState.Initialize);
  t.notOk(r.actions.some((a) => a.type === 'sendAdvert' || a.type === 'removeVips'));
});
