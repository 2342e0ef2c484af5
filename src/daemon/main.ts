// The daemon's life cycle: load the configuration, write pid files, start the subsystems, and
// react to keepalived's signals (HUP reload keeping the running configuration when the new one is
// broken, TERM/INT stop, USR1 data dump, USR2 stats dump, the JSON and STATS_CLEAR signals).
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import type { DaemonArgs } from '../cli/args';
import { SIGNUM } from '../cli/args';
import { parseConfig, formatDiagnostic, dumpConfig, Config } from '../config/index';
import { fsLoader } from '../config/loader';
import { createLogger, Logger } from '../util/log';
import { Subsystem, SubsystemContext } from './subsystem';
import { configIdDefault, DEFAULT_CONFIG_FILE } from '../cli/defaults';
import { Metrics } from './metrics';
import { DEFAULT_STATUS_LISTEN, parseListen, startStatusServer, StatusServer } from './status';
import { sdNotify, monotonicUsec } from './sdnotify';
import { hostChecks } from '../config/host-checks';

/** keepalived's dump locations (lib/... KEEPALIVED_TMP_DIR is /tmp in Debian's build). */
export const DUMP_FILES = {
  data: '/tmp/keepalived.data',
  stats: '/tmp/keepalived.stats',
  json: '/tmp/keepalived.json',
};

export interface DaemonState {
  config: Config;
  generation: number;
  loadedAt: string;
  file: string;
}

function writePid(file: string | undefined, log: Logger): void {
  if (!file) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${process.pid}\n`);
  } catch (e) {
    log.error({ err: e, file }, 'cannot write pid file');
  }
}

function removePid(file: string | undefined): void {
  if (file) fs.rmSync(file, { force: true });
}

/** Re-runs this program detached with -n added, as keepalived forks into the background. */
function daemonize(): number {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '-n', ...process.argv.slice(2)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return 0;
}

export async function loadSubsystems(args: DaemonArgs): Promise<Subsystem[]> {
  const { subsystemsFor } = await import('./subsystems');
  return subsystemsFor(args);
}

export async function runDaemon(args: DaemonArgs): Promise<number> {
  if (!args.dontFork) return daemonize();
  const log = createLogger({ console: args.logConsole, detail: args.logDetail, format: (args.logFormat as 'json' | 'text' | 'auto') ?? 'auto' });
  for (const o of args.ignored) log.warn({ option: o }, 'option accepted for keepalived compatibility and ignored');
  const file = args.useFile ?? DEFAULT_CONFIG_FILE;
  const configId = args.configId ?? configIdDefault();
  const load = (): Config | undefined => {
    const res = parseConfig(file, fsLoader, { configId });
    if (res.config) res.diagnostics.push(...hostChecks(res.config));
    for (const d of res.diagnostics) {
      const line = formatDiagnostic(d);
      if (d.severity === 'error') log.error({ code: d.code }, line);
      else if (d.severity === 'warning') log.warn({ code: d.code }, line);
      else log.info({ code: d.code }, line);
    }
    if (!res.config || res.diagnostics.some((d) => d.severity === 'error')) return undefined;
    return res.config;
  };

  const first = load();
  if (!first) {
    log.fatal({ file }, 'configuration has errors; not starting');
    return 1;
  }
  const state: DaemonState = { config: first, generation: 1, loadedAt: new Date().toISOString(), file };
  writePid(args.pidFile ?? '/run/keepalived.pid', log);
  if (!args.checkOnly) writePid(args.vrrpPidFile, log);
  if (!args.vrrpOnly) writePid(args.checkersPidFile, log);

  const metrics = new Metrics();
  metrics.configGeneration.set(1);
  const ctx: SubsystemContext = { log, args, metrics };
  const subsystems = await loadSubsystems(args);
  for (const s of subsystems) {
    try {
      await s.start(state.config, ctx);
      log.info({ subsystem: s.name }, 'started');
    } catch (e) {
      log.error({ err: e, subsystem: s.name }, 'subsystem failed to start; continuing without it');
    }
  }
  const stateView = (): unknown => ({
    generation: state.generation,
    loadedAt: state.loadedAt,
    file: state.file,
    subsystems: Object.fromEntries(subsystems.map((s) => [s.name, s.state()])),
  });
  let status: StatusServer | undefined;
  try {
    status = await startStatusServer({ listen: parseListen(args.statusListen ?? DEFAULT_STATUS_LISTEN), state: stateView, metrics });
    if (status) log.info({ address: status.address() }, 'status endpoint listening (/state, /metrics)');
  } catch (e) {
    log.error({ err: e }, 'status endpoint could not start; continuing without it');
  }
  log.info({ file, configId, subsystems: subsystems.map((s) => s.name) }, 'lvskeeper running');
  void sdNotify(['READY=1', `STATUS=running ${subsystems.map((s) => s.name).join(', ')}`]);

  let reloading = Promise.resolve();
  const reload = (): void => {
    reloading = reloading.then(async () => {
      log.info({ file }, 'reloading configuration (SIGHUP)');
      void sdNotify(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`]);
      const next = load();
      if (!next) {
        log.error({ file, generation: state.generation }, 'new configuration rejected; keeping the running one');
        metrics.reloads.inc({ result: 'rejected' });
        void sdNotify(['READY=1', 'STATUS=reload rejected; running the previous configuration']);
        return;
      }
      const prev = state.config;
      for (const s of subsystems) {
        try {
          await s.reload(prev, next, ctx);
        } catch (e) {
          log.error({ err: e, subsystem: s.name }, 'reload of subsystem failed; it keeps running');
        }
      }
      state.config = next;
      state.generation++;
      state.loadedAt = new Date().toISOString();
      metrics.reloads.inc({ result: 'applied' });
      metrics.configGeneration.set(state.generation);
      log.info({ generation: state.generation }, 'configuration reloaded');
      void sdNotify(['READY=1', `STATUS=running generation ${state.generation}`]);
    });
  };

  const dump = (kind: 'data' | 'stats' | 'json'): void => {
    const body = {
      generation: state.generation,
      loadedAt: state.loadedAt,
      file: state.file,
      subsystems: Object.fromEntries(subsystems.map((s) => [s.name, kind === 'stats' ? s.stats() : s.state()])),
      ...(kind === 'data' || kind === 'json' ? { config: JSON.parse(dumpConfig(state.config)) as unknown } : {}),
    };
    try {
      fs.writeFileSync(DUMP_FILES[kind], JSON.stringify(body, null, 2) + '\n');
      log.info({ file: DUMP_FILES[kind] }, `${kind} dump written`);
    } catch (e) {
      log.error({ err: e, file: DUMP_FILES[kind] }, 'dump failed');
    }
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (sig: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void sdNotify(['STOPPING=1']);
      await status?.close();
      for (const s of [...subsystems].reverse()) {
        try {
          await s.stop(ctx);
        } catch (e) {
          log.error({ err: e, subsystem: s.name }, 'stop failed');
        }
      }
      removePid(args.pidFile ?? '/run/keepalived.pid');
      removePid(args.vrrpPidFile);
      removePid(args.checkersPidFile);
      log.info('stopped');
      resolve(0);
    };
    process.on('SIGHUP', reload);
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGUSR1', () => dump('data'));
    process.on('SIGUSR2', () => dump('stats'));
    // Node cannot install handlers for real-time signals (JSON = SIGRTMIN+2, STATS_CLEAR = SIGRTMAX-1);
    // the status endpoint serves the same JSON. SIGNUM is still reported for scripts.
    void SIGNUM;
  });
}
