// Tracked objects of VRRP instances (track_interface, track_script, track_file): the pure priority/fault rule of keepalived's vrrp_track.c, a periodic script runner and a file poller.
import { EventEmitter } from 'node:events';
import { readFile, writeFile, stat } from 'node:fs/promises';
import type { TrackFile, VrrpScript } from '../../config/model';
import { PRIORITY_OWNER } from '../../vrrp/constants';
import { argvOf } from './notify';
import { currentScriptGate, runScript, SCRIPT_KILL_GRACE_MS, type PreparedScript, type ScriptGate } from '../../util/script-runner';

export enum TrackKind {
  Interface = 'interface',
  Script = 'script',
  File = 'file',
}

/** One tracked object as an instance sees it, with its resolved weight (0 = fault when down). */
export interface TrackStatus {
  kind: TrackKind;
  name: string;
  weight: number;
  reverse?: boolean;
  /** interface up and running / script good; for files, value !== 0 is "down" when weight is 0 */
  up: boolean;
  /** track_file value */
  value?: number;
}

export interface TrackEffect {
  /** sources putting the instance in FAULT */
  faults: string[];
  /** effective priority (keepalived vrrp_set_effective_priority: clamped to 1..254; an owner keeps 255) */
  priority: number;
}

export const sourceOf = (s: Pick<TrackStatus, 'kind' | 'name'>): string => `${s.kind}:${s.name}`;

/**
 * keepalived 2.2.7 vrrp_track.c: weight 0 -> FAULT while down (reverse: while up); weight > 0 -> +weight while
 * up; weight < 0 -> +weight (a decrease) while down; reverse swaps up and down. track_file: weight 0 -> FAULT
 * while the value is non-zero; else value * weight (negated if reverse) is added, and a result <= -254 is a FAULT.
 */
export function trackEffect(base: number, tracked: readonly TrackStatus[]): TrackEffect {
  const faults: string[] = [];
  let delta = 0;
  for (const t of tracked) {
    if (t.kind === TrackKind.File) {
      const v = t.value ?? 0;
      if (t.weight === 0) {
        if (v !== 0) faults.push(sourceOf(t));
        continue;
      }
      const d = v * t.weight * (t.reverse ? -1 : 1);
      if (d <= -254) faults.push(sourceOf(t));
      else delta += d;
      continue;
    }
    const up = t.reverse ? !t.up : t.up;
    if (t.weight === 0) {
      if (!up) faults.push(sourceOf(t));
    } else if (t.weight > 0 && up) delta += t.weight;
    else if (t.weight < 0 && !up) delta += t.weight;
  }
  if (base === PRIORITY_OWNER) return { faults, priority: base };
  return { faults, priority: Math.min(254, Math.max(1, base + delta)) };
}

/** Pure rise/fall counter of a vrrp_script (vrrp_scheduler.c vrrp_script_child_thread). */
export interface ScriptState {
  good: boolean;
  /** consecutive results in the direction opposite to `good` */
  streak: number;
}

export function scriptResult(s: ScriptState, success: boolean, rise: number, fall: number): ScriptState {
  if (success === s.good) return { good: s.good, streak: 0 };
  const streak = s.streak + 1;
  if (streak >= (success ? rise : fall)) return { good: success, streak: 0 };
  return { good: s.good, streak };
}

/**
 * Runs one vrrp_script every `interval` seconds; emits 'change' (good) when its rise/fall state flips. On timeout the
 * script's process group gets SIGTERM, then SIGKILL 2 s later (vrrp_scheduler.c vrrp_script_child_thread).
 * The script runs as its user (util/script-runner.ts); a script the gate refuses (user missing, not found, not
 * executable, insecure with enable_script_security) is `disabled`: keepalived removes it from every instance
 * (vrrp.c check_vrrp_script_security), so it must not count as tracked at all.
 */
export class ScriptTracker extends EventEmitter {
  private st: ScriptState;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  lastExit: number | null = null;
  /** why the script does not run (then it is not tracked) */
  disabledReason: string | undefined;
  private prepared: PreparedScript | undefined;

  constructor(
    readonly script: VrrpScript,
    private readonly defaults: { user?: string; group?: string } = {},
    private readonly onError: (e: Error) => void = () => undefined,
    private readonly gate: ScriptGate = currentScriptGate(),
  ) {
    super();
    this.st = { good: !script.initFail, streak: 0 };
    this.prepare();
  }

  get good(): boolean {
    return this.st.good;
  }

  /** true when the script is refused: instances must ignore it (keepalived: "Disabling track script X ..."). */
  get disabled(): boolean {
    return this.disabledReason !== undefined;
  }

  private prepare(): void {
    if (!this.script.script) return;
    // vrrp_script's own `user`, else the script line's, else the defaults (vrrp_parser.c vrrp_vscript_user_handler)
    const user = this.script.user ?? this.script.script.user ?? this.defaults.user;
    const group = this.script.group ?? this.script.script.group ?? (user === this.defaults.user ? this.defaults.group : undefined);
    const p = this.gate.prepare(argvOf(this.script.script), user, group, `track script ${this.script.name}`);
    if (p.ok) this.prepared = p.script;
    else this.disabledReason = p.reason;
  }

  start(): void {
    this.stopped = false;
    if (this.disabled) return;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), Math.max(1, this.script.interval) * 1000);
    if (this.running || !this.prepared) return;
    this.running = true;
    const timeoutMs = (this.script.timeout ?? this.script.interval) * 1000;
    runScript(this.prepared.argv, this.prepared.ids, { timeoutMs, graceMs: SCRIPT_KILL_GRACE_MS })
      .then((r) => {
        this.lastExit = r.code;
        this.record(!r.timedOut && r.code === 0);
      })
      .catch((e: Error) => {
        this.onError(e);
        this.record(false);
      })
      .finally(() => {
        this.running = false;
      });
  }

  private record(success: boolean): void {
    if (this.stopped) return;
    const before = this.st.good;
    this.st = scriptResult(this.st, success, Math.max(1, this.script.rise), Math.max(1, this.script.fall));
    if (this.st.good !== before) this.emit('change', this.st.good);
  }
}

/** Parses a track_file's content as keepalived does (strtol of the first word; anything else is 0). */
export function parseTrackValue(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Polls a track_file once a second (keepalived uses inotify); emits 'change' (value). */
export class FileTracker extends EventEmitter {
  value = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: TrackFile,
    private readonly pollMs = 1000,
  ) {
    super();
  }

  async start(): Promise<void> {
    const f = this.file.file;
    if (!f) return;
    const init = this.file.initFile;
    if (init) {
      const exists = await stat(f).then(() => true, () => false);
      if (!exists || init.overwrite) await writeFile(f, `${init.value}\n`).catch(() => undefined);
    }
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    const f = this.file.file;
    if (!f) return;
    // a missing file counts as 0 (keepalived vrrp_track.c process_update_track_file_status)
    const v = await readFile(f, 'utf8').then(parseTrackValue, () => 0);
    if (v !== this.value) {
      this.value = v;
      this.emit('change', v);
    }
  }
}
