// garp-schedule: keepalived 2.2.7 burst timeline and the garp_interval/gna_interval pacer, as tables on an injected clock.
import t from 'tap';
import { AddressFamily } from '../../src/vrrp/addr';
import { GarpReason } from '../../src/vrrp/fsm';
import {
  GARP_DEFAULTS,
  GarpTiming,
  PacedAddress,
  PacerAction,
  PacerEvent,
  PacerState,
  garpTiming,
  initialPacerState,
  intervalsFor,
  pacerStep,
  planMasterBursts,
} from '../../src/vrrp/garp-schedule';

const DEF: GarpTiming = garpTiming({});

t.test('garpTiming: keepalived defaults, global inheritance, strict mode', async (t) => {
  t.same(DEF, { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5 });
  t.equal(GARP_DEFAULTS.masterRepeat, 5);
  const rows: Array<[string, Parameters<typeof garpTiming>[0], Parameters<typeof garpTiming>[1], Partial<GarpTiming>]> = [
    ['instance values win', { masterDelayMs: 1000, masterRepeat: 2 }, { masterDelayMs: 9000 }, { masterDelayMs: 1000, masterRepeat: 2 }],
    // vrrp.c: unset lower-prio values come from the *global* lower-prio, which defaults to the global master values
    ['lower prio from global master, not instance', { masterDelayMs: 1000, masterRepeat: 2 }, { masterDelayMs: 7000, masterRepeat: 3 }, { lowerPrioDelayMs: 7000, lowerPrioRepeat: 3 }],
    ['global lower prio', {}, { lowerPrioDelayMs: 0, lowerPrioRepeat: 1 }, { lowerPrioDelayMs: 0, lowerPrioRepeat: 1 }],
    ['strict mode: no lower-prio bursts', { strict: true, lowerPrioRepeat: 4 }, {}, { lowerPrioDelayMs: 0, lowerPrioRepeat: 0 }],
    ['refresh from global', {}, { masterRefreshMs: 60000, masterRefreshRepeat: 2 }, { masterRefreshMs: 60000, masterRefreshRepeat: 2 }],
  ];
  for (const [name, inst, glob, want] of rows) t.match(garpTiming(inst, glob), want, name);
});

t.test('planMasterBursts: timeline tables', async (t) => {
  const B = GarpReason.BecomeMaster;
  const D = GarpReason.MasterDelay;
  const R = GarpReason.MasterRefresh;
  const L = GarpReason.LowerPrio;
  const LD = GarpReason.LowerPrioDelay;
  const rows: Array<[string, Parameters<typeof planMasterBursts>[0], Array<[number, number, GarpReason]>]> = [
    ['defaults: burst of 5 now and 5 s later', { timing: DEF, masterAt: 1000, until: 60000, advertIntervalMs: 1000 }, [[1000, 5, B], [6000, 5, D]]],
    ['no delay (vrrp_min_garp style)', { timing: { ...DEF, masterDelayMs: 0, masterRepeat: 1 }, masterAt: 0, until: 60000, advertIntervalMs: 1000 }, [[0, 1, B]]],
    [
      // refresh checked on adverts with time_now > timer: timer at 3000, advert at 3000 is not after it
      'refresh 3 s with 1 s adverts: first advert strictly after each timer',
      { timing: { ...DEF, masterDelayMs: 0, masterRefreshMs: 3000, masterRefreshRepeat: 2 }, masterAt: 0, until: 10000, advertIntervalMs: 1000 },
      [[0, 5, B], [4000, 2, R], [8000, 2, R]],
    ],
    [
      'refresh 2.5 s with 1 s adverts',
      { timing: { ...DEF, masterDelayMs: 0, masterRefreshMs: 2500 }, masterAt: 0, until: 9000, advertIntervalMs: 1000 },
      [[0, 5, B], [3000, 1, R], [6000, 1, R], [9000, 1, R]],
    ],
    [
      'lower-priority advert: burst now and after lower_prio_delay',
      { timing: { ...DEF, lowerPrioDelayMs: 2000, lowerPrioRepeat: 3 }, masterAt: 0, until: 20000, advertIntervalMs: 1000, lowerPrioAdverts: [10000] },
      [[0, 5, B], [5000, 5, D], [10000, 3, L], [12000, 3, LD]],
    ],
    [
      'lower_prio_repeat 0: nothing on lower-priority adverts',
      { timing: { ...DEF, lowerPrioRepeat: 0 }, masterAt: 0, until: 20000, advertIntervalMs: 1000, lowerPrioAdverts: [10000] },
      [[0, 5, B], [5000, 5, D]],
    ],
    ['left master before the delayed burst', { timing: DEF, masterAt: 0, until: 60000, advertIntervalMs: 1000, leftAt: 3000 }, [[0, 5, B]]],
    ['left exactly at the delayed burst', { timing: DEF, masterAt: 0, until: 60000, advertIntervalMs: 1000, leftAt: 5000 }, [[0, 5, B]]],
    ['horizon cuts the plan', { timing: DEF, masterAt: 0, until: 4999, advertIntervalMs: 1000 }, [[0, 5, B]]],
  ];
  for (const [name, input, want] of rows) {
    t.same(
      planMasterBursts(input).map((b) => [b.at, b.repeat, b.reason]),
      want,
      name,
    );
  }
});

