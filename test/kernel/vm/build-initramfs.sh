#!/bin/bash
# Builds (only when its inputs changed) the test VM's initramfs: static busybox, virtio/9p modules, stage-1 init; prints its path.
# Usage: build-initramfs.sh KERNEL_VERSION [CACHE_DIR]
set -euo pipefail
ver=${1:?usage: build-initramfs.sh KERNEL_VERSION [CACHE_DIR]}
cache=${2:-/var/tmp/lvskeeper-vm}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
moddir=/lib/modules/$ver/kernel
busybox=/bin/busybox
# Load order matters: each module's dependencies come first (see modules.dep of the Debian 6.1 kernel).
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p)

[ -x "$busybox" ] || { echo "build-initramfs: $busybox missing (package busybox-static)" >&2; exit 3; }
# A dynamically linked busybox (package busybox) cannot run in the initramfs, which has no libc.
# Dynamic means the ELF64 program headers include PT_INTERP (3).
has_interp() {
  local phoff phentsize phnum i
  phoff=$(od -An -t u8 -j 32 -N 8 "$1" | tr -d ' ')
  phentsize=$(od -An -t u2 -j 54 -N 2 "$1" | tr -d ' ')
  phnum=$(od -An -t u2 -j 56 -N 2 "$1" | tr -d ' ')
  for ((i = 0; i < phnum; i++)); do
    [ "$(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 "$1" | tr -d ' ')" = 3 ] && return 0
  done
  return 1
}
if has_interp "$busybox"; then echo "build-initramfs: $busybox is dynamically linked; install busybox-static" >&2; exit 3; fi

# Find each module file (.ko, .ko.xz or .ko.zst), skipping modules built into the kernel.
declare -A path=()
order=()
for m in "${modules[@]}"; do
  f=$(find "$moddir" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) -print -quit)
  if [ -z "$f" ]; then
    if grep -q "/$m.ko" "/lib/modules/$ver/modules.builtin" 2>/dev/null; then continue; fi
    echo "build-initramfs: module $m not found under $moddir and not built in" >&2; exit 3
  fi
  path[$m]=$f
  order+=("$m")
done

key=$( { echo "$ver"; sha256sum "$busybox" "$here/initramfs-init.sh" "$0"; for m in "${order[@]}"; do stat -c '%n %s %Y' "${path[$m]}"; done; } | sha256sum | cut -c1-16)
out=$cache/initramfs-$ver-$key.cpio
if [ -s "$out" ]; then echo "$out"; exit 0; fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/root/{bin,dev,proc,sys,modules,newroot}
cp "$busybox" "$work/root/bin/busybox"
cp "$here/initramfs-init.sh" "$work/root/init"
chmod 755 "$work/root/init" "$work/root/bin/busybox"
for m in "${order[@]}"; do
  case "${path[$m]}" in
    *.xz) xz -dc "${path[$m]}" >"$work/root/modules/$m.ko" ;;
    *.zst) zstd -qdc "${path[$m]}" >"$work/root/modules/$m.ko" ;;
    *) cp "${path[$m]}" "$work/root/modules/$m.ko" ;;
  esac
done
printf '%s\n' "${order[@]}" >"$work/root/modules.order"
(cd "$work/root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 >"$work/initramfs.cpio" 2>/dev/null)
rm -f "$cache"/initramfs-"$ver"-*.cpio
mv "$work/initramfs.cpio" "$out"
echo "$out"
