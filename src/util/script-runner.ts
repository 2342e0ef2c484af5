// Runs keepalived's scripts (MISC_CHECK, vrrp_script, notify_*, notify_up/down, quorum_up/down) as their user:
// the user/default-user rules of lib/notify.c (script_user, else keepalived_script, else root), the script security
// verdict (script-security.ts), and spawning as keepalived's system_call_script does (uid/gid, supplementary groups
// dropped, own process group, cwd /, stdio to /dev/null; SIGTERM then SIGKILL to the group on timeout).
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { checkScriptSecure, realScriptFs, ScriptFlag, scriptRunnable, type ScriptFsView } from './script-security';

/** The user a script runs as. */
export interface ScriptIds {
  uid: number;
  gid: number;
  /** user name as configured (or keepalived_script / "root" for the defaults) */
  user: string;
}

/** global_defs keys that decide how scripts run. */
export interface ScriptPolicy {
  /** enable_script_security */
  security: boolean;
  /** script_user [group] */
  scriptUser?: string;
  scriptGroup?: string;
}

export function scriptPolicyOf(g: { enableScriptSecurity?: boolean; scriptUser?: string; scriptGroup?: string }): ScriptPolicy {
  return { security: !!g.enableScriptSecurity, ...(g.scriptUser ? { scriptUser: g.scriptUser } : {}), ...(g.scriptGroup ? { scriptGroup: g.scriptGroup } : {}) };
}

