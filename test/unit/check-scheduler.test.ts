// Scheduler timing on a simulated clock: keepalived's retry / delay_before_retry / warmup / alpha rules, detection bound,
// deduplication, bounded concurrency, aggregation and scale.
import t from 'tap';
import { CheckScheduler, ManualClock, CheckerStateEvent, dedupKey } from '../../src/check/scheduler';
import { CheckerKind, CheckFn, CheckResult, CheckTarget, makeTiming, CheckTiming, TargetOf } from '../../src/check/types';
import { detectionBoundMs } from '../../src/check/policy';
import { RealServerAggregator } from '../../src/check/aggregate';

type Outcome = 'ok' | 'fail' | 'hang';

function tcpTarget(ip: string, timing: Partial<CheckTiming>, port = 80): CheckTarget {
  return { kind: CheckerKind.Tcp, conn: { connectIp: ip, connectPort: port }, timing: makeTiming(CheckerKind.Tcp, timing) };
}

/** A fake checker whose outcome is a function of the simulated time; records attempt start times. */
function fake(clock: ManualClock, outcome: (now: number, target: CheckTarget) => Outcome, latency = 0) {
  const starts: number[] = [];
  const fn: CheckFn = (target, signal) => {
    starts.push(clock.now());
    const o = outcome(clock.now(), target);
    return new Promise<CheckResult>((resolve) => {
      if (o === 'hang') {
        signal.addEventListener('abort', () => resolve({ ok: false, message: 'timeout', latencyMs: 0, timedOut: true }));
        return;
      }
      const done = () => resolve({ ok: o === 'ok', message: o, latencyMs: latency });
      if (latency > 0) clock.setTimeout(done, latency);
      else done();
    });
  };
  return { fn, starts };
}

function collect(s: CheckScheduler): CheckerStateEvent[] {
  const ev: CheckerStateEvent[] = [];
  s.on('state', (e) => ev.push(e));
  return ev;
}

t.test('TCP_CHECK: retry / delay_before_retry after a success, first failure is immediate', async (t) => {
  const clock = new ManualClock();
  // up until 10 s, down after
  const f = fake(clock, (now) => (now < 10000 ? 'ok' : 'fail'));
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
  const ev = collect(s);
  s.add('c1', tcpTarget('10.0.0.1', { delayLoopMs: 5000, retry: 2, delayBeforeRetryMs: 1000, connectTimeoutMs: 3000, warmupMs: 0 }));
  s.start();
  await clock.advance(30000);
  // bootstrap 1 s; success at 1000, 6000; fail at 11000, retry 12000, 13000 -> down; then (still down) TCP keeps
  // retrying: 18000 fail(retry_it 0 -> 1), 19000, 20000 (retry_it 2 >= 2 -> delay_loop), 25000, 26000, 27000
  t.same(f.starts, [1000, 6000, 11000, 12000, 13000, 18000, 19000, 20000, 25000, 26000, 27000]);
  t.same(ev.map((e) => [e.at, e.transition, e.changed]), [
    [1000, 'up', false],
    [13000, 'down', true],
  ]);
  s.stop();
});

t.test('first failure of a non-alpha checker brings it down without retries', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'fail');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Udp]: f.fn } });
  const logs: string[] = [];
  s.on('log', (l) => logs.push(l.message));
  const ev = collect(s);
  s.add('u', {
    kind: CheckerKind.Udp,
    conn: { connectIp: '10.0.0.2', connectPort: 53 },
    udp: {},
    protocol: 'udp',
    timing: makeTiming(CheckerKind.Udp, { delayLoopMs: 2000, retry: 3, warmupMs: 0 }),
  });
  s.start();
  await clock.advance(7000);
  // UDP_CHECK does not retry while down: 1000 (down), 3000, 5000, 7000
  t.same(f.starts, [1000, 3000, 5000, 7000]);
  t.same(ev.map((e) => [e.at, e.up]), [[1000, false]]);
  t.same(logs, ['Activating healthchecker for service [10.0.0.2]:udp:53 for VS -', 'UDP_CHECK on service [10.0.0.2]:udp:53 failed.']);
  s.stop();
});

