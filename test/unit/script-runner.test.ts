// util/script-runner.ts + script-security.ts: keepalived's script user rules, check_script_secure verdicts on a fake
// file system, and real runs as `nobody` with a refusal of scripts in non-root-writable paths under enable_script_security.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configureScripts, fileUserDb, resolveScriptIds, runScript, ScriptGate, scriptSpawnOptions, userDbFromText } from '../../src/util/script-runner';
import { checkPathSecurity, checkScriptSecure, isExecutableBy, ScriptFlag, scriptRunnable, type ScriptFsView } from '../../src/util/script-security';
import { runCommand } from '../../src/daemon/vrrp/notify';
import { ScriptTracker } from '../../src/daemon/vrrp/tracking';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';
import { planVirtualServers } from '../../src/lvs/desired';
import { checkTargets } from '../../src/lvs/targets';
import { CheckerKind } from '../../src/check/types';
import type { VrrpScript } from '../../src/config/model';

const root = process.getuid?.() === 0;
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nka:x:1001:1002::/:/bin/sh\n';
const GROUP = 'root:x:0:\nwheel:x:10:ka\nnogroup:x:65534:\n';
const db = userDbFromText(PASSWD, GROUP);
const withKa = userDbFromText(PASSWD + 'keepalived_script:x:990:991::/:/bin/false\n', GROUP);

t.test('script user rules (lib/notify.c set_uid_gid / get_default_script_user)', async (t) => {
  t.same(resolveScriptIds('ka', undefined, { security: false }, db), { uid: 1001, gid: 1002, user: 'ka' }, 'user: its primary group');
  t.same(resolveScriptIds('ka', 'wheel', { security: true }, db), { uid: 1001, gid: 10, user: 'ka' }, 'user group');
  t.same(resolveScriptIds(undefined, undefined, { security: true, scriptUser: 'nobody' }, db), { uid: 65534, gid: 65534, user: 'nobody' }, 'script_user');
  t.same(resolveScriptIds(undefined, undefined, { security: true, scriptUser: 'ka', scriptGroup: 'wheel' }, db), { uid: 1001, gid: 10, user: 'ka' });
  t.same(resolveScriptIds(undefined, undefined, { security: true }, withKa), { uid: 990, gid: 991, user: 'keepalived_script' }, 'keepalived_script by default');
  const fb = resolveScriptIds(undefined, undefined, { security: false }, db);
  t.equal(fb.fellBack, true, 'no keepalived_script, no security: the daemon user');
  t.equal(fb.uid, process.getuid?.() ?? 0);
  t.throws(() => resolveScriptIds(undefined, undefined, { security: true }, db), { code: 'ENODEFAULTUSER' }, 'security without keepalived_script: refused');
  t.throws(() => resolveScriptIds('nosuch', undefined, { security: false }, db), { code: 'ENOUSER' });
  t.throws(() => resolveScriptIds('ka', 'nosuch', { security: false }, db), { code: 'ENOGROUP' });
  t.throws(() => resolveScriptIds(undefined, undefined, { security: false, scriptUser: 'nosuch' }, db), { code: 'ENOUSER' });
  t.same(db.user('4242'), { uid: 4242, gid: 4242 }, 'numeric user');
  const real = fileUserDb();
  t.equal(real.user('root')?.uid, 0);
  t.equal(real.user('nobody')?.uid, 65534);
});

t.test('spawn options: uid/gid, own process group, cwd /', async (t) => {
  const o = scriptSpawnOptions({ uid: 65534, gid: 65534, user: 'nobody' });
  t.match(o, { stdio: 'ignore', detached: true, cwd: '/' });
  if (root) t.match(o, { uid: 65534, gid: 65534 });
});

