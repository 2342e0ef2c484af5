// Checker-side keywords: SSL, virtual_server_group, virtual_server, real_server and every checker block
// (keepalived/check/check_parser.c init_check_keywords, check_api.c install_checker_common_keywords and the
// per-checker files check_http.c, check_tcp.c, check_misc.c, check_smtp.c, check_dns.c, check_udp.c,
// check_ping.c, check_file.c, check_bfd.c — v2.2.7).
import type { ConfNode, Token } from '../types';
import {
  LvsMethod, Protocol, SCHEDULERS, TunnelChecksum, TunnelType, type Scheduler, type SslContext, type TunnelOpts,
  type UrlCheck, type VirtualServerGroup, type VsgEntry,
} from '../model';
import {
  Code, type Ctx, type KeywordTable, arg, badValue, boolField, err, flagField, info, makeScript, parsed, restField,
  scriptField, secondsField, stringField, uintField, unsupported, warn,
} from './table';
import { VS_DEFAULTS } from '../defaults';
import { INT_MAX, UINT_MAX, checkIfName, ipv4ToInt, ipv6Groups, parseInt10, parseIp, parsePort, parseUnsigned } from '../values';

export const IPVS_WEIGHT_MAX = INT_MAX; // IPVS_WEIGHT_LIMIT (ip_vs.h: INT_MAX)
export const IPVS_FWMARK_MAX = UINT_MAX;
export const LVS_MAX_TIMEOUT = VS_DEFAULTS.maxTimeout;
export const IPVS_SVC_PERSISTENT_TIMEOUT = VS_DEFAULTS.persistenceTimeout;
const TIMER_MAX = 1e13; // read_timer max ULONG_MAX-1 microseconds; practically unlimited

/**
 * While building, objects carry `undefined` for "not set" so that inheritance (checker <- real server <-
 * virtual server <- default) can be applied when the virtual server block ends (check_data.c
 * validate_check_config). These are the mutable drafts.
 */
export type Draft = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// SSL root block

export const SSL_KEYWORDS: KeywordTable<SslContext> = [
  { name: 'password', args: 'PASSWORD', status: 'implemented', handle: stringField('password') },
  { name: 'ca', args: 'FILE', status: 'implemented', handle: stringField('ca') },
  { name: 'certificate', args: 'FILE', status: 'implemented', handle: stringField('certificate') },
  { name: 'key', args: 'FILE', status: 'implemented', handle: stringField('key') },
];

// ---------------------------------------------------------------------------------------------
// virtual_server_group entries (check_data.c alloc_vsg_entry)

function v6ToBig(s: string): bigint {
  return ipv6Groups(s).reduce((a, g) => (a << 16n) | BigInt(g), 0n);
}

