// Address, route and rule lines of VRRP blocks: virtual_ipaddress / _excluded / static_ipaddress, virtual_routes /
// static_routes, virtual_rules / static_rules (keepalived/vrrp/vrrp_ipaddress.c alloc_ipaddress, vrrp_iproute.c,
// vrrp_iprule.c, v2.2.7).
import type { ConfNode, Token } from '../types';
import type { VipAddress, VirtualRoute, VirtualRule } from '../model';
import { Code, type Ctx, badValue, err, parsed, warn } from './table';
import { INT_MAX, UINT_MAX, checkIfName, isIPv4, parseIp, parsePrefix, parseUnsigned } from '../values';

export const VMAC = 'VMAC/ipvlan interfaces are not implemented';

export /** An option word keepalived knows and lvskeeper does not implement (reported like an unsupported keyword). */
function optionUnsupported(ctx: Ctx, w: Token, reason: string): void {
  ctx.unsupported.push({ keyword: w.text, loc: w.loc });
  warn(ctx, Code.UNSUPPORTED, `'${w.text}' is a keepalived option that lvskeeper does not implement yet (${reason}); ignored`, w.loc);
}

const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'];

/** One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress. */
export function parseVipLine(ctx: Ctx, node: ConfNode, isStatic: boolean): VipAddress | undefined {
  const words: Token[] = [{ text: node.keyword, loc: node.loc }, ...node.args];
  const first = words[0]!;
  const p = parsePrefix(first.text);
  if (!p.ok) {
    badValue(ctx, 'ip address', first, p.why, 'address skipped');
    return undefined;
  }
  const vip: VipAddress = { loc: node.loc, address: p.value.addr, family: p.value.family, prefixLen: p.value.prefixLen };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    const need = (): Token | undefined => {
      if (!v) err(ctx, Code.MISSING_VALUE, `ip address option ${w.text} has no value (address ${first.text} skipped)`, w.loc);
      else i++;
      return v;
    };
    switch (w.text) {
      case 'dev': {
        const t = need();
        if (!t) return undefined;
        if (vip.dev) {
          err(ctx, Code.DUPLICATE, `Cannot specify ipaddress device more than once for ${first.text}`, t.loc);
          return undefined;
        }
        const n = parsed(ctx, 'dev', t, checkIfName(t.text), 'address skipped');
        if (n === undefined) return undefined;
        vip.dev = n;
        break;
      }
      case 'scope': {
        const t = need();
        if (!t) return undefined;
        if (SCOPES.includes(t.text) || /^\d+$/.test(t.text)) vip.scope = t.text;
        else badValue(ctx, 'scope', t, SCOPES.join(', '));
        break;
      }
      case 'broadcast':
      case 'brd': {
        const t = need();
        if (!t) return undefined;
        if (vip.family === 6) {
          badValue(ctx, 'broadcast', t, 'absent for an IPv6 address', 'address skipped');
          return undefined;
        }
        if (t.text !== '-' && t.text !== '+' && !isIPv4(t.text)) {
          badValue(ctx, 'broadcast', t, 'an IPv4 address, + or -', 'address skipped');
          return undefined;
        }
        vip.broadcast = t.text;
        break;
      }
      case 'label': {
        const t = need();
        if (!t) return undefined;
        if (t.text.length >= 16) {
          badValue(ctx, 'label', t, 'at most 15 characters', 'address skipped');
          return undefined;
        }
        vip.label = t.text;
        break;
      }
      case 'peer': {
        const t = need();
        if (!t) return undefined;
        const pp = parsePrefix(t.text);
        if (!pp.ok || pp.value.family !== vip.family) badValue(ctx, 'peer', t, `an IPv${vip.family} address`);
        else vip.peer = t.text;
        break;
      }
      case 'home': vip.home = true; break;
      case '-nodad': vip.noDad = true; break;
      case 'mngtmpaddr': vip.mngTmpAddr = true; break;
      case 'noprefixroute': vip.noPrefixRoute = true; break;
      case 'autojoin': vip.autoJoin = true; break;
      case 'no_track': vip.noTrack = true; break;
      case 'preferred_lft': {
        const t = need();
        if (!t) return undefined;
        if (t.text === 'forever') vip.preferredLft = 'forever';
        else {
          const n = parsed(ctx, 'preferred_lft', t, parseUnsigned(t.text, 0, UINT_MAX));
          if (n !== undefined) vip.preferredLft = n;
        }
        break;
      }
      case 'track_group':
        if (!isStatic) {
          badValue(ctx, 'ip address option', w, 'one of dev, scope, brd, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft, use_vmac');
          break;
        }
        if (need()) {
          vip.trackGroup = v!.text;
          optionUnsupported(ctx, w, 'static address track groups are not implemented');
        }
        break;
      case 'use_vmac':
        if (isStatic) badValue(ctx, 'ip address option', w, 'a static address option');
        else {
          vip.useVmac = true;
          optionUnsupported(ctx, w, VMAC);
        }
        break;
      default:
        badValue(ctx, 'ip address option', w, 'one of dev, scope, brd, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft, use_vmac');
    }
  }
  if (vip.family === 6) {
    if (vip.scope) {
      warn(ctx, Code.IGNORED, `Cannot specify scope for IPv6 addresses (${first.text}) - ignoring scope`, node.loc);
      delete vip.scope;
    }
    if (vip.label) {
      warn(ctx, Code.IGNORED, `Cannot specify label for IPv6 addresses (${first.text}) - ignoring label`, node.loc);
      delete vip.label;
    }
  }
  return vip;
}

