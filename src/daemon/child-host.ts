// Runs subsystems inside one process (the -P/-C daemon, or one child of the parent): loads the configuration,
// starts, reloads as a diff keeping the running configuration when the new one is broken, stops, dumps; pid files.
import * as fs from 'fs';
import * as path from 'path';
import type { DaemonArgs } from '../cli/args';
import { parseConfig, formatDiagnostic, dumpConfig, Config } from '../config/index';
import { fsLoader } from '../config/loader';
import { hostChecks } from '../config/host-checks';
import { createLogger, Logger } from '../util/log';
import { configIdDefault, DEFAULT_CONFIG_FILE } from '../cli/defaults';
import type { Subsystem, SubsystemContext } from './subsystem';
import type { Metrics } from './metrics';
import type { ChildStateView, ReloadResult } from './ipc';

/** keepalived's dump locations (KEEPALIVED_TMP_DIR is /tmp in Debian's build; vrrp_print.c, check_print.c). */
export const DUMP_FILES = {
  data: '/tmp/keepalived.data',
  checkData: '/tmp/keepalived_check.data',
  stats: '/tmp/keepalived.stats',
  json: '/tmp/keepalived.json',
};

/** keepalived's pid files without -p/-r/-c (RUNSTATEDIR "/" keepalived|vrrp|checkers ".pid", core/main.c). */
export const DEFAULT_PID_FILES = {
  main: '/run/keepalived.pid',
  vrrp: '/run/vrrp.pid',
  checkers: '/run/checkers.pid',
};

export type DumpKind = 'data' | 'stats' | 'json';

export function writePid(file: string | undefined, log: Logger, pid = process.pid): void {
  if (!file) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${pid}\n`, { mode: 0o644 });
  } catch (e) {
    log.error({ err: e, file }, 'cannot write pid file');
  }
}

/** Removes a pid file, only when it still names `pid` (a newer process may own it). */
export function removePid(file: string | undefined, pid = process.pid): void {
  if (!file) return;
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === pid) fs.rmSync(file, { force: true });
  } catch {
    /* absent */
  }
}

/** Removes a pid file whose process is gone (a child killed before it could remove its own). */
export function removeStalePid(file: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(file, { force: true });
  }
}

/**
 * Parses the configuration and logs its diagnostics; undefined when it has errors.
 * `quietWarnings`: warnings at debug level (a child, whose parent already logged them).
 */
/** What every process of the daemon starts with: its logger (-l, -D, --log-format), the file (-f) and config id (-i). */
export function daemonStart(args: DaemonArgs, name?: string): { log: Logger; file: string; configId: string } {
  const log = createLogger({ console: args.logConsole, detail: args.logDetail, format: (args.logFormat as 'json' | 'text' | 'auto') ?? 'auto', batched: true, ...(name ? { name } : {}) });
  return { log, file: args.useFile ?? DEFAULT_CONFIG_FILE, configId: args.configId ?? configIdDefault() };
}

export function loadConfig(file: string, configId: string, log: Logger, quietWarnings = false): Config | undefined {
  const res = parseConfig(file, fsLoader, { configId });
  if (res.config) res.diagnostics.push(...hostChecks(res.config));
  for (const d of res.diagnostics) {
    const line = formatDiagnostic(d);
    if (d.severity === 'error') log.error({ code: d.code }, line);
    else if (quietWarnings) log.debug({ code: d.code }, line);
    else if (d.severity === 'warning') log.warn({ code: d.code }, line);
    else log.info({ code: d.code }, line);
  }
  if (!res.config || res.diagnostics.some((d) => d.severity === 'error')) return undefined;
  return res.config;
}

export interface HostOptions {
  args: DaemonArgs;
  log: Logger;
  metrics: Metrics;
  subsystems: Subsystem[];
  file: string;
  configId: string;
  /** generation of the first configuration (a respawned child continues its parent's count) */
  generation?: number;
  quietWarnings?: boolean;
}

export class SubsystemHost {
  config!: Config;
  generation: number;
  loadedAt = new Date().toISOString();
  readonly ctx: SubsystemContext;
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: HostOptions) {
    this.generation = o.generation ?? 1;
    this.ctx = { log: o.log, args: o.args, metrics: o.metrics };
  }

  get subsystems(): Subsystem[] {
    return this.o.subsystems;
  }

  load(): Config | undefined {
    return loadConfig(this.o.file, this.o.configId, this.o.log, this.o.quietWarnings);
  }

  /** Starts every subsystem on `config`; one that fails is logged and left out, as today's daemon does. */
  async start(config: Config): Promise<void> {
    this.config = config;
    this.o.metrics.configGeneration.set(this.generation);
    for (const s of this.o.subsystems) {
      try {
        await s.start(config, this.ctx);
        this.o.log.info({ subsystem: s.name }, 'started');
      } catch (e) {
        this.o.log.error({ err: e, subsystem: s.name }, 'subsystem failed to start; continuing without it');
      }
    }
  }

  /** Re-reads the file and applies it as a diff; a broken file is rejected and the running configuration kept. Serialised. */
  reload(): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadNow());
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ReloadResult> {
    const log = this.o.log;
    const m = this.o.metrics;
    log.info({ file: this.o.file }, 'reloading configuration (SIGHUP)');
    const next = this.load();
    if (!next) {
      log.error({ file: this.o.file, generation: this.generation }, 'new configuration rejected; keeping the running one');
      m.reloads.inc({ result: 'rejected' });
      return { applied: false, generation: this.generation };
    }
    const prev = this.config;
    for (const s of this.o.subsystems) {
      try {
        await s.reload(prev, next, this.ctx);
      } catch (e) {
        log.error({ err: e, subsystem: s.name }, 'reload of subsystem failed; it keeps running');
      }
    }
    this.config = next;
    this.generation++;
    this.loadedAt = new Date().toISOString();
    m.reloads.inc({ result: 'applied' });
    m.configGeneration.set(this.generation);
    log.info({ generation: this.generation }, 'configuration reloaded');
    return { applied: true, generation: this.generation };
  }

  /** Stops the subsystems in reverse start order; waits for a reload in progress first. */
  async stop(): Promise<void> {
    await this.reloading;
    for (const s of [...this.o.subsystems].reverse()) {
      try {
        await s.stop(this.ctx);
      } catch (e) {
        this.o.log.error({ err: e, subsystem: s.name }, 'stop failed');
      }
    }
  }

  view(kind: 'state' | 'stats'): ChildStateView {
    return {
      generation: this.generation,
      loadedAt: this.loadedAt,
      subsystems: Object.fromEntries(this.o.subsystems.map((s) => [s.name, kind === 'stats' ? s.stats() : s.state()])),
    };
  }

  /** The dump body: state (or stats), plus the configuration for data and JSON dumps. */
  dumpBody(kind: DumpKind): unknown {
    return { ...this.view(kind === 'stats' ? 'stats' : 'state'), file: this.o.file, ...(kind === 'stats' ? {} : { config: JSON.parse(dumpConfig(this.config)) as unknown }) };
  }
}

/** Writes a dump file; errors are logged, never thrown. */
export function writeDump(file: string, body: unknown, log: Logger, what: string): void {
  try {
    fs.writeFileSync(file, JSON.stringify(body, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2) + '\n');
    log.info({ file }, `${what} dump written`);
  } catch (e) {
    log.error({ err: e, file }, 'dump failed');
  }
}
