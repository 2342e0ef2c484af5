#!/bin/bash
# Regenerates test/fixtures/ipvs-golden/: boots the kernel-tier VM, runs the real ipvsadm for each command below while an
# nlmon device taps netlink, then splits the capture into one hex file per netlink message plus README.md and index.json.
# Usage: capture-golden.sh [OUTDIR]   (default: test/fixtures/ipvs-golden)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
dest=${1:-$repo/test/fixtures/ipvs-golden}
bash "$repo/scripts/apt-deps.sh" qemu-system-x86 linux-image-amd64 busybox-static ipvsadm kmod iproute2 tcpdump

# label <TAB> ipvsadm arguments (whitespace-separated). Order matters: later commands use earlier state.
commands=$(cat <<'LIST'
svc-add-tcp	-A -t 10.0.0.1:80 -s rr
svc-add-udp	-A -u 10.0.0.1:53 -s wrr
svc-add-sctp	-A --sctp-service 10.0.0.1:9000 -s lc
svc-add-tcp6	-A -t [2001:db8::1]:443 -s wlc
svc-add-fwmark	-A -f 1 -s rr
svc-add-fwmark6	-A -f 2 -6 -s wlc
svc-add-persist-netmask	-A -t 10.0.0.2:80 -s rr -p 600 -M 255.255.255.0
svc-add-persist6-prefix	-A -t [2001:db8::2]:80 -s lc -p 300 -M 64
svc-add-persist-default	-A -t 10.0.0.7:443 -s wlc -p
svc-add-onepacket	-A -u 10.0.0.3:53 -s rr -o
svc-add-sh-flags	-A -t 10.0.0.4:80 -s sh -b sh-fallback,sh-port
svc-add-mh-flags	-A -t 10.0.0.5:80 -s mh -b mh-fallback,mh-port
svc-add-pe-sip	-A -u 10.0.0.6:5060 -s rr -p 60 --pe sip
svc-edit-sched-persist	-E -t 10.0.0.1:80 -s wlc -p 120
svc-edit-flags	-E -t 10.0.0.4:80 -s sh -b sh-port
dest-add-masq	-a -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 1
dest-add-route	-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 5
dest-add-tunnel-ipip	-a -t 10.0.0.1:80 -r 192.168.1.3:80 -i -w 0
dest-add-tunnel-gue-nocsum	-a -t 10.0.0.1:80 -r 192.168.1.4:80 -i --tun-type gue --tun-port 6080 --tun-nocsum
dest-add-tunnel-gue-csum	-a -t 10.0.0.1:80 -r 192.168.1.5:80 -i --tun-type gue --tun-port 6081 --tun-csum
dest-add-tunnel-gue-remcsum	-a -t 10.0.0.1:80 -r 192.168.1.6:80 -i --tun-type gue --tun-port 6082 --tun-remcsum
dest-add-tunnel-gre-csum	-a -t 10.0.0.1:80 -r 192.168.1.7:80 -i --tun-type gre --tun-csum
dest-add-thresholds	-a -t 10.0.0.1:80 -r 192.168.1.8:8080 -m -w 3 -x 100 -y 50
dest-add-ipv6	-a -t [2001:db8::1]:443 -r [2001:db8:1::1]:8443 -m -w 2
dest-add-fwmark	-a -f 1 -r 192.168.1.9 -g
dest-add-udp	-a -u 10.0.0.1:53 -r 192.168.1.10:53 -m -w 4
dest-edit-weight-thresholds	-e -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 10 -x 200 -y 100
dest-edit-tunnel	-e -t 10.0.0.1:80 -r 192.168.1.4:80 -i --tun-type gue --tun-port 7000 --tun-csum
dest-del	-d -t 10.0.0.1:80 -r 192.168.1.8:8080
list-all	-L -n
list-one	-L -n -t 10.0.0.1:80
list-fwmark6	-L -n -f 2 -6
list-timeouts	-L --timeout
set-timeouts	--set 900 120 300
set-timeouts-partial	--set 0 60 0
list-timeouts-after-set	-L --timeout
list-daemon-none	-L --daemon
daemon-start-master	--start-daemon master --mcast-interface lvsk0 --syncid 7
daemon-start-backup-options	--start-daemon backup --mcast-interface lvsk0 --syncid 9 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8849 --mcast-ttl 2
list-daemons	-L --daemon
daemon-stop-master	--stop-daemon master
daemon-stop-backup	--stop-daemon backup
daemon-start-master-ipv6	--start-daemon master --mcast-interface lvsk0 --mcast-group ff02::1:81
daemon-stop-master-ipv6	--stop-daemon master
zero-all	-Z
zero-one	-Z -t 10.0.0.1:80
err-svc-exists	-A -t 10.0.0.1:80 -s rr
err-svc-missing	-D -t 10.9.9.9:80
err-dest-missing	-d -t 10.0.0.1:80 -r 192.168.99.99:80
err-sched-unknown	-A -t 10.0.0.8:80 -s nosuch
svc-del-tcp	-D -t 10.0.0.1:80
svc-del-fwmark6	-D -f 2 -6
flush	-C
list-empty	-L -n
LIST
)

