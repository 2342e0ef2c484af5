// The default checker implementations of CheckScheduler: each checker module is loaded on demand (preload() when a
// checker of its kind is added), so a configuration with TCP_CHECKs only never loads undici, the DNS codec or ICMP.
/* eslint-disable @typescript-eslint/no-require-imports */
import { CheckerKind, CheckFn, CheckResult, CheckStartFn, TargetOf } from './types';

/** FILE_CHECK's watcher and first read, loading file.ts on first use. */
export const defaultWatch = (p: string, onChange: () => void): (() => void) => (require('./file') as typeof import('./file')).watchTrackedFile(p, onChange);
export const defaultProbe = (t: TargetOf<CheckerKind.File>): CheckResult => (require('./file') as typeof import('./file')).probeFile(t);

/**
 * The checker modules, each loaded on its first attempt: a configuration with TCP_CHECKs only does not load undici,
 * the DNS codec or the ICMP sockets (module loading is most of a start under emulation, and memory everywhere).
 */
/** The default callback-form checkers: TCP_CHECK on the bare TCP handle (tcp.ts startTcp). */
export function loadDefaultStarters(): Partial<Record<CheckerKind, CheckStartFn>> {
  let start: CheckStartFn | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (): CheckStartFn => (start ??= (require('./tcp') as typeof import('./tcp')).startTcp as CheckStartFn);
  const tcp: CheckStartFn & Preloadable = (target, done) => load()(target, done);
  tcp.preload = () => void load();
  return { [CheckerKind.Tcp]: tcp };
}

/** A lazily loaded checker: preload() loads its module now (CheckScheduler.add, before any attempt is timed). */
export interface Preloadable {
  preload?: () => void;
}

export function loadDefaultCheckers(): Partial<Record<CheckerKind, CheckFn>> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const lazy = (load: () => CheckFn): CheckFn => {
    let fn: CheckFn | undefined;
    const f: CheckFn & Preloadable = (target, signal) => (fn ??= load())(target, signal);
    f.preload = () => void (fn ??= load());
    return f;
  };
  const http = lazy(() => (require('./http') as typeof import('./http')).checkHttp as CheckFn);
  return {
    [CheckerKind.Tcp]: lazy(() => (require('./tcp') as typeof import('./tcp')).checkTcp as CheckFn),
    [CheckerKind.HttpGet]: http,
    [CheckerKind.SslGet]: http,
    [CheckerKind.Udp]: lazy(() => (require('./udp') as typeof import('./udp')).checkUdp as CheckFn),
    [CheckerKind.Dns]: lazy(() => (require('./dns') as typeof import('./dns')).checkDns as CheckFn),
    [CheckerKind.Smtp]: lazy(() => (require('./smtp') as typeof import('./smtp')).checkSmtp as CheckFn),
    [CheckerKind.Misc]: lazy(() => (require('./misc') as typeof import('./misc')).checkMisc as CheckFn),
    [CheckerKind.File]: lazy(() => (require('./file') as typeof import('./file')).checkFile as CheckFn),
    [CheckerKind.Ping]: lazy(() => (require('./ping') as typeof import('./ping')).checkPing as CheckFn),
  };
}
