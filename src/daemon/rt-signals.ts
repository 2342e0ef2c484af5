// keepalived's real-time signals, SIGJSON (SIGRTMIN+2: JSON state dump) and SIGSTATS_CLEAR (SIGRTMAX-1). Node's
// process.on() knows only named signals, and a real-time signal's default action ends the process, so a site's
// `kill -s $(keepalived --signum=JSON) $(cat /run/keepalived.pid)` would kill the daemon. libuv watches any signal
// number; Node 20 exposes that watcher only as process.binding('signal_wrap') (deprecated, DEP0111), used here
// behind a feature check: where it is missing the daemon logs that these signals are unsupported.
import { SIGNUM } from '../cli/args';

export type RtSignal = 'SIGJSON' | 'SIGSTATS_CLEAR';
export const RT_SIGNALS: Record<RtSignal, number> = { SIGJSON: SIGNUM.JSON, SIGSTATS_CLEAR: SIGNUM.STATS_CLEAR };

interface SignalWrap {
  onsignal: (signo: number) => void;
  start(signo: number): number;
  close(): void;
  unref?(): void;
}

function signalWrapClass(): (new () => SignalWrap) | undefined {
  const saved = process.noDeprecation;
  try {
    // the deprecation warning would be printed once on stderr at every start; it says nothing to an operator
    process.noDeprecation = true;
    const b = (process as unknown as { binding(name: string): { Signal?: new () => SignalWrap } }).binding('signal_wrap');
    return typeof b?.Signal === 'function' ? b.Signal : undefined;
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = saved;
  }
}

/**
 * Watches a real-time signal; returns undefined when this Node cannot (the signal would then end the process, as
 * before). The watcher does not keep the process alive.
 */
export function watchRtSignal(sig: RtSignal, handler: () => void): { close(): void } | undefined {
  const Signal = signalWrapClass();
  if (!Signal) return undefined;
  const w = new Signal();
  w.onsignal = () => handler();
  if (w.start(RT_SIGNALS[sig]) !== 0) {
    w.close();
    return undefined;
  }
  w.unref?.();
  return { close: () => w.close() };
}
