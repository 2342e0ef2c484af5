// VRRP notify scripts: keepalived's argument lists (vrrp_notify.c notify_script_exec) and a runner that spawns them without a shell, as their user (util/script-runner.ts), never waiting on them.
import { readFile } from 'node:fs/promises';
import type { NotifyScript } from '../../config/model';
import { currentScriptGate, runScript, userDbFromText, type RunResult, type ScriptError, type ScriptGate } from '../../util/script-runner';

/** States a notify names (keepalived VRRP_STATE_* as printed by notify_script_exec). */
export enum NotifyState {
  Master = 'MASTER',
  Backup = 'BACKUP',
  Fault = 'FAULT',
  Stop = 'STOP',
  Deleted = 'DELETED',
}

export interface ScriptSet {
  notifyMaster?: NotifyScript;
  notifyBackup?: NotifyScript;
  notifyFault?: NotifyScript;
  notifyStop?: NotifyScript;
  notifyDeleted?: NotifyScript;
  notify?: NotifyScript;
}

/** One process to start: argv without a shell, and the user/group to run it as. */
export interface NotifyCommand {
  file: string;
  args: string[];
  user?: string;
  group?: string;
  /** keepalived runs notify_stop (and the generic notify for STOP) synchronously with a 1 s limit at shutdown */
  waitMs?: number;
}

/** keepalived splits the script like a shell without expansion; `args` already holds the words. */
export function argvOf(s: NotifyScript): string[] {
  return s.args.length ? [...s.args] : s.command.trim().split(/\s+/).filter(Boolean);
}

function command(s: NotifyScript, extra: string[], def: { user?: string; group?: string }, waitMs?: number): NotifyCommand | undefined {
  const argv = [...argvOf(s), ...extra];
  const file = argv.shift();
  if (!file) return undefined;
  const user = s.user ?? def.user;
  const group = s.group ?? (s.user ? undefined : def.group);
  return { file, args: argv, ...(user ? { user } : {}), ...(group ? { group } : {}), ...(waitMs ? { waitMs } : {}) };
}

/**
 * The commands keepalived runs for a state change (vrrp_notify.c send_instance_notifies / send_group_notifies):
 * first the state's own notify_* script with its own arguments only, then the generic `notify` script with
 * `{INSTANCE|GROUP} NAME STATE PRIORITY` appended (priority 0 for a group). Without notify_deleted, DELETED is
 * reported as FAULT (backward compatibility).
 */
export function notifyCommands(
  scripts: ScriptSet,
  type: 'INSTANCE' | 'GROUP',
  name: string,
  state: NotifyState,
  priority: number,
  defaults: { user?: string; group?: string } = {},
): NotifyCommand[] {
  let st = state;
  if (st === NotifyState.Deleted && !scripts.notifyDeleted) st = NotifyState.Fault;
  const own: Record<NotifyState, NotifyScript | undefined> = {
    [NotifyState.Master]: scripts.notifyMaster,
    [NotifyState.Backup]: scripts.notifyBackup,
    [NotifyState.Fault]: scripts.notifyFault,
    [NotifyState.Stop]: scripts.notifyStop,
    [NotifyState.Deleted]: scripts.notifyDeleted,
  };
  const waitMs = st === NotifyState.Stop ? 1000 : undefined;
  const out: NotifyCommand[] = [];
  const s = own[st];
  if (s) {
    const c = command(s, [], defaults, waitMs);
    if (c) out.push(c);
  }
  if (scripts.notify) {
    const c = command(scripts.notify, [type, name, st, String(type === 'GROUP' ? 0 : priority)], defaults, waitMs);
    if (c) out.push(c);
  }
  return out;
}

export interface Ids {
  uid: number;
  gid: number;
}

/** getpwnam/getgrnam from /etc/passwd and /etc/group (numeric names are taken as ids); the shared rules of util/script-runner.ts. */
export async function resolveIds(user: string | undefined, group: string | undefined, read = (p: string) => readFile(p, 'utf8')): Promise<Partial<Ids>> {
  const out: Partial<Ids> = {};
  if (!user && !group) return out;
  const db = userDbFromText(user ? await read('/etc/passwd') : '', group ? await read('/etc/group') : '');
  if (user) {
    const u = db.user(user);
    if (!u) throw new NotifyError('resolve user', user, 'ENOENT', `user ${user} does not exist; should be in /etc/passwd`);
    out.uid = u.uid;
    out.gid = u.gid;
  }
  if (group) {
    const g = db.group(group);
    if (g === undefined) throw new NotifyError('resolve group', group, 'ENOENT', `group ${group} does not exist; should be in /etc/group`);
    out.gid = g;
  }
  return out;
}

export class NotifyError extends Error {
  constructor(
    readonly operation: string,
    readonly object: string,
    readonly code: string,
    message: string,
  ) {
    super(`${operation} ${object}: ${message}`);
    this.name = 'NotifyError';
  }
}

export type { RunResult };

/**
 * Starts a command without a shell, as its user (script-runner.ts: script_user / keepalived_script defaults and, per
 * configuration, keepalived's script security verdict). Resolves when it exits (or is SIGKILLed, with its process
 * group, after `timeoutMs`); callers that must not wait simply do not await it. A refused script or a spawn error
 * rejects with NotifyError (code ENOENT, EACCES, EINSECURE, ENOUSER, ENODEFAULTUSER, ...).
 */
export async function runCommand(c: NotifyCommand, timeoutMs?: number, gate: ScriptGate = currentScriptGate()): Promise<RunResult> {
  const p = gate.prepare([c.file, ...c.args], c.user, c.group, 'notify script');
  if (!p.ok) throw new NotifyError('run', c.file, p.code, p.reason);
  try {
    return await runScript(p.script.argv, p.script.ids, { timeoutMs, graceMs: 0 });
  } catch (e) {
    const err = e as ScriptError;
    throw new NotifyError('run', c.file, err.code ?? 'ESPAWN', err.message);
  }
}
