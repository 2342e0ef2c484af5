// Builds the typed Config from ConfNode trees: walks the keyword tables, applies keepalived's defaults and
// inheritance, and runs keepalived's cross-checks (vrrp.c vrrp_complete_instance, check_data.c
// validate_check_config). Pure and total: any input yields a Config plus located Diagnostics.
import type { ConfNode, Diagnostic, Loc } from './types';
import {
  LvsMethod, VrrpState, type Checker, type Config, type GlobalDefs, type RealServer, type SslContext, type TrackFile,
  type VirtualServer, type VirtualServerGroup, type VrrpInstance, type VrrpScript, type VrrpSyncGroup,
} from './model';
import {
  Code, type Ctx, type KeywordSpec, type KeywordTable, arg, badValue, err, indexTable, info, parsed, warn,
} from './keywords/table';
import { GLOBAL_DEFS_KEYWORDS, GLOBAL_ROOT_KEYWORDS, defaultGlobalDefs } from './keywords/global';
import {
  AUTH_KEYWORDS, GARP_GROUP_KEYWORDS, SYNC_GROUP_KEYWORDS, TRACK_FILE_KEYWORDS, TRACK_GROUP_KEYWORDS,
  TRACK_PROCESS_KEYWORDS, VRRP_INSTANCE_KEYWORDS, VRRP_SCRIPT_KEYWORDS, VRRP_UNSUPPORTED_ROOTS, newSyncGroup,
  newTrackFile, newVrrpInstance, newVrrpScript, parseRouteLine, parseRuleLine, parseVipLine, setUnknownReporter,
} from './keywords/vrrp';
import {
  CHECKERS, CHECKER_COMMON_KEYWORDS, CHECKER_CONN_KEYWORDS, type Draft, REAL_SERVER_KEYWORDS, SSL_KEYWORDS,
  URL_KEYWORDS, VIRTUAL_SERVER_KEYWORDS, IPVS_FWMARK_MAX, IPVS_SVC_PERSISTENT_TIMEOUT, finishUrl, newUrl, parseVsgLine,
} from './keywords/check';
import { BFD_INSTANCE_KEYWORDS, BFD_ROOT_KEYWORDS } from './keywords/bfd';
import { suggest } from './suggest';
import { CHECKER_DEFAULTS, VS_DEFAULTS, VRRP_DEFAULTS } from './defaults';
import { isIPv6LinkLocal, parseIp, parseUnsigned } from './values';

export interface BuildOptions {
  /** reserved */
  readonly _?: never;
}

// ---------------------------------------------------------------------------------------------
// Generic table walker

const indexCache = new WeakMap<KeywordTable, Map<string, KeywordSpec>>();
function idx(table: KeywordTable): Map<string, KeywordSpec> {
  let m = indexCache.get(table);
  if (!m) {
    m = indexTable(table);
    indexCache.set(table, m);
  }
  return m;
}

export function reportUnknown(ctx: Ctx, node: ConfNode, candidates: Iterable<string>, where: string): void {
  const s = suggest(node.keyword, candidates);
  warn(ctx, Code.UNKNOWN_KEYWORD, `unknown keyword '${node.keyword}' in ${where}${s ? `; did you mean '${s}'?` : ''} (ignored)`, node.loc);
}

setUnknownReporter((ctx, node, names) => reportUnknown(ctx, node, names, 'authentication'));

function reportUnsupported(ctx: Ctx, node: ConfNode, spec: KeywordSpec): void {
  ctx.unsupported.push({ keyword: node.keyword, loc: node.loc });
  warn(ctx, Code.UNSUPPORTED, `'${node.keyword}' is a keepalived keyword that lvskeeper does not implement yet${spec.reason ? ` (${spec.reason})` : ''}; ignored`, node.loc);
}

/** Walk `nodes` against `tables` (merged; first wins), calling handlers with `target`. */
type Special = Record<string, (n: ConfNode) => void> | ((name: string) => ((n: ConfNode) => void) | undefined);
const NO_SPECIAL: Special = {};

function walk(ctx: Ctx, nodes: ConfNode[] | undefined, tables: KeywordTable[], target: any, where: string, special: Special = NO_SPECIAL): void {
  for (const node of nodes ?? []) {
    let spec: KeywordSpec | undefined;
    for (const t of tables) {
      spec = idx(t).get(node.keyword);
      if (spec) break;
    }
    if (!spec) {
      const names: string[] = [];
      for (const t of tables) for (const s of t) names.push(s.name, ...(s.synonyms ?? []));
      reportUnknown(ctx, node, names, where);
      continue;
    }
    const dep = spec.reportedDeprecated?.[node.keyword];
    if (dep) warn(ctx, Code.DEPRECATED, `'${node.keyword}' is deprecated; use ${dep}`, node.loc);
    if (spec.block && !node.children) {
      err(ctx, Code.BLOCK_EXPECTED, `${node.keyword} needs a { ... } block; should be ${node.keyword} ${spec.args} (ignored)`, node.loc);
      continue;
    }
    if (!spec.block && node.children) {
      warn(ctx, Code.UNEXPECTED_BLOCK, `${node.keyword} does not take a { ... } block; its contents are ignored`, node.loc);
    }
    if (spec.status === 'unsupported') {
      reportUnsupported(ctx, node, spec);
      if (spec.handle) safe(ctx, node, () => spec!.handle!(ctx, node, target));
      continue;
    }
    const sp = typeof special === 'function' ? special(spec.name) : special[spec.name];
    if (sp) safe(ctx, node, () => sp(node));
    else if (spec.handle) safe(ctx, node, () => spec!.handle!(ctx, node, target));
  }
}

/** Last-resort guard so that a handler bug becomes a located diagnostic instead of an exception. */
function safe(ctx: Ctx, node: ConfNode, f: () => void): void {
  try {
    f();
  } catch (e) {
    err(ctx, 'E_INTERNAL' as Code, `internal error while reading ${node.keyword}: ${(e as Error)?.message ?? String(e)}`, node.loc);
  }
}

/** Names inside an unsupported block: only check they are keywords keepalived knows there. */
function checkNames(ctx: Ctx, nodes: ConfNode[] | undefined, names: string[], where: string): void {
  for (const n of nodes ?? []) if (!names.includes(n.keyword)) reportUnknown(ctx, n, names, where);
}

// ---------------------------------------------------------------------------------------------
// Every keyword the grammar knows, by section (for tests, completion and documentation)

export interface KnownKeyword {
  section: string;
  name: string;
  status: 'implemented' | 'unsupported';
  args: string;
  reason?: string;
  synonymOf?: string;
}

