// Virtual IP addresses over rtnetlink: add and remove with dev, label, scope, broadcast, as
// keepalived's virtual_ipaddress does; adding an address that is there already is not an error.
import { Rtnl } from './socket';
import { afOf, bytesToIp, familyOf, ipToBytes, scopeNumber } from './ip';
import { linkByName } from './links';
import { NetlinkError } from '../netlink/errors';

export interface AddressSpec {
  address: string;
  prefix: number;
  dev: string;
  label?: string;
  scope?: string | number;
  /** broadcast address; '+' or '-' as in iproute2 are computed / none */
  broadcast?: string;
  /** IPv6: no duplicate address detection (keepalived sets IFA_F_NODAD for VIPs) */
  nodad?: boolean;
}

export interface AddressInfo {
  address: string;
  prefix: number;
  index: number;
  label?: string;
  scope: number;
  family: 4 | 6;
}

export function describe(a: AddressSpec): string {
  return `${a.address}/${a.prefix} dev ${a.dev}`;
}

function broadcastOf(spec: AddressSpec): Buffer | undefined {
  if (!spec.broadcast || spec.broadcast === '-' || familyOf(spec.address) !== 4) return undefined;
  if (spec.broadcast !== '+') return ipToBytes(spec.broadcast);
  const ip = ipToBytes(spec.address).readUInt32BE(0);
  const mask = spec.prefix === 0 ? 0 : (0xffffffff << (32 - spec.prefix)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE((ip | (~mask >>> 0)) >>> 0, 0);
  return b;
}

async function resolveIndex(rt: Rtnl, spec: AddressSpec, op: string): Promise<number> {
  const link = await linkByName(rt, spec.dev);
  if (!link) throw new NetlinkError(op, 19, describe(spec), 'ENODEV', `interface ${spec.dev} does not exist`);
  return link.index;
}

/** Adds the address; returns false when it was already present (EEXIST). */
export async function addAddress(rt: Rtnl, spec: AddressSpec, index?: number): Promise<boolean> {
  const op = 'add address';
  const ifindex = index ?? (await resolveIndex(rt, spec, op));
  const bytes = ipToBytes(spec.address);
  try {
    await rt.call(op, describe(spec), (s) =>
      s.newAddress(
        { family: afOf(spec.address), prefixlen: spec.prefix, index: ifindex, scope: scopeNumber(spec.scope), flags: spec.nodad ? { nodad: true } : {} },
        { local: bytes, address: bytes, ...(spec.label ? { label: spec.label } : {}), ...(broadcastOf(spec) ? { broadcast: broadcastOf(spec) } : {}) },
        { flags: 0x400 | 0x200 } /* NLM_F_CREATE | NLM_F_EXCL: the package takes numeric nlmsg flags */,
      ),
    );
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'EEXIST') return false;
    throw e;
  }
}

/** Removes the address; returns false when it was not there (EADDRNOTAVAIL / ENODEV). */
export async function delAddress(rt: Rtnl, spec: AddressSpec, index?: number): Promise<boolean> {
  const op = 'delete address';
  let ifindex = index;
  if (ifindex === undefined) {
    try {
      ifindex = await resolveIndex(rt, spec, op);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
      throw e;
    }
  }
  const bytes = ipToBytes(spec.address);
  try {
    await rt.call(op, describe(spec), (s) => s.delAddress({ family: afOf(spec.address), prefixlen: spec.prefix, index: ifindex }, { local: bytes, address: bytes }));
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && (e.code === 'EADDRNOTAVAIL' || e.code === 'ENODEV' || e.code === 'ESRCH')) return false;
    throw e;
  }
}

export async function listAddresses(rt: Rtnl, index?: number): Promise<AddressInfo[]> {
  const msgs = await rt.call('list addresses', index === undefined ? 'all' : `ifindex ${index}`, (s) => s.getAddresses());
  const out: AddressInfo[] = [];
  for (const m of msgs) {
    const addr = (m.attrs.local ?? m.attrs.address) as Buffer | undefined;
    if (!addr || (index !== undefined && m.data.index !== index)) continue;
    out.push({
      address: bytesToIp(addr),
      prefix: m.data.prefixlen ?? 0,
      index: m.data.index ?? 0,
      label: m.attrs.label,
      scope: m.data.scope ?? 0,
      family: m.data.family === 10 ? 6 : 4,
    });
  }
  return out;
}
