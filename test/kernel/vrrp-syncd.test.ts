// Kernel tier: `lvs_sync_daemon IF inst VI` follows the VRRP instance, differential against keepalived 2.2.7 -P in the
// same VM (keepalived without -l: its console log would land in the VM console, that is the TAP stream): the IPVS sync daemons (`ipvsadm -L --daemon`) while BACKUP at start, once MASTER, and after SIGTERM.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { run, sleep, tryRun } from '../helpers/vm-servers';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

const CLI = path.join(__dirname, '../../src/cli/lvskeeper.js');
const IF = 'lvsk-sd0';

const config = (): string => `
global_defs {
  router_id lvsk_sd
  lvs_sync_daemon ${IF} inst VI_SD id 77 maxlen 1400 port 8849 ttl 2
}
vrrp_instance VI_SD {
  state BACKUP
  interface ${IF}
  virtual_router_id 77
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.78.0.100/24
  }
}
`;

const daemons = (): string => run('ipvsadm', ['-L', '--daemon']);

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function scenario(dir: string, who: 'keepalived' | 'lvskeeper'): Promise<{ backup: string; master: string; stopped: string; log: () => string }> {
  const f = path.join(dir, `${who}.conf`);
  fs.writeFileSync(f, config());
  const argv =
    who === 'keepalived'
      ? ['keepalived', ['-n', '-P', '-f', f, '-p', path.join(dir, 'ka.pid'), '-r', path.join(dir, 'ka.vpid'), '-c', path.join(dir, 'ka.cpid')]]
      : [process.execPath, [CLI, '-n', '-l', '-P', '-f', f, '-p', path.join(dir, 'ours.pid'), '--status-listen=off']];
  const child: ChildProcess = spawn(argv[0] as string, argv[1] as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await until(`${who}: backup sync daemon`, () => /backup sync daemon/.test(daemons()), 30000);
    const backup = daemons();
    await until(`${who}: master sync daemon`, () => /master sync daemon/.test(daemons()), 30000);
    const master = daemons();
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15000)]);
    const stopped = daemons();
    return { backup, master, stopped, log: () => out };
  } finally {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(3000)]);
  }
}

t.test('lvs_sync_daemon follows the VRRP instance as keepalived drives it', { skip: SKIP, timeout: 180000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-syncd-'));
  tryRun('ip', ['link', 'del', IF]);
  run('ip', ['link', 'add', IF, 'type', 'veth', 'peer', 'name', `${IF}p`]);
  run('ip', ['addr', 'add', '10.78.0.1/24', 'dev', IF]);
  run('ip', ['link', 'set', IF, 'up']);
  run('ip', ['link', 'set', `${IF}p`, 'up']);
  t.teardown(() => {
    tryRun('ipvsadm', ['--stop-daemon', 'master']);
    tryRun('ipvsadm', ['--stop-daemon', 'backup']);
    tryRun('ip', ['link', 'del', IF]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const ka = await scenario(dir, 'keepalived');
  const ours = await scenario(dir, 'lvskeeper');
  t.comment(`keepalived:\n${ka.backup}${ka.master}${ka.stopped || '(none)\n'}`);
  t.match(ka.backup, /backup sync daemon \(mcast=lvsk-sd0, syncid=77, maxlen=1400, group=224\.0\.0\.81, port=8849, ttl=2\)/);
  t.equal(ours.backup, ka.backup, 'BACKUP: the same backup daemon');
  t.equal(ours.master, ka.master, 'MASTER: the same master daemon, the backup one stopped');
  t.equal(ours.stopped, ka.stopped, 'after SIGTERM: the same daemons left');
});