t.test('alpha: starts down, first success brings it up', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'ok');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
  const ev = collect(s);
  s.add('a', tcpTarget('10.0.0.3', { alpha: true, delayLoopMs: 1000, warmupMs: 0 }));
  t.equal(s.status('a')!.up, false);
  s.start();
  await clock.advance(1500);
  t.same(ev.map((e) => [e.at, e.up, e.changed]), [[1000, true, true]]);
  s.stop();
});

t.test('warmup: first run at BOOTSTRAP_DELAY + warmup * random', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'ok');
  const s = new CheckScheduler({ clock, random: () => 0.25, checkers: { [CheckerKind.Tcp]: f.fn } });
  s.add('w', tcpTarget('10.0.0.4', { delayLoopMs: 10000, warmupMs: 8000 }));
  s.add('d', tcpTarget('10.0.0.5', { delayLoopMs: 10000 })); // warmup defaults to delay_loop
  s.start();
  await clock.advance(4000);
  t.same(f.starts, [1000 + 2000, 1000 + 2500]);
  s.stop();
});

t.test('detection latency bound delay_loop + (retry+1) x connect_timeout + retry x delay_before_retry', async (t) => {
  const timing = { delayLoopMs: 6000, retry: 2, delayBeforeRetryMs: 1500, connectTimeoutMs: 2000, warmupMs: 0 };
  const bound = detectionBoundMs(makeTiming(CheckerKind.Tcp, timing));
  t.equal(bound, 6000 + 3 * 2000 + 2 * 1500);
  let worst = 0;
  for (let death = 7000; death <= 13000; death += 250) {
    const clock = new ManualClock();
    const f = fake(clock, (now) => (now < death ? 'ok' : 'hang'), 10);
    const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
    let downAt = -1;
    s.on('state', (e) => {
      if (!e.up) downAt = e.at;
    });
    s.add('x', tcpTarget('10.0.0.6', timing));
    s.start();
    await clock.advance(death + bound + 1000);
    s.stop();
    t.ok(downAt > 0, `down detected for death at ${death}`);
    const latency = downAt - death;
    t.ok(latency <= bound, `latency ${latency} <= ${bound}`);
    worst = Math.max(worst, latency);
  }
  // the bound is reached when the server dies just after a successful check completes
  t.ok(worst >= bound - 250, `worst latency ${worst} close to the bound ${bound}`);
});

t.test('SMTP_CHECK retries every cycle, also the first one and while down', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'fail');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Smtp]: f.fn } });
  const ev = collect(s);
  s.add('s', {
    kind: CheckerKind.Smtp,
    conn: { connectIp: '10.0.0.7', connectPort: 25 },
    smtp: {},
    timing: makeTiming(CheckerKind.Smtp, { delayLoopMs: 10000, retry: 1, delayBeforeRetryMs: 2000, warmupMs: 0 }),
  });
  s.start();
  await clock.advance(14000);
  t.same(f.starts, [1000, 3000, 13000]);
  t.same(ev.map((e) => e.at), [3000]);
  s.stop();
});

t.test('HTTP_GET: retries while up; once down, next attempt after max(delay_before_retry, delay_loop)', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, (now) => (now < 2000 ? 'ok' : 'fail'));
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.HttpGet]: f.fn } });
  const ev = collect(s);
  s.add('h', {
    kind: CheckerKind.HttpGet,
    conn: { connectIp: '10.0.0.8', connectPort: 80 },
    http: { urls: [{ path: '/' }] },
    timing: makeTiming(CheckerKind.HttpGet, { delayLoopMs: 4000, retry: 1, warmupMs: 0 }), // dbr default 3 s
  });
  s.start();
  await clock.advance(20000);
  // 1000 ok; 5000 fail (retry 1) ; 8000 fail -> down; then every max(3000, 4000)
  t.same(f.starts, [1000, 5000, 8000, 12000, 16000, 20000]);
  t.same(ev.map((e) => [e.at, e.up]), [
    [1000, true],
    [8000, false],
  ]);
  s.stop();
});