export function parseVsgLine(ctx: Ctx, node: ConfNode, group: VirtualServerGroup): VsgEntry | undefined {
  const first: Token = { text: node.keyword, loc: node.loc };
  if (first.text === 'fwmark') {
    const t = arg(ctx, node, 0, `0-${UINT_MAX}`);
    if (!t) return undefined;
    const m = parsed(ctx, `(${group.name}) fwmark`, t, parseUnsigned(t.text, 0, UINT_MAX), 'entry ignored');
    if (m === undefined) return undefined;
    const e: VsgEntry = { loc: node.loc, kind: 'fwmark', fwmark: m };
    const f = node.args[1];
    if (f) {
      if (f.text === 'inet') e.fwmarkFamily = 4;
      else if (f.text === 'inet6') e.fwmarkFamily = 6;
      else {
        badValue(ctx, `(${group.name}) fwmark family`, f, 'inet or inet6', 'entry ignored');
        return undefined;
      }
    }
    return e;
  }
  let port = 0;
  const pt = node.args[0];
  if (pt && !/^0+$/.test(pt.text)) {
    const p = parsed(ctx, `(${group.name}) port`, pt, parsePort(pt.text), 'entry skipped');
    if (p === undefined) return undefined;
    port = p;
  }
  const text = first.text;
  const fam = text.includes(':') ? 6 : 4;
  const cut = text.search(/[-/]/);
  const startText = cut >= 0 ? text.slice(0, cut) : text;
  const start = parseIp(startText);
  if (!start.ok || start.value.family !== fam) {
    badValue(ctx, `(${group.name}) address`, first, 'ADDR, ADDR-LAST, ADDR-ADDR or ADDR/PREFIX', 'entry skipped');
    return undefined;
  }
  const e: VsgEntry = { loc: node.loc, kind: 'address', address: startText, addressEnd: startText, family: fam, port };
  if (cut < 0) return e;
  const rest = text.slice(cut + 1);
  if (text[cut] === '/') {
    const mask = parseUnsigned(rest, 1, fam === 4 ? 32 : 128);
    if (!mask.ok) {
      badValue(ctx, `(${group.name}) netmask`, first, `a prefix length 1-${fam === 4 ? 32 : 128}`, 'entry skipped');
      return undefined;
    }
    const bits = fam === 4 ? 32 : 128;
    const hostBits = BigInt(bits - mask.value);
    const a = fam === 4 ? BigInt(ipv4ToInt(startText)) : v6ToBig(startText);
    const hostMask = (1n << hostBits) - 1n;
    if ((a & hostMask) !== 0n) {
      badValue(ctx, `(${group.name}) address`, first, 'a network address with the host bits empty', 'entry skipped');
      return undefined;
    }
    e.addressEnd = fam === 4 ? bigToV4(a | hostMask) : bigToV6(a | hostMask);
    return e;
  }
  // range: "A-B" where B is a last octet/group, or a full address
  if ((fam === 4 && rest.includes('.')) || (fam === 6 && rest.includes(':'))) {
    const end = parseIp(rest);
    if (!end.ok || end.value.family !== fam) {
      badValue(ctx, `(${group.name}) range end`, first, 'an address of the same family', 'entry skipped');
      return undefined;
    }
    const a = fam === 4 ? BigInt(ipv4ToInt(startText)) : v6ToBig(startText);
    const b = fam === 4 ? BigInt(ipv4ToInt(rest)) : v6ToBig(rest);
    if (b < a) {
      badValue(ctx, `(${group.name}) address range`, first, 'a range whose end is not less than its start', 'entry skipped');
      return undefined;
    }
    e.addressEnd = rest;
    return e;
  }
  const max = fam === 4 ? 255 : 65535;
  const endN = fam === 4 ? parseUnsigned(rest, 0, max) : (/^[0-9a-fA-F]{1,4}$/.test(rest) ? { ok: true as const, value: parseInt(rest, 16) } : { ok: false as const, why: '' });
  const startLast = fam === 4 ? Number(startText.split('.')[3]) : ipv6Groups(startText)[7]!;
  if (!endN.ok || endN.value <= startLast) {
    badValue(ctx, `(${group.name}) address range`, first, `a range end greater than the start (${fam === 4 ? 'last octet' : 'last group'})`, 'entry skipped');
    return undefined;
  }
  if (fam === 4) e.addressEnd = startText.split('.').slice(0, 3).concat(String(endN.value)).join('.');
  else {
    const g = ipv6Groups(startText);
    g[7] = endN.value;
    e.addressEnd = g.map((x) => x.toString(16)).join(':');
  }
  return e;
}

function bigToV4(n: bigint): string {
  const x = Number(n);
  return [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.');
}

function bigToV6(n: bigint): string {
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return g.join(':');
}

// ---------------------------------------------------------------------------------------------
// lb_kind / lvs_method with tunnel options (check_parser.c svr_forwarding_handler)

export function forwarding(ctx: Ctx, node: ConfNode, target: Draft & TunnelOpts, who: string): void {
  const t = arg(ctx, node, 0, 'NAT, DR or TUN');
  if (!t) return;
  let method: LvsMethod;
  if (t.text === 'NAT') method = LvsMethod.NAT;
  else if (t.text === 'DR') method = LvsMethod.DR;
  else if (t.text === 'TUN') method = LvsMethod.TUN;
  else {
    badValue(ctx, node.keyword, t, 'NAT, DR or TUN');
    return;
  }
  let tunType = TunnelType.IPIP;
  let port = 0;
  let csum = TunnelChecksum.NOCSUM;
  const a = node.args;
  for (let i = 1; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    if (w.text === 'type') {
      if (!v) return void err(ctx, Code.MISSING_VALUE, `Missing tunnel type for ${who} server`, w.loc);
      i++;
      if (v.text === 'ipip') tunType = TunnelType.IPIP;
      else if (v.text === 'gue') tunType = TunnelType.GUE;
      else if (v.text === 'gre') tunType = TunnelType.GRE;
      else return void badValue(ctx, 'tunnel type', v, 'ipip, gue or gre');
    } else if (w.text === 'port') {
      if (!v) return void err(ctx, Code.MISSING_VALUE, `Missing port for ${who} server gue tunnel`, w.loc);
      i++;
      const p = parsed(ctx, 'tunnel port', v, parsePort(v.text));
      if (p === undefined) return;
      port = p;
    } else if (w.text === 'nocsum') csum = TunnelChecksum.NOCSUM;
    else if (w.text === 'csum') csum = TunnelChecksum.CSUM;
    else if (w.text === 'remcsum') csum = TunnelChecksum.REMCSUM;
    else return void badValue(ctx, 'tunnel option', w, 'type ipip|gue|gre, port N, nocsum, csum or remcsum');
  }
  if ((tunType === TunnelType.GUE) !== (port !== 0)) {
    return void err(ctx, Code.BAD_VALUE, `${node.keyword}: gue tunnels require a port, other tunnel types cannot have one (ignored)`, node.loc);
  }
  if (tunType === TunnelType.IPIP && csum !== TunnelChecksum.NOCSUM)
    return void err(ctx, Code.BAD_VALUE, `${node.keyword}: ipip tunnels do not support a checksum option (ignored)`, node.loc);
  if (tunType === TunnelType.GRE && csum === TunnelChecksum.REMCSUM)
    return void err(ctx, Code.BAD_VALUE, `${node.keyword}: gre tunnels do not support the remote checksum option (ignored)`, node.loc);
  target.lvsMethod = method;
  if (method === LvsMethod.TUN) {
    target.tunType = tunType;
    if (port) target.tunPort = port;
    target.tunFlags = csum;
  } else {
    delete target.tunType;
    delete target.tunPort;
    delete target.tunFlags;
  }
}

// ---------------------------------------------------------------------------------------------
// Common checker keywords (check_api.c install_checker_common_keywords)

function ipField(field: string) {
  return (ctx: Ctx, node: ConfNode, c: Draft): void => {
    const t = arg(ctx, node, 0, 'an IP address');
    if (!t) return;
    const ip = parsed(ctx, node.keyword, t, parseIp(t.text));
    if (!ip) return;
    const other = field === 'connectIp' ? c.bindto : c.connectIp;
    if (other && (other.includes(':') ? 6 : 4) !== ip.family) {
      warn(ctx, Code.CONFLICT, `${node.keyword} address ${t.text} does not match the address family of ${field === 'connectIp' ? 'bindto' : 'connect_ip'} (skipped)`, t.loc);
      return;
    }
    c[field] = ip.addr;
  };
}

function bindIf(ctx: Ctx, node: ConfNode, c: Draft): void {
  const t = arg(ctx, node, 0, 'an interface name');
  if (!t) return;
  const n = parsed(ctx, 'bind_if', t, checkIfName(t.text));
  if (n) c.bindIf = n;
}

function retryField(min: number) {
  return (ctx: Ctx, node: ConfNode, c: Draft): void => {
    const t = arg(ctx, node, 0, `${min}-${UINT_MAX}`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, min, UINT_MAX));
    if (v !== undefined) c.retry = v;
  };
}