export class ScriptError extends Error {
  constructor(
    readonly code: string,
    readonly operation: string,
    readonly object: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** getpwnam / getgrnam. */
export interface UserDb {
  user(name: string): { uid: number; gid: number } | undefined;
  group(name: string): number | undefined;
}

/** The default script user of keepalived (lib/notify.c get_default_script_user). */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

function rowsOf(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function readDb(file: string): string[][] {
  try {
    return rowsOf(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

function dbOf(passwd: () => string[][], group: () => string[][]): UserDb {
  return {
    user: (name) => {
      const f = passwd().find((r) => r[0] === name);
      if (f) return { uid: Number(f[2]), gid: Number(f[3]) };
      return /^\d+$/.test(name) ? { uid: Number(name), gid: Number(name) } : undefined;
    },
    group: (name) => {
      const f = group().find((r) => r[0] === name);
      if (f) return Number(f[2]);
      return /^\d+$/.test(name) ? Number(name) : undefined;
    },
  };
}

/** A UserDb over the text of passwd and group files. */
export function userDbFromText(passwd: string, group: string): UserDb {
  const p = rowsOf(passwd);
  const g = rowsOf(group);
  return dbOf(() => p, () => g);
}

/** /etc/passwd and /etc/group, re-read when they change. Numeric names are taken as ids (an extension). */
export function fileUserDb(passwd = '/etc/passwd', group = '/etc/group'): UserDb {
  const cache = new Map<string, { mtimeMs: number; rows: string[][] }>();
  const rows = (file: string): string[][] => {
    const m = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    const c = cache.get(file);
    if (c && c.mtimeMs === m) return c.rows;
    const r = readDb(file);
    cache.set(file, { mtimeMs: m, rows: r });
    return r;
  };
  return dbOf(() => rows(passwd), () => rows(group));
}

export const systemUserDb: UserDb = fileUserDb();

const ourUid = (): number => (typeof process.getuid === 'function' ? process.getuid() : 0);
const ourGid = (): number => (typeof process.getgid === 'function' ? process.getgid() : 0);

/** lib/notify.c set_uid_gid(): the user's uid and primary gid, or the named group's gid. */
function lookup(user: string, group: string | undefined, db: UserDb): ScriptIds {
  const u = db.user(user);
  if (!u) throw new ScriptError('ENOUSER', 'resolve user', user, `script user '${user}' does not exist; should be a user in /etc/passwd`);
  let gid = u.gid;
  if (group) {
    const g = db.group(group);
    if (g === undefined) throw new ScriptError('ENOGROUP', 'resolve group', group, `script group '${group}' does not exist; should be a group in /etc/group`);
    gid = g;
  }
  return { uid: u.uid, gid, user };
}

export interface ResolvedIds extends ScriptIds {
  /** true when neither the script, script_user nor keepalived_script named a user: it runs as the daemon's user */
  fellBack?: boolean;
}

/**
 * The uid:gid a script runs as (notify_script_init / misc_user_handler / vrrp_vscript_user_handler):
 * its own `user [group]`; else global `script_user [group]`; else keepalived_script if that user exists; else the
 * daemon's own uid:gid (root) - but with enable_script_security a missing keepalived_script is an error and the
 * script is not run ("Unable to set default user keepalived_script for script").
 */
export function resolveScriptIds(user: string | undefined, group: string | undefined, policy: ScriptPolicy, db: UserDb = systemUserDb): ResolvedIds {
  if (user) return lookup(user, group, db);
  if (policy.scriptUser) return lookup(policy.scriptUser, policy.scriptGroup, db);
  const d = db.user(DEFAULT_SCRIPT_USER);
  if (d) return { uid: d.uid, gid: d.gid, user: DEFAULT_SCRIPT_USER };
  if (policy.security)
    throw new ScriptError('ENODEFAULTUSER', 'resolve user', DEFAULT_SCRIPT_USER, `Unable to set default user ${DEFAULT_SCRIPT_USER} for script (enable_script_security is set; should create user ${DEFAULT_SCRIPT_USER} or set script_user)`);
  return { uid: ourUid(), gid: ourGid(), user: ourUid() === 0 ? 'root' : String(ourUid()), fellBack: true };
}

/**
 * spawn() options of system_call_script / set_script_env: setgid, setgroups (libuv drops every supplementary group
 * when uid/gid are given; keepalived leaves only the gid, which grants the same access), setuid; a new process group
 * (setsid) so a timeout can kill the script's children; cwd "/" (keepalived chdir()s there); stdio to /dev/null.
 */
export function scriptSpawnOptions(ids: ScriptIds | undefined): SpawnOptions {
  const o: SpawnOptions = { stdio: 'ignore', detached: true, cwd: '/' };
  // A non-root daemon can only run scripts as itself; passing its own ids would make setgroups() fail silently anyway.
  if (ids && (ourUid() === 0 || ids.uid !== ourUid() || ids.gid !== ourGid())) {
    o.uid = ids.uid;
    o.gid = ids.gid;
  }
  return o;
}

export interface RunOptions {
  /** time limit; then SIGTERM to the process group, and SIGKILL `graceMs` later (0: SIGKILL at once) */
  timeoutMs?: number;
  graceMs?: number;
  /** aborting acts like the timeout */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/** keepalived's SIGTERM -> SIGKILL interval for timed-out scripts (check_misc.c, vrrp_scheduler.c: 2 s). */
export const SCRIPT_KILL_GRACE_MS = 2000;

/**
 * Spawns argv (no shell) with scriptSpawnOptions(ids) and resolves when it exits. On timeout or abort the process
 * group gets SIGTERM, then SIGKILL; after a forced end the group is SIGKILLed again so no grandchild survives.
 * Spawn errors reject with ScriptError('ESPAWN').
 */
export function runScript(argv: readonly string[], ids: ScriptIds | undefined, o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const file = argv[0];
    if (!file) return reject(new ScriptError('EEMPTY', 'run', '', 'script command is empty; should name a program'));
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(file, argv.slice(1), scriptSpawnOptions(ids));
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* ESRCH: gone */
      }
    };
    const expire = (): void => {
      if (timedOut) return;
      timedOut = true;
      const grace = o.graceMs ?? SCRIPT_KILL_GRACE_MS;
      if (grace <= 0) return killGroup('SIGKILL');
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), grace);
    };
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', expire);
    };
    if (o.timeoutMs !== undefined && o.timeoutMs > 0) timer = setTimeout(expire, o.timeoutMs);
    if (o.signal) {
      if (o.signal.aborted) queueMicrotask(expire);
      else o.signal.addEventListener('abort', expire, { once: true });
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(new ScriptError(e.code ?? 'ESPAWN', 'run', file, `could not run ${file}: ${e.code ?? e.message}`));
    });
    child.once('exit', (code, sig) => {
      cleanup();
      if (timedOut) killGroup('SIGKILL');
      resolve({ code, signal: sig, timedOut });
    });
  });
}

