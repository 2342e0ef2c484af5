// lvskeeper's non-daemon modes in process: -t (keepalived exit codes, diagnostics), -d (JSON dump
// with secrets redacted), --signum, -v, -h, usage errors.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/lvskeeper';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  (process.stdout as unknown as { write: unknown }).write = (s: string) => ((out += s), true);
  (process.stderr as unknown as { write: unknown }).write = (s: string) => ((err += s), true);
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    (process.stdout as unknown as { write: unknown }).write = ow;
    (process.stderr as unknown as { write: unknown }).write = ew;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-cli-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const GOOD = write('good.conf', 'vrrp_instance VI_1 {\n interface lo\n virtual_router_id 9\n priority 100\n authentication {\n  auth_type PASS\n  auth_pass s3cr3t\n }\n virtual_ipaddress {\n  10.0.0.1/32\n }\n}\n');

t.test('-t on a good file exits 0 (interfaces checked against the host: lo exists)', async (t) => {
  const r = await run(['-t', '-f', write('vs.conf', 'virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n')]);
  t.equal(r.code, 0, r.err);
});

t.test('-t reports file:line:col and exits 5 on a bad value', async (t) => {
  const f = write('bad.conf', 'vrrp_instance A {\n interface lo\n virtual_router_id 5\n priority 300\n}\n');
  const r = await run(['-t', '-f', f]);
  t.equal(r.code, 5);
  t.match(r.err, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:\\d+: error: .*priority is 300; should be 1-255`));
});

t.test('-t with an unknown keyword suggests the right one', async (t) => {
  const r = await run(['-t', '-f', write('typo.conf', 'global_defs {\n router_idd x\n}\n')]);
  t.equal(r.code, 5);
  t.match(r.err, /did you mean 'router_id'/);
});

t.test('-t on a missing file exits 4', async (t) => {
  const r = await run(['-t', '-f', path.join(dir, 'nope.conf')]);
  t.equal(r.code, 4);
  t.match(r.err, /cannot be read \(ENOENT\)/);
});

t.test('-t=LOGFILE writes the diagnostics there', async (t) => {
  const log = path.join(dir, 't.log');
  const r = await run([`--config-test=${log}`, '-f', write('typo2.conf', 'global_defs {\n router_idd x\n}\n')]);
  t.equal(r.code, 5);
  t.equal(r.err, '');
  t.match(fs.readFileSync(log, 'utf8'), /router_idd/);
});

t.test('-d dumps the model as JSON with auth_pass redacted', async (t) => {
  const r = await run(['-d', '-f', GOOD]);
  t.equal(r.code, 0, r.err);
  const model = JSON.parse(r.out);
  t.equal(model.vrrpInstances[0].name, 'VI_1');
  t.equal(model.vrrpInstances[0].virtualRouterId, 9);
  t.notMatch(r.out, /s3cr3t/);
  t.match(r.out, /\[redacted\]/);
});

t.test('--signum, -v, -h and usage errors', async (t) => {
  t.same(await run(['--signum=RELOAD']), { code: 0, out: '1\n', err: '' });
  t.same(await run(['--signum=NOPE']), { code: 1, out: '', err: 'Unknown sigfunc NOPE\n' });
  t.match((await run(['-v'])).err, /^lvskeeper v\d+\.\d+\.\d+/);
  t.match((await run(['-h'])).err, /Usage: lvskeeper \[OPTION\.\.\.\]/);
  t.same(await run(['-Q']), { code: 1, out: '', err: 'Unknown option -Q\n' });
});
