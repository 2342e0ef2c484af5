// VRRP keywords: vrrp_script, track_file, vrrp_sync_group, vrrp_instance, static_* and the unsupported VRRP roots
// (keepalived/vrrp/vrrp_parser.c init_vrrp_keywords, keepalived/trackers/track_file.c, v2.2.7); the address, route
// and rule lines are in vrrp-lines.ts.
import type { ConfNode } from '../types';
import {
  AuthType, VrrpState, type TrackFile, type TrackInterface, type TrackRef, type VrrpAuth, type VrrpInstance,
  type VrrpScript, type VrrpSyncGroup,
} from '../model';
import {
  Code, type Ctx, type KeywordTable, arg, badValue, boolField, err, flagField, makeScript, parsed, scriptField,
  secondsField, stringField, uintField, unsupported, warn,
} from './table';
import { VRRP_DEFAULTS, VRRP_SCRIPT_DEFAULTS } from '../defaults';
import { INT_MAX, UINT_MAX, checkIfName, parseInt10, parseIp, parseUnsigned } from '../values';
import { VMAC, parseRouteLine, parseRuleLine, parseVipLine } from './vrrp-lines';

export { parseRouteLine, parseRuleLine, parseVipLine };

const BFD = 'BFD is not implemented';
const TPROC = 'process tracking is not implemented';


// ---------------------------------------------------------------------------------------------
// track_* lines: `NAME [weight N [reverse|noreverse]]` (vrrp_track.c)

function trackLine(ctx: Ctx, node: ConfNode, what: string, min: number, max: number): TrackRef | undefined {
  const ref: TrackRef = { loc: node.loc, name: node.keyword };
  const a = node.args;
  if (a.length === 0) return ref;
  if (a[0]!.text !== 'weight') {
    badValue(ctx, `${what} ${node.keyword} option`, a[0]!, 'weight', 'entry ignored');
    return undefined;
  }
  if (!a[1]) {
    err(ctx, Code.MISSING_VALUE, `${what} ${node.keyword} weight has no value; should be ${min}-${max} (entry ignored)`, a[0]!.loc);
    return undefined;
  }
  const w = parseInt10(a[1].text, min, max);
  if (!w.ok) {
    badValue(ctx, `${what} ${node.keyword} weight`, a[1], w.why, 'weight 0 used');
    ref.weight = 0;
  } else ref.weight = w.value;
  if (a[2]) {
    if (a[2].text === 'reverse') ref.reverse = true;
    else if (a[2].text === 'noreverse') ref.reverse = false;
    else badValue(ctx, `${what} ${node.keyword} weight option`, a[2], 'reverse or noreverse');
  }
  return ref;
}

function trackList<T extends { trackScript: TrackRef[]; trackFile: TrackRef[] }>(field: 'trackScript' | 'trackFile', what: string, min: number, max: number) {
  return (ctx: Ctx, node: ConfNode, target: T): void => {
    const lines = node.children ?? [];
    for (const c of lines) {
      if (target[field].some((r) => r.name === c.keyword)) {
        warn(ctx, Code.DUPLICATE_IGNORED, `duplicate ${what} ${c.keyword} - ignoring`, c.loc);
        continue;
      }
      const r = trackLine(ctx, c, what, min, max);
      if (!r) continue;
      // vrrp_track.c alloc_track_script / alloc_track_file look the name up while parsing
      const known = field === 'trackScript' ? ctx.vrrpScriptNames : ctx.trackFileNames;
      if (!known?.has(r.name)) {
        const owner = (target as unknown as { name?: string }).name ?? '';
        const block = field === 'trackScript' ? 'vrrp_script' : 'track_file';
        err(ctx, Code.UNDEFINED_REF, `(${owner}) ${what} ${r.name} not found (no ${block} ${r.name} before this point); ignoring`, c.loc);
        continue;
      }
      target[field].push(r);
    }
  };
}