// ---- check_script_secure on a fake file system ----
type Node = { mode: number; uid?: number; gid?: number; link?: string };
function fakeFs(nodes: Record<string, Node>, PATH = '/usr/bin:/bin'): ScriptFsView {
  const mk = (n: Node, p: string): fs.Stats => {
    const type = n.mode & 0o170000;
    return {
      mode: n.mode,
      uid: n.uid ?? 0,
      gid: n.gid ?? 0,
      dev: 1,
      ino: [...p].reduce((a, c) => a * 31 + c.charCodeAt(0), 7),
      isFile: () => type === 0o100000,
      isDirectory: () => type === 0o040000,
      isSymbolicLink: () => type === 0o120000,
    } as unknown as fs.Stats;
  };
  const resolve = (p: string): string | undefined => {
    for (let i = 0; i < 16; i++) {
      const parts = p.split('/').filter(Boolean);
      let cur = '';
      let changed = false;
      for (let k = 0; k < parts.length; k++) {
        const next = `${cur}/${parts[k]}`;
        const n = nodes[next];
        if (!n) return undefined;
        if (n.link) {
          p = (n.link.startsWith('/') ? n.link : `${cur}/${n.link}`) + (k + 1 < parts.length ? '/' + parts.slice(k + 1).join('/') : '');
          changed = true;
          break;
        }
        cur = next;
      }
      if (!changed) return cur || '/';
    }
    return undefined;
  };
  return {
    lstat: (p) => (nodes[p] ? mk(nodes[p]!, p) : undefined),
    stat: (p) => {
      const r = resolve(p);
      return r && nodes[r] ? mk(nodes[r]!, r) : undefined;
    },
    realpath: (p) => resolve(p),
    pathEnv: () => PATH,
  };
}
const DIR = 0o040755;
const FILE = 0o100755;
const BASE: Record<string, Node> = { '/': { mode: DIR }, '/usr': { mode: DIR }, '/usr/bin': { mode: DIR }, '/bin': { mode: 0o120777, link: 'usr/bin' }, '/tmp': { mode: 0o041777 }, '/etc': { mode: DIR } };

t.test('check_script_secure verdicts', async (t) => {
  const f = fakeFs({ ...BASE, '/usr/bin/ok.sh': { mode: FILE }, '/tmp/w.sh': { mode: FILE, uid: 1000 }, '/tmp/r.sh': { mode: FILE }, '/etc/ww': { mode: 0o040777 }, '/etc/ww/s.sh': { mode: FILE }, '/etc/gw': { mode: 0o040775, gid: 50 }, '/etc/gw/s.sh': { mode: FILE }, '/etc/g0': { mode: 0o040775 }, '/etc/g0/s.sh': { mode: FILE }, '/usr/bin/noexec': { mode: 0o100644 }, '/usr/bin/suid': { mode: 0o104755 } });
  let v = checkScriptSecure('/usr/bin/ok.sh', 0, 0, true, f);
  t.equal(v.flags, ScriptFlag.IsScript | ScriptFlag.Executable);
  t.ok(scriptRunnable(v.flags));
  v = checkScriptSecure('ok.sh', 0, 0, true, f);
  t.equal(v.file, '/usr/bin/ok.sh', 'found in PATH');
  t.match(v.messages[0], /resolved by path search/);
  v = checkScriptSecure('/bin/ok.sh', 0, 0, true, f);
  t.equal(v.file, '/usr/bin/ok.sh', 'symlinked directory resolved (replace_cmd_name)');
  t.ok(scriptRunnable(v.flags));
  v = checkScriptSecure('/tmp/w.sh', 0, 0, true, f);
  t.ok(v.flags & ScriptFlag.Insecure && v.flags & ScriptFlag.Inhibit, 'file owned by a user: insecure, inhibited');
  t.equal(v.insecurePath, '/tmp/w.sh');
  t.match(v.messages, [/Unsafe permissions found for script '\/tmp\/w.sh' - disabling/]);
  v = checkScriptSecure('/tmp/w.sh', 0, 0, false, f);
  t.ok(v.flags & ScriptFlag.Insecure && !(v.flags & ScriptFlag.Inhibit), 'without script security: insecure but runs');
  t.ok(scriptRunnable(v.flags));
  t.ok(scriptRunnable(checkScriptSecure('/tmp/r.sh', 0, 0, true, f).flags), 'sticky world-writable /tmp is fine');
  v = checkScriptSecure('/etc/ww/s.sh', 0, 0, true, f);
  t.equal(v.insecurePath, '/etc/ww', 'world-writable directory');
  t.notOk(scriptRunnable(v.flags));
  t.equal(checkScriptSecure('/etc/gw/s.sh', 0, 0, true, f).insecurePath, '/etc/gw', 'group-writable, non-root group');
  t.ok(scriptRunnable(checkScriptSecure('/etc/g0/s.sh', 0, 0, true, f).flags), 'group-writable by root group is fine');
  v = checkScriptSecure('/etc/ww/s.sh', 65534, 65534, true, f);
  t.ok(scriptRunnable(v.flags), 'a script not run as root needs no protection');
  v = checkScriptSecure('/usr/bin/noexec', 0, 0, true, f);
  t.notOk(scriptRunnable(v.flags));
  t.match(v.messages, [/not executable for uid:gid 0:0/]);
  t.ok(checkScriptSecure('/usr/bin/suid', 65534, 65534, true, f).flags & ScriptFlag.Executable);
  v = checkScriptSecure('/nope/x', 0, 0, true, f);
  t.ok(v.flags & ScriptFlag.NotFound);
  t.equal(checkScriptSecure('nosuch', 0, 0, true, f).flags, ScriptFlag.NotFound);
  t.equal(checkScriptSecure('</dev/tcp/127.0.0.1/80', 0, 0, true, f).flags, ScriptFlag.System);
  t.ok(scriptRunnable(ScriptFlag.System));
  t.same(checkPathSecurity('/usr/bin/ok.sh', true, f), { flags: 0 });
  t.equal(checkPathSecurity('/bin/ok.sh', true, f).flags, ScriptFlag.Inhibit, 'a symlink in the middle is the wrong type');
  t.ok(isExecutableBy({ mode: 0o100010, uid: 1, gid: 5 }, 2, 5));
  t.notOk(isExecutableBy({ mode: 0o100010, uid: 1, gid: 5 }, 2, 6));
  t.ok(isExecutableBy({ mode: 0o100001, uid: 1, gid: 5 }, 0, 0));
});

