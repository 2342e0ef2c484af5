// The parent process (keepalived's main process): validates the configuration, writes -p, forks the VRRP and
// checkers children, relays HUP (reload), TERM/INT (stop), USR1/USR2 (dumps), serves /state and /metrics merged
// from the children, and tells systemd READY (all children up), RELOADING/READY around reloads, STOPPING.
import { fork } from 'child_process';
import type { DaemonArgs } from '../cli/args';
import { dumpConfig, Config } from '../config/index';
import { Metrics, MetricFamily } from './metrics';
import { DEFAULT_STATUS_LISTEN, parseListen, startStatusServer, StatusServer } from './status';
import { sdNotify, monotonicUsec } from './sdnotify';
import { ChildRole, ROLE_NAME } from './ipc';
import { Supervisor, ChildLike } from './supervisor';
import { wantedRoles } from './supervisor-policy';
import { mergeMetrics, mergeState } from './supervisor-view';
import { GENERATION_ENV, childPidFile } from './child';
import { DEFAULT_PID_FILES, DUMP_FILES, daemonStart, loadConfig, removePid, removeStalePid, writeDump, writePid } from './child-host';
import { onSignals } from './early-signals';

/** How long /state and /metrics wait for a child (ms); one that is late is reported, not waited for. */
export const CHILD_ANSWER_MS = 2000;
/** A reload may take a while on a large configuration (checkers, IPVS diff). */
export const CHILD_RELOAD_MS = 60_000;

