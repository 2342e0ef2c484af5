// Kernel tier: the real `lvskeeper -n -l -C -f FILE` process against real servers (busybox httpd) in a namespace,
// side by side with the real `keepalived -n -l -C -f FILE` on the same file in the same VM: the IPVS table each one
// programs (`ipvsadm -Sn`) is compared after start, after killing two real servers (one removed, one inhibited to
// weight 0), after bringing them back, after SIGTERM (keepalived's clear_services: everything of theirs removed), and
// after SIGTERM with -I (--dont-release-ipvs: everything kept).
import t from 'tap';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { Httpd, createServerNet, run, sleep, tryRun, type ServerNet } from '../helpers/vm-servers';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

const CLI = path.join(__dirname, '../../src/cli/lvskeeper.js');
const NS = 'lvsk-kc-rs';
const VETH = 'lvsk-kc0';
const BODY = 'ok\n';

/** Two virtual servers; 10.79.0.2:8080 (TCP_CHECK) is a real server of both, so one check serves two entries. */
function config(): string {
  const digest = crypto.createHash('md5').update(BODY).digest('hex');
  return `
global_defs {
  router_id lvsk_kc
}
virtual_server 10.79.100.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.79.0.2 8080 {
    weight 2
    TCP_CHECK {
      connect_timeout 2
      retry 1
      delay_before_retry 1
    }
  }
  real_server 10.79.0.2 8081 {
    weight 3
    inhibit_on_failure
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 2
      retry 1
      delay_before_retry 1
    }
  }
}
virtual_server 10.79.100.2 80 {
  delay_loop 1
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  real_server 10.79.0.2 8080 {
    weight 2
    TCP_CHECK {
      connect_timeout 2
      retry 1
      delay_before_retry 1
    }
  }
  real_server 10.79.0.3 8080 {
    HTTP_GET {
      url {
        path /health
        digest ${digest}
      }
      connect_timeout 2
    }
  }
}
`;
}

/** The table as `ipvsadm -Sn` prints it, lines sorted (destination order depends on when each was added). */
function saved(): string {
  return run('ipvsadm', ['-Sn']).split('\n').filter(Boolean).sort().join('\n');
}
function listing(): string {
  return run('ipvsadm', ['-Ln']);
}

const A1 = /-> 10\.79\.0\.2:8080\s+Masq\s+2\s/g;
const B = (w: number): RegExp => new RegExp(`-> 10\\.79\\.0\\.2:8081\\s+Masq\\s+${w}\\s`);
const C = /-> 10\.79\.0\.3:8080\s+Masq\s+1\s/;
const full = (l: string): boolean => (l.match(A1) ?? []).length === 2 && B(3).test(l) && C.test(l);
const failed = (l: string): boolean => !/10\.79\.0\.2:8080/.test(l) && B(0).test(l) && C.test(l);
const empty = (l: string): boolean => !/10\.79\.100\./.test(l);

