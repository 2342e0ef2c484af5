// Gratuitous ARP and unsolicited NA builders reproduce keepalived's frames from the golden captures byte for byte.

import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AddressFamily } from '../../src/vrrp/addr';
import { ArpOp, formatGratuitousArp, macToBytes, parseArp, virtualRouterMac } from '../../src/vrrp/garp';
import { parseIpv6Packet } from '../../src/vrrp/ip';
import { ALL_NODES, NaFlag, formatNaMessage, formatUnsolicitedNaFrame, parseNaMessage } from '../../src/vrrp/ndisc';
import { EtherType, decodeLink, readPcap } from '../../src/vrrp/pcap';

const DIR = path.join(__dirname, '../../../shared/corpus/vrrp-pcaps');

t.test('every gratuitous ARP keepalived sent is what formatGratuitousArp builds', async (tt) => {
  let n = 0;
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.pcap'))) {
    const pcap = readPcap(readFileSync(path.join(DIR, f)));
    for (const rec of pcap.records) {
      const fr = decodeLink(pcap.linkType, rec.data);
      if (!fr || fr.etherType !== EtherType.Arp || fr.dstMac !== 'ff:ff:ff:ff:ff:ff') continue;
      const r = parseArp(fr.payload);
      if (!r.ok) {
        tt.fail(`${f} frame ${rec.index + 1}: ${r.detail}`);
        continue;
      }
      if (!r.gratuitous) continue;
      n++;
      tt.equal(r.arp.op, ArpOp.Request);
      tt.equal(r.arp.targetMac, 'ff:ff:ff:ff:ff:ff');
      tt.ok(['192.168.77.100', '192.168.77.101'].includes(r.arp.senderIp), `${f}: VIP ${r.arp.senderIp}`);
      const built = formatGratuitousArp({ mac: r.arp.senderMac, address: r.arp.senderIp });
      tt.equal(built.toString('hex'), rec.data.subarray(0, 42).toString('hex'), `${f} frame ${rec.index + 1}`);
    }
  }
  tt.ok(n >= 40, `${n} gratuitous ARPs checked`);
});

t.test('use_vmac capture: GARP from the virtual router MAC 00:00:5e:00:01:4d', async (tt) => {
  tt.equal(virtualRouterMac(77, AddressFamily.Inet), '00:00:5e:00:01:4d');
  tt.equal(virtualRouterMac(77, AddressFamily.Inet6), '00:00:5e:00:02:4d');
  const golden = 'ffffffffffff00005e00014d0806000108000604000100005e00014dc0a84d64ffffffffffffc0a84d64';
  tt.equal(formatGratuitousArp({ mac: virtualRouterMac(77, AddressFamily.Inet), address: '192.168.77.100' }).toString('hex'), golden);
  tt.throws(() => macToBytes('00:00:5e:00:01'), { code: 'EVRRPMAC' });
});

t.test('every unsolicited NA keepalived sent is what formatUnsolicitedNaFrame builds', async (tt) => {
  let n = 0;
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.pcap'))) {
    const pcap = readPcap(readFileSync(path.join(DIR, f)));
    for (const rec of pcap.records) {
      const fr = decodeLink(pcap.linkType, rec.data);
      if (!fr || fr.etherType !== EtherType.Ipv6) continue;
      const ip = parseIpv6Packet(fr.payload);
      if (!ip.ok || ip.header.nextHeader !== 58 || ip.header.dst !== ALL_NODES || ip.payload[0] !== 136) continue;
      const r = parseNaMessage(ip.payload, ip.header.src, ip.header.dst);
      if (!r.ok) {
        tt.fail(`${f} frame ${rec.index + 1}: ${r.detail}`);
        continue;
      }
      n++;
      tt.equal(ip.header.hopLimit, 255);
      tt.equal(ip.header.src, r.na.target, 'sent from the VIP itself');
      tt.equal(r.na.flags & NaFlag.Override, NaFlag.Override);
      tt.equal(r.na.flags & NaFlag.Solicited, 0);
      const built = formatUnsolicitedNaFrame({ mac: r.na.targetMac!, target: r.na.target, router: (r.na.flags & NaFlag.Router) !== 0 });
      tt.equal(built.toString('hex'), rec.data.toString('hex'), `${f} frame ${rec.index + 1}`);
    }
  }
  tt.ok(n >= 20, `${n} unsolicited NAs checked`);
});

t.test('NA message checksum and parse errors', async (tt) => {
  const m = formatNaMessage({ mac: '26:ed:ee:91:39:c3', target: 'fd00:77::100', router: true });
  const ok = parseNaMessage(m, 'fd00:77::100', ALL_NODES);
  tt.ok(ok.ok);
  if (ok.ok) tt.same(ok.na, { flags: NaFlag.Router | NaFlag.Override, target: 'fd00:77::100', targetMac: '26:ed:ee:91:39:c3' });
  const bad = parseNaMessage(m, 'fd00:77::1', ALL_NODES);
  tt.equal(bad.ok, false);
  if (!bad.ok) tt.match(bad.detail, /checksum is 0x[0-9a-f]+; should/);
  const short = parseNaMessage(m.subarray(0, 10), 'fd00:77::100', ALL_NODES);
  if (!short.ok) tt.match(short.detail, /length is 10; should be at least 24/);
  const arp = parseArp(Buffer.alloc(10));
  if (!arp.ok) tt.match(arp.detail, /length is 10; should be at least 28/);
});
