// The parent's supervisor of the VRRP and checkers child processes (keepalived core/main.c, vrrp_daemon.c,
// check_daemon.c): starts them, respawns one that dies with keepalived's backoff, asks them over IPC, stops them.
import { EventEmitter } from 'events';
import type { Logger } from '../util/log';
import type { Metrics } from './metrics';
import { CHILD_ROLES, ChildRole, IpcRequester, OpResults, ParentMessage, ROLE_NAME, RequestOp, parseChildMessage, ReloadResult } from './ipc';
import { ExitVerdict, RestartBackoff, describeExit, exitVerdict, restartDelay } from './supervisor-policy';

/** What the supervisor needs of a child process (child_process.ChildProcess fits; tests use a fake). */
export interface ChildLike {
  readonly pid?: number | undefined;
  send(m: ParentMessage): boolean;
  kill(signal: NodeJS.Signals): boolean;
  on(ev: 'message', fn: (m: unknown) => void): unknown;
  on(ev: 'exit', fn: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
}

export type SpawnChild = (role: ChildRole) => ChildLike;

/** keepalived's names in its messages ("Starting VRRP child process", "Healthcheck child process(…) died"). */
const KA_NAME: Record<ChildRole, string> = { [ChildRole.Vrrp]: 'VRRP', [ChildRole.Checkers]: 'Healthcheck' };

export interface SupervisorOptions {
  spawn: SpawnChild;
  log: Logger;
  metrics: Metrics;
  /** -R: a child that dies is not respawned; the parent stops */
  dontRespawn: boolean;
  /** default timeout of a request (state, metrics) in ms */
  requestTimeoutMs: number;
  now?: () => number;
}

export interface ChildInfo {
  pid: number | null;
  up: boolean;
  ready: boolean;
  restarts: number;
  startedAt: string | null;
}

export interface Answer<O extends RequestOp> {
  role: ChildRole;
  pid: number | null;
  result?: OpResults[O];
  error?: Error;
}

interface Slot {
  role: ChildRole;
  proc?: ChildLike;
  requester?: IpcRequester;
  ready: boolean;
  everReady: boolean;
  restarts: number;
  backoff: RestartBackoff;
  startedAt?: string;
  timer?: NodeJS.Timeout;
  /** the child said it stops on a signal sent to it directly */
  selfStop: boolean;
  exited?: Promise<void>;
}

/**
 * Events: 'ready' (every started child ready, once), 'child-ready' (role, pid, restarted), 'reloaded' (role, result: a
 * reload the child did on its own SIGHUP), 'fatal' (exit code: the parent must stop).
 */
export class Supervisor extends EventEmitter {
  private readonly slots = new Map<ChildRole, Slot>();
  private stopping = false;
  private readyEmitted = false;
  private readonly now: () => number;

  constructor(private readonly o: SupervisorOptions) {
    super();
    this.now = o.now ?? Date.now;
  }

  /** Children running or being respawned, in keepalived's order. */
  roles(): ChildRole[] {
    return CHILD_ROLES.filter((r) => this.slots.has(r));
  }

  /** Starts the children not already there (at start, and when a reload brings a configuration for one). */
  start(roles: readonly ChildRole[]): ChildRole[] {
    if (this.stopping) return [];
    const added: ChildRole[] = [];
    for (const role of CHILD_ROLES) {
      if (!roles.includes(role) || this.slots.has(role)) continue;
      const slot: Slot = { role, ready: false, everReady: false, restarts: 0, backoff: { startedAt: this.now(), nextDelayS: 0 }, selfStop: false };
      this.slots.set(role, slot);
      this.spawn(slot);
      added.push(role);
    }
    return added;
  }

  private spawn(slot: Slot): void {
    const role = slot.role;
    const log = this.o.log;
    slot.timer = undefined;
    slot.ready = false;
    slot.selfStop = false;
    let proc: ChildLike;
    try {
      proc = this.o.spawn(role);
    } catch (e) {
      log.error({ err: e, child: ROLE_NAME[role] }, `${KA_NAME[role]} child process: fork error`);
      this.scheduleRespawn(slot, null, null);
      return;
    }
    slot.proc = proc;
    slot.backoff = { ...slot.backoff, startedAt: this.now() };
    slot.startedAt = new Date().toISOString();
    const requester = new IpcRequester(ROLE_NAME[role], (m) => proc.send(m));
    slot.requester = requester;
    log.info({ child: ROLE_NAME[role], pid: proc.pid }, `Starting ${KA_NAME[role]} child process, pid=${proc.pid}`);
    this.o.metrics.childUp.set({ child: ROLE_NAME[role] }, 1);
    proc.on('message', (raw) => {
      const m = parseChildMessage(raw);
      if (!m) {
        log.warn({ child: ROLE_NAME[role] }, 'unexpected message from child ignored');
        return;
      }
      if (m.kind === 'reply') requester.handleReply(m);
      else if (m.kind === 'stopping') slot.selfStop = true;
      else if (m.kind === 'reloaded') this.emit('reloaded', role, m.result);
      else if (m.kind === 'ready' && slot.proc === proc) {
        const restarted = slot.everReady;
        slot.ready = true;
        slot.everReady = true;
        this.emit('child-ready', role, m.pid, restarted);
        if (!this.readyEmitted && [...this.slots.values()].every((s) => s.everReady)) {
          this.readyEmitted = true;
          this.emit('ready');
        }
      }
    });
    slot.exited = new Promise<void>((resolve) => {
      let gone = false;
      const onGone = (code: number | null, signal: string | null): void => {
        if (gone) return;
        gone = true;
        requester.failAll(describeExit(code, signal));
        if (slot.proc === proc) {
          slot.proc = undefined;
          slot.requester = undefined;
          slot.ready = false;
          this.o.metrics.childUp.set({ child: ROLE_NAME[role] }, 0);
          this.onExit(slot, proc.pid ?? null, code, signal);
        }
        resolve();
      };
      proc.on('exit', onGone);
      proc.on('error', (e) => {
        log.warn({ err: e, child: ROLE_NAME[role] }, 'child process error');
        // a fork that failed (EAGAIN, ENOMEM) has no pid and may never emit 'exit'
        if (proc.pid === undefined) onGone(null, null);
      });
    });
  }

