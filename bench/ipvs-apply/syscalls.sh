#!/bin/bash
# Syscall counts (strace -c -f) of our apply and dump (with and without ack suppression) and of ipvsadm -R / -Sn, for
# 1,000 services x 10 destinations. Runs as root inside the VM:
#   bash test/kernel/vm/run-in-vm.sh -- bash bench/ipvs-apply/syscalls.sh
set -u
out=${LVSK_VM_OUT:-/tmp}/syscalls
mkdir -p "$out"
cd "$(dirname "$0")/../.."
for acks in 1 0; do
  ipvsadm -C
  LVSK_SUPPRESS_ACKS=$((1 - acks)) strace -f -c -o "$out/ours-acks$acks.txt" node dist/bench/ipvs-apply/profile.js "" 1000x10:a >/dev/null
done
ipvsadm -C
node -e "process.stdout.write(require('./dist/bench/ipvs-apply/state.js').makeState(1000, 10).rules)" >/tmp/rules
strace -f -c -o "$out/ipvsadm-R.txt" ipvsadm -R </tmp/rules
strace -f -c -o "$out/ipvsadm-Sn.txt" ipvsadm -Sn >/dev/null
strace -f -c -o "$out/ours-dump.txt" node -e "
const { openKernelClient } = require('./dist/src/ipvs/kernel-client.js');
(async () => { const c = await openKernelClient(); await c.listAll(); await c.close(); })();"
ipvsadm -C
for f in "$out"/*.txt; do echo "== $(basename "$f")"; grep -E "sendmsg|recvmsg|epoll_wait|total" "$f"; done