t.test('DNS_CHECK defaults: retry 3, delay_before_retry = delay_loop', async (t) => {
  const tm = makeTiming(CheckerKind.Dns, { delayLoopMs: 7000 });
  t.equal(tm.retry, 3);
  t.equal(tm.delayBeforeRetryMs, 7000);
  t.equal(makeTiming(CheckerKind.Misc).retry, 0);
  t.equal(makeTiming(CheckerKind.HttpGet).delayBeforeRetryMs, 3000);
  t.equal(makeTiming(CheckerKind.Tcp).delayBeforeRetryMs, 1000);
  t.equal(makeTiming(CheckerKind.Tcp).retry, 1);
});

t.test('deduplication: the same check under several virtual servers runs once and fans out', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, (now) => (now < 3000 ? 'ok' : 'fail'));
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
  const ev = collect(s);
  const timing = { delayLoopMs: 2000, retry: 0, warmupMs: 0 };
  const k1 = s.add('vs1/rs1/0', { ...tcpTarget('10.0.0.9', timing), rsLabel: '[10.0.0.9]:tcp:80 (vs1)' });
  const k2 = s.add('vs2/rs1/0', { ...tcpTarget('10.0.0.9', timing), rsLabel: '[10.0.0.9]:tcp:80 (vs2)' });
  const k3 = s.add('vs3/rs1/0', tcpTarget('10.0.0.9', timing, 81));
  t.equal(k1, k2);
  t.not(k1, k3);
  t.equal(s.jobCount, 2);
  s.start();
  await clock.advance(5500);
  t.same(f.starts, [1000, 1000, 3000, 3000, 5000, 5000]);
  const downs = ev.filter((e) => !e.up).map((e) => e.id).sort();
  t.same(downs, ['vs1/rs1/0', 'vs2/rs1/0', 'vs3/rs1/0']);
  s.remove('vs1/rs1/0');
  t.equal(s.jobCount, 2);
  s.remove('vs2/rs1/0');
  t.equal(s.jobCount, 1);
  t.equal(dedupKey(tcpTarget('1.1.1.1', {})), dedupKey({ ...tcpTarget('1.1.1.1', {}), rsLabel: 'x' }));
  // keepalived #2111: real servers 1.1.1.1:5001 and :5002 both checked with connect_port 5001 share the check
  t.equal(dedupKey({ ...tcpTarget('1.1.1.1', {}, 5001), rsPort: 5001 }), dedupKey({ ...tcpTarget('1.1.1.1', {}, 5001), rsPort: 5002 }));
  t.not(dedupKey(tcpTarget('1.1.1.1', { retry: 1 })), dedupKey(tcpTarget('1.1.1.1', { retry: 2 })), 'different timing: separate checks');
  s.stop();
});

t.test('bounded concurrency: at most maxConcurrent attempts in flight', async (t) => {
  const clock = new ManualClock();
  let inflight = 0;
  let peak = 0;
  const fn: CheckFn = () => {
    inflight++;
    peak = Math.max(peak, inflight);
    return new Promise((resolve) =>
      clock.setTimeout(() => {
        inflight--;
        resolve({ ok: true, message: 'ok', latencyMs: 100 });
      }, 100),
    );
  };
  const s = new CheckScheduler({ clock, random: () => 0, maxConcurrent: 3, checkers: { [CheckerKind.Tcp]: fn } });
  let attempts = 0;
  s.on('attempt', () => attempts++);
  for (let i = 0; i < 10; i++) s.add(`c${i}`, tcpTarget(`10.1.0.${i}`, { delayLoopMs: 10000, warmupMs: 0 }));
  s.start();
  await clock.advance(2000);
  t.equal(peak, 3);
  t.equal(attempts, 10);
  s.stop();
});

