// Golden bytes: every VRRP packet of the keepalived 2.2.7 / FRR 8.4.4 captures decodes as INDEX.md and the dumps say, and re-encodes byte for byte.

import t, { Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AddressFamily } from '../../src/vrrp/addr';
import { V3Ipv4ChecksumMode, internetChecksum, vrrpChecksum, pseudoHeaderSum4, sum16, finish } from '../../src/vrrp/checksum';
import { AuthType, VrrpVersion } from '../../src/vrrp/constants';
import { parseIpv6Packet } from '../../src/vrrp/ip';
import { CodecContext, VrrpPacket, formatVrrp, parseVrrp, parseVrrpIpv4Datagram } from '../../src/vrrp/packet';
import { EtherType, LinkType, decodeLink, readPcap } from '../../src/vrrp/pcap';
import { passwordMatches } from '../../src/vrrp/auth';

const DIR = path.join(__dirname, '../../../shared/corpus/vrrp-pcaps');

interface Decoded {
  frame: number;
  family: AddressFamily;
  src: string;
  dst: string;
  ttl: number;
  tos: number;
  id?: number;
  df?: boolean;
  srcMac?: string;
  payload: Buffer;
  packet: VrrpPacket;
  ctx: CodecContext;
}

/** Every VRRP packet of a capture, decoded; fails the test on any packet that does not parse. */
function decodeCapture(tt: Test, file: string): { decoded: Decoded[]; linkType: number } {
  const pcap = readPcap(readFileSync(path.join(DIR, file)));
  const decoded: Decoded[] = [];
  for (const rec of pcap.records) {
    const fr = decodeLink(pcap.linkType, rec.data);
    if (!fr) {
      tt.fail(`${file} frame ${rec.index + 1}: link layer not decodable`);
      continue;
    }
    if (fr.etherType === EtherType.Ipv4 && fr.payload[9] === 112) {
      const d = parseVrrpIpv4Datagram(fr.payload);
      if (!d.ok) {
        tt.fail(`${file} frame ${rec.index + 1}: ${d.reason}: ${d.detail}`);
        continue;
      }
      tt.equal(d.checksumMode, d.packet.version === VrrpVersion.V3 ? V3Ipv4ChecksumMode.PseudoHeader : undefined);
      decoded.push({
        frame: rec.index + 1,
        family: AddressFamily.Inet,
        src: d.ip.src,
        dst: d.ip.dst,
        ttl: d.ip.ttl,
        tos: d.ip.tos,
        id: d.ip.id,
        df: d.ip.dontFragment,
        ...(fr.srcMac ? { srcMac: fr.srcMac } : {}),
        payload: fr.payload.subarray(d.ip.headerLength, d.ip.totalLength),
        packet: d.packet,
        ctx: { family: AddressFamily.Inet, src: d.ip.src, dst: d.ip.dst },
      });
    } else if (fr.etherType === EtherType.Ipv6) {
      const ip = parseIpv6Packet(fr.payload);
      if (!ip.ok || ip.header.nextHeader !== 112) continue;
      const ctx: CodecContext = { family: AddressFamily.Inet6, src: ip.header.src, dst: ip.header.dst };
      const r = parseVrrp(ip.payload, ctx);
      if (!r.ok) {
        tt.fail(`${file} frame ${rec.index + 1}: ${r.reason}: ${r.detail}`);
        continue;
      }
      decoded.push({
        frame: rec.index + 1,
        family: AddressFamily.Inet6,
        src: ip.header.src,
        dst: ip.header.dst,
        ttl: ip.header.hopLimit,
        tos: ip.header.trafficClass,
        ...(fr.srcMac ? { srcMac: fr.srcMac } : {}),
        payload: ip.payload,
        packet: r.packet,
        ctx,
      });
    }
  }
  return { decoded, linkType: pcap.linkType };
}