async function until(what: string, cond: (l: string) => boolean, log: () => string, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const l = listing();
    if (cond(l)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; ipvsadm -Ln:\n${l}\ndaemon log (tail):\n${log().slice(-3000)}`);
    await sleep(300);
  }
}

interface Daemon {
  name: string;
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startDaemon(impl: 'lvskeeper' | 'keepalived', conf: string, dir: string, extra: string[]): Daemon {
  const tag = `${impl}${extra.join('')}`;
  const pid = (x: string): string => path.join(dir, `${tag}.${x}`);
  const argv =
    impl === 'lvskeeper'
      ? [process.execPath, CLI, '-n', '-l', '-C', '-f', conf, '-p', pid('pid'), '-c', pid('cpid'), '--status-listen=off', ...extra]
      : // -G: no syslog (without a syslog daemon, -l makes syslog() fall back to /dev/console, the VM's TAP stream)
        ['keepalived', '-n', '-l', '-G', '-C', '-f', conf, '-p', pid('pid'), '-c', pid('cpid'), '-r', pid('vpid'), ...extra];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer): void => void (out = (out + d.toString()).slice(-200000));
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name: tag, child, log: () => out, exited };
}

async function stopDaemon(d: Daemon, ms = 60000): Promise<number | null> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.child.exitCode;
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), ms);
  const code = await d.exited;
  clearTimeout(timer);
  return code;
}

interface Snapshots {
  started: string;
  failed: string;
  restored: string;
  stopped: string;
  keptWithI: string;
  exitCodes: Array<number | null>;
}

/** One implementation through every stage; servers are killed and restarted for real. */
async function scenario(impl: 'lvskeeper' | 'keepalived', conf: string, dir: string, servers: { a: Httpd; b: Httpd }, live: Set<Daemon>): Promise<Snapshots> {
  run('ipvsadm', ['-C']);
  const d = startDaemon(impl, conf, dir, []);
  live.add(d);
  await until(`${impl}: table programmed`, full, d.log);
  const started = saved();
  await Promise.all([servers.a.kill(), servers.b.kill()]);
  await until(`${impl}: 10.79.0.2:8080 removed and 10.79.0.2:8081 at weight 0`, failed, d.log);
  const failedS = saved();
  await Promise.all([servers.a.start(), servers.b.start()]);
  await until(`${impl}: real servers restored`, full, d.log);
  const restored = saved();
  const code = await stopDaemon(d);
  live.delete(d);
  const stopped = saved();

  run('ipvsadm', ['-C']);
  const di = startDaemon(impl, conf, dir, ['-I']);
  live.add(di);
  await until(`${impl} -I: table programmed`, full, di.log);
  const codeI = await stopDaemon(di);
  live.delete(di);
  const keptWithI = saved();
  run('ipvsadm', ['-C']);
  return { started, failed: failedS, restored, stopped, keptWithI, exitCodes: [code, codeI] };
}

t.test('lvskeeper -n -C against real servers, beside keepalived -n -C', { skip: SKIP, timeout: 900000 }, async (t) => {
  run('modprobe', ['ip_vs']);
  tryRun('ipvsadm', ['-C']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-kc-'));
  let srvNet: ServerNet | undefined;
  const live = new Set<Daemon>();
  const httpds: Httpd[] = [];
  t.teardown(async () => {
    for (const d of live) d.child.kill('SIGKILL');
    await Promise.all([...live].map((d) => d.exited));
    for (const h of httpds) await h.kill();
    srvNet?.destroy();
    tryRun('ipvsadm', ['-C']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  srvNet = createServerNet({ ns: NS, veth: VETH, link: '10.79.0', addresses: ['10.79.0.3/24'] });
  fs.mkdirSync(path.join(dir, 'www'));
  fs.writeFileSync(path.join(dir, 'www', 'health'), BODY);
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(conf, config());
  const www = path.join(dir, 'www');
  const a = new Httpd(NS, '10.79.0.2', 8080, www);
  const b = new Httpd(NS, '10.79.0.2', 8081, www);
  const c = new Httpd(NS, '10.79.0.3', 8080, www);
  httpds.push(a, b, c);
  await Promise.all([a.start(), b.start(), c.start()]);

  const ours = await scenario('lvskeeper', conf, dir, { a, b }, live);
  t.match(ours.started, /-A -t 10\.79\.100\.1:80 -s rr/, 'ours: first virtual server');
  t.match(ours.started, /-a -t 10\.79\.100\.1:80 -r 10\.79\.0\.2:8081 -m -w 3/, 'ours: HTTP_GET real server');
  t.match(ours.started, /-a -t 10\.79\.100\.2:80 -r 10\.79\.0\.2:8080 -m -w 2/, 'ours: the shared real server in the second virtual server');
  t.match(ours.started, /-a -t 10\.79\.100\.2:80 -r 10\.79\.0\.3:8080 -m -w 1/, 'ours: HTTP_GET with digest');
  t.notMatch(ours.failed, /10\.79\.0\.2:8080/, 'ours: killed TCP_CHECK server removed from both virtual servers');
  t.match(ours.failed, /-a -t 10\.79\.100\.1:80 -r 10\.79\.0\.2:8081 -m -w 0/, 'ours: killed inhibit_on_failure server at weight 0');
  t.equal(ours.restored, ours.started, 'ours: restarted servers restored');
  t.equal(ours.stopped, '', 'ours: SIGTERM removes the virtual servers');
  t.equal(ours.keptWithI, ours.started, 'ours: SIGTERM with -I keeps them');
  t.same(ours.exitCodes, [0, 0], 'ours: exit status 0 on SIGTERM');

  const ka = await scenario('keepalived', conf, dir, { a, b }, live);
  t.equal(ours.started, ka.started, 'same table as keepalived after start');
  t.equal(ours.failed, ka.failed, 'same table as keepalived after the failures');
  t.equal(ours.restored, ka.restored, 'same table as keepalived after the restore');
  t.equal(ours.stopped, ka.stopped, 'same table as keepalived after SIGTERM');
  t.equal(ours.keptWithI, ka.keptWithI, 'same table as keepalived after SIGTERM with -I');
  t.same(ours.exitCodes, ka.exitCodes, 'same exit statuses as keepalived');
});
