// lvsadm listings, save and restore over the fake IPVS kernel: exact text of each listing mode (ipvsadm 1.31's
// printf formats), large-number abbreviation, sorting (including libipvs's wrapping comparisons), -S/-R round trip.
import t from 'tap';
import { createFakeClient } from '../../src/ipvs/fake-client';
import type { IpvsClient } from '../../src/ipvs/client';
import { LvsadmDeps, main } from '../../src/lvsadm/main';
import { Resolver } from '../../src/lvsadm/resolve';
import { DestView, ServiceView, cmpServices, glibcSort, largenum } from '../../src/lvsadm/format';
import { Fmt } from '../../src/lvsadm/options';
import { formatConnections } from '../../src/lvsadm/conn';

const resolver = new Resolver({ hostsText: '127.0.0.1 localhost\n10.0.1.1 web1\n', servicesText: 'http 80/tcp www\ndomain 53/udp\nhttp-alt 8080/tcp\n' });

async function run(client: IpvsClient, args: string[], input = ''): Promise<{ stdout: string; stderr: string; status: number }> {
  let stdout = '';
  let stderr = '';
  const deps: LvsadmDeps = {
    openClient: async () => Object.assign(Object.create(client) as IpvsClient, { close: async () => undefined }),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readStdin: async () => input,
    readFile: () => null,
    resolver,
    env: {},
    modprobe: () => undefined,
    uid: 0,
  };
  const status = await main(['ipvsadm', ...args], deps);
  return { stdout, stderr, status };
}

const STATE = [
  '-A -t 10.0.0.1:80 -s rr',
  '-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 3',
  '-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m',
  '-A -u [2001:db8::1]:53 -s wlc -p -M 64 -o',
  '-a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g -w 0 -x 100 -y 10',
  '-A -f 7 -s sh -b sh-port',
  '-a -f 7 -r 10.0.2.1 -i --tun-type gue --tun-port 6080 --tun-csum',
  '-a -f 7 -r 10.0.2.2 -i --tun-type gre',
  '-A -t 192.168.1.1:443 -s wlc -p 100 -M 255.255.255.0',
].join('\n');

const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)\n';

t.test('listing modes of one state', async (t) => {
  const c = createFakeClient();
  const r = await run(c, ['-R'], STATE + '\n');
  t.same(r, { stdout: '', stderr: '', status: 0 }, 'restore applies the state');

  const ln = await run(c, ['-Ln']);
  t.equal(
    ln.stdout,
    HEADER +
      'Prot LocalAddress:Port Scheduler Flags\n' +
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      // libipvs compares addresses with a wrapping int subtraction: 10.0.0.1 - 192.168.1.1 is positive.
      'TCP  192.168.1.1:443 wlc persistent 100 mask 255.255.255.0\n' +
      'TCP  10.0.0.1:80 rr\n' +
      '  -> 10.0.1.1:8080                Masq    1      0          0         \n' +
      '  -> 10.0.1.2:80                  Masq    3      0          0         \n' +
      'UDP  [2001:db8::1]:53 wlc persistent 360 mask 64 ops\n' +
      '  -> [2001:db8::10]:53            Route   0      0          0         \n' +
      'FWM  7 sh (sh-port)\n' +
      '  -> 10.0.2.1:0                   Tunnel  1      0          0         \n' +
      '  -> 10.0.2.2:0                   Tunnel  1      0          0         \n',
  );
  const names = await run(c, ['-L']);
  t.match(names.stdout, /\nTCP  10\.0\.0\.1:http rr\n  -> web1:http-alt {16}Masq/, 'names from hosts and services');
  t.match(names.stdout, /\nUDP  \[2001:db8::1\]:domain wlc/, 'IPv6 service name');

  const tun = await run(c, ['-Ln', '--tun-info']);
  t.match(tun.stdout, /  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n/);
  t.match(tun.stdout, /  -> 10\.0\.2\.1:0                   Tunnel  gue:6080:\+c   1      0          0         \n/);
  t.match(tun.stdout, /  -> 10\.0\.2\.2:0                   Tunnel  gre:-c        1      0          0         \n/);
  t.match(tun.stdout, /  -> 10\.0\.1\.1:8080                Masq    n\/a           1      0          0         \n/);

  const thr = await run(c, ['-Ln', '--thresholds']);
  t.match(thr.stdout, /^Prot LocalAddress:Port {12}Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n/m);
  t.match(thr.stdout, /  -> \[2001:db8::10\]:53            100        10         0          0         \n/);

  const pc = await run(c, ['-Ln', '--persistent-conn']);
  t.match(pc.stdout, /Prot LocalAddress:Port {12}Weight {4}PersistConn ActiveConn InActConn \n/);

  const save = await run(c, ['-Sn']);
  t.equal(
    save.stdout,
    '-A -t 192.168.1.1:443 -s wlc -p 100 -M 255.255.255.0\n' +
      '-A -t 10.0.0.1:80 -s rr\n' +
      '-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1\n' +
      '-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 3\n' +
      '-A -u [2001:db8::1]:53 -s wlc -p 360 -M 64 -o\n' +
      '-a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g -w 0\n' +
      '-A -f 7 -s sh -b sh-port\n' +
      '-a -f 7 -r 10.0.2.1:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n' +
      '-a -f 7 -r 10.0.2.2:0 -i -w 1 --tun-type gre --tun-nocsum\n',
  );
  // The saved rules restore the same table.
  const c2 = createFakeClient();
  t.equal((await run(c2, ['-R'], save.stdout)).status, 0);
  t.equal((await run(c2, ['-Sn'])).stdout, save.stdout, '-S | -R round trip');

  const one = await run(c, ['-L', '-n', '-f', '7']);
  t.equal(one.stdout.split('\n')[0], 'Prot LocalAddress:Port Scheduler Flags', 'one service: no version line');
  t.equal((await run(c, ['-L', '-t', '10.9.9.9:80'])).stderr, 'No such service\n');
  t.equal((await run(c, ['-L', '-t', '10.9.9.9:80'])).status, 1);
  t.equal((await run(c, ['-L', '--timeout'])).stdout, 'Timeout (tcp tcpfin udp): 900 120 300\n');
  t.equal((await run(c, ['-L', '--daemon'])).stdout, '');
});