const v4 = (address: string, iface = 'eth0', instance = 'VI_1', order?: number): PacedAddress => ({ instance, address, family: AddressFamily.Inet, iface, ...(order !== undefined ? { order } : {}) });
const v6 = (address: string, iface = 'eth0', instance = 'VI_1'): PacedAddress => ({ instance, address, family: AddressFamily.Inet6, iface });

/** Runs events at times; returns every send as [time, address] and the timer actions. */
function run(state: PacerState, script: Array<[number, PacerEvent | 'wake-if-due']>, until = Infinity): { sends: Array<[number, string]>; timers: PacerAction[]; state: PacerState } {
  const sends: Array<[number, string]> = [];
  const timers: PacerAction[] = [];
  let s = state;
  const apply = (now: number, ev: PacerEvent): void => {
    const r = pacerStep(s, ev, now);
    s = r.state;
    for (const a of r.actions) {
      if (a.type === 'send') sends.push([now, a.address.address]);
      else timers.push(a);
    }
  };
  const queue = [...script].sort((a, b) => a[0] - b[0]);
  for (const [at, ev] of queue) {
    // fire any timer due before this event (injected clock)
    while (s.wakeAt !== undefined && s.wakeAt <= at) apply(s.wakeAt, { type: 'wake' });
    if (ev !== 'wake-if-due') apply(at, ev);
  }
  while (s.wakeAt !== undefined && s.wakeAt <= until) apply(s.wakeAt, { type: 'wake' });
  return { sends, timers, state: s };
}

t.test('pacer: no interval sends every repeat at once', async (t) => {
  const r = run(initialPacerState({ garpIntervalMs: 0, gnaIntervalMs: 0 }), [[0, { type: 'burst', addresses: [v4('10.0.0.1'), v6('fd00::1')], repeat: 3 }]]);
  t.same(r.sends, [
    [0, '10.0.0.1'], [0, 'fd00::1'],
    [0, '10.0.0.1'], [0, 'fd00::1'],
    [0, '10.0.0.1'], [0, 'fd00::1'],
  ]);
  t.same(r.timers, []);
  t.equal(r.state.pending.length, 0);
});