/** connect_timeout: read_timer(1 us .. UINT_MAX us) */
const connectTimeout = secondsField<Draft>('connectTimeout', 0.000001, UINT_MAX / 1e6);
const delayLoop = secondsField<Draft>('delayLoop', 0.000001, TIMER_MAX);
const anySeconds = (f: string) => secondsField<Draft>(f, 0, TIMER_MAX);

export const CHECKER_CONN_KEYWORDS: KeywordTable<Draft> = [
  { name: 'connect_ip', args: 'ADDR', status: 'implemented', handle: ipField('connectIp') },
  { name: 'connect_port', args: 'PORT', status: 'implemented', handle: uintField('connectPort', 1, 65535) },
  { name: 'bindto', args: 'ADDR', status: 'implemented', handle: ipField('bindto') },
  { name: 'bind_port', args: 'PORT', status: 'implemented', handle: uintField('bindPort', 1, 65535) },
  { name: 'bind_if', args: 'IFNAME', status: 'implemented', handle: bindIf },
  { name: 'connect_timeout', args: 'SECONDS', status: 'implemented', handle: connectTimeout },
  { name: 'fwmark', args: 'MARK', status: 'implemented', handle: uintField('fwmark', 0, UINT_MAX) },
];

export const CHECKER_COMMON_KEYWORDS: KeywordTable<Draft> = [
  { name: 'retry', args: 'N', status: 'implemented', handle: retryField(0) },
  { name: 'delay_before_retry', args: 'SECONDS', status: 'implemented', handle: anySeconds('delayBeforeRetry') },
  { name: 'warmup', args: 'SECONDS', status: 'implemented', handle: anySeconds('warmup') },
  { name: 'delay_loop', args: 'SECONDS', status: 'implemented', handle: delayLoop },
  { name: 'alpha', args: '[true|false]', status: 'implemented', handle: boolField('alpha') },
  { name: 'log_all_failures', args: '[true|false]', status: 'implemented', handle: boolField('logAllFailures') },
];

// ---------------------------------------------------------------------------------------------
// HTTP_GET / SSL_GET (check_http.c)

function digest(ctx: Ctx, node: ConfNode, u: Draft): void {
  const t = arg(ctx, node, 0, '32 hex digits (MD5)');
  if (!t) return;
  if (!/^[0-9a-fA-F]{32}$/.test(t.text)) {
    badValue(ctx, 'digest', t, '32 hex digits (an MD5 sum)');
    return;
  }
  u.digest = t.text.toLowerCase();
}

/** status_code 200 "200-299" 301 ... (check_http.c status_code_handler, HTTP_STATUS_CODE_MIN/MAX 100-599) */
function statusCode(ctx: Ctx, node: ConfNode, u: Draft): void {
  if (node.args.length === 0) {
    err(ctx, Code.MISSING_VALUE, 'status_code has no value; should be codes or ranges 100-599 (e.g. 200-299 301)', node.loc);
    return;
  }
  const list: [number, number][] = u.statusCodesSet ? u.statusCodes : [];
  // keepalived accepts both "200-299 301" and "200-299,301" style since the words may also contain commas
  for (const t of node.args) {
    for (const part of t.text.split(',')) {
      if (part === '') continue;
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || lo < 100 || hi > 599 || lo > 599 || hi < 100 || lo > hi) {
        badValue(ctx, 'status_code', { text: part, loc: t.loc }, 'a code or range within 100-599');
        continue;
      }
      list.push([lo, hi]);
    }
  }
  u.statusCodes = list;
  u.statusCodesSet = true;
}

