// Signals during start are held (Node's default would end the process) and replayed once the handlers exist.
import t from 'tap';
import { heldSignals, holdSignals, onSignals } from '../../src/daemon/early-signals';

const tick = () => new Promise((r) => setTimeout(r, 50));

t.test('a SIGHUP and a SIGUSR2 during start reach the real handlers once, in order', async (t) => {
  const base = process.listenerCount('SIGHUP');
  holdSignals();
  holdSignals(); // idempotent
  process.kill(process.pid, 'SIGUSR2');
  process.kill(process.pid, 'SIGHUP');
  process.kill(process.pid, 'SIGHUP');
  await tick();
  t.same(heldSignals(), ['SIGUSR2', 'SIGHUP'], 'held, repeats collapsed');
  const got: string[] = [];
  const handlers = { SIGHUP: () => got.push('hup'), SIGUSR2: () => got.push('usr2'), SIGTERM: () => got.push('term') };
  onSignals(handlers);
  t.same(got, [], 'replayed on the next turn, after the caller finished its setup');
  await tick();
  t.same(got, ['usr2', 'hup']);
  process.kill(process.pid, 'SIGHUP');
  await tick();
  t.same(got, ['usr2', 'hup', 'hup'], 'later signals go straight to the handlers');
  t.equal(process.listenerCount('SIGHUP'), base + 1, 'the holder is gone');
  for (const [s, h] of Object.entries(handlers)) process.off(s, h);
});

t.test("keepalived's real-time signals (SIGJSON 36, SIGSTATS_CLEAR 63) reach handlers instead of ending the process", async (t) => {
  const { realtimeSignalsWatched } = await import('../../src/daemon/early-signals');
  t.ok(realtimeSignalsWatched(), 'watched on this Node');
  const got: string[] = [];
  onSignals({ SIGJSON: () => got.push('json'), SIGSTATS_CLEAR: () => got.push('clear') });
  process.kill(process.pid, 36);
  process.kill(process.pid, 63);
  await tick();
  t.same(got, ['json', 'clear'], 'handled; the test process is still alive');
});
