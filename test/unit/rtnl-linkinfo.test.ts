// IFLA_LINKINFO / IFLA_AF_SPEC codecs: golden bytes of a private macvlan, round trips, malformed input rejected with a code.
import t from 'tap';
import fc from 'fast-check';
import { AddrGenMode, IpvlanFlags, IpvlanMode, LinkInfoError, MacvlanMode, addrGenModeSpec, formatAttr, formatLinkInfo, linkIndexAttr, parseAttrs, parseLinkInfo } from '../../src/rtnl/linkinfo';
import { toLinkInfo } from '../../src/rtnl/links';

t.test('macvlan private: IFLA_INFO_KIND "macvlan\\0" then IFLA_INFO_DATA { IFLA_MACVLAN_MODE u32 1 } (if_link.h, little-endian host)', async (t) => {
  const b = formatLinkInfo({ kind: 'macvlan', mode: MacvlanMode.Private });
  t.equal(
    b.toString('hex'),
    // len 12 type 1 "macvlan\0" | len 12 type 2 { len 8 type 1 u32 1 }
    '0c0001006d6163766c616e00' + '0c000200' + '0800010001000000',
  );
  t.same(parseLinkInfo(b), { kind: 'macvlan', mode: MacvlanMode.Private });
});

t.test('ipvlan l2 private and kinds without data', async (t) => {
  const b = formatLinkInfo({ kind: 'ipvlan', mode: IpvlanMode.L2, flags: IpvlanFlags.Private });
  t.same(parseLinkInfo(b), { kind: 'ipvlan', mode: IpvlanMode.L2, flags: IpvlanFlags.Private });
  t.same(parseLinkInfo(formatLinkInfo({ kind: 'veth' })), { kind: 'veth' });
  // iproute2 / keepalived send the kind without its NUL: both decode
  t.same(parseLinkInfo(formatAttr(1, Buffer.from('macvlan'))), { kind: 'macvlan' });
});

t.test('round trip of macvlan modes', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(MacvlanMode.Private, MacvlanMode.Vepa, MacvlanMode.Bridge, MacvlanMode.Passthru, MacvlanMode.Source), (mode) => {
      const p = parseLinkInfo(formatLinkInfo({ kind: 'macvlan', mode }));
      return p.kind === 'macvlan' && (p as { mode?: number }).mode === mode;
    }),
  );
});

t.test('the decoder never throws anything but LinkInfoError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        parseLinkInfo(Buffer.from(bytes));
      } catch (e) {
        return e instanceof LinkInfoError && e.code === 'ELINKINFO';
      }
      return true;
    }),
  );
  t.throws(() => parseAttrs(Buffer.from([0x40, 0, 1, 0])), { code: 'ELINKINFO' });
});

t.test('addr_gen_mode none and IFLA_LINK', async (t) => {
  const m = addrGenModeSpec(AddrGenMode.None);
  t.equal(m.get(10)?.toString('hex'), '0500080001000000', 'AF_INET6 -> IFLA_INET6_ADDR_GEN_MODE u8 1, padded');
  t.equal(linkIndexAttr(7).toString('hex'), '07000000');
});

t.test('toLinkInfo reads the parent index and kind of a dumped macvlan', async (t) => {
  const l = toLinkInfo({
    data: { index: 9, flags: { up: true, running: true } },
    attrs: { ifname: 'vrrp.51', address: Buffer.from([0, 0, 0x5e, 0, 1, 51]), link: linkIndexAttr(3), linkinfo: formatLinkInfo({ kind: 'macvlan', mode: MacvlanMode.Private }) },
  });
  t.match(l, { index: 9, name: 'vrrp.51', mac: '00:00:5e:00:01:33', parentIndex: 3, kindInfo: { kind: 'macvlan', mode: MacvlanMode.Private } });
  const bad = toLinkInfo({ data: { index: 2 }, attrs: { ifname: 'x', linkinfo: Buffer.from([0xff, 0, 1, 0]) } });
  t.equal(bad.kindInfo, undefined, 'a malformed IFLA_LINKINFO leaves the kind unknown');
});