function trackInterfaceList<T extends { trackInterface: TrackInterface[] }>(ctx: Ctx, node: ConfNode, target: T): void {
  for (const c of node.children ?? []) {
    const n = checkIfName(c.keyword);
    if (!n.ok) {
      badValue(ctx, 'track_interface', { text: c.keyword, loc: c.loc }, n.why);
      continue;
    }
    if (target.trackInterface.some((t) => t.name === c.keyword)) {
      warn(ctx, Code.DUPLICATE_IGNORED, `duplicate track_interface ${c.keyword} - ignoring`, c.loc);
      continue;
    }
    const r = trackLine(ctx, c, 'track_interface', -254, 254);
    if (!r) continue;
    if (r.weight === 254 || r.weight === -254) {
      warn(ctx, Code.DEFAULTED, `weight for ${c.keyword} cannot be +/-254; setting to +/-253`, c.args[1]?.loc ?? c.loc);
      r.weight = r.weight > 0 ? 253 : -253;
    }
    target.trackInterface.push(r);
  }
}

// ---------------------------------------------------------------------------------------------
// vrrp_script

export function newVrrpScript(node: ConfNode, name: string): VrrpScript {
  // alloc_vrrp_script (vrrp_data.c): interval VRRP_SCRIPT_DI=1s, timeout VRRP_SCRIPT_DT=0 (= interval), weight 0, rise/fall 1
  return { loc: node.loc, name, ...VRRP_SCRIPT_DEFAULTS, weightReverse: false, initFail: false };
}

function scriptInterval(field: 'interval' | 'timeout') {
  return (ctx: Ctx, node: ConfNode, s: VrrpScript): void => {
    const t = arg(ctx, node, 0, `1-${Math.floor(UINT_MAX / 1e6)} seconds`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 0, Math.floor(UINT_MAX / 1e6)));
    if (v === undefined) return;
    if (v === 0) warn(ctx, Code.DEFAULTED, `vrrp script ${field} must be greater than 0; setting to 1`, t.loc);
    s[field] = v || 1;
  };
}

function scriptWeight(ctx: Ctx, node: ConfNode, s: { weight: number; weightReverse: boolean }, min = -253, max = 253): void {
  const t = arg(ctx, node, 0, `${min}-${max}`);
  if (!t) return;
  const v = parsed(ctx, 'weight', t, parseInt10(t.text, min, max));
  if (v !== undefined) s.weight = v;
  const o = node.args[1];
  if (o) {
    if (o.text === 'reverse') s.weightReverse = true;
    else badValue(ctx, 'weight option', o, 'reverse');
  }
}

function riseFall(field: 'rise' | 'fall') {
  return (ctx: Ctx, node: ConfNode, s: VrrpScript): void => {
    const t = arg(ctx, node, 0, `1-${INT_MAX}`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 1, INT_MAX), 'using 1');
    s[field] = v ?? 1;
  };
}

function userGroup(ctx: Ctx, node: ConfNode, s: { user?: string; group?: string }): void {
  const t = arg(ctx, node, 0, 'USERNAME [GROUPNAME]');
  if (!t) return;
  s.user = t.text;
  if (node.args[1]) s.group = node.args[1].text;
}

export const VRRP_SCRIPT_KEYWORDS: KeywordTable<VrrpScript> = [
  { name: 'script', args: 'COMMAND [ARGS...]', status: 'implemented', handle: (c, n, s) => { s.script = makeScript(c, n, 'single'); } },
  { name: 'interval', args: '<1-4294> seconds', status: 'implemented', handle: scriptInterval('interval') },
  { name: 'timeout', args: '<1-4294> seconds', status: 'implemented', handle: scriptInterval('timeout') },
  { name: 'weight', args: '<-253..253> [reverse]', status: 'implemented', handle: (c, n, s) => scriptWeight(c, n, s) },
  { name: 'rise', args: 'N', status: 'implemented', handle: riseFall('rise') },
  { name: 'fall', args: 'N', status: 'implemented', handle: riseFall('fall') },
  { name: 'user', args: 'USERNAME [GROUPNAME]', status: 'implemented', handle: userGroup },
  { name: 'init_fail', args: '', status: 'implemented', handle: flagField('initFail') },
];

// ---------------------------------------------------------------------------------------------
// track_file / vrrp_track_file

export function newTrackFile(node: ConfNode, name: string): TrackFile {
  return { loc: node.loc, name, weight: 1, weightReverse: false };
}

function initFile(ctx: Ctx, node: ConfNode, f: TrackFile): void {
  const r = { value: 0, overwrite: false };
  for (const a of node.args) {
    if (a.text === 'overwrite') r.overwrite = true;
    else {
      const v = parsed(ctx, 'init_file value', a, parseInt10(a.text, -2147483648, INT_MAX));
      if (v !== undefined) r.value = v;
    }
  }
  f.initFile = r;
}

