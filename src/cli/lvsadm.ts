#!/usr/bin/env -S node --single-threaded
// lvsadm: an ipvsadm 1.31 compatible command line over lvskeeper's IPVS client (same options, output and exit codes).
// --single-threaded (no V8 background compiler or GC threads): a short command gains nothing from them, and on a
// one-CPU machine they compete with it (10,000-line -R in the VM: 3.6-3.8 s instead of 4.1-4.6 s; bench/ipvs-apply).
import * as path from 'path';
import { openKernelClient } from '../ipvs/kernel-client';
import { defaultDeps, main } from '../lvsadm/main';
import { ExitCode } from '../lvsadm/errors';

/** argv[0] as C would see it: the name the program was invoked by (the script path without ".js"). */
function programName(): string {
  const base = path.basename(process.argv[1] ?? 'lvsadm');
  return base.endsWith('.js') ? base.slice(0, -3) : base;
}

async function run(): Promise<void> {
  const status = await main([programName(), ...process.argv.slice(2)], defaultDeps(() => openKernelClient()));
  if (status === ExitCode.CRASHED) {
    // ipvsadm dies of SIGSEGV on "-b ,"; end the same way so a shell sees the same status.
    process.removeAllListeners('SIGSEGV');
    process.kill(process.pid, 'SIGSEGV');
  }
  process.exitCode = status;
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`lvsadm: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
