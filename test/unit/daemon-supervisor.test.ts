// The parent's supervisor with fake children: start order, READY after both, respawn with keepalived's backoff
// (counted in metrics), -R and permanent errors, requests with a late child, stop with SIGTERM then SIGKILL;
// the pure policy (restart delay, exit verdicts, which children a configuration needs) and the /state and
// /metrics merges.
import t from 'tap';
import { EventEmitter } from 'events';
import { Writable } from 'stream';
import { createLogger } from '../../src/util/log';
import { Metrics, MetricFamily } from '../../src/daemon/metrics';
import { ChildRole, ParentMessage } from '../../src/daemon/ipc';
import { Supervisor, ChildLike, Answer } from '../../src/daemon/supervisor';
import { ExitVerdict, describeExit, exitVerdict, restartDelay, wantedRoles } from '../../src/daemon/supervisor-policy';
import { mergeMetrics, mergeState } from '../../src/daemon/supervisor-view';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';

let nextPid = 1000;

/** A child process stand-in: records messages and signals; `auto` answers requests and exits on SIGTERM. */
class FakeChild extends EventEmitter implements ChildLike {
  readonly pid = nextPid++;
  sent: ParentMessage[] = [];
  signals: string[] = [];
  exited = false;
  constructor(
    readonly role: ChildRole,
    public opts: { answer?: boolean; obeyTerm?: boolean } = {},
  ) {
    super();
  }
  send(m: ParentMessage): boolean {
    if (this.exited) return false;
    this.sent.push(m);
    if (this.opts.answer !== false) {
      const result =
        m.op === 'metrics'
          ? `# HELP lvskeeper_${this.role}_x x\n# TYPE lvskeeper_${this.role}_x gauge\nlvskeeper_${this.role}_x 1\n`
          : m.op === 'reload'
            ? { applied: true, generation: 2 }
            : { generation: 1, loadedAt: 't', subsystems: { [this.role === ChildRole.Vrrp ? 'vrrp' : 'checkers']: { pid: this.pid } } };
      setImmediate(() => this.emit('message', { kind: 'reply', id: m.id, ok: true, result }));
    }
    return true;
  }
  kill(sig: NodeJS.Signals): boolean {
    this.signals.push(sig);
    if (sig === 'SIGKILL' || (sig === 'SIGTERM' && this.opts.obeyTerm !== false)) setImmediate(() => this.die(sig === 'SIGKILL' ? null : 0, sig === 'SIGKILL' ? 'SIGKILL' : null));
    return true;
  }
  ready(): void {
    this.emit('message', { kind: 'ready', role: this.role, pid: this.pid, generation: 1 });
  }
  die(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }
}

