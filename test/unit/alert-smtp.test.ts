// SMTP alerts: keepalived's texts, the SMTP dialogue against a scripted server on loopback, failures and the queue.
import t from 'tap';
import { Writable } from 'stream';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';
import { createLogger } from '../../src/util/log';
import { formatAlert, formatData, formatTrio, rfc822Date, smtpSettings, toHeader } from '../../src/alert/smtp-message';
import { parseReplies, sendMail, smtpSteps } from '../../src/alert/smtp-send';
import { MAX_QUEUED, SmtpAlerter } from '../../src/alert/alerter';
import { normal, smtpServer } from './helpers/smtp-server';

const quiet = () => createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' });

function config(globalDefs: string) {
  const files = { '/etc/keepalived/keepalived.conf': `global_defs {\n${globalDefs}\n}\n` };
  const res = parseConfig('/etc/keepalived/keepalived.conf', memoryLoader(files, '/etc/keepalived'), { configId: 'x' });
  if (!res.config) throw new Error(JSON.stringify(res.diagnostics));
  return res.config;
}


t.test('subjects and bodies are keepalived 2.2.7 texts', async (t) => {
  const table: [Parameters<typeof formatAlert>[0], string, string][] = [
    [{ kind: 'vrrp', instance: 'VI_1', state: 'MASTER' }, '[lb1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
    [{ kind: 'vrrp', instance: 'VI_1', state: 'BACKUP' }, '[lb1] VRRP Instance VI_1 - Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    [{ kind: 'vrrp', instance: 'VI_1', state: 'FAULT' }, '[lb1] VRRP Instance VI_1 - Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
    [{ kind: 'vrrp', instance: 'VI_1', state: 'STOP' }, '[lb1] VRRP Instance VI_1 - Stopping', '=> VRRP Instance stopping <='],
    [{ kind: 'vgroup', group: 'G', state: 'MASTER' }, '[lb1] VRRP Group G - Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
    [{ kind: 'rs', rs: '[10.0.0.2]:tcp:80', vs: '[10.0.0.1]:tcp:80', up: false, checker: 'TCP_CHECK' }, '[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', '=> TCP CHECK failed on service <='],
    [{ kind: 'rs', rs: '[10.0.0.2]:tcp:80', vs: 'FWM 5', up: true, checker: 'HTTP_GET' }, '[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server FWM 5 - UP', '=> CHECK succeed on service <='],
    [{ kind: 'rs', rs: 'r', vs: 'v', up: false, checker: 'HTTP_GET' }, '[lb1] Realserver r of virtual server v - DOWN', '=> CHECK failed on service : HTTP request failed <='],
    [{ kind: 'rs-shut', rs: 'r', vs: 'v', stopping: true }, '[lb1] Realserver r of virtual server v - DOWN', '=> Shutting down <='],
    [{ kind: 'rs-shut', rs: 'r', vs: 'v', stopping: false }, '[lb1] Realserver r of virtual server v - DOWN', '=> Removing <='],
    [{ kind: 'vs', vs: 'v', up: true, message: '=> Gained quorum 1+0=1 <= 2 <=' }, '[lb1] Virtualserver v - UP', '=> Gained quorum 1+0=1 <= 2 <='],
    [{ kind: 'other', subject: 'hello', body: 'b' }, '[lb1] hello', 'b'],
  ];
  for (const [a, subject, body] of table) t.same(formatAlert(a, 'lb1'), { subject, body }, subject);
  t.equal(formatAlert({ kind: 'other', subject: 'x'.repeat(400), body: 'y'.repeat(900) }, 'r').subject.length, 255);
  t.equal(formatAlert({ kind: 'other', subject: 'x', body: 'y'.repeat(900) }, 'r').body.length, 511);
  t.equal(formatTrio('10.0.0.1', 'TCP', 80), '[10.0.0.1]:tcp:80');
  t.equal(formatTrio('fe80::1', 17, 53), '[fe80::1]:udp:53');
  t.equal(formatTrio('1.2.3.4', undefined, 0), '[1.2.3.4]:none:0');
});

t.test('To header, Date header and the DATA section', async (t) => {
  t.equal(toHeader(['a@x', 'b@y']), 'a@x, b@y');
  const many = Array.from({ length: 200 }, (_, i) => `user${i}@example.org`);
  const h = toHeader(many);
  t.ok(h.length <= 1023 && h.endsWith('.org'), 'cut at a whole address within keepalived\'s 1024-byte buffer');
  t.match(rfc822Date(new Date(0)), /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
  const d = formatData({ from: 'ka@lb1', to: ['ops@x'] }, 'S', '.dot\r\nline', new Date(0));
  t.match(d, /^Date: .*\r\nFrom: ka@lb1\r\nSubject: S\r\nX-Mailer: Keepalived\r\nTo: ops@x\r\n\r\n\.\.dot\r\nline\r\n\r\n\.\r\n$/);
});

t.test('settings follow keepalived defaults', async (t) => {
  t.equal(smtpSettings(config('router_id lb1')), undefined, 'no smtp_server: nothing sent');
  t.equal(smtpSettings(config('smtp_server 127.0.0.1')), undefined, 'no notification_email: nothing sent');
  const s = smtpSettings(config('notification_email {\n ops@example.org\n noc@example.org\n}\nsmtp_server 127.0.0.1 2525\nrouter_id lb1'), 'root', 'dir-a');
  t.same(s, { server: { address: '127.0.0.1', port: 2525 }, connectTimeout: 30, heloName: 'dir-a', from: 'root@dir-a', to: ['ops@example.org', 'noc@example.org'], routerId: 'lb1', noEmailFaults: false });
  const s2 = smtpSettings(config('notification_email {\n a@b\n}\nnotification_email_from ka@lb\nsmtp_server 127.0.0.1\nsmtp_helo_name mx.lb\nsmtp_connect_timeout 5\nno_email_faults'), 'root', 'dir-a');
  t.match(s2, { server: { port: 25 }, connectTimeout: 5, heloName: 'mx.lb', from: 'ka@lb', routerId: 'dir-a', noEmailFaults: true });
});

t.test('reply parsing: multi-line replies and partial lines', async (t) => {
  t.same(parseReplies('250-a\r\n250-b\r\n250 c\r\n354 go'), { codes: [250], used: 21 });
  t.same(parseReplies('garbage\r\n'), { codes: [0], used: 9 });
  t.same(smtpSteps({ heloName: 'h', from: 'f', to: ['a', 'b'], data: 'D' }).map((s) => s.stage), ['banner', 'helo', 'mail', 'rcpt', 'rcpt', 'data', 'body', 'quit']);
});

t.test('a mail goes through the whole dialogue', async (t) => {
  const srv = await smtpServer(normal);
  t.teardown(srv.close);
  const res = await sendMail({ server: { address: '127.0.0.1', port: srv.port }, timeout: 5, heloName: 'lb1', from: 'ka@lb1', to: ['a@x', 'b@x'], data: 'Subject: s\r\n\r\nbody\r\n\r\n.\r\n' });
  t.same(res, { ok: true });
  t.same(srv.received, ['HELO lb1', 'MAIL FROM:<ka@lb1>', 'RCPT TO:<a@x>', 'RCPT TO:<b@x>', 'DATA', 'Subject: s\r\n\r\nbody\r\n\r\n.\r\n', 'QUIT']);
});

t.test('failures are reported with their stage, never thrown', async (t) => {
  const rejecting = await smtpServer((cmd) => (cmd.startsWith('RCPT') ? '550 no such user\r\n' : normal(cmd)));
  t.teardown(rejecting.close);
  const base = { timeout: 5, heloName: 'h', from: 'f@x', to: ['a@x'], data: 'x\r\n.\r\n' };
  t.same(await sendMail({ ...base, server: { address: '127.0.0.1', port: rejecting.port } }), { ok: false, stage: 'rcpt', reason: 'reply 550; should be 250' });
  const silent = await smtpServer(normal, null);
  t.teardown(silent.close);
  t.match(await sendMail({ ...base, timeout: 1, server: { address: '127.0.0.1', port: silent.port } }), { ok: false, stage: 'banner', reason: /timeout/ });
  const hangup = await smtpServer((cmd) => (cmd.startsWith('MAIL') ? null : normal(cmd)));
  t.teardown(hangup.close);
  t.match(await sendMail({ ...base, server: { address: '127.0.0.1', port: hangup.port } }), { ok: false, stage: 'mail' });
  const closed = await smtpServer(normal);
  await closed.close();
  t.match(await sendMail({ ...base, server: { address: '127.0.0.1', port: closed.port } }), { ok: false, stage: 'connect', reason: 'ECONNREFUSED' });
  const noQuit = await smtpServer((cmd) => (cmd === 'QUIT' ? null : normal(cmd)));
  t.teardown(noQuit.close);
  t.same(await sendMail({ ...base, server: { address: '127.0.0.1', port: noQuit.port } }), { ok: true }, 'accepted once the message got 250');
});

t.test('alerter: queue, no_email_faults, counters', async (t) => {
  const srv = await smtpServer(normal);
  t.teardown(srv.close);
  const a = new SmtpAlerter(quiet());
  a.alert({ kind: 'vrrp', instance: 'VI_1', state: 'MASTER' });
  t.equal(a.counters.queued, 0, 'not configured: nothing queued');
  a.configure(config(`notification_email {\n ops@x\n}\nsmtp_server 127.0.0.1 ${srv.port}\nrouter_id lb1\nno_email_faults`));
  a.alert({ kind: 'vrrp', instance: 'VI_1', state: 'MASTER' });
  a.alert({ kind: 'vrrp', instance: 'VI_1', state: 'FAULT' });
  a.alert({ kind: 'rs', rs: 'r', vs: 'v', up: false, checker: 'TCP_CHECK' });
  await a.idle();
  t.same(a.counters, { queued: 2, sent: 2, failed: 0, dropped: 0 });
  const bodies = srv.received.filter((l) => l.includes('Subject:'));
  t.match(bodies[0], /Subject: \[lb1\] VRRP Instance VI_1 - Entering MASTER state\r\n/);
  t.match(bodies[1], /Subject: \[lb1\] Realserver r of virtual server v - DOWN\r\n/);

  let calls = 0;
  const stuck = new SmtpAlerter(quiet(), () => {
    calls++;
    return new Promise(() => undefined);
  });
  stuck.configure(config('notification_email {\n ops@x\n}\nsmtp_server 127.0.0.1'));
  for (let i = 0; i < MAX_QUEUED + 10; i++) stuck.alert({ kind: 'other', subject: 's', body: 'b' });
  t.equal(calls, 1, 'one send at a time');
  t.equal(stuck.counters.dropped, 9, 'beyond the bound alerts are dropped and counted');

  const failing = new SmtpAlerter(quiet(), async () => ({ ok: false, stage: 'connect', reason: 'ECONNREFUSED' }));
  failing.configure(config('notification_email {\n ops@x\n}\nsmtp_server 127.0.0.1'));
  failing.alert({ kind: 'other', subject: 's', body: 'b' });
  await failing.idle();
  t.same(failing.counters, { queued: 1, sent: 0, failed: 1, dropped: 0 });
});
