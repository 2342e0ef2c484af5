#!/bin/busybox sh
# Stage 1 of the test VM (runs as /init in the initramfs): load virtio + 9p, mount the host root read-only, switch_root into stage 2.
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
  echo "lvsk-initramfs: $*" >/dev/console
  echo o >/proc/sysrq-trigger
  sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /modules.order); do
  insmod "/modules/$m.ko" || fail "insmod $m failed"
done

# Kernel command line: lvsk.init=<stage-2 script on the host root> lvsk.run=<per-run dir on the host root>
stage2= run=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    lvsk.init=*) stage2=${arg#lvsk.init=} ;;
    lvsk.run=*) run=${arg#lvsk.run=} ;;
  esac
done
[ -n "$stage2" ] || fail "no lvsk.init= on the kernel command line"

mkdir -p /newroot
# virtio-9p-pci needs a moment to probe after insmod; retry briefly.
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 50 ] || fail "cannot mount the host root over 9p (tag hostroot)"
  sleep 0.1
done
[ -f "/newroot$stage2" ] || fail "stage 2 $stage2 not found on the host root"

mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$stage2" "$run"
