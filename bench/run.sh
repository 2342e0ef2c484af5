#!/bin/bash
# Runs every benchmark scenario (or the one named as $1) and writes bench/results/<scenario>.{json,svg}.
# Host scenarios run here; kernel scenarios (IPVS) run inside the test VM, one boot each.
# Env: BENCH_REPEATS (repeats per measurement, also passed into the VM), LVSK_BENCH_VM_TIMEOUT (seconds per VM run, default 2400), LVSK_BENCH_VM_MEM (guest MiB, default 2048: the 1,000 x 10 reload needs more than 1 GiB).
set -uo pipefail
cd "$(dirname "$0")/.."
HOST_SCENARIOS=(config-parse failover jitter)
VM_SCENARIOS=(ipvs-apply checkers reload)
want=${1:-}
rc=0
for s in "${HOST_SCENARIOS[@]}"; do
  [ -n "$want" ] && [ "$want" != "$s" ] && continue
  echo "=== bench $s"
  if [ -f "dist/bench/$s/index.js" ]; then node "dist/bench/$s/index.js" || rc=1
  else echo "bench $s: cannot run: dist/bench/$s/index.js is missing; build first (make build)"; rc=1; fi
done
for s in "${VM_SCENARIOS[@]}"; do
  [ -n "$want" ] && [ "$want" != "$s" ] && continue
  echo "=== bench $s (in the VM)"
  if [ -f "dist/bench/$s/index.js" ] && [ -x test/kernel/vm/run-in-vm.sh ]; then
    out=/var/tmp/lvskeeper-vm/out; mkdir -p "$out"
    bash test/kernel/vm/run-in-vm.sh --timeout "${LVSK_BENCH_VM_TIMEOUT:-2400}" --mem "${LVSK_BENCH_VM_MEM:-2048}" --share "$out" ${BENCH_REPEATS:+--env BENCH_REPEATS=$BENCH_REPEATS} -- node "dist/bench/$s/index.js" "$out/$s.json" || rc=1
    [ -f "$out/$s.json" ] && node -e "const r=require('./dist/bench/lib/report.js'); r.writeResult(JSON.parse(require('fs').readFileSync('$out/$s.json','utf8')))"
  else
    echo "bench $s: cannot run: needs dist/bench/$s/index.js and the VM runner (test/kernel/vm/run-in-vm.sh)"
  fi
done
exit $rc