const REGEX_OPTIONS = ['allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex', 'alt_verbnames', 'use_offset_limit', 'extended_more', 'literal', 'match_invalid_utf'];

export const URL_KEYWORDS: KeywordTable<Draft> = [
  { name: 'path', args: 'PATH', status: 'implemented', handle: restField('path', 'a URL path') },
  { name: 'digest', args: 'MD5HEX', status: 'implemented', handle: digest },
  { name: 'status_code', args: 'CODE|LOW-HIGH ...', status: 'implemented', handle: statusCode },
  { name: 'virtualhost', args: 'HOST', status: 'implemented', handle: restField('virtualhost', 'a host name') },
  { name: 'regex', args: 'PATTERN', status: 'implemented', handle: restField('regex', 'a PCRE2 pattern') },
  { name: 'regex_no_match', args: '', status: 'implemented', handle: flagField('regexNoMatch') },
  {
    name: 'regex_options', args: 'OPTION ...', status: 'implemented',
    handle: (ctx, node, u) => {
      for (const a of node.args) {
        if (REGEX_OPTIONS.includes(a.text)) u.regexOptions.push(a.text);
        else badValue(ctx, 'regex_options', a, `one of ${REGEX_OPTIONS.slice(0, 6).join(', ')}, ...`);
      }
    },
  },
  { name: 'regex_min_offset', args: 'N', status: 'implemented', handle: uintField('regexMinOffset', 0, UINT_MAX) },
  { name: 'regex_max_offset', args: 'N', status: 'implemented', handle: uintField('regexMaxOffset', 0, UINT_MAX) },
  { name: 'regex_stack', args: 'START [MAX]', status: 'implemented', handle: uintField('regexStack', 0, UINT_MAX) },
];

export function newUrl(node: ConfNode): Draft {
  return { loc: node.loc, statusCodes: [[200, 299]], regexNoMatch: false, regexOptions: [] };
}

export function finishUrl(ctx: Ctx, u: Draft): UrlCheck | undefined {
  if (!u.path) {
    err(ctx, Code.MISSING_REQUIRED, 'HTTP/SSL_GET checker url has no path - ignoring', u.loc);
    return undefined;
  }
  // check_http.c url_check(): no status_code means 200-299 (newUrl's default), whatever digest/regex say.
  const out = { ...u };
  delete out.statusCodesSet;
  if (!out.regex && (out.regexOptions.length || out.regexNoMatch || out.regexMinOffset || out.regexMaxOffset || out.regexStack)) {
    // keepalived only logs this (log_message), it is not a configuration error
    info(ctx, 'I_IGNORED', 'regex parameters specified without regex - ignoring them', u.loc);
    out.regexOptions = [];
    out.regexNoMatch = false;
    delete out.regexMinOffset;
    delete out.regexMaxOffset;
    delete out.regexStack;
  }
  if (out.regexMaxOffset !== undefined && (out.regexMinOffset ?? 0) > out.regexMaxOffset) {
    info(ctx, 'I_IGNORED', `regex_min_offset ${out.regexMinOffset} > regex_max_offset ${out.regexMaxOffset} - ignoring both`, u.loc);
    delete out.regexMinOffset;
    delete out.regexMaxOffset;
  }
  return out as UrlCheck;
}

function httpProtocol(ctx: Ctx, node: ConfNode, c: Draft): void {
  const t = arg(ctx, node, 0, '1.0, 1.1 or 1.0C');
  if (!t) return;
  if (t.text === '1.0' || t.text === '1.1') c.httpProtocol = t.text;
  else if (t.text === '1.0C' || t.text === '1.0c') c.httpProtocol = '1.0C';
  else badValue(ctx, 'http_protocol', t, '1.0, 1.1 or 1.0C');
}

export const HTTP_KEYWORDS: KeywordTable<Draft> = [
  {
    name: 'nb_get_retry', args: 'N', status: 'implemented', reportedDeprecated: { nb_get_retry: 'retry' },
    handle: retryField(0),
  },
  { name: 'virtualhost', args: 'HOST', status: 'implemented', handle: restField('virtualhost', 'a host name') },
  { name: 'http_protocol', args: '1.0|1.1|1.0C', status: 'implemented', handle: httpProtocol },
  { name: 'enable_sni', args: '[true|false]', status: 'implemented', handle: boolField('enableSni') },
  { name: 'fast_recovery', args: '[true|false]', status: 'implemented', handle: boolField('fastRecovery') },
  { name: 'url', args: '{ path ...; digest ...; status_code ... }', block: 'keywords', status: 'implemented' },
];

