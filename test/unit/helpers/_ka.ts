import * as fs from 'fs';
import { execFileSync, spawnSync } from 'child_process';
import { KA_CASES } from './keepalived-cases';
import { build } from './model';
for (const c of KA_CASES) {
  fs.writeFileSync('/tmp/kt/case.conf', c.conf);
  const r = spawnSync('ip', ['netns', 'exec', 'ktest', 'keepalived', '-t', '-f', '/tmp/kt/case.conf'], { encoding: 'utf8', timeout: 20000 });
  const { diagnostics } = build(c.conf);
  const mine = diagnostics.some((d) => d.severity === 'error' || (d.severity === 'warning' && d.code !== 'W_UNSUPPORTED'));
  const flag = (r.status !== c.rc ? 'RC-DIFF ' : '') + ((r.status !== 0) !== mine ? 'MODEL-DIFF ' : '');
  console.log(`${flag}${c.name}: ka=${r.status} rec=${c.rc} mine=${mine}`);
  if (flag) console.log('   ka: ' + r.stderr.trim().split('\n').join(' | ') + '\n   me: ' + diagnostics.map(d => d.code + ' ' + d.message).join(' | '));
}
