// Profiling aid for bench/ipvs-apply (run as root in the VM, under `node --cpu-prof` or `strace -c -f`): one
// apply, dump and flush of each state, with wall time and the process's user/system CPU split per phase.
// Env LVSK_SUPPRESS_ACKS=0 asks an ack per request. Usage: node dist/bench/ipvs-apply/profile.js [out.json] [states: 1000x10:adr,10000x1:adr (a apply, d dump, r restore)]
import * as fs from 'fs';
import * as os from 'os';
import { spawnSync } from 'child_process';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import { makeState } from './state';

async function main(): Promise<void> {
  const out = process.argv[2];
  const plan = (process.argv[3] ?? '1000x10:ad,10000x1:adr').split(',').map((x) => {
    const m = /^(\d+)x(\d+):([adr]*)$/.exec(x);
    if (!m) throw new Error(`state is "${x}"; should be like 1000x10:adr`);
    return { st: makeState(Number(m[1]), Number(m[2])), what: m[3] };
  });
  // LVSK_SUPPRESS_ACKS=0: an ack for every request (as before ack suppression), for comparisons
  const c = await openKernelClient({ suppressAcks: process.env.LVSK_SUPPRESS_ACKS !== '0' });
  const rows: Array<Record<string, unknown>> = [];
  const phase = async (name: string, fn: () => Promise<unknown> | unknown) => {
    const u0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const u = process.cpuUsage(u0);
    const row = { name, ms: Math.round(ms), userMs: Math.round(u.user / 1000), sysMs: Math.round(u.system / 1000), result: r };
    rows.push(row);
    process.stdout.write(JSON.stringify(row) + '\n');
  };
  try {
    await c.flush();
    for (const { st, what } of plan) {
      await phase(`apply ${st.name}`, async () => {
        const res = await c.applyBatch(st.ops);
        return res.filter((x) => !x.ok).length;
      });
      if (what.includes('d')) {
        await phase(`dump ${st.name}`, async () => (await c.listAll()).length);
        await phase(`ipvsadm -Sn ${st.name}`, () => spawnSync('ipvsadm', ['-Sn'], { maxBuffer: 1 << 28 }).status);
      }
      await phase(`flush ${st.name}`, () => c.flush());
      if (what.includes('r')) {
        const file = `${os.tmpdir()}/lvsk-profile-rules`;
        fs.writeFileSync(file, st.rules);
        const lvsadm = `${__dirname}/../../src/cli/lvsadm.js`;
        const extra = process.env.LVSK_PROFILE_RESTORE_NODE_ARGS ?? '';
        await phase(`lvsadm -R ${st.name}`, () => spawnSync('sh', ['-c', `exec node ${extra} ${lvsadm} -R < ${file}`]).status);
        await phase(`flush ${st.name}`, () => c.flush());
        await phase(`ipvsadm -R ${st.name}`, () => spawnSync('sh', ['-c', `exec ipvsadm -R < ${file}`]).status);
        await phase(`flush ${st.name}`, () => c.flush());
      }
    }
  } finally {
    await c.close();
  }
  if (out) fs.writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
}

void main();
