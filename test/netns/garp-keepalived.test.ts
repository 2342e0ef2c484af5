// Real keepalived 2.2.7 as MASTER in a namespace, captured on the peer end of a veth: its gratuitous ARPs / unsolicited NAs
// (plain, use_vmac, IPv6 router flag) are byte for byte what garp.ts / ndisc.ts format, and its vrrp_garp_interval pacing and
// garp_master_delay timing are what garp-schedule.ts computes.
import t, { Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Netns } from '../helpers/netns';
import { Capture, GARP_CHILD, NsProcess, garpSkipReason } from '../helpers/garp-capture';
import { AddressFamily } from '../../src/vrrp/addr';
import { formatGratuitousArp, parseArpFrame, virtualRouterMac } from '../../src/vrrp/garp';
import { NaFlag, formatUnsolicitedNa, parseNaFrame } from '../../src/vrrp/ndisc';
import { PacedAddress, PacerState, garpTiming, initialPacerState, pacerStep, planMasterBursts } from '../../src/vrrp/garp-schedule';
import { PcapFile } from '../../src/vrrp/pcap';

const KA_MAC = '02:61:00:00:00:01';
const SKIP = garpSkipReason(['tcpdump', 'keepalived']);

interface Setup {
  ka: Netns;
  peer: Netns;
  dir: string;
}

