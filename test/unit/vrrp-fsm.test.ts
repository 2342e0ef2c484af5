// VRRP state machine: tables of event sequences with expected states, actions and absolute deadlines.

import t, { Test } from 'tap';
import {
  EventType,
  FsmAction,
  FsmConfig,
  FsmEvent,
  FsmState,
  GarpReason,
  NotifyKind,
  TimerName,
  VrrpState,
  advertEvent,
  fsmConfig,
  initialState,
  step,
} from '../../src/vrrp/fsm';
import { VrrpVersion } from '../../src/vrrp/constants';
import { masterDownIntervalUs, skewTimeUs } from '../../src/vrrp/timers';

const ME = '192.168.77.2';
const LOWER_ADDR = '192.168.77.1';
const HIGHER_ADDR = '192.168.77.3';

const up: FsmEvent = { type: EventType.Startup };
const down: FsmEvent = { type: EventType.Shutdown };
const adv = (priority: number, source = LOWER_ADDR, maxAdvertIntervalCs?: number): FsmEvent =>
  maxAdvertIntervalCs === undefined
    ? { type: EventType.Advert, priority, source }
    : { type: EventType.Advert, priority, source, maxAdvertIntervalCs };
const fire = (timer: TimerName): FsmEvent => ({ type: EventType.Timer, timer });
const faultOn = (source: string): FsmEvent => ({ type: EventType.FaultOn, source });
const faultOff = (source: string): FsmEvent => ({ type: EventType.FaultOff, source });
const prio = (priority: number): FsmEvent => ({ type: EventType.PriorityChange, priority });

const send = (priority: number): FsmAction => ({ type: 'sendAdvert', priority });
const start = (timer: TimerName, deadline: number): FsmAction => ({ type: 'startTimer', timer, deadline });
const stop = (timer: TimerName): FsmAction => ({ type: 'stopTimer', timer });
const notify = (kind: NotifyKind, priority: number): FsmAction => ({ type: 'notify', kind, priority });
const garp = (repeat: number, reason: GarpReason): FsmAction => ({ type: 'sendGratuitous', repeat, reason });
const addVips: FsmAction = { type: 'addVips', acceptMode: true };
const removeVips: FsmAction = { type: 'removeVips' };

interface Row {
  at: number;
  ev: FsmEvent;
  state: VrrpState;
  /** exact list of non-log actions */
  actions?: FsmAction[];
  /** checks on the resulting state */
  check?: (s: FsmState) => void;
}

function run(tt: Test, cfg: FsmConfig, rows: Row[]): FsmState {
  let s = initialState(cfg);
  for (const [i, r] of rows.entries()) {
    const res = step(s, r.ev, r.at);
    const acts = res.actions.filter((a) => a.type !== 'log');
    tt.equal(res.state.state, r.state, `row ${i} (${r.ev.type}${'timer' in r.ev ? ':' + r.ev.timer : ''} at ${r.at}): state`);
    if (r.actions) tt.same(acts, r.actions, `row ${i}: actions`);
    if (r.check) r.check(res.state);
    s = res.state;
  }
  return s;
}

// keepalived timer arithmetic, in ms
const V2_SKEW_100 = (156 * 1000) / 256; // 609.375
const V2_MDI_100 = 3000 + V2_SKEW_100;

const base = (over: Partial<FsmConfig> = {}): FsmConfig => fsmConfig({ version: VrrpVersion.V2, priority: 100, primaryAddress: ME, ...over });

/** the actions of becoming master with keepalived defaults, at time `at` */
const becomeMaster = (p: number, at: number, advertMs = 1000): FsmAction[] => [
  send(p),
  addVips,
  garp(5, GarpReason.BecomeMaster),
  notify(NotifyKind.Master, p),
  start(TimerName.GarpMasterDelay, at + 5000),
  start(TimerName.Advert, at + advertMs),
];

