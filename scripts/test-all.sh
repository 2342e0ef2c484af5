#!/bin/bash
# Runs every test tier (unit, netns, kernel), keeps each tier's TAP in .tap-results/, and ends with
# one line "N passed, N failed" counted over all tiers by scripts/tap-count.js.
set -uo pipefail
cd "$(dirname "$0")/.."
out=.tap-results
rm -rf "$out"; mkdir -p "$out"
status=0

run_tier() { # name command...
  local name=$1; shift
  echo "=== tier $name: $*"
  local t0=$SECONDS
  "$@" > "$out/$name.tap" 2> "$out/$name.stderr"
  local rc=$?
  tail -n 40 "$out/$name.stderr" >&2
  local summary; summary=$(node scripts/tap-count.js "$out/$name.tap")
  echo "=== tier $name: $summary (exit $rc, $((SECONDS - t0)) s)"
  if [ $rc -ne 0 ]; then
    status=1
    # A runner that failed without a failing test point (coverage gate, crash before any output)
    # still counts as one failure.
    if [[ $summary == *" 0 failed"* ]]; then
      printf 'not ok 1 - tier %s runner exited %d without a failing test point (see %s/%s.stderr)\n' "$name" "$rc" "$out" "$name" >> "$out/$name.tap"
    fi
  fi
}

run_tier unit npx tap --reporter=tap test/unit
if [ "$(id -u)" = 0 ]; then
  run_tier netns npx tap --reporter=tap --jobs=1 --disable-coverage test/netns
else
  echo "=== tier netns: skipped (needs root for network namespaces)"
fi
if [ "${LVSK_SKIP_KERNEL:-}" = 1 ]; then
  echo "=== tier kernel: skipped (LVSK_SKIP_KERNEL=1)"
elif [ -f test/kernel/run.sh ]; then
  run_tier kernel bash test/kernel/run.sh
fi

files=()
for f in "$out"/*.tap; do files+=("$f"); done
node scripts/tap-count.js "${files[@]}" > "$out/total.txt"
final=$?
[ $final -ne 0 ] && status=1
cat "$out/total.txt"
exit $status
