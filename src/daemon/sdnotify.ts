// systemd readiness notification (Type=notify): READY=1, RELOADING=1, STOPPING=1, STATUS=...
// Node has no unix datagram sockets, so the message goes through systemd-notify(1) with
// --pid of this process; the unit sets NotifyAccess=all so systemd accepts it from the helper.
import { spawn } from 'child_process';

export type NotifyState = 'READY=1' | 'RELOADING=1' | 'STOPPING=1' | `STATUS=${string}` | `MONOTONIC_USEC=${number}`;

export function notifyEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.NOTIFY_SOCKET);
}

/** Sends the states to systemd when running under it; a no-op otherwise. Never throws. */
export function sdNotify(states: NotifyState[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!notifyEnabled(env)) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      const child = spawn('systemd-notify', [`--pid=${process.pid}`, ...states], { stdio: 'ignore', env });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    } catch {
      resolve(false);
    }
  });
}

/** RELOADING=1 must carry MONOTONIC_USEC (systemd >= 253 Type=notify-reload); harmless before. */
export function monotonicUsec(): number {
  return Math.floor(Number(process.hrtime.bigint()) / 1000);
}
