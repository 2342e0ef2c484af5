// The reconciler's pure diff: examples for each rule, and properties over random tables.
import t from 'tap';
import fc from 'fast-check';
import { diff, applyOps, describeOp, Op } from '../../src/lvs/diff';
import { newTable, serviceId, destId, Table, sameServiceConfig, sameDestConfig } from '../../src/lvs/state';
import { AddressFamily, ForwardMethod, Protocol, TunnelType } from '../../src/ipvs/constants';
import type { ServiceConfig, DestinationConfig, ServiceKey } from '../../src/ipvs/types';

const svc = (addr: string, port = 80, protocol = Protocol.TCP): ServiceKey => ({ family: AddressFamily.INET, protocol, address: addr, port });
const scfg = (scheduler = 'wlc', flags = 0): ServiceConfig => ({ scheduler, flags, timeout: 0, netmask: 0xffffffff });
const dcfg = (weight = 1, forward = ForwardMethod.MASQ): DestinationConfig => ({
  forward, weight, upperThreshold: 0, lowerThreshold: 0, tunnelType: TunnelType.IPIP, tunnelPort: 0, tunnelFlags: 0,
});

t.test('empty to one service with two dests: service first', async (t) => {
  const desired = newTable([{ key: svc('10.0.0.1'), config: scfg(), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg() }, { key: { address: '10.0.1.2', port: 80 }, config: dcfg() }] }]);
  const ops = diff(desired, new Map());
  t.same(ops.map((o) => o.op), ['add-service', 'add-dest', 'add-dest']);
  t.equal(describeOp(ops[1]), 'add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (missing)');
});

t.test('weight and scheduler changes are edits in place', async (t) => {
  const actual = newTable([{ key: svc('10.0.0.1'), config: scfg('rr'), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg(1) }] }]);
  const desired = newTable([{ key: svc('10.0.0.1'), config: scfg('wrr'), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg(0) }] }]);
  const ops = diff(desired, actual);
  t.same(ops.map((o) => o.op), ['edit-service', 'edit-dest']);
  t.match(ops[0].reason, /scheduler rr -> wrr/);
  t.match(ops[1].reason, /weight 1 -> 0/);
});

t.test('removal: dests of kept services first, then services; nothing for untouched entries', async (t) => {
  const actual = newTable([
    { key: svc('10.0.0.1'), config: scfg(), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg() }, { key: { address: '10.0.1.2', port: 80 }, config: dcfg() }] },
    { key: svc('10.0.0.2'), config: scfg(), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg() }] },
  ]);
  const desired = newTable([{ key: svc('10.0.0.1'), config: scfg(), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg() }] }]);
  const ops = diff(desired, actual);
  t.same(ops.map(describeOp), ['del-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (not in the desired table)', 'del-service TCP 10.0.0.2:80 (not in the desired table)']);
});

t.test('services that are not ours are left alone', async (t) => {
  const actual = newTable([{ key: svc('10.9.9.9'), config: scfg(), dests: [] }, { key: svc('10.0.0.2'), config: scfg(), dests: [] }]);
  const ops = diff(new Map(), actual, { owned: new Set([serviceId(svc('10.0.0.2'))]) });
  t.same(ops.map(describeOp), ['del-service TCP 10.0.0.2:80 (not in the desired table)']);
});

t.test('drift repair after a flush re-creates everything', async (t) => {
  const desired = newTable([{ key: svc('10.0.0.1'), config: scfg(), dests: [{ key: { address: '10.0.1.1', port: 80 }, config: dcfg() }] }]);
  const ops = diff(desired, new Map());
  t.same(applyOps(new Map(), ops).get(serviceId(svc('10.0.0.1')))?.dests.size, 1);
  t.same(diff(desired, applyOps(new Map(), ops)), [], 'converged: no further ops');
});

// ---- properties ----
const arbServiceKey = fc.oneof(
  fc.record({ family: fc.constant(AddressFamily.INET as AddressFamily.INET), protocol: fc.constantFrom(Protocol.TCP, Protocol.UDP, Protocol.SCTP), address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'), port: fc.constantFrom(80, 443) }),
  fc.record({ family: fc.constantFrom(AddressFamily.INET as AddressFamily.INET, AddressFamily.INET6 as AddressFamily.INET6), fwmark: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ family: fc.constant(AddressFamily.INET6 as AddressFamily.INET6), protocol: fc.constant(Protocol.TCP), address: fc.constantFrom('fd00::1', 'fd00::2'), port: fc.constant(80) }),
) as fc.Arbitrary<ServiceKey>;
const arbServiceConfig = fc.record({ scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'mh'), flags: fc.constantFrom(0, 1, 8), timeout: fc.constantFrom(0, 300), netmask: fc.constant(0xffffffff) });
const arbDestConfig = fc.record({
  forward: fc.constantFrom(ForwardMethod.MASQ, ForwardMethod.DROUTE, ForwardMethod.TUNNEL),
  weight: fc.integer({ min: 0, max: 3 }),
  upperThreshold: fc.constantFrom(0, 100),
  lowerThreshold: fc.constant(0),
  tunnelType: fc.constantFrom(TunnelType.IPIP, TunnelType.GRE),
  tunnelPort: fc.constant(0),
  tunnelFlags: fc.constant(0),
});
const arbDest = fc.record({ key: fc.record({ address: fc.constantFrom('10.0.1.1', '10.0.1.2', '10.0.1.3', 'fd00:1::1'), port: fc.constantFrom(80, 8080) }), config: arbDestConfig });
const arbTable: fc.Arbitrary<Table> = fc.array(fc.record({ key: arbServiceKey, config: arbServiceConfig, dests: fc.array(arbDest, { maxLength: 5 }) }), { maxLength: 6 }).map(newTable);

function tablesEqual(a: Table, b: Table): boolean {
  if (a.size !== b.size) return false;
  for (const [id, s] of a) {
    const o = b.get(id);
    if (!o || !sameServiceConfig(s.config, o.config) || s.dests.size !== o.dests.size) return false;
    for (const [did, d] of s.dests) {
      const od = o.dests.get(did);
      if (!od || !sameDestConfig(d.config, od.config)) return false;
    }
  }
  return true;
}

t.test('property: applying the diff yields the desired table, and a second diff is empty', async (t) => {
  fc.assert(
    fc.property(arbTable, arbTable, (desired, actual) => {
      const after = applyOps(actual, diff(desired, actual));
      return tablesEqual(after, desired) && diff(desired, after).length === 0;
    }),
    { numRuns: 500 },
  );
  t.pass('converges');
});

t.test('property: ordering rules hold', async (t) => {
  fc.assert(
    fc.property(arbTable, arbTable, (desired, actual) => {
      const ops = diff(desired, actual);
      const pos = (pred: (o: Op) => boolean): number => ops.findIndex(pred);
      for (let i = 0; i < ops.length; i++) {
        const o = ops[i];
        const sid = serviceId(o.service);
        if (o.op === 'add-dest' || o.op === 'edit-dest') {
          const addSvc = pos((x) => x.op === 'add-service' && serviceId(x.service) === sid);
          if (addSvc > i) return false; // service before its destinations
        }
        if (o.op === 'del-service') {
          if (ops.slice(i + 1).some((x) => x.op === 'del-dest' && serviceId(x.service) === sid)) return false;
          if (ops.some((x) => x.op === 'add-service' && serviceId(x.service) === sid)) return false; // never delete-and-add
        }
        if (o.op === 'del-dest' && ops.some((x) => x.op === 'add-dest' && serviceId(x.service) === sid && destId(x.dest) === destId(o.dest))) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('ordered');
});
