// Signals that arrive while the daemon is still starting: Node's default action for SIGHUP, SIGTERM, SIGINT, SIGUSR1
// and SIGUSR2 ends the process, so they are held from the first moment and handed to the real handlers once the
// subsystems run (a SIGHUP during start then reloads once, a SIGTERM stops cleanly).
export type HeldSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT' | 'SIGUSR1' | 'SIGUSR2';
const SIGNALS: readonly HeldSignal[] = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2'];

let pending: HeldSignal[] | undefined;
const holders = new Map<HeldSignal, () => void>();

/** Starts holding (idempotent). */
export function holdSignals(): void {
  if (pending) return;
  pending = [];
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
  for (const [s, h] of Object.entries(handlers) as Array<[HeldSignal, () => void]>) process.on(s, h);
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
