#!/bin/bash
# Prints the kernel image for the test VM: the uncompressed vmlinux (cached; qemu boots it through the PVH entry point,
# which skips ~3 s of in-guest decompression under TCG) when the kernel supports PVH, else /boot/vmlinuz-VERSION.
# Usage: extract-vmlinux.sh KERNEL_VERSION [CACHE_DIR]
set -euo pipefail
ver=${1:?usage: extract-vmlinux.sh KERNEL_VERSION [CACHE_DIR]}
cache=${2:-/var/tmp/lvskeeper-vm}
bz=/boot/vmlinuz-$ver
fallback() { echo "$bz"; exit 0; }
grep -q '^CONFIG_PVH=y' "/boot/config-$ver" 2>/dev/null || fallback
key=$(stat -c '%s %Y' "$bz" | sha256sum | cut -c1-12)
out=$cache/vmlinux-$ver-$key
if [ -s "$out" ]; then echo "$out"; exit 0; fi
mkdir -p "$cache"
tmp=$(mktemp "$cache/.vmlinux.XXXXXX")
trap 'rm -f "$tmp"' EXIT
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
# Try each compressed-payload signature at each place it occurs (magic bytes of xz, zstd, gzip).
magics=($'\xfd7zXZ' $'\x28\xb5\x2f\xfd' $'\x1f\x8b\x08')
tools=('xz -dc --single-stream' 'zstd -qdc' 'gzip -dc')
for i in 0 1 2; do
  magic=${magics[$i]} tool=${tools[$i]}
  command -v "${tool%% *}" >/dev/null || continue
  for off in $(LC_ALL=C grep -abo "$magic" "$bz" 2>/dev/null | cut -d: -f1 | head -5); do
    tail -c +$((off + 1)) "$bz" | $tool >"$tmp" 2>/dev/null || true
    if [ -s "$tmp" ] && is_elf "$tmp"; then
      rm -f "$cache"/vmlinux-"$ver"-*
      mv "$tmp" "$out"
      echo "$out"
      exit 0
    fi
  done
done
fallback
