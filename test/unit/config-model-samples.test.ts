// keepalived's 26 sample configurations build without errors of our own making; the W_UNSUPPORTED list is
// recorded with a one-line reason each, and the few errors are ones keepalived -t reports too (quoted).
import t, { Test } from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { build } from './helpers/model';
import { miniTree } from './helpers/mini-tree';
import { parseTree } from '../../src/config/tree';
import { memoryLoader } from '../../src/config/loader';
import { buildConfig } from '../../src/config/build';

const DIR = path.join(__dirname, '../../../shared/corpus/keepalived-samples');

interface Expect {
  /** config id (keepalived -i) for @-conditional lines */
  id?: string;
  /** [keyword, line, why lvskeeper does not implement it] */
  unsupported?: [string, number, string][];
  /** [code, line, what keepalived 2.2.7 -t says about the same line] */
  errors?: [string, number, string][];
  /** keepalived -t exit status, measured in a namespace with veth eth0-eth3 (default 0) */
  ka?: number;
  /** why lvskeeper's verdict differs from keepalived -t here */
  divergence?: string;
}

const SAMPLES: Record<string, Expect> = {
  'keepalived.conf.HTTP_GET.port': {},
  'keepalived.conf.IPv6': {},
  'keepalived.conf.PING_CHECK': {},
  'keepalived.conf.SMTP_CHECK': {},
  'keepalived.conf.SSL_GET': { ka: 5 },
  'keepalived.conf.UDP_CHECK': {},
  'keepalived.conf.conditional_conf': {
    ka: 5,
    // without -i, keepalived drops every @high/@low line: the vrrp_script has no script and is removed
    errors: [['E_UNDEFINED_REF', 25, '(VI_0) track script check_VI_0 not found, ignoring...']],
  },
  'keepalived.conf.default': {
    ka: 5,
    errors: [
      ['E_BAD_VALUE', 15, "number '0' outside range [0.000001, 4294.967295] / vrrp_garp_interval '0' is invalid"],
      ['E_BAD_VALUE', 16, "number '0' outside range [0.000001, 4294.967295] / vrrp_gna_interval '0' is invalid"],
    ],
  },
  'keepalived.conf.fwmark': { ka: 5 },
  'keepalived.conf.inhibit': {},
  'keepalived.conf.misc_check': {},
  'keepalived.conf.misc_check_arg': {},
  'keepalived.conf.quorum': {},
  'keepalived.conf.sample': {},
  'keepalived.conf.status_code': {},
  'keepalived.conf.track_interface': { ka: 5 },
  'keepalived.conf.virtual_server_group': {},
  'keepalived.conf.virtualhost': {},
  'keepalived.conf.vrrp': {},
  'keepalived.conf.vrrp.localcheck': {
    ka: 6,
    divergence: 'SECURITY VIOLATION: keepalived checks that the script files exist on this host (killall does); lvskeeper reports I_SECURITY_SCRIPTS as info',
  },
  'keepalived.conf.vrrp.lvs_syncd': { ka: 5 },
  'keepalived.conf.vrrp.routes': { ka: 5 },
  'keepalived.conf.vrrp.rules': {
    ka: 5,
    errors: [
      ['E_BAD_VALUE', 11, 'VRRP parsed invalid IP 192.168.100./24. skipping IP... / Invalid rule to address 192.168.100./24'],
      ['E_BAD_VALUE', 26, 'VRRP parsed invalid IP 192.168.200./24. skipping IP... / Invalid rule to address 192.168.200./24'],
    ],
  },
  'keepalived.conf.vrrp.scripts': {},
  'keepalived.conf.vrrp.static_ipaddress': { ka: 5 },
  'keepalived.conf.vrrp.sync': {},
};

