// SMTP alerts on VRRP transitions, differential: keepalived 2.2.7 and lvskeeper run the same instance (BACKUP at
// start, MASTER after Master_Down_Interval, SIGTERM) against an SMTP sink in the router namespace; the mails
// (subject, body, headers but Date) must be the same, in the same order.
import t, { Test } from 'tap';
import path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { Daemon, Router, Topology, canRun, readText, sleep, startKeepalived, startOurs, stopDaemon, topology, vrrpConf, waitFor } from '../helpers/vrrp-daemon';

const skip = canRun();
let subnet = 120 + (process.pid % 60);

/** A tiny SMTP server in the namespace: answers every command, appends each message (DATA) to `file` as JSON lines. */
const SINK = `
const net = require('net'); const fs = require('fs');
const [port, file] = process.argv.slice(1);
net.createServer((s) => {
  let buf = '', data = false, env = [];
  s.write('220 sink ESMTP\\r\\n');
  s.on('data', (d) => {
    buf += d;
    for (;;) {
      if (data) {
        const e = buf.indexOf('\\r\\n.\\r\\n'); if (e < 0) return;
        fs.appendFileSync(file, JSON.stringify({ env, msg: buf.slice(0, e) }) + '\\n');
        buf = buf.slice(e + 5); data = false; env = []; s.write('250 queued\\r\\n'); continue;
      }
      const n = buf.indexOf('\\r\\n'); if (n < 0) return;
      const c = buf.slice(0, n); buf = buf.slice(n + 2);
      if (c === 'DATA') { data = true; s.write('354 go\\r\\n'); }
      else if (c === 'QUIT') { s.end('221 bye\\r\\n'); }
      else { env.push(c); s.write('250 ok\\r\\n'); }
    }
  });
  s.on('error', () => {});
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

function startSink(r: Router, port: number, file: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', r.ns.name, process.execPath, '-e', SINK, port.toString(), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`SMTP sink exited ${c}`)));
  });
}

interface Mail {
  env: string[];
  msg: string;
}

const mails = (file: string): Mail[] =>
  readText(file)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Mail);
/** The message without its Date header (the only line that differs between two runs). */
const comparable = (m: Mail): string => [...m.env, ...m.msg.split('\r\n').filter((l) => !l.startsWith('Date: '))].join('\n');

async function run(t: Test, topo: Topology, who: 'ours' | 'keepalived', port: number): Promise<Mail[]> {
  const file = path.join(topo.dir, `${who}.mails`);
  const sink = await startSink(topo.a, port, file);
  t.teardown(() => void sink.kill('SIGKILL'));
  const conf = vrrpConf(
    { vrid: 61, priority: 100, vips: [`10.77.${subnet - 1}.100/24`], extra: '  smtp_alert' },
    ['  notification_email {', '    ops@example.org', '    noc@example.org', '  }', '  notification_email_from lb@example.org', `  smtp_server 127.0.0.1 ${port}`, '  smtp_connect_timeout 5', '  router_id dir-a'].join('\n'),
  );
  const d: Daemon = who === 'ours' ? startOurs(topo, topo.a, conf) : startKeepalived(topo, topo.a, conf);
  t.teardown(() => d.kill('SIGKILL'));
  try {
    await waitFor(() => mails(file).some((m) => m.msg.includes('Entering MASTER state')), 15000);
  } catch (e) {
    t.comment(d.output().slice(-3000));
    throw e;
  }
  await stopDaemon(d);
  await waitFor(() => mails(file).some((m) => m.msg.includes('Stopping')), 5000).catch(() => undefined);
  await sleep(300);
  sink.kill('SIGKILL');
  return mails(file);
}

t.test('VRRP alert mails: lvskeeper sends what keepalived sends', { skip, timeout: 90000 }, async (t) => {
  const topo = topology(subnet++ % 250);
  t.teardown(() => topo.close());
  const ka = await run(t, topo, 'keepalived', 2525);
  const ours = await run(t, topo, 'ours', 2526);
  t.ok(ka.length >= 2, `keepalived sent ${ka.length} mails`);
  const subjects = (l: Mail[]) => l.map((m) => /Subject: (.*)/.exec(m.msg)?.[1]);
  // keepalived 2.2.7 queues its "Stopping" mail during shutdown but exits before the SMTP dialogue runs, so the
  // sink never gets it; lvskeeper waits up to 1 s for it. Compared: every mail up to the stop.
  const running = (l: Mail[]) => l.filter((m) => !m.msg.includes('- Stopping'));
  t.same(subjects(running(ours)), subjects(running(ka)), 'same subjects in the same order');
  t.same(running(ours).map(comparable), running(ka).map(comparable), 'same envelopes, headers (but Date) and bodies');
  t.match(subjects(ours).at(-1), /VRRP Instance VI_1 - Stopping$/, 'lvskeeper delivers the Stopping mail');
  t.comment(`keepalived delivered its Stopping mail: ${ka.some((m) => m.msg.includes('- Stopping'))}`);
  t.match(ours[0]?.env ?? [], ['HELO ' + (ours[0]?.env[0] ?? '').slice(5), 'MAIL FROM:<lb@example.org>', 'RCPT TO:<ops@example.org>', 'RCPT TO:<noc@example.org>']);
});
