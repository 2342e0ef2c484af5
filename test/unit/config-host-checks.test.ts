// Host checks after the pure parse: keepalived's script security verdicts and missing interfaces,
// on a fake host view.
import t from 'tap';
import * as fs from 'fs';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';
import { hostChecks, HostView } from '../../src/config/host-checks';
import { configTestStatus } from '../../src/config/index';

function st(mode: number, uid = 0, gid = 0, dir = false): fs.Stats {
  return { mode, uid, gid, isFile: () => !dir, isDirectory: () => dir } as unknown as fs.Stats;
}

function host(files: Record<string, fs.Stats>, ifaces = ['eth0']): HostView {
  return {
    interfaces: () => new Set(ifaces),
    pathEnv: () => '/usr/bin:/bin',
    stat: (p) => files[p],
    realpath: (p) => (files[p] ? p : undefined),
    uidOf: (u) => ({ root: 0, nobody: 65534 } as Record<string, number>)[u],
  };
}

const SYS = { '/': st(0o40755, 0, 0, true), '/usr': st(0o40755, 0, 0, true), '/usr/bin': st(0o40755, 0, 0, true), '/tmp': st(0o41777, 0, 0, true) };

function load(text: string) {
  const r = parseConfig('/k.conf', memoryLoader({ '/k.conf': text }, '/'), { configId: 'x' });
  t.ok(r.config);
  return r.config!;
}

const VI = (extra: string) => `vrrp_instance A {\n interface eth0\n virtual_router_id 5\n priority 100\n virtual_ipaddress {\n  10.0.0.1/32\n }\n${extra}}\n`;

t.test('script found in PATH without enable_script_security is a security violation (exit 6)', async (t) => {
  const c = load(`vrrp_script chk {\n script "killall -0 sshd"\n}\n` + VI(' track_script {\n  chk\n }\n'));
  const d = hostChecks(c, host({ ...SYS, '/usr/bin/killall': st(0o100755) }));
  t.match(d.map((x) => x.message), ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  t.equal(configTestStatus(d), 6);
});

t.test('missing scripts and "</dev/tcp" tests are not scripts', async (t) => {
  const c = load(`vrrp_script a {\n script "</dev/tcp/127.0.0.1/80"\n}\nvrrp_script b {\n script "nosuchprog x"\n}\n` + VI(' track_script {\n  a\n  b\n }\n'));
  const d = hostChecks(c, host(SYS));
  t.same(d.map((x) => x.code), ['I_SCRIPT_NOT_FOUND']);
  t.equal(configTestStatus(d), 0);
});

t.test('with enable_script_security, a script in a world-writable path is disabled (logged, exit unchanged)', async (t) => {
  const c = load(`global_defs {\n enable_script_security\n script_user root\n}\n` + VI(' notify_master "/tmp/up.sh"\n'));
  const d = hostChecks(c, host({ ...SYS, '/tmp/up.sh': st(0o100777, 1000) }));
  t.same(d.map((x) => x.code), ['W_SCRIPT_INSECURE']);
  t.match(d[0].message, /\/tmp\/up.sh is writable by a non-root user/);
  t.equal(configTestStatus(d), 0);
});

t.test('checker scripts are reported with keepalived\'s checker wording', async (t) => {
  const c = load(`virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  MISC_CHECK {\n   misc_path "/usr/bin/true"\n  }\n }\n}\n`);
  const d = hostChecks(c, host({ ...SYS, '/usr/bin/true': st(0o100755) }));
  t.match(d.map((x) => x.message), [/check scripts are being executed/]);
});

t.test('missing interfaces are warnings (exit 5), infos with dynamic_interfaces', async (t) => {
  const c = load(VI('').replace('eth0', 'eth9'));
  const d = hostChecks(c, host(SYS));
  t.same(d.map((x) => [x.code, x.message]), [['W_NO_INTERFACE', "interface eth9 for vrrp_instance A doesn't exist"]]);
  t.equal(configTestStatus(d), 5);
  const c2 = load('global_defs {\n dynamic_interfaces\n}\n' + VI('').replace('eth0', 'eth9'));
  t.same(hostChecks(c2, host(SYS)).map((x) => x.code), ['I_NO_INTERFACE']);
});

t.test('-t uses the daemon\'s verdict: sticky /tmp is fine, a root-group script too; group 0 counts as root', async (t) => {
  const vi = (s: string) => load(`global_defs {\n enable_script_security\n script_user root\n}\n` + VI(` notify_master "${s}"\n`));
  const files = { ...SYS, '/tmp/ok.sh': st(0o100755), '/usr/bin/g.sh': st(0o100775), '/usr/bin/w.sh': st(0o100775, 0, 50) };
  t.same(hostChecks(vi('/tmp/ok.sh'), host(files)).map((x) => x.code), [], 'root-owned script in sticky /tmp');
  t.same(hostChecks(vi('/usr/bin/g.sh'), host(files)).map((x) => x.code), [], 'group-writable by group root');
  t.same(hostChecks(vi('/usr/bin/w.sh'), host(files)).map((x) => x.code), ['W_SCRIPT_INSECURE'], 'group-writable by a user group');
  const nobody = load(`global_defs {\n enable_script_security\n script_user nobody\n}\n` + VI(' notify_master "/tmp/mine.sh"\n'));
  const h = { ...host({ ...SYS, '/tmp/mine.sh': st(0o100755, 65534, 65534) }), gidOf: () => 0 };
  t.same(hostChecks(nobody, h).map((x) => x.code), ['W_SCRIPT_INSECURE'], 'uid nobody but gid 0 needs protection (check_script_secure)');
});
