// Signals that arrive while the daemon is still starting: Node's default action for SIGHUP, SIGTERM, SIGINT, SIGUSR1
// and SIGUSR2 ends the process, so they are held from the first moment and handed to the real handlers once the
// subsystems run (a SIGHUP during start then reloads once, a SIGTERM stops cleanly).
import { RtSignal, watchRtSignal } from './rt-signals';

export type HeldSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT' | 'SIGUSR1' | 'SIGUSR2' | RtSignal;
const SIGNALS = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2'] as const satisfies readonly NodeJS.Signals[];
const RT: readonly RtSignal[] = ['SIGJSON', 'SIGSTATS_CLEAR'];

let pending: HeldSignal[] | undefined;
const holders = new Map<(typeof SIGNALS)[number], () => void>();
/** keepalived's real-time signals: watched from the first moment (their default action would end the process) */
let handlersNow: Partial<Record<HeldSignal, () => void>> | undefined;
let rtWatchers: Array<{ close(): void }> | undefined;

function watchRealtime(): void {
  if (rtWatchers) return;
  rtWatchers = [];
  for (const s of RT) {
    const w = watchRtSignal(s, () => {
      if (handlersNow) handlersNow[s]?.();
      else if (pending && !pending.includes(s)) pending.push(s);
    });
    if (w) rtWatchers.push(w);
  }
}

/** Whether keepalived's real-time signals (SIGJSON, SIGSTATS_CLEAR) can be handled in this Node. */
export function realtimeSignalsWatched(): boolean {
  watchRealtime();
  return (rtWatchers?.length ?? 0) === RT.length;
}

/** Starts holding (idempotent). */
export function holdSignals(): void {
  if (pending) return;
  pending = [];
  watchRealtime();
  for (const s of SIGNALS) {
    const h = (): void => {
      // repeats of one signal collapse, as pending POSIX signals do
      if (!pending!.includes(s)) pending!.push(s);
    };
    holders.set(s, h);
    process.on(s, h);
  }
}

/**
 * Installs the daemon's handlers, stops holding, and replays what arrived meanwhile (in arrival order, on the next
 * turn of the event loop so that the caller finishes its setup first).
 */
export function onSignals(handlers: Partial<Record<HeldSignal, () => void>>): void {
  for (const [s, h] of Object.entries(handlers) as Array<[HeldSignal, () => void]>) if (s !== 'SIGJSON' && s !== 'SIGSTATS_CLEAR') process.on(s, h);
  watchRealtime();
  handlersNow = { ...(handlersNow ?? {}), ...handlers };
  for (const [s, h] of holders) process.off(s, h);
  holders.clear();
  const replay = pending ?? [];
  pending = undefined;
  if (replay.length) setImmediate(() => replay.forEach((s) => handlers[s]?.()));
}

/** Signals received while holding (tests). */
export function heldSignals(): readonly HeldSignal[] {
  return pending ?? [];
}