t.test('timer arithmetic: RFC 3768 / RFC 5798 with keepalived rounding', async (tt) => {
  tt.equal(skewTimeUs(VrrpVersion.V2, 100, 100), 609375);
  tt.equal(skewTimeUs(VrrpVersion.V2, 100, 300), 609375, 'v2 skew ignores the interval');
  tt.equal(skewTimeUs(VrrpVersion.V2, 255, 100), 3906);
  tt.equal(skewTimeUs(VrrpVersion.V3, 100, 100), 609375, 'v3: (256-100)*100cs/256 = 60.9375 cs');
  tt.equal(skewTimeUs(VrrpVersion.V3, 100, 10), 60937, 'v3 0.1 s: truncated to the microsecond');
  tt.equal(skewTimeUs(VrrpVersion.V3, 150, 200), Math.floor((106 * 200 * 625) / 16));
  tt.equal(masterDownIntervalUs(VrrpVersion.V2, 100, 100), 3_609_375);
  tt.equal(masterDownIntervalUs(VrrpVersion.V3, 100, 10), 360_937);
  tt.equal(masterDownIntervalUs(VrrpVersion.V3, 100, 100, 5), 5_609_375, 'down_timer_adverts');
});

t.test('v2 backup: startup, master down, adverts, shutdown', async (tt) => {
  run(tt, base(), [
    { at: 0, ev: up, state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 100), start(TimerName.MasterDown, V2_MDI_100)] },
    // an advert from a higher priority master resets the Master_Down_Timer
    { at: 1000, ev: adv(150), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + V2_MDI_100)], check: (s) => tt.equal(s.masterAddress, LOWER_ADDR) },
    // equal priority is accepted in backup too (RFC 5798 6.4.2 "greater than or equal")
    { at: 2000, ev: adv(100, HIGHER_ADDR), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 2000 + V2_MDI_100)] },
    // a stale expiry (timer was re-armed) is ignored
    { at: 3609.375, ev: fire(TimerName.MasterDown), state: VrrpState.Backup, actions: [] },
    { at: 2000 + V2_MDI_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master, actions: becomeMaster(100, 2000 + V2_MDI_100) },
    { at: 6609.375, ev: fire(TimerName.Advert), state: VrrpState.Master, actions: [send(100), start(TimerName.Advert, 7609.375)] },
    { at: 7000, ev: down, state: VrrpState.Initialize, actions: [send(0), stop(TimerName.Advert), stop(TimerName.GarpMasterDelay), removeVips, notify(NotifyKind.Stop, 100)] },
  ]);
});

t.test('v2 backup: priority 0 advert -> master after Skew_Time', async (tt) => {
  run(tt, base(), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 500, ev: adv(150), state: VrrpState.Backup },
    { at: 800, ev: adv(0), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 800 + V2_SKEW_100)] },
    { at: 800 + V2_SKEW_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
  ]);
});

t.test('v3: Master_Adver_Interval learned from the master, skew scaled by it', async (tt) => {
  const cfg = base({ version: VrrpVersion.V3, advertIntervalMs: 1000 });
  const skew200 = Math.floor((156 * 200 * 625) / 16) / 1000; // 1218.75 ms
  run(tt, cfg, [
    { at: 0, ev: up, state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 100), start(TimerName.MasterDown, V2_MDI_100)] },
    {
      at: 100,
      ev: adv(200, LOWER_ADDR, 200),
      state: VrrpState.Backup,
      actions: [start(TimerName.MasterDown, 100 + 6000 + skew200)],
      check: (s) => tt.equal(s.masterAdverIntervalCs, 200),
    },
    // priority 0: Skew_Time with the learned interval
    { at: 1000, ev: adv(0, LOWER_ADDR, 200), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + skew200)] },
    {
      at: 1000 + skew200,
      ev: fire(TimerName.MasterDown),
      state: VrrpState.Master,
      actions: becomeMaster(100, 1000 + skew200),
      check: (s) => tt.equal(s.masterAdverIntervalCs, 100, 'a master advertises its own interval'),
    },
  ]);
});