// ---------------------------------------------------------------------------------------------
// MISC_CHECK (check_misc.c)

export const MISC_KEYWORDS: KeywordTable<Draft> = [
  { name: 'misc_path', args: 'SCRIPT [ARGS]', status: 'implemented', handle: (c, n, d) => { d.script = makeScript(c, n, 'single'); } },
  {
    name: 'misc_timeout', args: 'SECONDS', status: 'implemented',
    handle: (ctx, node, d) => {
      const t = arg(ctx, node, 0, `0-${Math.floor(UINT_MAX / 1e6)} seconds`);
      if (!t) return;
      const v = parsed(ctx, 'misc_timeout', t, parseUnsigned(t.text, 0, Math.floor(UINT_MAX / 1e6)));
      if (v !== undefined) d.timeout = v;
    },
  },
  { name: 'misc_dynamic', args: '', status: 'implemented', handle: flagField('dynamic') },
  {
    name: 'user', args: 'USER [GROUP]', status: 'implemented',
    handle: (ctx, node, d) => { const t = arg(ctx, node, 0, 'USERNAME [GROUPNAME]'); if (!t) return; d.user = t.text; if (node.args[1]) d.group = node.args[1].text; },
  },
];

// ---------------------------------------------------------------------------------------------
// SMTP_CHECK, DNS_CHECK, UDP_CHECK, FILE_CHECK, BFD_CHECK

export const SMTP_KEYWORDS: KeywordTable<Draft> = [
  { name: 'helo_name', args: 'NAME', status: 'implemented', handle: restField('heloName', 'a host name') },
  { name: 'host', args: '{ connect_ip ...; connect_port ... }', block: 'keywords', status: 'implemented' },
];

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'];

export const DNS_KEYWORDS: KeywordTable<Draft> = [
  {
    name: 'type', args: 'A|NS|CNAME|SOA|MX|TXT|AAAA|RRSIG|DNSKEY', status: 'implemented',
    handle: (ctx, node, d) => {
      const t = arg(ctx, node, 0, DNS_TYPES.join(', '));
      if (!t) return;
      const u = t.text.toUpperCase();
      if (DNS_TYPES.includes(u)) d.queryType = u;
      else badValue(ctx, 'DNS_CHECK type', t, DNS_TYPES.join(', '));
    },
  },
  {
    name: 'name', args: 'DOMAIN', status: 'implemented',
    handle: (ctx, node, d) => {
      const t = arg(ctx, node, 0, 'a domain name');
      if (!t) return;
      if (d.nameSet) {
        warn(ctx, Code.IGNORED, 'DNS_CHECK name already specified - ignoring', node.loc);
        return;
      }
      const labels = t.text.replace(/\.$/, '').split('.');
      if (t.text !== '.' && labels.some((l) => l === '' || l.length > 63)) {
        badValue(ctx, 'DNS_CHECK name', t, 'a domain name without empty labels');
        return;
      }
      d.name = t.text;
      d.nameSet = true;
    },
  },
];

/**
 * lib/parser.c read_hex_str(): hex digits, two per byte; blanks separate bytes (so "a b" is 0a 0b); for a
 * reply, x/X is a wildcard nibble (mask 0). Returns undefined where keepalived gives 0 bytes (invalid).
 */
export function readHexStr(text: string, wildcard: boolean): { data: string; mask: string } | undefined {
  const hex = (c: string | undefined): number => {
    if (c === undefined) return -1;
    if (/[0-9a-fA-F]/.test(c)) return parseInt(c, 16);
    if (wildcard && (c === 'x' || c === 'X')) return -2;
    return -1;
  };
  let data = '';
  let mask = '';
  let i = 0;
  while (true) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let v = hex(text[i++]);
    if (v === -1) return undefined;
    // mask bits set = must match; a lone nibble is the low nibble of a byte whose high nibble is 0
    let m = v === -2 ? 0xf0 : 0xff;
    if (v === -2) v = 0;
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      let w = hex(text[i++]);
      if (w === -1) return undefined;
      const wm = w === -2 ? 0 : 0xf;
      if (w === -2) w = 0;
      v = (v << 4) | w;
      m = ((m & 0xf) << 4) | wm;
    }
    data += v.toString(16).padStart(2, '0');
    mask += m.toString(16).padStart(2, '0');
  }
  return data ? { data, mask } : undefined;
}

function hexField(field: string, maskField?: string) {
  return (ctx: Ctx, node: ConfNode, d: Draft): void => {
    if (maskField) d.requireReply = true;
    if (node.args.length === 0) {
      if (!maskField) err(ctx, Code.MISSING_VALUE, 'UDP_CHECK payload has no value; should be hex bytes', node.loc);
      return;
    }
    const r = readHexStr(node.args.map((a) => a.text).join(' '), !!maskField);
    if (!r) {
      badValue(ctx, node.keyword, node.args[0]!, maskField ? 'hex bytes (x for any nibble)' : 'hex bytes');
      return;
    }
    d[field] = r.data;
    if (maskField && /[^f]/.test(r.mask)) d[maskField] = r.mask;
  };
}

