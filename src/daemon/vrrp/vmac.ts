// use_vmac: a private-mode macvlan with the virtual router MAC on the instance's interface, its sysctls, and its removal (keepalived vrrp_vmac.c, vrrp_if_config.c, v2.2.7).
import { readFile, writeFile } from 'node:fs/promises';
import { AddressFamily } from '../../vrrp/addr';
import { virtualRouterMac } from '../../vrrp/garp';
import { Rtnl } from '../../rtnl/socket';
import { LinkInfo, createVirtualLink, deleteLink, listLinks, setAddrGenMode, setLinkUp, updateVirtualLink } from '../../rtnl/links';
import { AddrGenMode, MacvlanMode } from '../../rtnl/linkinfo';
import { addAddress } from '../../rtnl/addresses';

export class VmacError extends Error {
  constructor(
    readonly code: string,
    readonly instance: string,
    readonly ifname: string,
    message: string,
  ) {
    super(`(${instance}) VMAC ${ifname}: ${message}`);
    this.name = 'VmacError';
  }
}

/** keepalived create_vmac_name: "vrrp.VRID", then (IPv6) "vrrp6.VRID", then "vrrpN.VRID"; truncated to IFNAMSIZ-1. */
export function vmacNameCandidates(vrid: number, family: AddressFamily, prefix = 'vrrp', count = 10): string[] {
  // IFNAMSIZ 16: the prefix is cut so that the suffix fits
  const fit = (p: string, suffix: string): string => `${p.slice(0, Math.max(0, 15 - suffix.length))}${suffix}`;
  const out = [fit(prefix, `.${vrid}`)];
  let num = 0;
  while (out.length < count) {
    if (family === AddressFamily.Inet6) num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num++;
    out.push(fit(prefix, `${num}.${vrid}`));
  }
  return out;
}

export interface VmacRequest {
  instance: string;
  vrid: number;
  family: AddressFamily;
  parent: LinkInfo;
  /** use_vmac IFNAME */
  name?: string;
  /** names other instances use (keepalived: "VRRP instance X is already using NAME") */
  taken: ReadonlySet<string>;
}

export type VmacDecision =
  | { action: 'reuse'; name: string; link: LinkInfo }
  | { action: 'update'; name: string; link: LinkInfo }
  | { action: 'create'; name: string }
  | { action: 'replace'; name: string; link: LinkInfo }
  | { action: 'conflict'; name: string; detail: string };

const isOurKind = (l: LinkInfo): boolean => l.kindInfo?.kind === 'macvlan';

/**
 * Pure: what to do about the VMAC of an instance given the current links (keepalived vrrp_complete_instance
 * and netlink_link_add_vmac): reuse a private macvlan with the right MAC on the same parent, update one with
 * the wrong MAC/mode, replace one on another parent, never touch a device that is not a macvlan.
 */
export function decideVmac(req: VmacRequest, links: readonly LinkInfo[]): VmacDecision {
  const mac = virtualRouterMac(req.vrid, req.family);
  const byName = new Map(links.map((l) => [l.name, l]));
  const judge = (name: string, l: LinkInfo): VmacDecision => {
    if (!isOurKind(l)) return { action: 'conflict', name, detail: `interface ${name} exists and is not a macvlan (it is ${l.kindInfo?.kind ?? 'a physical device'}); should be absent or a private macvlan` };
    if (l.parentIndex !== req.parent.index) return { action: 'replace', name, link: l };
    const mode = (l.kindInfo as { mode?: MacvlanMode }).mode;
    if (l.mac !== mac || mode !== MacvlanMode.Private) return { action: 'update', name, link: l };
    return { action: 'reuse', name, link: l };
  };
  if (req.name) {
    const l = byName.get(req.name);
    return l ? judge(req.name, l) : { action: 'create', name: req.name };
  }
  // keepalived if_get_by_vmac: an existing macvlan on this parent with this MAC (left by -V or a crash) is taken over
  const existing = links.find((l) => isOurKind(l) && l.parentIndex === req.parent.index && l.mac === mac && !req.taken.has(l.name));
  if (existing) return judge(existing.name, existing);
  const free = vmacNameCandidates(req.vrid, req.family).find((n) => !byName.has(n) && !req.taken.has(n));
  if (!free) return { action: 'conflict', name: `vrrp.${req.vrid}`, detail: 'no free VMAC interface name; should name one with use_vmac IFNAME' };
  return { action: 'create', name: free };
}

