#!/bin/bash
# Kernel test tier: boots ONE VM with Debian's kernel (IPVS as modules) and runs every dist/test/kernel/*.test.js in ONE node process; TAP on stdout.
# Env: LVSK_KERNEL_TIMEOUT (seconds for the whole VM run, default 2400); LVSK_KERNEL_TAP_TIMEOUT (tap's root timeout,
# default 2 minutes less, so that tap still reports; everything in the VM is emulated and slow);
# LVSK_KERNEL_FILTER (substring: only matching test files).
# Exit status: 0 when every test passed; 1 test failures; 124 timeout; 125 VM failure; 3 missing packages or compiled tests.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 3

bash scripts/apt-deps.sh qemu-system-x86 linux-image-amd64 busybox-static ipvsadm keepalived kmod iproute2 curl tcpdump procps || exit 3

shopt -s nullglob
files=()
for f in dist/test/kernel/*.test.js; do
  [[ -z ${LVSK_KERNEL_FILTER:-} || $f == *"$LVSK_KERNEL_FILTER"* ]] && files+=("$repo/$f")
done
if [ ${#files[@]} -eq 0 ]; then
  echo "kernel tier: no compiled tests in dist/test/kernel/*.test.js${LVSK_KERNEL_FILTER:+ matching '$LVSK_KERNEL_FILTER'}; build first: npx tsc -p tsconfig.json" >&2
  echo "Bail out! no compiled kernel-tier tests"
  exit 3
fi

# In-process loader: each file registers its tests on tap's root `t`, which prints one TAP stream and sets the exit code.
# A file that throws while loading becomes a failed test instead of ending the batch.
loader='
const path = require("path");
const { t } = require("tap");
for (const f of process.argv.slice(1)) {
  try { require(f); } catch (err) { t.fail(`loading ${path.basename(f)}: ${err && err.stack || err}`); }
}'
vm_timeout=${LVSK_KERNEL_TIMEOUT:-2400}
tap_timeout=${LVSK_KERNEL_TAP_TIMEOUT:-$((vm_timeout > 240 ? vm_timeout - 120 : vm_timeout / 2))}
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
start=$EPOCHREALTIME
echo "# kernel tier: ${#files[@]} test file(s) in one VM"
bash test/kernel/vm/run-in-vm.sh --quiet --timing "$timing" --timeout "$vm_timeout" --env LVSK_KERNEL=1 \
  --env TAP_TIMEOUT="$tap_timeout" -- \
  bash -c 'echo "# kernel $(uname -r) in $(nproc)-CPU qemu VM"; exec node -e "$0" "$@"' "$loader" "${files[@]}"
rc=$?
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
case "$rc" in
  0|1) ;;
  124) echo "Bail out! kernel tier: the VM timed out after ${vm_timeout}s" ;;
  125) echo "Bail out! kernel tier: the VM failed before or after the tests (see stderr)" ;;
  142) echo "Bail out! kernel tier: tap's root timeout (${tap_timeout}s, SIGALRM) ended the test process" ;;
  *) echo "Bail out! kernel tier: the test process ended with status $rc" ;;
esac
if [ -s "$timing" ]; then
  read -r -a kv <"$timing"
  declare -A tm=()
  for p in "${kv[@]}"; do tm[${p%%=*}]=${p#*=}; done
  echo "# kernel tier timing: boot ${tm[boot_s]} s, tests ${tm[command_s]} s, total ${elapsed} s (kernel ${tm[kernel]})"
else
  echo "# kernel tier timing: total ${elapsed} s"
fi
exit "$rc"