t.test('v3 fast adverts (0.1 s): deadlines with microsecond precision', async (tt) => {
  run(tt, base({ version: VrrpVersion.V3, advertIntervalMs: 100 }), [
    { at: 10, ev: up, state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 100), start(TimerName.MasterDown, 10 + 360.937)] },
    { at: 370.937, ev: fire(TimerName.MasterDown), state: VrrpState.Master, actions: becomeMaster(100, 370.937, 100) },
  ]);
});

t.test('address owner (priority 255) goes straight to master', async (tt) => {
  run(tt, base({ priority: 255 }), [
    { at: 0, ev: up, state: VrrpState.Master, actions: becomeMaster(255, 0) },
    // keepalived never changes an owner's priority
    { at: 10, ev: prio(50), state: VrrpState.Master, actions: [] },
    { at: 1000, ev: fire(TimerName.Advert), state: VrrpState.Master, actions: [send(255), start(TimerName.Advert, 2000)] },
  ]);
});

t.test('two address owners: keepalived lowers itself to 254 and yields to the higher address', async (tt) => {
  run(tt, base({ priority: 255 }), [
    { at: 0, ev: up, state: VrrpState.Master },
    {
      at: 500,
      ev: adv(255, HIGHER_ADDR),
      state: VrrpState.Backup,
      check: (s) => {
        tt.equal(s.priority, 254);
        tt.equal(s.config.priority, 254);
      },
    },
  ]);
});

t.test('master and a lower-priority advert: keepalived sends its own advert at once and re-announces', async (tt) => {
  const mdi150 = 3000 + Math.floor((106 * 1e6) / 256) / 1000; // keepalived truncates to the microsecond
  run(tt, base({ priority: 150 }), [
    { at: 0, ev: up, state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 150), start(TimerName.MasterDown, mdi150)] },
    { at: mdi150, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    {
      at: 4000,
      ev: adv(100),
      state: VrrpState.Master,
      actions: [
        send(150),
        start(TimerName.Advert, 5000),
        garp(5, GarpReason.LowerPrio),
        start(TimerName.GarpLowerPrio, 9000),
        notify(NotifyKind.MasterRxLowerPri, 150),
      ],
    },
    // equal priority from a lower address is "lower" too (RFC 5798 6.4.3 tie-break)
    { at: 4100, ev: adv(150, LOWER_ADDR), state: VrrpState.Master },
    // the second lower advert re-armed the delayed burst
    { at: 9000, ev: fire(TimerName.GarpLowerPrio), state: VrrpState.Master, actions: [] },
    { at: 9100, ev: fire(TimerName.GarpLowerPrio), state: VrrpState.Master, actions: [garp(5, GarpReason.LowerPrioDelay)] },
    { at: mdi150 + 5000, ev: fire(TimerName.GarpMasterDelay), state: VrrpState.Master, actions: [garp(5, GarpReason.MasterDelay)] },
  ]);
});

t.test('lower_prio_no_advert and garp_lower_prio_repeat 0: a lower advert changes nothing but the notify', async (tt) => {
  run(tt, base({ priority: 255, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0 }), [
    { at: 0, ev: up, state: VrrpState.Master },
    { at: 100, ev: adv(100), state: VrrpState.Master, actions: [notify(NotifyKind.MasterRxLowerPri, 255)] },
  ]);
});

t.test('master and a higher-priority advert: back to backup with the new master timers', async (tt) => {
  const cfg = base({ version: VrrpVersion.V3, priority: 255, garpMasterRefreshMs: 60000 });
  run(tt, cfg, [
    {
      at: 0,
      ev: up,
      state: VrrpState.Master,
      actions: [send(255), addVips, garp(5, GarpReason.BecomeMaster), start(TimerName.GarpMasterRefresh, 60000), notify(NotifyKind.Master, 255), start(TimerName.GarpMasterDelay, 5000), start(TimerName.Advert, 1000)],
    },
  ]);
  const cfg2 = base({ version: VrrpVersion.V3, priority: 150 });
  const mdi150 = 3000 + Math.floor(106 * 100 * 625 / 16) / 1000;
  const skew150at50cs = Math.floor((106 * 50 * 625) / 16) / 1000;
  run(tt, cfg2, [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: mdi150, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    {
      at: 4000,
      ev: adv(200, LOWER_ADDR, 50),
      state: VrrpState.Backup,
      actions: [stop(TimerName.Advert), stop(TimerName.GarpMasterDelay), removeVips, notify(NotifyKind.Backup, 150), start(TimerName.MasterDown, 4000 + 1500 + skew150at50cs)],
      check: (s) => {
        tt.equal(s.masterAdverIntervalCs, 50);
        tt.equal(s.masterAddress, LOWER_ADDR);
        tt.equal(s.masterPriority, 200);
        tt.equal(s.vipsSet, false);
      },
    },
  ]);
});

