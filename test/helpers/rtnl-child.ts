// Runs inside a network namespace (spawned by test/netns/rtnl.test.ts): exercises src/rtnl against
// the real kernel and prints one JSON line of observations.
import { execFileSync } from 'child_process';
import { Rtnl } from '../../src/rtnl/socket';
import { addAddress, delAddress, listAddresses } from '../../src/rtnl/addresses';
import { linkByName } from '../../src/rtnl/links';
import { LinkMonitor } from '../../src/rtnl/monitor';

async function main(): Promise<void> {
  const rt = new Rtnl();
  const out: Record<string, unknown> = {};
  const link = await linkByName(rt, 'v0');
  out.link = link;
  const spec = { address: '10.9.0.1', prefix: 24, dev: 'v0', label: 'v0:vip', scope: 'global', broadcast: '+' };
  out.add1 = await addAddress(rt, spec);
  out.add2 = await addAddress(rt, spec);
  out.ip = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'v0'], { encoding: 'utf8' });
  out.add6 = await addAddress(rt, { address: 'fd00:9::1', prefix: 64, dev: 'v0', nodad: true });
  out.ip6 = execFileSync('ip', ['-6', '-o', 'addr', 'show', 'dev', 'v0'], { encoding: 'utf8' });
  out.list = (await listAddresses(rt, link?.index)).map((a) => `${a.address}/${a.prefix} ${a.label ?? ''}`);
  out.del1 = await delAddress(rt, spec);
  out.del2 = await delAddress(rt, spec);
  out.del6 = await delAddress(rt, { address: 'fd00:9::1', prefix: 64, dev: 'v0' });
  try {
    await addAddress(rt, { ...spec, dev: 'nosuch0' });
  } catch (e) {
    out.nodev = { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  const mon = new LinkMonitor();
  const events: unknown[] = [];
  mon.on('link', (info, removed) => events.push({ name: info.name, up: info.up, running: info.running, removed }));
  mon.start();
  execFileSync('ip', ['link', 'set', 'v0', 'down']);
  await new Promise((r) => setTimeout(r, 200));
  execFileSync('ip', ['link', 'set', 'v0', 'up']);
  await new Promise((r) => setTimeout(r, 300));
  mon.stop();
  out.events = events;
  rt.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String((e as Error).stack ?? e) }) + '\n');
  process.exitCode = 1;
});
