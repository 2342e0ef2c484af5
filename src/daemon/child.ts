// One child process of the lvskeeper parent (`--lvsk-child=vrrp|check`): runs one subsystem on the parent's
// configuration file and flags, writes its -r/-c pid file, answers the parent's IPC requests, and reacts to
// signals sent to it directly as keepalived's children do (HUP reload, TERM/INT stop, USR1/USR2 dumps).
import type { DaemonArgs } from '../cli/args';
import type { Logger } from '../util/log';
import { Metrics, MetricFamily } from './metrics';
import { ChildExit, ChildMessage, ChildRole, ROLE_NAME, parseParentMessage, toWire, ParentRequest } from './ipc';
import { DEFAULT_PID_FILES, DUMP_FILES, SubsystemHost, daemonStart, removePid, writeDump, writePid } from './child-host';
import { onSignals } from './early-signals';

/** The environment variable carrying the parent's configuration generation to a (re)spawned child. */
export const GENERATION_ENV = 'LVSK_GENERATION';

export function childPidFile(args: DaemonArgs, role: ChildRole): string {
  return role === ChildRole.Vrrp ? (args.vrrpPidFile ?? DEFAULT_PID_FILES.vrrp) : (args.checkersPidFile ?? DEFAULT_PID_FILES.checkers);
}

function send(m: ChildMessage): void {
  try {
    if (process.connected) process.send?.(m);
  } catch {
    /* parent gone */
  }
}

async function answer(host: SubsystemHost, metrics: Metrics, req: ParentRequest): Promise<void> {
  try {
    let result: unknown;
    switch (req.op) {
      case 'state':
      case 'stats':
        result = toWire(host.view(req.op));
        break;
      case 'metrics':
        result = await metrics.text();
        break;
      case 'reload':
        result = await host.reload();
        break;
    }
    send({ kind: 'reply', id: req.id, ok: true, result });
  } catch (e) {
    send({ kind: 'reply', id: req.id, ok: false, error: (e as Error).message });
  }
}

export async function runChild(args: DaemonArgs, role: ChildRole): Promise<number> {
  const name = ROLE_NAME[role];
  const start = daemonStart(args, name);
  const log: Logger = start.log.child({ pid: process.pid });
  const { file, configId } = start;
  // this child's view of the flags: its one subsystem
  const own: DaemonArgs = { ...args, vrrpOnly: role === ChildRole.Vrrp, checkOnly: role === ChildRole.Checkers };
  const metrics = new Metrics([role === ChildRole.Vrrp ? MetricFamily.Vrrp : MetricFamily.Check]);
  const { subsystemsFor } = await import('./subsystems');
  const generation = Number(process.env[GENERATION_ENV]) || 1;
  const host = new SubsystemHost({ args: own, log, metrics, subsystems: await subsystemsFor(own), file, configId, generation, quietWarnings: true });
  const config = host.load();
  if (!config) {
    log.fatal({ file }, 'configuration has errors; child not starting');
    return ChildExit.Config;
  }
  const pidFile = childPidFile(args, role);
  writePid(pidFile, log);
  await host.start(config);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.info({ reason: why }, 'stopping');
      await host.stop();
      removePid(pidFile);
      log.info('stopped');
      process.off('message', onMessage);
      if (process.connected) process.disconnect?.();
      // a handle a subsystem forgot must not keep a stopped child around
      setTimeout(() => process.exit(ChildExit.Ok), 2000).unref();
      resolve(ChildExit.Ok);
    };
    const onMessage = (raw: unknown): void => {
      const req = parseParentMessage(raw);
      if (!req) log.warn('unexpected message from the parent ignored');
      else if (!stopping) void answer(host, metrics, req);
    };
    process.on('message', onMessage);
    // keepalived's children die with their parent (PR_SET_PDEATHSIG SIGTERM): here, the channel closes
    process.on('disconnect', () => void stop('parent gone'));
    const bySignal = (sig: string): void => {
      send({ kind: 'stopping', signal: sig });
      void stop(sig);
    };
    onSignals({
      SIGTERM: () => bySignal('SIGTERM'),
      SIGINT: () => bySignal('SIGINT'),
      SIGHUP: () => void host.reload().then((result) => send({ kind: 'reloaded', result })),
      // a dump signal sent to the child itself: its own file, as keepalived's VRRP and checker processes write them
      SIGUSR1: () => writeDump(role === ChildRole.Vrrp ? DUMP_FILES.data : DUMP_FILES.checkData, host.dumpBody('data'), log, 'data'),
      SIGUSR2: () => writeDump(DUMP_FILES.stats, host.dumpBody('stats'), log, 'stats'),
      SIGJSON: () => writeDump(DUMP_FILES.json, { ...host.view('state'), file }, log, 'json'),
      SIGSTATS_CLEAR: () => log.warn('SIGSTATS_CLEAR received: clearing counters is not implemented; ignored'),
    });
    log.info({ subsystem: name, generation: host.generation }, 'child running');
    send({ kind: 'ready', role, pid: process.pid, generation: host.generation });
  });
}