t.test('tie-break on the primary address: the higher address wins', async (tt) => {
  const mk = (): Row[] => [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: V2_MDI_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
  ];
  run(tt, base(), [...mk(), { at: 4000, ev: adv(100, HIGHER_ADDR), state: VrrpState.Backup }]);
  run(tt, base(), [...mk(), { at: 4000, ev: adv(100, LOWER_ADDR), state: VrrpState.Master }]);
  // same address as ours: keepalived only warns
  run(tt, base(), [...mk(), { at: 4000, ev: adv(100, ME), state: VrrpState.Master, actions: [] }]);
  // IPv6 addresses compare as 128-bit numbers
  const v6 = base({ version: VrrpVersion.V3, primaryAddress: 'fe80::b4cf:80ff:fef8:d713' });
  run(tt, v6, [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: V2_MDI_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    { at: 4000, ev: adv(100, 'fe80::24ed:eeff:fe91:39c3', 100), state: VrrpState.Master },
    { at: 4100, ev: adv(100, 'fe80::ffff:0:0:1', 100), state: VrrpState.Backup },
  ]);
});

t.test('master receiving priority 0 sends an advert at once and resets the Adver_Timer', async (tt) => {
  run(tt, base({ priority: 255 }), [
    { at: 0, ev: up, state: VrrpState.Master },
    { at: 300, ev: adv(0), state: VrrpState.Master, actions: [send(255), start(TimerName.Advert, 1300)] },
    // the old expiry is now stale
    { at: 1000, ev: fire(TimerName.Advert), state: VrrpState.Master, actions: [] },
  ]);
});

t.test('higher_prio_send_advert: the master sends once more before yielding', async (tt) => {
  run(tt, base({ priority: 255, higherPrioSendAdvert: true }), [
    { at: 0, ev: up, state: VrrpState.Master },
    { at: 10, ev: adv(100), state: VrrpState.Master },
  ]);
  const r = run(tt, base({ higherPrioSendAdvert: true }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: V2_MDI_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    {
      at: 4000,
      ev: adv(200),
      state: VrrpState.Backup,
      actions: [send(100), start(TimerName.Advert, 5000), stop(TimerName.Advert), stop(TimerName.GarpMasterDelay), removeVips, notify(NotifyKind.Backup, 100), start(TimerName.MasterDown, 4000 + V2_MDI_100)],
    },
  ]);
  tt.same(r.timers, { masterDown: 4000 + V2_MDI_100 });
});

t.test('preempt: a backup with higher priority discards lower adverts and takes over', async (tt) => {
  const mdi200 = 3000 + (56 * 1000) / 256;
  run(tt, base({ priority: 200 }), [
    { at: 0, ev: up, state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 200), start(TimerName.MasterDown, mdi200)] },
    { at: 1000, ev: adv(100), state: VrrpState.Backup, actions: [] },
    { at: 2000, ev: adv(100), state: VrrpState.Backup, actions: [] },
    { at: 3000, ev: adv(100), state: VrrpState.Backup, actions: [] },
    { at: mdi200, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
  ]);
});

t.test('nopreempt: lower adverts keep the backup down', async (tt) => {
  run(tt, base({ priority: 200, preempt: false }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 1000, ev: adv(100), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + 3000 + (56 * 1000) / 256)] },
    { at: 3218.75, ev: fire(TimerName.MasterDown), state: VrrpState.Backup, actions: [] },
  ]);
});

