// Pure per-checker up/down and retry state machine, transcribing each keepalived 2.2.7 checker's epilog (check_*.c).
// step(kind, timing, state, ok) -> next state, delay to the next attempt, and the transition with keepalived's log line.

import { CheckerKind, CheckTiming } from './types';

/**
 * How a checker kind retries. keepalived's checkers differ in small ways:
 * - Always   (check_tcp.c tcp_epilog): retries after any failure, also while already down.
 * - WhileUp  (check_udp.c udp_epilog, check_ping.c icmp_epilog, check_dns.c dns_final, check_misc.c): retries only while up;
 *            a down checker is re-tried every delay_loop.
 * - PerCycle (check_smtp.c smtp_final / smtp_start_check_thread): retry_it is reset at every delay_loop cycle, so
 *            every cycle (also the first, and while down) gets `retry` retries.
 * - Http     (check_http.c epilog / timeout_epilog): retries while up; once down (failed_url) the next attempt is after
 *            max(delay_before_retry, delay_loop).
 * - File     (trackers/track_file.c): no retries; every change of the file is applied at once.
 */
export enum RetryStyle {
  Always = 'always',
  WhileUp = 'while-up',
  PerCycle = 'per-cycle',
  Http = 'http',
  File = 'file',
}

export function retryStyle(kind: CheckerKind): RetryStyle {
  switch (kind) {
    case CheckerKind.Tcp:
      return RetryStyle.Always;
    case CheckerKind.Smtp:
      return RetryStyle.PerCycle;
    case CheckerKind.HttpGet:
    case CheckerKind.SslGet:
      return RetryStyle.Http;
    case CheckerKind.File:
      return RetryStyle.File;
    case CheckerKind.Udp:
    case CheckerKind.Ping:
    case CheckerKind.Dns:
    case CheckerKind.Misc:
      return RetryStyle.WhileUp;
  }
}

/** keepalived checker_t fields that drive the machine. */
export interface CheckerState {
  isUp: boolean;
  hasRun: boolean;
  retryIt: number;
  /** HTTP_GET/SSL_GET: index of the url block checked next (check_http.c url_it). */
  urlIt?: number;
  /** HTTP_GET/SSL_GET: index of the url that brought the checker down (failed_url); only it is re-checked. */
  failedUrl?: number;
}

/** HTTP_GET/SSL_GET options of the step function. */
export interface HttpStepOptions {
  /** number of url blocks; each attempt checks one of them (keepalived) */
  urlCount: number;
  fastRecovery?: boolean;
}

export enum Transition {
  Up = 'up',
  Down = 'down',
}

export interface StepOutput {
  state: CheckerState;
  /** Delay until the next attempt, from the end of this one (MISC_CHECK: from its start; the scheduler handles that). */
  delayMs: number;
  /** true when the next attempt is a retry (delay_before_retry). */
  retrying: boolean;
  transition?: Transition;
  /** keepalived's LOG_INFO line for this step, if it logs one. */
  log?: string;
}

/**
 * Initial state (check_data.c validate_check_config): is_up = !alpha, has_run = false and retry_it = retry,
 * so that "for non alpha mode, one failure is enough initially". SMTP resets retry_it when a cycle starts.
 * FILE_CHECK has has_run = true and never alpha (check_file.c add_rs_to_track_files).
 */
export function initialState(kind: CheckerKind, timing: CheckTiming): CheckerState {
  const style = retryStyle(kind);
  if (style === RetryStyle.File) return { isUp: true, hasRun: false, retryIt: 0 };
  const st: CheckerState = {
    isUp: !timing.alpha,
    hasRun: false,
    retryIt: style === RetryStyle.PerCycle ? 0 : timing.retry,
  };
  if (style === RetryStyle.Http) st.urlIt = 0;
  return st;
}

/** Names used in keepalived's log lines. */
function names(kind: CheckerKind): { ok: (l: string) => string; fail: string } {
  switch (kind) {
    case CheckerKind.Tcp:
      return { ok: (l) => `TCP connection to ${l} success.`, fail: 'TCP_CHECK' };
    case CheckerKind.Udp:
      return { ok: (l) => `UDP connection to ${l} success.`, fail: 'UDP_CHECK' };
    case CheckerKind.Ping:
      return { ok: (l) => `ICMP connection to ${l} success.`, fail: 'ICMP CHECK' };
    case CheckerKind.HttpGet:
    case CheckerKind.SslGet:
      return { ok: (l) => `Remote Web server ${l} succeed on service.`, fail: 'HTTP_CHECK' };
    case CheckerKind.Smtp:
      return { ok: (l) => `Remote SMTP server ${l} succeed on service.`, fail: 'SMTP_CHECK' };
    case CheckerKind.Dns:
      return { ok: (l) => `DNS_CHECK (${l}) succeed on service.`, fail: 'DNS_CHECK' };
    case CheckerKind.Misc:
      return { ok: (l) => `Misc check for [${l}] succeeded.`, fail: 'MISC_CHECK' };
    case CheckerKind.File:
      return { ok: (l) => `(${l}): tracked file leaving FAULT state`, fail: 'FILE_CHECK' };
  }
}

