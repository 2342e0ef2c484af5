#!/bin/bash
# Stage 2 of the test VM (PID 1 after switch_root onto the read-only host root): set up /tmp, /run, shares, lo; run the command; report its status; power off.
# Argument: the per-run directory written by run-in-vm.sh (files: env, cmd, shares, marker).
run=$1
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

poweroff_now() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 60
}
die() {
  echo "lvsk-guest: $*" >/dev/console
  marker=$(cat "$run/marker" 2>/dev/null)
  [ -n "$marker" ] && echo "$marker-EXIT 125" >/dev/console
  poweroff_now
}

exec </dev/null >/dev/console 2>&1
# No output processing (\n -> \r\n) on the serial ports: the host gets the command's bytes unchanged.
# ttyS0 (the console) carries the command's stdout, ttyS1 its stderr (the host's stdout and stderr).
stty -F /dev/ttyS0 -opost 2>/dev/null
errtty=/dev/console
if [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 -opost 2>/dev/null; then errtty=/dev/ttyS1; fi
# Only emergencies go to the console; the rest stays in dmesg.
echo 1 >/proc/sys/kernel/printk

mount -t tmpfs -o mode=1777 tmpfs /tmp || die "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs /run || die "mount /run"
mkdir -p /dev/pts /dev/shm /run/lock /tmp/home
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
ln -sf /proc/self/fd /dev/fd 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname lvsk-vm
ip link set lo up

[ -d "$run" ] || die "run dir $run not visible in the VM"
marker=$(cat "$run/marker")
# Writable 9p shares: lines "<mount_tag> <path>".
while read -r tag dir; do
  [ -n "$tag" ] || continue
  # A share under /tmp or /run needs its mount point created on the guest's tmpfs.
  mkdir -p "$dir" 2>/dev/null
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 "$tag" "$dir" || die "cannot mount share $tag at $dir"
done <"$run/shares"

echo "$marker-BEGIN $(cut -d' ' -f1 /proc/uptime)"
# The command runs in its own session with a clean environment (env file) from the host's working directory.
env -i bash -c 'set -a; . "$1/env"; set +a; cd "$LVSK_VM_CWD" || exit 125; exec bash "$1/cmd"' lvsk-guest "$run" 2>"$errtty"
rc=$?
sync
echo "$marker-EXIT $rc"
poweroff_now