/** Reads a one-digit /proc/sys value; undefined when missing. */
async function getSysctl(path: string): Promise<number | undefined> {
  const t = await readFile(path, 'utf8').catch(() => undefined);
  const n = t === undefined ? NaN : Number(t.trim());
  return Number.isInteger(n) ? n : undefined;
}

async function setSysctl(path: string, v: number): Promise<void> {
  await writeFile(path, `${v}\n`);
}

const conf4 = (ifname: string, key: string): string => `/proc/sys/net/ipv4/conf/${ifname}/${key}`;
const conf6 = (ifname: string, key: string): string => `/proc/sys/net/ipv6/conf/${ifname}/${key}`;

export interface VmacHandle {
  instance: string;
  name: string;
  index: number;
  mac: string;
  parent: string;
  family: AddressFamily;
}

export interface VmacSetup {
  /** IPv6 instances that send from the VMAC: the advert source (link-local) is added to it (keepalived set_link_local_address) */
  linkLocal?: string;
  /** eVIPs of the other family live on the VMAC: keep IPv6 on it (keepalived VRRP_FLAG_EVIP_OTHER_FAMILY) */
  otherFamily?: boolean;
}

/**
 * Creates, adopts and removes VMAC interfaces over rtnetlink. The parent's arp_ignore/arp_filter are set
 * to 1 while it carries IPv4 VMACs and restored when the last one goes (keepalived reset_arp_config).
 */
export const IGMP_LLM_REPORTS = '/proc/sys/net/ipv4/igmp_link_local_mcast_reports';

export class VmacManager {
  private readonly parents = new Map<string, { count: number; arpIgnore?: number; arpFilter?: number }>();
  /** igmp_link_local_mcast_reports before we cleared it (undefined: untouched) */
  private savedLlmReports: number | undefined;

  constructor(
    private readonly serial: <T>(fn: (rt: Rtnl) => Promise<T>) => Promise<T>,
    private readonly warn: (msg: string, err?: unknown) => void,
  ) {}

  async ensure(req: VmacRequest, setup: VmacSetup = {}): Promise<VmacHandle> {
    const mac = virtualRouterMac(req.vrid, req.family);
    if (req.family === AddressFamily.Inet) await this.suppressLocalIgmp();
    const links = await this.serial((rt) => listLinks(rt));
    const d = decideVmac(req, links);
    if (d.action === 'conflict') throw new VmacError('EVMACCONFLICT', req.instance, d.name, d.detail);
    const info = { kind: 'macvlan', mode: MacvlanMode.Private } as const;
    if (d.action === 'replace') {
      this.warn(`(${req.instance}) Removing old VMAC interface ${d.name} due to conflicting interface`);
      await this.serial((rt) => deleteLink(rt, d.link.index, d.name));
    }
    if (d.action === 'update') {
      this.warn(`(${req.instance}) Update old VMAC interface ${d.name} due to wrong MAC/mode`);
      await this.serial((rt) => updateVirtualLink(rt, d.link.index, info, mac));
    }
    if (d.action === 'create' || d.action === 'replace') {
      await this.serial((rt) => createVirtualLink(rt, { name: d.name, parentIndex: req.parent.index, info, mac }));
    }
    const link = (await this.serial((rt) => listLinks(rt))).find((l) => l.name === d.name);
    if (!link) throw new VmacError('EVMACGONE', req.instance, d.name, 'interface vanished after creation; should exist');
    const h: VmacHandle = { instance: req.instance, name: d.name, index: link.index, mac, parent: req.parent.name, family: req.family };
    // keepalived set_interface_parameters: only for IPv4 instances, and only on a VMAC it created
    if (req.family === AddressFamily.Inet && d.action !== 'reuse') await this.ipv4Params(h);
    if (req.family === AddressFamily.Inet) await this.holdParent(req.parent.name);
    // keepalived link_set_ipv6: no IPv6 (no MLD, no ND from the VMAC) unless it is needed
    const ipv6 = req.family === AddressFamily.Inet6 || !!setup.otherFamily;
    await setSysctl(conf6(h.name, 'disable_ipv6'), ipv6 ? 0 : 1).catch((e) => this.warn(`(${req.instance}) setting disable_ipv6 on ${h.name} failed`, e));
    // RFC 5798 7.4: no link-local address derived from the VMAC
    await this.serial((rt) => setAddrGenMode(rt, h.index, AddrGenMode.None)).catch((e) => this.warn(`(${req.instance}) Error setting ADDR_GEN_MODE to NONE on ${h.name}`, e));
    await this.serial((rt) => setLinkUp(rt, h.index, true));
    if (req.family === AddressFamily.Inet6 && setup.linkLocal) {
      const ll = setup.linkLocal;
      await this.serial((rt) => addAddress(rt, { address: ll, prefix: 64, dev: h.name, nodad: true }, h.index)).catch((e) => this.warn(`(${req.instance}) adding link-local address to ${h.name} failed`, e));
    }
    return h;
  }

