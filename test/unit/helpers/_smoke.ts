import * as fs from 'fs';
import { miniTree } from './mini-tree';
import { buildConfig } from '../../../src/config/build';
import { formatDiagnostic } from '../../../src/config/types';
const dir = '/work/shared/corpus/keepalived-samples/';
for (const f of fs.readdirSync(dir)) {
  const { diagnostics } = buildConfig(miniTree(fs.readFileSync(dir + f, 'utf8'), f));
  for (const d of diagnostics) console.log(formatDiagnostic(d));
}
