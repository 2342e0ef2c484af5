// Pure decisions of the parent process: the respawn delay (keepalived lib/scheduler.c calc_restart_delay),
// what a child's exit means (report_child_status), and which children a configuration needs (running_vrrp/_checker).
import type { Config } from '../config/model';
import type { DaemonArgs } from '../cli/args';
import { ChildExit, ChildRole } from './ipc';

export interface RestartBackoff {
  /** when the child was last started (ms) */
  startedAt: number;
  /** the delay the next early death gets (s); 0 at first */
  nextDelayS: number;
}

/**
 * keepalived calc_restart_delay: a child that ran for a minute or more restarts at once and the backoff resets;
 * otherwise it waits the current delay, and the next one is 1 s, then doubles up to 60 s (0, 1, 2, 4 ... 32, 60).
 */
export function restartDelay(b: RestartBackoff, now: number): { delayS: number; next: RestartBackoff } {
  if (now - b.startedAt >= 60_000) return { delayS: 0, next: { startedAt: b.startedAt, nextDelayS: 0 } };
  const delayS = b.nextDelayS;
  const nextDelayS = delayS === 0 ? 1 : delayS > 30 ? 60 : delayS * 2;
  return { delayS, next: { startedAt: b.startedAt, nextDelayS } };
}

export enum ExitVerdict {
  /** the parent is stopping, or asked for it */
  Expected = 'expected',
  Respawn = 'respawn',
  /** -R / --dont-respawn: the parent stops too (keepalived "child process died: Exiting") */
  StopAll = 'stop-all',
  /** CONFIG or MISSING_PERMISSION at first start: keepalived terminates ("exited with permanent error") */
  Permanent = 'permanent',
}

export interface ExitFacts {
  stopping: boolean;
  code: number | null;
  signal: string | null;
  dontRespawn: boolean;
  /** the child never reported ready since the parent started (a respawned child's config error is retried) */
  firstStart: boolean;
}

export function exitVerdict(f: ExitFacts): ExitVerdict {
  if (f.stopping) return ExitVerdict.Expected;
  if (f.firstStart && (f.code === ChildExit.Config || f.code === ChildExit.MissingPermission)) return ExitVerdict.Permanent;
  return f.dontRespawn ? ExitVerdict.StopAll : ExitVerdict.Respawn;
}

/** How an exit reads in the log: "exited with status 3", "exited due to signal 9 (SIGKILL)". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `exited due to signal ${signal}`;
  return code === 0 ? 'exited' : `exited with status ${code}`;
}

/**
 * keepalived's running_vrrp() / running_checker(): a child runs when its mode is on (-P/-C) and the configuration
 * has something for it (vrrp_instance / static_* for VRRP, virtual_server for checkers), or with --all.
 */
export function wantedRoles(config: Config, args: Pick<DaemonArgs, 'vrrpOnly' | 'checkOnly' | 'all'>): ChildRole[] {
  const both = args.vrrpOnly === args.checkOnly;
  const out: ChildRole[] = [];
  const vrrp = config.vrrpInstances.length > 0 || config.staticIpaddress.length > 0 || config.staticRoutes.length > 0 || config.staticRules.length > 0;
  if ((both || args.vrrpOnly) && (vrrp || args.all)) out.push(ChildRole.Vrrp);
  if ((both || args.checkOnly) && (config.virtualServers.length > 0 || args.all)) out.push(ChildRole.Checkers);
  return out;
}
