// The IPVS sync daemon follows the driving VRRP instance: backup while BACKUP, master while MASTER, stopped at
// shutdown, restarted on a changed reload (keepalived vrrp.c / vrrp_daemon.c / ipvswrapper.c), against the fake kernel.
import t from 'tap';
import { Writable } from 'stream';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { SyncState } from '../../src/ipvs/constants';
import { SyncDaemonController, daemonConfig, syncdChanged, syncdOps } from '../../src/daemon/vrrp/ipvs-syncd';
import { createLogger } from '../../src/util/log';
import type { LvsSyncDaemon } from '../../src/config/model';

const lines: string[] = [];
const log = createLogger({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }), format: 'json' });
const loc = { file: 'k.conf', line: 1, col: 1 };
const sd: LvsSyncDaemon = { loc, interface: 'lo', vrrpInstance: 'VI_1', syncId: 51 } as LvsSyncDaemon;

t.test('pure commands per event', async (t) => {
  t.same(syncdOps({ kind: 'init', role: 'backup' }), [{ op: 'start', role: 'backup', ignoreError: false }]);
  t.same(syncdOps({ kind: 'transition', role: 'master' }), [
    { op: 'stop', role: 'backup', ignoreError: false },
    { op: 'start', role: 'master', ignoreError: false },
  ]);
  t.same(syncdOps({ kind: 'stop', role: 'master' }), [{ op: 'stop', role: 'master', ignoreError: false }]);
  t.same(
    syncdOps({ kind: 'reload', role: 'backup', changed: true }).map((o) => `${o.op} ${o.role}`),
    ['stop backup', 'start backup', 'stop master'],
  );
  t.same(syncdOps({ kind: 'reload', role: 'master', changed: false }).map((o) => `${o.op} ${o.role}`), ['start master', 'stop backup']);
  t.notOk(syncdChanged(sd, { ...sd }));
  t.ok(syncdChanged(sd, { ...sd, syncId: 52 }));
  t.ok(syncdChanged(sd, { ...sd, port: 9000 }));
  t.ok(syncdChanged(sd, undefined));
  t.same(daemonConfig({ ...sd, maxLen: 1400, port: 9000, ttl: 2, group: '239.1.1.1' }, 'master'), {
    state: SyncState.MASTER,
    mcastInterface: 'lo',
    syncId: 51,
    syncMaxLen: 1400,
    mcastGroup: '239.1.1.1',
    mcastPort: 9000,
    mcastTtl: 2,
  });
});

t.test('the fake kernel runs the daemon of the instance state', async (t) => {
  const client = createFakeClient();
  const c = new SyncDaemonController(sd, async () => client, log);
  const states = async () => (await client.listDaemons()).map((d) => `${d.state === SyncState.MASTER ? 'master' : 'backup'} ${d.mcastInterface} ${d.syncId}`).sort();
  await c.init('BACKUP');
  t.same(await states(), ['backup lo 51']);
  await c.transition('BACKUP');
  t.same(await states(), ['backup lo 51'], 'no change without a role change');
  await c.transition('MASTER');
  t.same(await states(), ['master lo 51']);
  await c.transition('FAULT');
  t.same(await states(), ['backup lo 51'], 'leaving MASTER starts the backup daemon');
  await c.reload({ ...sd, syncId: 52 }, 'BACKUP');
  t.same(await states(), ['backup lo 52'], 'changed settings restart the daemon');
  await c.reload({ ...sd, syncId: 52 }, 'MASTER');
  t.same(await states(), ['master lo 52']);
  await c.stop();
  t.same(await states(), []);
  t.equal(c.counters.errors, 0);
});

t.test('errors are logged, counted and never thrown; no IPVS means nothing runs', async (t) => {
  const client = createFakeClient();
  const c = new SyncDaemonController({ ...sd, interface: 'nosuch0' }, async () => client, log);
  await c.init('BACKUP');
  t.equal(c.counters.errors, 1, 'unknown interface: the kernel refuses');
  t.ok(lines.some((l) => l.includes('IPVS sync daemon start failed')));
  const none = new SyncDaemonController(sd, async () => undefined, log);
  await none.init('MASTER');
  await none.transition('BACKUP');
  t.equal(none.counters.commands, 0);
  const throwing = new SyncDaemonController(sd, async () => {
    throw new Error('no IPVS');
  }, log);
  await throwing.init('MASTER');
  t.equal(throwing.counters.commands, 0);
});
