import * as fs from 'fs';
import { parseConfig, formatDiagnostic } from '../../../src/config/index';
import { memoryLoader } from '../../../src/config/loader';
const dir = '/work/shared/corpus/keepalived-samples/';
for (const f of fs.readdirSync(dir)) {
  const res = parseConfig('/' + f, memoryLoader({ ['/' + f]: fs.readFileSync(dir + f, 'utf8') }));
  for (const d of res.diagnostics) if (d.severity !== 'info') console.log(formatDiagnostic(d));
}
