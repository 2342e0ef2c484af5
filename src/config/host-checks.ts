// Checks of a configuration against the host it will run on, done by `-t` and at start, after the
// pure parse: script security (keepalived lib/notify.c check_script_secure and the "SECURITY
// VIOLATION" reports of vrrp.c / check_data.c) and interfaces that do not exist.
import * as fs from 'fs';
import * as path from 'path';
import type { Config, NotifyScript } from './model';
import type { Diagnostic } from './types';
import { checkScriptSecure, ScriptFlag, type ScriptFsView } from '../util/script-security';
import { systemUserDb } from '../util/script-runner';

export interface HostView {
  /** interface names present (/sys/class/net) */
  interfaces(): Set<string>;
  /** PATH used to find bare script names */
  pathEnv(): string;
  stat(p: string): fs.Stats | undefined;
  realpath(p: string): string | undefined;
  /** uid of a user name, undefined when unknown */
  uidOf(user: string): number | undefined;
  /** primary gid of a user (default: the uid) */
  gidOf?(user: string): number | undefined;
  /** lstat (default: stat) */
  lstat?(p: string): fs.Stats | undefined;
}

export const realHost: HostView = {
  interfaces: () => {
    try {
      return new Set(fs.readdirSync('/sys/class/net'));
    } catch {
      return new Set();
    }
  },
  pathEnv: () => process.env.PATH || '/bin:/usr/bin',
  stat: (p) => {
    try {
      return fs.statSync(p);
    } catch {
      return undefined;
    }
  },
  realpath: (p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  },
  // the runtime's getpwnam (util/script-runner.ts), so -t and the daemon agree
  uidOf: (user) => systemUserDb.user(user)?.uid,
  gidOf: (user) => systemUserDb.user(user)?.gid,
  lstat: (p) => {
    try {
      return fs.lstatSync(p);
    } catch {
      return undefined;
    }
  },
};

/** The file-system view of the shared script security verdict over a HostView. */
function fsViewOf(host: HostView): ScriptFsView {
  return { stat: (p) => host.stat(p), lstat: (p) => (host.lstat ?? host.stat)(p), realpath: (p) => host.realpath(p), pathEnv: () => host.pathEnv() };
}

type Domain = 'vrrp' | 'checker' | 'global';

interface FoundScript {
  script: NotifyScript;
  domain: Domain;
  user?: string;
}

function isScript(v: unknown): v is NotifyScript {
  return !!v && typeof v === 'object' && typeof (v as NotifyScript).command === 'string' && Array.isArray((v as NotifyScript).args) && 'loc' in (v as object);
}

function collect(v: unknown, domain: Domain, out: FoundScript[], user?: string): void {
  if (isScript(v)) {
    out.push({ script: v, domain, user: v.user ?? user });
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, domain, out, user);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // MISC_CHECK carries its user beside its script
    const u = typeof o.user === 'string' && o.type === 'MISC_CHECK' ? o.user : user;
    for (const [k, x] of Object.entries(o)) if (k !== 'loc') collect(x, domain, out, u);
  }
}

export function scriptsOf(c: Config): FoundScript[] {
  const out: FoundScript[] = [];
  collect([c.vrrpScripts, c.vrrpInstances, c.vrrpSyncGroups, c.globalDefs.vrrpNotifyFifo], 'vrrp', out);
  collect([c.virtualServers, c.globalDefs.lvsNotifyFifo], 'checker', out);
  collect([c.globalDefs.notifyFifo], 'vrrp', out);
  collect([c.globalDefs.notifyFifo], 'checker', out);
  collect([c.globalDefs.startupScript, c.globalDefs.shutdownScript], 'global', out);
  return out;
}

/** First word of a script: keepalived splits the command like a shell without expansion. */
function argv0(s: NotifyScript): string {
  return s.args[0] ?? s.command.trim().split(/\s+/)[0] ?? '';
}

