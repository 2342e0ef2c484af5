#!/bin/bash
# `make demo`: boots the kernel-tier VM once and runs the director pair in it (demo/index.ts): a client, directors A and
# B running lvskeeper, three HTTP real servers, a request loop, and a timeline of what happens and what is lost.
# MODE=DR for direct routing (default NAT). Needs a build (make build) and the VM's packages (scripts/apt-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${MODE:-NAT}
bash scripts/apt-deps.sh qemu-system-x86 linux-image-amd64 busybox-static ipvsadm iproute2 kmod procps
[ -f dist/src/cli/lvskeeper.js ] && [ -f dist/demo/index.js ] || npx tsc -p tsconfig.json
echo "demo: booting the VM (qemu, emulated CPU: every step is slower than on real hardware)"
exec bash test/kernel/vm/run-in-vm.sh --timeout "${LVSK_DEMO_TIMEOUT:-600}" --mem 1536 -- node dist/demo/index.js "$MODE"