t.test('timeout aborts the attempt via AbortSignal and counts as a failure', async (t) => {
  const clock = new ManualClock();
  let aborted: unknown;
  const fn: CheckFn = (_t, signal) =>
    new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        aborted = signal.reason;
        resolve({ ok: false, message: 'aborted', latencyMs: 0 });
      });
    });
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: fn } });
  const ev = collect(s);
  s.add('t', tcpTarget('10.0.0.10', { connectTimeoutMs: 1500, warmupMs: 0 }));
  s.start();
  await clock.advance(2600);
  t.equal((aborted as Error).name, 'TimeoutError');
  t.same(ev.map((e) => [e.at, e.up, e.message]), [[2500, false, 'aborted']], "the checker's own verdict on abort");
  s.stop();
});

t.test('abort grace: a checker ignoring the abort is failed after abortGraceMs; one succeeding on abort is up', async (t) => {
  const clock = new ManualClock();
  const never: CheckFn = () => new Promise(() => undefined);
  const okOnAbort: CheckFn = (_t, signal) =>
    new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: true, message: 'no ICMP error', latencyMs: 0 })));
  const s = new CheckScheduler({ clock, random: () => 0, abortGraceMs: 700, checkers: { [CheckerKind.Tcp]: never, [CheckerKind.Udp]: okOnAbort } });
  const ev = collect(s);
  s.add('n', tcpTarget('10.0.0.14', { connectTimeoutMs: 1000, warmupMs: 0 }));
  s.add('u', { kind: CheckerKind.Udp, conn: { connectIp: '10.0.0.15', connectPort: 1 }, udp: {}, timing: makeTiming(CheckerKind.Udp, { alpha: true, connectTimeoutMs: 1000, warmupMs: 0 }) });
  s.start();
  await clock.advance(3000);
  t.same(ev.map((e) => [e.id, e.at, e.up, e.message]), [
    ['u', 2000, true, 'no ICMP error'],
    ['n', 2700, false, 'timeout'],
  ]);
  s.stop();
});

t.test('flapping every 100 ms is seen at the checker cadence only', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, (now) => (Math.floor(now / 100) % 2 === 0 ? 'ok' : 'fail'));
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
  const ev = collect(s);
  s.add('f', tcpTarget('10.0.0.11', { delayLoopMs: 1000, retry: 1, delayBeforeRetryMs: 100, warmupMs: 0 }));
  s.start();
  await clock.advance(10000);
  // every check at a whole second succeeds (even 100 ms slot); a retry 100 ms later would succeed too
  t.same(ev.map((e) => e.up), [true]);
  t.ok(f.starts.every((x) => x % 1000 === 0));
  s.stop();
});