t.test('statistics: abbreviations, --exact, 32-bit destination counters', async (t) => {
  const c = createFakeClient();
  await run(c, ['-R'], '-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2\n');
  c.kernel.setStats(() => true, { conns: 99999999n, inpkts: 100000000n, outpkts: 1000000000n, inbytes: 100000000000n, outbytes: 123456789012345678n, cps: 5n, inpps: 999999999n, outpps: 0n, inbps: 100000000000000n, outbps: 7n });
  c.kernel.setStats(() => true, { conns: (1n << 32n) + 5n, inpkts: 12n, outpkts: 0n, inbytes: 1n << 40n, outbytes: 0n, cps: (1n << 32n) + 1n }, '10.0.0.2');
  const s = await run(c, ['-Ln', '--stats']);
  t.equal(
    s.stdout,
    HEADER +
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n' +
      '  -> RemoteAddress:Port\n' +
      'TCP  10.0.0.1:80                  99999999  100000K    1000M     100G  123456T\n' +
      '  -> 10.0.0.2:80                         5       12        0    1099G        0\n',
  );
  const x = await run(c, ['-Ln', '--stats', '--exact']);
  t.match(x.stdout, /\nTCP  10\.0\.0\.1:80 {18}99999999 100000000 1000000000 100000000000 123456789012345678\n/);
  const rate = await run(c, ['-Ln', '--rate']);
  t.match(rate.stdout, /\nTCP  10\.0\.0\.1:80 {25}5  999999K        0     100T        7\n/);
  t.match(rate.stdout, /\n  -> 10\.0\.0\.2:80 {25}1        0        0        0        0\n/, 'destination rates print unabbreviated, 32-bit');
  t.equal(largenum(99999999999999n, Fmt.NONE), '   99999G');
  t.equal(largenum(12345678n, Fmt.EXACT), ' 12345678');
  t.equal(largenum(123456789n, Fmt.EXACT), ' 123456789');
});

