// Interfaces: list them, find one by name, read their administrative and carrier state and kind; create, update and delete macvlan/ipvlan links.
import { Rtnl } from './socket';
import { NetlinkError } from '../netlink/errors';
import { AddrGenMode, LinkKindInfo, addrGenModeSpec, formatLinkInfo, linkIndexAttr, parseLinkInfo } from './linkinfo';

export interface LinkInfo {
  index: number;
  name: string;
  /** administratively up (IFF_UP) */
  up: boolean;
  /** carrier present / operationally running (IFF_RUNNING) */
  running: boolean;
  mac?: string;
  mtu?: number;
  /** IFLA_LINKINFO kind ("macvlan", "ipvlan", "veth", ...) and its mode; undefined for a plain device */
  kindInfo?: LinkKindInfo;
  /** IFLA_LINK: the lower device of a macvlan/ipvlan/vlan */
  parentIndex?: number;
}

export function macText(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  return Array.from(b)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join(':');
}

interface RawLink {
  data: { index?: number; flags?: { up?: true; running?: true; lowerUp?: true } };
  attrs: { ifname?: string; address?: Buffer; mtu?: number; link?: Buffer; linkinfo?: Buffer };
}

export function toLinkInfo(m: RawLink): LinkInfo {
  const out: LinkInfo = {
    index: m.data.index ?? 0,
    name: m.attrs.ifname ?? '',
    up: Boolean(m.data.flags?.up),
    running: Boolean(m.data.flags?.running),
    mac: macText(m.attrs.address),
    mtu: m.attrs.mtu,
  };
  if (m.attrs.link && m.attrs.link.length >= 4) out.parentIndex = m.attrs.link.readUInt32LE(0);
  if (m.attrs.linkinfo) {
    try {
      out.kindInfo = parseLinkInfo(m.attrs.linkinfo);
    } catch {
      /* a malformed IFLA_LINKINFO leaves the kind unknown */
    }
  }
  return out;
}

export async function listLinks(rt: Rtnl): Promise<LinkInfo[]> {
  const msgs = await rt.call('list links', 'all', (s) => s.getLinks());
  return msgs.map((m) => toLinkInfo(m as unknown as RawLink));
}

export async function linkByName(rt: Rtnl, name: string): Promise<LinkInfo | undefined> {
  return (await listLinks(rt)).find((l) => l.name === name);
}

const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;

function macBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`MAC address is ${JSON.stringify(mac)}; should be six hex bytes separated by ':'`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export interface VirtualLinkSpec {
  name: string;
  /** lower device (IFLA_LINK) */
  parentIndex: number;
  info: LinkKindInfo;
  mac?: string;
}

/** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: a macvlan/ipvlan on `parentIndex` (keepalived vrrp_vmac.c netlink_link_add_vmac); EEXIST when the name is taken. */
export async function createVirtualLink(rt: Rtnl, spec: VirtualLinkSpec): Promise<void> {
  const attrs = { ifname: spec.name, link: linkIndexAttr(spec.parentIndex), linkinfo: formatLinkInfo(spec.info), ...(spec.mac ? { address: macBytes(spec.mac) } : {}) };
  await rt.call('create link', `${spec.name} (${spec.info.kind})`, (s) => s.newLink({ family: 0 }, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL }));
}

/** RTM_NEWLINK on an existing link: new kind data (mode) and MAC address (keepalived "Update old VMAC interface"). */
export async function updateVirtualLink(rt: Rtnl, index: number, info: LinkKindInfo, mac?: string): Promise<void> {
  const attrs = { linkinfo: formatLinkInfo(info), ...(mac ? { address: macBytes(mac) } : {}) };
  await rt.call('update link', `ifindex ${index} (${info.kind})`, (s) => s.newLink({ family: 0, index }, attrs));
}

/** RTM_DELLINK; returns false when the link was gone already (ENODEV). */
export async function deleteLink(rt: Rtnl, index: number, name = `ifindex ${index}`): Promise<boolean> {
  try {
    await rt.call('delete link', name, (s) => s.delLink({ family: 0, index }));
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
    throw e;
  }
}

/** Sets IFF_UP (or clears it). */
export async function setLinkUp(rt: Rtnl, index: number, up: boolean): Promise<void> {
  await rt.call(up ? 'set link up' : 'set link down', `ifindex ${index}`, (s) => s.newLink({ family: 0, index, flags: up ? { up: true } : {}, change: { up: true } }));
}

/** IFLA_AF_SPEC inet6 addr_gen_mode (cannot be part of the creating message: the kernel ignores IFLA_AF_SPEC there). */
export async function setAddrGenMode(rt: Rtnl, index: number, mode: AddrGenMode): Promise<void> {
  await rt.call('set addr_gen_mode', `ifindex ${index}`, (s) => s.newLink({ family: 0, index }, { afSpec: addrGenModeSpec(mode) }));
}