function rig(opts: { dontRespawn?: boolean; childOpts?: { answer?: boolean; obeyTerm?: boolean }; now?: () => number } = {}) {
  let logText = '';
  const log = createLogger({ stream: new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) }), format: 'json', level: 'debug' });
  const metrics = new Metrics([MetricFamily.Daemon]);
  const spawned: FakeChild[] = [];
  const sup = new Supervisor({
    spawn: (role) => {
      const c = new FakeChild(role, { ...opts.childOpts });
      spawned.push(c);
      return c;
    },
    log,
    metrics,
    dontRespawn: opts.dontRespawn ?? false,
    requestTimeoutMs: 50,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const latest = (role: ChildRole): FakeChild => spawned.filter((c) => c.role === role).at(-1)!;
  return { sup, spawned, metrics, latest, log: () => logText };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('children start in keepalived order; ready once both are', async (t) => {
  const { sup, spawned, latest } = rig();
  let ready = 0;
  sup.on('ready', () => ready++);
  t.same(sup.start([ChildRole.Checkers, ChildRole.Vrrp]), [ChildRole.Vrrp, ChildRole.Checkers]);
  t.same(spawned.map((c) => c.role), [ChildRole.Vrrp, ChildRole.Checkers]);
  t.same(sup.start([ChildRole.Vrrp]), [], 'already running');
  latest(ChildRole.Vrrp).ready();
  t.equal(ready, 0, 'not before the checkers child');
  latest(ChildRole.Checkers).ready();
  t.equal(ready, 1);
  t.match(sup.info(), { vrrp: { up: true, ready: true, restarts: 0 }, checkers: { up: true, ready: true } });
  await sup.stop(1000);
});

t.test('a child that dies is respawned, counted, and READY is not sent again', async (t) => {
  let clock = 0;
  const { sup, spawned, latest, metrics, log } = rig({ now: () => clock });
  let ready = 0;
  const respawned: boolean[] = [];
  sup.on('ready', () => ready++);
  sup.on('child-ready', (_r, _p, restarted: boolean) => respawned.push(restarted));
  sup.start([ChildRole.Vrrp, ChildRole.Checkers]);
  latest(ChildRole.Vrrp).ready();
  latest(ChildRole.Checkers).ready();
  const first = latest(ChildRole.Checkers);
  first.die(null, 'SIGKILL');
  t.equal(spawned.length, 3, 'first early death: respawned at once (keepalived delay 0)');
  t.not(latest(ChildRole.Checkers).pid, first.pid);
  latest(ChildRole.Checkers).ready();
  t.same(respawned, [false, false, true]);
  t.equal(ready, 1);
  t.match(log(), /Healthcheck child process\(\d+\) exited due to signal SIGKILL; respawning/);
  t.match(await metrics.text(), /lvskeeper_child_restarts_total\{child="checkers"\} 1/);
  t.match(await metrics.text(), /lvskeeper_child_up\{child="checkers"\} 1/);

  // second early death: 1 s delay
  clock = 5000;
  latest(ChildRole.Checkers).die(1, null);
  t.equal(spawned.length, 3, 'not yet');
  t.match(await metrics.text(), /lvskeeper_child_up\{child="checkers"\} 0/);
  t.match(log(), /Restart of Healthcheck process delayed 1 seconds to limit respawn rate/);
  const answers = await sup.ask('state');
  t.match(answers.find((a) => a.role === ChildRole.Checkers)!.error!.message, /not running/);
  await new Promise<void>((r) => sup.once('child-ready', () => r()).on('error', r) && setTimeout(() => latest(ChildRole.Checkers).ready(), 1500));
  t.equal(spawned.length, 4, 'respawned after the delay');
  await sup.stop(1000);
});

t.test('stop: SIGTERM to each (VRRP first), SIGKILL after the timeout, no respawn', async (t) => {
  const { sup, spawned, latest, log } = rig({ childOpts: { obeyTerm: true } });
  sup.start([ChildRole.Vrrp, ChildRole.Checkers]);
  latest(ChildRole.Checkers).opts.obeyTerm = false;
  const order: string[] = [];
  for (const c of spawned) {
    const k = c.kill.bind(c);
    c.kill = (s) => (order.push(`${c.role}:${s}`), k(s));
  }
  await sup.stop(30);
  t.same(order, ['vrrp:SIGTERM', 'check:SIGTERM', 'check:SIGKILL']);
  t.match(log(), /checkers process failed to die - forcing termination/);
  t.equal(spawned.length, 2, 'nothing respawned');
  t.same(sup.start([ChildRole.Vrrp]), [], 'no start once stopping');
});

t.test('stop cancels a pending respawn', async (t) => {
  let clock = 0;
  const { sup, spawned, latest } = rig({ now: () => clock });
  sup.start([ChildRole.Vrrp]);
  latest(ChildRole.Vrrp).die(null, 'SIGKILL');
  latest(ChildRole.Vrrp).die(null, 'SIGKILL');
  t.equal(spawned.length, 2, 'second death waits');
  await sup.stop(100);
  await new Promise((r) => setTimeout(r, 1200));
  t.equal(spawned.length, 2);
});

t.test('-R and permanent errors stop the parent', async (t) => {
  const a = rig({ dontRespawn: true });
  const fatal: number[] = [];
  a.sup.on('fatal', (c: number) => fatal.push(c));
  a.sup.start([ChildRole.Vrrp]);
  a.latest(ChildRole.Vrrp).ready();
  a.latest(ChildRole.Vrrp).die(null, 'SIGSEGV');
  t.same(fatal, [1]);
  t.equal(a.spawned.length, 1);
  t.match(a.log(), /VRRP child process\(\d+\) died: Exiting/);

  const b = rig();
  b.sup.on('fatal', (c: number) => fatal.push(c));
  b.sup.start([ChildRole.Checkers]);
  b.latest(ChildRole.Checkers).die(2, null);
  t.same(fatal, [1, 1], 'CONFIG at first start');
  t.match(b.log(), /exited with permanent error CONFIG. Terminating/);
});

t.test('ask: answers from each child; a late one is reported, not fatal; stray messages ignored', async (t) => {
  const { sup, latest, log } = rig();
  sup.start([ChildRole.Vrrp, ChildRole.Checkers]);
  latest(ChildRole.Vrrp).ready();
  latest(ChildRole.Checkers).opts.answer = false;
  latest(ChildRole.Checkers).emit('message', { kind: 'bogus' });
  t.match(log(), /unexpected message from child ignored/);
  const before = await sup.ask('metrics');
  t.match(before.find((a) => a.role === ChildRole.Checkers)!.error!.message, /starting/, 'not ready yet');
  latest(ChildRole.Checkers).ready();
  const answers = await sup.ask('metrics');
  t.match(answers[0], { role: ChildRole.Vrrp, result: /lvskeeper_vrrp_x 1/ });
  t.match(answers[1], { role: ChildRole.Checkers, error: { code: 'ETIMEDOUT' } });
  const r = await sup.reload(1000);
  t.same(r[0]!.result, { applied: true, generation: 2 });
  let reloaded: unknown;
  sup.on('reloaded', (_role, res) => (reloaded = res));
  latest(ChildRole.Vrrp).emit('message', { kind: 'reloaded', result: { applied: false, generation: 1 } });
  t.same(reloaded, { applied: false, generation: 1 });
  latest(ChildRole.Checkers).opts.answer = true;
  await sup.stop(1000);
  await tick();
});

t.test('restartDelay follows keepalived calc_restart_delay', async (t) => {
  let b = { startedAt: 0, nextDelayS: 0 };
  const seq: number[] = [];
  for (let i = 0; i < 9; i++) {
    const r = restartDelay(b, 10_000);
    seq.push(r.delayS);
    b = r.next;
  }
  t.same(seq, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
  const long = restartDelay({ startedAt: 0, nextDelayS: 32 }, 60_000);
  t.same(long, { delayS: 0, next: { startedAt: 0, nextDelayS: 0 } }, 'ran a minute: at once, backoff reset');
});

t.test('exit verdicts', async (t) => {
  const f = { stopping: false, code: null, signal: 'SIGKILL', dontRespawn: false, firstStart: false };
  t.equal(exitVerdict(f), ExitVerdict.Respawn);
  t.equal(exitVerdict({ ...f, stopping: true }), ExitVerdict.Expected);
  t.equal(exitVerdict({ ...f, dontRespawn: true }), ExitVerdict.StopAll);
  t.equal(exitVerdict({ ...f, code: 2, signal: null, firstStart: true }), ExitVerdict.Permanent);
  t.equal(exitVerdict({ ...f, code: 4, signal: null, firstStart: true }), ExitVerdict.Permanent);
  t.equal(exitVerdict({ ...f, code: 2, signal: null, firstStart: false }), ExitVerdict.Respawn, 'a respawned child with a broken file retries');
  t.equal(exitVerdict({ ...f, code: 0, signal: null }), ExitVerdict.Respawn, 'keepalived respawns a clean exit too');
  t.equal(describeExit(0, null), 'exited');
  t.equal(describeExit(3, null), 'exited with status 3');
  t.equal(describeExit(null, 'SIGKILL'), 'exited due to signal SIGKILL');
});

t.test('wantedRoles: keepalived running_vrrp / running_checker', async (t) => {
  const conf = (text: string) => {
    const r = parseConfig('/k.conf', memoryLoader({ '/k.conf': text }));
    return r.config!;
  };
  const vi = 'vrrp_instance A {\n interface lo\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
  const vs = 'virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n';
  const none = { vrrpOnly: false, checkOnly: false, all: false };
  t.same(wantedRoles(conf(vi + vs), none), [ChildRole.Vrrp, ChildRole.Checkers]);
  t.same(wantedRoles(conf(vi), none), [ChildRole.Vrrp]);
  t.same(wantedRoles(conf(vs), none), [ChildRole.Checkers]);
  t.same(wantedRoles(conf('static_ipaddress {\n 10.1.1.1/32 dev lo\n}\n'), none), [ChildRole.Vrrp]);
  t.same(wantedRoles(conf('global_defs {\n router_id x\n}\n'), none), []);
  t.same(wantedRoles(conf('global_defs {\n router_id x\n}\n'), { ...none, all: true }), [ChildRole.Vrrp, ChildRole.Checkers], '--all');
  t.same(wantedRoles(conf(vi + vs), { ...none, vrrpOnly: true }), [ChildRole.Vrrp]);
  t.same(wantedRoles(conf(vi + vs), { ...none, checkOnly: true }), [ChildRole.Checkers]);
  t.same(wantedRoles(conf(vi + vs), { ...none, vrrpOnly: true, checkOnly: true }), [ChildRole.Vrrp, ChildRole.Checkers], '-P -C: both');
});

t.test('mergeState: both parts, and a child without an answer', async (t) => {
  const answers: Answer<'state'>[] = [
    { role: ChildRole.Vrrp, pid: 11, result: { generation: 2, loadedAt: 'a', subsystems: { vrrp: { instances: [] } } } },
    { role: ChildRole.Checkers, pid: 12, error: new Error('no answer within 2000 ms') },
  ];
  const info = { vrrp: { pid: 11, up: true, ready: true, restarts: 1, startedAt: 's' }, checkers: { pid: 12, up: true, ready: true, restarts: 0, startedAt: 's' } };
  t.same(mergeState({ pid: 10, generation: 2, loadedAt: 'p', file: '/k.conf' }, info, answers), {
    generation: 2,
    loadedAt: 'p',
    file: '/k.conf',
    pid: 10,
    subsystems: { vrrp: { instances: [] } },
    children: {
      vrrp: { pid: 11, up: true, ready: true, restarts: 1, startedAt: 's', generation: 2, loadedAt: 'a' },
      checkers: { pid: 12, up: true, ready: true, restarts: 0, startedAt: 's', error: 'no answer within 2000 ms' },
    },
  });
});

t.test('mergeMetrics: concatenated, families unique, a missing child noted', async (t) => {
  const parent = '# HELP lvskeeper_config_generation g\n# TYPE lvskeeper_config_generation gauge\nlvskeeper_config_generation 2\n';
  const vrrp = '# HELP lvskeeper_vrrp_state s\n# TYPE lvskeeper_vrrp_state gauge\nlvskeeper_vrrp_state{instance="A"} 2\n\n# HELP lvskeeper_config_generation g\n# TYPE lvskeeper_config_generation gauge\nlvskeeper_config_generation 7\n';
  const text = mergeMetrics(parent, [
    { role: ChildRole.Vrrp, pid: 11, result: vrrp },
    { role: ChildRole.Checkers, pid: 12, error: new Error('check request to the checkers child: no answer within 2000 ms') },
  ]);
  t.equal(text.match(/# TYPE lvskeeper_config_generation/g)!.length, 1, 'a family appears once');
  t.match(text, /lvskeeper_config_generation 2/);
  t.notMatch(text, /lvskeeper_config_generation 7/);
  t.match(text, /lvskeeper_vrrp_state\{instance="A"\} 2/);
  t.match(text, /# lvskeeper: the checkers child \(pid 12\) gave no metrics: .*no answer within 2000 ms/);
  t.ok(text.endsWith('\n'));
});

t.test('a fork that fails (no pid, error without exit) is respawned', async (t) => {
  let fail = true;
  const made: ChildLike[] = [];
  let logText = '';
  const sup = new Supervisor({
    spawn: (role) => {
      const c = new FakeChild(role);
      if (fail) {
        fail = false;
        Object.defineProperty(c, 'pid', { value: undefined });
        setImmediate(() => c.emit('error', Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN' })));
      }
      made.push(c);
      return c;
    },
    log: createLogger({ stream: new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) }), format: 'json' }),
    metrics: new Metrics([MetricFamily.Daemon]),
    dontRespawn: false,
    requestTimeoutMs: 50,
  });
  sup.start([ChildRole.Vrrp]);
  await tick();
  await tick();
  t.equal(made.length, 2, 'spawned again');
  t.match(logText, /child process error/);
  t.equal(sup.pid(ChildRole.Vrrp), (made[1] as FakeChild).pid);
  await sup.stop(100);
});
