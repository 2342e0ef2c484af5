// Checker fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) through native/lvsk_sockopt.node, for TCP, HTTP (1.0 and
// 1.1), SMTP, UDP and DNS, IPv4 and IPv6, between two throw-away namespaces. The client reaches the server address by
// two links: `ca` normally, `da` only with bind_if da or with fwmark 42 (ip rule fwmark 42 -> a table via da);
// fwmark 43 leads to an unreachable route and bind_if to a link without the route times out, so the options are
// provably applied. Packets leaving `da` are counted from /sys.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Netns, isRoot, sh } from '../helpers/netns';

const CHILD = path.join(__dirname, '../fixtures/check/sockopt-child.ts');
const ADDON = path.join(__dirname, '../../native/build/Release/lvsk_sockopt.node');
const skip = !isRoot() ? 'needs root (network namespaces)' : !fs.existsSync(ADDON) ? 'native/lvsk_sockopt.node not built (make native)' : false;

t.test('fwmark and bind_if on checker sockets', { skip }, async (t) => {
  const c = new Netns('lvskso-c');
  t.teardown(() => c.close());
  const s = new Netns('lvskso-s');
  t.teardown(() => s.close());
  for (const [a, b] of [['ca', 'cb'], ['da', 'db']] as const) {
    c.exec('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    c.exec('ip', ['link', 'set', b, 'netns', s.name]);
    c.exec('ip', ['link', 'set', a, 'up']);
    s.exec('ip', ['link', 'set', b, 'up']);
  }
  c.addInterface('dz'); // a link without the route (its peer dzp answers nothing)
  const ip = (ns: Netns, ...args: string[]): string => ns.exec('ip', args);
  ip(c, 'addr', 'add', '10.77.0.1/24', 'dev', 'ca');
  ip(c, 'addr', 'add', '10.77.1.1/24', 'dev', 'da');
  ip(s, 'addr', 'add', '10.77.0.2/24', 'dev', 'cb');
  ip(s, 'addr', 'add', '10.77.1.2/24', 'dev', 'db');
  ip(s, 'addr', 'add', '10.77.5.5/32', 'dev', 'lo');
  ip(c, '-6', 'addr', 'add', 'fd77:0::1/64', 'dev', 'ca', 'nodad');
  ip(c, '-6', 'addr', 'add', 'fd77:1::1/64', 'dev', 'da', 'nodad');
  ip(s, '-6', 'addr', 'add', 'fd77:0::2/64', 'dev', 'cb', 'nodad');
  ip(s, '-6', 'addr', 'add', 'fd77:1::2/64', 'dev', 'db', 'nodad');
  ip(s, '-6', 'addr', 'add', 'fd77:5::5/128', 'dev', 'lo', 'nodad');
  // normal path via ca; the da route is there for bind_if (a device-bound lookup only sees routes on that device)
  ip(c, 'route', 'add', '10.77.5.5', 'via', '10.77.0.2', 'dev', 'ca', 'metric', '10');
  ip(c, 'route', 'add', '10.77.5.5', 'via', '10.77.1.2', 'dev', 'da', 'metric', '20');
  ip(c, '-6', 'route', 'add', 'fd77:5::5', 'via', 'fd77:0::2', 'dev', 'ca', 'metric', '10');
  ip(c, '-6', 'route', 'add', 'fd77:5::5', 'via', 'fd77:1::2', 'dev', 'da', 'metric', '20');
  // fwmark 42: policy routing via da; fwmark 43: unreachable
  for (const f of ['-4', '-6']) {
    ip(c, f, 'rule', 'add', 'fwmark', '42', 'table', '100');
    ip(c, f, 'rule', 'add', 'fwmark', '43', 'table', '101');
  }
  ip(c, 'route', 'add', '10.77.5.5', 'via', '10.77.1.2', 'dev', 'da', 'table', '100');
  ip(c, '-6', 'route', 'add', 'fd77:5::5', 'via', 'fd77:1::2', 'dev', 'da', 'table', '100');
  ip(c, 'route', 'add', 'unreachable', '10.77.5.5', 'table', '101');
  ip(c, '-6', 'route', 'add', 'unreachable', 'fd77:5::5', 'table', '101');

  const srv = spawn('ip', ['netns', 'exec', s.name, process.execPath, ...process.execArgv, CHILD], {
    env: { ...process.env, LVSK_SOCKOPT_ROLE: 'servers', LVSK_SOCKOPT_BIND: '10.77.5.5,fd77:5::5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    srv.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    srv.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('READY')) resolve();
    });
    srv.once('exit', (code) => reject(new Error(`servers exited (${code}) before READY`)));
  });

  const variants = { plain: {}, bindIf: { bindIf: 'da' }, mark42: { fwmark: 42 }, mark43: { fwmark: 43 }, bindDz: { bindIf: 'dz' } };
  const run = (targets: string[], v: Record<string, object>) =>
    c.run(process.execPath, [...process.execArgv, CHILD], {
      env: { ...process.env, LVSK_SOCKOPT_ROLE: 'client', LVSK_SOCKOPT_TARGETS: targets.join(','), LVSK_SOCKOPT_COUNT: 'ca,da', LVSK_SOCKOPT_VARIANTS: JSON.stringify(v) },
      timeoutMs: 150000,
    });
  const v4 = { ...variants, bindtoMark: { fwmark: 42, bindto: '10.77.1.1' } };
  const v6 = { ...variants, bindtoMark: { fwmark: 42, bindto: 'fd77:1::1' } };
  const results: Record<string, { ok: boolean; message: string; tx: Record<string, number> }> = {};
  for (const [target, v] of [['10.77.5.5', v4], ['fd77:5::5', v6]] as const) {
    const r = run([target], v);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let out: Record<string, { ok: boolean; message: string; tx: Record<string, number> }> & { error?: string };
    try {
      out = JSON.parse(line);
    } catch {
      t.fail(`client output: ${r.stdout}\n${r.stderr}`);
      return;
    }
    t.notOk(out.error, String(out.error ?? 'no error'));
    Object.assign(results, out);
  }
  for (const target of ['10.77.5.5', 'fd77:5::5'])
    for (const kind of ['tcp', 'http', 'http11', 'smtp', 'udp', 'dns']) {
      const get = (v: string) => results[`${target} ${v} ${kind}`]!;
      const label = `${kind} to ${target}`;
      t.equal(get('plain').ok, true, `${label}: plain works (${get('plain').message})`);
      t.ok(get('plain').tx.ca! >= 1, `${label}: plain leaves through ca`);
      t.equal(get('bindIf').ok, true, `${label}: bind_if da works (${get('bindIf').message})`);
      t.ok(get('bindIf').tx.da! >= 1, `${label}: bind_if da leaves through da`);
      t.equal(get('mark42').ok, true, `${label}: fwmark 42 works (${get('mark42').message})`);
      t.ok(get('mark42').tx.da! >= 1, `${label}: fwmark 42 is routed through da (ip rule fwmark 42)`);
      t.equal(get('mark43').ok, false, `${label}: fwmark 43 hits the unreachable route`);
      t.equal(get('bindDz').ok, false, `${label}: bind_if to a link without the route fails`);
      t.equal(get('bindtoMark').ok, true, `${label}: fwmark with bindto (${get('bindtoMark').message})`);
    }
  // no kernel state left behind in the host namespace
  t.notMatch(sh('ip', ['rule', 'show']), /fwmark 0x2a/);
});
