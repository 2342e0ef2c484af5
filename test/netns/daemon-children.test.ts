// The daemon's keepalived process model in a namespace: a parent and two children (VRRP, checkers) with their
// pid files; the checkers child killed is respawned while VRRP stays MASTER untouched; the VRRP child killed is
// respawned and MASTER again with the VIP present once; SIGHUP reaches both; /state and /metrics show both;
// SIGUSR1 dumps both parts; SIGTERM stops all three and removes the pid files and the VIP.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { spawn } from 'child_process';
import { Netns, isRoot } from '../helpers/netns';

const CLI = path.join(__dirname, '../../dist/src/cli/lvskeeper.js');
const NET = `10.${90 + (process.pid % 9)}.${process.pid % 250}`;
const VIP = `${NET}.100`;

const conf = (priority: number): string => `global_defs {
  router_id children_test
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 77
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24
  }
}
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 18080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;

function get(socketPath: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: url }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
}

const readPid = (f: string): number | undefined => {
  try {
    const n = Number(fs.readFileSync(f, 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const ppid = (pid: number): number => Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

interface State {
  generation: number;
  pid: number;
  subsystems: { vrrp?: { instances: Array<{ name: string; state: string }> }; checkers?: { virtualServers: unknown[] } };
  children: Record<string, { pid: number; ready: boolean; restarts: number; generation?: number; error?: string }>;
}

t.test('parent + VRRP child + checkers child', { skip: !isRoot() ? 'needs root' : !fs.existsSync(CLI) ? 'not built (make build)' : false }, async (t) => {
  const ns = new Netns('lvskch');
  t.teardown(() => ns.close());
  ns.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
  ns.exec('ip', ['addr', 'add', `${NET}.1/24`, 'dev', 'eth0']);
  ns.exec('ip', ['link', 'set', 'eth0', 'up']);
  ns.exec('ip', ['link', 'set', 'eth0p', 'up']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-children-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'k.conf');
  fs.writeFileSync(f, conf(150));
  const pidP = path.join(dir, 'p.pid');
  const pidR = path.join(dir, 'v.pid');
  const pidC = path.join(dir, 'c.pid');
  const sock = path.join(dir, 's.sock');
  const p = spawn('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '-n', '-l', '--log-format=json', '-f', f, '-p', pidP, '-r', pidR, '-c', pidC, `--status-listen=${sock}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => p.kill('SIGKILL'));
  let log = '';
  p.stdout.on('data', (d) => (log += d));
  p.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => p.on('exit', r));
  const state = async (): Promise<State> => JSON.parse(await get(sock, '/state')) as State;
  const vrrpState = async (): Promise<string | undefined> => (await state()).subsystems.vrrp?.instances[0]?.state;
  const vipCount = (): number => ns.exec('ip', ['-o', 'addr', 'show', 'dev', 'eth0']).split('\n').filter((l) => l.includes(` ${VIP}/`)).length;
  const transitions = async (): Promise<string[]> => (await get(sock, '/metrics')).split('\n').filter((l) => l.startsWith('lvskeeper_vrrp_transitions_total'));

  await until('MASTER', async () => (await vrrpState()) === 'MASTER');
  t.pass('VRRP child became MASTER');
  const parent = readPid(pidP)!;
  const vrrp1 = readPid(pidR)!;
  const check1 = readPid(pidC)!;
  t.equal(parent, p.pid, '-p names the parent (ip netns exec execs node)');
  t.equal(new Set([parent, vrrp1, check1]).size, 3, 'three processes');
  t.equal(ppid(vrrp1), parent, 'VRRP child of the parent');
  t.equal(ppid(check1), parent, 'checkers child of the parent');
  t.match(fs.readFileSync(`/proc/${vrrp1}/cmdline`, 'utf8'), /--lvsk-child=vrrp/);
  t.match(fs.readFileSync(`/proc/${check1}/cmdline`, 'utf8'), /--lvsk-child=check/);
  t.equal(vipCount(), 1, 'VIP present once');

  // /state and /metrics show both children
  const s1 = await state();
  t.ok(s1.subsystems.vrrp && s1.subsystems.checkers, '/state has both subsystems');
  t.match(s1.children, { vrrp: { pid: vrrp1, ready: true, restarts: 0 }, checkers: { pid: check1, ready: true, restarts: 0 } });
  const m1 = await until('a check result', async () => {
    const m = await get(sock, '/metrics');
    return /lvskeeper_check_results_total\{/.test(m) ? m : undefined;
  });
  t.match(m1, /lvskeeper_vrrp_state\{instance="VI_1"\} 2/);
  t.match(m1, /lvskeeper_config_generation 1/);
  t.match(m1, /lvskeeper_child_scrape_ok\{child="vrrp"\} 1/);
  t.match(m1, /lvskeeper_child_scrape_ok\{child="checkers"\} 1/);
  const types = m1.split('\n').filter((l) => l.startsWith('# TYPE '));
  t.equal(new Set(types).size, types.length, 'no metric family twice');
  const before = await transitions();

  // the checkers child killed: respawned; VRRP untouched
  process.kill(check1, 'SIGKILL');
  const check2 = await until('checkers respawned', async () => {
    const s = await state();
    return s.children.checkers && s.children.checkers.pid !== check1 && s.children.checkers.ready ? s.children.checkers.pid : undefined;
  });
  t.equal(readPid(pidC), check2, '-c names the new checkers child');
  t.equal((await state()).children.checkers!.restarts, 1);
  t.equal(readPid(pidR), vrrp1, 'same VRRP child');
  t.equal(await vrrpState(), 'MASTER', 'still MASTER');
  t.same(await transitions(), before, 'no VRRP state change');
  t.equal(vipCount(), 1);
  t.match(await get(sock, '/metrics'), /lvskeeper_child_restarts_total\{child="checkers"\} 1/);
  t.match(log, /Healthcheck child process\(\d+\) exited due to signal SIGKILL; respawning/);

  // the VRRP child killed: respawned, MASTER again, the VIP once
  process.kill(vrrp1, 'SIGKILL');
  const vrrp2 = await until('VRRP respawned', async () => {
    const s = await state();
    return s.children.vrrp && s.children.vrrp.pid !== vrrp1 && s.children.vrrp.ready ? s.children.vrrp.pid : undefined;
  });
  t.equal(readPid(pidR), vrrp2, '-r names the new VRRP child');
  await until('MASTER again', async () => (await vrrpState()) === 'MASTER');
  t.pass('MASTER again');
  t.equal(vipCount(), 1, 'VIP present once after the respawn');
  t.match(await get(sock, '/metrics'), /lvskeeper_child_restarts_total\{child="vrrp"\} 1/);
  t.equal(readPid(pidC), check2, 'checkers child untouched');

  // SIGHUP reaches both children
  fs.writeFileSync(f, conf(160));
  const mark = log.length;
  p.kill('SIGHUP');
  const s2 = await until('reloaded', async () => {
    const s = await state();
    return s.generation === 2 && s.children.vrrp?.generation === 2 && s.children.checkers?.generation === 2 ? s : undefined;
  });
  t.equal(s2.generation, 2);
  const after = log.slice(mark);
  t.match(after, /"name":"vrrp".*"msg":"configuration reloaded"/);
  t.match(after, /"name":"checkers".*"msg":"configuration reloaded"/);
  t.match(after, /"msg":"\(VI_1\) Changing effective priority from 150 to 160"|VRRP instance updated in place/);

  // a broken file: rejected by the parent, both children keep running the last one
  fs.writeFileSync(f, conf(160) + 'vrrp_instance B {\n priority 300\n');
  p.kill('SIGHUP');
  await until('rejected', () => /new configuration rejected; keeping the running one/.test(log.slice(mark)) || undefined);
  t.equal((await state()).generation, 2, 'still generation 2');
  t.equal(await vrrpState(), 'MASTER');

  // a signal sent to a child itself, as keepalived's children take them: HUP reloads that child alone
  const mark2 = log.length;
  process.kill(vrrp2, 'SIGHUP');
  await until('direct reload', () => /a child reloaded on a signal sent to it directly/.test(log.slice(mark2)) || undefined);
  t.pass('the parent heard of the VRRP child reloading on its own SIGHUP');
  t.equal(readPid(pidR), vrrp2);

  // SIGUSR1: the data dump holds both parts
  const dumpFile = '/tmp/keepalived.data';
  const t0 = Date.now();
  p.kill('SIGUSR1');
  const dump = await until('data dump', () => {
    try {
      if (fs.statSync(dumpFile).mtimeMs < t0 - 1000) return undefined;
      const d = JSON.parse(fs.readFileSync(dumpFile, 'utf8')) as State & { config: unknown };
      return d.pid === parent ? d : undefined;
    } catch {
      return undefined;
    }
  });
  t.ok(dump.subsystems.vrrp && dump.subsystems.checkers && dump.config, 'both parts and the configuration');

  // SIGTERM: all three stop, pid files and VIP gone
  p.kill('SIGTERM');
  t.equal(await exited, 0, 'clean stop');
  await until('children gone', () => (!alive(vrrp2) && !alive(check2)) || undefined, 20_000);
  t.notOk(fs.existsSync(pidP) || fs.existsSync(pidR) || fs.existsSync(pidC), 'pid files removed');
  t.equal(vipCount(), 0, 'VIP released');
});