export function knownKeywords(): KnownKeyword[] {
  const out: KnownKeyword[] = [];
  const add = (section: string, table: KeywordTable): void => {
    for (const s of table) {
      out.push({ section, name: s.name, status: s.status, args: s.args, reason: s.reason });
      for (const y of s.synonyms ?? []) out.push({ section, name: y, status: s.status, args: s.args, reason: s.reason, synonymOf: s.name });
    }
  };
  for (const n of ROOT_SPECIAL) out.push({ section: 'root', name: n, status: 'implemented', args: '{ ... }' });
  add('root', GLOBAL_ROOT_KEYWORDS);
  add('root', VRRP_UNSUPPORTED_ROOTS);
  add('root', BFD_ROOT_KEYWORDS);
  add('global_defs', GLOBAL_DEFS_KEYWORDS);
  add('vrrp_script', VRRP_SCRIPT_KEYWORDS);
  add('track_file', TRACK_FILE_KEYWORDS);
  add('vrrp_sync_group', SYNC_GROUP_KEYWORDS);
  add('vrrp_instance', VRRP_INSTANCE_KEYWORDS);
  for (const n of AUTH_KEYWORDS) out.push({ section: 'authentication', name: n, status: 'implemented', args: 'VALUE' });
  add('SSL', SSL_KEYWORDS);
  add('virtual_server', VIRTUAL_SERVER_KEYWORDS);
  add('real_server', REAL_SERVER_KEYWORDS);
  for (const [name, c] of Object.entries(CHECKERS)) {
    out.push({ section: 'real_server', name, status: c.status, args: '{ ... }', reason: c.reason });
    const t: KeywordTable = [...c.specific, ...(c.conn ? CHECKER_CONN_KEYWORDS : []), ...(c.common ? CHECKER_COMMON_KEYWORDS : [])];
    add(name, t);
  }
  add('url', URL_KEYWORDS);
  add('host', [...CHECKER_CONN_KEYWORDS, ...CHECKER_COMMON_KEYWORDS]);
  for (const n of BFD_INSTANCE_KEYWORDS) out.push({ section: 'bfd_instance', name: n, status: 'unsupported', args: '', reason: 'BFD is not implemented' });
  for (const n of TRACK_PROCESS_KEYWORDS) out.push({ section: 'vrrp_track_process', name: n, status: 'unsupported', args: '', reason: 'process tracking is not implemented' });
  for (const n of TRACK_GROUP_KEYWORDS) out.push({ section: 'track_group', name: n, status: 'unsupported', args: '', reason: 'static address track groups are not implemented' });
  for (const n of GARP_GROUP_KEYWORDS) out.push({ section: 'garp_group', name: n, status: 'unsupported', args: '', reason: 'per-interface GARP groups are not implemented' });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Root

const ROOT_SPECIAL = [
  'global_defs', 'vrrp_script', 'track_file', 'vrrp_track_file', 'vrrp_sync_group', 'vrrp_instance', 'static_ipaddress',
  'static_routes', 'static_rules', 'SSL', 'virtual_server_group', 'virtual_server',
];

function rootNames(): string[] {
  return [
    ...ROOT_SPECIAL,
    ...GLOBAL_ROOT_KEYWORDS.map((s) => s.name),
    ...VRRP_UNSUPPORTED_ROOTS.map((s) => s.name),
    ...BFD_ROOT_KEYWORDS.map((s) => s.name),
  ];
}

function blockName(ctx: Ctx, node: ConfNode, what: string): string | undefined {
  const t = node.args[0];
  if (!t) {
    err(ctx, Code.MISSING_VALUE, `${what} has no name; should be ${what} NAME { ... } (block ignored)`, node.loc);
    return undefined;
  }
  return t.text;
}

function needBlock(ctx: Ctx, node: ConfNode, syntax: string): boolean {
  if (node.children) return true;
  err(ctx, Code.BLOCK_EXPECTED, `${node.keyword} needs a { ... } block; should be ${syntax} (ignored)`, node.loc);
  return false;
}

interface State {
  ctx: Ctx;
  cfg: Config;
  vsDrafts: Draft[];
  vrrpDrafts: VrrpInstance[];
  vrrpNames: Set<string>;
}

export function buildConfig(nodes: ConfNode[], _opts: BuildOptions = {}): { config: Config; diagnostics: Diagnostic[] } {
  const ctx: Ctx = { diagnostics: [], unsupported: [], scriptLocs: [] };
  const cfg: Config = {
    globalDefs: defaultGlobalDefs(), vrrpScripts: [], trackFiles: [], vrrpSyncGroups: [], vrrpInstances: [],
    staticIpaddress: [], staticRoutes: [], staticRules: [], virtualServerGroups: [], virtualServers: [], unsupported: [],
  };
  const st: State = { ctx, cfg, vsDrafts: [], vrrpDrafts: [], vrrpNames: new Set() };
  const firstLoc: Loc | undefined = Array.isArray(nodes) && nodes[0]?.loc ? nodes[0].loc : undefined;
  try {
    for (const node of Array.isArray(nodes) ? nodes : []) safe(ctx, node, () => root(st, node));
    finish(st);
  } catch (e) {
    err(ctx, 'E_INTERNAL' as Code, `internal error: ${(e as Error)?.message ?? String(e)}`, firstLoc);
  }
  cfg.unsupported = ctx.unsupported;
  return { config: cfg, diagnostics: ctx.diagnostics };
}

function root(st: State, node: ConfNode): void {
  const { ctx, cfg } = st;
  switch (node.keyword) {
    case 'global_defs':
      if (!needBlock(ctx, node, 'global_defs { ... }')) return;
      if (!cfg.globalDefs.loc) cfg.globalDefs.loc = node.loc;
      walk(ctx, node.children, [GLOBAL_DEFS_KEYWORDS], cfg.globalDefs, 'global_defs');
      return;
    case 'vrrp_script': {
      const name = blockName(ctx, node, 'vrrp_script');
      if (!name || !needBlock(ctx, node, 'vrrp_script NAME { script ... }')) return;
      if (cfg.vrrpScripts.some((s) => s.name === name)) {
        err(ctx, Code.DUPLICATE, `vrrp_script ${name} is already defined (this one is ignored)`, node.loc);
        return;
      }
      const s = newVrrpScript(node, name);
      walk(ctx, node.children, [VRRP_SCRIPT_KEYWORDS], s, `vrrp_script ${name}`);
      if (!s.script) {
        warn(ctx, Code.DROPPED, `No script set for vrrp_script ${name} - removing`, node.loc);
        return;
      }
      cfg.vrrpScripts.push(s);
      (ctx.vrrpScriptNames ??= new Set()).add(name);
      return;
    }
    case 'track_file':
    case 'vrrp_track_file': {
      const name = blockName(ctx, node, node.keyword);
      if (!name || !needBlock(ctx, node, `${node.keyword} NAME { file PATH }`)) return;
      if (cfg.trackFiles.some((s) => s.name === name)) {
        err(ctx, Code.DUPLICATE, `track_file ${name} is already defined (this one is ignored)`, node.loc);
        return;
      }
      const f = newTrackFile(node, name);
      walk(ctx, node.children, [TRACK_FILE_KEYWORDS], f, `${node.keyword} ${name}`);
      if (!f.file) {
        warn(ctx, Code.DROPPED, `No file set for track_file ${name} - removing`, node.loc);
        return;
      }
      cfg.trackFiles.push(f);
      (ctx.trackFileNames ??= new Set()).add(name);
      return;
    }
    case 'vrrp_sync_group': {
      const name = blockName(ctx, node, 'vrrp_sync_group');
      if (!name || !needBlock(ctx, node, 'vrrp_sync_group NAME { group { ... } }')) return;
      if (cfg.vrrpSyncGroups.some((g) => g.name === name)) {
        err(ctx, Code.DUPLICATE, `vrrp_sync_group ${name} is already defined (this one is ignored)`, node.loc);
        return;
      }
      const g = newSyncGroup(node, name);
      walk(ctx, node.children, [SYNC_GROUP_KEYWORDS], g, `vrrp_sync_group ${name}`);
      cfg.vrrpSyncGroups.push(g);
      return;
    }
    case 'vrrp_instance': {
      const name = blockName(ctx, node, 'vrrp_instance');
      if (!name || !needBlock(ctx, node, 'vrrp_instance NAME { ... }')) return;
      if (st.vrrpNames.has(name)) {
        err(ctx, Code.DUPLICATE, `vrrp_instance ${name} is already defined (this one is ignored)`, node.loc);
        return;
      }
      const v = newVrrpInstance(node, name);
      const marks: Record<string, boolean> = {};
      for (const c of node.children ?? []) marks[c.keyword] = true;
      walk(ctx, node.children, [VRRP_INSTANCE_KEYWORDS], v, `vrrp_instance ${name}`);
      Object.defineProperty(v, '_set', { value: marks, enumerable: false });
      st.vrrpDrafts.push(v);
      st.vrrpNames.add(name);
      return;
    }
    case 'static_ipaddress':
      if (!needBlock(ctx, node, 'static_ipaddress { ADDR ... }')) return;
      for (const l of node.children ?? []) { const a = parseVipLine(ctx, l, true); if (a) cfg.staticIpaddress.push(a); }
      return;
    case 'static_routes':
      if (!needBlock(ctx, node, 'static_routes { ROUTE ... }')) return;
      for (const l of node.children ?? []) { const r = parseRouteLine(ctx, l, false); if (r) cfg.staticRoutes.push(r); }
      return;
    case 'static_rules':
      if (!needBlock(ctx, node, 'static_rules { RULE ... }')) return;
      for (const l of node.children ?? []) { const r = parseRuleLine(ctx, l); if (r) cfg.staticRules.push(r); }
      return;
    case 'SSL': {
      if (!needBlock(ctx, node, 'SSL { password ...; ca ...; certificate ...; key ... }')) return;
      if (cfg.ssl) warn(ctx, Code.IGNORED, 'SSL context already specified - replacing', node.loc);
      const s: SslContext = { loc: node.loc };
      walk(ctx, node.children, [SSL_KEYWORDS], s, 'SSL');
      cfg.ssl = s;
      return;
    }
    case 'virtual_server_group': {
      const name = blockName(ctx, node, 'virtual_server_group');
      if (!name || !needBlock(ctx, node, 'virtual_server_group NAME { ADDR PORT | fwmark N ... }')) return;
      if (cfg.virtualServerGroups.some((g) => g.name === name)) {
        err(ctx, Code.DUPLICATE, `virtual_server_group ${name} is already defined (this one is ignored)`, node.loc);
        return;
      }
      const g: VirtualServerGroup = { loc: node.loc, name, entries: [] };
      for (const l of node.children ?? []) {
        const e = parseVsgLine(ctx, l, g);
        if (e) g.entries.push(e);
      }
      if (g.entries.length === 0) {
        warn(ctx, Code.DROPPED, `virtual server group ${name} has no entries - removing`, node.loc);
        return;
      }
      const fams = new Set(g.entries.map((e) => e.family ?? e.fwmarkFamily));
      if (fams.has(4) && fams.has(6) && g.entries.some((e) => e.kind === 'fwmark' && !e.fwmarkFamily)) {
        warn(ctx, Code.CONFLICT, `virtual server group ${name} cannot have IPv4, IPv6 and fwmark without family - removing`, node.loc);
        return;
      }
      cfg.virtualServerGroups.push(g);
      return;
    }
    case 'virtual_server':
      virtualServer(st, node);
      return;
    default: {
      const spec = idx(GLOBAL_ROOT_KEYWORDS).get(node.keyword) ?? idx(VRRP_UNSUPPORTED_ROOTS).get(node.keyword) ?? idx(BFD_ROOT_KEYWORDS).get(node.keyword);
      if (!spec) {
        reportUnknown(ctx, node, rootNames(), 'the top level');
        return;
      }
      walk(ctx, [node], [GLOBAL_ROOT_KEYWORDS, VRRP_UNSUPPORTED_ROOTS, BFD_ROOT_KEYWORDS], cfg.globalDefs, 'the top level');
      if (node.children && spec.status === 'unsupported') {
        const names = node.keyword === 'bfd_instance' ? BFD_INSTANCE_KEYWORDS
          : node.keyword === 'vrrp_track_process' ? TRACK_PROCESS_KEYWORDS
            : node.keyword === 'track_group' ? TRACK_GROUP_KEYWORDS
              : node.keyword === 'garp_group' ? GARP_GROUP_KEYWORDS : undefined;
        if (names) checkNames(ctx, node.children, names, node.keyword);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// virtual_server / real_server / checkers

function virtualServer(st: State, node: ConfNode): void {
  const { ctx } = st;
  const a0 = node.args[0];
  if (!a0) {
    err(ctx, Code.MISSING_VALUE, 'virtual_server has no address; should be virtual_server ADDR PORT | fwmark N | group NAME { ... } (block ignored)', node.loc);
    return;
  }
  if (!needBlock(ctx, node, 'virtual_server ADDR PORT { ... }')) return;
  const vs: Draft = {
    loc: node.loc, delayLoop: VS_DEFAULTS.delayLoop, connectTimeout: VS_DEFAULTS.connectTimeout, inhibitOnFailure: false, ops: false, flag1: false,
    flag2: false, flag3: false, shPort: false, shFallback: false, mhPort: false, mhFallback: false,
    persistenceTimeout: 0, haSuspend: false, alpha: false, omega: false, quorum: VS_DEFAULTS.quorum,
    hysteresis: VS_DEFAULTS.hysteresis, weight: VS_DEFAULTS.weight,
    realServers: [],
  };
  const a1 = node.args[1];
  if (a0.text === 'group') {
    if (!a1) return void err(ctx, Code.MISSING_VALUE, 'virtual_server group has no name (block ignored)', a0.loc);
    vs.kind = 'group';
    vs.group = a1.text;
  } else if (a0.text === 'fwmark') {
    if (!a1) return void err(ctx, Code.MISSING_VALUE, 'virtual_server fwmark has no value (block ignored)', a0.loc);
    const m = parsed(ctx, 'virtual server fwmark', a1, parseUnsigned(a1.text, 0, IPVS_FWMARK_MAX), 'block skipped');
    if (m === undefined) return;
    vs.kind = 'fwmark';
    vs.fwmark = m;
  } else {
    const ip = parseIp(a0.text);
    if (!ip.ok) return void badValue(ctx, 'virtual server address', a0, 'an IPv4 or IPv6 address, fwmark N or group NAME', 'block skipped');
    let port = 0;
    if (a1 && !/^0+$/.test(a1.text)) {
      const p = parseUnsigned(a1.text, 1, 65535);
      if (!p.ok) return void badValue(ctx, 'virtual server port', a1, '1-65535', 'block skipped');
      port = p.value;
    }
    vs.kind = 'address';
    vs.address = ip.value.addr;
    vs.family = ip.value.family;
    vs.port = port;
  }
  walk(ctx, node.children, [VIRTUAL_SERVER_KEYWORDS], vs, `virtual_server ${node.args.map((t) => t.text).join(' ')}`, {
    real_server: (n) => realServer(ctx, n, vs),
  });
  // vs_end_handler: take the family from the sorry server when still unknown
  if (vs.sorryServer && vs.sorryServer.lvsMethod !== LvsMethod.TUN) {
    if (!vs.family) vs.family = vs.sorryServer.family;
    else if (vs.family !== vs.sorryServer.family) {
      warn(ctx, Code.CONFLICT, `Address family of virtual server and sorry server ${vs.sorryServer.address} don't match - skipping sorry server`, vs.sorryServer.loc);
      delete vs.sorryServer;
    }
  }
  st.vsDrafts.push(vs);
}

let checkerTable: KeywordTable<Draft> | undefined;
/** The checker blocks a real_server may hold, as keyword specs (built once). */
function checkerSpecs(): KeywordTable<Draft> {
  checkerTable ??= Object.entries(CHECKERS).map(([name, c]) => ({ name, args: '{ ... }', block: 'keywords' as const, status: c.status, reason: c.reason }));
  return checkerTable;
}

function realServer(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const a0 = arg(ctx, node, 0, 'ADDR [PORT]');
  if (!a0) return;
  const ip = parseIp(a0.text);
  if (!ip.ok) return void badValue(ctx, 'real server address', a0, 'an IPv4 or IPv6 address', 'real server skipped');
  let port = 0;
  const a1 = node.args[1];
  if (a1 && !/^0+$/.test(a1.text)) {
    const p = parseUnsigned(a1.text, 1, 65535);
    if (!p.ok) return void badValue(ctx, 'real server port', a1, '1-65535', 'real server skipped');
    port = p.value;
  }
  const rs: Draft = { loc: node.loc, address: ip.value.addr, family: ip.value.family, port, checkers: [] };
  if (vs.lvsMethod) {
    rs.lvsMethod = vs.lvsMethod;
    for (const k of ['tunType', 'tunPort', 'tunFlags']) if (vs[k] !== undefined) rs[k] = vs[k];
  }
  // one table and one handler for every real server (a table per real server defeated idx()'s cache: 10,000 real
  // servers meant 10,000 keyword indexes)
  const onChecker = (n: ConfNode): void => checker(ctx, n, rs);
  walk(ctx, node.children, [REAL_SERVER_KEYWORDS, checkerSpecs()], rs, `real_server ${a0.text}`, (name) => (name in CHECKERS ? onChecker : undefined));
  // rs_end_handler: families must match unless tunnelled
  if (rs.lvsMethod !== LvsMethod.TUN) {
    if (!vs.family) vs.family = rs.family;
    else if (vs.family !== rs.family) {
      warn(ctx, Code.CONFLICT, `Address family of virtual server and real server ${rs.address} don't match - skipping real server`, node.loc);
      return;
    }
  }
  vs.realServers.push(rs);
}

function checker(ctx: Ctx, node: ConfNode, rs: Draft): void {
  const def = CHECKERS[node.keyword]!;
  const c: Draft = { loc: node.loc, type: node.keyword };
  const tables: KeywordTable<Draft>[] = [def.specific];
  if (def.conn) tables.push(CHECKER_CONN_KEYWORDS);
  if (def.common) tables.push(CHECKER_COMMON_KEYWORDS);
  const special: Record<string, (n: ConfNode) => void> = {};
  let hosts: Draft[] | undefined;
  switch (node.keyword) {
    case 'HTTP_GET':
    case 'SSL_GET':
      Object.assign(c, { urls: [], enableSni: false, fastRecovery: false });
      special.url = (n) => {
        const u = newUrl(n);
        walk(ctx, n.children, [URL_KEYWORDS], u, 'url');
        const done = finishUrl(ctx, u);
        if (done) c.urls.push(done);
      };
      break;
    case 'MISC_CHECK':
      c.dynamic = false;
      break;
    case 'SMTP_CHECK':
      hosts = [];
      special.host = (n) => {
        const h: Draft = { loc: n.loc };
        walk(ctx, n.children, [CHECKER_CONN_KEYWORDS, CHECKER_COMMON_KEYWORDS], h, 'SMTP_CHECK host');
        hosts!.push(h);
      };
      break;
    case 'DNS_CHECK':
      Object.assign(c, { queryType: 'SOA', name: '' }); // DNS_DEFAULT_TYPE / DNS_DEFAULT_NAME (check_dns.h)
      break;
    case 'UDP_CHECK':
      Object.assign(c, { requireReply: false, minReplyLength: 0, maxReplyLength: 255 }); // check_udp.c: 0 / UINT8_MAX
      break;
    case 'FILE_CHECK':
      c.weightReverse = false;
      break;
    case 'BFD_CHECK':
      c.alpha = false;
      break;
  }
  walk(ctx, node.children, tables, c, node.keyword, special);
  delete c.nameSet;
  // end handlers
  if ((c.type === 'HTTP_GET' || c.type === 'SSL_GET') && c.urls.length === 0)
    return void warn(ctx, Code.DROPPED, `${c.type} checker has no urls specified - ignoring`, node.loc);
  if (c.type === 'MISC_CHECK' && !c.script)
    return void warn(ctx, Code.DROPPED, 'No script path has been specified for MISC_CHECK - skipping', node.loc);
  if (c.type === 'FILE_CHECK' && !c.trackFile)
    return void warn(ctx, Code.DROPPED, 'FILE_CHECK has no track_file specified - ignoring', node.loc);
  if (c.type === 'FILE_CHECK' && !ctx.trackFileNames?.has(c.trackFile)) {
    // check_file.c track_file_handler looks the name up while parsing: it must be defined earlier in the file
    return void err(ctx, Code.UNDEFINED_REF, `FILE_CHECK track_file ${c.trackFile} not found (a track_file block must come before its use)`, node.loc);
  }
  if (c.type === 'UDP_CHECK' && c.minReplyLength > c.maxReplyLength)
    warn(ctx, Code.CONFLICT, `UDP_CHECK min_reply_length ${c.minReplyLength} > max_reply_length ${c.maxReplyLength} - will always fail`, node.loc);
  if (c.type === 'BFD_CHECK') return; // recognised, not implemented (W_UNSUPPORTED already given)
  if (CHECKERS[c.type]!.conn && !c.bindIf) {
    // check_api.c check_conn_opts: "Checker link local address %s requires a bind_if" (checker dropped)
    const dst: string = c.connectIp ?? rs.address;
    if (dst.includes(':') && isIPv6LinkLocal(dst))
      return void warn(ctx, Code.DROPPED, `${c.type}: link-local address ${dst} requires a bind_if - checker ignored`, node.loc);
  }
  if (c.type === 'SMTP_CHECK') {
    c.heloName = c.heloName ?? 'smtpchecker.keepalived.org'; // SMTP_DEFAULT_HELO (check_smtp.h)
    if (hosts?.length) {
      rs.checkers.push(...expandSmtpHosts(ctx, c, hosts));
      return;
    }
  }
  rs.checkers.push(c);
}

const CONN_FIELDS = ['connectIp', 'connectPort', 'bindto', 'bindPort', 'bindIf', 'connectTimeout', 'fwmark'];

/**
 * check_smtp.c smtp_check_end_handler: each legacy host{} block becomes its own SMTP checker with the same
 * settings and the host's connection options. The block's own connection options, if any were given (or if
 * there are no hosts), make a checker too; otherwise the first host takes the block's place.
 */
function expandSmtpHosts(ctx: Ctx, c: Draft, hosts: Draft[]): Draft[] {
  info(ctx, 'I_DEPRECATED', 'The SMTP_CHECK host block is deprecated. Please define additional checkers.', hosts[0]!.loc);
  const mainHasConn = CONN_FIELDS.some((k) => c[k] !== undefined);
  const base: Draft = { ...c };
  for (const k of CONN_FIELDS) delete base[k];
  const out: Draft[] = mainHasConn ? [c] : [];
  hosts.forEach((h, i) => {
    const x: Draft = { ...base };
    if (!mainHasConn && i === 0) x.loc = c.loc;
    else x.loc = h.loc;
    for (const k of CONN_FIELDS) if (h[k] !== undefined) x[k] = h[k];
    out.push(x);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cross-checks and defaults

function finish(st: State): void {
  finishVrrp(st);
  finishVirtualServers(st);
  const { ctx, cfg } = st;
  const g = cfg.globalDefs;
  // vrrp_parser.c vrrp_lvs_syncd_handler: the deprecated per-instance form fills the global one if unset
  for (const v of cfg.vrrpInstances) {
    if (!v.lvsSyncDaemonInterface) continue;
    if (!g.lvsSyncDaemon) g.lvsSyncDaemon = { loc: v.loc, interface: v.lvsSyncDaemonInterface, vrrpInstance: v.name };
    else if (g.lvsSyncDaemon.vrrpInstance !== v.name)
      warn(ctx, Code.IGNORED, `(${v.name}) lvs_sync_daemon_interface has already been specified as ${g.lvsSyncDaemon.interface} - ignoring`, v.loc);
  }
  const sd = g.lvsSyncDaemon;
  if (sd?.vrrpInstance) {
    const inst = cfg.vrrpInstances.find((v) => v.name === sd.vrrpInstance);
    // vrrp.c vrrp_complete_init: "Unable to find vrrp instance %s for lvs_syncd - clearing lvs_syncd config"
    // (reported when the VRRP process starts, not by keepalived -t)
    if (!inst) {
      err(ctx, Code.UNDEFINED_REF, `lvs_sync_daemon vrrp instance ${sd.vrrpInstance} not found; the sync daemon is not started`, sd.loc);
      delete g.lvsSyncDaemon;
    } else if (sd.syncId === undefined) sd.syncId = inst.virtualRouterId; // "If no syncid configured, use vrid"
  } else if (sd && sd.syncId === undefined) sd.syncId = 0;
  if (ctx.scriptLocs.length > 0 && !g.enableScriptSecurity) {
    // keepalived (main.c / vrrp.c / check_data.c): "SECURITY VIOLATION - scripts are being executed but
    // script_security not enabled" — keepalived -t exits 6 (KEEPALIVED_CHK_EXIT_CONFIG_TEST_SECURITY).
    // It is host-dependent (only scripts that exist count), so it is reported as info here.
    info(ctx, 'I_SECURITY_SCRIPTS', 'scripts are configured but enable_script_security is not set in global_defs; scripts will run as root', ctx.scriptLocs[0]);
  }
}

function finishVrrp(st: State): void {
  const { ctx, cfg } = st;
  const g = cfg.globalDefs;
  const scriptsUsed = new Set<string>();
  const syncOf = new Map<string, VrrpSyncGroup>();
  for (const sg of cfg.vrrpSyncGroups) {
    for (const name of sg.group) {
      if (syncOf.has(name)) {
        err(ctx, Code.DUPLICATE, `vrrp instance ${name} is already in sync group ${syncOf.get(name)!.name}`, sg.loc);
        continue;
      }
      syncOf.set(name, sg);
    }
  }
  for (const v of st.vrrpDrafts) {
    const set = ((v as unknown as { _set?: Record<string, boolean> })._set) ?? {};
    // garp/advert defaults come from global_defs (alloc_vrrp copies global_data values)
    if (!set.garp_master_delay) v.garpMasterDelay = g.vrrpGarpMasterDelay;
    if (!set.garp_master_repeat) v.garpMasterRepeat = g.vrrpGarpMasterRepeat;
    if (!set.garp_master_refresh) v.garpMasterRefresh = g.vrrpGarpMasterRefresh;
    if (!set.garp_master_refresh_repeat) v.garpMasterRefreshRepeat = g.vrrpGarpMasterRefreshRepeat;
    if (!set.garp_lower_prio_delay) v.garpLowerPrioDelay = g.vrrpGarpLowerPrioDelay ?? v.garpMasterDelay;
    if (!set.garp_lower_prio_repeat) v.garpLowerPrioRepeat = g.vrrpGarpLowerPrioRepeat ?? v.garpMasterRepeat;
    if (!set.down_timer_adverts) v.downTimerAdverts = g.vrrpDownTimerAdverts;
    if (!set.lower_prio_no_advert) v.lowerPrioNoAdvert = g.vrrpLowerPrioNoAdvert;
    if (!set.higher_prio_send_advert) v.higherPrioSendAdvert = g.vrrpHigherPrioSendAdvert;
    if (!set.strict_mode) v.strictMode = g.vrrpStrict;
    if (!set.skip_check_adv_addr) v.skipCheckAdvAddr = g.vrrpSkipCheckAdvAddr;
    if (!set.check_unicast_src) v.checkUnicastSrc = g.vrrpCheckUnicastSrc;
    if (v.virtualRouterId === undefined) {
      err(ctx, Code.MISSING_REQUIRED, `(${v.name}) the virtual router id must be set`, v.loc);
      continue;
    }
    if (!v.interface && v.unicastPeer.length === 0) {
      // vrrp.c chk_min_cfg: "Unknown interface!"
      err(ctx, Code.MISSING_REQUIRED, `(${v.name}) no interface; set interface (or unicast_peer with unicast_src_ip)`, v.loc);
      continue;
    }
    if (!v.interface && !v.unicastSrcIp && !v.mcastSrcIp) {
      err(ctx, Code.MISSING_REQUIRED, `(${v.name}) unicast instances must have unicast_src_ip or interface`, v.loc);
      continue;
    }
    // any unicast keyword without peers: keepalived falls back to multicast (deprecated since 2.2.4)
    const unicastKw = set.unicast_peer || set.unicast_fault_no_peer || set.check_unicast_src || set.old_unicast_checksum || set.unicast_src_ip;
    if (unicastKw && v.unicastPeer.length === 0 && !v.unicastFaultNoPeer)
      warn(ctx, Code.DEPRECATED, `(${v.name}) a unicast keyword has been specified without any unicast peers; defaulting to multicast (deprecated usage)`, v.loc);
    if (v.unicastPeer.length && v.mcastDstIp) {
      warn(ctx, Code.IGNORED, `(${v.name}) multicast destination specified with unicast - ignoring`, v.loc);
      delete v.mcastDstIp;
    }
    // family from the first VIP (vrrp_complete_instance moves other-family VIPs to the excluded list)
    const first = v.virtualIpaddress[0] ?? v.unicastPeer[0];
    v.family = first ? first.family : 4;
    // vrrp_data.c alloc_vrrp_vip: "address family must match VRRP instance [...] - ignoring"
    for (const a of v.virtualIpaddress) if (a.family !== v.family) warn(ctx, Code.IGNORED, `(${v.name}) address family of VIP ${a.address} must match the VRRP instance (IPv${v.family}) - ignoring it (use virtual_ipaddress_excluded)`, a.loc);
    v.virtualIpaddress = v.virtualIpaddress.filter((a) => a.family === v.family);
    if (v.family === 6) {
      if (set.version && v.version === 2 && v.strictMode) {
        warn(ctx, Code.CONFLICT, `(${v.name}) cannot use IPv6 with VRRP version 2; setting version 3`, v.loc);
        v.version = 3;
      } else if (!set.version) v.version = 3;
    } else if (!set.version) v.version = g.vrrpVersion;
    if (v.virtualIpaddress.length === 0) {
      if (v.version === 3 || v.strictMode) {
        err(ctx, Code.MISSING_REQUIRED, `(${v.name}) No VIP specified; at least one is required`, v.loc);
        continue;
      }
      warn(ctx, Code.MISSING, `(${v.name}) No VIP specified; at least one is sensible`, v.loc);
    }
    // priority/state derivation (vrrp_complete_instance)
    if (!set.priority) v.priority = v.state === VrrpState.MASTER ? 255 : VRRP_DEFAULTS.priority;
    if (!set.state) v.state = v.priority === 255 ? VrrpState.MASTER : VrrpState.BACKUP;
    else if (v.strictMode && (v.state === VrrpState.MASTER) !== (v.priority === 255)) {
      warn(ctx, Code.DEFAULTED, `(${v.name}) State MASTER must match being address owner (priority 255)`, v.loc);
      v.state = v.priority === 255 ? VrrpState.MASTER : VrrpState.BACKUP;
    }
    const auth = v.authentication;
    if (auth) {
      if (v.strictMode) { warn(ctx, Code.CONFLICT, `(${v.name}) Strict mode does not support authentication. Ignoring.`, auth.loc); delete v.authentication; }
      else if (v.version === 3) { warn(ctx, Code.CONFLICT, `(${v.name}) VRRP version 3 does not support authentication. Ignoring.`, auth.loc); delete v.authentication; }
      else if (auth.type && auth.authPass === undefined) { err(ctx, Code.MISSING_REQUIRED, `(${v.name}) Authentication specified but no password given. Ignoring`, auth.loc); delete v.authentication; }
      else if (auth.type === 'AH' && v.family === 6) { warn(ctx, Code.CONFLICT, `(${v.name}) Cannot use AH authentication with IPv6 - ignoring`, auth.loc); delete v.authentication; }
      else if (auth.type === 'AH' && v.state === VrrpState.MASTER && v.priority !== 255) {
        // vrrp.c: "Initial state master is incompatible with AH authentication - clearing"
        warn(ctx, Code.CONFLICT, `(${v.name}) Initial state MASTER is incompatible with AH authentication; starting as BACKUP`, auth.loc);
        v.state = VrrpState.BACKUP;
      }
    }
    if (v.unicastPeer.length && v.strictMode) warn(ctx, Code.CONFLICT, `(${v.name}) Unicast peers are not supported in strict mode`, v.loc);
    for (const p of v.unicastPeer) if (p.family !== v.family) warn(ctx, Code.CONFLICT, `(${v.name}) unicast peer ${p.address} address family does not match the instance`, p.loc);
    if (v.priority === 255 && v.nopreempt) {
      warn(ctx, Code.CONFLICT, `(${v.name}) nopreempt is incompatible with priority 255; resetting nopreempt`, v.loc);
      v.nopreempt = false;
    }
    if (v.state === VrrpState.MASTER) {
      if (v.nopreempt) { warn(ctx, Code.CONFLICT, `(${v.name}) nopreempt will not work with initial state MASTER - clearing`, v.loc); v.nopreempt = false; }
      if (v.preemptDelay) { warn(ctx, Code.CONFLICT, `(${v.name}) preempt_delay will not work with initial state MASTER - clearing`, v.loc); v.preemptDelay = 0; }
    }
    if (v.preemptDelay && v.strictMode) { warn(ctx, Code.CONFLICT, `(${v.name}) preempt_delay is incompatible with strict mode - resetting`, v.loc); v.preemptDelay = 0; }
    if (v.preemptDelay && v.nopreempt) { warn(ctx, Code.CONFLICT, `(${v.name}) preempt_delay is incompatible with nopreempt - resetting`, v.loc); v.preemptDelay = 0; }
    if (v.downTimerAdverts !== VRRP_DEFAULTS.downTimerAdverts && v.strictMode) {
      warn(ctx, Code.CONFLICT, `(${v.name}) down_timer_adverts is incompatible with strict mode - resetting to ${VRRP_DEFAULTS.downTimerAdverts}`, v.loc);
      v.downTimerAdverts = VRRP_DEFAULTS.downTimerAdverts;
    }
    // accept mode default (vrrp.c): address owner accepts; otherwise accept unless strict
    if (v.accept === undefined) v.accept = v.priority === 255 ? true : !v.strictMode;
    else if (v.accept && v.priority !== 255 && v.strictMode && v.version === 2) {
      warn(ctx, Code.CONFLICT, `(${v.name}) accept mode for VRRP version 2 does not comply with RFC 3768 - resetting`, v.loc);
      v.accept = false;
    }
    // strict mode forces the RFC behaviour of the lower-priority GARP/advert knobs
    if (v.strictMode) {
      if (set.garp_lower_prio_repeat && v.garpLowerPrioRepeat) warn(ctx, Code.CONFLICT, `(${v.name}) strict mode requires no repeat garps - resetting`, v.loc);
      if (set.garp_lower_prio_delay && v.garpLowerPrioDelay) warn(ctx, Code.CONFLICT, `(${v.name}) strict mode requires no repeat garp delay - resetting`, v.loc);
      if (set.lower_prio_no_advert && !v.lowerPrioNoAdvert) warn(ctx, Code.CONFLICT, `(${v.name}) strict mode requires no lower priority advert - resetting`, v.loc);
      if (set.higher_prio_send_advert && v.higherPrioSendAdvert) warn(ctx, Code.CONFLICT, `(${v.name}) strict mode requires higher_prio_send_advert to be clear - resetting`, v.loc);
      v.garpLowerPrioRepeat = 0;
      v.garpLowerPrioDelay = 0;
      v.lowerPrioNoAdvert = true;
      v.higherPrioSendAdvert = false;
    }
    v.smtpAlert = v.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
    const sg = syncOf.get(v.name);
    v.notifyPriorityChanges = v.notifyPriorityChanges ?? sg?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges;
    if (v.family === 6 && v.unicastPeer.length === 0 && v.virtualIpaddress[0] && !isIPv6LinkLocal(v.virtualIpaddress[0].address)) {
      if (v.strictMode) warn(ctx, Code.CONFLICT, `(${v.name}) the first IPv6 VIP address must be link local`, v.virtualIpaddress[0].loc);
      else info(ctx, 'I_ADVICE', `(${v.name}) the first IPv6 VIP address should be link local`, v.virtualIpaddress[0].loc);
    }
    // advertisement interval limits (vrrp_complete_instance)
    const us = Math.round(v.advertInt * 1e6);
    if (v.version === 2) {
      if (us >= 256e6) { warn(ctx, Code.DEFAULTED, `(${v.name}) VRRPv2 advertisement interval ${v.advertInt}s is out of range; setting to 255s`, v.loc); v.advertInt = 255; }
      else if (us % 1e6) {
        const r = Math.max(1, Math.floor((us + 5e5) / 1e6));
        warn(ctx, Code.DEFAULTED, `(${v.name}) VRRPv2 advertisement interval ${v.advertInt}s must be an integer; rounding to ${r}`, v.loc);
        v.advertInt = r;
      }
    } else {
      if (us >= 4096e4) { warn(ctx, Code.DEFAULTED, `(${v.name}) VRRPv3 advertisement interval ${v.advertInt}s is out of range; setting to 40.95s`, v.loc); v.advertInt = 40.95; }
      else if (us % 1e4) {
        const r = Math.max(1, Math.floor((us + 5e3) / 1e4)) / 100;
        warn(ctx, Code.DEFAULTED, `(${v.name}) VRRPv3 advertisement interval ${v.advertInt}s must be in units of 10ms; rounding to ${r}`, v.loc);
        v.advertInt = r;
      }
    }
    // tracked scripts/files must exist (vrrp_track.c: "track script %s not found, ignoring...")
    v.trackScript = v.trackScript.filter((r) => {
      const s = cfg.vrrpScripts.find((x) => x.name === r.name);
      if (!s) { err(ctx, Code.UNDEFINED_REF, `(${v.name}) track_script ${r.name} not found (no vrrp_script ${r.name}); ignoring`, r.loc); return false; }
      scriptsUsed.add(r.name);
      return true;
    });
    v.trackFile = v.trackFile.filter((r) => {
      if (!cfg.trackFiles.some((x) => x.name === r.name)) { err(ctx, Code.UNDEFINED_REF, `(${v.name}) track_file ${r.name} not found; ignoring`, r.loc); return false; }
      return true;
    });
    if (v.priority === 255) {
      const weighted = v.trackScript.filter((r) => (r.weight ?? cfg.vrrpScripts.find((s) => s.name === r.name)!.weight) !== 0);
      for (const r of weighted) {
        warn(ctx, Code.CONFLICT, `(${v.name}) Cannot have weighted track script ${r.name} with priority 255; ignoring weight`, r.loc);
        r.weight = 0;
      }
    }
    cfg.vrrpInstances.push(v);
  }
  // duplicate VRIDs on the same interface and family (vrrp.c: "duplicate VRID conflict")
  // (a map keyed on VRID, family and interface: linear in the number of instances, 65,024 of them in bench/)
  const firstWithVrid = new Map<string, VrrpInstance>();
  for (const a of cfg.vrrpInstances) {
    if (a.unicastPeer.length !== 0) continue;
    const key = `${a.virtualRouterId}/${a.family}/${a.interface ?? ''}`;
    const b = firstWithVrid.get(key);
    if (b) err(ctx, Code.DUPLICATE, `(${a.name}) duplicate VRID conflict with ${b.name} VRID ${a.virtualRouterId} on ${a.interface ?? 'the same interface'}`, a.loc);
    else firstWithVrid.set(key, a);
  }
  // sync groups
  const instanceNames = new Set(cfg.vrrpInstances.map((v) => v.name));
  cfg.vrrpSyncGroups = cfg.vrrpSyncGroups.filter((sg) => {
    sg.group = sg.group.filter((name) => {
      if (instanceNames.has(name)) return true;
      err(ctx, Code.UNDEFINED_REF, `Sync group ${sg.name}: unable to find vrrp instance ${name}`, sg.loc);
      return false;
    });
    sg.trackScript = sg.trackScript.filter((r) => {
      if (cfg.vrrpScripts.some((x) => x.name === r.name)) { scriptsUsed.add(r.name); return true; }
      err(ctx, Code.UNDEFINED_REF, `(${sg.name}) track_script ${r.name} not found; ignoring`, r.loc);
      return false;
    });
    sg.trackFile = sg.trackFile.filter((r) => {
      if (cfg.trackFiles.some((x) => x.name === r.name)) return true;
      err(ctx, Code.UNDEFINED_REF, `(${sg.name}) track_file ${r.name} not found; ignoring`, r.loc);
      return false;
    });
    if (sg.group.length === 0) {
      warn(ctx, Code.DROPPED, `Sync group ${sg.name} has no virtual router(s) - removing`, sg.loc);
      return false;
    }
    if (sg.group.length === 1) warn(ctx, Code.MISSING, `Sync group ${sg.name} has only 1 virtual router - this probably isn't what you want`, sg.loc);
    return true;
  });
  // vrrp.c vrrp_complete_init reports this when the VRRP process starts, not under keepalived -t: info here.
  for (const s of cfg.vrrpScripts) if (!scriptsUsed.has(s.name)) info(ctx, 'I_UNUSED', `script ${s.name} is not used by any vrrp_instance or vrrp_sync_group`, s.loc);
}

function finishVirtualServers(st: State): void {
  const { ctx, cfg } = st;
  const g = cfg.globalDefs;
  for (const vs of st.vsDrafts) {
    const name = vs.kind === 'group' ? `group ${vs.group}` : vs.kind === 'fwmark' ? `fwmark ${vs.fwmark}` : `${vs.address}:${vs.port}`;
    let group: VirtualServerGroup | undefined;
    if (vs.kind === 'group') {
      group = cfg.virtualServerGroups.find((x) => x.name === vs.group);
      if (!group) {
        err(ctx, Code.UNDEFINED_REF, `virtual_server group ${vs.group} not found (no virtual_server_group ${vs.group}); virtual server ignored`, vs.loc);
        continue;
      }
    }
    if (vs.realServers.length === 0) {
      warn(ctx, Code.DROPPED, `Virtual server ${name} has no real servers - ignoring`, vs.loc);
      continue;
    }
    const hasFwmark = vs.kind === 'fwmark' || (group?.entries.some((e) => e.kind === 'fwmark') ?? false);
    const hasAddr = vs.kind === 'address' || (group?.entries.some((e) => e.kind === 'address') ?? false);
    if (vs.haSuspend && hasFwmark) {
      warn(ctx, Code.CONFLICT, `Virtual server ${name}: cannot use ha_suspend with fwmarks - clearing ha_suspend`, vs.loc);
      vs.haSuspend = false;
    }
    if (hasAddr) {
      if (!vs.protocol) {
        warn(ctx, Code.DEFAULTED, `Virtual server ${name}: no protocol set - defaulting to UDP`, vs.loc);
        vs.protocol = 'UDP';
      }
      if (vs.ops && vs.protocol !== 'UDP') {
        warn(ctx, Code.CONFLICT, `Virtual server ${name}: one packet scheduling requires UDP - resetting`, vs.loc);
        vs.ops = false;
      }
      if (!vs.persistenceTimeout && vs.kind === 'address' && !vs.port) {
        warn(ctx, Code.DEFAULTED, `Virtual server ${name}: zero port only valid for persistent services - setting persistence_timeout ${IPVS_SVC_PERSISTENT_TIMEOUT}`, vs.loc);
        vs.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
      }
    }
    if (!vs.persistenceTimeout && group?.entries.some((e) => e.kind === 'address' && !e.port)) {
      warn(ctx, Code.DEFAULTED, `Virtual server ${name}: zero port only valid for persistent services - setting persistence_timeout ${IPVS_SVC_PERSISTENT_TIMEOUT}`, vs.loc);
      vs.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
    }
    if (vs.protocol && hasFwmark && !hasAddr) {
      warn(ctx, Code.IGNORED, `Virtual server ${name}: protocol specified for fwmark - protocol will be ignored`, vs.loc);
      delete vs.protocol;
    }
    if (!vs.lbAlgo) {
      warn(ctx, Code.DEFAULTED, `Virtual server ${name}: no scheduler set, setting default 'wlc'`, vs.loc);
      vs.lbAlgo = VS_DEFAULTS.lbAlgo;
    }
    vs.smtpAlert = vs.smtpAlert ?? g.smtpAlertChecker ?? g.smtpAlert ?? false;
    const seen: RealServer[] = [];
    const seenKeys = new Set<string>();
    let weightSum = 0;
    for (const rs of vs.realServers as Draft[]) {
      // this one's port as configured against the earlier ones' ports as resolved below (as the linear scan did)
      if (seenKeys.has(`${rs.address}|${rs.port}`)) {
        warn(ctx, Code.DUPLICATE_IGNORED, `VS ${name}: real server ${rs.address}:${rs.port} is duplicated - removing second rs`, rs.loc);
        continue;
      }
      if (!rs.lvsMethod) {
        if (!vs.lvsMethod) {
          warn(ctx, Code.DEFAULTED, `Virtual server ${name}: no forwarding method set, setting default NAT`, vs.loc);
          vs.lvsMethod = LvsMethod.NAT;
        }
        rs.lvsMethod = vs.lvsMethod;
        for (const k of ['tunType', 'tunPort', 'tunFlags']) if (vs[k] !== undefined) rs[k] = vs[k];
      }
      // Optional fields are assigned only when they have a value: assigning undefined and deleting it afterwards put
      // every real server object into V8's slow dictionary mode (a third of the build time with 10,000 of them).
      rs.alpha = rs.alpha ?? vs.alpha;
      rs.inhibitOnFailure = rs.inhibitOnFailure ?? vs.inhibitOnFailure;
      const retry = rs.retry ?? vs.retry;
      if (retry !== undefined) rs.retry = retry;
      rs.connectTimeout = rs.connectTimeout ?? vs.connectTimeout;
      rs.delayLoop = rs.delayLoop ?? vs.delayLoop;
      const warmup = rs.warmup ?? vs.warmup;
      if (warmup !== undefined) rs.warmup = warmup;
      const delayBeforeRetry = rs.delayBeforeRetry ?? vs.delayBeforeRetry;
      if (delayBeforeRetry !== undefined) rs.delayBeforeRetry = delayBeforeRetry;
      rs.weight = rs.weight ?? vs.weight;
      rs.smtpAlert = rs.smtpAlert ?? g.smtpAlertChecker ?? g.smtpAlert ?? true; // true: keepalived backwards compatibility
      for (const k of ['retry', 'warmup', 'delayBeforeRetry']) if (k in rs && rs[k] === undefined) delete rs[k];
      weightSum += rs.weight;
      if (vs.sorryServer && vs.sorryServer.address === rs.address && vs.sorryServer.port === rs.port && vs.sorryServer.inhibit !== rs.inhibitOnFailure) {
        warn(ctx, Code.CONFLICT, `Virtual server ${name}: real server ${rs.address} matches sorry server, but inhibit setting differs`, rs.loc);
        vs.sorryServer.inhibit = rs.inhibitOnFailure;
      }
      // ports: NAT keeps its own port (or the VS's); DR/TUN must match the VS port (validate_check_config)
      if (vs.kind === 'address') {
        if (rs.lvsMethod === LvsMethod.NAT) { if (!rs.port) rs.port = vs.port; }
        else if (!rs.port) rs.port = vs.port;
        else if (rs.port !== vs.port) {
          warn(ctx, Code.DEFAULTED, `virtual server ${name} and real server ${rs.address}:${rs.port} ports don't match - resetting to ${vs.port}`, rs.loc);
          rs.port = vs.port;
        }
      } else if (vs.kind === 'fwmark' && rs.lvsMethod !== LvsMethod.NAT && rs.port) {
        warn(ctx, Code.DEFAULTED, `fwmark virtual server ${name}, real server ${rs.address} has port specified - clearing`, rs.loc);
        rs.port = 0;
      } else if (group && rs.lvsMethod !== LvsMethod.NAT && rs.port) {
        // check_data.c validate_check_config: reported, not corrected, for groups
        if (group.entries.some((e) => e.kind === 'fwmark'))
          warn(ctx, Code.IGNORED, `fwmark virtual server ${name}, real server ${rs.address} has port specified - port will be ignored`, rs.loc);
        for (const e of group.entries)
          if (e.kind === 'address' && e.port && e.port !== rs.port)
            warn(ctx, Code.CONFLICT, `virtual server ${name}:[${e.address}${e.addressEnd !== e.address ? `-${e.addressEnd}` : ''}]:${e.port} and real server ${rs.address}:${rs.port} ports don't match`, rs.loc);
      }
      rs.checkers = (rs.checkers as Draft[]).map((c) => resolveChecker(c, rs, vs)) as Checker[];
      seenKeys.add(`${rs.address}|${rs.port}`);
      seen.push(rs as RealServer);
    }
    vs.realServers = seen;
    if (vs.sorryServer) {
      const ss = vs.sorryServer;
      if (!ss.lvsMethod) {
        if (!vs.lvsMethod) {
          warn(ctx, Code.DEFAULTED, `Virtual server ${name}: no forwarding method set, setting default NAT`, vs.loc);
          vs.lvsMethod = LvsMethod.NAT;
        }
        ss.lvsMethod = vs.lvsMethod;
        for (const k of ['tunType', 'tunPort', 'tunFlags']) if (vs[k] !== undefined) ss[k] = vs[k];
      }
      if (vs.kind === 'address' && ss.lvsMethod !== LvsMethod.NAT) {
        if (!ss.port) ss.port = vs.port;
        else if (ss.port !== vs.port) {
          warn(ctx, Code.DEFAULTED, `virtual server ${name} and sorry server ports don't match - resetting`, ss.loc);
          ss.port = vs.port;
        }
      } else if (vs.kind === 'address' && !ss.port) ss.port = vs.port;
    }
    if (!vs.lvsMethod) vs.lvsMethod = LvsMethod.NAT;
    // vs_end_handler: a fwmark service whose servers are all tunnelled takes their family, else IPv4
    if (!vs.family && vs.kind !== 'group') {
      const fams = new Set(vs.realServers.map((r: RealServer) => r.family));
      vs.family = fams.size === 1 ? [...fams][0] : 4;
    }
    if (vs.quorum > weightSum) {
      warn(ctx, Code.DEFAULTED, `quorum ${vs.quorum} for ${name} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`, vs.loc);
      vs.quorum = weightSum;
    }
    if (vs.hysteresis >= vs.quorum) {
      const h = Math.max(0, vs.quorum - 1);
      warn(ctx, Code.DEFAULTED, `Virtual server ${name}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`, vs.loc);
      vs.hysteresis = h;
    }
    for (const k of ['retry', 'warmup', 'delayBeforeRetry']) if (vs[k] === undefined) delete vs[k];
    cfg.virtualServers.push(vs as VirtualServer);
  }
  // FILE_CHECK track_file references
  for (const vs of cfg.virtualServers) for (const rs of vs.realServers) {
    rs.checkers = rs.checkers.filter((c) => {
      if (c.type !== 'FILE_CHECK') return true;
      const tf: TrackFile | undefined = cfg.trackFiles.find((f) => f.name === c.trackFile);
      if (!tf) return false;
      // check_file.c file_end_handler: without its own weight the FILE_CHECK takes the track_file's weight and reverse
      if (c.weight === undefined) {
        c.weight = tf.weight;
        c.weightReverse = tf.weightReverse;
      }
      return true;
    });
  }
}

/** Checker defaults and inheritance from its real server (check_data.c validate_check_config). */
function resolveChecker(c: Draft, rs: Draft, vs: Draft): Draft {
  const def = CHECKERS[c.type]!;
  const dflt = CHECKER_DEFAULTS[c.type]!;
  if (c.type === 'FILE_CHECK' || c.type === 'BFD_CHECK') return c;
  c.alpha = c.alpha ?? rs.alpha;
  c.logAllFailures = c.logAllFailures ?? false;
  c.retry = c.retry ?? rs.retry ?? dflt.retry;
  if (def.conn) c.connectTimeout = c.connectTimeout ?? rs.connectTimeout;
  c.delayLoop = c.delayLoop ?? rs.delayLoop;
  c.warmup = c.warmup ?? rs.warmup ?? c.delayLoop;
  c.delayBeforeRetry = c.delayBeforeRetry ?? rs.delayBeforeRetry ?? (dflt.delayBeforeRetry === 'delay_loop' ? c.delayLoop : dflt.delayBeforeRetry);
  // check_http.c: Host header from url, else checker, else real server, else virtual server (url-level stays on the url)
  if (c.type === 'HTTP_GET' || c.type === 'SSL_GET') {
    const vh = c.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
    if (vh !== undefined) c.virtualhost = vh;
  }
  return c;
}

export type { Config, GlobalDefs, VrrpScript, VrrpInstance, VrrpSyncGroup, VirtualServer, RealServer, TrackFile };