t.test('pacer: garp_interval spaces messages per interface and family (keepalived 2.2.7 semantics)', async (t) => {
  const rows: Array<[string, PacerState, Array<[number, PacerEvent]>, Array<[number, string]>]> = [
    [
      // first message at once; the other 4 repeats collapse into one queued message (per-address flag)
      'one VIP, repeat 5, interval 100: two messages',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1')], repeat: 5 }]],
      [[0, '10.0.0.1'], [100, '10.0.0.1']],
    ],
    [
      // measured with keepalived 2.2.7 (test/netns/garp-keepalived.test.ts): .100 @0, .100 @300, .101 @600
      'two VIPs, repeat 3, interval 300, VIP order: the first VIP goes again before the second',
      initialPacerState({ garpIntervalMs: 300, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.100', 'eth0', 'VI_1', 0), v4('10.0.0.101', 'eth0', 'VI_1', 1)], repeat: 3 }]],
      [[0, '10.0.0.100'], [300, '10.0.0.100'], [600, '10.0.0.101']],
    ],
    [
      'without order: queue order',
      initialPacerState({ garpIntervalMs: 300, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.100'), v4('10.0.0.101')], repeat: 3 }]],
      [[0, '10.0.0.100'], [300, '10.0.0.101'], [600, '10.0.0.100']],
    ],
    [
      'three VIPs, repeat 1, interval 100: one per interval in VIP order',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1'), v4('10.0.0.2'), v4('10.0.0.3')], repeat: 1 }]],
      [[0, '10.0.0.1'], [100, '10.0.0.2'], [200, '10.0.0.3']],
    ],
    [
      'interval applies per interface: other interface not delayed',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1', 'eth0'), v4('10.1.0.1', 'eth1'), v4('10.0.0.2', 'eth0')], repeat: 1 }]],
      [[0, '10.0.0.1'], [0, '10.1.0.1'], [100, '10.0.0.2']],
    ],
    [
      'garp and gna intervals are separate',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 30 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1'), v6('fd00::1'), v4('10.0.0.2'), v6('fd00::2')], repeat: 1 }]],
      // the NA queued at 0 wakes at 0+30; fd00::2 goes then; 10.0.0.2 waits for its own 100
      [[0, '10.0.0.1'], [0, 'fd00::1'], [30, 'fd00::2'], [100, '10.0.0.2']],
    ],
    [
      'a burst after the interval passed is sent at once',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1')], repeat: 1 }], [500, { type: 'burst', addresses: [v4('10.0.0.1')], repeat: 1 }]],
      [[0, '10.0.0.1'], [500, '10.0.0.1']],
    ],
    [
      'a burst inside the interval is queued and woken at now + interval',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [v4('10.0.0.1')], repeat: 1 }], [50, { type: 'burst', addresses: [v4('10.0.0.2')], repeat: 1 }]],
      // keepalived queue_garp arms the thread at now + garp_interval (150), not at the interface's next time (100)
      [[0, '10.0.0.1'], [150, '10.0.0.2']],
    ],
    [
      'garp_group replaces the global intervals for its interface',
      initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0, groups: { eth1: { gnaIntervalMs: 10 } } }),
      [[0, { type: 'burst', addresses: [v4('10.1.0.1', 'eth1'), v4('10.1.0.2', 'eth1')], repeat: 1 }]],
      [[0, '10.1.0.1'], [0, '10.1.0.2']],
    ],
    [
      'IFF_NOARP interface: nothing',
      initialPacerState({ garpIntervalMs: 0, gnaIntervalMs: 0 }),
      [[0, { type: 'burst', addresses: [{ ...v4('10.0.0.1'), noArp: true }], repeat: 3 }]],
      [],
    ],
  ];
  for (const [name, st, script, want] of rows) t.same(run(st, script).sends, want, name);
});

t.test('pacer: cancel drops the instance queue and clears the timer', async (t) => {
  let s = initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 });
  let r = pacerStep(s, { type: 'burst', addresses: [v4('10.0.0.1', 'eth0', 'A'), v4('10.0.0.2', 'eth0', 'B')], repeat: 1 }, 0);
  t.same(r.actions, [{ type: 'send', address: v4('10.0.0.1', 'eth0', 'A') }, { type: 'setTimer', at: 100 }]);
  s = r.state;
  r = pacerStep(s, { type: 'cancel', instance: 'A' }, 10);
  t.same(r.actions, [], 'B still queued: timer kept');
  t.equal(r.state.pending.length, 1);
  r = pacerStep(r.state, { type: 'cancel', instance: 'B' }, 20);
  t.same(r.actions, [{ type: 'clearTimer' }]);
  t.equal(r.state.pending.length, 0);
  t.equal(r.state.wakeAt, undefined);
  // a stale wake with nothing queued does nothing
  r = pacerStep(r.state, { type: 'wake' }, 100);
  t.same(r.actions, []);
});

t.test('pacer: wake re-arms at the earliest next-allowed time of what is left', async (t) => {
  let s = initialPacerState({ garpIntervalMs: 100, gnaIntervalMs: 0 });
  s = pacerStep(s, { type: 'burst', addresses: [v4('10.0.0.1'), v4('10.0.0.2'), v4('10.0.0.3')], repeat: 1 }, 0).state;
  t.equal(s.wakeAt, 100);
  const r = pacerStep(s, { type: 'wake' }, 100);
  t.same(r.actions, [{ type: 'send', address: v4('10.0.0.2') }, { type: 'setTimer', at: 200 }]);
  t.same(intervalsFor({ garpIntervalMs: 1, gnaIntervalMs: 2 }, 'x'), { garpIntervalMs: 1, gnaIntervalMs: 2 });
});