run_id=golden.$$.$RANDOM
work=${LVSK_VM_CACHE:-/var/tmp/lvskeeper-vm}/out/$run_id
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$commands" >"$work/commands.tsv"
bash "$here/run-in-vm.sh" --timeout 900 -- bash "$here/capture-golden-guest.sh" "$work"
kver=$(cat "$work/kernel")
ipvsadm_version=$(dpkg-query -W -f='${Version}' ipvsadm 2>/dev/null || echo unknown)

mkdir -p "$dest"
rm -f "$dest"/*.hex "$dest"/*.stdout.txt "$dest"/index.json
node - "$work" "$dest" "$kver" "$ipvsadm_version" <<'NODE'
// Splits the nlmon pcap into one hex file per netlink message of each ipvsadm command; writes index.json and README.md.
const fs = require('fs');
const path = require('path');
const [work, dest, kver, ipvsadmVersion] = process.argv.slice(2);

// Generic netlink command names, from include/uapi/linux/ip_vs.h (enum IPVS_CMD_*) and linux/genetlink.h (CTRL_CMD_*).
const IPVS_CMD = ['unspec', 'new-service', 'set-service', 'del-service', 'get-service', 'new-dest', 'set-dest', 'del-dest',
  'get-dest', 'new-daemon', 'del-daemon', 'get-daemon', 'set-config', 'get-config', 'set-info', 'get-info', 'zero', 'flush'];
const CTRL_CMD = ['unspec', 'newfamily', 'delfamily', 'getfamily', 'newops', 'delops', 'getops', 'newmcast-grp', 'delmcast-grp', 'getmcast-grp', 'getpolicy'];
const NLMSG_ERROR = 2, NLMSG_DONE = 3, GENL_ID_CTRL = 0x10, NLM_F_REQUEST = 1, NETLINK_GENERIC = 16;
const os = require('os');
const errnoName = (n) => Object.entries(os.constants.errno).find(([, v]) => v === n)?.[0] ?? `E${n}`;

// pcap: global header (24 bytes), then records (16-byte header + data). nlmon data = 16-byte cooked header
// (packet type, ARPHRD_NETLINK, address length, 8 address bytes, netlink protocol; big-endian) + netlink bytes.
const pcap = fs.readFileSync(path.join(work, 'capture.pcap'));
const le = pcap.readUInt32LE(0) === 0xa1b2c3d4 || pcap.readUInt32LE(0) === 0xa1b23c4d;
if (!le) throw new Error('capture.pcap: unexpected magic (should be little-endian pcap)');
if (pcap.readUInt32LE(20) !== 253) throw new Error(`capture.pcap: link type ${pcap.readUInt32LE(20)}; should be 253 (NETLINK)`);
const messages = [];
for (let off = 24; off + 16 <= pcap.length; ) {
  const incl = pcap.readUInt32LE(off + 8), orig = pcap.readUInt32LE(off + 12);
  const data = pcap.subarray(off + 16, off + 16 + incl);
  off += 16 + incl;
  if (incl !== orig) throw new Error('truncated packet in capture');
  if (data.readUInt16BE(14) !== NETLINK_GENERIC) continue;
  // One skb may carry several messages (dump replies): split by nlmsg_len, 4-byte aligned.
  for (let p = 16; p + 16 <= data.length; ) {
    const len = data.readUInt32LE(p);
    if (len < 16 || p + len > data.length) throw new Error(`bad nlmsg_len ${len}`);
    messages.push(data.subarray(p, p + len));
    p += (len + 3) & ~3;
  }
}

function describe(m) {
  const type = m.readUInt16LE(4), flags = m.readUInt16LE(6), seq = m.readUInt32LE(8), pid = m.readUInt32LE(12);
  const d = { type, flags, seq, pid, direction: flags & NLM_F_REQUEST ? 'req' : 'reply' };
  if (type === NLMSG_ERROR) {
    d.errno = -m.readInt32LE(16);
    d.name = d.errno === 0 ? 'ack' : `error-${errnoName(d.errno)}`;
  } else if (type === NLMSG_DONE) d.name = 'done';
  else if (type === GENL_ID_CTRL) { d.genlCmd = m[16]; d.name = `ctrl-${CTRL_CMD[m[16]] ?? m[16]}`; }
  else { d.genlCmd = m[16]; d.genlVersion = m[17]; d.name = IPVS_CMD[m[16]] ?? `cmd-${m[16]}`; }
  return d;
}

const index = fs.readFileSync(path.join(work, 'index.tsv'), 'utf8').trim().split('\n').map((l) => {
  const [nn, label, pid, status, args] = l.split('\t');
  return { nn, label, pid: Number(pid), status: Number(status), args };
});
const described = messages.map((m) => ({ m, d: describe(m) }));
const out = [];
const rows = [];
for (const c of index) {
  // libnl port ids are the pid in the low 22 bits; requests carry the sender's port, replies the receiver's.
  const mine = described.filter(({ d }) => (d.pid & 0x3fffff) === c.pid);
  if (mine.length === 0) throw new Error(`no netlink messages for ${c.nn} ${c.label} (pid ${c.pid})`);
  // Exchanges: a request and the replies with its sequence number and port. libipvs repeats the family resolution
  // (CTRL_CMD_GETFAMILY) before every request and IPVS_CMD_GET_INFO at start-up; keep those only for the first command.
  const requestOf = new Map();
  for (const x of mine) if (x.d.direction === 'req') requestOf.set(`${x.d.pid}/${x.d.seq}`, x.d.name);
  const kept = c === index[0] ? mine : mine.filter(({ d }) => !['ctrl-getfamily', 'get-info'].includes(requestOf.get(`${d.pid}/${d.seq}`)));
  c.dropped = mine.length - kept.length;
  if (kept.length > 99) throw new Error(`${c.label}: ${kept.length} messages; the names have room for 99`);
  const files = [];
  kept.forEach(({ m, d }, i) => {
    const file = `${c.nn}-${c.label}-${String(i + 1).padStart(2, '0')}-${d.name}.${d.direction}.hex`;
    const hex = m.toString('hex').match(/.{1,32}/g).join('\n') + '\n';
    fs.writeFileSync(path.join(dest, file), hex);
    files.push(file);
    out.push({ file, command: `ipvsadm ${c.args}`, label: c.label, status: c.status, direction: d.direction, message: d.name,
      nlmsgType: d.type, nlmsgFlags: d.flags, nlmsgSeq: d.seq, nlmsgPid: d.pid, genlCmd: d.genlCmd, errno: d.errno, length: m.length });
  });
  const stdout = fs.readFileSync(path.join(work, `${c.nn}.stdout`), 'utf8');
  const stderr = fs.readFileSync(path.join(work, `${c.nn}.stderr`), 'utf8').trim();
  if (stdout) fs.writeFileSync(path.join(dest, `${c.nn}-${c.label}.stdout.txt`), stdout);
  rows.push({ c, files, stdout: !!stdout, stderr });
}
fs.writeFileSync(path.join(dest, 'index.json'), JSON.stringify({ kernel: kver, ipvsadm: ipvsadmVersion, messages: out }, null, 1) + '\n');

const ipvsFamily = out.find((o) => o.nlmsgType !== GENL_ID_CTRL && o.nlmsgType > NLMSG_DONE)?.nlmsgType;
let md = `# Golden IPVS generic-netlink messages from the real ipvsadm

Captured by \`test/kernel/vm/capture-golden.sh\` (regenerate with \`bash test/kernel/vm/capture-golden.sh\`; needs root,
qemu and tcpdump): the kernel-tier VM (Debian kernel ${kver}, IPVS as modules) runs ipvsadm ${ipvsadmVersion} (libnl-3) for
each command below, in order, while an \`nlmon\` device taps all netlink traffic (\`tcpdump -i nlmon0\`). Each
\`.hex\` file is one complete netlink message (nlmsghdr included) as the kernel saw it: requests as sent by ipvsadm,
replies as the kernel sent them (multi-message dump skbs are split by \`nlmsg_len\`). Hex, 16 bytes a line; whitespace
is insignificant (\`Buffer.from(text.replace(/\\s+/g, ''), 'hex')\`).

File names: \`<nn>-<command label>-<mm>-<message>.<req|reply>.hex\`; \`nn\` numbers the command, \`mm\` the message within
the command in capture order. \`<message>\` is \`ctrl-getfamily\` (family resolution, type GENL_ID_CTRL = 0x10), the
IPVS command name (\`get-info\`, \`new-service\`, ...; type = the IPVS family id, ${ipvsFamily} in this capture), \`ack\`
(NLMSG_ERROR with error 0), \`error-<ERRNO>\` or \`done\` (NLMSG_DONE). \`index.json\` lists every file with its header
fields. \`<nn>-<label>.stdout.txt\` is ipvsadm's output for that command.

Varying between captures (do not compare them byte for byte): \`nlmsg_seq\` (libnl starts at the time of day),
\`nlmsg_pid\` (libnl port id: the process id in the low 22 bits), the IPVS family id (assigned when ip_vs registers),
statistics, and the order of services in a dump (the kernel's service hash includes the netns address, so the order
changes from boot to boot; destinations come newest first). ipvsadm has no \`--info\` option: every ipvsadm run first sends IPVS_CMD_GET_INFO (what \`-L\` prints as
"IP Virtual Server version ... (size=...)"), and libipvs opens a fresh socket and resolves the family
(CTRL_CMD_GETFAMILY "IPVS") before every request. Command 01 keeps that whole sequence; in later commands those
exchanges (request, reply, ack) are left out, so each group shows the command's own requests and the kernel's replies.

The VM has a dummy interface \`lvsk0\` (192.0.2.1/24, 2001:db8:ffff::1/64, route 224.0.0.0/4) for the sync daemon.

| nn | command | status | files |
|----|---------|--------|-------|
`;
for (const { c, files, stdout, stderr } of rows) {
  const notes = [stderr ? `stderr: ${stderr.replace(/\n/g, ' ')}` : '', stdout ? `stdout: ${c.nn}-${c.label}.stdout.txt` : ''].filter(Boolean).join('; ');
  md += `| ${c.nn} | \`ipvsadm ${c.args}\` | ${c.status}${notes ? ` (${notes.replace(/\|/g, '\\|')})` : ''} | ${files.map((f) => f.replace(/^\d+-[^]*?-(\d\d-)/, '$1')).join(', ')} |\n`;
}
fs.writeFileSync(path.join(dest, 'README.md'), md);
console.log(`capture-golden: ${out.length} messages from ${rows.length} commands into ${dest}`);
NODE
