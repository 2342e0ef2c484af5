// ha_suspend follows local addresses over rtnetlink (RTM_NEWADDR/RTM_DELADDR), not by polling: in a fresh namespace the
// checkers of a virtual server run only while its address (IPv4 or IPv6) is configured on the host.
import t from 'tap';
import path from 'node:path';
import { Netns, isRoot } from '../helpers/netns';

const CHILD = path.join(__dirname, '../fixtures/check/ha-suspend-child.ts');

t.test('ha_suspend with rtnetlink address monitoring', { skip: isRoot() ? false : 'needs root (network namespaces)' }, async (t) => {
  const ns = new Netns('lvskha');
  t.teardown(() => ns.close());
  const r = ns.run(process.execPath, [...process.execArgv, CHILD], { timeoutMs: 90000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let o: Record<string, any>;
  try {
    o = JSON.parse(line);
  } catch {
    t.fail(`child output: ${r.stdout}\n${r.stderr}`);
    return;
  }
  t.notOk(o.error, String(o.error ?? 'no error'));
  t.same(o.start, [true, true], 'both virtual servers start suspended (addresses not local)');
  t.equal(o.polling, false, 'no polling timer');
  t.equal(o.runsWhileSuspended, 0, 'suspended checkers do not run');
  t.ok(o.add4 >= 0, `IPv4 address added: activated (${o.add4} ms)`);
  t.ok(o.add6 >= 0, `IPv6 address added: activated (${o.add6} ms)`);
  t.ok(o.runsV4 >= 1, 'the IPv4 checker ran');
  t.ok(o.runsV6 >= 1, 'the IPv6 checker ran');
  t.ok(o.del4 >= 0, `IPv4 address removed: suspended (${o.del4} ms)`);
  t.ok(o.del6 >= 0, `IPv6 address removed: suspended (${o.del6} ms)`);
  t.match((o.logs as string[]).filter((l) => /for VS/.test(l) && /^(Suspending|Activating)/.test(l)), [/^Suspending.*10.99.0.1/, /^Suspending.*fd99::1/, /^Activating.*10.99.0.1/, /^Activating.*fd99::1/, /^Suspending.*10.99.0.1/, /^Suspending.*fd99::1/]);
});