export const TRACK_FILE_KEYWORDS: KeywordTable<TrackFile> = [
  { name: 'file', args: 'PATH', status: 'implemented', handle: stringField('file', 'a file path') },
  { name: 'weight', args: '<-254..254> [reverse]', status: 'implemented', handle: (c, n, f) => scriptWeight(c, n, f, -254, 254) },
  { name: 'init_file', args: '[VALUE] [overwrite]', status: 'implemented', handle: initFile },
];

// ---------------------------------------------------------------------------------------------
// vrrp_sync_group

export function newSyncGroup(node: ConfNode, name: string): VrrpSyncGroup {
  return { loc: node.loc, name, group: [], trackInterface: [], trackScript: [], trackFile: [], globalTracking: false, syncGroupTrackingWeight: false };
}

export const SYNC_GROUP_KEYWORDS: KeywordTable<VrrpSyncGroup> = [
  {
    name: 'group', args: '{ INSTANCE ... }', block: 'values', status: 'implemented',
    handle: (c, n, g) => {
      for (const l of n.children ?? []) {
        for (const name of [l.keyword, ...l.args.map((a) => a.text)]) {
          if (g.group.includes(name)) warn(c, Code.DUPLICATE_IGNORED, `vrrp_sync_group ${g.name}: instance ${name} listed twice - ignoring`, l.loc);
          else g.group.push(name);
        }
      }
    },
  },
  { name: 'track_interface', args: '{ IF [weight N] ... }', block: 'values', status: 'implemented', handle: trackInterfaceList },
  { name: 'track_script', args: '{ NAME [weight N] ... }', block: 'values', status: 'implemented', handle: trackList('trackScript', 'track_script', -253, 253) },
  { name: 'track_file', args: '{ NAME [weight N] ... }', block: 'values', status: 'implemented', handle: trackList('trackFile', 'track_file', -254, 254) },
  unsupported('track_process', '{ NAME ... }', TPROC, { block: 'values' }),
  unsupported('track_bfd', '{ NAME ... }', BFD, { block: 'values' }),
  { name: 'notify_backup', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyBackup') },
  { name: 'notify_master', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyMaster') },
  { name: 'notify_fault', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyFault') },
  { name: 'notify_stop', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyStop') },
  { name: 'notify', args: 'SCRIPT', status: 'implemented', handle: scriptField('notify') },
  { name: 'smtp_alert', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlert') },
  { name: 'global_tracking', args: '', status: 'implemented', reportedDeprecated: { global_tracking: 'track_interface/track_script/track_file on the sync group' }, handle: flagField('globalTracking') },
  { name: 'sync_group_tracking_weight', args: '', status: 'implemented', handle: flagField('syncGroupTrackingWeight') },
  { name: 'notify_priority_changes', args: '[true|false]', status: 'implemented', handle: boolField('notifyPriorityChanges') },
];

// ---------------------------------------------------------------------------------------------
// vrrp_instance

export function newVrrpInstance(node: ConfNode, name: string): VrrpInstance {
  return {
    loc: node.loc, name, state: VrrpState.BACKUP, useVmacAddr: false, vmacXmitBase: false, dontTrackPrimary: false,
    trackInterface: [], trackScript: [], trackFile: [], unicastPeer: [], unicastFaultNoPeer: false,
    checkUnicastSrc: false, trackSrcIp: false, unicastTtl: VRRP_DEFAULTS.unicastTtl, version: 2,
    priority: VRRP_DEFAULTS.priority, advertInt: VRRP_DEFAULTS.advertInt,
    virtualIpaddress: [], virtualIpaddressExcluded: [], promoteSecondaries: false, virtualRoutes: [], virtualRules: [],
    skipCheckAdvAddr: false, strictMode: false, nopreempt: false, preemptDelay: 0, debug: 0,
    garpMasterDelay: VRRP_DEFAULTS.garpMasterDelay, garpMasterRepeat: VRRP_DEFAULTS.garpMasterRepeat,
    garpMasterRefresh: VRRP_DEFAULTS.garpMasterRefresh, garpMasterRefreshRepeat: VRRP_DEFAULTS.garpMasterRefreshRepeat,
    garpLowerPrioDelay: VRRP_DEFAULTS.garpMasterDelay, garpLowerPrioRepeat: VRRP_DEFAULTS.garpMasterRepeat,
    downTimerAdverts: VRRP_DEFAULTS.downTimerAdverts, lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false, nativeIpv6: false,
  };
}

function stateHandler(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, 'MASTER or BACKUP');
  if (!t) return;
  if (t.text === 'MASTER') v.state = VrrpState.MASTER;
  else if (t.text === 'BACKUP') {
    if (v.state === VrrpState.MASTER && (v as { stateSet?: boolean }).stateSet)
      warn(ctx, Code.IGNORED, `(${v.name}) state previously set as MASTER - ignoring BACKUP`, t.loc);
    else v.state = VrrpState.BACKUP;
  } else {
    badValue(ctx, 'state', t, 'MASTER or BACKUP', 'defaulting to BACKUP');
    v.state = VrrpState.BACKUP;
  }
  Object.defineProperty(v, 'stateSet', { value: true, enumerable: false, configurable: true });
}

function vipList(field: 'virtualIpaddress' | 'virtualIpaddressExcluded') {
  return (ctx: Ctx, node: ConfNode, v: VrrpInstance): void => {
    for (const l of node.children ?? []) {
      const vip = parseVipLine(ctx, l, false);
      if (vip) v[field].push(vip);
    }
  };
}

function addrField(field: 'mcastSrcIp' | 'unicastSrcIp') {
  return (ctx: Ctx, node: ConfNode, v: VrrpInstance): void => {
    const t = arg(ctx, node, 0, 'an IP address');
    if (!t) return;
    const ip = parsed(ctx, node.keyword, t, parseIp(t.text));
    if (ip) v[field] = ip.addr;
  };
}

function unicastPeers(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  for (const l of node.children ?? []) {
    const ip = parsed(ctx, 'unicast_peer', { text: l.keyword, loc: l.loc }, parseIp(l.keyword), 'peer skipped');
    if (!ip) continue;
    const peer: VrrpInstance['unicastPeer'][number] = { loc: l.loc, address: ip.addr, family: ip.family };
    for (let i = 0; i < l.args.length; i++) {
      const w = l.args[i]!;
      const val = l.args[i + 1];
      if ((w.text === 'min_ttl' || w.text === 'max_ttl') && val) {
        i++;
        const n = parsed(ctx, w.text, val, parseUnsigned(val.text, 0, 255));
        if (n !== undefined) peer[w.text === 'min_ttl' ? 'minTtl' : 'maxTtl'] = n;
      } else badValue(ctx, 'unicast_peer option', w, 'min_ttl N or max_ttl N');
    }
    if (v.unicastPeer.some((p) => p.address === peer.address)) {
      warn(ctx, Code.DUPLICATE_IGNORED, `(${v.name}) unicast_peer ${peer.address} listed twice - ignoring`, l.loc);
      continue;
    }
    v.unicastPeer.push(peer);
  }
}

function advertInt(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, '0.01-255 seconds');
  if (!t) return;
  // read_decimal_unsigned(TIMER_HZ/100, 255*TIMER_HZ): 0.01 to 255 seconds
  const s = parsed(ctx, 'advert_int', t, (() => {
    const p = parseSecondsRange(t.text, 0.01, 255);
    return p;
  })());
  if (s !== undefined) v.advertInt = s;
}

function parseSecondsRange(text: string, min: number, max: number) {
  // local wrapper so the message reads "0.01-255 seconds"
  const m = /^(\d*)(?:\.(\d{0,6}))?$/.exec(text);
  if (!m || (m[1] === '' && !m[2])) return { ok: false as const, why: `${min}-${max} seconds` };
  const v = Number(`${m[1] || '0'}.${m[2] || '0'}`);
  if (v < min || v > max) return { ok: false as const, why: `${min}-${max} seconds` };
  return { ok: true as const, value: v };
}

function priority(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, '1-255');
  if (!t) return;
  const p = parseUnsigned(t.text, 1, 255);
  if (!p.ok) {
    // vrrp_prio_handler: "Priority not valid! must be between 1 & 255. Using default 100"
    badValue(ctx, 'priority', t, '1-255', 'using default 100');
    v.priority = 100;
    return;
  }
  v.priority = p.value;
}

function vrid(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, '1-255');
  if (!t) return;
  const n = parsed(ctx, 'virtual_router_id', t, parseUnsigned(t.text, 1, 255));
  if (n !== undefined) v.virtualRouterId = n;
}

function vmac(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  v.useVmac = { loc: node.loc };
  const name = node.args.find((a) => !a.text.includes(':'));
  if (name) v.useVmac.name = name.text;
}

function authBlock(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const auth: VrrpAuth = { loc: node.loc };
  for (const c of node.children ?? []) {
    if (c.keyword === 'auth_type') {
      const t = arg(ctx, c, 0, 'PASS or AH');
      if (!t) continue;
      if (t.text === 'PASS') auth.type = AuthType.PASS;
      else if (t.text === 'AH') auth.type = AuthType.AH;
      else badValue(ctx, 'auth_type', t, 'PASS or AH');
    } else if (c.keyword === 'auth_pass') {
      const t = arg(ctx, c, 0, 'a password of up to 8 characters');
      if (!t) continue;
      let p = t.text;
      if (Buffer.byteLength(p) > 8) {
        // keepalived truncates to sizeof(auth_data) = 8 and reports it
        warn(ctx, Code.DEFAULTED, 'auth_pass is longer than 8 characters; truncating to 8', t.loc);
        p = Buffer.from(p).subarray(0, 8).toString();
      }
      auth.authPass = p;
    } else {
      unknownIn(ctx, c, ['auth_type', 'auth_pass']);
    }
  }
  v.authentication = auth;
}

/** filled in by build.ts to avoid a cycle (suggestions need the table index) */
export let unknownIn: (ctx: Ctx, node: ConfNode, names: string[]) => void = () => undefined;
export function setUnknownReporter(f: typeof unknownIn): void {
  unknownIn = f;
}


function atLeastOne(field: 'garpMasterRepeat' | 'garpMasterRefreshRepeat') {
  return (ctx: Ctx, node: ConfNode, v: VrrpInstance): void => {
    const t = arg(ctx, node, 0, `1-${UINT_MAX}`);
    if (!t) return;
    const n = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 0, UINT_MAX));
    if (n === undefined) return;
    if (n === 0) warn(ctx, Code.DEFAULTED, `${node.keyword} must be greater than 0; setting to 1`, t.loc);
    v[field] = n || 1;
  };
}

