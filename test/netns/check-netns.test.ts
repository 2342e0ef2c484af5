// Health checkers inside a throw-away network namespace: bindto, connect timeouts without ARP replies, ICMP port/host
// unreachable, IPv6 link-local with bind_if, raw ICMP/ICMPv6 pings, and a flapping server under the real scheduler.
import t from 'tap';
import path from 'node:path';
import { Netns, isRoot } from '../helpers/netns';

const CHILD = path.join(__dirname, '../fixtures/check/netns-child.ts');

t.test('checkers in a namespace', { skip: isRoot() ? false : 'needs root (network namespaces)' }, async (t) => {
  const ns = new Netns('lvskchk');
  t.teardown(() => ns.close());
  ns.exec('ip', ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v0p']);
  for (const dev of ['v0', 'v0p']) ns.exec('ip', ['link', 'set', dev, 'up']);
  ns.exec('ip', ['addr', 'add', '10.77.0.1/24', 'dev', 'v0']);
  ns.exec('ip', ['addr', 'add', '10.77.0.2/24', 'dev', 'v0p']);
  ns.exec('ip', ['-6', 'addr', 'add', 'fd77::1/64', 'dev', 'v0', 'nodad']);
  ns.exec('ip', ['-6', 'addr', 'add', 'fd77::2/64', 'dev', 'v0p', 'nodad']);
  ns.exec('ip', ['-6', 'addr', 'add', 'fe80::77:2/64', 'dev', 'v0p', 'nodad']);
  ns.exec('ip', ['route', 'add', 'unreachable', '10.78.0.0/24']);
  // the child runs with the same TypeScript loader as this test
  const r = ns.run(process.execPath, [...process.execArgv, CHILD], { env: { ...process.env, LVSK_CHECK_CHILD: '1' }, timeoutMs: 60000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out: Record<string, any>;
  try {
    out = JSON.parse(line);
  } catch {
    t.fail(`child output: ${r.stdout}\n${r.stderr}`);
    return;
  }
  t.notOk(out.error, out.error);
  t.equal(out.tcp.ok, true, out.tcp.message);
  t.equal(out.tcpPeer, '10.77.0.1', 'bindto used as source');
  t.same([out.tcpTimeout.ok, out.tcpTimeout.timedOut], [false, true]);
  t.equal(out.tcpLinkLocal.ok, true, out.tcpLinkLocal.message);
  t.equal(out.udpClosed.ok, false);
  t.match(out.udpClosed.message, /ECONNREFUSED/);
  t.equal(out.udpEcho.ok, true, out.udpEcho.message);
  t.equal(out.ping.ok, true, out.ping.message);
  t.equal(out.ping6.ok, true, out.ping6.message);
  t.equal(out.pingUnreachable.ok, false);
  t.equal(out.pingSilent.ok, false);
  t.equal(out.pingSilent.timedOut, true);
  t.ok(out.flapTransitions >= 2, `flapping server seen going up and down (${out.flapTransitions} transitions)`);
  t.same(out.steadyEvents, [[true, false]], 'the steady server never changes state');
  t.equal(out.httpDirect.ok, true);
});