t.test('MISC_CHECK: next run measured from the start; misc_dynamic weight and aggregation', async (t) => {
  const clock = new ManualClock();
  let code = 0;
  const starts: number[] = [];
  const fn: CheckFn = () => {
    starts.push(clock.now());
    return new Promise((resolve) =>
      clock.setTimeout(() => {
        if (code === 1) resolve({ ok: false, message: 'exited with status 1', latencyMs: 400 });
        else resolve({ ok: true, message: 'ok', latencyMs: 400, weight: code >= 2 ? code - 2 : undefined });
      }, 400),
    );
  };
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Misc]: fn, [CheckerKind.Tcp]: fake(clock, () => 'ok').fn } });
  const agg = new RealServerAggregator();
  agg.attach(s);
  const logs: string[] = [];
  s.on('log', (l) => {
    if (l.message.startsWith('Misc')) logs.push(l.message);
  });
  const rsEvents: Array<[number, boolean]> = [];
  const wEvents: Array<[number, number]> = [];
  agg.on('rs', (e) => rsEvents.push([e.at, e.alive]));
  agg.on('weight', (e) => wEvents.push([e.at, e.weight]));
  agg.addRealServer('rs1', 5);
  s.add('m', {
    kind: CheckerKind.Misc,
    misc: { miscPath: '/bin/check --flag', miscDynamic: true },
    vsLabel: '[10.1.1.1]:tcp:80',
    timing: makeTiming(CheckerKind.Misc, { delayLoopMs: 2000, warmupMs: 0 }),
  });
  s.add('t', tcpTarget('10.0.0.12', { delayLoopMs: 2000, warmupMs: 0 }));
  agg.addChecker('rs1', 'm', s.status('m')!.up);
  agg.addChecker('rs1', 't', s.status('t')!.up);
  t.equal(agg.isAlive('rs1'), true);
  s.start();
  await clock.advance(1500); // m: start 1000, exit 1400 with 0
  code = 12;
  await clock.advance(2000); // m: start 3000, exit 3400 -> weight 10
  code = 1;
  await clock.advance(2000); // 5000 -> 5400 down
  code = 0;
  await clock.advance(2000); // 7000 -> 7400 up, weight back to configured
  t.same(starts, [1000, 3000, 5000, 7000]);
  t.same(logs, [
    'Misc check for [[0.0.0.0]:tcp:0 VS [10.1.1.1]:tcp:80] by [/bin/check] succeeded.',
    'Misc check for [[0.0.0.0]:tcp:0 VS [10.1.1.1]:tcp:80] by [/bin/check] failed with retry disabled (exited with status 1).',
    'Misc check for [[0.0.0.0]:tcp:0 VS [10.1.1.1]:tcp:80] by [/bin/check] succeeded.',
  ]);
  t.same(rsEvents, [
    [5400, false],
    [7400, true],
  ]);
  t.same(wEvents, [
    [3400, 10],
    [5400, 5],
  ]);
  s.stop();
});

t.test('FILE_CHECK: change notification runs the check at once', async (t) => {
  const clock = new ManualClock();
  let value = 0;
  let notify: (() => void) | undefined;
  const fn: CheckFn = async () =>
    value * 10 <= -0x80000000
      ? { ok: false, message: 'fault', latencyMs: 0 }
      : { ok: true, message: `value ${value}`, latencyMs: 0, weightDelta: value * 10 };
  const s = new CheckScheduler({
    clock,
    random: () => 0,
    checkers: { [CheckerKind.File]: fn },
    watchFile: (_p, cb) => {
      notify = cb;
      return () => (notify = undefined);
    },
  });
  const agg = new RealServerAggregator();
  agg.attach(s);
  agg.addRealServer('rs', 100);
  s.add('f', { kind: CheckerKind.File, file: { path: '/x', weight: 10 }, timing: makeTiming(CheckerKind.File, { delayLoopMs: 60000 }) });
  agg.addChecker('rs', 'f', true);
  s.start();
  await clock.advance(10);
  value = 3;
  notify!();
  await clock.advance(10);
  t.equal(agg.weight('rs'), 130);
  value = -300000000;
  notify!();
  await clock.advance(10);
  t.equal(agg.isAlive('rs'), false);
  t.equal(agg.weight('rs'), 100);
  s.stop();
  t.equal(notify, undefined);
});

t.test('scale: 10,000 targets at delay_loop 1 s use one scheduler timer', async (t) => {
  const clock = new ManualClock();
  let attempts = 0;
  const fn: CheckFn = async () => {
    attempts++;
    return { ok: true, message: 'ok', latencyMs: 0 };
  };
  const s = new CheckScheduler({ clock, checkers: { [CheckerKind.Tcp]: fn }, maxConcurrent: 1000 });
  for (let i = 0; i < 10000; i++) s.add(`c${i}`, tcpTarget(`10.${(i >> 8) & 255}.${i & 255}.1`, { delayLoopMs: 1000 }));
  t.equal(s.jobCount, 10000);
  s.start();
  const t0 = process.hrtime.bigint();
  // pending clock timers: the scheduler's single wake-up timer (plus attempt timeouts while in flight)
  t.equal(clock.pending(), 1);
  await clock.advance(2100);
  const cpuMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t.ok(attempts >= 10000 && attempts <= 20000, `attempts ${attempts}`);
  t.ok(cpuMs < 20000, `simulated 2 s of 10k checks in ${cpuMs.toFixed(0)} ms`);
  s.stop();
});