t.test('ScriptGate: one verdict per configuration, refusals logged with the reason', async (t) => {
  const f = fakeFs({ ...BASE, '/tmp/w.sh': { mode: FILE, uid: 1000 } });
  const logs: string[] = [];
  const g = new ScriptGate({ security: true, scriptUser: 'root' }, (l, m) => logs.push(`${l}: ${m}`), db, f);
  const p = g.prepare(['/tmp/w.sh', 'a'], undefined, undefined, 'notify script');
  t.equal(p.ok, false);
  if (!p.ok) {
    t.equal(p.code, 'EINSECURE');
    t.match(p.reason, /notify script \/tmp\/w.sh disabled \(uid:gid 0:0\): \/tmp\/w.sh is writable by a non-root user and enable_script_security is set/);
  }
  g.prepare(['/tmp/w.sh', 'a'], undefined, undefined, 'notify script');
  t.equal(logs.filter((l) => l.startsWith('warn')).length, 1, 'logged once');
  g.reset();
  g.prepare(['/tmp/w.sh', 'a'], undefined, undefined, 'notify script');
  t.equal(logs.filter((l) => l.startsWith('warn')).length, 2, 'checked again after a reload');
  const g2 = new ScriptGate({ security: false }, (l, m) => logs.push(`${l}: ${m}`), db, f);
  const q = g2.prepare(['/tmp/w.sh', 'a']);
  t.equal(q.ok, true, 'without security it runs (as keepalived, with the unsafe-permissions line)');
  t.ok(logs.some((l) => /default script user keepalived_script does not exist/.test(l)), 'fallback to root is warned');
  const g3 = new ScriptGate({ security: true }, () => undefined, db, f);
  const r = g3.prepare(['/usr/bin/true']);
  t.equal(r.ok, false);
  if (!r.ok) t.equal(r.code, 'ENODEFAULTUSER');
});

// ---- real files, real processes ----
function tree(t: { teardown(f: () => void): void }, worldWritable: boolean): { dir: string; script: string; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-scr-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(bin, worldWritable ? 0o777 : 0o755);
  const outDir = path.join(dir, 'out');
  fs.mkdirSync(outDir);
  fs.chmodSync(outDir, 0o777);
  const script = path.join(bin, 'id.sh');
  const out = path.join(outDir, 'id');
  fs.writeFileSync(script, `#!/bin/sh\necho "$(id -u) $(id -g) [$(id -G)] $(pwd) $*" > ${out}\nexit 3\n`, { mode: 0o755 });
  return { dir, script, out };
}

// os.tmpdir() must itself be root-owned and not writable by others (it is /tmp, sticky) for the secure case
t.test('runs as nobody: uid, gid, no supplementary groups, cwd /', { skip: root ? false : 'needs root' }, async (t) => {
  const { script, out } = tree(t, false);
  const g = new ScriptGate({ security: true, scriptUser: 'nobody' });
  const p = g.prepare([script, 'x y']);
  t.equal(p.ok, true, p.ok ? '' : p.reason);
  if (!p.ok) return;
  const r = await runScript(p.script.argv, p.script.ids);
  t.same(r, { code: 3, signal: null, timedOut: false });
  t.equal(fs.readFileSync(out, 'utf8').trim(), '65534 65534 [65534] / x y');
});

