// The checkers benchmark's pure parts: the generated keepalived.conf (parsed by our parser: every real server and
// checker where expected), keepalived's detection bound, and /proc/PID/stat parsing with awkward command names.
import t from 'tap';
import { build } from './helpers/model';
import { benchConfig, detectionBoundMs, rsAddress, victimIndexes, vsAddress, VICTIM_PORT, VICTIM_VS, type BenchLayout } from '../../bench/checkers/config';
import { parseStat, CLK_TCK } from '../../bench/checkers/proc';

const timing = { delayLoopS: 1, connectTimeoutS: 1, retry: 1, delayBeforeRetryS: 1 };

t.test('detection bound: delay_loop + (retry + 1) x connect_timeout + retry x delay_before_retry', async (t) => {
  t.equal(detectionBoundMs(timing), 4000);
  t.equal(detectionBoundMs({ delayLoopS: 2, connectTimeoutS: 3, retry: 0, delayBeforeRetryS: 5 }), 5000);
  t.equal(detectionBoundMs({ delayLoopS: 1, connectTimeoutS: 0.5, retry: 3, delayBeforeRetryS: 0.25 }), 3750);
});

t.test('addresses never use .0 or .255', async (t) => {
  for (const i of [0, 249, 250, 9999]) t.notMatch(rsAddress(i), /\.(0|255)$/);
  t.equal(rsAddress(0), '10.80.1.1');
  t.equal(rsAddress(250), '10.80.2.1');
  t.equal(vsAddress(0), '10.90.0.1');
  t.equal(vsAddress(999), '10.90.3.250');
});

for (const kind of ['TCP_CHECK', 'HTTP_GET'] as const) {
  t.test(`the generated configuration (${kind}) parses: bulk virtual servers of 10, victims apart`, async (t) => {
    const l: BenchLayout = { realServers: 53, perVs: 10, kind, victims: 3, bulk: { ...timing, delayLoopS: 5 }, victim: timing };
    const { config, diagnostics } = build(benchConfig(l));
    t.same(diagnostics.filter((d) => d.severity === 'error'), [], 'no errors');
    const vss = config.virtualServers;
    t.equal(vss.length, 6, '50 bulk real servers in 5 virtual servers, plus the victims');
    const rs = vss.flatMap((v) => v.realServers);
    t.equal(rs.length, 53);
    t.equal(new Set(rs.map((r) => r.address)).size, 53, 'distinct addresses');
    const last = vss[vss.length - 1]!;
    t.equal(last.address, VICTIM_VS);
    t.same(last.realServers.map((r) => `${r.address}:${r.port}`), victimIndexes(l).map((i) => `${rsAddress(i)}:${VICTIM_PORT}`));
    t.equal(last.delayLoop, 1, 'victims at delay_loop 1 s');
    t.equal(vss[0]!.delayLoop, 5, 'bulk at its own delay_loop');
    t.ok(rs.every((r) => r.checkers.length === 1), 'one checker per real server');
  });
}

t.test('/proc/PID/stat: a command with spaces and parentheses', async (t) => {
  // fields 14-17: utime stime cutime cstime in clock ticks
  const line = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0 1000 1000000 2000 18446744073709551615';
  const st = parseStat(line)!;
  t.equal(st.pid, 4242);
  t.equal(st.ppid, 1);
  t.equal(st.cpuS, 300 / CLK_TCK);
  t.equal(st.childCpuS, 10 / CLK_TCK);
  t.equal(parseStat('garbage'), undefined);
});