  private onExit(slot: Slot, pid: number | null, code: number | null, signal: string | null): void {
    const role = slot.role;
    const log = this.o.log;
    const verdict = exitVerdict({ stopping: this.stopping, code, signal, dontRespawn: this.o.dontRespawn, firstStart: !slot.everReady && slot.restarts === 0 });
    const fields = { child: ROLE_NAME[role], pid, code, signal };
    switch (verdict) {
      case ExitVerdict.Expected:
        log.info(fields, `${KA_NAME[role]} child process(${pid}) ${describeExit(code, signal)}`);
        return;
      case ExitVerdict.Permanent:
        log.fatal(fields, `${KA_NAME[role]} child process(${pid}) exited with permanent error ${code === 2 ? 'CONFIG' : 'missing permission'}. Terminating`);
        this.emit('fatal', 1);
        return;
      case ExitVerdict.StopAll:
        log.fatal(fields, `${KA_NAME[role]} child process(${pid}) died: Exiting`);
        this.emit('fatal', 1);
        return;
      case ExitVerdict.Respawn:
        log.error(fields, `${KA_NAME[role]} child process(${pid}) ${describeExit(code, signal)}; respawning`);
        this.scheduleRespawn(slot, code, signal);
    }
  }

  private scheduleRespawn(slot: Slot, _code: number | null, _signal: string | null): void {
    const { delayS, next } = restartDelay(slot.backoff, this.now());
    slot.backoff = next;
    // a child stopped by a signal sent to it directly may be part of a signal to the whole group (^C, systemd):
    // give the parent's own handler a second before the respawn
    const wait = Math.max(delayS, slot.selfStop ? 1 : 0);
    if (delayS > 0) this.o.log.warn({ child: ROLE_NAME[slot.role] }, `Restart of ${KA_NAME[slot.role]} process delayed ${delayS} seconds to limit respawn rate`);
    const go = (): void => {
      if (this.stopping || !this.slots.has(slot.role)) return;
      slot.restarts++;
      this.o.metrics.childRestarts.inc({ child: ROLE_NAME[slot.role] });
      this.spawn(slot);
    };
    if (wait === 0) go();
    else {
      slot.timer = setTimeout(go, wait * 1000);
      slot.timer.unref();
    }
  }

  /** Asks every running child; each answer carries its result or why there is none (never rejects). */
  async ask<O extends RequestOp>(op: O, timeoutMs = this.o.requestTimeoutMs): Promise<Answer<O>[]> {
    return Promise.all(
      this.roles().map(async (role): Promise<Answer<O>> => {
        const s = this.slots.get(role)!;
        const pid = s.proc?.pid ?? null;
        if (!s.proc || !s.requester || !s.ready) return { role, pid, error: new Error(s.proc ? 'starting' : 'not running (respawn pending)') };
        try {
          return { role, pid, result: await s.requester.request(op, timeoutMs) };
        } catch (e) {
          return { role, pid, error: e as Error };
        }
      }),
    );
  }

  /** Reload of every running child (each re-reads the file; a broken one is rejected by each). */
  reload(timeoutMs: number): Promise<Answer<'reload'>[]> {
    return this.ask('reload', timeoutMs);
  }

  info(): Record<string, ChildInfo> {
    const out: Record<string, ChildInfo> = {};
    for (const role of this.roles()) {
      const s = this.slots.get(role)!;
      out[ROLE_NAME[role]] = { pid: s.proc?.pid ?? null, up: !!s.proc, ready: s.ready, restarts: s.restarts, startedAt: s.startedAt ?? null };
    }
    return out;
  }

  pid(role: ChildRole): number | undefined {
    return this.slots.get(role)?.proc?.pid;
  }

  /**
   * keepalived sigend: SIGTERM to every child (VRRP first), wait up to `timeoutMs` in all, then SIGKILL those left
   * ("failed to die - forcing termination"). Returns the roles that had to be killed.
   */
  async stop(timeoutMs: number): Promise<ChildRole[]> {
    this.stopping = true;
    const live = this.roles()
      .map((r) => this.slots.get(r)!)
      .filter((s) => {
        if (s.timer) clearTimeout(s.timer);
        return !!s.proc;
      });
    for (const s of live) s.proc!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([Promise.all(live.map((s) => s.exited)), timeout]);
    clearTimeout(timer);
    const forced = live.filter((s) => s.proc);
    for (const s of forced) {
      this.o.log.warn({ child: ROLE_NAME[s.role], pid: s.proc!.pid }, `${ROLE_NAME[s.role]} process failed to die - forcing termination`);
      s.proc!.kill('SIGKILL');
    }
    await Promise.all(forced.map((s) => s.exited));
    return forced.map((s) => s.role);
  }
}

export type { ReloadResult };
