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

t.test('the kernel reads back what was programmed: resyncs are no-ops; a restart with -I adopts', { skip: SKIP, timeout: 240000 }, async (t) => {
  run('modprobe', ['ip_vs']);
  tryRun('ipvsadm', ['-C']);
  t.teardown(() => tryRun('ipvsadm', ['-C']));
  const text = `
global_defs {
  lvs_timeouts tcp 900 tcpfin 30 udp 60
}
virtual_server_group G1 {
  10.78.0.1-2 80
  fwmark 9
}
virtual_server group G1 {
  lb_algo sh
  sh-port
  sh-fallback
  lb_kind DR
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  protocol TCP
  real_server 10.78.1.1 80 {
    weight 5
    uthreshold 100
    lthreshold 10
  }
}
virtual_server 2001:db8:78::1 443 {
  lb_algo mh
  mh-port
  lb_kind TUN
  persistence_timeout 60
  persistence_granularity 64
  protocol UDP
  ops
  real_server 2001:db8:78::10 443 {
    lvs_method TUN type gue port 6080 csum
  }
  real_server 2001:db8:78::11 443 {
    lvs_method TUN type gre
  }
}
virtual_server fwmark 77 {
  lb_algo wlc
  lb_kind NAT
  real_server 10.78.2.1 8080 {
    weight 0
  }
  sorry_server 10.78.2.9 8080
}
`;
  const loader = {
    readFile: (f: string) => {
      if (f.endsWith('lvs-kernel2.conf')) return text;
      throw Object.assign(new Error(`${f} not found`), { code: 'ENOENT' });
    },
    glob: (p: string) => (p.endsWith('lvs-kernel2.conf') ? ['/lvs-kernel2.conf'] : []),
    cwd: () => '/',
    env: () => undefined,
  };
  const { config, diagnostics } = parseConfig('/lvs-kernel2.conf', loader as never);
  t.same(diagnostics.filter((d) => d.severity === 'error'), [], 'configuration accepted');
  const lines: string[] = [];
  const ctx = { log: createLogger({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }), format: 'json' }), args: parseDaemonArgs(['-I']), metrics: new Metrics() };
  const sub1 = new LvsSubsystem({ resyncMs: 0 });
  await sub1.start(config!, ctx);
  const opsOf = async (s: LvsSubsystem) => {
    let n = -1;
    s.reconciler!.onPass = (r) => (n = r.ops.length);
    await s.reconciler!.run('resync');
    return n;
  };
  const errors = lines.filter((l) => /"level":50/.test(l));
  t.same(errors, [], 'no IPVS errors');
  t.equal(await opsOf(sub1), 0, 'a resync right after start changes nothing');
  const list = run('ipvsadm', ['-Ln']);
  t.match(list, /TCP\s+10\.78\.0\.2:80 sh \(sh-fallback,sh-port\) persistent 600 mask 255\.255\.255\.0/);
  t.match(list, /UDP\s+\[2001:db8:78::1\]:443 mh \(mh-port\) persistent 60 mask 64 ops/);
  t.match(list, /FWM\s+77 wlc/);
  // quorum 1 exceeds the total weight 0: keepalived reduces it to 0, so the pool serves (weight 0), not the sorry server
  t.match(list, /-> 10\.78\.2\.1:8080\s+Masq\s+0\s/);
  t.match(list, /-> \[2001:db8:78::10\]:443\s+Tunnel\s+1\s/);
  t.match(run('ipvsadm', ['-L', '--timeout']), /Timeout \(tcp tcpfin udp\): 900 30 60/);
  await sub1.stop(ctx);
  t.match(run('ipvsadm', ['-Ln']), /10\.78\.0\.1:80/, '-I keeps the entries');

  const sub2 = new LvsSubsystem({ resyncMs: 0 });
  await sub2.start(config!, ctx);
  t.equal(sub2.reconciler!.lastPass?.ops, 0, 'the restart adopts every entry without a change');
  await sub2.stop({ ...ctx, args: parseDaemonArgs([]) });
  t.equal(run('ipvsadm', ['-Ln']).split('\n').filter((l) => /^(TCP|UDP|FWM)/.test(l)).length, 0, 'stop without -I removes them');
});