export const UDP_KEYWORDS: KeywordTable<Draft> = [
  { name: 'payload', args: 'HEX', status: 'implemented', handle: hexField('payload') },
  { name: 'require_reply', args: '[HEX]', status: 'implemented', handle: hexField('replyData', 'replyMask') },
  { name: 'min_reply_length', args: '<0-65535>', status: 'implemented', handle: uintField('minReplyLength', 0, 65535) },
  { name: 'max_reply_length', args: '<0-65535>', status: 'implemented', handle: uintField('maxReplyLength', 0, 65535) },
];

export const FILE_CHECK_KEYWORDS: KeywordTable<Draft> = [
  { name: 'track_file', args: 'NAME', status: 'implemented', handle: stringField('trackFile', 'a track_file name') },
  {
    name: 'weight', args: `<-${IPVS_WEIGHT_MAX}..${IPVS_WEIGHT_MAX}> [reverse]`, status: 'implemented',
    handle: (ctx, node, d) => {
      const t = arg(ctx, node, 0, `-${IPVS_WEIGHT_MAX}-${IPVS_WEIGHT_MAX}`);
      if (!t) return;
      const v = parsed(ctx, 'weight', t, parseInt10(t.text, -IPVS_WEIGHT_MAX, IPVS_WEIGHT_MAX));
      if (v !== undefined) d.weight = v;
      const o = node.args[1];
      if (o) {
        if (o.text === 'reverse') d.weightReverse = true;
        else badValue(ctx, 'weight option', o, 'reverse');
      }
    },
  },
];

export const BFD_CHECK_KEYWORDS: KeywordTable<Draft> = [
  { name: 'name', args: 'BFD', status: 'implemented', handle: stringField('name') },
  { name: 'alpha', args: '[true|false]', status: 'implemented', handle: boolField('alpha') },
];

/** Checker block keyword -> its specific table, whether it takes the connection keywords, and its defaults. */
export const CHECKERS: Record<string, { specific: KeywordTable<Draft>; conn: boolean; common: boolean; status: 'implemented' | 'unsupported'; reason?: string }> = {
  // retry/delay_before_retry defaults per checker: CHECKER_DEFAULTS in ../defaults.ts
  HTTP_GET: { specific: HTTP_KEYWORDS, conn: true, common: true, status: 'implemented' },
  SSL_GET: { specific: HTTP_KEYWORDS, conn: true, common: true, status: 'implemented' },
  TCP_CHECK: { specific: [], conn: true, common: true, status: 'implemented' },
  MISC_CHECK: { specific: MISC_KEYWORDS, conn: false, common: true, status: 'implemented' },
  SMTP_CHECK: { specific: SMTP_KEYWORDS, conn: true, common: true, status: 'implemented' },
  DNS_CHECK: { specific: DNS_KEYWORDS, conn: true, common: true, status: 'implemented' },
  UDP_CHECK: { specific: UDP_KEYWORDS, conn: true, common: true, status: 'implemented' },
  PING_CHECK: { specific: [], conn: true, common: true, status: 'implemented' },
  FILE_CHECK: { specific: FILE_CHECK_KEYWORDS, conn: false, common: false, status: 'implemented' },
  BFD_CHECK: { specific: BFD_CHECK_KEYWORDS, conn: false, common: false, status: 'unsupported', reason: 'BFD is not implemented' },
};

// ---------------------------------------------------------------------------------------------
// real_server (check_parser.c rs_* handlers)