function setup(t: Test, tag: string, forwarding: boolean): Setup {
  const ka = new Netns(`lvsk-k${tag}`);
  t.teardown(() => ka.close());
  const peer = new Netns(`lvsk-k${tag}p`);
  t.teardown(() => peer.close());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lvsk-ka-garp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  ka.exec('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  if (forwarding) ka.exec('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
  ka.exec('ip', ['link', 'add', 'ka0', 'address', KA_MAC, 'type', 'veth', 'peer', 'name', 'pe0', 'netns', peer.name]);
  ka.exec('ip', ['addr', 'add', '10.61.0.1/24', 'dev', 'ka0']);
  ka.exec('ip', ['link', 'set', 'ka0', 'up']);
  peer.exec('ip', ['link', 'set', 'pe0', 'up']);
  return { ka, peer, dir };
}

/** Runs keepalived until `masters` instances logged MASTER, then `extraMs` more; returns the capture. */
async function runKeepalived(t: Test, s: Setup, conf: string, masters: number, extraMs: number, filter: string[]): Promise<PcapFile> {
  const cfg = path.join(s.dir, 'keepalived.conf');
  writeFileSync(cfg, conf);
  const cap = await Capture.start(s.peer, 'pe0', filter, path.join(s.dir, 'ka.pcap'));
  t.teardown(() => cap.kill());
  const ka = new NsProcess(s.ka, 'keepalived', ['-n', '-l', '-P', '-f', cfg, '-p', path.join(s.dir, 'ka.pid'), '-r', path.join(s.dir, 'vrrp.pid')]);
  t.teardown(() => ka.kill('SIGKILL'));
  const out = (): string => ka.stderr + ka.lines.join('\n');
  await ka.waitFor(() => (out().match(/Entering MASTER STATE/g) ?? []).length >= masters, 20000, 'keepalived MASTER');
  await new Promise((r) => setTimeout(r, extraMs));
  const pcap = await cap.stop();
  ka.kill('SIGTERM');
  await Promise.race([ka.exited, new Promise((r) => setTimeout(r, 5000))]);
  return pcap;
}

const instance = (name: string, vrid: number, vip: string, extra = ''): string => `
vrrp_instance ${name} {
  state MASTER
  interface ka0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
${extra}
  virtual_ipaddress {
${vip
  .split(' ')
  .map((v) => `    ${v}`)
  .join('\n')}
  }
}
`;

t.test('keepalived frames = our formatters (plain, use_vmac, IPv6 router flag)', { skip: SKIP }, async (t) => {
  const s = setup(t, 'g', true);
  const conf =
    'global_defs {\n  vrrp_garp_master_delay 0\n}\n' +
    instance('V4', 61, '10.61.0.100/24') +
    instance('V6', 62, 'fd00:61::100/64') +
    instance('VM4', 63, '10.61.0.101/24', '  use_vmac vrrp.63') +
    instance('VM6', 64, 'fd00:61::101/64', '  use_vmac vrrp.64');
  const pcap = await runKeepalived(t, s, conf, 4, 700, ['arp', 'or', 'icmp6']);
  // what each VIP should be announced from (RFC 5798 7.3 VMACs for use_vmac)
  const want: Record<string, { mac: string; frame: string }> = {
    '10.61.0.100': { mac: KA_MAC, frame: formatGratuitousArp({ senderMac: KA_MAC, ip: '10.61.0.100' }).toString('hex') },
    '10.61.0.101': { mac: virtualRouterMac(63, AddressFamily.Inet), frame: formatGratuitousArp({ senderMac: virtualRouterMac(63, AddressFamily.Inet), ip: '10.61.0.101' }).toString('hex') },
    // forwarding is on: R flag; for the VMAC the base interface ka0 decides (keepalived IF_BASE_IFP)
    'fd00:61::100': { mac: KA_MAC, frame: formatUnsolicitedNa({ srcMac: KA_MAC, ip: 'fd00:61::100', router: true }).toString('hex') },
    'fd00:61::101': { mac: virtualRouterMac(64, AddressFamily.Inet6), frame: formatUnsolicitedNa({ srcMac: virtualRouterMac(64, AddressFamily.Inet6), ip: 'fd00:61::101', router: true }).toString('hex') },
  };
  const seen: Record<string, number> = {};
  for (const rec of pcap.records) {
    const arp = parseArpFrame(rec.data);
    const na = arp.ok ? undefined : parseNaFrame(rec.data);
    let vip: string | undefined;
    if (arp.ok && arp.frame.gratuitous) vip = arp.frame.senderIp;
    else if (na?.ok && na.frame.dst === 'ff02::1') {
      vip = na.frame.target;
      t.equal(na.frame.flags & NaFlag.Router, NaFlag.Router, `${vip}: R flag`);
      t.equal(na.frame.hopLimit, 255);
    }
    if (!vip || !want[vip]) continue;
    seen[vip] = (seen[vip] ?? 0) + 1;
    t.equal(rec.data.toString('hex'), want[vip]!.frame, `${vip} from ${want[vip]!.mac}: keepalived's frame = ours`);
  }
  // garp_master_repeat default 5, no second burst (vrrp_garp_master_delay 0)
  t.same(seen, { '10.61.0.100': 5, '10.61.0.101': 5, 'fd00:61::100': 5, 'fd00:61::101': 5 }, 'five of each');
});

t.test('keepalived vrrp_garp_interval pacing and garp_master_delay = garp-schedule', { skip: SKIP }, async (t) => {
  const s = setup(t, 'p', false);
  const conf =
    'global_defs {\n  vrrp_garp_master_delay 1\n  vrrp_garp_interval 0.3\n}\n' + instance('V4', 61, '10.61.0.100/24 10.61.0.101/24', '  garp_master_repeat 3');
  const pcap = await runKeepalived(t, s, conf, 1, 2600, ['arp']);
  const got = pcap.records
    .map((r) => ({ at: r.timestampUs / 1000, p: parseArpFrame(r.data) }))
    .filter((x) => x.p.ok && x.p.frame.gratuitous && x.p.frame.srcMac === KA_MAC)
    .map((x) => ({ at: x.at, ip: x.p.ok ? x.p.frame.senderIp : '' }));
  t.ok(got.length > 0, 'captured');
  if (!got.length) return;
  const t0 = got[0]!.at;

  // our prediction: the burst plan, each burst through the pacer, timer wake-ups on the same clock
  const timing = garpTiming({ masterRepeat: 3 }, { masterDelayMs: 1000 });
  const bursts = planMasterBursts({ timing, masterAt: 0, until: 2500, advertIntervalMs: 1000 });
  const addrs: PacedAddress[] = ['10.61.0.100', '10.61.0.101'].map((address, order) => ({ instance: 'V4', address, family: AddressFamily.Inet, iface: 'ka0', order }));
  let st: PacerState = initialPacerState({ garpIntervalMs: 300, gnaIntervalMs: 0 });
  const predicted: Array<{ at: number; ip: string }> = [];
  const step = (now: number, ev: Parameters<typeof pacerStep>[1]): void => {
    const r = pacerStep(st, ev, now);
    st = r.state;
    for (const a of r.actions) if (a.type === 'send') predicted.push({ at: now, ip: a.address.address });
  };
  for (const b of bursts) {
    while (st.wakeAt !== undefined && st.wakeAt <= b.at) step(st.wakeAt, { type: 'wake' });
    step(b.at, { type: 'burst', addresses: addrs, repeat: b.repeat });
  }
  while (st.wakeAt !== undefined) step(st.wakeAt, { type: 'wake' });

  t.same(
    got.map((g) => g.ip),
    predicted.map((p) => p.ip),
    `order: ${got.map((g) => `${g.ip}@${Math.round(g.at - t0)}`).join(' ')}`,
  );
  for (let i = 0; i < Math.min(got.length, predicted.length); i++) {
    const dt = got[i]!.at - t0 - predicted[i]!.at;
    t.ok(Math.abs(dt) < 150, `message ${i + 1} at +${Math.round(got[i]!.at - t0)} ms, predicted +${predicted[i]!.at} ms`);
  }

  // our GratuitousSender with real timers on the same interface puts the same sequence on the wire
  const cap = await Capture.start(s.peer, 'pe0', ['arp'], path.join(s.dir, 'ours.pcap'));
  t.teardown(() => cap.kill());
  const r = s.ka.run(process.execPath, [GARP_CHILD, JSON.stringify({ mode: 'sender', ifname: 'ka0', addresses: ['10.61.0.100', '10.61.0.101'], repeat: 3, garpIntervalMs: 300, gnaIntervalMs: 0, burstsAtMs: bursts.map((b) => b.at) })], { timeoutMs: 30000 });
  t.equal(r.status, 0, 'sender ran', { stderr: r.stderr, stdout: r.stdout });
  const oursPcap = await cap.stop();
  const ours = oursPcap.records.map((x) => ({ at: x.timestampUs / 1000, p: parseArpFrame(x.data) })).filter((x) => x.p.ok && x.p.frame.gratuitous);
  const o0 = ours[0]?.at ?? 0;
  t.same(
    ours.map((x) => (x.p.ok ? x.p.frame.senderIp : '')),
    got.map((g) => g.ip),
    `ours: ${ours.map((x) => `${x.p.ok ? x.p.frame.senderIp : ''}@${Math.round(x.at - o0)}`).join(' ')}`,
  );
  for (let i = 0; i < Math.min(ours.length, got.length); i++) {
    t.ok(Math.abs(ours[i]!.at - o0 - (got[i]!.at - t0)) < 150, `ours ${i + 1} at +${Math.round(ours[i]!.at - o0)} ms, keepalived +${Math.round(got[i]!.at - t0)} ms`);
  }
});
