// The daemon's entry: without -P/-C the parent forks a VRRP child and a checkers child (supervisor-run.ts), as
// keepalived does, so that checkers cannot delay VRRP adverts; with -P or -C one subsystem runs in this process
// (below), reacting to keepalived's signals (HUP reload keeping the running configuration when the new one is
// broken, TERM/INT stop, USR1 data dump, USR2 stats dump); `--lvsk-child` is one child (child.ts).
import { spawn } from 'child_process';
import type { DaemonArgs } from '../cli/args';
import { SIGNUM } from '../cli/args';
import type { Subsystem } from './subsystem';
import { Metrics } from './metrics';
import { DEFAULT_STATUS_LISTEN, parseListen, startStatusServer, StatusServer } from './status';
import { sdNotify, monotonicUsec } from './sdnotify';
import { DEFAULT_PID_FILES, DUMP_FILES, SubsystemHost, daemonStart, loadConfig, removePid, writeDump, writePid } from './child-host';
import { parseRole } from './ipc';
import { holdSignals, onSignals, realtimeSignalsWatched } from './early-signals';

export { DUMP_FILES };

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
  holdSignals();
  if (args.lvskChild !== undefined) {
    const role = parseRole(args.lvskChild);
    if (!role) {
      process.stderr.write(`--lvsk-child is ${JSON.stringify(args.lvskChild)}; should be vrrp or check (internal option)\n`);
      return 1;
    }
    return (await import('./child')).runChild(args, role);
  }
  // exactly one of -P / -C: that subsystem alone, in this process (keepalived would still fork one child)
  if (args.vrrpOnly !== args.checkOnly) return runSingle(args);
  return (await import('./supervisor-run')).runParent(args);
}

/** -P or -C: one subsystem in this process, no children. */
export async function runSingle(args: DaemonArgs): Promise<number> {
  const { log, file, configId } = daemonStart(args);
  for (const o of args.ignored) log.warn({ option: o }, 'option accepted for keepalived compatibility and ignored');
  const first = loadConfig(file, configId, log);
  if (!first) {
    log.fatal({ file }, 'configuration has errors; not starting');
    return 1;
  }
  const mainPid = args.pidFile ?? DEFAULT_PID_FILES.main;
  writePid(mainPid, log);
  if (!args.checkOnly) writePid(args.vrrpPidFile, log);
  if (!args.vrrpOnly) writePid(args.checkersPidFile, log);

  const metrics = new Metrics();
  const subsystems = await loadSubsystems(args);
  const host = new SubsystemHost({ args, log, metrics, subsystems, file, configId });
  await host.start(first);
  const stateView = (): unknown => ({ ...host.view('state'), file });
  let status: StatusServer | undefined;
  try {
    status = await startStatusServer({ listen: parseListen(args.statusListen ?? DEFAULT_STATUS_LISTEN), state: stateView, metrics });
    if (status) log.info({ address: status.address() }, 'status endpoint listening (/state, /metrics)');
  } catch (e) {
    log.error({ err: e }, 'status endpoint could not start; continuing without it');
  }
  log.info({ file, configId, subsystems: subsystems.map((s) => s.name) }, 'lvskeeper running');
  void sdNotify(['READY=1', `STATUS=running ${subsystems.map((s) => s.name).join(', ')}`]);

  const reload = (): void => {
    void sdNotify(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`]);
    void host.reload().then((r) =>
      sdNotify(['READY=1', r.applied ? `STATUS=running generation ${r.generation}` : 'STATUS=reload rejected; running the previous configuration']),
    );
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (sig: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void sdNotify(['STOPPING=1']);
      await status?.close();
      await host.stop();
      removePid(mainPid);
      removePid(args.vrrpPidFile);
      removePid(args.checkersPidFile);
      log.info('stopped');
      resolve(0);
    };
    onSignals({
      SIGHUP: reload,
      SIGTERM: () => void stop('SIGTERM'),
      SIGINT: () => void stop('SIGINT'),
      SIGUSR1: () => writeDump(DUMP_FILES.data, host.dumpBody('data'), log, 'data'),
      SIGUSR2: () => writeDump(DUMP_FILES.stats, host.dumpBody('stats'), log, 'stats'),
      SIGJSON: () => writeDump(DUMP_FILES.json, { ...host.view('state'), file }, log, 'json'),
      SIGSTATS_CLEAR: () => log.warn('SIGSTATS_CLEAR received: clearing counters is not implemented; ignored'),
    });
    if (!realtimeSignalsWatched()) log.warn(`this Node cannot watch keepalived's real-time signals (JSON ${SIGNUM.JSON}, STATS_CLEAR ${SIGNUM.STATS_CLEAR}): sending one ends the daemon; use the status endpoint's /state`);
  });
}
