// The in-process subsystem host (the -P/-C daemon and each child): start, reload as a diff, a broken file rejected
// with the running configuration kept, reloads serialised, stop in reverse order, state/stats views and dump bodies;
// pid files written, removed only by their owner, stale ones cleaned.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { createLogger } from '../../src/util/log';
import { Metrics } from '../../src/daemon/metrics';
import { parseDaemonArgs } from '../../src/cli/args';
import type { Config } from '../../src/config/model';
import type { Subsystem } from '../../src/daemon/subsystem';
import { SubsystemHost, removePid, removeStalePid, writeDump, writePid } from '../../src/daemon/child-host';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-host-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const GOOD = 'global_defs {\n router_id one\n}\nvrrp_instance A {\n interface lo\n virtual_router_id 1\n priority 100\n authentication {\n  auth_type PASS\n  auth_pass s3cr3t\n }\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';

class FakeSub implements Subsystem {
  calls: string[] = [];
  constructor(
    readonly name: string,
    private readonly journal: string[],
    public failReload = false,
    public reloadGate?: Promise<void>,
  ) {}
  async start(c: Config): Promise<void> {
    this.journal.push(`${this.name}:start:${c.globalDefs.routerId}`);
  }
  async reload(prev: Config, next: Config): Promise<void> {
    this.journal.push(`${this.name}:reload:${prev.globalDefs.routerId}->${next.globalDefs.routerId}`);
    if (this.reloadGate) await this.reloadGate;
    if (this.failReload) throw new Error('reload broke');
  }
  async stop(): Promise<void> {
    this.journal.push(`${this.name}:stop`);
  }
  state(): unknown {
    return { s: this.name, big: 5n };
  }
  stats(): unknown {
    return { n: 1 };
  }
}

function rig() {
  let logText = '';
  const log = createLogger({ stream: new Writable({ write: (c, _e, cb) => ((logText += c.toString()), cb()) }), format: 'json', level: 'debug' });
  const file = path.join(dir, `k${Math.random().toString(36).slice(2)}.conf`);
  fs.writeFileSync(file, GOOD);
  const journal: string[] = [];
  const subs = [new FakeSub('vrrp', journal), new FakeSub('checkers', journal)];
  const metrics = new Metrics();
  const host = new SubsystemHost({ args: parseDaemonArgs(['-n']), log, metrics, subsystems: subs, file, configId: 'x', generation: 3 });
  return { host, file, journal, subs, metrics, log: () => logText };
}

t.test('start, reload as a diff, reject a broken file, stop in reverse', async (t) => {
  const { host, file, journal, subs, metrics, log } = rig();
  const c = host.load()!;
  t.ok(c);
  await host.start(c);
  t.equal(host.generation, 3, 'a respawned child continues the count');
  fs.writeFileSync(file, GOOD.replace('router_id one', 'router_id two'));
  t.same(await host.reload(), { applied: true, generation: 4 });
  fs.writeFileSync(file, GOOD + 'vrrp_instance B {\n priority 300\n');
  t.same(await host.reload(), { applied: false, generation: 4 });
  t.match(log(), /priority is 300; should be 1-255/);
  t.match(log(), /new configuration rejected; keeping the running one/);
  t.equal(host.config.globalDefs.routerId, 'two', 'the running configuration kept');
  subs[0]!.failReload = true;
  fs.writeFileSync(file, GOOD.replace('router_id one', 'router_id three'));
  t.same(await host.reload(), { applied: true, generation: 5 }, 'a subsystem failing its reload keeps running');
  t.match(log(), /reload of subsystem failed; it keeps running/);
  await host.stop();
  t.same(journal, ['vrrp:start:one', 'checkers:start:one', 'vrrp:reload:one->two', 'checkers:reload:one->two', 'vrrp:reload:two->three', 'checkers:reload:two->three', 'checkers:stop', 'vrrp:stop']);
  const m = await metrics.text();
  t.match(m, /lvskeeper_config_reloads_total\{result="applied"\} 2/);
  t.match(m, /lvskeeper_config_reloads_total\{result="rejected"\} 1/);
  t.match(m, /lvskeeper_config_generation 5/);
});

t.test('reloads are serialised and stop waits for one in progress', async (t) => {
  const { host, file, journal, subs } = rig();
  await host.start(host.load()!);
  let open!: () => void;
  subs[1]!.reloadGate = new Promise<void>((r) => (open = r));
  fs.writeFileSync(file, GOOD.replace('router_id one', 'router_id two'));
  const a = host.reload();
  const b = host.reload();
  const s = host.stop();
  await new Promise((r) => setImmediate(r));
  t.same(journal.slice(2), ['vrrp:reload:one->two', 'checkers:reload:one->two'], 'the second waits');
  open();
  t.same(await a, { applied: true, generation: 4 });
  t.same(await b, { applied: true, generation: 5 });
  await s;
  t.same(journal.slice(-2), ['checkers:stop', 'vrrp:stop']);
});

t.test('views and dump bodies (no secrets; bigints written)', async (t) => {
  const { host, log } = rig();
  await host.start(host.load()!);
  t.match(host.view('state'), { generation: 3, subsystems: { vrrp: { s: 'vrrp' }, checkers: { s: 'checkers' } } });
  t.same(host.view('stats').subsystems, { vrrp: { n: 1 }, checkers: { n: 1 } });
  const body = host.dumpBody('data') as { config: unknown; file: string };
  t.ok(body.config && body.file);
  t.notOk('config' in (host.dumpBody('stats') as object));
  const out = path.join(dir, 'dump.json');
  writeDump(out, body, createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) }), 'data');
  const text = fs.readFileSync(out, 'utf8');
  t.notMatch(text, /s3cr3t/, 'auth_pass not dumped');
  t.match(text, /"big": "5"/);
  writeDump(path.join(dir, 'no/such/dir/x'), body, createLogger({ stream: new Writable({ write: (c, _e, cb) => (void log, cb()) }) }), 'data');
  t.pass('a dump that cannot be written does not throw');
});

t.test('pid files', async (t) => {
  const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  const f = path.join(dir, 'run', 'x.pid');
  writePid(f, log);
  t.equal(fs.readFileSync(f, 'utf8'), `${process.pid}\n`);
  removePid(f, process.pid + 1);
  t.ok(fs.existsSync(f), 'not removed by another pid');
  removePid(f);
  t.notOk(fs.existsSync(f));
  removePid(f);
  writePid(f, log, 2 ** 22 + 7); // above pid_max: not a live process
  removeStalePid(f);
  t.notOk(fs.existsSync(f), 'stale file removed');
  writePid(f, log);
  removeStalePid(f);
  t.ok(fs.existsSync(f), 'a live process keeps its file');
  removeStalePid(path.join(dir, 'absent.pid'));
  writePid(undefined, log);
});
