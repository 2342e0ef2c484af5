// Differential check against keepalived 2.2.7: for each small configuration, `keepalived -t` exits non-zero
// exactly when lvskeeper reports a problem (an error, or a warning other than W_UNSUPPORTED, which is about
// lvskeeper only). The exit statuses are recorded in helpers/keepalived-cases.ts; when keepalived is installed
// and we are root, they are re-measured in a throw-away network namespace with veth eth0/eth1.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { constants } from 'os';
import { KA_CASES } from './helpers/keepalived-cases';
import { build } from './helpers/model';
import { parseTree } from '../../src/config/tree';
import { memoryLoader } from '../../src/config/loader';
import { buildConfig } from '../../src/config/build';
import type { Diagnostic } from '../../src/config/types';

const problem = (ds: Diagnostic[]) => ds.some((d) => d.severity === 'error' || (d.severity === 'warning' && d.code !== 'W_UNSUPPORTED'));

/** Through the real front end (src/config/tree.ts) and, as a cross-check, the test splitter. */
function lvskeeperReportsProblem(conf: string): boolean {
  const tree = parseTree('/k.conf', memoryLoader({ '/k.conf': conf }));
  const real = problem([...tree.diagnostics, ...buildConfig(tree.nodes).diagnostics]);
  if (real !== problem(build(conf).diagnostics)) throw new Error(`front ends disagree on:\n${conf}`);
  return real;
}

t.test('recorded keepalived -t status agrees with lvskeeper diagnostics', async (t) => {
  for (const c of KA_CASES) {
    const mine = lvskeeperReportsProblem(c.conf);
    if (c.divergence) {
      t.equal(mine, true, `${c.name}: lvskeeper reports it (${c.divergence})`);
      continue;
    }
    t.equal(mine, c.rc !== 0, `${c.name}: keepalived -t ${c.rc}, lvskeeper ${mine ? 'reports a problem' : 'accepts it'}`);
  }
});

function haveKeepalived(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  return r.status === 0 && /Keepalived v2\.2\.7/.test(`${r.stdout}${r.stderr}`);
}

t.test('re-measure with the installed keepalived 2.2.7', { skip: haveKeepalived() ? false : 'needs root and keepalived 2.2.7' }, async (t) => {
  const ns = `lvsk-model-${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-ka-'));
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  t.teardown(() => {
    ip('netns', 'del', ns);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  if (ip('netns', 'add', ns).status !== 0) {
    t.comment('cannot create a network namespace; skipped');
    return;
  }
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  for (const i of [0, 1]) {
    ip('-n', ns, 'link', 'add', `eth${i}`, 'type', 'veth', 'peer', 'name', `peer${i}`);
    ip('-n', ns, 'link', 'set', `eth${i}`, 'up');
  }
  const file = path.join(dir, 'keepalived.conf');
  for (const c of KA_CASES) {
    fs.writeFileSync(file, c.conf);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', file], { encoding: 'utf8', timeout: 30000 });
    const rc = r.status ?? (r.signal ? 128 + (constants.signals[r.signal] ?? 0) : -1);
    t.equal(rc, c.rc, `${c.name}${rc !== c.rc ? `: ${r.stderr.trim()}` : ''}`);
  }
});
