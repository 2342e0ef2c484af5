// Value parsers against the C library and keepalived's lib/parser.c rules (tables; expectations from glibc
// inet_pton and keepalived 2.2.7 read_unsigned / read_decimal_unsigned_long / check_true_false).
import t from 'tap';
import { isIPv4, isIPv6, isIPv6LinkLocal, isIPv6McLinkLocal, parseBool, parseInt10, parsePrefix, parseSeconds, parseUnsigned } from '../../src/config/values';
import { readHexStr } from '../../src/config/keywords/check';
import { splitCommand } from '../../src/config/keywords/table';
import { editDistance, suggest } from '../../src/config/suggest';

t.test('IPv4 like inet_pton(AF_INET)', async (t) => {
  const rows: [string, boolean][] = [
    ['0.0.0.0', true], ['10.0.0.1', true], ['255.255.255.255', true], ['01.2.3.4', false], ['1.2.3.04', false],
    ['1.2.3', false], ['1.2.3.4.5', false], ['256.1.1.1', false], [' 1.2.3.4', false], ['1.2.3.4 ', false], ['', false],
  ];
  for (const [a, ok] of rows) t.equal(isIPv4(a), ok, a);
});

t.test('IPv6 like inet_pton(AF_INET6)', async (t) => {
  const rows: [string, boolean][] = [
    ['::', true], ['::1', true], ['1::', true], ['fe80::1%eth0', false], ['::ffff:1.2.3.4', true], ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false], [':::', false], ['1::2::3', false], ['1:2:3:4:5:6:7::', true], ['::1:2:3:4:5:6:7', true],
    ['1:2:3:4:5:6:1.2.3.4', true], ['::01.2.3.4', false], ['12345::', false], ['FE80::A', true], ['1:2:3:4:5:6:7:8::', false],
  ];
  for (const [a, ok] of rows) t.equal(isIPv6(a), ok, a);
  t.ok(isIPv6LinkLocal('fe80::1'));
  t.notOk(isIPv6LinkLocal('2001:db8::1'));
  t.ok(isIPv6McLinkLocal('ff02::12'));
  t.notOk(isIPv6McLinkLocal('ff05::12'));
});

t.test('prefixes', async (t) => {
  t.same(parsePrefix('10.0.0.1/24'), { ok: true, value: { addr: '10.0.0.1', family: 4, prefixLen: 24 } });
  t.same(parsePrefix('fd00::1'), { ok: true, value: { addr: 'fd00::1', family: 6, prefixLen: 128 } });
  t.equal(parsePrefix('10.0.0.1/33').ok, false);
  t.equal(parsePrefix('10.0.0.1/').ok, false);
});

t.test('unsigned like read_unsigned', async (t) => {
  const rows: [string, number | undefined][] = [['0', 0], ['+5', 5], ['050', 50], ['255', 255], ['256', undefined], ['-0', undefined], ['0x10', undefined], ['1.5', undefined], ['', undefined], ['1e3', undefined]];
  for (const [s, v] of rows) {
    const p = parseUnsigned(s, 0, 255);
    t.same(p.ok ? p.value : undefined, v, s);
  }
  t.same(parseInt10('-253', -253, 253), { ok: true, value: -253 });
  t.equal(parseInt10('-254', -253, 253).ok, false);
});

t.test('seconds like read_timer', async (t) => {
  const rows: [string, number | undefined][] = [['1', 1], ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['0.000001', 0.000001], ['0.0000001', undefined], ['-1', undefined], ['1e3', undefined], ['', undefined], ['.', undefined]];
  for (const [s, v] of rows) {
    const p = parseSeconds(s, 0, 1e9);
    t.same(p.ok ? p.value : undefined, v, s);
  }
});

t.test('booleans like check_true_false', async (t) => {
  for (const w of ['true', 'on', 'yes']) t.same(parseBool(w), { ok: true, value: true });
  for (const w of ['false', 'off', 'no']) t.same(parseBool(w), { ok: true, value: false });
  for (const w of ['True', '1', 'y', '']) t.equal(parseBool(w).ok, false, w);
});

t.test('hex strings like read_hex_str', async (t) => {
  t.same(readHexStr('0a0b0c', false), { data: '0a0b0c', mask: 'ffffff' });
  t.same(readHexStr('a b', false), { data: '0a0b', mask: 'ffff' });
  t.same(readHexStr('0a xX 1x', true), { data: '0a0010', mask: 'ff00f0' });
  t.equal(readHexStr('0a??', true), undefined);
  t.equal(readHexStr('0g', false), undefined);
  t.equal(readHexStr('', false), undefined);
});

t.test('script command splitting like alloc_strvec_quoted_escaped', async (t) => {
  t.same(splitCommand('notify_master "/bin/echo a b" root'), ['notify_master', '/bin/echo a b', 'root']);
  t.same(splitCommand("/bin/sh -c 'echo x'"), ['/bin/sh', '-c', 'echo x']);
  t.same(splitCommand('a\\ b c\\tq'), ['a b', 'c\tq']);
  t.same(splitCommand('pre"mid dle"post'), ['premid dlepost']);
  t.equal(splitCommand('"open'), undefined);
  t.equal(splitCommand('trail\\'), undefined);
});

t.test('suggestions', async (t) => {
  t.equal(editDistance('priorty', 'priority'), 1);
  t.equal(editDistance('delay_lopo', 'delay_loop'), 1, 'transposition');
  t.equal(suggest('priorty', ['priority', 'state']), 'priority');
  t.equal(suggest('PRIORITY', ['priority']), 'priority');
  t.equal(suggest('zzz', ['priority', 'state']), undefined);
});
