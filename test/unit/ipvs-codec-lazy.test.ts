// Lazy stats of decoded entries: own enumerable properties, built on first read (once), replaceable.
import t from 'tap';
import { decodeDestEntry, decodeServiceEntry } from '../../src/ipvs/codec';
import { AddressFamily } from '../../src/ipvs/constants';

const stats = { conns: 3, inpkts: 4, outpkts: 5, inbytes: 6n, outbytes: 7n };
const svcAttrs = () => ({
  af: AddressFamily.INET,
  protocol: 6,
  addr: Buffer.from([10, 0, 0, 1]),
  port: 80,
  schedName: 'wrr',
  flags: { flags: 0, mask: 0xffffffff },
  timeout: 0,
  netmask: 0xffffffff,
  stats,
});
const destAttrs = () => ({ addr: Buffer.from([10, 0, 0, 2]), port: 8080, fwdMethod: 0, weight: 1, uThresh: 0, lThresh: 0, stats });

for (const [name, make] of [
  ['service', () => decodeServiceEntry(svcAttrs())],
  ['destination', () => decodeDestEntry(destAttrs(), AddressFamily.INET)],
] as const) {
  t.test(`${name} entry`, async (t) => {
    const e = make();
    t.ok(Object.keys(e).includes('stats') && Object.keys(e).includes('stats64'), 'own enumerable keys');
    const s = e.stats;
    t.equal(s.conns, 3);
    t.equal(s.inbytes, 6n);
    t.equal(e.stats, s, 'built once');
    t.equal(e.stats64.outbytes, 7n, 'stats64 falls back to the 32-bit nest');
    t.equal(Object.getOwnPropertyDescriptor(e, 'stats')?.value, s, 'a data property after the first read');
    const copy = { ...make() };
    t.equal(Object.getOwnPropertyDescriptor(copy, 'stats64')?.value?.conns, 3n, 'a spread copies the built value');
    const f = make();
    f.stats = { ...s, conns: 9 };
    t.equal(f.stats.conns, 9, 'assignable before the first read');
    t.equal(JSON.stringify(make(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)), JSON.stringify(copy, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });
}