export const REAL_SERVER_KEYWORDS: KeywordTable<Draft> = [
  {
    name: 'weight', args: `<0-${IPVS_WEIGHT_MAX}>`, status: 'implemented',
    handle: uintField('weight', 0, IPVS_WEIGHT_MAX),
  },
  { name: 'lvs_method', args: 'NAT|DR|TUN [type ipip|gue|gre] [port N] [csum|nocsum|remcsum]', status: 'implemented', handle: (c, n, d) => forwarding(c, n, d, 'real') },
  { name: 'uthreshold', args: 'N', status: 'implemented', handle: uintField('uthreshold', 0, UINT_MAX) },
  { name: 'lthreshold', args: 'N', status: 'implemented', handle: uintField('lthreshold', 0, UINT_MAX) },
  { name: 'inhibit_on_failure', args: '[true|false]', status: 'implemented', handle: boolField('inhibitOnFailure') },
  { name: 'notify_up', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyUp') },
  { name: 'notify_down', args: 'SCRIPT', status: 'implemented', handle: scriptField('notifyDown') },
  { name: 'alpha', args: '[true|false]', status: 'implemented', handle: boolField('alpha') },
  { name: 'retry', args: 'N', status: 'implemented', handle: retryField(1) },
  { name: 'delay_before_retry', args: 'SECONDS', status: 'implemented', handle: anySeconds('delayBeforeRetry') },
  { name: 'warmup', args: 'SECONDS', status: 'implemented', handle: anySeconds('warmup') },
  { name: 'connect_timeout', args: 'SECONDS', status: 'implemented', handle: connectTimeout },
  { name: 'delay_loop', args: 'SECONDS', status: 'implemented', handle: delayLoop },
  { name: 'smtp_alert', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlert') },
  { name: 'virtualhost', args: 'HOST', status: 'implemented', handle: restField('virtualhost', 'a host name') },
  unsupported('snmp_name', 'NAME', 'lvskeeper has no SNMP agent'),
];

// ---------------------------------------------------------------------------------------------
// virtual_server (check_parser.c vs_* handlers)

function lbAlgo(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, SCHEDULERS.join(', '));
  if (!t) return;
  if ((SCHEDULERS as readonly string[]).includes(t.text)) vs.lbAlgo = t.text as Scheduler;
  else badValue(ctx, node.keyword, t, `one of ${SCHEDULERS.join(', ')}`);
}

function lbFlag(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const k = node.keyword;
  const map: Record<string, string> = { ops: 'ops', 'flag-1': 'flag1', 'flag-2': 'flag2', 'flag-3': 'flag3' };
  if (map[k]) {
    vs[map[k]!] = true;
    return;
  }
  if (k === 'hashed') {
    // check_parser.c lbflags_handler has no branch for "hashed": it sets nothing, and is reported unless the
    // scheduler is sh or mh (IP_VS_SVC_F_HASHED is a kernel-internal flag)
    if (vs.lbAlgo !== 'sh' && vs.lbAlgo !== 'mh') warn(ctx, Code.CONFLICT, 'hashed only applies to the sh/mh schedulers - ignoring', node.loc);
    return;
  }
  // sh-port/sh-fallback only with sh, mh-* only with mh, and lb_algo must come first (check_parser.c lbflags_handler)
  const sched = k.startsWith('sh-') ? 'sh' : 'mh';
  if (vs.lbAlgo !== sched) {
    warn(ctx, Code.CONFLICT, `${k} only applies to the ${sched} scheduler (set lb_algo ${sched} before it) - ignoring`, node.loc);
    return;
  }
  vs[{ 'sh-port': 'shPort', 'sh-fallback': 'shFallback', 'mh-port': 'mhPort', 'mh-fallback': 'mhFallback' }[k]!] = true;
}

function persistenceTimeout(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = node.args[0];
  if (!t) {
    vs.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
    return;
  }
  const v = parsed(ctx, 'persistence_timeout', t, parseUnsigned(t.text, 1, LVS_MAX_TIMEOUT));
  if (v !== undefined) vs.persistenceTimeout = v;
}

function persistenceGranularity(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, 'an IPv4 netmask or an IPv6 prefix length 1-128');
  if (!t) return;
  const fam = vs.family ?? (t.text.includes('.') ? 4 : 6);
  if (fam === 6) {
    const v = parsed(ctx, 'persistence_granularity', t, parseUnsigned(t.text, 1, 128));
    if (v === undefined) return;
    vs.persistenceGranularity = String(v);
  } else {
    const ip = parseIp(t.text);
    if (!ip.ok || ip.value.family !== 4) {
      badValue(ctx, 'persistence_granularity', t, 'an IPv4 netmask such as 255.255.255.0');
      return;
    }
    vs.persistenceGranularity = t.text;
  }
  if (!vs.persistenceTimeout) vs.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
}

function protocol(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, 'TCP, UDP or SCTP');
  if (!t) return;
  const u = t.text.toUpperCase();
  if (u === 'TCP') vs.protocol = Protocol.TCP;
  else if (u === 'UDP') vs.protocol = Protocol.UDP;
  else if (u === 'SCTP') vs.protocol = Protocol.SCTP;
  else badValue(ctx, 'protocol', t, 'TCP, UDP or SCTP');
}

function ipFamily(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, 'inet or inet6');
  if (!t) return;
  const f = t.text === 'inet' ? 4 : t.text === 'inet6' ? 6 : undefined;
  if (!f) return void badValue(ctx, 'ip_family', t, 'inet or inet6');
  if (vs.family && vs.family !== f) return void warn(ctx, Code.CONFLICT, `ip_family ${t.text} conflicts with the virtual server's address family (ignored)`, t.loc);
  vs.ipFamily = f;
  vs.family = f;
}

function quorum(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, `1-${UINT_MAX}`);
  if (!t) return;
  const v = parsed(ctx, 'quorum', t, parseUnsigned(t.text, 1, UINT_MAX), 'using 1');
  vs.quorum = v ?? 1;
}

function sorryServer(ctx: Ctx, node: ConfNode, vs: Draft): void {
  const t = arg(ctx, node, 0, 'ADDR [PORT]');
  if (!t) return;
  const ip = parsed(ctx, 'sorry_server', t, parseIp(t.text), 'skipped');
  if (!ip) return;
  let port = 0;
  if (node.args[1] && !/^0+$/.test(node.args[1].text)) {
    const p = parsed(ctx, 'sorry_server port', node.args[1], parsePort(node.args[1].text), 'skipped');
    if (p === undefined) return;
    port = p;
  }
  vs.sorryServer = { loc: node.loc, address: ip.addr, family: ip.family, port, inhibit: false };
}

