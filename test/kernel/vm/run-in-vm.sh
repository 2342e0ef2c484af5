#!/bin/bash
# Boots Debian's kernel (which has IPVS) under qemu with the host root shared read-only over 9p, runs COMMAND as root inside it, streams its output and exits with its status.
#
# Usage: run-in-vm.sh [options] -- COMMAND [ARG...]   (COMMAND's stdout and stderr arrive on the runner's stdout and stderr)
#   --timeout S     hard limit for the whole VM run, seconds (default 600); on expiry qemu is killed and the exit status is 124
#   --share DIR     also mount host DIR writable at the same path in the VM (repeatable); created when missing.
#                   /var/tmp/lvskeeper-vm/out (or $LVSK_VM_CACHE/out) is always shared.
#   --env K=V       set K in the command's environment (repeatable); host variables named LVSK_* are passed through too
#   --cwd DIR       working directory in the VM (default: the repository root)
#   --kernel VER    kernel version under /boot and /lib/modules (default: $LVSK_VM_KERNEL, else the newest with IPVS modules)
#   --mem MB        guest memory (default 1024)
#   --smp N         guest CPUs (default $LVSK_VM_SMP, else 1: under TCG on a busy host one vCPU is 2-3x faster than two)
#   --verbose       copy the boot console to stderr  --quiet   no timing line on stderr
#   --append ARGS   extra kernel command-line arguments (also $LVSK_VM_APPEND)
#   --timing FILE   write "kernel=... boot_s=... command_s=... total_s=... status=..." to FILE after the run
# Exit status: COMMAND's status; 124 timeout; 125 the VM failed (boot, mounts); 2 usage; 3 missing packages or kernel.
# Inside the VM: / is the host root read-only, /tmp /run /dev/shm are tmpfs, HOME=/tmp/home, LVSK_VM=1, lo is up,
# modules (ip_vs, schedulers, veth, ...) load on demand through the host's /sbin/modprobe.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cache=${LVSK_VM_CACHE:-/var/tmp/lvskeeper-vm}
timeout_s=600 mem=1024 smp=${LVSK_VM_SMP:-1} verbose=0 quiet=0 cwd=$repo kver=${LVSK_VM_KERNEL:-}
shares=() envs=() timing= append=${LVSK_VM_APPEND:-}

usage() { awk 'NR >= 4 && !/^#/ { exit } NR >= 4 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit "${1:-2}"; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "run-in-vm: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
    --share) need_arg "$@"; shares+=("$2"); shift 2 ;;
    --env) need_arg "$@"; envs+=("$2"); shift 2 ;;
    --cwd) need_arg "$@"; cwd=$2; shift 2 ;;
    --kernel) need_arg "$@"; kver=$2; shift 2 ;;
    --mem) need_arg "$@"; mem=$2; shift 2 ;;
    --smp) need_arg "$@"; smp=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --quiet) quiet=1; shift ;;
    --timing) need_arg "$@"; timing=$2; shift 2 ;;
    --append) need_arg "$@"; append="${append:+$append }$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) echo "run-in-vm: unknown option $1; should be one of --timeout --share --env --cwd --kernel --mem --smp --verbose --quiet --timing --append, then -- COMMAND" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "run-in-vm: no COMMAND; usage: run-in-vm.sh [options] -- COMMAND [ARG...]" >&2; exit 2; }