export function hostChecks(c: Config, host: HostView = realHost): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const g = c.globalDefs;
  const security = g.enableScriptSecurity;
  const defaultUser = g.scriptUser ?? (host.uidOf('keepalived_script') !== undefined ? 'keepalived_script' : 'root');
  const isScriptIn: Record<Domain, boolean> = { vrrp: false, checker: false, global: false };
  const insecureIn: Record<Domain, boolean> = { vrrp: false, checker: false, global: false };
  const seen = new Set<string>();
  for (const f of scriptsOf(c)) {
    const a0 = argv0(f.script);
    if (!a0) continue;
    // "</dev/tcp/..." only tests that a file opens: nothing is executed
    if (/^<\s*\//.test(a0)) continue;
    let file = a0;
    if (!a0.includes('/')) {
      const hit = host
        .pathEnv()
        .split(':')
        .filter(Boolean)
        .map((d) => path.join(d, a0))
        .find((p) => host.stat(p)?.isFile());
      if (!hit) {
        if (!seen.has(`nf:${a0}`)) diags.push({ severity: 'info', code: 'I_SCRIPT_NOT_FOUND', message: `Cannot find script ${a0} in path - disabling`, loc: f.script.loc });
        seen.add(`nf:${a0}`);
        continue;
      }
      file = hit;
    }
    const real = host.realpath(file);
    const st = real ? host.stat(real) : undefined;
    if (!real || !st) {
      if (!seen.has(`na:${a0}`)) diags.push({ severity: 'info', code: 'I_SCRIPT_NOT_FOUND', message: `Script ${a0} cannot be accessed - disabling`, loc: f.script.loc });
      seen.add(`na:${a0}`);
      continue;
    }
    isScriptIn[f.domain] = true;
    const user = f.user ?? defaultUser;
    const uid = host.uidOf(user);
    if (uid === undefined) {
      diags.push({ severity: 'warning', code: 'W_SCRIPT_USER', message: `script user is ${JSON.stringify(user)}; should be an existing user (script ${a0} disabled)`, loc: f.script.loc });
      continue;
    }
    // lib/notify.c check_script_secure, the same verdict the daemon applies (util/script-security.ts)
    const v = checkScriptSecure(file, uid, host.gidOf?.(user) ?? uid, security, fsViewOf(host));
    if (v.flags & ScriptFlag.NotFound) {
      diags.push({ severity: 'info', code: 'I_SCRIPT_NOT_FOUND', message: `Script ${a0} cannot be accessed - disabling`, loc: f.script.loc });
      continue;
    }
    if (!(v.flags & ScriptFlag.Executable)) {
      diags.push({ severity: 'warning', code: 'W_SCRIPT_NOT_EXECUTABLE', message: `script '${a0}' is not executable for uid ${uid} - disabling.`, loc: f.script.loc });
      continue;
    }
    if (v.flags & ScriptFlag.Insecure) {
      insecureIn[f.domain] = true;
      if (security)
        diags.push({ severity: 'warning', code: 'W_SCRIPT_INSECURE', message: `unsafe permissions found for script '${a0}' (${v.insecurePath ?? file} is writable by a non-root user) - disabling`, loc: f.script.loc });
    }
  }
  if (!security) {
    const text: Record<Domain, string> = { vrrp: 'scripts', checker: 'check scripts', global: 'start/shutdown scripts' };
    for (const d of ['vrrp', 'checker', 'global'] as Domain[]) {
      if (!isScriptIn[d]) continue;
      diags.push({
        severity: 'error',
        code: 'E_SECURITY_SCRIPTS',
        message: `SECURITY VIOLATION - ${text[d]} are being executed but script_security not enabled.${insecureIn[d] ? ' There are insecure scripts.' : ''}`,
        loc: g.loc ?? { file: '', line: 0, col: 0 },
      });
    }
  }

  // Interfaces (keepalived: "interface X for ... doesn't exist" unless dynamic_interfaces)
  const have = host.interfaces();
  const missing = (name: string | undefined, what: string, loc: Diagnostic['loc']): void => {
    if (!name || have.has(name)) return;
    diags.push({
      severity: g.dynamicInterfaces ? 'info' : 'warning',
      code: g.dynamicInterfaces ? 'I_NO_INTERFACE' : 'W_NO_INTERFACE',
      message: `interface ${name} for ${what} doesn't exist`,
      loc,
    });
  };
  for (const vi of c.vrrpInstances) {
    if (!vi.useVmac) missing(vi.interface, `vrrp_instance ${vi.name}`, vi.loc);
    for (const ti of vi.trackInterface) missing(ti.name, `track_interface of ${vi.name}`, ti.loc);
    for (const a of [...vi.virtualIpaddress, ...vi.virtualIpaddressExcluded]) missing(a.dev, `ip address ${a.address}`, a.loc);
    for (const r of vi.virtualRoutes) missing(r.dev, `route ${r.dest}`, r.loc);
  }
  for (const sg of c.vrrpSyncGroups) for (const ti of sg.trackInterface) missing(ti.name, `track_interface of sync group ${sg.name}`, ti.loc);
  for (const a of c.staticIpaddress) missing(a.dev, `ip address ${a.address}`, a.loc);
  for (const r of c.staticRoutes) missing(r.dev, `route ${r.dest}`, r.loc);
  return diags;
}