function version(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, '2 or 3');
  if (!t) return;
  const n = parsed(ctx, 'version', t, parseInt10(t.text, 2, 3));
  if (n !== undefined) {
    v.version = n as 2 | 3;
    Object.defineProperty(v, 'versionSet', { value: true, enumerable: false, configurable: true });
  }
}

function mcastDst(ctx: Ctx, node: ConfNode, v: VrrpInstance): void {
  const t = arg(ctx, node, 0, 'a multicast address');
  if (!t) return;
  const ip = parsed(ctx, 'mcast_dst_ip', t, parseIp(t.text), 'skipped');
  if (!ip) return;
  const mc = ip.family === 4 ? Number(ip.addr.split('.')[0]) >= 224 && Number(ip.addr.split('.')[0]) <= 239 : /^ff[0-9a-f]2:/i.test(ip.addr);
  if (!mc) {
    badValue(ctx, 'mcast_dst_ip', t, ip.family === 4 ? 'an IPv4 multicast address' : 'an IPv6 link-local multicast address', 'skipped');
    return;
  }
  v.mcastDstIp = ip.addr;
}

export const VRRP_INSTANCE_KEYWORDS: KeywordTable<VrrpInstance> = [
  { name: 'use_vmac', args: '[IFNAME] [MAC]', status: 'implemented', handle: vmac },
  unsupported('use_vmac_addr', '', VMAC),
  { name: 'vmac_xmit_base', args: '', status: 'implemented', handle: flagField('vmacXmitBase') },
  unsupported('use_ipvlan', '[IFNAME] [ADDR] [bridge|private|vepa]', VMAC),
  { name: 'unicast_peer', args: '{ ADDR [min_ttl N] [max_ttl N] ... }', block: 'values', status: 'implemented', handle: unicastPeers },
  { name: 'unicast_fault_no_peer', args: '', status: 'implemented', handle: flagField('unicastFaultNoPeer') },
  { name: 'check_unicast_src', args: '', status: 'implemented', handle: flagField('checkUnicastSrc') },
  unsupported('old_unicast_checksum', '[never]', 'only RFC-correct unicast checksums are generated'),
  { name: 'native_ipv6', args: '', status: 'implemented', handle: flagField('nativeIpv6') },
  { name: 'state', args: 'MASTER|BACKUP', status: 'implemented', handle: stateHandler },
  {
    name: 'interface', args: 'IFNAME', status: 'implemented',
    handle: (c, n, v) => { const t = arg(c, n, 0, 'an interface name'); if (!t) return; const r = parsed(c, 'interface', t, checkIfName(t.text)); if (r) v.interface = r; },
  },
  unsupported('vrf', 'NAME', 'VRF binding is not implemented'),
  { name: 'dont_track_primary', args: '', status: 'implemented', handle: flagField('dontTrackPrimary') },
  { name: 'track_interface', args: '{ IF [weight N [reverse]] ... }', block: 'values', status: 'implemented', handle: trackInterfaceList },
  { name: 'track_script', args: '{ NAME [weight N [reverse]] ... }', block: 'values', status: 'implemented', handle: trackList('trackScript', 'track_script', -253, 253) },
  { name: 'track_file', args: '{ NAME [weight N [reverse]] ... }', block: 'values', status: 'implemented', handle: trackList('trackFile', 'track_file', -254, 254) },
  unsupported('track_process', '{ NAME ... }', TPROC, { block: 'values' }),
  unsupported('track_bfd', '{ NAME ... }', BFD, { block: 'values' }),
  { name: 'mcast_src_ip', args: 'ADDR', status: 'implemented', handle: addrField('mcastSrcIp') },
  { name: 'unicast_src_ip', args: 'ADDR', status: 'implemented', handle: addrField('unicastSrcIp') },
  { name: 'mcast_dst_ip', args: 'ADDR', status: 'implemented', handle: mcastDst },
  { name: 'track_src_ip', args: '', status: 'implemented', handle: flagField('trackSrcIp') },
  { name: 'virtual_router_id', args: '<1-255>', status: 'implemented', handle: vrid },
  { name: 'unicast_ttl', args: '<0-255>', status: 'implemented', handle: uintField('unicastTtl', 0, 255) },
  { name: 'version', args: '<2|3>', status: 'implemented', handle: version },
  { name: 'priority', args: '<1-255>', status: 'implemented', handle: priority },
  { name: 'advert_int', args: '<0.01-255> seconds', status: 'implemented', handle: advertInt },
  { name: 'virtual_ipaddress', args: '{ ADDR[/LEN] [dev IF] [brd ADDR] [scope S] [label L] ... }', block: 'values', status: 'implemented', handle: vipList('virtualIpaddress') },
  { name: 'virtual_ipaddress_excluded', args: '{ ADDR[/LEN] ... }', block: 'values', status: 'implemented', handle: vipList('virtualIpaddressExcluded') },
  { name: 'promote_secondaries', args: '', status: 'implemented', handle: flagField('promoteSecondaries') },
  unsupported('linkbeat_use_polling', '', 'interface state comes from rtnetlink; MII/ethtool polling is not implemented', { reportedDeprecated: { linkbeat_use_polling: 'a linkbeat_interfaces block' } }),
  {
    name: 'virtual_routes', args: '{ ROUTE ... }', block: 'values', status: 'implemented',
    handle: (c, n, v) => { for (const l of n.children ?? []) { const r = parseRouteLine(c, l, true); if (r) v.virtualRoutes.push(r); } },
  },
  {
    name: 'virtual_rules', args: '{ RULE ... }', block: 'values', status: 'implemented',
    handle: (c, n, v) => { for (const l of n.children ?? []) { const r = parseRuleLine(c, l); if (r) v.virtualRules.push(r); } },
  },
  { name: 'accept', args: '', status: 'implemented', handle: flagField('accept', true) },
  { name: 'no_accept', args: '', status: 'implemented', handle: flagField('accept', false) },
  { name: 'skip_check_adv_addr', args: '[true|false]', status: 'implemented', handle: boolField('skipCheckAdvAddr') },
  { name: 'strict_mode', args: '[true|false]', status: 'implemented', handle: boolField('strictMode') },
  { name: 'preempt', args: '', status: 'implemented', handle: flagField('nopreempt', false) },
  { name: 'nopreempt', args: '', status: 'implemented', handle: flagField('nopreempt', true) },
  { name: 'preempt_delay', args: '<0-1000> seconds', status: 'implemented', handle: secondsField('preemptDelay', 0, 1000) },
  { name: 'debug', args: '<0-4>', status: 'implemented', handle: uintField('debug', 0, 4) },
  { name: 'notify_backup', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyBackup') },
  { name: 'notify_master', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyMaster') },
  { name: 'notify_fault', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyFault') },
  { name: 'notify_stop', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyStop') },
  { name: 'notify_deleted', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyDeleted') },
  { name: 'notify', args: 'SCRIPT', status: 'implemented', handle: scriptField('notify') },
  { name: 'notify_master_rx_lower_pri', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyMasterRxLowerPri') },
  { name: 'smtp_alert', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlert') },
  { name: 'notify_priority_changes', args: '[true|false]', status: 'implemented', handle: boolField('notifyPriorityChanges') },
  { name: 'lvs_sync_daemon_interface', args: 'IFNAME', status: 'implemented', reportedDeprecated: { lvs_sync_daemon_interface: 'global_defs lvs_sync_daemon' }, handle: stringField('lvsSyncDaemonInterface', 'an interface name') },
  { name: 'garp_master_delay', args: 'SECONDS', status: 'implemented', handle: uintField('garpMasterDelay', 0, Math.floor(UINT_MAX / 1e6)) },
  { name: 'garp_master_refresh', args: 'SECONDS', status: 'implemented', handle: uintField('garpMasterRefresh', 0, UINT_MAX, { fallback: 0 }) },
  { name: 'garp_master_repeat', args: 'N', status: 'implemented', handle: atLeastOne('garpMasterRepeat') },
  { name: 'garp_master_refresh_repeat', args: 'N', status: 'implemented', handle: atLeastOne('garpMasterRefreshRepeat') },
  { name: 'garp_lower_prio_delay', args: 'SECONDS', status: 'implemented', handle: uintField('garpLowerPrioDelay', 0, Math.floor(UINT_MAX / 1e6)) },
  { name: 'garp_lower_prio_repeat', args: 'N', status: 'implemented', handle: uintField('garpLowerPrioRepeat', 0, INT_MAX) },
  { name: 'down_timer_adverts', args: '<1-100>', status: 'implemented', handle: uintField('downTimerAdverts', 1, 100) },
  unsupported('garp_extra_if', '[all] SECONDS', VMAC, { synonyms: ['vmac_garp_intvl'], reportedDeprecated: { vmac_garp_intvl: 'garp_extra_if' } }),
  { name: 'lower_prio_no_advert', args: '[true|false]', status: 'implemented', handle: boolField('lowerPrioNoAdvert') },
  { name: 'higher_prio_send_advert', args: '[true|false]', status: 'implemented', handle: boolField('higherPrioSendAdvert') },
  unsupported('kernel_rx_buf_size', 'BYTES', 'socket buffer sizes are managed by lvskeeper'),
  { name: 'authentication', args: '{ auth_type PASS|AH; auth_pass PASS }', block: 'keywords', status: 'implemented', handle: authBlock },
];

export const AUTH_KEYWORDS = ['auth_type', 'auth_pass'];

// ---------------------------------------------------------------------------------------------
// Root-level VRRP keywords keepalived knows and lvskeeper does not implement (whole blocks)

export const VRRP_UNSUPPORTED_ROOTS: KeywordTable = [
  unsupported('track_group', 'NAME { group { ... } }', 'static address track groups are not implemented', { block: 'keywords' }),
  unsupported('garp_group', '{ garp_interval N; gna_interval N; interface IF; interfaces { ... } }', 'per-interface GARP groups are not implemented', { block: 'keywords' }),
  unsupported('linkbeat_interfaces', '{ IF ... }', 'interface state comes from rtnetlink; MII/ethtool polling is not implemented', { block: 'values' }),
  unsupported('vrrp_track_process', 'NAME { process ...; weight N; ... }', TPROC, { block: 'keywords' }),
  unsupported('interface_up_down_delays', '{ IF DOWN [UP] ... }', 'interface debounce delays are not implemented', { block: 'values' }),
];

/** Keywords inside vrrp_track_process, track_group and garp_group (so that their contents are recognised). */
export const TRACK_PROCESS_KEYWORDS = ['process', 'param_match', 'weight', 'quorum', 'quorum_max', 'delay', 'terminate_delay', 'fork_delay', 'full_command'];
export const TRACK_GROUP_KEYWORDS = ['group'];
export const GARP_GROUP_KEYWORDS = ['garp_interval', 'gna_interval', 'interface', 'interfaces'];