t.test('preempt_delay: lower adverts honoured until the delay passes, then discarded', async (tt) => {
  const mdi200 = 3000 + (56 * 1000) / 256;
  run(tt, base({ priority: 200, preemptDelayMs: 5000 }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 1000, ev: adv(100), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + mdi200), start(TimerName.PreemptDelay, 6000)], check: (s) => tt.equal(s.preemptDeadline, 6000) },
    { at: 2000, ev: adv(100), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 2000 + mdi200)] },
    { at: 5000, ev: adv(100), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 5000 + mdi200)] },
    { at: 6000, ev: fire(TimerName.PreemptDelay), state: VrrpState.Backup, actions: [], check: (s) => tt.equal(s.preemptDeadline, 6000) },
    { at: 6000, ev: adv(100), state: VrrpState.Backup, actions: [] },
    { at: 7000, ev: adv(100), state: VrrpState.Backup, actions: [] },
    { at: 5000 + mdi200, ev: fire(TimerName.MasterDown), state: VrrpState.Master, check: (s) => tt.equal(s.preemptDeadline, undefined) },
  ]);
  // a higher-priority advert cancels a running preempt delay
  run(tt, base({ priority: 200, preemptDelayMs: 5000 }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 1000, ev: adv(100), state: VrrpState.Backup },
    { at: 2000, ev: adv(250), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 2000 + mdi200), stop(TimerName.PreemptDelay)], check: (s) => tt.equal(s.preemptDeadline, undefined) },
  ]);
});

t.test('Fault: from master sends priority 0 and drops the VIPs; back to backup when all faults clear', async (tt) => {
  run(tt, base({ priority: 150 }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 3414.062, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    {
      at: 4000,
      ev: faultOn('eth1'),
      state: VrrpState.Fault,
      actions: [send(0), stop(TimerName.Advert), stop(TimerName.GarpMasterDelay), removeVips, notify(NotifyKind.Fault, 150)],
      check: (s) => tt.same(s.timers, {}),
    },
    { at: 4100, ev: faultOn('chk_haproxy'), state: VrrpState.Fault, actions: [] },
    { at: 4200, ev: faultOn('eth1'), state: VrrpState.Fault, actions: [], check: (s) => tt.same(s.faults, ['eth1', 'chk_haproxy']) },
    { at: 4300, ev: adv(200), state: VrrpState.Fault, actions: [] },
    { at: 4400, ev: fire(TimerName.Advert), state: VrrpState.Fault, actions: [] },
    { at: 5000, ev: faultOff('eth1'), state: VrrpState.Fault, actions: [] },
    { at: 5000, ev: faultOff('nonexistent'), state: VrrpState.Fault, actions: [] },
    { at: 6000, ev: faultOff('chk_haproxy'), state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 150), start(TimerName.MasterDown, 6000 + 3414.062)] },
  ]);
});

t.test('Fault: from backup, at startup, and for an address owner', async (tt) => {
  run(tt, base(), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 100, ev: faultOn('eth0'), state: VrrpState.Fault, actions: [stop(TimerName.MasterDown), notify(NotifyKind.Fault, 100)] },
    { at: 200, ev: down, state: VrrpState.Initialize, actions: [notify(NotifyKind.Stop, 100)] },
  ]);
  run(tt, base(), [
    { at: 0, ev: faultOn('eth0'), state: VrrpState.Initialize, actions: [] },
    { at: 0, ev: up, state: VrrpState.Fault, actions: [notify(NotifyKind.Fault, 100)] },
    { at: 50, ev: faultOff('eth0'), state: VrrpState.Backup, actions: [notify(NotifyKind.Backup, 100), start(TimerName.MasterDown, 50 + V2_MDI_100)] },
  ]);
  run(tt, base({ priority: 255 }), [
    { at: 0, ev: up, state: VrrpState.Master },
    { at: 10, ev: faultOn('eth0'), state: VrrpState.Fault },
    { at: 20, ev: faultOff('eth0'), state: VrrpState.Master, actions: becomeMaster(255, 20) },
  ]);
});

