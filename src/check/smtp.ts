// SMTP_CHECK: expect a 220 banner, send "HELO helo_name", expect 250, send QUIT and read the reply (keepalived check_smtp.c).

import { tcpConnect } from './sockopt';
import { abortMessage, CheckerKind, CheckResult, failResult, okResult, performanceNow, TargetOf } from './types';

/** check_smtp.h SMTP_DEFAULT_HELO */
export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';
/** check_smtp.h SMTP_BUFF_MAX: a reply longer than this is an error. */
const SMTP_REPLY_MAX = 512 * 8;

/**
 * Splits complete SMTP replies off `buf` (RFC 5321 4.2.1: "ddd-" continues, "ddd " or "ddd" ends a reply).
 * Returns the code of the first complete reply (or -1 when malformed) and the remaining bytes.
 */
export function takeReply(buf: string): { code: number; rest: string } | undefined {
  let off = 0;
  for (;;) {
    const nl = buf.indexOf('\n', off);
    if (nl < 0) return undefined;
    const line = buf.slice(off, nl).replace(/\r$/, '');
    off = nl + 1;
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) return { code: -1, rest: buf.slice(off) };
    if (m[2] !== '-') return { code: Number(m[1]), rest: buf.slice(off) };
  }
}

enum SmtpStep {
  Banner = 'banner',
  Helo = 'HELO',
  Quit = 'QUIT',
}

export function checkSmtp(target: TargetOf<CheckerKind.Smtp>, signal: AbortSignal): Promise<CheckResult> {
  const started = performanceNow();
  const { conn } = target;
  const helo = target.smtp.heloName ?? SMTP_DEFAULT_HELO;
  const srv = `[${conn.connectIp}]:${conn.connectPort}`;
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(failResult(abortMessage(signal, `Connection to server ${srv}`), started, { timedOut: true }));
    let done = false;
    let stepNow = SmtpStep.Banner;
    let buf = '';
    const sock = tcpConnect(conn);
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish(failResult(`Read timeout from server ${srv} (${stepNow})`, started, { timedOut: true }));
    signal.addEventListener('abort', onAbort, { once: true });
    sock.setEncoding('latin1');
    sock.on('error', (e: NodeJS.ErrnoException) => finish(failResult(`Error connecting to server ${srv}: ${e.code ?? e.message}`, started)));
    sock.on('end', () => finish(failResult(`Read failure from server ${srv} (${stepNow})`, started)));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > SMTP_REPLY_MAX) return finish(failResult(`Buffer overflow reading from server ${srv}`, started));
      for (;;) {
        const r = takeReply(buf);
        if (!r) return;
        buf = r.rest;
        switch (stepNow) {
          case SmtpStep.Banner:
            if (r.code !== 220) return finish(failResult(`Bad greeting banner from server ${srv}`, started));
            stepNow = SmtpStep.Helo;
            sock.write(`HELO ${helo}\r\n`);
            break;
          case SmtpStep.Helo:
            if (r.code !== 250) return finish(failResult(`Bad HELO response from server ${srv}`, started));
            stepNow = SmtpStep.Quit;
            sock.write('QUIT\r\n');
            break;
          case SmtpStep.Quit:
            // check_smtp.c SMTP_RECV_QUIT: any reply completes the check
            return finish(okResult('SMTP HELO accepted', started));
        }
      }
    });
  });
}

/** The plugin entry point: check(target, signal). */
export { checkSmtp as check };
