#!/bin/bash
# Guest half of capture-golden.sh (runs inside the VM): taps all netlink traffic with an nlmon device while the real
# ipvsadm runs each command of OUT/commands.tsv; leaves OUT/capture.pcap and OUT/index.tsv (n, label, pid, status, args).
set -uo pipefail
out=${1:?usage: capture-golden-guest.sh OUTDIR}
cd "$out" || exit 1
uname -r >"$out/kernel"
fail() { echo "capture-golden-guest: $*" >&2; exit 1; }

modprobe nlmon || fail "no nlmon module"
modprobe dummy || fail "no dummy module"
# Load IPVS and the modules the commands use up front, so that no module load happens while capturing.
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_mh ip_vs_pe_sip; do modprobe "$m" || fail "modprobe $m"; done
# An interface for the sync daemon, with a multicast route (the VM has no default route).
ip link add lvsk0 type dummy && ip link set lvsk0 up multicast on || fail "dummy lvsk0"
ip addr add 192.0.2.1/24 dev lvsk0
ip -6 addr add 2001:db8:ffff::1/64 dev lvsk0 nodad
ip route add 224.0.0.0/4 dev lvsk0
ip link add nlmon0 type nlmon && ip link set nlmon0 up || fail "nlmon0"

tcpdump -Z root -i nlmon0 -s 0 -U -w "$out/capture.pcap" 2>"$out/tcpdump.err" &
td=$!
for _ in $(seq 100); do grep -q 'listening on' "$out/tcpdump.err" 2>/dev/null && break; sleep 0.2; done
grep -q 'listening on' "$out/tcpdump.err" || fail "tcpdump did not start: $(cat "$out/tcpdump.err")"

: >"$out/index.tsv"
n=0
while IFS=$'\t' read -r label args; do
  [ -n "$label" ] || continue
  n=$((n + 1))
  nn=$(printf '%02d' "$n")
  # The pid identifies this ipvsadm's netlink messages: libnl's port ids are pid + (k << 22).
  # shellcheck disable=SC2086 # args are whitespace-separated words by design
  bash -c 'echo $$ >"$0/pid"; exec ipvsadm "$@"' "$out" $args >"$out/$nn.stdout" 2>"$out/$nn.stderr"
  rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$nn" "$label" "$(cat "$out/pid")" "$rc" "$args" >>"$out/index.tsv"
  echo "# $nn $label: ipvsadm $args -> status $rc"
done <"$out/commands.tsv"
sleep 1
kill -INT "$td"
wait "$td"
cat "$out/tcpdump.err"
ipvsadm -C
