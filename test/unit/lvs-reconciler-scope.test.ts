// Scoped health-change passes: a change in one virtual server diffs only its services against the cached kernel
// table, and random sequences of scoped changes leave the kernel exactly where whole-table passes would.
import t from 'tap';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/check/index';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { AddressFamily, ForwardMethod, Protocol, TunnelType } from '../../src/ipvs/constants';
import type { DestinationConfig, ServiceConfig, ServiceKey } from '../../src/ipvs/types';
import { Reconciler, readTable } from '../../src/lvs/reconciler';
import { diff } from '../../src/lvs/diff';
import { Table, newTable, serviceId } from '../../src/lvs/state';
import { createLogger } from '../../src/util/log';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' });
const scfg: ServiceConfig = { scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff };
const dcfg = (weight: number): DestinationConfig => ({ forward: ForwardMethod.MASQ, weight, upperThreshold: 0, lowerThreshold: 0, tunnelType: TunnelType.IPIP, tunnelPort: 0, tunnelFlags: 0 });
const svc = (v: number): ServiceKey => ({ family: AddressFamily.INET, protocol: Protocol.TCP, address: `10.0.0.${v + 1}`, port: 80 });

/** V virtual servers of R real servers; health[v][r] = weight when up, -1 when down (removed). */
function model(V: number, R: number) {
  const health = Array.from({ length: V }, () => Array.from({ length: R }, () => 1));
  const scopes: Array<ReadonlySet<string> | undefined> = [];
  const vsTable = (vs: number[]): Table =>
    newTable(
      vs.map((v) => ({
        key: svc(v),
        config: scfg,
        dests: health[v]!.flatMap((w, r) => (w < 0 ? [] : [{ key: { address: `10.1.${v}.${r + 1}`, port: 80 }, config: dcfg(w) }])),
      })),
    );
  const desired = (scope?: ReadonlySet<string>): Table => {
    scopes.push(scope);
    const all = health.map((_, v) => v);
    return vsTable(scope ? all.filter((v) => scope.has(`vs${v}`)) : all);
  };
  return { health, scopes, desired, full: () => vsTable(health.map((_, v) => v)) };
}

t.test('a change in one virtual server issues only its ops and asks only for its services', async (t) => {
  const m = model(50, 4);
  const client = createFakeClient();
  const rec = new Reconciler({ client, desired: m.desired, log, clock: new ManualClock(0), resyncMs: 0 });
  const passes: string[][] = [];
  rec.onPass = (r) => passes.push(r.ops.map((o) => `${o.op.op} ${serviceId(o.op.service)}`));
  await rec.start();
  t.equal(passes[0]!.length, 50 * 5, 'start: 50 services and 200 destinations');
  const dumps = rec.dumps;
  m.health[7]![2] = -1;
  rec.trigger('change', ['vs7']);
  await rec.idle();
  t.same(passes.at(-1), ['del-dest TCP 10.0.0.8:80'], 'one op, in vs7');
  t.same([...(m.scopes.at(-1) ?? [])], ['vs7'], 'the desired function was asked for vs7 only');
  t.equal(rec.dumps, dumps, 'no dump for a health change');
  m.health[7]![2] = 3;
  m.health[9]![0] = 0;
  rec.trigger('change', ['vs7']);
  rec.trigger('change', ['vs9']); // coalesced while the first runs: one more pass covering vs9
  await rec.idle();
  t.same(passes.slice(-2), [['add-dest TCP 10.0.0.8:80'], ['edit-dest TCP 10.0.0.10:80']], 'two passes, one op each');
  t.same(diff(m.full(), await readTable(client)), [], 'the kernel equals the whole desired table');
  await rec.stop(false);
});

t.test('a trigger without a scope while a scoped one is pending covers everything', async (t) => {
  const m = model(5, 2);
  const client = createFakeClient();
  const rec = new Reconciler({ client, desired: m.desired, log, clock: new ManualClock(0), resyncMs: 0 });
  await rec.start();
  m.health[1]![0] = -1;
  m.health[3]![1] = -1;
  rec.trigger('change', ['vs1']);
  rec.trigger('change', ['vs1']);
  rec.trigger('change'); // e.g. an unknown virtual server: everything
  await rec.idle();
  t.equal(m.scopes.at(-1), undefined, 'the coalesced pass asked for the whole table');
  t.same(diff(m.full(), await readTable(client)), [], 'both changes applied');
  await rec.stop(false);
});

t.test('property: random scoped changes converge like whole-table passes', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(7), fc.nat(3), fc.integer({ min: -1, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
      async (changes) => {
        const m = model(8, 4);
        const client = createFakeClient();
        const rec = new Reconciler({ client, desired: m.desired, log, clock: new ManualClock(0), resyncMs: 0 });
        await rec.start();
        for (const [v, r, w, wait] of changes) {
          m.health[v]![r] = w;
          rec.trigger('change', [`vs${v}`]);
          if (wait) await rec.idle();
        }
        await rec.idle();
        const left = diff(m.full(), await readTable(client));
        await rec.stop(false);
        return left.length === 0;
      },
    ),
    { numRuns: 150 },
  );
  t.pass('converged every time');
});

t.test('a large start pass logs one summary line; a small change pass one line per op', async (t) => {
  const lines: Array<{ level: number; msg: string }> = [];
  const logOf = createLogger({ stream: new Writable({ write: (c, _e, cb) => (lines.push(...String(c).split('\n').filter(Boolean).map((l) => JSON.parse(l))), cb()) }), format: 'json', level: 'debug' });
  const m = model(10, 4);
  const rec = new Reconciler({ client: createFakeClient(), desired: m.desired, log: logOf, clock: new ManualClock(0), resyncMs: 0 });
  await rec.start();
  const info = lines.filter((l) => l.level === 30 && l.msg.startsWith('IPVS'));
  t.same(info.map((l) => l.msg), ['IPVS start: 10 add-service, 40 add-dest (each at debug level)']);
  t.equal(lines.filter((l) => l.level === 20 && l.msg.startsWith('IPVS add-')).length, 50, 'every op at debug');
  lines.length = 0;
  m.health[3]![1] = -1;
  rec.trigger('change', ['vs3']);
  await rec.idle();
  t.same(lines.filter((l) => l.level === 30).map((l) => l.msg), ['IPVS del-dest TCP 10.0.0.4:80 -> 10.1.3.2:80 (not in the desired table)']);
  await rec.stop(false);
});
