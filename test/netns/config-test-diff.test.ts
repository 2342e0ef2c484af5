// Differential: `lvskeeper -t` against the real `keepalived -t` (2.2.7) on keepalived's own samples
// and on a table of small configurations, inside a namespace that has the interfaces the samples
// name (so that host-dependent checks agree). Exit codes must match; where they deliberately
// differ, the table says why.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Netns, isRoot } from '../helpers/netns';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli/lvskeeper.js');
const SAMPLES = path.join(ROOT, '../shared/corpus/keepalived-samples');
const haveKeepalived = fs.existsSync('/usr/sbin/keepalived');

/** Small configurations and why they are interesting. */
const CASES: Array<[string, string]> = [
  ['empty', ''],
  ['good vrrp', 'vrrp_instance A {\n state BACKUP\n interface eth0\n virtual_router_id 5\n priority 100\n virtual_ipaddress {\n  10.1.1.1/32\n }\n}\n'],
  ['unknown global keyword', 'global_defs {\n router_id x\n foo_bar 1\n}\n'],
  ['priority out of range', 'vrrp_instance A {\n interface eth0\n virtual_router_id 5\n priority 300\n}\n'],
  ['missing vrid', 'vrrp_instance A {\n interface eth0\n priority 100\n}\n'],
  ['missing close brace', 'global_defs {\n router_id x\n'],
  ['extra close brace', 'global_defs {\n router_id x\n}\n}\n'],
  ['bad lb_algo', 'virtual_server 10.0.0.1 80 {\n lb_algo nosuch\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n'],
  ['good virtual server', 'virtual_server 10.0.0.1 80 {\n delay_loop 6\n lb_algo rr\n lb_kind NAT\n protocol TCP\n real_server 10.0.0.2 80 {\n  weight 1\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n}\n'],
  ['bad weight', 'virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  weight -5\n  TCP_CHECK {\n  }\n }\n}\n'],
  ['bad ip', 'virtual_server 10.0.0.300 80 {\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n'],
  ['undefined track_script', 'vrrp_instance A {\n interface eth0\n virtual_router_id 5\n priority 100\n track_script {\n  nosuch\n }\n}\n'],
  ['seq generator', '~SEQ(i,1,3) vrrp_instance V$i {\n interface eth0\n virtual_router_id $i\n priority 100\n}\n'.replace(/\$i/g, '${i}')],
  ['parameter', '$IF=eth0\nvrrp_instance A {\n interface $IF\n virtual_router_id 5\n priority 100\n}\n'],
];

const MISSING_INCLUDE = 'include /nonexistent/x.conf\nglobal_defs {\n router_id x\n}\n';

t.test('lvskeeper -t agrees with keepalived -t', { skip: !isRoot() ? 'needs root' : !haveKeepalived ? 'keepalived not installed' : !fs.existsSync(CLI) ? 'not built (make build)' : false }, async (t) => {
  const ns = new Netns('lvsk-cfg');
  t.teardown(() => ns.close());
  for (const ifname of ['eth0', 'eth1', 'eth2', 'eth3', 'eth4']) ns.addInterface(ifname);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-cfgdiff-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const inputs: Array<[string, string]> = [];
  if (fs.existsSync(SAMPLES)) for (const f of fs.readdirSync(SAMPLES).sort()) inputs.push([`sample ${f}`, path.join(SAMPLES, f)]);
  CASES.forEach(([name, text], i) => {
    const f = path.join(dir, `case${i}.conf`);
    fs.writeFileSync(f, text);
    inputs.push([name, f]);
  });
  const inc = path.join(dir, 'missing-include.conf');
  fs.writeFileSync(inc, MISSING_INCLUDE);
  inputs.push(['missing include', inc]);
  for (const [name, file] of inputs) {
    const theirs = ns.run('/usr/sbin/keepalived', ['-t', '-f', file]);
    const ours = ns.run(process.execPath, [CLI, '-t', '-f', file]);
    t.equal(ours.status, theirs.status, `${name}: exit ${ours.status}, keepalived ${theirs.status}`, {
      keepalived: theirs.stderr.split('\n').slice(0, 12).join('\n'),
      lvskeeper: ours.stderr.split('\n').slice(0, 12).join('\n'),
    });
  }
});