  /**
   * A backup joins the VRRP group on its VMAC, and the kernel would report that membership from the VMAC:
   * a switch would then send the master's traffic to the backup. keepalived drops those reports with
   * nftables, or with disable_local_igmp clears net.ipv4.igmp_link_local_mcast_reports (vrrp_daemon.c
   * set_disable_local_igmp); lvskeeper has no firewall, so it clears the sysctl while IPv4 VMACs run.
   * 224.0.0.x is flooded by snooping switches whatever the reports (RFC 4541 2.1.2), so nothing is lost.
   */
  async suppressLocalIgmp(): Promise<void> {
    if (this.savedLlmReports !== undefined) return;
    const v = await getSysctl(IGMP_LLM_REPORTS);
    if (v === undefined) {
      this.warn(`unable to read ${IGMP_LLM_REPORTS}: a backup's VMAC may send IGMP reports for the VRRP group`);
      return;
    }
    this.savedLlmReports = v;
    if (v !== 0) await setSysctl(IGMP_LLM_REPORTS, 0).catch((e) => this.warn(`unable to write ${IGMP_LLM_REPORTS}`, e));
  }

  /** keepalived reset_disable_local_igmp (at exit, -V or not). */
  async restoreLocalIgmp(): Promise<void> {
    const v = this.savedLlmReports;
    this.savedLlmReports = undefined;
    if (v !== undefined && v !== 0) await setSysctl(IGMP_LLM_REPORTS, v).catch((e) => this.warn(`unable to write ${IGMP_LLM_REPORTS}`, e));
  }

  /** keepalived vmac_sysctl: arp_ignore 1, accept_local 1, rp_filter 0, promote_secondaries 1 on the VMAC. */
  private async ipv4Params(h: VmacHandle): Promise<void> {
    const sets: Array<[string, number]> = [['arp_ignore', 1], ['accept_local', 1], ['rp_filter', 0], ['promote_secondaries', 1]];
    for (const [k, v] of sets) await setSysctl(conf4(h.name, k), v).catch((e) => this.warn(`(${h.instance}) setting ${k} on ${h.name} failed`, e));
  }

  /** keepalived parent_sysctl: arp_ignore 1 and arp_filter 1 on the parent (so that it does not answer ARP for the VIPs), saved for restore. */
  private async holdParent(parent: string): Promise<void> {
    const p = this.parents.get(parent);
    if (p) {
      p.count++;
      return;
    }
    const arpIgnore = await getSysctl(conf4(parent, 'arp_ignore'));
    const arpFilter = await getSysctl(conf4(parent, 'arp_filter'));
    this.parents.set(parent, { count: 1, ...(arpIgnore !== undefined ? { arpIgnore } : {}), ...(arpFilter !== undefined ? { arpFilter } : {}) });
    if (arpIgnore !== 1) await setSysctl(conf4(parent, 'arp_ignore'), 1).catch((e) => this.warn(`Set base flags on ${parent} failed`, e));
    if (arpFilter !== 1) await setSysctl(conf4(parent, 'arp_filter'), 1).catch((e) => this.warn(`Set base flags on ${parent} failed`, e));
  }

  private async releaseParent(parent: string): Promise<void> {
    const p = this.parents.get(parent);
    if (!p || --p.count > 0) return;
    this.parents.delete(parent);
    if (p.arpIgnore !== undefined && p.arpIgnore !== 1) await setSysctl(conf4(parent, 'arp_ignore'), p.arpIgnore).catch(() => undefined);
    if (p.arpFilter !== undefined && p.arpFilter !== 1) await setSysctl(conf4(parent, 'arp_filter'), p.arpFilter).catch(() => undefined);
  }

  /** keepalived netlink_link_del_vmac: parent sysctls restored, the link deleted. */
  async remove(h: VmacHandle): Promise<void> {
    if (h.family === AddressFamily.Inet) await this.releaseParent(h.parent);
    await this.serial((rt) => deleteLink(rt, h.index, h.name));
  }
}
