#!/bin/bash
# `make run`: the daemon on conf/keepalived.conf. By default inside a sandbox: a director namespace
# whose interface lvsk0 is a veth towards a real-server namespace running three small HTTP servers,
# so VRRP adverts, gratuitous ARPs and health checks never leave this machine.
# LVSK_RUN_HOST=1 runs on the host's own interfaces instead (a real director); CONF=file picks the config.
set -euo pipefail
cd "$(dirname "$0")/.."
CONF=${CONF:-conf/keepalived.conf}
ARGS=(-n -l --log-format=${LOG_FORMAT:-text} -f "$CONF" -p /run/lvskeeper-run.pid)
if [ "${LVSK_RUN_HOST:-}" = 1 ]; then exec node dist/src/cli/lvskeeper.js "${ARGS[@]}" "$@"; fi
if [ "$(id -u)" != 0 ]; then echo "make run: needs root for its sandbox namespaces (or LVSK_RUN_HOST=1)" >&2; exit 1; fi

DIR=lvsk-run-dir RS=lvsk-run-rs
cleanup() {
  for ns in $DIR $RS; do
    for p in $(ip netns pids $ns 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
  done
  sleep 0.3
  for ns in $DIR $RS; do
    for p in $(ip netns pids $ns 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del $ns 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM
cleanup
ip netns add $DIR; ip netns add $RS
ip -n $DIR link set lo up; ip -n $RS link set lo up
ip link add lvsk0 netns $DIR type veth peer name lvsk0p netns $RS
ip -n $DIR addr add 10.200.0.1/24 dev lvsk0; ip -n $DIR link set lvsk0 up
for a in 11 12 13; do ip -n $RS addr add 10.200.0.$a/24 dev lvsk0p; done
ip -n $RS link set lvsk0p up
# real servers: /health answers 200 with the server's name
for a in 11 12 13; do
  ip netns exec $RS node -e "
    require('http').createServer((q, s) => { s.writeHead(q.url === '/health' || q.url === '/' ? 200 : 404); s.end('rs $a\n'); })
      .listen(8080, '10.200.0.$a');" &
done
echo "make run: sandbox up: director namespace $DIR (lvsk0 10.200.0.1/24), real servers 10.200.0.11-13:8080 in $RS"
echo "make run: status endpoint inside the sandbox: ip netns exec $DIR curl -s 127.0.0.1:9201/state ; Ctrl-C stops"
ip netns exec $DIR node dist/src/cli/lvskeeper.js "${ARGS[@]}" "$@"
