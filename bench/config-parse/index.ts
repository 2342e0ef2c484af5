// Scenario config-parse: `lvskeeper -t` against `keepalived -t` on one ~SEQ-generated file of
// 65,024 vrrp_instance blocks (keepalived.conf(5)'s own example shape: 8 x 32 x 254).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repeat, summarize, timeCommand, versionOf } from '../lib/measure';
import { newResult, writeResult } from '../lib/report';

export const SEQ_CONFIG = `# 65,024 VRRP instances from three nested ~SEQ generators (8 x 32 x 254)
global_defs {
  router_id bench
}
$VI4= \\
vrrp_instance vrrp4.\${IF}.\${NUM}.\${ID} { \\
    state BACKUP \\
    interface bond\${IF}.\${NUM} \\
    virtual_router_id \${ID} \\
    priority 130 \\
    advert_int 1 \\
    virtual_ipaddress { \\
        10.\${IF}.\${NUM}.\${ID}/24 \\
    } \\
}
~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) $VI4
`;

async function main(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-bench-parse-'));
  const file = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(file, SEQ_CONFIG);
  const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'lvskeeper.js');
  const result = newResult('config-parse', {
    lvskeeper: require('../../../package.json').version as string,
    keepalived: versionOf('keepalived', ['-v']),
    node: process.version,
  });
  try {
    const ours = await repeat(repeats, () => {
      const r = timeCommand(process.execPath, [cli, '-t', '-f', file]);
      if (r.status === null || r.status > 5) throw new Error(`lvskeeper -t failed (${r.status}): ${r.stderr.slice(0, 500)}`);
      return r.ms;
    });
    const oursS = summarize('lvskeeper -t', 'ms', ours);
    let peerMissing: string | undefined;
    let peer: number[] | undefined;
    if (!fs.existsSync('/usr/sbin/keepalived')) peerMissing = 'keepalived is not installed (apt-get install keepalived)';
    else peer = await repeat(repeats, () => timeCommand('/usr/sbin/keepalived', ['-t', '-f', file]).ms);
    result.comparisons.push({
      name: 'parse 65,024 vrrp_instances',
      ours: oursS,
      peer: peer ? summarize('keepalived -t', 'ms', peer) : undefined,
      peerMissing,
    });
    result.noise = `${repeats} repeats after one discarded warm-up; other load on the machine is not controlled (loadavg at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`;
    result.notes.push('Both programs read the same file; both report the interfaces bond*.* as missing, as no such interfaces exist here. lvskeeper times include starting Node.js.');
  } catch (e) {
    result.skipped = (e as Error).message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  writeResult(result);
}

void main();
