// CheckScheduler's public types: its options, the events it emits, a checker's status, the timeout error.
import type { CheckerKind, CheckFn, CheckResult, CheckStartFn, TargetOf } from './types';
import type { Transition } from './policy';
import type { Clock } from './clock';

export class CheckTimeoutError extends Error {
  readonly code = 'ECHECKTIMEOUT';
  constructor(ms: number) {
    super(`check timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** A checker's state change, emitted once per configured checker id (fan-out of a shared job). */
export interface CheckerStateEvent {
  id: string;
  jobKey: string;
  kind: CheckerKind;
  up: boolean;
  transition: Transition;
  /** false when the checker was already in this state (first run confirming the initial state, keepalived logs it too). */
  changed: boolean;
  message: string;
  at: number;
}

/** A weight change from MISC_CHECK misc_dynamic (absolute `weight`) or FILE_CHECK (`weightDelta`). */
export interface CheckerWeightEvent {
  id: string;
  jobKey: string;
  weight?: number;
  weightDelta?: number;
  at: number;
}

export interface CheckerAttemptEvent {
  jobKey: string;
  ids: string[];
  result: CheckResult;
  retrying: boolean;
  at: number;
}

export interface CheckerLogEvent {
  jobKey: string;
  message: string;
  at: number;
}

export interface CheckerStatus {
  id: string;
  jobKey: string;
  up: boolean;
  hasRun: boolean;
  retryIt: number;
  running: boolean;
  nextRunAt: number | undefined;
  lastResult?: CheckResult;
  weight?: number;
  weightDelta?: number;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** Uniform random in [0, 1) for warmup. */
  random?: () => number;
  /** Checker implementation per kind; default: the modules in src/check. */
  checkers?: Partial<Record<CheckerKind, CheckFn>>;
  /**
   * Callback-form checkers tried before `checkers` (no AbortController or promise per attempt); default: TCP_CHECK's
   * when `checkers` is not given, none otherwise (an injected checker is always the one that runs).
   */
  starters?: Partial<Record<CheckerKind, CheckStartFn>>;
  /** Maximum attempts in flight (default 1024; each holds a socket or a process). Due jobs wait in FIFO order. */
  maxConcurrent?: number;
  /** FILE_CHECK initial state, read synchronously when the checker is added; default: file.ts probeFile. */
  probeFile?: (target: TargetOf<CheckerKind.File>) => CheckResult;
  /** FILE_CHECK change notifications; default: file.ts watchTrackedFile. Returns an unsubscribe function. */
  watchFile?: (path: string, onChange: () => void) => () => void;
  /**
   * HTTP_GET/SSL_GET with several url blocks: 'one' (default, keepalived's behaviour) checks one url per attempt and
   * moves to the next url after delay_loop; 'all' checks every url in each attempt (faster detection, more requests).
   */
  httpUrlsPerAttempt?: 'one' | 'all';
  /** After a timeout aborts an attempt, how long to wait for the checker's own verdict before failing it (default 3000). */
  abortGraceMs?: number;
  /** Wake-up coalescing: jobs due within this many ms after the earliest one run together (default 0 = exact). */
  timerSlackMs?: number;
}
