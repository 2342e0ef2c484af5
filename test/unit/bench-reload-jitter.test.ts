// Pure helpers of bench/reload and bench/jitter: config shape and diff, /proc/net/ip_vs parsing, tcpdump advert lines, jitter stats.
import t from 'tap';
import { changedEntries, expectedTable, realServers, reloadConf, type ReloadShape } from '../../bench/reload/conf';
import { parseProcIpvs, tableDiff, tablesEqual } from '../../bench/reload/procfs';
import { advertIntervals, jitterStats, parseVrrpCapture, percentile } from '../../bench/jitter/analyze';
import { jitterConf } from '../../bench/jitter/conf';
import { build } from './helpers/model';

const SHAPE: ReloadShape = { nVs: 200, nRs: 10, changeEvery: 100, delayLoopS: 60 };

t.test('reload: variant B changes 10 entries per changed virtual server, 1% of the real servers', async (t) => {
  const a = expectedTable(SHAPE, 'A');
  const b = expectedTable(SHAPE, 'B');
  t.equal(a.size, 200);
  t.equal([...a.values()].reduce((n, d) => n + d.size, 0), 2000);
  const changed = changedEntries(a, b);
  t.equal(changed.size, 20, '2 changed virtual servers x (3 removed + 3 added + 4 reweighted)');
  t.ok([...changed].every((e) => e.startsWith('10.100.0.1:80>') || e.startsWith('10.100.0.101:80>')));
  t.same(changedEntries(b, a), changed, 'symmetric');
  t.equal(realServers(SHAPE, 1, 'B').length, 10, 'unchanged virtual server keeps its 10');
});

t.test('reload: both variants build as keepalived configs with the expected real servers and weights', async (t) => {
  for (const v of ['A', 'B'] as const) {
    const small: ReloadShape = { ...SHAPE, nVs: 101 };
    const { config, diagnostics } = build(reloadConf(small, v));
    t.same(diagnostics.filter((d) => d.severity !== 'info'), [], `${v}: no warnings`);
    const want = expectedTable(small, v);
    const got = new Map(config.virtualServers.map((vs) => [`${vs.address}:${vs.port}`, new Map(vs.realServers.map((r) => [`${r.address}:${r.port}`, r.weight]))]));
    t.ok(tablesEqual(want, got), `${v}: ${tableDiff(want, got).join('; ')}`);
  }
});

t.test('reload: /proc/net/ip_vs text parsed to services, destinations and weights', async (t) => {
  const text = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
    'TCP  0A640001:0050 wrr ',
    '  -> 0AC80001:1F90      Masq    11     0          0         ',
    '  -> 0AC80002:1F90      Masq    2      3          1         ',
    'FWM  00000001 rr ',
    '',
  ].join('\n');
  const got = parseProcIpvs(text);
  t.same([...got.keys()], ['10.100.0.1:80', '00000001']);
  t.same([...got.get('10.100.0.1:80')!], [['10.200.0.1:8080', 11], ['10.200.0.2:8080', 2]]);
  const want = new Map([['10.100.0.1:80', new Map([['10.200.0.1:8080', 1]])]]);
  t.notOk(tablesEqual(want, got));
  t.match(tableDiff(want, got).join('; '), /weight 11; should be 1/);
});

t.test('jitter: adverts from tcpdump -tt -e lines, intervals and deviation percentiles', async (t) => {
  const lines = [
    '1764080000.000000 02:00:00:00:00:01 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 10.77.1.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 200, authtype none, intvl 1s, length 20',
    '1764080000.050000 02:00:00:00:00:01 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: 10.77.1.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 52, prio 200, intvl 10cs, length 12',
    '1764080001.002500 02:00:00:00:00:01 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 10.77.1.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 200, authtype none, intvl 1s, length 20',
    'tcpdump: listening on br0',
    '1764080001.999500 02:00:00:00:00:01 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 10.77.1.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 200, authtype none, intvl 1s, length 20',
  ].join('\n');
  const ads = parseVrrpCapture(lines);
  t.equal(ads.length, 4);
  t.same(ads[1], { tMs: 1764080000050, srcMac: '02:00:00:00:00:01', version: 3, vrid: 52 });
  const iv = advertIntervals(ads.filter((a) => a.vrid === 51));
  t.same(iv.map((x) => Math.round(x * 10) / 10), [1002.5, 997]);
  const st = jitterStats(iv, 1000);
  t.equal(Math.round(st.max * 10) / 10, 3);
  t.equal(Math.round(st.p50 * 10) / 10, 2.5);
  t.equal(st.n, 2);
  t.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  t.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
  t.ok(Number.isNaN(jitterStats([], 1000).p99));
});

t.test('jitter: the config builds with two master instances and one TCP_CHECK per real server', async (t) => {
  const conf = jitterConf(
    [
      { name: 'VI_V2', vrid: 51, version: 2, advertInt: 1 },
      { name: 'VI_V3', vrid: 52, version: 3, advertInt: 0.1 },
    ],
    { realServers: 250, delayLoopS: 1 },
    '10.77.1.1',
  );
  const { config, diagnostics } = build(conf);
  t.same(diagnostics.filter((d) => d.severity === 'error'), []);
  t.same(config.vrrpInstances.map((v) => [v.name, v.version, v.advertInt]), [['VI_V2', 2, 1], ['VI_V3', 3, 0.1]]);
  const rs = config.virtualServers.flatMap((v) => v.realServers);
  t.equal(rs.length, 250);
  t.equal(new Set(rs.map((r) => r.address)).size, 250, 'distinct addresses (no checker dedup)');
  t.ok(rs.every((r) => r.checkers.length === 1 && r.checkers[0]!.type === 'TCP_CHECK'));
});
