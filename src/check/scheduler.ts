// One scheduler for all health checkers: a single timer over a min-heap, bounded concurrency, timeouts via AbortSignal,
// keepalived's retry/delay_before_retry/warmup/alpha rules (policy.ts), and deduplication of identical checks.

import { EventEmitter } from 'node:events';
import {
  BOOTSTRAP_DELAY_MS,
  CheckerKind,
  CheckFn,
  CheckResult,
  CheckStartFn,
  CheckTarget,
  TargetOf,
  targetLabel,
} from './types';
import { CheckerState, initialState, retryStyle, RetryStyle, step } from './policy';
import { targetArgv } from './misc';
import { Clock, systemClock } from './clock';
import { Heap, TimerEntry } from './heap';
import {
  CheckerAttemptEvent,
  CheckerLogEvent,
  CheckerStateEvent,
  CheckerStatus,
  CheckerWeightEvent,
  CheckTimeoutError,
  SchedulerOptions,
} from './scheduler-types';

export { CheckTimeoutError } from './scheduler-types';
export type { CheckerAttemptEvent, CheckerLogEvent, CheckerStateEvent, CheckerStatus, CheckerWeightEvent, SchedulerOptions } from './scheduler-types';
import { defaultProbe, defaultWatch, loadDefaultCheckers, loadDefaultStarters, Preloadable } from './default-checkers';

// moved out of this file (they are re-exported so that existing imports keep working)
export { ManualClock, systemClock } from './clock';
export type { Clock } from './clock';
export { loadDefaultCheckers, loadDefaultStarters } from './default-checkers';

interface Job {
  key: string;
  target: CheckTarget;
  label: string;
  ids: Set<string>;
  disabled: Set<string>;
  state: CheckerState;
  running: boolean;
  queued: boolean;
  /** sequence of the live heap entry; stale entries are skipped. */
  dueSeq: number;
  dueAt: number | undefined;
  /** aborts the attempt in flight (its AbortController, or a callback-form checker's abort function) */
  abort?: { abort(reason?: unknown): void };
  lastResult?: CheckResult;
  weight?: number;
  weightDelta?: number;
  unwatch?: () => void;
  removed: boolean;
  /** SMTP: a new cycle starts (retry_it reset) when the next run is not a retry. */
  nextIsRetry: boolean;
  /** FILE_CHECK: the file changed while an attempt was running; run again at once. */
  rerun: boolean;
  /** HTTP one-url-per-attempt: the target narrowed to each url block. */
  urlTargets?: CheckTarget[];
}

type HeapEntry = TimerEntry<Job>;

/**
 * Fields that do not change what is probed or how: excluded from the deduplication key. The probe goes to conn
 * (connect_ip/connect_port), so real servers differing only in their own port share a check when their checkers
 * point at the same endpoint (keepalived issues #2358 "one health check for multiple VIPs with the same real servers"
 * and #2111 "checker merge").
 */
const LABEL_FIELDS = new Set(['rsLabel', 'vsLabel', 'rsAddress', 'rsPort', 'protocol']);

/** Canonical JSON (sorted keys) of the target without labels: equal keys = the same check, run once. */
export function dedupKey(t: CheckTarget): string {
  const canon = (v: unknown, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => canon(x, false));
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) {
        if (top && LABEL_FIELDS.has(k)) continue;
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) o[k] = canon(x, false);
      }
      return o;
    }
    return v;
  };
  return JSON.stringify(canon(t, true));
}

/** Timeout of one attempt: MISC_CHECK misc_timeout (default delay_loop), HTTP connect_timeout per url, else connect_timeout. */
export function attemptTimeoutMs(t: CheckTarget): number {
  if (t.kind === CheckerKind.Misc) return t.misc.miscTimeoutMs || t.timing.delayLoopMs;
  if (t.kind === CheckerKind.HttpGet || t.kind === CheckerKind.SslGet)
    return t.timing.connectTimeoutMs * Math.max(1, t.http.urls.length);
  return t.timing.connectTimeoutMs;
}

export declare interface CheckScheduler {
  on(event: 'state', l: (e: CheckerStateEvent) => void): this;
  on(event: 'weight', l: (e: CheckerWeightEvent) => void): this;
  on(event: 'attempt', l: (e: CheckerAttemptEvent) => void): this;
  on(event: 'log', l: (e: CheckerLogEvent) => void): this;
}

/**
 * Owns every checker's timing. add() registers a configured checker under a unique id; identical targets share one job.
 * Events: 'state' (per id, on up/down transitions), 'weight', 'attempt' (per job, every attempt), 'log' (keepalived lines).
 */
