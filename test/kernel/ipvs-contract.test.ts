// Kernel tier: the IPVS contract suite against the real kernel over generic netlink (inside the VM, LVSK_KERNEL=1).
import t from 'tap';
import { execFileSync } from 'child_process';
import { runIpvsContract } from '../contract/ipvs-contract';
import { openKernelClient } from '../../src/ipvs/kernel-client';

const SKIP = process.env.LVSK_KERNEL ? false : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (bash test/kernel/run.sh)';
/** Sync daemons need a multicast-capable interface with addresses (lo has no IPv6 multicast route). */
const SYNC_IF = 'lvsksync0';

function sh(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}

t.test('IPVS contract against the kernel', { skip: SKIP, timeout: 900000 }, async (t) => {
  sh('modprobe', ['ip_vs']);
  sh('ip', ['link', 'del', SYNC_IF]);
  const haveDummy =
    sh('ip', ['link', 'add', SYNC_IF, 'type', 'dummy']) &&
    sh('ip', ['link', 'set', SYNC_IF, 'multicast', 'on', 'up']) &&
    sh('ip', ['addr', 'add', '10.253.0.1/24', 'dev', SYNC_IF]) &&
    sh('ip', ['-6', 'addr', 'add', 'fd00:253::1/64', 'dev', SYNC_IF, 'nodad']);
  t.teardown(() => {
    sh('ip', ['link', 'del', SYNC_IF]);
  });
  runIpvsContract(t, () => openKernelClient(), { syncInterface: haveDummy ? SYNC_IF : 'lo' });
});