/** The same conditional sample with a config id: every line is in force. */
const WITH_ID: [string, Expect][] = [
  ['high', {
    unsupported: [
      ['net_namespace', 3, 'lvskeeper runs in the namespace it is started in (ip netns exec)'],
    ],
  }],
  ['low', {
    unsupported: [
      ['net_namespace', 4, 'lvskeeper runs in the namespace it is started in (ip netns exec)'],
    ],
  }],
];

function check(t: Test, file: string, e: Expect): void {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const { config, diagnostics } = build(text, file, e.id);
  t.same(
    diagnostics.filter((d) => d.code === 'W_UNSUPPORTED').map((d) => [d.message.match(/^'([^']+)'/)?.[1], d.loc?.line]),
    (e.unsupported ?? []).map(([k, l]) => [k, l]),
    'W_UNSUPPORTED list',
  );
  t.same(config.unsupported.map((u) => [u.keyword, u.loc.line]), (e.unsupported ?? []).map(([k, l]) => [k, l]), 'model lists them too');
  t.same(
    diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.loc?.line]),
    (e.errors ?? []).map(([c, l]) => [c, l]),
    'errors are exactly the ones keepalived reports too',
  );
  t.ok(diagnostics.every((d) => d.loc && d.loc.file === file && d.loc.line > 0), 'every diagnostic is located');
  if (e.id === undefined) {
    const problem = diagnostics.some((d) => d.severity === 'error' || (d.severity === 'warning' && d.code !== 'W_UNSUPPORTED'));
    if (e.divergence) t.equal(problem, false, `keepalived -t ${e.ka}: ${e.divergence}`);
    else t.equal(problem, (e.ka ?? 0) !== 0, `keepalived -t exits ${e.ka ?? 0}; lvskeeper ${problem ? 'reports a problem' : 'accepts it'}`);
  }
  t.ok(config.vrrpInstances.length + config.virtualServers.length + config.staticRoutes.length > 0, 'something was built');
}

t.test('all 26 samples are listed', async (t) => {
  t.same(fs.readdirSync(DIR).sort(), Object.keys(SAMPLES).sort());
});

for (const [file, e] of Object.entries(SAMPLES)) t.test(file, async (t) => check(t, file, e));
for (const [id, e] of WITH_ID) t.test(`conditional_conf with -i ${id}`, async (t) => check(t, 'keepalived.conf.conditional_conf', { ...e, id }));

t.test('a few built values', async (t) => {
  const vsg = build(fs.readFileSync(path.join(DIR, 'keepalived.conf.virtual_server_group'), 'utf8')).config;
  t.ok(vsg.virtualServerGroups.length >= 1);
  t.ok(vsg.virtualServers.some((v) => v.kind === 'group'));
  const v6 = build(fs.readFileSync(path.join(DIR, 'keepalived.conf.IPv6'), 'utf8')).config;
  t.ok(v6.virtualServers.every((v) => v.family === 6));
  const sc = build(fs.readFileSync(path.join(DIR, 'keepalived.conf.status_code'), 'utf8')).config;
  const urls = sc.virtualServers.flatMap((v) => v.realServers.flatMap((r) => r.checkers.flatMap((c) => ('urls' in c ? c.urls : []))));
  t.ok(urls.some((u) => u.statusCodes.some(([a, b]) => a !== 200 || b !== 299)), 'explicit status codes kept');
});

t.test('the real front end (parseTree) gives the same model and diagnostics as the test splitter', async (t) => {
  for (const f of Object.keys(SAMPLES)) {
    const text = fs.readFileSync(path.join(DIR, f), 'utf8');
    const tree = parseTree(`/${f}`, memoryLoader({ [`/${f}`]: text }));
    t.same(tree.diagnostics.filter((d) => d.severity === 'error'), [], `${f}: parses`);
    const real = buildConfig(tree.nodes);
    const mini = buildConfig(miniTree(text, `/${f}`));
    t.same(real.config, mini.config, `${f}: same model`);
    t.same(real.diagnostics, mini.diagnostics, `${f}: same diagnostics`);
  }
});
