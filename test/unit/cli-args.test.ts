// keepalived-compatible option parsing for lvskeeper, from a table.
import t from 'tap';
import { parseDaemonArgs, UsageError, SIGNUM } from '../../src/cli/args';

const ok: Array<[string[], Record<string, unknown>]> = [
  [['-n', '-l', '-f', 'x.conf'], { dontFork: true, logConsole: true, useFile: 'x.conf' }],
  [['-nlD', '-fx.conf'], { dontFork: true, logConsole: true, logDetail: true, useFile: 'x.conf' }],
  [['--use-file=x.conf', '--dont-fork'], { useFile: 'x.conf', dontFork: true }],
  [['--use-file', 'x.conf'], { useFile: 'x.conf' }],
  [['-t'], { configTest: '' }],
  [['-t/tmp/log'], { configTest: '/tmp/log' }],
  [['--config-test=/tmp/log'], { configTest: '/tmp/log' }],
  [['-P', '-p', 'a.pid', '-r', 'v.pid', '-c', 'c.pid'], { vrrpOnly: true, pidFile: 'a.pid', vrrpPidFile: 'v.pid', checkersPidFile: 'c.pid' }],
  [['-C', '-I', '-V'], { checkOnly: true, dontReleaseIpvs: true, dontReleaseVrrp: true }],
  [['-i', 'lb1'], { configId: 'lb1' }],
  [['--config-id=lb2'], { configId: 'lb2' }],
  [['--signum=RELOAD'], { signum: 'RELOAD' }],
  [['-d'], { dumpConf: true }],
  [['--dump'], { dumpConf: true }], // unambiguous prefix, as getopt_long allows
  [['--log-format', 'text'], { logFormat: 'text' }],
];
for (const [argv, want] of ok) {
  t.test(argv.join(' '), async (t) => {
    const got = parseDaemonArgs(argv) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) t.equal(got[k], v, k);
  });
}

const bad: Array<[string[], string]> = [
  [['-Q'], 'Unknown option -Q'],
  [['--bogus'], 'Unknown option --bogus'],
  [['-f'], 'Missing parameter for option -f'],
  [['--use-file'], 'Missing parameter for option --use-file'],
  [['--use-file='], 'Missing parameter for option --use-file'],
  [['--dont-fork=1'], 'Unknown option --dont-fork=1'],
  [['stray'], 'Unknown option stray'],
  [['--d'], 'Unknown option --d'], // ambiguous prefix
];
for (const [argv, msg] of bad) {
  t.test(`rejects ${argv.join(' ')}`, async (t) => {
    t.throws(() => parseDaemonArgs(argv), new UsageError(msg));
  });
}

t.test('compatibility no-ops are collected for a warning', async (t) => {
  t.same(parseDaemonArgs(['-x', '-m']).ignored, ['--snmp', '--core-dump']);
});

t.test('signal numbers match keepalived --signum on Linux', async (t) => {
  t.same(SIGNUM, { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 });
});
