// IFLA_LINKINFO (macvlan, ipvlan) and IFLA_AF_SPEC (inet6 addr_gen_mode) attribute codecs: pure format/parse of nested netlink attributes.

/** include/uapi/linux/if_link.h (Linux 6.x): IFLA_INFO_* */
export enum LinkInfoAttr {
  Kind = 1,
  Data = 2,
}

/** if_link.h: IFLA_MACVLAN_MODE inside IFLA_INFO_DATA of kind macvlan */
export const IFLA_MACVLAN_MODE = 1;
/** if_link.h: IFLA_IPVLAN_MODE / IFLA_IPVLAN_FLAGS (u16 each) inside IFLA_INFO_DATA of kind ipvlan */
export const IFLA_IPVLAN_MODE = 1;
export const IFLA_IPVLAN_FLAGS = 2;

/** if_link.h enum macvlan_mode */
export enum MacvlanMode {
  Private = 1,
  Vepa = 2,
  Bridge = 4,
  Passthru = 8,
  Source = 16,
}

/** if_link.h enum ipvlan_mode */
export enum IpvlanMode {
  L2 = 0,
  L3 = 1,
  L3s = 2,
}

/** if_link.h IPVLAN_F_*: 0 = bridge */
export enum IpvlanFlags {
  Bridge = 0,
  Private = 1,
  Vepa = 2,
}

/** if_link.h: IFLA_INET6_ADDR_GEN_MODE inside IFLA_AF_SPEC/AF_INET6; IN6_ADDR_GEN_MODE_NONE = 1 */
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export enum AddrGenMode {
  Eui64 = 0,
  None = 1,
}

export const AF_INET6 = 10;

export class LinkInfoError extends Error {
  readonly code = 'ELINKINFO';
  constructor(message: string) {
    super(message);
    this.name = 'LinkInfoError';
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink attribute (struct nlattr, host byte order) with its payload padded to 4 bytes. */
export function formatAttr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

/** Attributes of a nested block, keyed by type (NLA_F_NESTED / NLA_F_NET_BYTEORDER bits masked off); the last one of a type wins. */
export function parseAttrs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > b.length) throw new LinkInfoError(`attribute length is ${len} at offset ${off} of ${b.length}; should be 4..${b.length - off}`);
    out.set(b.readUInt16LE(off + 2) & 0x3fff, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return b;
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
};

/** What a link of a virtual kind carries in IFLA_LINKINFO. */
export type LinkKindInfo =
  | { kind: 'macvlan'; mode?: MacvlanMode }
  | { kind: 'ipvlan'; mode?: IpvlanMode; flags?: IpvlanFlags }
  | { kind: string };

/** IFLA_LINKINFO payload: IFLA_INFO_KIND ("macvlan\0") and IFLA_INFO_DATA (mode), as keepalived vrrp_vmac.c builds it. */
export function formatLinkInfo(info: LinkKindInfo): Buffer {
  const parts = [formatAttr(LinkInfoAttr.Kind, Buffer.from(`${info.kind}\0`, 'latin1'))];
  const data: Buffer[] = [];
  if (info.kind === 'macvlan' && 'mode' in info && info.mode !== undefined) data.push(formatAttr(IFLA_MACVLAN_MODE, u32(info.mode)));
  if (info.kind === 'ipvlan') {
    const i = info as { mode?: IpvlanMode; flags?: IpvlanFlags };
    if (i.mode !== undefined) data.push(formatAttr(IFLA_IPVLAN_MODE, u16(i.mode)));
    if (i.flags !== undefined) data.push(formatAttr(IFLA_IPVLAN_FLAGS, u16(i.flags)));
  }
  if (data.length) parts.push(formatAttr(LinkInfoAttr.Data, Buffer.concat(data)));
  return Buffer.concat(parts);
}

/** Decodes IFLA_LINKINFO of a dumped link: its kind and, for macvlan/ipvlan, the mode. */
export function parseLinkInfo(b: Buffer): LinkKindInfo {
  const a = parseAttrs(b);
  const k = a.get(LinkInfoAttr.Kind);
  const kind = k ? k.toString('latin1').replace(/\0.*$/s, '') : '';
  const data = a.get(LinkInfoAttr.Data);
  const d = data ? parseAttrs(data) : new Map<number, Buffer>();
  if (kind === 'macvlan') {
    const m = d.get(IFLA_MACVLAN_MODE);
    return m && m.length >= 4 ? { kind, mode: m.readUInt32LE(0) as MacvlanMode } : { kind };
  }
  if (kind === 'ipvlan') {
    const m = d.get(IFLA_IPVLAN_MODE);
    const f = d.get(IFLA_IPVLAN_FLAGS);
    return { kind, ...(m && m.length >= 2 ? { mode: m.readUInt16LE(0) as IpvlanMode } : {}), ...(f && f.length >= 2 ? { flags: f.readUInt16LE(0) as IpvlanFlags } : {}) };
  }
  return { kind };
}

/** IFLA_AF_SPEC map entry AF_INET6 -> IFLA_INET6_ADDR_GEN_MODE (u8): no automatic link-local address (RFC 5798 7.4, keepalived netlink_link_add_vmac). */
export function addrGenModeSpec(mode: AddrGenMode): Map<number, Buffer> {
  return new Map([[AF_INET6, formatAttr(IFLA_INET6_ADDR_GEN_MODE, Buffer.from([mode]))]]);
}

/** IFLA_LINK (u32 parent ifindex) as the netlink package takes it (a raw buffer). */
export function linkIndexAttr(ifindex: number): Buffer {
  return u32(ifindex);
}
