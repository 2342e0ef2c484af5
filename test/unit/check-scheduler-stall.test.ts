// A stall of the daemon's own event loop is not a real server timing out: when the attempt's timer and the check's
// I/O both became due during a long synchronous stretch, the I/O that completed is seen first (real clock). Node 20's
// loop gives it that order by itself; this guards the property the checkers bench relies on.
import t from 'tap';
import { spawn } from 'node:child_process';
import { CheckScheduler, type CheckerAttemptEvent } from '../../src/check/scheduler';
import { CheckerKind, makeTiming, type CheckFn, type CheckTarget } from '../../src/check/types';

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a synchronous stretch, as a long reconcile pass or a burst of log lines */
  }
}

t.test('a result that arrived during a stall longer than the timeout is used, not the overdue timer', async (t) => {
  const target: CheckTarget = {
    kind: CheckerKind.Tcp,
    conn: { connectIp: '127.0.0.1', connectPort: 9 },
    timing: makeTiming(CheckerKind.Tcp, { delayLoopMs: 60000, connectTimeoutMs: 100, warmupMs: 0, retry: 0 }),
  };
  // The "I/O": a child that answers at once. The stall: a long synchronous stretch elsewhere in this process (in the
  // check phase, as a reconcile pass would be), during which both the answer and the 100 ms timeout become due.
  const answering: CheckFn = (_tg, signal) =>
    new Promise((resolve) => {
      const child = spawn('sh', ['-c', 'echo up'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout!.once('data', () => resolve({ ok: true, message: 'answered', latencyMs: 1 }));
      signal.addEventListener('abort', () => resolve({ ok: false, message: 'timeout', latencyMs: 100, timedOut: true }));
      setImmediate(() => busyWait(1500));
    });
  const keep = setInterval(() => undefined, 1000); // the system clock's timers are unref'd
  t.teardown(() => clearInterval(keep));
  const s = new CheckScheduler({ random: () => 0, checkers: { [CheckerKind.Tcp]: answering } });
  const attempt = new Promise<CheckerAttemptEvent>((r) => s.once('attempt', r));
  s.add('a', target);
  s.start();
  const e = await attempt;
  s.stop();
  t.equal(e.result.ok, true, `the answer that arrived during the stall wins (${e.result.message})`);
});

t.test('a real timeout still fails after connect_timeout', async (t) => {
  const target: CheckTarget = {
    kind: CheckerKind.Tcp,
    conn: { connectIp: '127.0.0.1', connectPort: 9 },
    timing: makeTiming(CheckerKind.Tcp, { delayLoopMs: 60000, connectTimeoutMs: 100, warmupMs: 0, retry: 0 }),
  };
  const never: CheckFn = (_tg, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, message: 'timeout', latencyMs: 100, timedOut: true })));
  const keep = setInterval(() => undefined, 1000); // the system clock's timers are unref'd
  t.teardown(() => clearInterval(keep));
  const s = new CheckScheduler({ random: () => 0, checkers: { [CheckerKind.Tcp]: never } });
  const attempt = new Promise<CheckerAttemptEvent>((r) => s.once('attempt', r));
  s.add('a', target);
  s.start();
  const e = await attempt;
  s.stop();
  t.equal(e.result.ok, false);
  t.equal(e.result.timedOut, true);
});
