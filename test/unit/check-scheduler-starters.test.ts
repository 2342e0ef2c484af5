// The scheduler's callback-form checkers (CheckStartFn, TCP_CHECK's default): the same timing and verdicts as the
// promise form, timeouts through the abort function, a starter that declines falls back to the CheckFn, and
// stop()/remove() during an attempt neither completes it nor launches another.
import t from 'tap';
import { CheckScheduler, ManualClock, CheckerStateEvent } from '../../src/check/scheduler';
import { CheckerKind, CheckFn, CheckResult, CheckStartFn, CheckTarget, makeTiming, CheckTiming } from '../../src/check/types';

function tcpTarget(ip: string, timing: Partial<CheckTiming>): CheckTarget {
  return { kind: CheckerKind.Tcp, conn: { connectIp: ip, connectPort: 80 }, timing: makeTiming(CheckerKind.Tcp, timing) };
}
const TIMING = { delayLoopMs: 5000, retry: 2, delayBeforeRetryMs: 1000, connectTimeoutMs: 3000, warmupMs: 0 };

/** A starter whose outcome depends on the simulated time: 'ok' | 'fail' answer after `latency`, 'hang' never does. */
function starter(clock: ManualClock, outcome: (now: number) => 'ok' | 'fail' | 'hang', latency = 10) {
  const starts: number[] = [];
  const aborts: string[] = [];
  const fn: CheckStartFn = (_target, done) => {
    starts.push(clock.now());
    const o = outcome(clock.now());
    let over = false;
    if (o !== 'hang')
      clock.setTimeout(() => {
        if (over) return;
        over = true;
        done({ ok: o === 'ok', message: o, latencyMs: latency });
      }, latency);
    return (reason) => {
      aborts.push(reason instanceof Error ? reason.name : String(reason));
      if (over) return;
      over = true;
      done({ ok: false, message: 'TCP connection timeout', latencyMs: 0, timedOut: true });
    };
  };
  return { fn, starts, aborts };
}

t.test('same timing as the promise form: retries, delay_before_retry, down after retry + 1 failures', async (t) => {
  const clock = new ManualClock();
  const st = starter(clock, (now) => (now < 10000 ? 'ok' : 'fail'), 0);
  const s = new CheckScheduler({ clock, random: () => 0, checkers: {}, starters: { [CheckerKind.Tcp]: st.fn } });
  const ev: CheckerStateEvent[] = [];
  s.on('state', (e) => ev.push(e));
  s.add('c1', tcpTarget('10.0.0.1', TIMING));
  s.start();
  await clock.advance(30000);
  t.same(st.starts, [1000, 6000, 11000, 12000, 13000, 18000, 19000, 20000, 25000, 26000, 27000], 'the promise-form test sequence');
  t.same(ev.map((e) => [e.at, e.transition]), [[1000, 'up'], [13000, 'down']]);
  s.stop();
});

t.test('a hanging attempt is aborted at connect_timeout and counts as a timeout failure', async (t) => {
  const clock = new ManualClock();
  const st = starter(clock, () => 'hang');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: {}, starters: { [CheckerKind.Tcp]: st.fn } });
  const results: CheckResult[] = [];
  s.on('attempt', (e) => results.push(e.result));
  s.add('c1', tcpTarget('10.0.0.1', { ...TIMING, retry: 0 }));
  s.start();
  await clock.advance(1000 + 3000 + 1);
  t.same(st.aborts, ['TimeoutError']);
  t.equal(results.length, 1);
  t.equal(results[0]!.timedOut, true);
  t.equal(s.inflightCount, 0, 'nothing left in flight');
  s.stop();
});

t.test('a starter that declines falls back to the CheckFn', async (t) => {
  const clock = new ManualClock();
  let viaFn = 0;
  const fn: CheckFn = async () => (viaFn++, { ok: true, message: 'fn', latencyMs: 0 });
  const s = new CheckScheduler({ clock, random: () => 0, checkers: { [CheckerKind.Tcp]: fn }, starters: { [CheckerKind.Tcp]: () => undefined } });
  s.add('c1', tcpTarget('10.0.0.1', TIMING));
  s.start();
  await clock.advance(7000);
  t.equal(viaFn, 2);
  s.stop();
});

t.test('stop() and remove() during an attempt: no completion, no new launch', async (t) => {
  const clock = new ManualClock();
  const st = starter(clock, () => 'hang');
  const s = new CheckScheduler({ clock, random: () => 0, checkers: {}, starters: { [CheckerKind.Tcp]: st.fn }, maxConcurrent: 1 });
  let attempts = 0;
  s.on('attempt', () => attempts++);
  s.add('a', tcpTarget('10.0.0.1', TIMING));
  s.add('b', tcpTarget('10.0.0.2', TIMING));
  s.start();
  await clock.advance(1500); // 'a' hangs; 'b' waits for the one slot
  t.equal(st.starts.length, 1);
  s.stop();
  t.equal(st.aborts.length, 1, 'the attempt was aborted');
  t.equal(st.starts.length, 1, 'the waiting job was not launched by the abort');
  t.equal(attempts, 0, 'the aborted attempt did not complete');
  s.start();
  await clock.advance(1500);
  s.remove('a');
  s.remove('b');
  await clock.advance(20000);
  t.equal(s.inflightCount, 0);
  s.stop();
});

t.test('the default checkers load their module when a checker is added, not inside its first timed attempt', async (t) => {
  const { loadDefaultCheckers, loadDefaultStarters } = await import('../../src/check/scheduler');
  const httpPath = require.resolve('../../src/check/http');
  const cached = (): boolean => require.cache[httpPath] !== undefined;
  const checkers = loadDefaultCheckers() as Record<string, { preload?: () => void }>;
  t.type(checkers[CheckerKind.HttpGet]!.preload, 'function');
  t.type((loadDefaultStarters() as Record<string, { preload?: () => void }>)[CheckerKind.Tcp]!.preload, 'function');
  t.notOk(cached(), 'not loaded before');
  const s = new CheckScheduler({ clock: new ManualClock() });
  s.add('h', { kind: CheckerKind.HttpGet, conn: { connectIp: '127.0.0.1', connectPort: 80 }, http: { urls: [{ path: '/' }] }, timing: makeTiming(CheckerKind.HttpGet) } as unknown as CheckTarget);
  t.ok(cached(), 'http.ts is loaded once an HTTP_GET checker is added');
  s.stop();
});