/** Forks this program again as one child: the same flags and configuration file, plus the internal role flag. */
export function forkChild(role: ChildRole, generation: number): ChildLike {
  const argv = process.argv.slice(2).filter((a) => !a.startsWith('--lvsk-child'));
  const env: NodeJS.ProcessEnv = { ...process.env, [GENERATION_ENV]: String(generation) };
  delete env.NOTIFY_SOCKET; // only the parent talks to systemd
  return fork(process.argv[1], [...argv, '-n', `--lvsk-child=${role}`], { execArgv: process.execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function runParent(args: DaemonArgs, spawn: (role: ChildRole, generation: number) => ChildLike = forkChild): Promise<number> {
  const { log, file, configId } = daemonStart(args);
  for (const o of args.ignored) log.warn({ option: o }, 'option accepted for keepalived compatibility and ignored');
  const first = loadConfig(file, configId, log);
  if (!first) {
    log.fatal({ file }, 'configuration has errors; not starting');
    return 1;
  }
  const state = { config: first as Config, generation: 1, loadedAt: new Date().toISOString(), file };
  const mainPid = args.pidFile ?? DEFAULT_PID_FILES.main;
  writePid(mainPid, log);
  const metrics = new Metrics([MetricFamily.Daemon]);
  metrics.configGeneration.set(1);
  const sup = new Supervisor({ spawn: (r) => spawn(r, state.generation), log, metrics, dontRespawn: args.dontRespawn, requestTimeoutMs: CHILD_ANSWER_MS });

  const running = (): string => `running ${sup.roles().map((r) => ROLE_NAME[r]).join(', ') || 'nothing'} (generation ${state.generation})`;
  sup.once('ready', () => {
    log.info({ file, configId, children: sup.info() }, 'lvskeeper running');
    void sdNotify(['READY=1', `STATUS=${running()}`]);
  });
  sup.on('child-ready', (role: ChildRole, pid: number, restarted: boolean) => {
    if (restarted) log.info({ child: ROLE_NAME[role], pid }, `${ROLE_NAME[role]} child respawned and running`);
  });
  sup.on('reloaded', (role: ChildRole, r: { applied: boolean; generation: number }) =>
    log.info({ child: ROLE_NAME[role], ...r }, 'a child reloaded on a signal sent to it directly'),
  );
  const roles = wantedRoles(first, args);
  if (!roles.length) {
    log.warn({ file }, 'Warning - lvskeeper has no configuration to run (no vrrp_instance, static_* or virtual_server; --all runs both children anyway)');
    log.info({ file, configId, children: {} }, 'lvskeeper running');
    void sdNotify(['READY=1', `STATUS=${running()}`]);
  }
  sup.start(roles);

  const parentView = () => ({ pid: process.pid, generation: state.generation, loadedAt: state.loadedAt, file: state.file });
  const stateView = async (): Promise<unknown> => mergeState(parentView(), sup.info(), await sup.ask('state'));
  const metricsText = async (): Promise<string> => {
    const answers = await sup.ask('metrics');
    for (const a of answers) metrics.childScrapeOk.set({ child: ROLE_NAME[a.role] }, a.result !== undefined ? 1 : 0);
    return mergeMetrics(await metrics.text(), answers);
  };
  let status: StatusServer | undefined;
  try {
    status = await startStatusServer({ listen: parseListen(args.statusListen ?? DEFAULT_STATUS_LISTEN), state: stateView, metrics: { text: metricsText, registry: metrics.registry } });
    if (status) log.info({ address: status.address() }, 'status endpoint listening (/state, /metrics)');
  } catch (e) {
    log.error({ err: e }, 'status endpoint could not start; continuing without it');
  }

  let reloading = Promise.resolve();
  let stopping = false;
  const reload = (): void => {
    reloading = reloading.then(async () => {
      if (stopping) return;
      log.info({ file }, 'reloading configuration (SIGHUP)');
      void sdNotify(['RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`]);
      const next = loadConfig(file, configId, log);
      if (!next) {
        log.error({ file, generation: state.generation }, 'new configuration rejected; keeping the running one');
        metrics.reloads.inc({ result: 'rejected' });
        void sdNotify(['READY=1', 'STATUS=reload rejected; running the previous configuration']);
        return;
      }
      const answers = await sup.reload(CHILD_RELOAD_MS);
      if (stopping) return;
      state.config = next;
      state.generation++;
      state.loadedAt = new Date().toISOString();
      // keepalived propagate_signal: a child the old configuration did not need starts now
      const added = sup.start(wantedRoles(next, args));
      for (const a of answers) {
        if (a.error) log.error({ child: ROLE_NAME[a.role], err: a.error }, `reload of the ${ROLE_NAME[a.role]} child failed: ${a.error.message} (a respawned child reads the file when it starts)`);
        else if (!a.result!.applied) log.error({ child: ROLE_NAME[a.role] }, `the ${ROLE_NAME[a.role]} child rejected the configuration (changed since?); it keeps its running one`);
      }
      metrics.reloads.inc({ result: 'applied' });
      metrics.configGeneration.set(state.generation);
      log.info({ generation: state.generation, started: added.map((r) => ROLE_NAME[r]) }, 'configuration reloaded');
      void sdNotify(['READY=1', `STATUS=${running()}`]);
    });
  };

  const dump = (kind: 'data' | 'stats' | 'json'): void => {
    void sup.ask(kind === 'stats' ? 'stats' : 'state').then((answers) => {
      const body = { ...mergeState(parentView(), sup.info(), answers), ...(kind === 'data' ? { config: JSON.parse(dumpConfig(state.config)) as unknown } : {}) };
      writeDump(DUMP_FILES[kind], body, log, kind);
    });
  };

  return new Promise<number>((resolve) => {
    const stop = async (sig: string, code = 0): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void sdNotify(['STOPPING=1']);
      // a reload in progress is not waited for: each child finishes its own before it stops
      const started = sup.roles();
      await sup.stop(state.config.globalDefs.childWaitTime * 1000);
      // keepalived stop_keepalived removes the children's pid files too (a killed child could not)
      for (const role of started) removeStalePid(childPidFile(args, role));
      await status?.close();
      removePid(mainPid);
      log.info('stopped');
      resolve(code);
    };
    sup.on('fatal', (code: number) => void stop('child', code));
    onSignals({
      SIGHUP: reload,
      SIGTERM: () => void stop('SIGTERM'),
      SIGINT: () => void stop('SIGINT'),
      SIGUSR1: () => dump('data'),
      SIGUSR2: () => dump('stats'),
      // keepalived's SIGJSON (--signum=JSON): the state as JSON in /tmp/keepalived.json
      SIGJSON: () => dump('json'),
      SIGSTATS_CLEAR: () => log.warn('SIGSTATS_CLEAR received: clearing counters is not implemented; ignored'),
    });
  });
}