t.test('service sort follows glibc msort with libipvs comparisons', async (t) => {
  const v = (fwmark: number, a: number, port = 80): ServiceView => {
    const addr = Buffer.alloc(16);
    addr.writeUInt32BE(a >>> 0, 0);
    const z = { conns: 0n, inpkts: 0n, outpkts: 0n, inbytes: 0n, outbytes: 0n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n };
    return { af: 2, protocol: fwmark ? 0 : 6, addr, port, fwmark, schedName: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '', stats: z };
  };
  const list = [v(0, 0xc0a80101), v(0, 0x0a000001), v(0x90000000, 0), v(1, 0), v(0, 0x0a000001, 22)];
  const sorted = glibcSort(list, cmpServices).map((s) => `${s.fwmark}/${s.addr.readUInt32BE(0).toString(16)}:${s.port}`);
  t.same(sorted, ['2415919104/0:80', '0/c0a80101:80', '0/a000001:22', '0/a000001:80', '1/0:80']);
  const d: DestView[] = [];
  t.same(glibcSort(d, () => 0), []);
});

t.test('restore: batches, errors in order, exit status of the last line', async (t) => {
  const c = createFakeClient();
  const input = ['-A -t 10.0.0.1:80', '-A -t 10.0.0.1:80', '-a -t 10.0.0.9:80 -r 10.0.0.2', '-D -t 10.0.0.7:80', '-Ln', '-A -t 10.0.0.2:80'].join('\n') + '\n';
  const r = await run(c, ['-R'], input);
  t.equal(r.stderr, 'Service already exists\nService not defined\nNo such service\n');
  t.equal(r.status, 0, 'the last line succeeded');
  t.match(r.stdout, /^IP Virtual Server version/, 'the listing line ran in order');
  t.notMatch(r.stdout, /10\.0\.0\.2:80/, 'the listing ran before the following line');
  const fail = await run(createFakeClient(), ['-R'], '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n');
  t.same([fail.stderr, fail.status], ['Service already exists\n', 255], 'a failed last line: 255');
  const bad = createFakeClient();
  const b = await run(bad, ['-R'], '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n-A -t 10.0.0.2:80 -w 3\n-A -t 10.0.0.3:80\n');
  t.same(
    [b.stderr, b.status],
    ["Service already exists\nIllegal 'weight' option with the 'add-service' command\nlvsadm: -R stopped at line 3: -A -t 10.0.0.2:80 -w 3\n", 2],
    'earlier batch errors, then the parse error and the line (lvsadm\'s note)',
  );
  t.equal((await run(bad, ['-Sn'])).stdout, '-A -t 10.0.0.1:80 -s wlc\n', 'lines after a parse error are not applied');
  const many: string[] = [];
  for (let i = 0; i < 3000; i++) many.push(`-A -t 10.1.${i >> 8}.${i & 255}:80 -s rr`);
  const big = createFakeClient();
  const br = await run(big, ['-R'], many.join('\n'));
  t.same([br.stderr, br.status], ['', 0]);
  t.equal((await run(big, ['-Sn'])).stdout.split('\n').length - 1, 3000, '3000 services restored across batches');
});

t.test('connection listing from /proc/net/ip_vs_conn text', async (t) => {
  const proc =
    'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n' +
    'TCP 0A000063 C350 0A000001 0050 0A000102 1F90 ESTABLISHED     899\n' +
    'UDP 7F000001 1234 0A000001 0035 0A000102 0035 UDP             299 sip abc@def\n' +
    'TCP 2001:0db8:0000:0000:0000:0000:0000:0063 C350 2001:0db8:0000:0000:0000:0000:0000:0001 0050 0A000102 0050 SYN_RECV         59\n';
  const n = formatConnections(resolver, proc, Fmt.NUMERIC);
  t.equal(
    n.out,
    'IPVS connection entries\n' +
      'pro expire state       source             virtual            destination\n' +
      'TCP 14:59  ESTABLISHED 10.0.0.99:50000    10.0.0.1:80        10.0.1.2:8080\n' +
      'UDP 04:59  UDP         127.0.0.1:4660     10.0.0.1:53        10.0.1.2:53\n' +
      'TCP 00:59  SYN_RECV    [2001:db8::63]:50000 [2001:db8::1]:80   10.0.1.2:80\n',
  );
  const named = formatConnections(resolver, proc, Fmt.PERSISTENTCONN);
  t.match(named.out, /pro expire state       source             virtual            destination        pe name          pe_data\n/);
  t.match(named.out, /UDP 04:59  UDP         localhost:4660     10\.0\.0\.1:domain    10\.0\.1\.2:domain  sip                abc@def\n/);
  t.same(formatConnections(resolver, '', 0), { out: '', err: 'unexpected input from /proc/net/ip_vs_conn\n', exit: 1 });
});
