// Virtual addresses and routes of VRRP instances: specs from the config model, diffs for reload, and applying them over rtnetlink.
import type { VipAddress, VirtualRoute, VrrpInstance as VrrpInstanceModel } from '../../config/model';
import { AddressSpec, addAddress, delAddress } from '../../rtnl/addresses';
import { Rtnl } from '../../rtnl/socket';
import { linkByName } from '../../rtnl/links';
import { afOf, familyOf, ipToBytes, scopeNumber } from '../../rtnl/ip';

/** keepalived's key of an address (vrrp_ipaddress.c compare_ipaddress): address, prefix and interface. */
export function vipKey(s: AddressSpec): string {
  return `${s.address}/${s.prefix}@${s.dev}`;
}

/** One virtual_ipaddress line -> rtnetlink address; `dev` defaults to the instance's interface; IPv6 VIPs are NODAD (vrrp_ipaddress.c netlink_ipaddress). */
export function vipSpec(v: VipAddress, iface: string | undefined): AddressSpec | undefined {
  const dev = v.dev ?? iface;
  if (!dev) return undefined;
  const spec: AddressSpec = { address: v.address, prefix: v.prefixLen, dev };
  if (v.label) spec.label = v.label;
  if (v.scope) spec.scope = v.scope;
  if (v.broadcast) spec.broadcast = v.broadcast;
  if (v.family === 6) spec.nodad = true;
  return spec;
}

/** All addresses an instance owns as master: virtual_ipaddress then virtual_ipaddress_excluded. */
export function instanceVips(m: VrrpInstanceModel): AddressSpec[] {
  const out: AddressSpec[] = [];
  for (const v of [...m.virtualIpaddress, ...m.virtualIpaddressExcluded]) {
    const s = vipSpec(v, m.interface);
    if (s) out.push(s);
  }
  return out;
}

export interface Diff<T> {
  add: T[];
  remove: T[];
  keep: T[];
}

/** What a reload changes: entries in `next` only are added, in `prev` only removed (keyed by `key`). */
export function diffBy<T>(prev: readonly T[], next: readonly T[], key: (x: T) => string): Diff<T> {
  const p = new Map(prev.map((x) => [key(x), x]));
  const n = new Map(next.map((x) => [key(x), x]));
  return {
    add: [...n].filter(([k]) => !p.has(k)).map(([, x]) => x),
    remove: [...p].filter(([k]) => !n.has(k)).map(([, x]) => x),
    keep: [...n].filter(([k]) => p.has(k)).map(([, x]) => x),
  };
}

export const diffVips = (prev: readonly AddressSpec[], next: readonly AddressSpec[]): Diff<AddressSpec> => diffBy(prev, next, vipKey);

/** A virtual_routes line we can program: destination, via, dev, src, table, metric, scope, type, protocol. */
export interface RouteSpec {
  dest: string;
  prefix: number;
  family: 4 | 6;
  via?: string;
  dev?: string;
  src?: string;
  table?: number;
  metric?: number;
  scope?: string;
  type?: string;
}

const NLM_F_REPLACE = 0x100;
const NLM_F_CREATE = 0x400;

const ROUTE_TYPES: Record<string, number> = { unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9 };
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };

export function routeKey(r: RouteSpec): string {
  return `${r.type ?? 'unicast'} ${r.dest}/${r.prefix} table ${r.table ?? 254} metric ${r.metric ?? 0}`;
}