t.test('priority change in backup moves the Master_Down_Timer by the change in Skew_Time', async (tt) => {
  run(tt, base({ notifyPriorityChanges: true }), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: 1000, ev: adv(150), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + V2_MDI_100)] },
    // 100 -> 80: skew grows by 20/256 s
    { at: 1500, ev: prio(80), state: VrrpState.Backup, actions: [start(TimerName.MasterDown, 1000 + V2_MDI_100 + (20 * 1000) / 256), notify(NotifyKind.PriorityChange, 80)] },
    // clamped to 1..254
    { at: 1600, ev: prio(300), state: VrrpState.Backup, check: (s) => tt.equal(s.priority, 254) },
    { at: 1700, ev: prio(-20), state: VrrpState.Backup, check: (s) => tt.equal(s.priority, 1) },
    { at: 1800, ev: prio(1), state: VrrpState.Backup, actions: [] },
  ]);
  // in master: nothing is sent at once; the next advert carries the new priority
  run(tt, base(), [
    { at: 0, ev: up, state: VrrpState.Backup },
    { at: V2_MDI_100, ev: fire(TimerName.MasterDown), state: VrrpState.Master },
    { at: 4000, ev: prio(90), state: VrrpState.Master, actions: [] },
    { at: V2_MDI_100 + 1000, ev: fire(TimerName.Advert), state: VrrpState.Master, actions: [send(90), start(TimerName.Advert, V2_MDI_100 + 2000)] },
  ]);
});

t.test('garp_master_refresh re-announces while master; garp_master_delay 0 sends one burst', async (tt) => {
  run(tt, base({ priority: 255, garpMasterRefreshMs: 60000, garpMasterRefreshRepeat: 2, garpMasterDelayMs: 0 }), [
    { at: 0, ev: up, state: VrrpState.Master, actions: [send(255), addVips, garp(5, GarpReason.BecomeMaster), start(TimerName.GarpMasterRefresh, 60000), notify(NotifyKind.Master, 255), start(TimerName.Advert, 1000)] },
    { at: 60000, ev: fire(TimerName.GarpMasterRefresh), state: VrrpState.Master, actions: [garp(2, GarpReason.MasterRefresh), start(TimerName.GarpMasterRefresh, 120000)] },
  ]);
});

t.test('accept mode is carried with addVips; events out of place are ignored', async (tt) => {
  run(tt, base({ priority: 255, acceptMode: false }), [
    { at: 0, ev: adv(100), state: VrrpState.Initialize, actions: [] },
    { at: 0, ev: down, state: VrrpState.Initialize, actions: [] },
    { at: 0, ev: up, state: VrrpState.Master, check: () => undefined },
    { at: 1, ev: up, state: VrrpState.Master, actions: [] },
  ]);
  const r = step(initialState(base({ priority: 255, acceptMode: false })), up, 0);
  tt.ok(r.actions.some((a) => a.type === 'addVips' && a.acceptMode === false));
  tt.ok(r.actions.some((a) => a.type === 'log' && /Entering MASTER STATE/.test(a.message)));
});

t.test('step is pure: the input state is not modified', async (tt) => {
  const s0 = initialState(base());
  const frozen = JSON.stringify(s0);
  const s1 = step(s0, up, 0).state;
  tt.equal(JSON.stringify(s0), frozen);
  const j1 = JSON.stringify(s1);
  step(s1, fire(TimerName.MasterDown), V2_MDI_100);
  tt.equal(JSON.stringify(s1), j1);
});

t.test('advertEvent maps decoded adverts', async (tt) => {
  tt.same(advertEvent({ version: 3, vrid: 1, priority: 7, addresses: [], maxAdvertIntervalCs: 55 }, '10.0.0.1'), { type: EventType.Advert, priority: 7, source: '10.0.0.1', maxAdvertIntervalCs: 55 });
  tt.same(advertEvent({ version: 2, vrid: 1, priority: 7, addresses: [], authType: 0, advertIntervalSec: 1, authData: Buffer.alloc(8) }, '10.0.0.1'), { type: EventType.Advert, priority: 7, source: '10.0.0.1' });
});