t.test('disabled checker (ha_suspend) is not run but rescheduled', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'ok');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: f.fn } });
  s.add('d', tcpTarget('10.0.0.13', { delayLoopMs: 1000, warmupMs: 0 }));
  s.setEnabled('d', false);
  s.start();
  await clock.advance(3500);
  t.same(f.starts, []);
  s.setEnabled('d', true);
  await clock.advance(1000);
  t.same(f.starts, [4000]);
  s.stop();
});

t.test('stop() and start() again resume every checker once', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'ok', 500);
  const s = new CheckScheduler({ clock, random: () => 0, maxConcurrent: 1, checkers: { [CheckerKind.Tcp]: f.fn } });
  s.add('a', tcpTarget('10.0.0.20', { delayLoopMs: 2000, warmupMs: 0 }));
  s.add('b', tcpTarget('10.0.0.21', { delayLoopMs: 2000, warmupMs: 0 }));
  s.start();
  await clock.advance(1200); // a running, b queued behind the concurrency limit
  s.stop();
  s.start();
  await clock.advance(3600);
  // restart: both first runs at 2200 (b after a finishes), then every 2 s after completion
  t.same(f.starts, [1000, 2200, 2700, 4700]);
  s.stop();
});

t.test('HTTP_GET with several urls: one url per delay_loop, failed url re-checked alone, full cycle to recover', async (t) => {
  for (const fastRecovery of [false, true]) {
    const clock = new ManualClock();
    const seen: Array<[number, string]> = [];
    const fn: CheckFn = async (target) => {
      const path = (target as TargetOf<CheckerKind.HttpGet>).http.urls.map((u) => u.path).join(',');
      seen.push([clock.now(), path]);
      const now = clock.now();
      const ok = !(path === '/b' && now > 4500 && now < 8000);
      return { ok, message: ok ? 'ok' : 'HTTP status code error', latencyMs: 0 };
    };
    const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.HttpGet]: fn } });
    const ev = collect(s);
    s.add('h', {
      kind: CheckerKind.HttpGet,
      conn: { connectIp: '10.0.0.30', connectPort: 80 },
      http: { urls: [{ path: '/a' }, { path: '/b' }, { path: '/c' }], fastRecovery },
      timing: makeTiming(CheckerKind.HttpGet, { delayLoopMs: 1000, retry: 1, delayBeforeRetryMs: 500, warmupMs: 0 }),
    });
    s.start();
    await clock.advance(12000);
    s.stop();
    const firstCycle: Array<[number, string]> = fastRecovery
      ? [[1000, '/a'], [1000, '/b'], [1000, '/c']]
      : [[1000, '/a'], [2000, '/b'], [3000, '/c']];
    t.same(seen.slice(0, 3), firstCycle, `first cycle (fast_recovery ${fastRecovery})`);
    if (!fastRecovery) {
      t.same(seen.slice(3, 13), [
        [4000, '/a'], [5000, '/b'], [5500, '/b'], [6500, '/b'], [7500, '/b'], [8500, '/b'],
        [9500, '/a'], [10500, '/b'], [11500, '/c'], [12000 + 500, '/a'],
      ].filter(([at]) => (at as number) <= 12000));
      t.same(ev.map((e) => [e.at, e.up, e.changed]), [[3000, true, false], [5500, false, true], [11500, true, true]]);
    } else {
      t.same(ev.map((e) => [e.at, e.up, e.changed]).slice(-1), [[8500, true, true]], 'recovers at once with fast_recovery');
    }
  }
});

