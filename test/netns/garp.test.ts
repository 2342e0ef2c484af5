// lvsk_packet addon against the kernel in namespaces: our gratuitous ARP / unsolicited NA move a client's neighbour entry to our MAC and
// are on the wire byte for byte as formatted; raw IPv6/IPv4 receive reports the hop limit / TTL (255 vs 64), destination and ifindex; errors carry errno names.
import t, { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Netns } from '../helpers/netns';
import { Capture, GARP_CHILD, NsProcess, garpSkipReason } from '../helpers/garp-capture';
import { formatGratuitousArp, parseArpFrame } from '../../src/vrrp/garp';
import { formatUnsolicitedNa, parseNaFrame, NaFlag } from '../../src/vrrp/ndisc';
import { EtherType, decodeLink } from '../../src/vrrp/pcap';

const OLD_MAC = '02:00:00:00:00:99';

/** srv (s0) <-> cli (c0) over a veth; IPv6 DAD off so that addresses are usable at once. */
function pair(t: Test, tag: string): { srv: Netns; cli: Netns } {
  const srv = new Netns(`lvsk-g${tag}s`);
  t.teardown(() => srv.close());
  const cli = new Netns(`lvsk-g${tag}c`);
  t.teardown(() => cli.close());
  for (const ns of [srv, cli]) ns.exec('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  srv.exec('ip', ['link', 'add', 's0', 'type', 'veth', 'peer', 'name', 'c0', 'netns', cli.name]);
  srv.exec('ip', ['link', 'set', 's0', 'up']);
  cli.exec('ip', ['link', 'set', 'c0', 'up']);
  return { srv, cli };
}

const runChild = (ns: Netns, args: unknown): Record<string, unknown> => {
  const r = ns.run(process.execPath, [GARP_CHILD, JSON.stringify(args)], { timeoutMs: 30000 });
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(last) as Record<string, unknown>;
  } catch {
    o = { fatal: { message: `bad output: ${r.stdout} ${r.stderr}` } };
  }
  if (r.status !== 0 && !o.fatal) o.fatal = { message: `exit ${r.status}: ${r.stderr}` };
  return o;
};

t.test('gratuitous ARP and unsolicited NA from the addon', { skip: garpSkipReason(['tcpdump']) }, async (t) => {
  const { srv, cli } = pair(t, 'a');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lvsk-garp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  srv.exec('ip', ['addr', 'add', '10.62.0.1/24', 'dev', 's0']);
  srv.exec('ip', ['addr', 'add', '10.62.0.100/24', 'dev', 's0']);
  srv.exec('ip', ['-6', 'addr', 'add', 'fd00:62::100/64', 'dev', 's0', 'nodad']);
  srv.exec('sysctl', ['-qw', 'net.ipv6.conf.s0.forwarding=1']); // keepalived: R flag when the interface forwards
  cli.exec('ip', ['addr', 'add', '10.62.0.2/24', 'dev', 'c0']);
  cli.exec('ip', ['-6', 'addr', 'add', 'fd00:62::2/64', 'dev', 'c0', 'nodad']);
  // the client believes the VIP is at the old master's MAC; locktime 0 so that the GARP may override at once
  cli.exec('sysctl', ['-qw', 'net.ipv4.neigh.c0.locktime=0']);
  cli.exec('ip', ['neigh', 'replace', '10.62.0.100', 'lladdr', OLD_MAC, 'dev', 'c0', 'nud', 'stale']);
  cli.exec('ip', ['-6', 'neigh', 'replace', 'fd00:62::100', 'lladdr', OLD_MAC, 'dev', 'c0', 'nud', 'stale']);
  t.match(cli.exec('ip', ['neigh', 'show', '10.62.0.100', 'dev', 'c0']), OLD_MAC);

  const cap = await Capture.start(cli, 'c0', ['arp', 'or', 'icmp6'], path.join(dir, 'ours.pcap'));
  t.teardown(() => cap.kill());
  const o = runChild(srv, { mode: 'announce', ifname: 's0', addresses: ['10.62.0.100', 'fd00:62::100'], repeat: 2 });
  t.notOk(o.fatal, 'announce ran', { o });
  const link = o.link as { index: number; mac: string };
  t.equal(o.bytes, 2 * (42 + 86), 'two 42-byte ARPs and two 86-byte NAs');
  const pcap = await cap.stop();

  const neigh4 = cli.exec('ip', ['neigh', 'show', '10.62.0.100', 'dev', 'c0']);
  t.match(neigh4, link.mac, `client's ARP entry now points to our MAC: ${neigh4.trim()}`);
  const neigh6 = cli.exec('ip', ['-6', 'neigh', 'show', 'fd00:62::100', 'dev', 'c0']);
  t.match(neigh6, link.mac, `client's neighbour entry now points to our MAC: ${neigh6.trim()}`);
  t.match(neigh6, /router/, 'R flag made the client mark it as a router');

  const wantArp = formatGratuitousArp({ senderMac: link.mac, ip: '10.62.0.100' }).toString('hex');
  const wantNa = formatUnsolicitedNa({ srcMac: link.mac, ip: 'fd00:62::100', router: true }).toString('hex');
  let arps = 0;
  let nas = 0;
  for (const rec of pcap.records) {
    const fr = decodeLink(pcap.linkType, rec.data);
    if (fr?.srcMac !== link.mac) continue; // the kernel's own ND/RS traffic is not ours
    if (fr.etherType === EtherType.Arp) {
      arps++;
      t.equal(rec.data.toString('hex'), wantArp, 'ARP on the wire = formatter');
      const p = parseArpFrame(rec.data);
      t.ok(p.ok && p.frame.gratuitous);
    } else if (fr.etherType === EtherType.Ipv6 && fr.payload[40] === 136) {
      nas++;
      t.equal(rec.data.toString('hex'), wantNa, 'NA on the wire = formatter');
      const p = parseNaFrame(rec.data);
      t.ok(p.ok && p.frame.hopLimit === 255 && (p.frame.flags & NaFlag.Router) !== 0);
    }
  }
  t.equal(arps, 2);
  t.equal(nas, 2);
});