export const VIRTUAL_SERVER_KEYWORDS: KeywordTable<Draft> = [
  { name: 'ip_family', args: 'inet|inet6', status: 'implemented', handle: ipFamily },
  { name: 'retry', args: 'N', status: 'implemented', handle: retryField(1) },
  { name: 'delay_before_retry', args: 'SECONDS', status: 'implemented', handle: anySeconds('delayBeforeRetry') },
  { name: 'warmup', args: 'SECONDS', status: 'implemented', handle: anySeconds('warmup') },
  { name: 'connect_timeout', args: 'SECONDS', status: 'implemented', handle: connectTimeout },
  { name: 'delay_loop', args: 'SECONDS', status: 'implemented', handle: delayLoop },
  { name: 'inhibit_on_failure', args: '', status: 'implemented', handle: flagField('inhibitOnFailure') },
  { name: 'lb_algo', synonyms: ['lvs_sched'], args: SCHEDULERS.join('|'), status: 'implemented', handle: lbAlgo },
  { name: 'hashed', args: '', status: 'implemented', handle: lbFlag },
  { name: 'ops', args: '', status: 'implemented', handle: lbFlag },
  { name: 'flag-1', args: '', status: 'implemented', handle: lbFlag },
  { name: 'flag-2', args: '', status: 'implemented', handle: lbFlag },
  { name: 'flag-3', args: '', status: 'implemented', handle: lbFlag },
  { name: 'sh-port', args: '', status: 'implemented', handle: lbFlag },
  { name: 'sh-fallback', args: '', status: 'implemented', handle: lbFlag },
  { name: 'mh-port', args: '', status: 'implemented', handle: lbFlag },
  { name: 'mh-fallback', args: '', status: 'implemented', handle: lbFlag },
  { name: 'lb_kind', synonyms: ['lvs_method'], args: 'NAT|DR|TUN [type ipip|gue|gre] [port N] [csum|nocsum|remcsum]', status: 'implemented', handle: (c, n, d) => forwarding(c, n, d, 'virtual') },
  { name: 'persistence_engine', args: 'NAME', status: 'implemented', handle: stringField('persistenceEngine') },
  { name: 'persistence_timeout', args: `[1-${LVS_MAX_TIMEOUT}]`, status: 'implemented', handle: persistenceTimeout },
  { name: 'persistence_granularity', args: 'NETMASK|PREFIXLEN', status: 'implemented', handle: persistenceGranularity },
  { name: 'protocol', args: 'TCP|UDP|SCTP', status: 'implemented', handle: protocol },
  { name: 'ha_suspend', args: '', status: 'implemented', handle: flagField('haSuspend') },
  { name: 'smtp_alert', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlert') },
  { name: 'virtualhost', args: 'HOST', status: 'implemented', handle: restField('virtualhost', 'a host name') },
  unsupported('snmp_name', 'NAME', 'lvskeeper has no SNMP agent'),
  { name: 'alpha', args: '', status: 'implemented', handle: flagField('alpha') },
  { name: 'omega', args: '', status: 'implemented', handle: flagField('omega') },
  { name: 'quorum_up', args: 'SCRIPT', status: 'implemented', handle: scriptField('quorumUp') },
  { name: 'quorum_down', args: 'SCRIPT', status: 'implemented', handle: scriptField('quorumDown') },
  { name: 'quorum', args: 'N', status: 'implemented', handle: quorum },
  { name: 'hysteresis', args: 'N', status: 'implemented', handle: uintField('hysteresis', 0, UINT_MAX) },
  { name: 'weight', args: `<1-${IPVS_WEIGHT_MAX}>`, status: 'implemented', handle: uintField('weight', 1, IPVS_WEIGHT_MAX) },
  { name: 'sorry_server', args: 'ADDR [PORT]', status: 'implemented', handle: sorryServer },
  {
    name: 'sorry_server_inhibit', args: '', status: 'implemented',
    handle: (ctx, node, vs) => {
      if (vs.sorryServer) vs.sorryServer.inhibit = true;
      else warn(ctx, Code.IGNORED, 'sorry_server_inhibit used before or without sorry_server - ignoring', node.loc);
    },
  },
  {
    name: 'sorry_server_lvs_method', args: 'NAT|DR|TUN [...]', status: 'implemented',
    handle: (ctx, node, vs) => {
      if (vs.sorryServer) forwarding(ctx, node, vs.sorryServer, 'sorry');
      else warn(ctx, Code.IGNORED, 'sorry_server_lvs_method used without sorry_server - ignoring', node.loc);
    },
  },
  { name: 'real_server', args: 'ADDR [PORT] { ... }', block: 'keywords', status: 'implemented' },
];
