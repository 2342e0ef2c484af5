// The drift-repair period grows with the kernel dump's duration (at least RESYNC_DUMP_FACTOR times the last dump), so a
// large table is not dumped back to back; with quick dumps it stays resyncMs.
import t from 'tap';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/check/index';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { RESYNC_DUMP_FACTOR, Reconciler } from '../../src/lvs/reconciler';
import { newTable } from '../../src/lvs/state';
import { createLogger } from '../../src/util/log';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' });

t.test('a slow dump stretches the resync period; a quick one restores it', async (t) => {
  const clock = new ManualClock(0);
  const client = createFakeClient();
  let dumpCostMs = 1000;
  const listAll = client.listAll.bind(client);
  client.listAll = async () => {
    const r = await listAll();
    (clock as unknown as { t: number }).t += dumpCostMs; // the dump "takes" dumpCostMs of clock time
    return r;
  };
  const rec = new Reconciler({ client, desired: () => newTable([]), log, clock, resyncMs: 10_000 });
  await rec.start();
  t.equal(rec.lastDumpMs, 1000);
  t.equal(rec.resyncInterval(), 1000 * RESYNC_DUMP_FACTOR, '50 x 1 s');
  const before = rec.dumps;
  await clock.advance(10_000);
  t.equal(rec.dumps, before, 'no resync after the nominal 10 s');
  dumpCostMs = 10;
  await clock.advance(45_000);
  t.equal(rec.dumps, before + 1, 'the resync came after 50 s');
  t.equal(rec.resyncInterval(), 10_000, 'a quick dump: back to resyncMs');
  await clock.advance(10_000);
  t.equal(rec.dumps, before + 2);
  await rec.stop(false);
});

t.test('a long start pass (programming a large table) sets the first resync period; a measured dump then replaces it', async (t) => {
  const clock = new ManualClock(0);
  const client = createFakeClient();
  const applyBatch = client.applyBatch.bind(client);
  client.applyBatch = async (ops) => {
    const r = await applyBatch(ops);
    (clock as unknown as { t: number }).t += 3000; // programming "takes" 3 s
    return r;
  };
  const desired = newTable([{ key: { family: 2, protocol: 6, address: '10.0.0.1', port: 80 }, config: { scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff } }]);
  const rec = new Reconciler({ client, desired: () => desired, log, clock, resyncMs: 10_000 });
  await rec.start();
  t.equal(rec.resyncInterval(), 3000 * RESYNC_DUMP_FACTOR, 'the start pass (3 s) is the estimate');
  const before = rec.dumps;
  await clock.advance(3000 * RESYNC_DUMP_FACTOR - 1000);
  t.equal(rec.dumps, before, 'no resync after the nominal 10 s');
  await clock.advance(2000);
  t.equal(rec.dumps, before + 1, 'the first resync');
  t.equal(rec.resyncInterval(), 10_000, 'its quick dump restores the nominal period');
  await rec.stop(false);
});
