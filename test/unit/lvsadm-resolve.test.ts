// lvsadm's glibc-compatible conversions (inet_aton, inet_pton, inet_ntop, strtol-based parsing) compared with the
// host's glibc through python3's socket module, on fixed and random inputs; /etc/hosts and /etc/services lookups.
import t from 'tap';
import { spawnSync } from 'child_process';
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, Resolver, addrPortToAnyname, atoi, inetAton, inetNtop6, inetPton4, inetPton6, stringToNumber } from '../../src/lvsadm/resolve';
import { readRestoreLines } from '../../src/lvsadm/restore';

const hasPython = spawnSync('python3', ['-c', 'import socket']).status === 0;

const PY = `
import json, socket, sys
out = []
for kind, s in json.load(sys.stdin):
    try:
        if kind == 'aton': out.append(socket.inet_aton(s).hex())
        elif kind == 'pton4': out.append(socket.inet_pton(socket.AF_INET, s).hex())
        elif kind == 'pton6': out.append(socket.inet_pton(socket.AF_INET6, s).hex())
        else: out.append(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(s)))
    except (OSError, ValueError): out.append(None)
print(json.dumps(out))
`;

function glibc(cases: Array<[string, string]>): Array<string | null> {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Array<string | null>;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

const FIXED4 = ['1.2.3.4', '0x7f.1', '017.0.0.1', '1', '1.2', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '0x', '0x.1', '4294967295', '4294967296', '1.16777215', '1.16777216', '08.1.1.1', '1.2.3.4 junk', '1.2.3.4\tx', ' 1.2.3.4', '', '.', '1..2', '01.02.03.04', '0xff.0xff.0xff.0xff', '00', '1.2.3.4.', '255.255.255.255'];
const FIXED6 = ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::2', '1:2:3:4:5:6:1.2.3.4', '::ffff:1.2.3.4', '::1.2.3.4', '::01.2.3.4', 'fe80::1%eth0', '12345::', 'abcd:ef01::', 'ABCD::EF', '1:', ':', ':::', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '2001:db8::1.2.3.4', '::1.2.3'];

t.test('inet_aton / inet_pton / inet_ntop agree with glibc', { skip: hasPython ? false : 'python3 is not installed' }, async (t) => {
  const r = rng(Number(process.env.LVSADM_SEED ?? 4242));
  const alphabet4 = '0123456789.x';
  const alphabet6 = '0123456789abcdefABCDEF:.:';
  const cases: Array<[string, string]> = [];
  for (const s of FIXED4) cases.push(['aton', s], ['pton4', s]);
  for (const s of FIXED6) cases.push(['pton6', s]);
  for (let i = 0; i < 1500; i++) {
    let s = '';
    const n = 1 + r(16);
    for (let k = 0; k < n; k++) s += alphabet4[r(alphabet4.length)];
    cases.push(['aton', s], ['pton4', s]);
    let v = '';
    const m = 1 + r(24);
    for (let k = 0; k < m; k++) v += alphabet6[r(alphabet6.length)];
    cases.push(['pton6', v]);
    const b = Buffer.alloc(16);
    for (let k = 0; k < 8; k++) if (r(3) === 0) b.writeUInt16BE(r(4) === 0 ? 0xffff : r(0x10000), k * 2);
    cases.push(['ntop6', b.toString('hex')]);
  }
  const want = glibc(cases);
  let bad = 0;
  cases.forEach(([kind, s], i) => {
    let got: string | null;
    if (kind === 'aton') got = inetAton(s)?.toString('hex') ?? null;
    else if (kind === 'pton4') got = inetPton4(s)?.toString('hex') ?? null;
    else if (kind === 'pton6') got = inetPton6(s)?.toString('hex') ?? null;
    else got = inetNtop6(Buffer.from(s, 'hex'));
    if (got !== want[i]) {
      bad++;
      if (bad < 20) t.equal(got, want[i], `${kind}(${JSON.stringify(s)})`);
    }
  });
  t.equal(bad, 0, `${cases.length} conversions agree with glibc`);
});

t.test('strtol-based number parsing (string_to_number, atoi)', async (t) => {
  t.equal(stringToNumber('80', 0, 65535), 80);
  t.equal(stringToNumber('+80', 0, 65535), 80);
  t.equal(stringToNumber(' 80', 0, 65535), 80);
  t.equal(stringToNumber('80 ', 0, 65535), -1, 'trailing characters');
  t.equal(stringToNumber('', 0, 65535), -1, 'empty');
  t.equal(stringToNumber('-0', 0, 65535), 0);
  t.equal(stringToNumber('65536', 0, 65535), -1);
  t.equal(stringToNumber('99999999999999999999', 0, 0x7fffffff), -1, 'ERANGE');
  t.equal(stringToNumber('0x10', 0, 100), -1, 'base 10 only');
  t.equal(atoi('64abc'), 64);
  t.equal(atoi('x'), 0);
  t.equal(atoi('4294967360'), 64, 'truncated to int');
});

t.test('hosts and services lookups (nss files rules)', async (t) => {
  const r = new Resolver({
    hostsText: '# comment\n127.0.0.1 localhost\n127.0.0.1 other\n::1 ip6-localhost ip6-loopback\n10.0.0.5\tWeb web.example.com # trailing\nbogus line\n',
    servicesText: 'http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\nhttp 80/udp\ndomain 53/tcp\ndomain\t53/udp\nsip 5060/sctp\n',
  });
  t.same(r.hostToAddr('localhost'), Buffer.from([127, 0, 0, 1]));
  t.same(r.hostToAddr('WEB'), Buffer.from([10, 0, 0, 5]), 'names match case-insensitively');
  t.same(r.hostToAddr('web.example.com'), Buffer.from([10, 0, 0, 5]), 'aliases match');
  t.equal(r.hostToAddr('ip6-localhost'), null, 'gethostbyname is IPv4 only');
  t.equal(r.hostToAddr('1.2.3.4.5'), null, 'digits and dots are never looked up');
  t.equal(r.addrToHost(AF_INET, Buffer.from([127, 0, 0, 1])), 'localhost', 'first line wins');
  t.equal(r.addrToHost(AF_INET6, inetPton6('::1')!), 'ip6-localhost');
  t.equal(r.addrToHost(AF_INET, Buffer.from([10, 0, 0, 6])), null);
  t.equal(r.serviceToPort('www', IPPROTO_TCP), 80);
  t.equal(r.serviceToPort('www', IPPROTO_UDP), -1);
  t.equal(r.serviceToPort('sip', 132), 5060);
  t.equal(r.serviceToPort('http', 0), -1, 'no protocol, no lookup');
  t.equal(r.portToService(53, IPPROTO_UDP), 'domain');
  t.equal(addrPortToAnyname(r, AF_INET, Buffer.from([127, 0, 0, 1, ...new Array(12).fill(0)]), 80, IPPROTO_TCP, false), 'localhost:http');
  t.equal(addrPortToAnyname(r, AF_INET, Buffer.from([127, 0, 0, 1, ...new Array(12).fill(0)]), 80, IPPROTO_TCP, true), '127.0.0.1:80');
  t.equal(addrPortToAnyname(r, AF_INET6, inetPton6('::1')!, 8080, IPPROTO_TCP, false), '[ip6-localhost]:8080');
  const long = new Resolver({ hostsText: `10.0.0.1 ${'a'.repeat(80)}\n`, servicesText: '' });
  t.equal(addrPortToAnyname(long, AF_INET, Buffer.from([10, 0, 0, 1, ...new Array(12).fill(0)]), 80, IPPROTO_TCP, false), 'a'.repeat(59), 'malloc(60) buffer');
});

t.test('restore input splitting (config_stream_read)', async (t) => {
  const args = (s: string) => readRestoreLines(s).map((l) => l.args);
  t.same(args('-A -t 1.2.3.4:80\n-C\n'), [['-A', '-t', '1.2.3.4:80'], ['-C']]);
  t.same(args('  -C  \n\n\t\n-L'), [['-C'], ['-L']], 'blank lines and leading blanks');
  t.same(args('ipvsadm -A -t x ipvsadm\nipvsadm\n'), [['-A', '-t', 'x']], 'every "ipvsadm" token is dropped');
  t.same(args('# comment here\n'), [['#', 'comment', 'here']], 'no comments');
  t.same(args('-C\r\n-A\t-t\tx\r\n'), [['-C'], ['-A', '-t', 'x']], 'CR and tabs separate');
  t.same(args('-C\n-A -t x  \t'), [['-C']], 'a last line ending in blanks without a newline is lost');
  t.same(args('-C\n-A -t x'), [['-C'], ['-A', '-t', 'x']], 'a last line without a newline counts');
  t.same(readRestoreLines('\n\n-C\n').map((l) => l.lineNo), [3], 'line numbers');
});