t.test('enable_script_security at run time: insecure path refused (notify, vrrp_script, MISC_CHECK), allowed without', { skip: root ? false : 'needs root' }, async (t) => {
  const { script, out } = tree(t, true);
  const logs: string[] = [];
  const log = (l: 'info' | 'warn', m: string): void => void logs.push(`${l}: ${m}`);
  // notify script run as root (script_user root) from a world-writable directory
  configureScripts({ enableScriptSecurity: true, scriptUser: 'root' }, log);
  t.teardown(() => configureScripts({}));
  await t.rejects(runCommand({ file: script, args: [] }), { code: 'EINSECURE' });
  t.notOk(fs.existsSync(out), 'not run');
  t.ok(logs.some((l) => l.includes(`${path.dirname(script)} is writable by a non-root user`)), 'logged with the reason');
  // vrrp_script: disabled, so instances ignore it
  const vs = { name: 'chk', script: { command: script, args: [script], loc: { file: '', line: 1, col: 1 } }, interval: 1, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, loc: { file: '', line: 1, col: 1 } } as unknown as VrrpScript;
  const tr = new ScriptTracker(vs);
  t.equal(tr.disabled, true);
  t.match(tr.disabledReason, /track script chk/);
  // as a non-root user the path is not a root escalation: it runs
  const r = await runCommand({ file: script, args: ['n'], user: 'nobody' });
  t.equal(r.code, 3);
  t.match(fs.readFileSync(out, 'utf8'), /^65534 65534/);
  fs.rmSync(out);
  // without enable_script_security keepalived runs it (and reports "There are insecure scripts" in -t)
  configureScripts({ scriptUser: 'root' }, log);
  t.equal((await runCommand({ file: script, args: [] })).code, 3);
  t.match(fs.readFileSync(out, 'utf8'), /^0 0 /);
  t.equal(new ScriptTracker(vs).disabled, false);

  // MISC_CHECK: refused checkers are removed (check_misc_script_security); `user` runs it as that user
  const conf = (g: string, user: string) => `global_defs {\n${g}}\nvirtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.1.1 80 {\n  MISC_CHECK {\n   misc_path "${script} a"\n${user}  }\n }\n}\n`;
  const plan = (text: string) => {
    const c = parseConfig('/k.conf', memoryLoader({ '/k.conf': text }, '/'), { configId: 'x' }).config!;
    configureScripts(c.globalDefs, log);
    const [p] = planVirtualServers(c);
    const rs = p!.realServers[0]!;
    return checkTargets(c, p!.vs, rs.rs, rs.id, p!.id, 80)[0]!;
  };
  let pc = plan(conf(' enable_script_security\n script_user root\n', ''));
  t.equal(pc.target, undefined, 'insecure MISC_CHECK removed');
  t.match(pc.issues, [{ severity: 'error', code: 'EMISCSCRIPT', message: /misc script .* writable by a non-root user/ }]);
  pc = plan(conf(' enable_script_security\n script_user root\n', '   user nobody\n'));
  t.equal(pc.target?.kind, CheckerKind.Misc);
  if (pc.target?.kind === CheckerKind.Misc) {
    t.equal(pc.target.misc.uid, 65534, 'MISC_CHECK user applied');
    t.equal(pc.target.misc.gid, 65534);
    t.same(pc.target.misc.argv, [script, 'a']);
  }
  pc = plan(conf(' script_user nobody\n', ''));
  if (pc.target?.kind === CheckerKind.Misc) t.equal(pc.target.misc.uid, 65534, 'global script_user applied');
});

t.test('runScript: timeout kills the process group (SIGTERM, then SIGKILL)', async (t) => {
  let r = await runScript(['/bin/sh', '-c', 'sleep 30'], undefined, { timeoutMs: 100 });
  t.equal(r.timedOut, true);
  t.equal(r.signal, 'SIGTERM');
  r = await runScript(['/bin/sh', '-c', 'trap "" TERM; sleep 30 & wait'], undefined, { timeoutMs: 100, graceMs: 200 });
  t.equal(r.timedOut, true);
  t.equal(r.signal, 'SIGKILL');
  const ac = new AbortController();
  const p = runScript(['/bin/sleep', '30'], undefined, { signal: ac.signal, graceMs: 0 });
  ac.abort();
  t.match(await p, { timedOut: true, signal: 'SIGKILL' });
  await t.rejects(runScript(['/nonexistent/x'], undefined), { code: 'ENOENT' });
  await t.rejects(runScript([], undefined), { code: 'EEMPTY' });
});

