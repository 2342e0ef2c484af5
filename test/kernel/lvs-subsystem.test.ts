// Kernel tier: the checkers + IPVS subsystem against the real kernel client, with real servers in a network namespace
// inside the VM. Killing a real server removes it (or sets weight 0 with inhibit_on_failure), bringing it back
// restores it, as `ipvsadm -Ln` shows; `ipvsadm -C` behind the daemon's back is repaired on the next resync.
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { Writable } from 'stream';
import { LvsSubsystem } from '../../src/daemon/lvs-subsystem';
import { Metrics } from '../../src/daemon/metrics';
import { parseDaemonArgs } from '../../src/cli/args';
import { createLogger } from '../../src/util/log';
import { parseConfig } from '../../src/config/index';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

const NS = 'lvsk-lvs-rs';
const VETH = 'lvsk-lvs0';

function run(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 30000 });
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} exited with status ${e.status}: ${String(e.stderr ?? '').trim()}`);
  }
}
function tryRun(file: string, args: string[]): void {
  try {
    run(file, args);
  } catch {
    /* cleanup */
  }
}

// One node process in the namespace serves both real servers; "close PORT" / "open PORT" on stdin toggle them.
const SERVER_JS = `
const net = require('net');
const servers = new Map();
function open(port) {
  const s = net.createServer((c) => c.end());
  s.listen(port, '10.77.0.2', () => process.stdout.write('open ' + port + '\\n'));
  servers.set(port, s);
}
function close(port) {
  const s = servers.get(port);
  servers.delete(port);
  if (s) s.close(() => process.stdout.write('closed ' + port + '\\n'));
}
open(8080); open(8081);
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const [cmd, port] = buf.slice(0, i).split(' ');
    buf = buf.slice(i + 1);
    if (cmd === 'open') open(Number(port)); else close(Number(port));
  }
});
`;

function ipvsList(): string {
  return run('ipvsadm', ['-Ln']);
}

async function until(what: string, cond: () => boolean, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; ipvsadm -Ln:\n${ipvsList()}`);
}

t.test('health changes and drift against the kernel', { skip: SKIP, timeout: 240000 }, async (t) => {
  run('modprobe', ['ip_vs']);
  tryRun('ipvsadm', ['-C']);
  tryRun('ip', ['netns', 'del', NS]);
  run('ip', ['netns', 'add', NS]);
  run('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS]);
  run('ip', ['addr', 'add', '10.77.0.1/24', 'dev', VETH]);
  run('ip', ['link', 'set', VETH, 'up']);
  run('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', '10.77.0.2/24', 'dev', 'eth0']);
  run('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'eth0', 'up']);
  run('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  let child: ChildProcess | undefined;
  let sub: LvsSubsystem | undefined;
  const ctx = { log: createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' }), args: parseDaemonArgs([]), metrics: new Metrics() };
  t.teardown(async () => {
    await sub?.stop(ctx).catch(() => undefined);
    child?.kill('SIGKILL');
    tryRun('ipvsadm', ['-C']);
    tryRun('ip', ['link', 'del', VETH]);
    tryRun('ip', ['netns', 'del', NS]);
  });

  child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', SERVER_JS], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const ctl = (line: string) => child!.stdin!.write(line + '\n');
  await until('real servers listening', () => out.includes('open 8080') && out.includes('open 8081'), 60000);

  const text = `
virtual_server 10.77.0.100 80 {
  delay_loop 0.5
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.77.0.2 8080 {
    weight 2
    TCP_CHECK {
      connect_timeout 2
      retry 0
    }
  }
  real_server 10.77.0.2 8081 {
    weight 3
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 2
      retry 0
    }
  }
}
`;
  const loader = {
    readFile: (f: string) => {
      if (f.endsWith('lvs-kernel.conf')) return text;
      throw Object.assign(new Error(`${f} not found`), { code: 'ENOENT' });
    },
    glob: (p: string) => (p.endsWith('lvs-kernel.conf') ? ['/lvs-kernel.conf'] : []),
    cwd: () => '/',
    env: () => undefined,
  };
  const config = parseConfig('/lvs-kernel.conf', loader as never).config!;
  sub = new LvsSubsystem({ scheduler: { random: () => 0 }, resyncMs: 1000 });
  await sub.start(config, ctx);

  const rs8080 = /-> 10\.77\.0\.2:8080\s+Masq\s+2\s/;
  const rs8081 = (w: number) => new RegExp(`-> 10\\.77\\.0\\.2:8081\\s+Masq\\s+${w}\\s`);
  let list = ipvsList();
  t.match(list, /TCP\s+10\.77\.0\.100:80 rr/, 'service programmed');
  t.match(list, rs8080);
  t.match(list, rs8081(3));

  ctl('close 8080');
  ctl('close 8081');
  await until('8080 removed and 8081 inhibited', () => {
    const l = ipvsList();
    return !/10\.77\.0\.2:8080/.test(l) && rs8081(0).test(l);
  });
  list = ipvsList();
  t.notMatch(list, /10\.77\.0\.2:8080/, 'down real server removed');
  t.match(list, rs8081(0), 'inhibit_on_failure: weight 0');

  ctl('open 8080');
  ctl('open 8081');
  await until('both back', () => {
    const l = ipvsList();
    return rs8080.test(l) && rs8081(3).test(l);
  });
  t.pass('real servers restored');

  run('ipvsadm', ['-C']);
  await until('repair after ipvsadm -C', () => {
    const l = ipvsList();
    return rs8080.test(l) && rs8081(3).test(l);
  });
  t.pass('ipvsadm -C repaired on resync');

  await sub.stop(ctx);
  sub = undefined;
  t.notMatch(ipvsList(), /10\.77\.0\.100/, 'service removed on stop');
});
