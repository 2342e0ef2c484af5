// Runs one attempt of any checker outside the scheduler (for a CLI or a config test), with its attempt timeout.

import { attemptTimeoutMs } from './scheduler';
import { CheckerKind, CheckFn, CheckResult, CheckTarget } from './types';
import { checkTcp } from './tcp';
import { checkHttp } from './http';
import { checkUdp } from './udp';
import { checkDns } from './dns';
import { checkSmtp } from './smtp';
import { checkMisc } from './misc';
import { checkFile } from './file';
import { checkPing } from './ping';

const BY_KIND: Record<CheckerKind, CheckFn> = {
  [CheckerKind.Tcp]: checkTcp as CheckFn,
  [CheckerKind.HttpGet]: checkHttp as CheckFn,
  [CheckerKind.SslGet]: checkHttp as CheckFn,
  [CheckerKind.Udp]: checkUdp as CheckFn,
  [CheckerKind.Dns]: checkDns as CheckFn,
  [CheckerKind.Smtp]: checkSmtp as CheckFn,
  [CheckerKind.Misc]: checkMisc as CheckFn,
  [CheckerKind.File]: checkFile as CheckFn,
  [CheckerKind.Ping]: checkPing as CheckFn,
};

export function checkerFor(kind: CheckerKind): CheckFn {
  return BY_KIND[kind];
}

/** One attempt with the scheduler's timeout (connect_timeout, misc_timeout, ...); `signal` may cancel it earlier. */
export async function checkOnce(target: CheckTarget, signal?: AbortSignal): Promise<CheckResult> {
  const timeout = AbortSignal.timeout(attemptTimeoutMs(target));
  const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
  return BY_KIND[target.kind](target, s);
}
