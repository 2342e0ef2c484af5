// SIGHUP with a broken file: the daemon rejects it, logs the error with file:line, and keeps the
// running configuration (generation unchanged, still serving); a good file then applies (generation 2).
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { Netns, isRoot } from '../helpers/netns';

const CLI = path.join(__dirname, '../../dist/src/cli/lvskeeper.js');
const GOOD = 'global_defs {\n router_id reload_test\n}\n';

t.test('a broken reload keeps the running configuration', { skip: !isRoot() ? 'needs root' : !fs.existsSync(CLI) ? 'not built (make build)' : false }, async (t) => {
  const ns = new Netns('lvsk-reload');
  t.teardown(() => ns.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-reload-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'k.conf');
  fs.writeFileSync(conf, GOOD);
  const p = spawn('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '-n', '-l', '--log-format=json', '-f', conf, '-p', path.join(dir, 'pid'), '--status-listen=127.0.0.1:9299'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => p.kill('SIGKILL'));
  let log = '';
  p.stdout.on('data', (d) => (log += d));
  p.stderr.on('data', (d) => (log += d));
  const until = async (re: RegExp, ms = 20000): Promise<boolean> => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (re.test(log)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  const state = (): { generation: number } => JSON.parse(ns.exec('node', ['-e', "require('http').get('http://127.0.0.1:9299/state',r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>console.log(b))})"]));
  t.ok(await until(/lvskeeper running/), 'daemon started', { log });
  t.equal(state().generation, 1);

  fs.writeFileSync(conf, 'global_defs {\n router_id reload_test\n}\nvrrp_instance A {\n priority 300\n');
  p.kill('SIGHUP');
  t.ok(await until(/new configuration rejected; keeping the running one/), 'broken reload rejected', { log });
  t.match(log, /k\.conf:5:\d+: error: .*priority is 300; should be 1-255/, 'error names file:line:col');
  t.equal(state().generation, 1, 'still the first configuration, still serving');

  fs.writeFileSync(conf, GOOD.replace('reload_test', 'reload_test2'));
  p.kill('SIGHUP');
  t.ok(await until(/configuration reloaded/), 'good reload applied', { log });
  t.equal(state().generation, 2);

  p.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  t.equal(code, 0, 'clean stop on SIGTERM');
});