function failLog(kind: CheckerKind, label: string, retry: number, hasRun: boolean, reason: string): string {
  const n = names(kind);
  const why = reason ? ` (${reason})` : '';
  if (kind === CheckerKind.Misc) {
    const m = retry ? ` after ${retry} ${retry === 1 ? 'retry' : 'retries'}` : ' with retry disabled';
    if (reason === 'timed out') return `Misc check for [${label}] timed out${m}.`;
    return `Misc check for [${label}] failed${m}${why}.`;
  }
  if (kind === CheckerKind.File) return `(${label}): tracked file now FAULT state${why}`;
  if (kind === CheckerKind.Dns) return `DNS_CHECK (${label}) ${reason || 'failed'}${retry && hasRun ? ` after ${retry} retries` : ''}`;
  // TCP/UDP/ICMP/HTTP lines carry no reason in keepalived; the reason is in the state event's message.
  if (retry && hasRun) return `${n.fail} on service ${label} failed after ${retry} retries.`;
  return `${n.fail} on service ${label} failed.`;
}

/**
 * One attempt finished with `ok`. Returns the next state and when to run next.
 * `reason` is the checker's message, appended to failure logs.
 */
export function step(
  kind: CheckerKind,
  timing: CheckTiming,
  s: CheckerState,
  ok: boolean,
  label: string,
  reason = '',
  http: HttpStepOptions = { urlCount: 1 },
): StepOutput {
  const { retry, delayLoopMs: loop, delayBeforeRetryMs: dbr } = timing;
  const style = retryStyle(kind);
  if (style === RetryStyle.Http) return stepHttp(timing, s, ok, label, http);
  const up = (): StepOutput['transition'] => Transition.Up;
  const down = (): StepOutput['transition'] => Transition.Down;

  if (style === RetryStyle.File) {
    if (ok && (!s.isUp || !s.hasRun))
      return { state: { isUp: true, hasRun: true, retryIt: 0 }, delayMs: loop, retrying: false, transition: s.isUp ? undefined : up(), log: s.isUp ? undefined : names(kind).ok(label) };
    if (!ok && (s.isUp || !s.hasRun))
      return { state: { isUp: false, hasRun: true, retryIt: 0 }, delayMs: loop, retrying: false, transition: down(), log: failLog(kind, label, 0, true, reason) };
    return { state: { ...s, hasRun: true }, delayMs: loop, retrying: false };
  }

  if (ok) {
    // Every epilog: success resets retry_it and, if not up or first run, brings the checker up.
    const changes = !s.isUp || !s.hasRun;
    return {
      state: { isUp: true, hasRun: true, retryIt: 0 },
      delayMs: loop,
      retrying: false,
      transition: changes ? up() : undefined,
      log: changes ? names(kind).ok(label) : undefined,
    };
  }

  switch (style) {
    case RetryStyle.Always: {
      // check_tcp.c tcp_epilog
      if (s.retryIt >= retry) {
        const changes = s.isUp || !s.hasRun;
        return {
          state: { isUp: false, hasRun: true, retryIt: 0 },
          delayMs: loop,
          retrying: false,
          transition: changes ? down() : undefined,
          log: changes ? failLog(kind, label, retry, s.hasRun, reason) : undefined,
        };
      }
      return { state: { ...s, hasRun: true, retryIt: s.retryIt + 1 }, delayMs: dbr, retrying: true };
    }
    case RetryStyle.WhileUp: {
      // check_udp.c udp_epilog / check_ping.c icmp_epilog / check_dns.c dns_final / check_misc.c
      if ((s.isUp || !s.hasRun) && s.retryIt >= retry) {
        return {
          state: { isUp: false, hasRun: true, retryIt: 0 },
          delayMs: loop,
          retrying: false,
          transition: down(),
          log: failLog(kind, label, retry, s.hasRun, reason),
        };
      }
      if (s.isUp) return { state: { ...s, hasRun: true, retryIt: s.retryIt + 1 }, delayMs: dbr, retrying: true };
      return { state: { ...s, hasRun: true }, delayMs: loop, retrying: false };
    }
    case RetryStyle.PerCycle: {
      // check_smtp.c smtp_final: if (++retry_it <= retry) retry after delay_before_retry
      const it = s.retryIt + 1;
      if (it <= retry) return { state: { ...s, retryIt: it }, delayMs: dbr, retrying: true };
      const changes = s.isUp || !s.hasRun;
      // smtp_start_check_thread resets retry_it when the next cycle begins
      return {
        state: { isUp: false, hasRun: true, retryIt: 0 },
        delayMs: loop,
        retrying: false,
        transition: changes ? down() : undefined,
        log: changes ? `SMTP_CHECK ${reason || `on service ${label} failed`}${retry ? ` after ${retry} retries` : ''}` : undefined,
      };
    }
  }
  /* c8 ignore next */
  throw new Error(`unreachable retry style ${String(style)}`);
}