/** A virtual_routes entry -> RouteSpec, or a reason it is not supported (options beyond the named fields). */
export function routeSpec(r: VirtualRoute, iface: string | undefined): { ok: true; spec: RouteSpec } | { ok: false; detail: string } {
  if (r.options.length) return { ok: false, detail: `route option(s) ${r.options.join(' ')} are not supported; should be one of via/dev/src/table/metric/scope/type` };
  let dest = r.dest;
  let fam: 4 | 6 = r.family ?? (r.via ? familyOf(r.via) : 4);
  let prefix: number;
  if (dest === 'default') {
    dest = fam === 4 ? '0.0.0.0' : '::';
    prefix = 0;
  } else {
    const [a, p] = dest.split('/');
    dest = a!;
    fam = familyOf(dest);
    prefix = p === undefined ? (fam === 4 ? 32 : 128) : Number(p);
  }
  let table: number | undefined;
  if (r.table !== undefined) {
    table = TABLES[r.table] ?? Number(r.table);
    if (!Number.isInteger(table)) return { ok: false, detail: `table is ${r.table}; should be a number or main/local/default` };
  }
  if (r.type && ROUTE_TYPES[r.type] === undefined) return { ok: false, detail: `route type is ${r.type}; should be one of ${Object.keys(ROUTE_TYPES).join(', ')}` };
  const spec: RouteSpec = { dest, prefix, family: fam };
  const dev = r.dev ?? (r.via || r.type === undefined || r.type === 'unicast' ? iface : undefined);
  if (r.via) spec.via = r.via;
  if (dev) spec.dev = dev;
  if (r.src) spec.src = r.src;
  if (table !== undefined) spec.table = table;
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.scope) spec.scope = r.scope;
  if (r.type) spec.type = r.type;
  return { ok: true, spec };
}

/** Adds and removes addresses and routes for instances; adding what exists and removing what is gone are not errors. */
export class VipManager {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly rt: Rtnl) {}

  /**
   * Runs rtnetlink work one request at a time: the netlink package's socket mixes up the replies of
   * concurrent dumps ("Multipart message not terminated properly", EBUSY).
   */
  serial<T>(fn: (rt: Rtnl) => Promise<T>): Promise<T> {
    const p = this.chain.then(() => fn(this.rt));
    this.chain = p.catch(() => undefined);
    return p;
  }

  addAll(specs: readonly AddressSpec[]): Promise<Error[]> {
    return this.serial(async (rt) => {
      const errs: Error[] = [];
      for (const s of specs) await addAddress(rt, s).catch((e: Error) => errs.push(e));
      return errs;
    });
  }

  removeAll(specs: readonly AddressSpec[]): Promise<Error[]> {
    return this.serial(async (rt) => {
      const errs: Error[] = [];
      for (const s of specs) await delAddress(rt, s).catch((e: Error) => errs.push(e));
      return errs;
    });
  }

  route(op: 'add' | 'del', r: RouteSpec): Promise<void> {
    return this.serial(() => this.routeNow(op, r));
  }

  private async routeNow(op: 'add' | 'del', r: RouteSpec): Promise<void> {
    const index = r.dev ? (await linkByName(this.rt, r.dev))?.index : undefined;
    if (r.dev && index === undefined) throw new Error(`${op} route ${routeKey(r)}: interface ${r.dev} does not exist`);
    const scope = r.scope !== undefined ? scopeNumber(r.scope) : r.via || (r.type && r.type !== 'unicast') ? 0 : 253;
    const data = {
      family: afOf(r.dest),
      dstLen: r.prefix,
      table: r.table !== undefined && r.table < 256 ? r.table : 254,
      protocol: 4 /* RTPROT_STATIC */,
      scope,
      type: ROUTE_TYPES[r.type ?? 'unicast'],
    };
    const attrs: Record<string, unknown> = { dst: ipToBytes(r.dest) };
    if (r.via) attrs.gateway = ipToBytes(r.via);
    if (index !== undefined) attrs.oif = index;
    if (r.src) attrs.prefsrc = ipToBytes(r.src);
    if (r.metric !== undefined) attrs.priority = r.metric;
    if (r.table !== undefined && r.table >= 256) attrs.table = r.table;
    await this.rt.call(`${op} route`, routeKey(r), (s) =>
      // the package takes numeric nlmsg flags: NLM_F_CREATE | NLM_F_REPLACE (linux/netlink.h) like `ip route replace`
      op === 'add' ? s.newRoute(data as never, attrs as never, { flags: NLM_F_CREATE | NLM_F_REPLACE }) : s.delRoute(data as never, attrs as never),
    );
  }
}
