// src/rtnl against the real kernel inside a fresh namespace: VIP add/remove (IPv4 with label,
// scope and broadcast; IPv6 with nodad), idempotence, ENODEV, and link monitoring.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { Netns, isRoot } from '../helpers/netns';

const CHILD = path.join(__dirname, '../../dist/test/helpers/rtnl-child.js');

t.test('rtnl in a namespace', { skip: !isRoot() ? 'needs root' : !fs.existsSync(CHILD) ? 'not built (make build)' : false }, async (t) => {
  const ns = new Netns('lvsk-rtnl');
  t.teardown(() => ns.close());
  ns.addInterface('v0');
  const r = ns.run(process.execPath, [CHILD], { timeoutMs: 30000 });
  t.equal(r.status, 0, 'child ran', { stderr: r.stderr });
  const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  t.notOk(o.fatal, 'no fatal error');
  t.equal(o.link?.name, 'v0');
  t.equal(o.link?.up, true);
  t.equal(o.add1, true, 'first add adds');
  t.equal(o.add2, false, 'second add is a no-op (EEXIST)');
  t.match(o.ip, /inet 10\.9\.0\.1\/24 brd 10\.9\.0\.255 scope global v0:vip/);
  t.equal(o.add6, true);
  t.match(o.ip6, /inet6 fd00:9::1\/64 scope global/);
  t.ok(o.list.includes('10.9.0.1/24 v0:vip'), 'listed with its label');
  t.equal(o.del1, true);
  t.equal(o.del2, false, 'second delete is a no-op');
  t.equal(o.del6, true);
  t.equal(o.nodev?.code, 'ENODEV');
  t.match(o.nodev?.message, /nosuch0/);
  t.ok((o.events as Array<{ name: string; up: boolean }>).some((e) => e.name === 'v0' && e.up === false), 'down event seen');
  t.ok((o.events as Array<{ name: string; up: boolean }>).some((e) => e.name === 'v0' && e.up === true), 'up event seen');
});