t.test('VMAC source address', { skip: garpSkipReason(['tcpdump']) }, async (t) => {
  const { srv, cli } = pair(t, 'v');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lvsk-garp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cap = await Capture.start(cli, 'c0', ['arp'], path.join(dir, 'vmac.pcap'));
  t.teardown(() => cap.kill());
  const o = runChild(srv, { mode: 'announce', ifname: 's0', addresses: ['10.63.0.100'], mac: '00:00:5e:00:01:3f' });
  t.notOk(o.fatal, 'announce ran', { o });
  const pcap = await cap.stop();
  const frames = pcap.records.map((r) => r.data.toString('hex'));
  t.same(frames, [formatGratuitousArp({ senderMac: '00:00:5e:00:01:3f', ip: '10.63.0.100' }).toString('hex')]);
});

async function hopLimitCase(t: Test, family: 4 | 6): Promise<void> {
  const { srv, cli } = pair(t, `h${family}`);
  if (family === 4) {
    srv.exec('ip', ['addr', 'add', '10.64.0.1/24', 'dev', 's0']);
    cli.exec('ip', ['addr', 'add', '10.64.0.2/24', 'dev', 'c0']);
  }
  const group = family === 6 ? 'ff02::12' : '224.0.0.18';
  // IPv6 on each end is usable once its link-local address exists and is no longer tentative; a
  // datagram that arrives before that is dropped (seen under load), so wait for both ends first.
  for (const [ns, dev] of family === 6 ? ([[srv, 's0'], [cli, 'c0']] as const) : []) {
    for (let i = 0; i < 100; i++) {
      const a = ns.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']);
      if (/inet6 fe80::/.test(a) && !/tentative/.test(a)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const rx = new NsProcess(cli, process.execPath, [GARP_CHILD, JSON.stringify({ mode: 'recv', family, protocol: 112, ifname: 'c0', group, count: 3, timeoutMs: 8000 })]);
  t.teardown(() => rx.kill('SIGKILL'));
  await rx.waitFor(() => rx.lines.some((l) => (l as { ready?: boolean }).ready), 15000, 'receiver ready');
  // link-local source of s0 (IPv6); the socket default 255, then per-packet 64, then per-packet 1
  // A link-local address is tentative until DAD ends (about 1-2 s, longer under load): a datagram sent
  // from it before then is dropped, so wait for it to settle.
  let srcs = family === 6 ? srv.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', 's0', 'scope', 'link']) : '';
  for (let i = 0; family === 6 && i < 100 && (!/inet6 fe80::/.test(srcs) || /tentative/.test(srcs)); i++) {
    await new Promise((r) => setTimeout(r, 100));
    srcs = srv.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', 's0', 'scope', 'link']);
  }
  const ll = /inet6 (fe80::[0-9a-f:]+)\//.exec(srcs)?.[1];
  if (family === 6) t.ok(ll, `s0 has a link-local address (${ll})`);
  const payload = (n: number): string => `3${n}0102030405`;
  const o = runChild(srv, {
    mode: 'send',
    family,
    protocol: 112,
    ifname: 's0',
    destination: group,
    socketHopLimit: 255,
    sends: [{ hex: payload(1), ...(ll ? { source: ll } : { source: '10.64.0.1' }) }, { hex: payload(2), hopLimit: 64 }, { hex: payload(3), hopLimit: 1 }],
  });
  t.notOk(o.fatal, 'sender ran', { o });
  await rx.exited;
  const res = rx.lines.find((l) => (l as { got?: unknown }).got) as { ifindex: number; got: Array<{ hex: string; source: string; hopLimit?: number; destination?: string; ifindex?: number }> } | undefined;
  t.ok(res, 'receiver reported', { stderr: rx.stderr });
  if (!res) return;
  t.equal(res.got.length, 3, 'three datagrams');
  t.same(res.got.map((g) => g.hopLimit), [255, 64, 1], 'hop limits / TTLs as sent');
  for (const g of res.got) {
    t.equal(g.destination, group, 'pktinfo destination');
    t.equal(g.ifindex, res.ifindex, 'pktinfo ifindex = c0');
  }
  if (family === 6) {
    t.equal(res.got[0]!.source, ll, 'source is the link-local address we chose');
    t.same(res.got.map((g) => g.hex), [payload(1), payload(2), payload(3)], 'IPv6: payload only');
  } else {
    t.equal(res.got[0]!.source, '10.64.0.1');
    // IPv4 raw sockets deliver the IP header: TTL byte 8, payload after 20 bytes
    t.same(res.got.map((g) => [parseInt(g.hex.slice(16, 18), 16), g.hex.slice(40)]), [[255, payload(1)], [64, payload(2)], [1, payload(3)]]);
  }
}

t.test('IPv6 raw receive reports the hop limit', { skip: garpSkipReason() }, async (t) => hopLimitCase(t, 6));
t.test('IPv4 raw receive reports the TTL', { skip: garpSkipReason() }, async (t) => hopLimitCase(t, 4));

t.test('errors carry errno names', { skip: garpSkipReason() }, async (t) => {
  const ns = new Netns('lvsk-gerr');
  t.teardown(() => ns.close());
  ns.exec('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']); // left down
  const o = runChild(ns, { mode: 'errors', ifname: 'd0' });
  t.notOk(o.fatal, 'child ran', { o });
  t.match(o.openNoDev, { name: 'PacketSocketError', code: 'ENODEV', errno: 19, syscall: 'bind', message: /nosuch.*bind ENODEV/ });
  t.match(o.shortFrame, { code: 'ERR_INVALID_ARG', message: /frame is 10 bytes; should be at least 14/ });
  t.match(o.sendDown, { code: 'ENETDOWN', syscall: 'sendto' });
  t.match(o.sendClosed, { code: 'EBADF' });
  t.match(o.bindNoDev, { code: 'ENODEV', syscall: 'setsockopt SO_BINDTODEVICE' });
  t.match(o.badGroup, { code: 'ERR_INVALID_ARG', message: /join.group is '224.0.0.18'; should be an IPv6 address/ });
  t.match(o.v4Checksum, { code: 'ERR_INVALID_ARG', message: /IPv6 only/ });
  t.match(o.wrongFamilyDest, { code: 'ERR_INVALID_ARG', message: /destination is '10.0.0.1'; should be an IPv6 address/ });
  t.match(o.badHop, { code: 'ERR_INVALID_ARG', message: /hopLimit is 256; should be an integer in -1..255/ });
});