/**
 * HTTP_GET / SSL_GET, transcribing check_http.c epilog() and timeout_epilog(). Each attempt checks ONE url block
 * (url_it); after a success the next url is checked delay_loop later, and the checker comes up only when the last url
 * of a cycle succeeds. A failure while up (or before the first run) is retried after delay_before_retry; after
 * `retry` retries the checker goes down and remembers the failed url, which alone is then re-checked every
 * max(delay_before_retry, delay_loop). When it passes, a full cycle from the first url must pass again.
 * fast_recovery runs the next check at once while the checker has not run yet or is down without a failed url.
 */
export function stepHttp(timing: CheckTiming, s: CheckerState, ok: boolean, label: string, o: HttpStepOptions): StepOutput {
  const loop = timing.delayLoopMs;
  const dbr = timing.delayBeforeRetryMs;
  const n = Math.max(1, o.urlCount);
  let { isUp, hasRun, retryIt } = s;
  let urlIt = s.urlIt ?? 0;
  let failedUrl = s.failedUrl;
  let transition: Transition | undefined;
  let log: string | undefined;
  // timeout_epilog: a checker that is up or has not run retries (and is marked as run); a down one just fails
  const method = ok ? 'new' : isUp || !hasRun ? 'retry' : 'failed';
  if (method === 'retry') hasRun = true;
  let cycleDone = false;
  if (method === 'new') {
    urlIt++;
    if (urlIt >= n) cycleDone = true;
    retryIt = 0;
  } else if (method === 'retry') retryIt++;

  if (method === 'new' && cycleDone && failedUrl === undefined) {
    if (!isUp || !hasRun) {
      transition = Transition.Up;
      log = `Remote Web server ${label} succeed on service.`;
      isUp = true;
      hasRun = true;
    }
    urlIt = 0;
    retryIt = 0;
  } else if (method === 'retry' && retryIt > timing.retry) {
    if (isUp) {
      transition = Transition.Down;
      log = timing.retry
        ? `HTTP_CHECK on service ${label} failed after ${retryIt - 1} retries.`
        : `HTTP_CHECK on service ${label} failed.`;
      isUp = false;
    }
    failedUrl = urlIt;
  } else if (method === 'new' && failedUrl !== undefined) {
    // the failed url passes again: start a full cycle from the first url
    failedUrl = undefined;
    urlIt = 0;
    retryIt = 0;
  } else if (cycleDone) urlIt = 0;

  let delayMs: number;
  if (method === 'new') {
    delayMs = loop;
    if (!hasRun) retryIt = timing.retry;
  } else if (failedUrl !== undefined) delayMs = Math.max(dbr, loop);
  else delayMs = dbr;
  if (o.fastRecovery && (!hasRun || (!isUp && failedUrl === undefined))) delayMs = 0;

  return {
    state: { isUp, hasRun, retryIt, urlIt, failedUrl },
    delayMs,
    retrying: method === 'retry' && failedUrl === undefined,
    transition,
    log,
  };
}

/**
 * Worst-case time from a real server failing to its checker going down (all attempts time out). With HTTP url blocks
 * checked one per delay_loop (keepalived), a url is revisited every urlCount x delay_loop (plus the other urls' time).
 */
export function detectionBoundMs(t: CheckTiming, urlCount = 1): number {
  return Math.max(1, urlCount) * t.delayLoopMs + (t.retry + 1) * t.connectTimeoutMs + t.retry * t.delayBeforeRetryMs;
}
