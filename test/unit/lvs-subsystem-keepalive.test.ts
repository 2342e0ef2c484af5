// The checkers subsystem holds the process open from start() to stop(): the scheduler's and reconciler's timers are
// unref'd, so `lvskeeper -n -C --status-listen=off` would otherwise exit right after "lvskeeper running".
import t from 'tap';
import { Writable } from 'node:stream';
import { build } from './helpers/model';
import { LvsSubsystem } from '../../src/daemon/lvs-subsystem';
import { Metrics } from '../../src/daemon/metrics';
import { parseDaemonArgs } from '../../src/cli/args';
import { createLogger } from '../../src/util/log';
import { CheckerKind, ManualClock } from '../../src/check/index';

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

function setup(): { config: ReturnType<typeof build>['config']; ctx: { log: ReturnType<typeof createLogger>; args: ReturnType<typeof parseDaemonArgs>; metrics: Metrics } } {
  const { config } = build(`
virtual_server 10.1.0.1 80 {
  delay_loop 60
  real_server 10.1.0.2 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`);
  const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' });
  return { config, ctx: { log, args: parseDaemonArgs([]), metrics: new Metrics() } };
}

t.test('with the system clock, a ref-ed handle lives from start to stop', async (t) => {
  const { config, ctx } = setup();
  const before = timeouts();
  const sub = new LvsSubsystem({ openClient: async () => null, scheduler: { checkers: { [CheckerKind.Tcp]: async () => ({ ok: true, message: 'ok', latencyMs: 0 }) } } });
  await sub.start(config, ctx);
  t.equal(timeouts(), before + 1, 'one ref-ed timer while running');
  await sub.stop(ctx);
  t.equal(timeouts(), before, 'released on stop');
  await sub.stop(ctx);
  t.equal(timeouts(), before, 'a second stop is harmless');
});

t.test('an injected clock (tests) holds nothing unless asked', async (t) => {
  const { config, ctx } = setup();
  const before = timeouts();
  const opts = { clock: new ManualClock(0), openClient: async () => null, scheduler: { checkers: { [CheckerKind.Tcp]: async () => ({ ok: true, message: 'ok', latencyMs: 0 }) } } };
  const sub = new LvsSubsystem(opts);
  await sub.start(config, ctx);
  t.equal(timeouts(), before, 'nothing held');
  await sub.stop(ctx);
  const held = new LvsSubsystem({ ...opts, keepAlive: true });
  await held.start(config, ctx);
  t.equal(timeouts(), before + 1, 'keepAlive: true holds one');
  await held.stop(ctx);
  t.equal(timeouts(), before);
});