t.test("HTTP_GET httpUrlsPerAttempt 'all' checks every url in one attempt", async (t) => {
  const clock = new ManualClock();
  const seen: string[] = [];
  const fn: CheckFn = async (target) => {
    seen.push((target as TargetOf<CheckerKind.HttpGet>).http.urls.map((u) => u.path).join(','));
    return { ok: true, message: 'ok', latencyMs: 0 };
  };
  const s = new CheckScheduler({ clock, random: () => 0, httpUrlsPerAttempt: 'all', checkers: { [CheckerKind.HttpGet]: fn } });
  s.add('h', {
    kind: CheckerKind.HttpGet,
    conn: { connectIp: '10.0.0.31', connectPort: 80 },
    http: { urls: [{ path: '/a' }, { path: '/b' }] },
    timing: makeTiming(CheckerKind.HttpGet, { delayLoopMs: 1000, warmupMs: 0 }),
  });
  s.start();
  await clock.advance(2500);
  s.stop();
  t.same(seen, ['/a,/b', '/a,/b']);
});

t.test('property: every checker kind goes down within the detection bound', async (t) => {
  const fc = (await import('fast-check')).default;
  const kinds = [CheckerKind.Tcp, CheckerKind.Udp, CheckerKind.Dns, CheckerKind.Smtp, CheckerKind.HttpGet, CheckerKind.Ping, CheckerKind.Misc];
  const mk = (kind: CheckerKind, timing: CheckTiming): CheckTarget => {
    const conn = { connectIp: '10.9.9.9', connectPort: 80 };
    switch (kind) {
      case CheckerKind.HttpGet:
        return { kind, conn, http: { urls: [{ path: '/' }] }, timing };
      case CheckerKind.Udp:
        return { kind, conn, udp: { requireReply: true }, timing };
      case CheckerKind.Dns:
        return { kind, conn, dns: {}, timing };
      case CheckerKind.Smtp:
        return { kind, conn, smtp: {}, timing };
      case CheckerKind.Misc:
        return { kind, misc: { miscPath: '/bin/x', miscTimeoutMs: timing.connectTimeoutMs }, timing };
      case CheckerKind.Ping:
        return { kind, conn, timing };
      default:
        return { kind: CheckerKind.Tcp, conn, timing };
    }
  };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...kinds),
      fc.integer({ min: 1, max: 20 }).map((x) => x * 500),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 6 }).map((x) => x * 250),
      fc.integer({ min: 1, max: 8 }).map((x) => x * 250),
      fc.integer({ min: 0, max: 40000 }),
      async (kind, delayLoopMs, retry, delayBeforeRetryMs, connectTimeoutMs, deathOffset) => {
        const timing = makeTiming(kind, { delayLoopMs, retry, delayBeforeRetryMs, connectTimeoutMs, warmupMs: 0 });
        const clock = new ManualClock();
        const death = 1000 + deathOffset;
        const f = fake(clock, (now) => (now < death ? 'ok' : 'hang'), 5);
        const s = new CheckScheduler({ clock, random: () => 0, checkers: { [kind]: f.fn } });
        let downAt = -1;
        s.on('state', (e) => {
          if (!e.up && downAt < 0) downAt = e.at;
        });
        s.add('p', mk(kind, timing));
        s.start();
        const bound = detectionBoundMs(timing);
        await clock.advance(death + bound + 10);
        s.stop();
        // the bound runs from the end of the last successful check (which may finish, 5 ms later, after the death)
        return downAt >= death && downAt - death <= bound + 5;
      },
    ),
    { numRuns: 150 },
  );
  t.pass('bound holds');
});

t.test('timerSlackMs coalesces wake-ups', async (t) => {
  const clock = new ManualClock();
  const f = fake(clock, () => 'ok');
  const rnd = [0, 0.5];
  const s = new CheckScheduler({ clock, random: () => rnd.shift() ?? 0, timerSlackMs: 10, checkers: { [CheckerKind.Tcp]: f.fn } });
  s.add('a', tcpTarget('10.0.0.40', { delayLoopMs: 1000, warmupMs: 0 }));
  s.add('b', tcpTarget('10.0.0.41', { delayLoopMs: 1000, warmupMs: 6 }));
  // random() = 0.5 for b: first run at 1003
  s.start();
  await clock.advance(1100);
  t.same(f.starts, [1010, 1010], 'both run in one wake-up, at most 10 ms late');
  s.stop();
});
