// `make demo` (inside the kernel-tier VM): a client, directors A and B running lvskeeper, three HTTP real servers, a
// request loop; prints the timeline (balanced, a real server killed and removed, the master failing, traffic
// continuing) and the requests lost at each step. Usage: node dist/demo/index.js [NAT|DR]
import { VmTopology, type LvsMode } from '../test/helpers/vm-topology';
import { bringUp, runScenario, fmt, LOOP_INTERVAL_MS, LOOP_TIMEOUT_MS } from './scenario';

async function main(): Promise<number> {
  const mode = (process.argv[2] ?? 'NAT').toUpperCase();
  if (mode !== 'NAT' && mode !== 'DR') {
    process.stderr.write(`demo: mode is ${mode}; should be NAT or DR\n`);
    return 2;
  }
  if (!process.env.LVSK_VM) process.stderr.write('demo: not inside the kernel-tier VM (scripts/demo.sh boots it); IPVS may be missing here\n');
  const t0 = Date.now();
  const say = (s: string): void => {
    process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}\n`);
  };
  say(`building the ${mode} director pair: client, directors A and B, real servers rs1-rs3 (network namespaces, bridges)`);
  const topo = VmTopology.create({ mode: mode as LvsMode });
  const cleanup = (): void => topo.close();
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  process.once('SIGTERM', () => (cleanup(), process.exit(143)));
  try {
    await bringUp(topo, say);
    const client = await topo.startClient();
    say(`client ${topo.vip}:${topo.port} request loop: a new connection every ${LOOP_INTERVAL_MS} ms, ${LOOP_TIMEOUT_MS} ms timeout`);
    const r = await runScenario(topo, client, say);
    const rows: [string, { total: number; failed: number }, string][] = [
      ['traffic balanced', r.balanced.tally, Object.keys(r.balanced.tally.byServer).sort().join(' ')],
      [`${r.removal.killed} killed, removed`, r.removal.tally, `removed after ${fmt(r.removal.removedAfterMs)}`],
      ['master A failed', r.failover.tally, `VIP on B after ${fmt(r.failover.takeoverMs)}, client ARP ${fmt(r.failover.arpMs)}, first answer ${fmt(r.failover.resumeMs)}`],
      ['traffic continuing', r.continuing.tally, Object.keys(r.continuing.tally.byServer).sort().join(' ')],
    ];
    process.stdout.write(`\n${'step'.padEnd(24)}${'requests'.padStart(9)}${'lost'.padStart(6)}  notes\n`);
    for (const [name, t, note] of rows) process.stdout.write(`${name.padEnd(24)}${String(t.total).padStart(9)}${String(t.failed).padStart(6)}  ${note}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    cleanup();
  }
}

main().then((code) => process.exit(code));