const D1_4 = '192.168.77.1';
const D2_4 = '192.168.77.2';
const D1_LL = 'fe80::24ed:eeff:fe91:39c3';
const D2_LL = 'fe80::b4cf:80ff:fef8:d713';
const FRR_LL = 'fe80::62e9:6219:3aca:9855';
const VIP4 = ['192.168.77.100'];
const VIP4x2 = ['192.168.77.100', '192.168.77.101'];
const VIP6 = ['fd00:77::100'];

interface Expect {
  version: VrrpVersion;
  family: AddressFamily;
  addresses: string[];
  /** v2: seconds; v3: centiseconds */
  interval: number;
  authType?: AuthType;
  password?: string;
  /** "src prio" pairs that occur (INDEX.md: d1 150 + prio 0, then d2 100 + prio 0) */
  senders: string[];
  ttl: number[];
  dst?: string[];
}

// From INDEX.md and the topology it describes.
const EXPECT: Record<string, Expect> = {
  'v2-ip4-mcast-noauth.pcap': { version: 2, family: 4, addresses: VIP4, interval: 1, authType: 0, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v2-ip4-mcast-authpass.pcap': { version: 2, family: 4, addresses: VIP4, interval: 1, authType: 1, password: 's3cret', senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v2-ip4-mcast-2vips.pcap': { version: 2, family: 4, addresses: VIP4x2, interval: 1, authType: 0, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v2-ip4-ucast.pcap': { version: 2, family: 4, addresses: VIP4, interval: 1, authType: 0, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: [D1_4, D2_4] },
  'v3-ip4-mcast.pcap': { version: 3, family: 4, addresses: VIP4, interval: 100, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v3-ip4-mcast-adv0.1.pcap': { version: 3, family: 4, addresses: VIP4, interval: 10, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v3-ip4-mcast-2vips.pcap': { version: 3, family: 4, addresses: VIP4x2, interval: 100, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v3-ip4-mcast-vmac.pcap': { version: 3, family: 4, addresses: VIP4, interval: 100, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: ['224.0.0.18'] },
  'v3-ip4-ucast.pcap': { version: 3, family: 4, addresses: VIP4, interval: 100, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`, `${D2_4} 0`], ttl: [255], dst: [D1_4, D2_4] },
  'v3-ip6-mcast.pcap': { version: 3, family: 6, addresses: VIP6, interval: 100, senders: [`${D1_LL} 150`, `${D1_LL} 0`, `${D2_LL} 100`, `${D2_LL} 0`], ttl: [255], dst: ['ff02::12'] },
  'v3-ip6-mcast-llfirst.pcap': { version: 3, family: 6, addresses: ['fe80::77:100', 'fd00:77::100'], interval: 100, senders: [`${D1_LL} 150`, `${D1_LL} 0`, `${D2_LL} 100`, `${D2_LL} 0`], ttl: [255], dst: ['ff02::12'] },
  'v3-ip6-ucast.pcap': { version: 3, family: 6, addresses: VIP6, interval: 100, senders: ['fd00:77::1 150', 'fd00:77::1 0', 'fd00:77::2 100', 'fd00:77::2 0'], ttl: [64], dst: ['fd00:77::1', 'fd00:77::2'] },
  'v3-ip6-ucast-ttl255.pcap': { version: 3, family: 6, addresses: VIP6, interval: 100, senders: ['fd00:77::1 150', 'fd00:77::1 0', 'fd00:77::2 100', 'fd00:77::2 0'], ttl: [255], dst: ['fd00:77::1', 'fd00:77::2'] },
  'v2-ip6-mcast-nonstandard.pcap': { version: 2, family: 6, addresses: VIP6, interval: 1, authType: 0, senders: [`${D1_LL} 150`, `${D1_LL} 0`, `${D2_LL} 100`, `${D2_LL} 0`], ttl: [255], dst: ['ff02::12'] },
  'interop-frr-keepalived-v3-ip4.pcap': { version: 3, family: 4, addresses: VIP4, interval: 100, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`], ttl: [255], dst: ['224.0.0.18'] },
  'interop-frr-keepalived-v2-ip4.pcap': { version: 2, family: 4, addresses: VIP4, interval: 1, authType: 0, senders: [`${D1_4} 150`, `${D1_4} 0`, `${D2_4} 100`], ttl: [255], dst: ['224.0.0.18'] },
  'interop-frr-keepalived-v3-ip6.pcap': { version: 3, family: 6, addresses: VIP6, interval: 100, senders: [`${D1_LL} 150`, `${D1_LL} 0`, `${FRR_LL} 100`], ttl: [255], dst: ['ff02::12'] },
  'interop-frr-prio200-preempts-keepalived-v3-ip4.pcap': { version: 3, family: 4, addresses: VIP4, interval: 100, senders: [`${D1_4} 150`, `${D2_4} 100`, `${D2_4} 200`], ttl: [255], dst: ['224.0.0.18'] },
};

t.test('every capture in the corpus is covered by the expectation table', async (tt) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.pcap')).sort();
  tt.same(files, Object.keys(EXPECT).sort());
});

for (const [file, exp] of Object.entries(EXPECT)) {
  t.test(file, async (tt) => {
    const { decoded, linkType } = decodeCapture(tt, file);
    tt.equal(linkType, LinkType.Ethernet);
    tt.ok(decoded.length >= 5, `${decoded.length} VRRP packets`);
    const senders = new Set<string>();
    for (const d of decoded) {
      const p = d.packet;
      tt.equal(d.family, exp.family, `frame ${d.frame} family`);
      tt.equal(p.version, exp.version, `frame ${d.frame} version`);
      tt.equal(p.vrid, 77, `frame ${d.frame} vrid`);
      tt.same(p.addresses, exp.addresses, `frame ${d.frame} addresses`);
      tt.ok(exp.ttl.includes(d.ttl), `frame ${d.frame} TTL/hop limit ${d.ttl}`);
      if (exp.dst) tt.ok(exp.dst.includes(d.dst), `frame ${d.frame} destination ${d.dst}`);
      if (p.version === VrrpVersion.V2) {
        tt.equal(p.advertIntervalSec, exp.interval, `frame ${d.frame} adver int`);
        tt.equal(p.authType, exp.authType, `frame ${d.frame} auth type`);
        if (d.family === AddressFamily.Inet) {
          tt.equal(p.authData.length, 8);
          if (exp.password) tt.ok(passwordMatches(p.authData, exp.password), 'password');
          else tt.ok(p.authData.equals(Buffer.alloc(8)), 'auth data zero');
        } else {
          tt.equal(p.authData.length, 0, 'keepalived v2 over IPv6 carries no auth data');
        }
      } else {
        tt.equal(p.maxAdvertIntervalCs, exp.interval, `frame ${d.frame} max adver int`);
        tt.equal(p.reserved, 0);
      }
      senders.add(`${d.src} ${p.priority}`);
      // the exact bytes again, checksum included
      const again = formatVrrp(p, d.ctx);
      tt.equal(again.toString('hex'), d.payload.toString('hex'), `frame ${d.frame} re-encodes byte for byte`);
    }
    tt.same([...senders].sort(), [...exp.senders].sort(), 'senders and priorities');
  });
}

// The .txt dumps (made by pcapdump.py): decoded fields and the two checksum computations they print.
interface DumpBlock {
  kind: string;
  payloadHex: string;
  fields: Record<string, string>;
  addrs: string[];
  ip: Record<string, string>;
  checksum: { field: number; noPseudo: number; withPseudo: number; matches: string };
}

function parseDump(text: string): DumpBlock[] {
  const blocks: DumpBlock[] = [];
  for (const chunk of text.split(/^--- /m).slice(1)) {
    const m = /VRRP payload hex: ([0-9a-f ]+)/.exec(chunk);
    if (!m) continue;
    const kind = chunk.split(/\s/)[1]!;
    const fields: Record<string, string> = {};
    const vrrpLine = /VRRP: (.*)\n\s+(.*)\n/.exec(chunk)!;
    for (const kv of `${vrrpLine[1]} ${vrrpLine[2]}`.matchAll(/(\w+)=(\S+)/g)) fields[kv[1]!] = kv[2]!;
    const addrs = [...(/addrs=\[([^\]]*)\]/.exec(chunk)![1]!.matchAll(/'([^']+)'/g))].map((x) => x[1]!);
    const ipLine = /(IPv4|IPv6) (.*)\n/.exec(chunk)!;
    const ip: Record<string, string> = { family: ipLine[1]! };
    for (const kv of ipLine[2]!.matchAll(/([\w/]+)=(\S+)/g)) ip[kv[1]!] = kv[2]!;
    const c = /checksum field=0x([0-9a-f]+)\s+computed-no-pseudo=0x([0-9a-f]+)\s+computed-with-pseudo=0x([0-9a-f]+)\s+-> matches (\S+)/.exec(chunk)!;
    blocks.push({
      kind,
      payloadHex: m[1]!.replace(/ /g, ''),
      fields,
      addrs,
      ip,
      checksum: { field: parseInt(c[1]!, 16), noPseudo: parseInt(c[2]!, 16), withPseudo: parseInt(c[3]!, 16), matches: c[4]! },
    });
  }
  return blocks;
}

t.test('the .txt dumps agree with the decoder and both checksum computations', async (tt) => {
  const txts = readdirSync(DIR).filter((f) => f.endsWith('.txt') && f !== 'GOLDEN-ALL.txt');
  tt.equal(txts.length, Object.keys(EXPECT).length);
  let blocksSeen = 0;
  for (const txt of txts) {
    const blocks = parseDump(readFileSync(path.join(DIR, txt), 'utf8'));
    tt.ok(blocks.length >= 1, `${txt}: has VRRP blocks`);
    const { decoded } = decodeCapture(tt, txt.replace(/\.txt$/, '.pcap'));
    for (const b of blocks) {
      blocksSeen++;
      const d = decoded.find((x) => x.payload.toString('hex') === b.payloadHex);
      if (!d) {
        tt.fail(`${txt} ${b.kind}: payload not found in the capture`);
        continue;
      }
      const p = d.packet;
      const where = `${txt} ${b.kind}`;
      tt.equal(String(p.version), b.fields.version, `${where} version`);
      tt.equal(b.fields.type, '1');
      tt.equal(String(p.vrid), b.fields.vrid, `${where} vrid`);
      tt.equal(String(p.priority), b.fields.prio, `${where} prio`);
      tt.equal(String(p.addresses.length), b.fields.count, `${where} count`);
      tt.same(p.addresses, b.addrs, `${where} addrs`);
      tt.equal(p.checksum, b.checksum.field, `${where} checksum field`);
      if (p.version === VrrpVersion.V2) {
        tt.equal(`${p.advertIntervalSec}s`, b.fields.adv_int, `${where} adv_int`);
        tt.equal(String(p.authType), b.fields.authtype, `${where} authtype`);
      } else {
        tt.equal(`${p.maxAdvertIntervalCs}cs`, b.fields.max_adv_int, `${where} max_adv_int`);
        tt.equal(String(p.reserved), b.fields.rsvd, `${where} rsvd`);
      }
      tt.equal(b.ip.src, d.src, `${where} ip src`);
      tt.equal(b.ip.dst, d.dst, `${where} ip dst`);
      if (d.family === AddressFamily.Inet) {
        tt.equal(b.ip.ttl, String(d.ttl), `${where} ttl`);
        tt.equal(parseInt(b.ip.tos!, 16), d.tos, `${where} tos`);
        tt.equal(parseInt(b.ip.id!, 16), d.id, `${where} id`);
        tt.equal(b.ip.df, d.df ? '1' : '0', `${where} df`);
      } else {
        tt.equal(b.ip.hlim, String(d.ttl), `${where} hop limit`);
      }
      // Both computations the dump prints, done our way.
      const noPseudo = internetChecksum(Buffer.concat([d.payload.subarray(0, 6), Buffer.alloc(2), d.payload.subarray(8)]));
      tt.equal(noPseudo, b.checksum.noPseudo, `${where} checksum without pseudo-header`);
      if (d.family === AddressFamily.Inet) {
        tt.equal(vrrpChecksum(d.payload, VrrpVersion.V3, { ...d.ctx, v3Ipv4Mode: V3Ipv4ChecksumMode.NoPseudoHeader }), b.checksum.noPseudo);
        const withPseudo = finish(sum16(d.payload, 8, d.payload.length, sum16(d.payload, 0, 6, pseudoHeaderSum4(d.src, d.dst, d.payload.length))));
        tt.equal(withPseudo, b.checksum.withPseudo, `${where} checksum with pseudo-header`);
        tt.equal(vrrpChecksum(d.payload, VrrpVersion.V3, d.ctx), b.checksum.withPseudo);
        tt.equal(b.checksum.matches, p.version === VrrpVersion.V2 ? 'no-pseudo' : 'with-pseudo', `${where}: v2 has no pseudo-header, v3 has one`);
      } else {
        tt.equal(vrrpChecksum(d.payload, p.version, d.ctx), b.checksum.withPseudo, `${where} checksum with IPv6 pseudo-header`);
        tt.equal(b.checksum.matches, 'with-pseudo');
      }
    }
  }
  tt.ok(blocksSeen >= 35, `${blocksSeen} dump blocks checked`);
});

t.test('GOLDEN-ALL.txt blocks are the per-capture dump blocks', async (tt) => {
  // GOLDEN-ALL.txt concatenates the dumps (it predates the prio200 interop capture, whose .txt is checked above)
  const all = parseDump(readFileSync(path.join(DIR, 'GOLDEN-ALL.txt'), 'utf8'));
  const parts = readdirSync(DIR)
    .filter((f) => f.endsWith('.txt') && f !== 'GOLDEN-ALL.txt')
    .flatMap((f) => parseDump(readFileSync(path.join(DIR, f), 'utf8')));
  tt.ok(all.length >= 34, `${all.length} blocks`);
  for (const b of all) {
    const twin = parts.find((x) => x.payloadHex === b.payloadHex && x.ip.src === b.ip.src && x.ip.dst === b.ip.dst);
    tt.ok(twin, `${b.kind} ${b.payloadHex.slice(0, 16)}... has a per-capture twin`);
    if (twin) tt.same(b.checksum, twin.checksum);
  }
});

t.test('keepalived old_unicast_checksum and v3_checksum_as_v2 variants of a real unicast advert', async (tt) => {
  const { decoded } = decodeCapture(tt, 'v3-ip4-ucast.pcap');
  const d = decoded.find((x) => x.packet.priority === 150)!;
  const pkt = d.packet;
  for (const mode of [V3Ipv4ChecksumMode.OldUnicast, V3Ipv4ChecksumMode.NoPseudoHeader]) {
    const bytes = formatVrrp(pkt, { ...d.ctx, v3Ipv4Checksum: mode });
    tt.not(bytes.toString('hex'), d.payload.toString('hex'), `${mode} differs from the RFC 5798 checksum on unicast`);
    // a default receiver rejects it, one that accepts the variant takes it and says which
    const strict = parseVrrp(bytes, d.ctx);
    tt.equal(strict.ok, false);
    if (!strict.ok) tt.match(strict.detail, /checksum is 0x[0-9a-f]{4}; should be 0x[0-9a-f]{4}/);
    const lax = parseVrrp(bytes, { ...d.ctx, acceptV3Ipv4Checksums: [mode] });
    tt.ok(lax.ok);
    if (lax.ok) tt.equal(lax.checksumMode, mode);
  }
  // old_unicast_checksum computes with 224.0.0.18: for a multicast advert it equals the RFC checksum
  const { decoded: mc } = decodeCapture(tt, 'v3-ip4-mcast.pcap');
  const m = mc[0]!;
  tt.equal(formatVrrp(m.packet, { ...m.ctx, v3Ipv4Checksum: V3Ipv4ChecksumMode.OldUnicast }).toString('hex'), m.payload.toString('hex'));
});