export class CheckScheduler extends EventEmitter {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly maxConcurrent: number;
  private readonly slack: number;
  private readonly abortGraceMs: number;
  private readonly httpOne: boolean;
  private watchFile?: (path: string, onChange: () => void) => () => void;
  private probeFile?: (target: TargetOf<CheckerKind.File>) => CheckResult;
  private checkers: Partial<Record<CheckerKind, CheckFn>>;
  private starters: Partial<Record<CheckerKind, CheckStartFn>>;
  private jobs = new Map<string, Job>();
  private byId = new Map<string, Job>();
  private heap = new Heap<HeapEntry>();
  private ready: Job[] = [];
  private inflight = 0;
  private seq = 0;
  private timer: unknown;
  private timerDue = Infinity;
  private started = false;
  /** incremented by stop(): results of attempts launched before are discarded */
  private epoch = 0;

  constructor(opts: SchedulerOptions = {}) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 1024);
    this.slack = Math.max(0, opts.timerSlackMs ?? 0);
    this.abortGraceMs = Math.max(0, opts.abortGraceMs ?? 3000);
    this.httpOne = (opts.httpUrlsPerAttempt ?? 'one') === 'one';
    this.checkers = opts.checkers ?? {};
    this.starters = opts.starters ?? (opts.checkers ? {} : loadDefaultStarters());
    this.watchFile = opts.watchFile;
    this.probeFile = opts.probeFile;
    if (!opts.checkers) {
      this.checkers = loadDefaultCheckers();
      this.watchFile ??= defaultWatch;
      this.probeFile ??= defaultProbe;
    }
  }

  /** Register checker `id` (unique per configured checker). Returns the job key it shares. */
  add(id: string, target: CheckTarget): string {
    if (this.byId.has(id)) throw new Error(`checker id ${id} is already registered; should be unique`);
    // Load the checker's module now: loading it inside the first attempt (undici takes seconds under emulation)
    // would count against that attempt's connect_timeout and fail a healthy real server at start.
    (this.starters[target.kind] as Preloadable | undefined)?.preload?.();
    (this.checkers[target.kind] as Preloadable | undefined)?.preload?.();
    const key = dedupKey(target);
    let job = this.jobs.get(key);
    if (!job) {
      job = {
        key,
        target,
        label: jobLabel(target),
        ids: new Set(),
        disabled: new Set(),
        state: initialState(target.kind, target.timing),
        running: false,
        queued: false,
        dueSeq: 0,
        dueAt: undefined,
        removed: false,
        nextIsRetry: false,
        rerun: false,
      };
      if (target.kind === CheckerKind.File && this.probeFile) {
        // check_file.c: has_run is set and the value applied before the checkers start
        const r = this.probeFile(target);
        job.state = { isUp: r.ok, hasRun: true, retryIt: 0 };
        job.lastResult = r;
        job.weightDelta = r.ok ? (r.weightDelta ?? 0) : undefined;
      }
      this.jobs.set(key, job);
      if (this.started) this.scheduleFirst(job);
    }
    job.ids.add(id);
    this.byId.set(id, job);
    return key;
  }

  /** Unregister checker `id`; the job stops when its last checker leaves. */
  remove(id: string): void {
    const job = this.byId.get(id);
    if (!job) return;
    this.byId.delete(id);
    job.ids.delete(id);
    job.disabled.delete(id);
    if (job.ids.size === 0) this.dropJob(job);
  }

  /** ha_suspend: a disabled checker is not run; a shared job runs while any of its checkers is enabled. */
  setEnabled(id: string, enabled: boolean): void {
    const job = this.byId.get(id);
    if (!job) return;
    if (enabled) job.disabled.delete(id);
    else job.disabled.add(id);
  }

  status(id: string): CheckerStatus | undefined {
    const job = this.byId.get(id);
    if (!job) return undefined;
    return {
      id,
      jobKey: job.key,
      up: job.state.isUp,
      hasRun: job.state.hasRun,
      retryIt: job.state.retryIt,
      running: job.running,
      nextRunAt: job.dueAt,
      lastResult: job.lastResult,
      weight: job.weight,
      weightDelta: job.weightDelta,
    };
  }

  /** Number of distinct jobs (after deduplication). */
  get jobCount(): number {
    return this.jobs.size;
  }
  get inflightCount(): number {
    return this.inflight;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const job of this.jobs.values()) this.scheduleFirst(job);
  }

  /** Stop timers and abort attempts in flight. */
  stop(): void {
    this.started = false;
    this.epoch++;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    for (const job of this.jobs.values()) {
      job.abort?.abort(new Error('scheduler stopped'));
      job.unwatch?.();
      job.unwatch = undefined;
      job.dueSeq = 0;
      job.dueAt = undefined;
      job.queued = false;
    }
    this.ready = [];
  }

  private dropJob(job: Job): void {
    job.removed = true;
    job.abort?.abort(new Error('checker removed'));
    job.unwatch?.();
    this.jobs.delete(job.key);
    job.dueSeq = 0;
    if (job.queued) this.ready = this.ready.filter((j) => j !== job);
  }

  /**
   * First run: register_checkers_thread() waits BOOTSTRAP_DELAY + warmup * random() so checks of many real servers do not
   * start together. FILE_CHECK is read at once (its value is known at startup).
   */
  private scheduleFirst(job: Job): void {
    const t = job.target;
    // check_api.c register_checkers_thread
    const enabled = !(job.disabled.size > 0 && job.disabled.size >= job.ids.size);
    this.emit('log', {
      jobKey: job.key,
      message: `${enabled ? 'A' : 'Dea'}ctivating healthchecker for service ${targetLabel(t)} for VS ${t.vsLabel ?? '-'}`,
      at: this.clock.now(),
    } satisfies CheckerLogEvent);
    if (t.kind === CheckerKind.File) {
      if (this.watchFile) job.unwatch = this.watchFile(t.file.path, () => this.runNow(job));
      this.scheduleAt(job, this.clock.now());
      return;
    }
    const warm = t.timing.warmupMs > 0 ? t.timing.warmupMs * this.random() : 0;
    this.scheduleAt(job, this.clock.now() + BOOTSTRAP_DELAY_MS + warm);
  }

  /** Run a job as soon as possible (FILE_CHECK change notification). */
  private runNow(job: Job): void {
    if (job.removed || !this.started) return;
    if (job.running) {
      job.rerun = true;
      return;
    }
    this.scheduleAt(job, this.clock.now());
  }

  private scheduleAt(job: Job, due: number): void {
    job.dueSeq = ++this.seq;
    job.dueAt = due;
    this.heap.push({ due, seq: job.dueSeq, job });
    this.arm();
  }

  private arm(): void {
    let top = this.heap.peek();
    while (top && (top.job.removed || top.job.dueSeq !== top.seq)) {
      this.heap.pop();
      top = this.heap.peek();
    }
    if (!top || !this.started) return;
    const due = top.due + this.slack;
    if (this.timer !== undefined && this.timerDue <= due) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, due - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    for (;;) {
      const top = this.heap.peek();
      if (!top || top.due > now + this.slack) break;
      this.heap.pop();
      const job = top.job;
      if (job.removed || job.dueSeq !== top.seq) continue;
      job.dueSeq = 0;
      job.dueAt = undefined;
      if (!job.queued) {
        job.queued = true;
        this.ready.push(job);
      }
    }
    this.drain();
    this.arm();
  }

  private drain(): void {
    // not while stopped: an abort in stop() can finish an attempt synchronously (the callback form)
    if (!this.started) return;
    while (this.inflight < this.maxConcurrent && this.ready.length > 0) {
      const job = this.ready.shift()!;
      job.queued = false;
      if (job.removed) continue;
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    const t = job.target;
    // an attempt from before a stop()/start() is still running: its completion schedules the next one
    if (job.running) return;
    // *_connect_thread: "if checker is disabled, register a new checker thread" after delay_loop
    if (job.disabled.size > 0 && job.disabled.size >= job.ids.size) {
      this.scheduleAt(job, this.clock.now() + t.timing.delayLoopMs);
      return;
    }
    const fn = this.checkers[t.kind];
    const start = this.starters[t.kind];
    if (!fn && !start) {
      this.emit('log', { jobKey: job.key, message: `no checker implementation for ${t.kind}`, at: this.clock.now() });
      return;
    }
    // SMTP: smtp_start_check_thread resets retry_it at the start of every delay_loop cycle.
    if (retryStyle(t.kind) === RetryStyle.PerCycle && !job.nextIsRetry) job.state = { ...job.state, retryIt: 0 };
    const probe = this.attemptTarget(job);
    job.running = true;
    this.inflight++;
    const startedAt = this.clock.now();
    const epoch = this.epoch;
    const timeoutMs = attemptTimeoutMs(probe);
    let done = false;
    let timer: unknown;
    let grace: unknown;
    const finish = (res: CheckResult): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) this.clock.clearTimeout(timer);
      if (grace !== undefined) this.clock.clearTimeout(grace);
      this.inflight--;
      job.running = false;
      job.abort = undefined;
      if (!job.removed && this.started && epoch === this.epoch) this.complete(job, res, startedAt);
      this.drain();
    };
    // the callback form first (TCP_CHECK): no AbortController and no promise per attempt
    const abortFn = start?.(probe, finish);
    if (done) return; // (a checker that answered at once, against the CheckStartFn contract)
    let ac: AbortController | undefined;
    if (abortFn) job.abort = { abort: abortFn };
    else {
      ac = new AbortController();
      job.abort = ac;
    }
    // On timeout the checker is aborted and its own verdict is used if it comes within the grace period (UDP_CHECK
    // without require_reply succeeds on a read timeout, layer4.c udp_socket_state; MISC_CHECK reaps its child first).
    timer = this.clock.setTimeout(() => {
      timer = undefined;
      job.abort?.abort(new CheckTimeoutError(timeoutMs));
      if (!done)
        grace = this.clock.setTimeout(
          () => finish({ ok: false, message: 'timeout', latencyMs: timeoutMs, timedOut: true }),
          this.abortGraceMs,
        );
    }, timeoutMs);
    if (abortFn) return;
    let p: Promise<CheckResult>;
    try {
      p = fn!(probe, ac!.signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(finish, (e: unknown) =>
      finish({ ok: false, message: e instanceof Error ? e.message : String(e), latencyMs: this.clock.now() - startedAt }),
    );
  }

  /** The target of the next attempt: HTTP checks in keepalived mode get only the current url block. */
  private attemptTarget(job: Job): CheckTarget {
    const t = job.target;
    if (!this.httpOne || (t.kind !== CheckerKind.HttpGet && t.kind !== CheckerKind.SslGet) || t.http.urls.length <= 1) return t;
    job.urlTargets ??= t.http.urls.map((u) => ({ ...t, http: { ...t.http, urls: [u] } }));
    return job.urlTargets[Math.min(job.state.urlIt ?? 0, job.urlTargets.length - 1)]!;
  }

  private complete(job: Job, res: CheckResult, startedAt: number): void {
    const now = this.clock.now();
    const t = job.target;
    job.lastResult = res;
    const prev = job.state;
    const httpOpts =
      t.kind === CheckerKind.HttpGet || t.kind === CheckerKind.SslGet
        ? { urlCount: this.httpOne ? t.http.urls.length : 1, fastRecovery: t.http.fastRecovery }
        : undefined;
    const out = step(t.kind, t.timing, prev, res.ok, job.label, res.ok ? '' : res.message, httpOpts);
    job.state = out.state;
    job.nextIsRetry = out.retrying;
    this.emit('attempt', { jobKey: job.key, ids: [...job.ids], result: res, retrying: out.retrying, at: now } satisfies CheckerAttemptEvent);
    if (out.log) this.emit('log', { jobKey: job.key, message: out.log, at: now } satisfies CheckerLogEvent);
    if (!res.ok && prev.isUp && (t.timing.logAllFailures ?? false))
      this.emit('log', { jobKey: job.key, message: `${t.kind} on ${job.label}: ${res.message}`, at: now });
    if (out.transition) {
      for (const id of job.ids)
        this.emit('state', {
          id,
          jobKey: job.key,
          kind: t.kind,
          up: out.state.isUp,
          transition: out.transition,
          changed: prev.isUp !== out.state.isUp,
          message: res.message,
          at: now,
        } satisfies CheckerStateEvent);
    }
    this.updateWeight(job, res, out.state.isUp, now);
    const rerun = job.rerun;
    job.rerun = false;
    // check_misc.c: the next run is measured from when the script started (last_ran), at least "now".
    const base = t.kind === CheckerKind.Misc ? startedAt : now;
    const due = rerun ? now : Math.max(now, base + out.delayMs);
    this.scheduleAt(job, due);
  }

  /**
   * Weight changes. misc_dynamic: an exit status 0 or 2..255 sets the weight (0 = configured weight); failure clears it.
   * FILE_CHECK: while not in FAULT the offset is value x weight (x -1 reversed).
   */
  private updateWeight(job: Job, res: CheckResult, up: boolean, now: number): void {
    let weight = job.weight;
    let delta = job.weightDelta;
    if (res.ok) {
      if (job.target.kind === CheckerKind.Misc && job.target.misc.miscDynamic) weight = res.weight;
      if (job.target.kind === CheckerKind.File) delta = res.weightDelta ?? 0;
    } else if (!up) {
      weight = undefined;
      delta = undefined;
    }
    if (weight === job.weight && delta === job.weightDelta) return;
    job.weight = weight;
    job.weightDelta = delta;
    for (const id of job.ids)
      this.emit('weight', { id, jobKey: job.key, weight, weightDelta: delta, at: now } satisfies CheckerWeightEvent);
  }
}

/** FMT_CHK; MISC_CHECK lines read "Misc check for [<rs> VS <vs>] by [<script>] ..." (check_misc.c). */
function jobLabel(t: CheckTarget): string {
  if (t.kind !== CheckerKind.Misc) return targetLabel(t);
  let script = t.misc.miscPath;
  try {
    script = targetArgv(t.misc)[0]!;
  } catch {
    /* reported when it runs */
  }
  return `${targetLabel(t)} VS ${t.vsLabel ?? '-'}] by [${script}`;
}

