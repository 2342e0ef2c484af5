// isIPv4Text/isIPv6Text answer as node:net's isIPv4/isIPv6 do, on valid addresses, their mutations and noise.
import t from 'tap';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { isIPv4Text, isIPv6Text } from '../../src/ipvs/ip-text';

const same = (s: string): boolean => isIPv4Text(s) === isIPv4(s) && isIPv6Text(s) === isIPv6(s);

t.test('examples', async (t) => {
  const cases = [
    '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::8', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5::1.2.3.4', '1.2.3.4::', '1:2:3:4:5:6::1.2.3.4', ':::', '1:::2', ':1::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::',
    'fe80::1%eth0', 'fe80::1%', '%eth0', 'fe80::1%a b', '::1.2.3', '::01.2.3.4', '1.2.3.4', '01.2.3.4', '255.255.255.255', '256.1.1.1',
    '', ':', '1:2:3:4:5:6:7', 'g::', 'FFFF::', '::1.2.3.4%z', '1:2:3:4:5:6:7:1.2.3.4',
  ];
  for (const c of cases) t.ok(same(c), JSON.stringify(c));
});

const alphabet = fc.constantFrom(...'0123456789abcdefABCDEFg:.%-'.split(''));
const noise = fc.array(alphabet, { maxLength: 45 }).map((a) => a.join(''));
function mutate(s: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(s.length), fc.nat(2), alphabet).map(([i, op, c]) => (op === 0 ? s.slice(0, i) + c + s.slice(i) : op === 1 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + c + s.slice(i + 1)));
}

t.test('property: the same answers as node:net', async (t) => {
  const inputs = fc.oneof(
    fc.ipV6(),
    fc.ipV4(),
    fc.ipV4Extended(),
    fc.ipV6().chain(mutate),
    fc.ipV4().chain(mutate),
    fc.tuple(fc.ipV6(), fc.stringMatching(/^[0-9a-zA-Z.:-]{0,6}$/)).map(([a, z]) => `${a}%${z}`),
    noise,
  );
  fc.assert(fc.property(inputs, same), { numRuns: 30000 });
  t.pass('30,000 inputs agree');
});