const ROUTE_TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat'];
/** route options that take one value */
const ROUTE_VALUE_OPTS = new Set([
  'to', 'src', 'via', 'gw', 'dev', 'oif', 'table', 'metric', 'priority', 'preference', 'scope', 'protocol', 'tos', 'dsfield',
  'realms', 'mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'initcwnd', 'initrwnd',
  'features', 'quickack', 'congctl', 'rto_min', 'hoplimit', 'expires', 'pref', 'fastopen_no_cookie', 'ttl-propagate',
  'track_group', 'vrf', 'as', 'lock', 'encap',
]);

/**
 * One line of virtual_routes / static_routes (vrrp_iproute.c alloc_route): options may come in any order; the
 * one bare word (or the word after `to`) is the destination. `gw` and `or` are accepted with keepalived's
 * deprecation warnings.
 */
export function parseRouteLine(ctx: Ctx, node: ConfNode, tracked: boolean): VirtualRoute | undefined {
  const words: Token[] = [{ text: node.keyword, loc: node.loc }, ...node.args];
  const r: VirtualRoute = { loc: node.loc, dest: '', options: [] };
  let i = 0;
  if (words[0]!.text === 'inet' || words[0]!.text === 'inet6') {
    r.family = words[0]!.text === 'inet' ? 4 : 6;
    i++;
  }
  const setDest = (t: Token): boolean => {
    if (r.dest) {
      badValue(ctx, 'route', t, 'a single destination (trailing nonsense)', 'route skipped');
      return false;
    }
    if (['default', 'any', 'all', 'default6'].includes(t.text)) {
      r.dest = 'default';
      if (t.text === 'default6') r.family = 6;
      return true;
    }
    const p = parsePrefix(t.text);
    if (!p.ok) {
      badValue(ctx, 'route destination', t, 'ADDR[/PREFIX] or default', 'route skipped');
      return false;
    }
    if (r.family && r.family !== p.value.family) {
      badValue(ctx, 'route destination', t, `an IPv${r.family} prefix`, 'route skipped');
      return false;
    }
    r.family = p.value.family;
    r.dest = t.text;
    return true;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    if (ROUTE_TYPES.includes(w.text) && !r.type && !r.dest) {
      r.type = w.text;
      continue;
    }
    if (w.text === 'onlink') { r.onlink = true; continue; }
    if (w.text === 'no_track') { r.noTrack = true; continue; }
    if (w.text === 'nexthop') {
      // nexthop via ADDR [dev IF] [weight N] ... : kept verbatim for the route programmer
      r.options.push(...words.slice(i).map((x) => x.text));
      break;
    }
    if (w.text === 'or') {
      warn(ctx, Code.DEPRECATED, '"or" for routes is deprecated; use "nexthop"', w.loc);
      if (!v) return void err(ctx, Code.MISSING_VALUE, 'route "or" has no gateway (route skipped)', w.loc);
      const ip = parseIp(v.text);
      if (!ip.ok) return void badValue(ctx, 'route gateway', v, 'an IP address', 'route skipped');
      r.options.push('or', v.text);
      i++;
      continue;
    }
    if (!ROUTE_VALUE_OPTS.has(w.text)) {
      if (!setDest(w)) return undefined;
      continue;
    }
    if (!v) return void err(ctx, Code.MISSING_VALUE, `route option ${w.text} has no value (route skipped)`, w.loc);
    i++;
    switch (w.text) {
      case 'to':
        if (!setDest(v)) return undefined;
        break;
      case 'gw':
      case 'src':
      case 'via': {
        if (w.text === 'gw') warn(ctx, Code.DEPRECATED, '"gw" for routes is deprecated; use "via"', w.loc);
        let addr = v;
        if ((v.text === 'inet' || v.text === 'inet6') && w.text === 'via' && words[i + 1]) addr = words[++i]!;
        const ip = parseIp(addr.text);
        if (!ip.ok) return void badValue(ctx, `route ${w.text}`, addr, 'an IP address', 'route skipped');
        if (w.text === 'src') r.src = addr.text;
        else r.via = addr.text;
        break;
      }
      case 'dev':
      case 'oif':
        r.dev = v.text;
        break;
      case 'table': r.table = v.text; break;
      case 'metric':
      case 'priority':
      case 'preference': {
        const n = parsed(ctx, `route ${w.text}`, v, parseUnsigned(v.text, 0, UINT_MAX), 'route skipped');
        if (n === undefined) return undefined;
        r.metric = n;
        break;
      }
      case 'scope': r.scope = v.text; break;
      case 'protocol': r.protocol = v.text; break;
      default:
        r.options.push(w.text, v.text);
        if (w.text === 'lock' && words[i + 1]) r.options.push(words[++i]!.text);
    }
  }
  if (!r.dest) {
    err(ctx, Code.MISSING_VALUE, 'route must have a destination; should be ADDR[/PREFIX] or default (route skipped)', node.loc);
    return undefined;
  }
  if (tracked && !r.noTrack && !r.dev) {
    // vrrp_iproute.c: "Warning - cannot track route %s with no interface specified, not tracking"
    warn(ctx, Code.DEFAULTED, `cannot track route ${r.dest} with no interface specified; not tracking it (add dev IF or no_track)`, node.loc);
    r.noTrack = true;
  }
  return r;
}

