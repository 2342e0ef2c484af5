// The parent process in this process with fake children: READY to systemd only once both children are up,
// RELOADING/READY around a SIGHUP relayed to both, a broken file rejected by the parent, /state and /metrics merged
// over IPC (a child that does not answer reported), a respawned child, STOPPING and SIGTERM to both children.
// systemd-notify is replaced by a script on PATH that records its arguments.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { EventEmitter } from 'events';
import { parseDaemonArgs } from '../../src/cli/args';
import { runParent } from '../../src/daemon/supervisor-run';
import { ChildRole, ParentMessage } from '../../src/daemon/ipc';
import type { ChildLike } from '../../src/daemon/supervisor';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-parent-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const notes = path.join(dir, 'notify.log');
fs.mkdirSync(path.join(dir, 'bin'));
fs.writeFileSync(path.join(dir, 'bin', 'systemd-notify'), `#!/bin/sh\necho "$*" >> ${notes}\n`, { mode: 0o755 });

const VI = 'vrrp_instance A {\n interface lo\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
const VS = 'virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n';

let nextPid = 500000;
class FakeChild extends EventEmitter implements ChildLike {
  readonly pid = nextPid++;
  signals: string[] = [];
  mute = false;
  generation = 1;
  constructor(readonly role: ChildRole) {
    super();
  }
  send(m: ParentMessage): boolean {
    if (this.mute) return true;
    const sub = this.role === ChildRole.Vrrp ? 'vrrp' : 'checkers';
    if (m.op === 'reload') this.generation++;
    const result =
      m.op === 'metrics'
        ? `# HELP lvskeeper_${sub}_fake f\n# TYPE lvskeeper_${sub}_fake gauge\nlvskeeper_${sub}_fake 1\n`
        : m.op === 'reload'
          ? { applied: true, generation: this.generation }
          : { generation: this.generation, loadedAt: 'x', subsystems: { [sub]: { pid: this.pid } } };
    setImmediate(() => this.emit('message', { kind: 'reply', id: m.id, ok: true, result }));
    return true;
  }
  kill(sig: NodeJS.Signals): boolean {
    this.signals.push(sig);
    setImmediate(() => this.emit('exit', sig === 'SIGKILL' ? null : 0, sig === 'SIGKILL' ? 'SIGKILL' : null));
    return true;
  }
  ready(): void {
    this.emit('message', { kind: 'ready', role: this.role, pid: this.pid, generation: this.generation });
  }
}

function get(socketPath: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path: url }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fn()) return;
    await sleep(20);
  }
  throw new Error(`${what}: not reached`);
}
const notified = (): string[] => (fs.existsSync(notes) ? fs.readFileSync(notes, 'utf8').trim().split('\n') : []);

t.test('parent life cycle with fake children', async (t) => {
  const conf = path.join(dir, 'k.conf');
  fs.writeFileSync(conf, VI + VS);
  const sock = path.join(dir, 's.sock');
  const pidFile = path.join(dir, 'p.pid');
  process.env.NOTIFY_SOCKET = '/nonexistent/notify';
  process.env.PATH = `${path.join(dir, 'bin')}:${process.env.PATH}`;
  const kids: FakeChild[] = [];
  const args = parseDaemonArgs(['-n', '-l', '-f', conf, '-p', pidFile, '-r', path.join(dir, 'v.pid'), '-c', path.join(dir, 'c.pid'), `--status-listen=${sock}`, '--log-format=json']);
  const out: string[] = [];
  // -l: the logs go to stderr (stdout carries TAP), captured below: one write per line, not the daemon's batches
  process.env.LVSK_LOG_BATCH_MS = '0';
  t.teardown(() => void delete process.env.LVSK_LOG_BATCH_MS);
  const ew = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: unknown }).write = (s: string) => (out.push(String(s)), true);
  t.teardown(() => void ((process.stderr as unknown as { write: unknown }).write = ew));
  const done = runParent(args, (role) => {
    const c = new FakeChild(role);
    kids.push(c);
    return c;
  });
  const log = (): string => out.join('');
  await until('children spawned', () => kids.length === 2);
  t.same(kids.map((k) => k.role), [ChildRole.Vrrp, ChildRole.Checkers]);
  t.equal(fs.readFileSync(pidFile, 'utf8').trim(), String(process.pid), '-p is the parent');
  await until('status endpoint', () => fs.existsSync(sock));
  kids[0]!.ready();
  await sleep(200);
  t.notOk(notified().some((l) => l.includes('READY=1')), 'no READY with one child up');
  kids[1]!.ready();
  await until('READY', () => notified().some((l) => l.includes('READY=1')));
  t.match(log(), /lvskeeper running/);

  const st = JSON.parse(await get(sock, '/state'));
  t.match(st, { generation: 1, pid: process.pid, subsystems: { vrrp: { pid: kids[0]!.pid }, checkers: { pid: kids[1]!.pid } }, children: { vrrp: { ready: true }, checkers: { ready: true } } });
  kids[1]!.mute = true;
  const m = await get(sock, '/metrics');
  t.match(m, /lvskeeper_vrrp_fake 1/);
  t.match(m, /lvskeeper_child_scrape_ok\{child="checkers"\} 0/);
  t.match(m, /# lvskeeper: the checkers child \(pid \d+\) gave no metrics: .*no answer within 2000 ms/);
  t.match(JSON.parse(await get(sock, '/state')).children.checkers.error, /no answer/);
  kids[1]!.mute = false;

  // SIGHUP: RELOADING, both children asked, READY
  fs.writeFileSync(notes, '');
  process.kill(process.pid, 'SIGHUP');
  await until('reloaded', () => /"msg":"configuration reloaded"/.test(log()));
  await until('READY after RELOADING', () => notified().some((l) => l.includes('READY=1')));
  const n = notified();
  t.ok(n.findIndex((l) => l.includes('RELOADING=1')) < n.findIndex((l) => l.includes('READY=1')), 'RELOADING then READY');
  t.equal(kids[0]!.generation, 2);
  t.equal(kids[1]!.generation, 2);
  t.equal(JSON.parse(await get(sock, '/state')).generation, 2);

  // a broken file: rejected in the parent, the children are not asked
  fs.writeFileSync(conf, VI + VS + 'vrrp_instance B {\n priority 300\n');
  process.kill(process.pid, 'SIGHUP');
  await until('rejected', () => /new configuration rejected; keeping the running one/.test(log()));
  t.equal(kids[0]!.generation, 2, 'children not asked');

  // a child dies: respawned
  kids[1]!.emit('exit', null, 'SIGKILL');
  await until('respawned', () => kids.length === 3);
  t.equal(kids[2]!.role, ChildRole.Checkers);
  kids[2]!.ready();
  await until('respawn logged', () => /checkers child respawned and running/.test(log()));

  // SIGTERM: STOPPING, both children told
  fs.writeFileSync(notes, '');
  process.kill(process.pid, 'SIGTERM');
  t.equal(await done, 0);
  t.same(kids[0]!.signals, ['SIGTERM']);
  t.same(kids[2]!.signals, ['SIGTERM']);
  // sd_notify is fire-and-forget (a systemd-notify process): its line may land after stop() resolved
  await until('STOPPING', () => notified().some((l) => l.includes('STOPPING=1')));
  t.pass('STOPPING=1 notified');
  t.notOk(fs.existsSync(pidFile), '-p removed');
  process.removeAllListeners('SIGHUP');
  process.removeAllListeners('SIGUSR1');
  process.removeAllListeners('SIGUSR2');
});
