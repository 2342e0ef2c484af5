// PING_CHECK: one ICMP/ICMPv6 echo per attempt over the shared raw sockets (icmp-socket.ts); where raw sockets are not
// permitted, spawn the system ping (or busybox ping) instead (keepalived check_ping.c uses unprivileged ICMP sockets).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { sharedIcmp } from './icmp-socket';
import { abortMessage, CheckerKind, CheckResult, failResult, hostWithScope, okResult, performanceNow, TargetOf } from './types';

let rawUnavailable = false;

/** ping binaries tried in order when raw sockets are refused. */
function pingCommand(addr: string, timeoutMs: number, bindto?: string): [string, string[]] | undefined {
  const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const args = ['-c', '1', '-W', secs];
  if (bindto) args.push('-I', bindto);
  if (net.isIPv6(addr)) args.unshift('-6');
  args.push(addr);
  for (const p of ['/bin/ping', '/usr/bin/ping', '/usr/sbin/ping']) if (fs.existsSync(p)) return [p, args];
  for (const b of ['/bin/busybox', '/usr/bin/busybox']) if (fs.existsSync(b)) return [b, ['ping', ...args]];
  return undefined;
}

function spawnPing(addr: string, target: TargetOf<CheckerKind.Ping>, signal: AbortSignal, started: number): Promise<CheckResult> {
  const cmd = pingCommand(addr, target.timing.connectTimeoutMs, target.conn.bindto);
  if (!cmd) return Promise.resolve(failResult('ICMP connect fail to create socket and no ping binary found', started));
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd[1], { stdio: 'ignore' });
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      resolve(failResult(`ping: ${e.message}`, started));
    });
    child.once('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) resolve(failResult(abortMessage(signal, `ICMP connection to address ${addr}`), started, { timedOut: true }));
      else if (code === 0) resolve(okResult('ICMP echo reply (ping)', started));
      else resolve(failResult(`ICMP CHECK failed (ping exit ${code})`, started));
    });
  });
}

export async function checkPing(target: TargetOf<CheckerKind.Ping>, signal: AbortSignal): Promise<CheckResult> {
  const started = performanceNow();
  const addr = hostWithScope(target.conn);
  if (!rawUnavailable) {
    let r: { ok: boolean; message: string };
    try {
      r = await sharedIcmp().ping(addr, signal);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (/EPERM|EACCES|Operation not permitted|Cannot find module/i.test(`${err.code ?? ''} ${err.message}`)) rawUnavailable = true;
      else return failResult(`ICMP connect fail to create socket: ${err.message}`, started);
      return spawnPing(addr, target, signal, started);
    }
    return r.ok ? okResult(r.message, started) : failResult(r.message, started, signal.aborted ? { timedOut: true } : {});
  }
  return spawnPing(addr, target, signal, started);
}

/** For tests: force the ping-binary fallback. */
export function forcePingFallback(on: boolean): void {
  rawUnavailable = on;
}

/** The plugin entry point: check(target, signal). */
export { checkPing as check };