const RULE_VALUE_OPTS = new Set([
  'from', 'to', 'table', 'lookup', 'priority', 'preference', 'order', 'iif', 'dev', 'oif', 'fwmark', 'tos', 'dsfield',
  'realms', 'goto', 'suppress_prefixlength', 'sup_pl', 'suppress_ifgroup', 'sup_group', 'tunnel-id', 'uidrange',
  'protocol', 'ipproto', 'sport', 'dport', 'type', 'track_group',
]);
const RULE_FLAG_OPTS = new Set(['not', 'no_track', 'l3mdev', 'nop', 'inet', 'inet6']);

/** One line of virtual_rules / static_rules. */
export function parseRuleLine(ctx: Ctx, node: ConfNode): VirtualRule | undefined {
  const words: Token[] = [{ text: node.keyword, loc: node.loc }, ...node.args];
  const r: VirtualRule = { loc: node.loc, options: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (RULE_FLAG_OPTS.has(w.text)) {
      if (w.text === 'not') r.not = true;
      else if (w.text === 'no_track') r.noTrack = true;
      else if (w.text === 'inet') r.family = 4;
      else if (w.text === 'inet6') r.family = 6;
      else r.options.push(w.text);
      continue;
    }
    if (!RULE_VALUE_OPTS.has(w.text)) {
      badValue(ctx, 'rule option', w, 'an ip-rule option (from, to, table, priority, iif, oif, fwmark, tos, not, no_track, ...)', 'rule skipped');
      return undefined;
    }
    const v = words[i + 1];
    if (!v) {
      err(ctx, Code.MISSING_VALUE, `rule option ${w.text} has no value (rule skipped)`, w.loc);
      return undefined;
    }
    i++;
    switch (w.text) {
      case 'from':
      case 'to': {
        if (v.text === 'all') {
          r[w.text] = 'all';
          break;
        }
        const p = parsePrefix(v.text);
        if (!p.ok) {
          badValue(ctx, `rule ${w.text}`, v, 'ADDR[/PREFIX] or all', 'rule skipped');
          return undefined;
        }
        if (r.family && r.family !== p.value.family) {
          badValue(ctx, `rule ${w.text}`, v, `an IPv${r.family} prefix`, 'rule skipped');
          return undefined;
        }
        r.family = p.value.family;
        r[w.text] = v.text;
        break;
      }
      case 'table':
      case 'lookup': r.table = v.text; break;
      case 'priority':
      case 'preference':
      case 'order': {
        const n = parsed(ctx, `rule ${w.text}`, v, parseUnsigned(v.text, 0, UINT_MAX), 'rule skipped');
        if (n === undefined) return undefined;
        r.priority = n;
        break;
      }
      case 'iif':
      case 'dev': r.iif = v.text; break;
      case 'oif': r.oif = v.text; break;
      case 'fwmark': r.fwmark = v.text; break;
      case 'tos':
      case 'dsfield': r.tos = v.text; break;
      default: r.options.push(w.text, v.text);
    }
  }
  if (!r.from && !r.to && !r.table && !r.iif && !r.oif && !r.fwmark && r.options.length === 0) {
    err(ctx, Code.MISSING_VALUE, 'rule has no selector or action; should be e.g. "from ADDR table N"', node.loc);
    return undefined;
  }
  if (r.priority === undefined) {
    // vrrp_iprule.c: "Rule has no preference specified - setting to %u. This is probably not what you want."
    const fam = r.family ?? 4;
    ctx.rulePrio = ctx.rulePrio ?? { 4: 16384, 6: 16384 };
    r.priority = ctx.rulePrio[fam]--;
    warn(ctx, Code.DEFAULTED, `rule has no preference specified; setting it to ${r.priority} (this is probably not what you want)`, node.loc);
  }
  return r;
}
