// Sends one alert mail over SMTP the way keepalived's core/smtp.c does: connect (smtp_connect_timeout), banner 220,
// HELO 250, MAIL FROM 250, RCPT TO 250 per recipient, DATA 354, message 250, QUIT 221. Never throws: it resolves
// with the outcome so that a broken mail server cannot disturb the daemon.
import * as net from 'net';

export interface SendRequest {
  server: { address: string; port: number };
  /** seconds for connect and for each reply (keepalived uses smtp_connect_timeout for both) */
  timeout: number;
  heloName: string;
  from: string;
  to: readonly string[];
  /** the DATA section, ending in "\r\n.\r\n" (formatData) */
  data: string;
}

export type SendResult = { ok: true } | { ok: false; stage: SmtpStage; reason: string };

/** keepalived's SMTP FSM stages (smtp.c SMTP_FSM: CONNECTION, HELO, MAIL, RCPT, DATA, BODY, QUIT). */
export type SmtpStage = 'connect' | 'banner' | 'helo' | 'mail' | 'rcpt' | 'data' | 'body' | 'quit';

/** A command to send and the reply code that lets the dialogue go on. */
interface Step {
  stage: SmtpStage;
  send?: string;
  expect: number;
}

/** The dialogue for one message. */
export function smtpSteps(r: Pick<SendRequest, 'heloName' | 'from' | 'to' | 'data'>): Step[] {
  return [
    { stage: 'banner', expect: 220 },
    { stage: 'helo', send: `HELO ${r.heloName}\r\n`, expect: 250 },
    { stage: 'mail', send: `MAIL FROM:<${r.from}>\r\n`, expect: 250 },
    ...r.to.map((a): Step => ({ stage: 'rcpt', send: `RCPT TO:<${a}>\r\n`, expect: 250 })),
    { stage: 'data', send: 'DATA\r\n', expect: 354 },
    { stage: 'body', send: r.data, expect: 250 },
    { stage: 'quit', send: 'QUIT\r\n', expect: 221 },
  ];
}

/**
 * Complete replies at the start of buf: returns the final code of each multi-line reply ("250-..." lines continue,
 * "250 ..." ends it; RFC 5321 4.2.1) and how many bytes they used.
 */
export function parseReplies(buf: string): { codes: number[]; used: number } {
  const codes: number[] = [];
  let used = 0;
  for (;;) {
    const nl = buf.indexOf('\n', used);
    if (nl < 0) break;
    const line = buf.slice(used, nl).replace(/\r$/, '');
    used = nl + 1;
    const m = /^(\d{3})([ -]?)/.exec(line);
    if (!m) {
      codes.push(0); // not a reply line: treated as an unexpected code
      continue;
    }
    if (m[2] === '-') continue;
    codes.push(Number(m[1]));
  }
  return { codes, used };
}

export function sendMail(r: SendRequest): Promise<SendResult> {
  const steps = smtpSteps(r);
  return new Promise((resolve) => {
    let i = 0;
    let buf = '';
    let done = false;
    // keepalived logs success once the message is accepted (body_code); a failed QUIT does not unsend it.
    const accepted = () => i > steps.length - 2;
    const sock = net.connect({ host: r.server.address, port: r.server.port });
    const finish = (res: SendResult): void => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(accepted() ? { ok: true } : res);
    };
    let connected = false;
    sock.on('connect', () => (connected = true));
    const stage = (): SmtpStage => (connected ? steps[Math.min(i, steps.length - 1)].stage : 'connect');
    sock.setTimeout(Math.max(1, r.timeout) * 1000, () => finish({ ok: false, stage: stage(), reason: `timeout after ${r.timeout} s` }));
    sock.setEncoding('utf8');
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, stage: stage(), reason: e.code ?? e.message }));
    sock.on('close', () => finish({ ok: false, stage: stage(), reason: 'connection closed by the server' }));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const { codes, used } = parseReplies(buf);
      buf = buf.slice(used);
      for (const code of codes) {
        const step = steps[i];
        if (code !== step.expect) {
          finish({ ok: false, stage: step.stage, reason: `reply ${code}; should be ${step.expect}` });
          return;
        }
        i++;
        if (i >= steps.length) {
          finish({ ok: true });
          return;
        }
        sock.write(steps[i].send!);
      }
    });
  });
}