[[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -gt 0 ] || { echo "run-in-vm: --timeout is '$timeout_s'; should be a positive integer (seconds)" >&2; exit 2; }
[[ $mem =~ ^[0-9]+$ ]] || { echo "run-in-vm: --mem is '$mem'; should be megabytes" >&2; exit 2; }
[[ $smp =~ ^[0-9]+$ ]] || { echo "run-in-vm: --smp is '$smp'; should be a CPU count" >&2; exit 2; }
for e in "${envs[@]}"; do [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run-in-vm: --env '$e' should be NAME=VALUE" >&2; exit 2; }; done
cwd=$(cd "$cwd" 2>/dev/null && pwd) || { echo "run-in-vm: --cwd directory does not exist" >&2; exit 2; }
# /tmp, /run and /dev/shm are the guest's own tmpfs: a repository or working directory there (CI may clone
# under /tmp) would be hidden, so it is shared into the guest at the same path.
for d in "$repo" "$cwd"; do
  case "$d" in /tmp/*|/run/*|/dev/shm/*) shares+=("$d") ;; esac
done

# --- prerequisites -------------------------------------------------------------------------------
install_hint="install with: bash $repo/scripts/apt-deps.sh qemu-system-x86 linux-image-amd64 busybox-static ipvsadm kmod"
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=("qemu-system-x86_64 (package qemu-system-x86)")
[ -x /bin/busybox ] || missing+=("/bin/busybox (package busybox-static)")
command -v timeout >/dev/null || missing+=("timeout (package coreutils)")
[ -x /sbin/modprobe ] || missing+=("/sbin/modprobe (package kmod)")
if [ -z "$kver" ]; then
  for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
    if find "/lib/modules/$k/kernel/net/netfilter/ipvs" -name 'ip_vs.ko*' 2>/dev/null | grep -q .; then kver=$k; break; fi
  done
  [ -n "$kver" ] || missing+=("a kernel with IPVS modules in /boot and /lib/modules (package linux-image-amd64)")
else
  [ -f "/boot/vmlinuz-$kver" ] || missing+=("/boot/vmlinuz-$kver (--kernel/LVSK_VM_KERNEL)")
  [ -d "/lib/modules/$kver" ] || missing+=("/lib/modules/$kver")
fi
if [ ${#missing[@]} -gt 0 ]; then
  printf 'run-in-vm: missing %s\n' "${missing[@]}" >&2
  echo "run-in-vm: $install_hint" >&2
  exit 3
fi
[ -r "/boot/vmlinuz-$kver" ] || { echo "run-in-vm: /boot/vmlinuz-$kver is not readable; run as root" >&2; exit 3; }

initrd=$(bash "$here/build-initramfs.sh" "$kver" "$cache") || { echo "run-in-vm: building the initramfs failed" >&2; exit 3; }
kernel=$(bash "$here/extract-vmlinux.sh" "$kver" "$cache") || kernel=/boot/vmlinuz-$kver

# --- per-run directory (read by the guest from the read-only host root) ---------------------------
mkdir -p "$cache/runs" "$cache/out" || exit 3
# Run directories of failed runs are kept for inspection for a day.
find "$cache/runs" -mindepth 1 -maxdepth 1 -name 'run.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null
run=$(mktemp -d "$cache/runs/run.XXXXXX") || exit 3
marker="LVSK-VM-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
echo "$marker" >"$run/marker"
{
  printf 'PATH=%q\nHOME=/tmp/home\nTMPDIR=/tmp\nTERM=dumb\nLANG=C.UTF-8\nLVSK_VM=1\n' /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  printf 'LVSK_VM_OUT=%q\nLVSK_VM_CWD=%q\n' "$cache/out" "$cwd"
  while IFS='=' read -r name _; do
    case "$name" in LVSK_VM_CWD|LVSK_VM_OUT|LVSK_VM) ;; LVSK_*) printf '%s=%q\n' "$name" "${!name}" ;; esac
  done < <(env | grep -E '^LVSK_[A-Za-z0-9_]*=' || true)
  for e in "${envs[@]}"; do printf '%s=%q\n' "${e%%=*}" "${e#*=}"; done
} >"$run/env"
{ printf 'exec'; printf ' %q' "$@"; printf '\n'; } >"$run/cmd"

# Guest clocks. Under TCG the guest TSC is the host TSC, but the guest calibrates it against the emulated PIT/HPET,
# and on a loaded host that goes wrong (seen here: 46 MHz instead of 2.3 GHz, guest time running 50x fast; the kernel
# discards a refinement that differs by more than 1%). So: give the kernel the host's TSC frequency (tsc_early_khz),
# keep time with the HPET, which qemu drives from the host clock (clocksource=hpet; reads cost the same as TSC reads
# under emulation), and bound the scheduler clock by it (tsc=unstable).
host_tsc_mhz=$(dmesg 2>/dev/null | grep -oP 'tsc: (Refined TSC clocksource calibration|Detected) \K[0-9.]+(?= MHz)' | tail -n 1)
[ -n "$host_tsc_mhz" ] || host_tsc_mhz=$(grep -m1 -oP '^cpu MHz\s*:\s*\K[0-9.]+' /proc/cpuinfo 2>/dev/null)
clock_args="clocksource=hpet tsc=unstable"
[ -n "$host_tsc_mhz" ] && clock_args="$clock_args tsc_early_khz=$(awk -v m="$host_tsc_mhz" 'BEGIN { printf "%d", m * 1000 }')"
# Speed, not security, matters in this throw-away VM: no Spectre/Meltdown mitigations, no zeroing of every allocated page.
fast_args="mitigations=off init_on_alloc=0"
qemu_args=(
  -accel tcg,thread=multi -cpu max -m "$mem" -smp "$smp"
  -nographic -nodefaults -serial stdio -chardev "file,id=lvskerr,path=$run/stderr" -serial chardev:lvskerr
  -no-reboot -msg timestamp=off
  -kernel "$kernel" -initrd "$initrd"
  -append "console=ttyS0 quiet panic=-1 $clock_args $fast_args ${append:+$append }lvsk.init=$here/guest-init.sh lvsk.run=$run"
  -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
  -device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"
  -pidfile "$run/qemu.pid"
)
: >"$run/shares"
i=0
for d in "$cache/out" "${shares[@]}"; do
  mkdir -p "$d" && d=$(cd "$d" && pwd) || { echo "run-in-vm: cannot create share $d" >&2; exit 3; }
  awk -v d="$d" '$2 == d { found = 1 } END { exit !found }' "$run/shares" && continue
  qemu_args+=(-fsdev "local,id=s$i,path=$d,security_model=none,multidevs=remap" -device "virtio-9p-pci,fsdev=s$i,mount_tag=s$i")
  echo "s$i $d" >>"$run/shares"
  i=$((i + 1))
done

# --- boot, stream, clean up --------------------------------------------------------------------------
qpid= errpid=
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  [ -n "$errpid" ] && kill "$errpid" 2>/dev/null
  [ -s "$run/qemu.pid" ] && kill "$(cat "$run/qemu.pid" 2>/dev/null)" 2>/dev/null
  [ -n "$qpid" ] && wait "$qpid" 2>/dev/null
  exec 3<&- 4>&-
  if [ "${keep_run:-0}" = 1 ]; then echo "run-in-vm: run directory kept: $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

t0=$EPOCHREALTIME
mkfifo "$run/console" "$run/stderr"
# The guest's second serial port carries the command's stderr. The runner holds a write end (fd 4, opened after cat
# so that cat does not inherit it) until qemu is gone, so cat ends at EOF whether or not qemu ever opened the pipe.
cat "$run/stderr" >&2 &
errpid=$!
exec 4<>"$run/stderr"
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${qemu_args[@]}" </dev/null >"$run/console" 2>"$run/qemu.stderr" 4>&- &
qpid=$!
exec 3<"$run/console"

state=boot rc= t_begin= t_end= guest_boot=
: >"$run/console.log"
while IFS= read -r -u 3 line || [ -n "$line" ]; do
  line=${line%$'\r'}
  case "$state" in
    boot)
      if [[ $line == *"$marker-BEGIN"* ]]; then
        state=cmd t_begin=$EPOCHREALTIME guest_boot=${line##*-BEGIN }
      else
        echo "$line" >>"$run/console.log"
        [ "$verbose" = 1 ] && echo "$line" >&2
        # A stage-1/2 failure reports EXIT without BEGIN.
        if [[ $line == *"$marker-EXIT "* ]]; then rc=${line##*-EXIT }; state=done; fi
      fi
      ;;
    cmd)
      if [[ $line == *"$marker-EXIT "* ]]; then
        prefix=${line%%"$marker-EXIT "*}
        [ -n "$prefix" ] && printf '%s\n' "$prefix"
        rc=${line##*-EXIT }
        state=done t_end=$EPOCHREALTIME
      else
        printf '%s\n' "$line"
      fi
      ;;
    done)
      echo "$line" >>"$run/console.log"
      [ "$verbose" = 1 ] && echo "$line" >&2
      ;;
  esac
done
wait "$qpid"
qrc=$?
qpid=
exec 4>&-
wait "$errpid" 2>/dev/null
errpid=
t_done=$EPOCHREALTIME

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  [ -n "$rc" ] || { echo "run-in-vm: timeout: the VM did not finish within ${timeout_s}s; killed qemu" >&2; keep_run=1; exit 124; }
fi
if ! [[ $rc =~ ^[0-9]+$ ]]; then
  echo "run-in-vm: the VM ended (qemu status $qrc) without reporting the command's status; last console lines:" >&2
  tail -n 30 "$run/console.log" >&2
  [ -s "$run/qemu.stderr" ] && { echo "run-in-vm: qemu stderr:" >&2; tail -n 20 "$run/qemu.stderr" >&2; }
  keep_run=1
  exit 125
fi
if [ -n "$timing" ] && [ -n "$t_begin" ]; then
  echo "kernel=$kver boot_s=$(secs "$t0" "$t_begin") guest_uptime_s=$guest_boot command_s=$(secs "$t_begin" "${t_end:-$t_done}") total_s=$(secs "$t0" "$t_done") status=$rc" >"$timing"
fi
if [ "$quiet" = 0 ]; then
  if [ -n "$t_begin" ]; then
    echo "run-in-vm: kernel $kver; boot $(secs "$t0" "$t_begin") s (guest uptime ${guest_boot} s), command $(secs "$t_begin" "${t_end:-$t_done}") s, total $(secs "$t0" "$t_done") s; status $rc" >&2
  else
    echo "run-in-vm: kernel $kver; the VM failed before the command started (status $rc); last console lines:" >&2
    tail -n 30 "$run/console.log" >&2
    keep_run=1
  fi
fi
exit "$rc"