/** A script ready to run: resolved argv and its user. */
export interface PreparedScript {
  argv: string[];
  ids: ScriptIds;
}

export type Prepared = { ok: true; script: PreparedScript } | { ok: false; code: string; reason: string };

export type ScriptLog = (level: 'info' | 'warn', message: string) => void;

/**
 * Decides once per configuration (keepalived checks scripts when it loads its configuration) whether and how each
 * script runs: its user, then check_script_secure. Refusals are logged once, with the reason.
 */
export class ScriptGate {
  private cache = new Map<string, Prepared>();
  private warnedFallback = false;

  constructor(
    readonly policy: ScriptPolicy,
    private log: ScriptLog = () => undefined,
    private readonly db: UserDb = systemUserDb,
    private readonly fsv: ScriptFsView = realScriptFs,
  ) {}

  /** Forget earlier verdicts (a reload checks every script again). */
  reset(log?: ScriptLog): void {
    this.cache.clear();
    this.warnedFallback = false;
    if (log) this.log = log;
  }

  prepare(argv: readonly string[], user?: string, group?: string, what = 'script'): Prepared {
    const key = JSON.stringify([what, argv, user ?? null, group ?? null]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = this.decide(argv, user, group, what);
    this.cache.set(key, r);
    return r;
  }

  private decide(argv: readonly string[], user: string | undefined, group: string | undefined, what: string): Prepared {
    const a0 = argv[0];
    if (!a0) return { ok: false, code: 'EEMPTY', reason: `${what} command is empty` };
    let ids: ResolvedIds;
    try {
      ids = resolveScriptIds(user, group, this.policy, this.db);
    } catch (e) {
      const err = e as ScriptError;
      const reason = `${what} ${a0} not run: ${err.message}`;
      this.log('warn', reason);
      return { ok: false, code: err.code, reason };
    }
    if (ids.fellBack && !this.warnedFallback) {
      this.warnedFallback = true;
      this.log('warn', `default script user ${DEFAULT_SCRIPT_USER} does not exist; scripts without a user run as ${ids.user} (uid ${ids.uid}); create ${DEFAULT_SCRIPT_USER} or set script_user`);
    }
    const v = checkScriptSecure(a0, ids.uid, ids.gid, this.policy.security, this.fsv);
    for (const m of v.messages) this.log('info', m);
    if (!scriptRunnable(v.flags)) {
      const why = v.insecurePath
        ? `${v.insecurePath} is writable by a non-root user and enable_script_security is set`
        : v.messages[v.messages.length - 1] ?? 'not runnable';
      const reason = `${what} ${a0} disabled (uid:gid ${ids.uid}:${ids.gid}): ${why}`;
      this.log('warn', reason);
      const code = v.insecurePath ? 'EINSECURE' : v.flags & ScriptFlag.NotFound ? 'ENOENT' : v.flags & ScriptFlag.Executable ? 'EINHIBIT' : 'EACCES';
      return { ok: false, code, reason };
    }
    return { ok: true, script: { argv: [v.file, ...argv.slice(1)], ids } };
  }
}

const gates = new Map<string, ScriptGate>();
let current = new ScriptGate({ security: false });

/** The gate for a policy (one per distinct policy, so repeated lookups share their verdicts). */
export function scriptGateFor(policy: ScriptPolicy): ScriptGate {
  const k = JSON.stringify(policy);
  let g = gates.get(k);
  if (!g) {
    g = new ScriptGate(policy);
    gates.set(k, g);
  }
  return g;
}

/**
 * Called by each subsystem when it starts or reloads: the global_defs script policy for this process, verdicts
 * forgotten, refusals logged through `log`. Returns the gate now in force.
 */
export function configureScripts(g: { enableScriptSecurity?: boolean; scriptUser?: string; scriptGroup?: string }, log?: ScriptLog): ScriptGate {
  current = scriptGateFor(scriptPolicyOf(g));
  current.reset(log);
  return current;
}

/** The gate of the configuration in force (security off and no script_user until configureScripts is called). */
export function currentScriptGate(): ScriptGate {
  return current;
}
