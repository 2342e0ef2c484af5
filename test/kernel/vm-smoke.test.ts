// Kernel tier smoke test: inside the qemu VM (LVSK_KERNEL=1) IPVS works with the real ipvsadm, schedulers load on demand,
// namespaces with veth work, and IPVS NAT forwards real TCP traffic between two namespaces.
import t from 'tap';
import * as fs from 'fs';
import { execFileSync, spawn, type ChildProcess } from 'child_process';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

/** Runs a program, returning stdout; a failure throws with the command line, status and stderr. */
function run(file: string, args: string[], opts: { input?: string } = {}): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: opts.input, timeout: 30000 });
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} exited with status ${e.status}: ${String(e.stderr ?? '').trim()}`);
  }
}

/** Like run(), but returns the status instead of throwing (for cleanup and expected failures). */
function tryRun(file: string, args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: run(file, args), stderr: '' };
  } catch (err) {
    return { status: 1, stdout: '', stderr: (err as Error).message };
  }
}

const ipvsadm = (...args: string[]): string => run('ipvsadm', args);
const ip = (...args: string[]): string => run('ip', args);
const nsExec = (ns: string, file: string, ...args: string[]): string => run('ip', ['netns', 'exec', ns, file, ...args]);

function loadedModules(): Set<string> {
  return new Set(fs.readFileSync('/proc/modules', 'utf8').split('\n').map((l) => l.split(' ')[0]));
}

function moduleAvailable(name: string): boolean {
  return tryRun('modinfo', ['-F', 'filename', name]).status === 0;
}

t.test('IPVS basics with the real ipvsadm', { skip: SKIP }, async (t) => {
  t.teardown(() => {
    tryRun('ipvsadm', ['-C']);
  });
  run('modprobe', ['ip_vs']);
  t.ok(fs.existsSync('/proc/net/ip_vs'), '/proc/net/ip_vs exists once ip_vs is loaded');
  t.match(fs.readFileSync('/proc/net/ip_vs', 'utf8'), /^IP Virtual Server version \d+\.\d+\.\d+/, '/proc/net/ip_vs header');
  ipvsadm('-C');

  ipvsadm('-A', '-t', '10.0.0.1:80', '-s', 'rr');
  ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2:80', '-m', '-w', '2');
  ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.0.0.3:8080', '-m', '-w', '5');
  const list = ipvsadm('-Ln');
  t.match(list, /TCP {2}10\.0\.0\.1:80 rr\b/, 'service listed');
  t.match(list, /-> 10\.0\.0\.2:80 {2,}Masq {2,}2 /, 'first dest listed as Masq weight 2');
  t.match(list, /-> 10\.0\.0\.3:8080 {2,}Masq {2,}5 /, 'second dest listed as Masq weight 5');
  t.match(fs.readFileSync('/proc/net/ip_vs', 'utf8'), /TCP {2}0A000001:0050 rr/, '/proc/net/ip_vs shows the service in hex');

  ipvsadm('-e', '-t', '10.0.0.1:80', '-r', '10.0.0.2:80', '-g', '-w', '7');
  t.match(ipvsadm('-Ln'), /-> 10\.0\.0\.2:80 {2,}Route {2,}7 /, 'edited dest: route, weight 7');
  ipvsadm('-d', '-t', '10.0.0.1:80', '-r', '10.0.0.3:8080');
  t.notMatch(ipvsadm('-Ln'), /10\.0\.0\.3:8080/, 'deleted dest gone');

  ipvsadm('-A', '-u', '[fd00::1]:53', '-s', 'wlc', '-p', '300');
  t.match(ipvsadm('-Ln'), /UDP {2}\[fd00::1\]:53 wlc persistent 300/, 'IPv6 UDP service with persistence');
  ipvsadm('-A', '-f', '42', '-s', 'sh', '-b', 'sh-port');
  t.match(ipvsadm('-Ln'), /FWM {2}42 sh \(sh-port\)/, 'fwmark service with sh flags');

  t.equal(tryRun('ipvsadm', ['-A', '-t', '10.0.0.1:80', '-s', 'rr']).status, 1, 'adding an existing service fails');
  ipvsadm('-C');
  t.equal(ipvsadm('-Ln').split('\n').filter((l) => /^(TCP|UDP|SCTP|FWM) /.test(l)).length, 0, 'ipvsadm -C empties the table');
});

t.test('schedulers load on demand', { skip: SKIP }, async (t) => {
  t.teardown(() => {
    tryRun('ipvsadm', ['-C']);
  });
  const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];
  const available = schedulers.filter((s) => moduleAvailable(`ip_vs_${s}`));
  for (const s of schedulers.filter((s) => !available.includes(s))) {
    t.skip(`scheduler ${s}: this kernel has no ip_vs_${s} module (CONFIG_IP_VS_${s.toUpperCase()} is not set)`, () => {});
  }
  // One ipvsadm process for all services (process start is slow under emulation): -R reads the rules from stdin.
  run('ipvsadm', ['-R'], { input: available.map((s, i) => `-A -t 10.0.1.${i + 1}:80 -s ${s}\n`).join('') });
  const modules = loadedModules();
  const list = ipvsadm('-Ln');
  available.forEach((s, i) => {
    t.ok(modules.has(`ip_vs_${s}`), `ip_vs_${s} loaded on demand by the kernel`);
    t.match(list, new RegExp(`TCP {2}10\\.0\\.1\\.${i + 1}:80 ${s}\\b`), `service with scheduler ${s} listed`);
  });
  t.equal(tryRun('ipvsadm', ['-A', '-t', '10.0.1.200:80', '-s', 'nosuchsched']).status, 1, 'an unknown scheduler is refused');
});

t.test('network namespaces with veth, and IPVS NAT forwarding between them', { skip: SKIP }, async (t) => {
  const client = 'lvsk-smoke-cl';
  const server = 'lvsk-smoke-rs';
  let httpd: ChildProcess | undefined;
  t.teardown(() => {
    httpd?.kill('SIGKILL');
    tryRun('ipvsadm', ['-C']);
    tryRun('ip', ['netns', 'del', client]);
    tryRun('ip', ['netns', 'del', server]);
    tryRun('ip', ['link', 'del', 'lvsks-cl']);
    tryRun('ip', ['link', 'del', 'lvsks-rs']);
  });
  run('modprobe', ['veth']);
  // Director = the VM's root namespace; client and real server each in a namespace on a veth pair.
  for (const [ns, dev, net] of [
    [client, 'lvsks-cl', '10.97.0'],
    [server, 'lvsks-rs', '10.98.0'],
  ] as const) {
    ip('netns', 'add', ns);
    ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('addr', 'add', `${net}.1/24`, 'dev', dev);
    ip('link', 'set', dev, 'up');
    nsExec(ns, 'ip', 'link', 'set', 'lo', 'up');
    nsExec(ns, 'ip', 'addr', 'add', `${net}.2/24`, 'dev', 'eth0');
    nsExec(ns, 'ip', 'link', 'set', 'eth0', 'up');
    nsExec(ns, 'ip', 'route', 'add', 'default', 'via', `${net}.1`);
  }
  t.match(nsExec(client, 'ip', '-o', 'addr', 'show', 'dev', 'eth0'), /inet 10\.97\.0\.2\/24/, 'client namespace has its address');
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');

  // The real server: a node HTTP server in the server namespace.
  const script =
    "require('http').createServer((q, r) => r.end('hello from ' + q.socket.localAddress + ' to ' + q.socket.remoteAddress))" +
    ".listen(8080, '10.98.0.2', () => console.log('listening'))";
  httpd = spawn('ip', ['netns', 'exec', server, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('real server did not start within 20 s')), 20000);
    const onExit = (code: number | null): void => reject(new Error(`real server exited with ${code}`));
    httpd!.stdout!.once('data', () => {
      clearTimeout(timer);
      httpd!.off('exit', onExit);
      resolve();
    });
    httpd!.once('exit', onExit);
  });

  const direct = nsExec(client, 'curl', '-sS', '--max-time', '10', 'http://10.98.0.2:8080/');
  t.equal(direct, 'hello from 10.98.0.2 to 10.97.0.2', 'client reaches the real server through the VM (routing)');

  ipvsadm('-A', '-t', '10.97.0.1:80', '-s', 'rr');
  ipvsadm('-a', '-t', '10.97.0.1:80', '-r', '10.98.0.2:8080', '-m');
  const viaVip = nsExec(client, 'curl', '-sS', '--max-time', '10', 'http://10.97.0.1/');
  t.equal(viaVip, 'hello from 10.98.0.2 to 10.97.0.2', 'the virtual service forwards to the real server (NAT)');
  // Counters reach the ipvsadm view when the kernel's estimator folds the per-CPU stats (every 2 s in 6.1).
  let stats = '';
  for (const deadline = Date.now() + 10000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    stats = ipvsadm('-Ln', '--stats');
    if (/-> 10\.98\.0\.2:8080 +1 /.test(stats)) break;
  }
  t.match(stats, /-> 10\.98\.0\.2:8080 +1 /, 'one connection counted for the real server');
  t.match(ipvsadm('-Lnc'), /TCP .* 10\.97\.0\.2:\d+ +10\.97\.0\.1:80 +10\.98\.0\.2:8080/, 'connection table entry');
});
