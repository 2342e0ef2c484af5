#!/bin/bash
# Runs a command as root inside the kernel-tier VM (Debian's kernel with IPVS under qemu); see test/kernel/vm/run-in-vm.sh --help.
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/test/kernel/vm/run-in-vm.sh" "$@"
