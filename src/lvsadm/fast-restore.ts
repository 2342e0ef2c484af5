// lvsadm -R's fast path for the lines ipvsadm -S/-Sn writes (and sites feed back): -A/-E/-D/-a/-e/-d with numeric
// addresses, ports and values, each option a token of its own. It yields exactly the CommandEntry that the full
// parser (parseOptions + checkEntry, ipvsadm.c parse_options/process_options) makes of the line, or undefined for
// anything else: names, errors, clustered or "--opt=value" options, leftovers, popt's "!#:+", other commands. The
// caller then runs the full parser, which prints ipvsadm's messages. test/unit/lvsadm-fast-restore.test.ts checks
// the equivalence on generated lines.
import { PoptArg } from './popt';
import { TABLE, Tag, ch } from './popt-table';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, inetPton6 } from './resolve';
import { parseSchedFlags, strncpy } from './option-values';
import {
  COMMANDS_V_OPTIONS,
  Cmd,
  CommandEntry,
  Fwd,
  INT_MAX,
  IPVS_SVC_PERSISTENT_TIMEOUT,
  MAX_TIMEOUT,
  Opt,
  SVC_F_ONEPACKET,
  SVC_F_PERSISTENT,
  SVC_F_SCHED1,
  SVC_F_SCHED2,
  SVC_F_SCHED3,
  TUNNEL_TYPES_V_OPTIONS,
  TUN_F_CSUM,
  TUN_F_REMCSUM,
  TUN_NAMES,
  TUN_OPTS,
  UINT_MAX,
  newEntry,
} from './spec';

/** What an option token does in the fast path (a dense const enum: the interpreter dispatches on it by table). */
const enum Act {
  SERVICE,
  FWMARK,
  IPV6,
  SCHEDULER,
  PERSISTENT,
  NETMASK,
  SERVER,
  FORWARD,
  WEIGHT,
  UTHRESHOLD,
  LTHRESHOLD,
  ONEPACKET,
  PE,
  SCHED_FLAGS,
  TUN_TYPE,
  TUN_PORT,
  TUN_NOCSUM,
  TUN_CSUM,
  TUN_REMCSUM,
}

/** A token the fast path takes after the command: its action, its popt argument kind and the action's parameter
 *  (the protocol of a service option, the method of a forwarding option). */
interface TokenAction {
  act: Act;
  arg: PoptArg;
  optional: boolean;
  param: number;
}

/** The fast path's action for a popt table value, if it has one. */
function actionOf(val: number): { act: Act; param?: number } | undefined {
  const byVal: Array<[number, Act, number?]> = [
    [ch('t'), Act.SERVICE, IPPROTO_TCP],
    [ch('u'), Act.SERVICE, IPPROTO_UDP],
    [Tag.SCTP_SERVICE, Act.SERVICE, IPPROTO_SCTP],
    [ch('f'), Act.FWMARK],
    [ch('6'), Act.IPV6],
    [ch('s'), Act.SCHEDULER],
    [ch('p'), Act.PERSISTENT],
    [ch('M'), Act.NETMASK],
    [ch('r'), Act.SERVER],
    [ch('m'), Act.FORWARD, Fwd.MASQ],
    [ch('i'), Act.FORWARD, Fwd.TUNNEL],
    [ch('g'), Act.FORWARD, Fwd.DROUTE],
    [ch('w'), Act.WEIGHT],
    [ch('x'), Act.UTHRESHOLD],
    [ch('y'), Act.LTHRESHOLD],
    [ch('o'), Act.ONEPACKET],
    [Tag.PERSISTENCE_ENGINE, Act.PE],
    [ch('b'), Act.SCHED_FLAGS],
    [Tag.TUN_TYPE, Act.TUN_TYPE],
    [Tag.TUN_PORT, Act.TUN_PORT],
    [Tag.TUN_NOCSUM, Act.TUN_NOCSUM],
    [Tag.TUN_CSUM, Act.TUN_CSUM],
    [Tag.TUN_REMCSUM, Act.TUN_REMCSUM],
  ];
  const hit = byVal.find(([v]) => v === val);
  return hit && { act: hit[1], param: hit[2] };
}

/** The commands the fast path takes (ipvsadm -S writes -A and -a). */
const COMMAND_VALS = new Map<number, Cmd>([
  [ch('A'), Cmd.ADD],
  [ch('E'), Cmd.EDIT],
  [ch('D'), Cmd.DEL],
  [ch('a'), Cmd.ADDDEST],
  [ch('e'), Cmd.EDITDEST],
  [ch('d'), Cmd.DELDEST],
]);

/** Whole tokens naming a popt option, "-x" and "--long" (the first table entry with a name wins, as in popt):
 *  the commands, and the options with a fast action. Any other token sends the line to the full parser. */
const COMMAND_TOKENS = new Map<string, Cmd>();
const OPTION_TOKENS = new Map<string, TokenAction>();
{
  const seen = new Set<string>();
  for (const o of TABLE) {
    const names = [o.shortName !== undefined ? `-${o.shortName}` : undefined, o.longName !== undefined ? `--${o.longName}` : undefined];
    for (const tok of names) {
      if (tok === undefined || seen.has(tok)) continue;
      seen.add(tok);
      const cmd = COMMAND_VALS.get(o.val);
      const a = actionOf(o.val);
      if (cmd !== undefined) COMMAND_TOKENS.set(tok, cmd);
      else if (a) OPTION_TOKENS.set(tok, { act: a.act, arg: o.argInfo, optional: o.optional === true, param: a.param ?? 0 });
    }
  }
}

/** The compulsory ('+') options of each command's row of commands_v_options. */
const REQUIRED: readonly Opt[][] = COMMANDS_V_OPTIONS.map((row) => {
  const out: Opt[] = [];
  for (let j = 0; j < row.length; j++) if (row[j] === '+') out.push(j as Opt);
  return out;
});

const C0 = 48;
const C9 = 57;

/**
 * A decimal number of 1 to 10 digits (leading zeros allowed) within [min, max] (max at most UINT_MAX), or -1: the
 * values that ipvsadm's string_to_number and parse_fwmark (strtol) read as plain digits, and atoi for max < 2^31.
 * Anything else (signs, spaces, hex, overflow) goes to the full parser.
 */
function smallNumber(s: string, min: number, max: number): number {
  const n = s.length;
  if (n === 0 || n > 10) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < C0 || c > C9) return -1;
    v = v * 10 + (c - C0);
  }
  return v >= min && v <= max ? v : -1;
}

/**
 * Dotted decimal IPv4 (four parts 0..255 without leading zeros: inet_aton reads those as plain decimal) from
 * `start`, written to `out` and zeroing its bytes 4..15; the index after it, or -1.
 */
function dotted4(s: string, start: number, out: Buffer): number {
  let i = start;
  const n = s.length;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < C0 || c > C9) break;
      v = v * 10 + (c - C0);
      i++;
      if (i - first > 3) return -1;
    }
    if (i === first || v > 255 || (i - first > 1 && s.charCodeAt(first) === C0)) return -1;
    out[k] = v;
  }
  for (let k = 4; k < 16; k++) out[k] = 0;
  return i;
}

/** An IPv4 mask in dotted decimal as ipvsadm keeps it (-M), or -1. */
function mask4(s: string): number {
  const b = MASK_SCRATCH;
  if (dotted4(s, 0, b) !== s.length) return -1;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
const MASK_SCRATCH = Buffer.alloc(16);

/** What parse_service() sets, for a fast address. */
interface AddrTarget {
  af: number;
  addr: Buffer;
  port: number;
  netmask: number;
}

/**
 * parse_service() restricted to numeric forms: "a.b.c.d", "a.b.c.d:port", "[v6]:port", bare "v6". Fills `t`
 * (port only when present; IPv6 sets netmask 128) and returns true, or false for anything else (names, service
 * names, ports over 65535, inet_aton's octal/hex/short forms, bad text) with `t` possibly half written.
 */
function numericService(s: string, t: AddrTarget): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']', 1);
    if (close < 0 || s.charCodeAt(close + 1) !== 58 /* : */) return false;
    const a6 = inetPton6(s.slice(1, close));
    if (!a6) return false;
    const port = smallNumber(s.slice(close + 2), 0, 65535);
    if (port < 0) return false;
    a6.copy(t.addr, 0);
    t.af = AF_INET6;
    t.netmask = 128;
    t.port = port;
    return true;
  }
  const end = dotted4(s, 0, t.addr);
  if (end === n) {
    t.af = AF_INET;
    return true;
  }
  if (end > 0 && s.charCodeAt(end) === 58 /* : */) {
    // (an IPv4 text with a port is never an IPv6 address: inet_pton6 fails at its first '.')
    const port = smallNumber(s.slice(end + 1), 0, 65535);
    if (port < 0) return false;
    t.af = AF_INET;
    t.port = port;
    return true;
  }
  if (s.indexOf('.') >= 0 && s.indexOf(':') < 0) return false;
  const a6 = inetPton6(s);
  if (!a6) return false;
  a6.copy(t.addr, 0);
  t.af = AF_INET6;
  t.netmask = 128;
  return true;
}

/** A value token the full parser takes as is: present, not an option, no popt "!#:+" expansion. */
const plainValue = (v: string | undefined): boolean => v !== undefined && v.length > 0 && v.charCodeAt(0) !== 45 /* - */ && v.indexOf('!') < 0;

/**
 * The CommandEntry of one restore line's tokens (argv without argv[0]) when the line is in the fast path's
 * canonical subset and valid; undefined otherwise (the full parser decides). POSIXLY_CORRECT changes nothing
 * here: the subset has no leftover arguments.
 */
export function fastRestoreEntry(args: readonly string[]): CommandEntry | undefined {
  const cmd = COMMAND_TOKENS.get(args[0]);
  if (cmd === undefined) return undefined;
  const e = newEntry();
  e.cmd = cmd;
  const svc = e.svc;
  const dest = e.dest;
  const opts = e.options;
  let schedFlagsArg: string | undefined;
  const n = args.length;
  for (let i = 1; i < n; i++) {
    const o = OPTION_TOKENS.get(args[i]);
    if (o === undefined) return undefined;
    let v: string | null = null;
    if (o.arg === PoptArg.STRING) {
      const next = args[i + 1];
      if (plainValue(next)) {
        v = next!;
        i++;
      } else if (!o.optional || (next !== undefined && next.charCodeAt(0) !== 45)) return undefined;
    }
    // (every option but -6 sets its option bit, and a second one is ipvsadm's "multiple ... options" error)
    switch (o.act) {
      case Act.SERVICE:
        if (opts.has(Opt.SERVICE)) return undefined;
        opts.add(Opt.SERVICE);
        svc.protocol = o.param;
        if (!numericService(v!, svc)) return undefined;
        break;
      case Act.FWMARK: {
        if (opts.has(Opt.SERVICE)) return undefined;
        opts.add(Opt.SERVICE);
        const m = smallNumber(v!, 1, UINT_MAX);
        if (m < 0) return undefined;
        svc.af = AF_INET;
        svc.protocol = IPPROTO_TCP;
        svc.fwmark = m;
        break;
      }
      case Act.IPV6:
        if (!svc.fwmark) return undefined;
        svc.af = AF_INET6;
        svc.netmask = 128;
        break;
      case Act.SCHEDULER:
        if (opts.has(Opt.SCHEDULER)) return undefined;
        opts.add(Opt.SCHEDULER);
        svc.schedName = strncpy(v!, 15);
        break;
      case Act.PERSISTENT:
        if (opts.has(Opt.PERSISTENT)) return undefined;
        opts.add(Opt.PERSISTENT);
        svc.flags |= SVC_F_PERSISTENT;
        svc.timeout = v === null ? IPVS_SVC_PERSISTENT_TIMEOUT : smallNumber(v, 1, MAX_TIMEOUT);
        if (svc.timeout < 0) return undefined;
        break;
      case Act.NETMASK: {
        if (opts.has(Opt.NETMASK)) return undefined;
        opts.add(Opt.NETMASK);
        const m = svc.af !== AF_INET6 ? mask4(v!) : smallNumber(v!, 1, 128);
        if (m < 0) return undefined;
        svc.netmask = m;
        break;
      }
      case Act.SERVER: {
        if (opts.has(Opt.SERVER)) return undefined;
        opts.add(Opt.SERVER);
        const t: AddrTarget = { af: svc.af, addr: dest.addr, port: svc.port, netmask: 0 };
        if (!numericService(v!, t)) return undefined;
        dest.af = t.af;
        dest.port = t.port;
        break;
      }
      case Act.FORWARD:
        if (opts.has(Opt.FORWARD)) return undefined;
        opts.add(Opt.FORWARD);
        dest.fwd = o.param;
        break;
      case Act.WEIGHT:
        if (opts.has(Opt.WEIGHT)) return undefined;
        opts.add(Opt.WEIGHT);
        if ((dest.weight = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.UTHRESHOLD:
        if (opts.has(Opt.UTHRESHOLD)) return undefined;
        opts.add(Opt.UTHRESHOLD);
        if ((dest.uThreshold = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.LTHRESHOLD:
        if (opts.has(Opt.LTHRESHOLD)) return undefined;
        opts.add(Opt.LTHRESHOLD);
        if ((dest.lThreshold = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.ONEPACKET:
        if (opts.has(Opt.ONEPACKET)) return undefined;
        opts.add(Opt.ONEPACKET);
        svc.flags |= SVC_F_ONEPACKET;
        break;
      case Act.PE:
        if (opts.has(Opt.PERSISTENCE_ENGINE)) return undefined;
        opts.add(Opt.PERSISTENCE_ENGINE);
        svc.peName = strncpy(v!, 16);
        break;
      case Act.SCHED_FLAGS:
        if (opts.has(Opt.SCHED_FLAGS)) return undefined;
        opts.add(Opt.SCHED_FLAGS);
        schedFlagsArg = strncpy(v!, 127);
        break;
      case Act.TUN_TYPE: {
        if (opts.has(Opt.TUN_TYPE)) return undefined;
        opts.add(Opt.TUN_TYPE);
        const p = TUN_NAMES.indexOf(v!);
        if (p < 0) return undefined;
        dest.tunType = p;
        break;
      }
      case Act.TUN_PORT:
        if (opts.has(Opt.TUN_PORT)) return undefined;
        opts.add(Opt.TUN_PORT);
        if ((dest.tunPort = smallNumber(v!, 1, 65535)) < 0) return undefined;
        break;
      case Act.TUN_NOCSUM:
        if (opts.has(Opt.TUN_NOCSUM)) return undefined;
        opts.add(Opt.TUN_NOCSUM);
        break;
      case Act.TUN_CSUM:
        if (opts.has(Opt.TUN_CSUM)) return undefined;
        opts.add(Opt.TUN_CSUM);
        dest.tunFlags |= TUN_F_CSUM;
        break;
      case Act.TUN_REMCSUM:
        if (opts.has(Opt.TUN_REMCSUM)) return undefined;
        opts.add(Opt.TUN_REMCSUM);
        dest.tunFlags |= TUN_F_REMCSUM;
        break;
    }
  }
  if (schedFlagsArg !== undefined) {
    // parse_sched_flags() fails by exiting (or crashing): the full parser reports it.
    const f = schedFlagsOrUndefined(svc.schedName, schedFlagsArg);
    if (f === undefined) return undefined;
    svc.flags = (svc.flags & ~(SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3)) | f;
  }
  return checked(e) ? e : undefined;
}

function schedFlagsOrUndefined(sched: string, arg: string): number | undefined {
  try {
    return parseSchedFlags(sched, arg);
  } catch {
    return undefined;
  }
}

/** A compatibility row ('+' compulsory, 'x' illegal, '1' at most one) holds for the options in `cols`. */
function rowHolds(row: string, cols: readonly Opt[], options: Set<Opt>): boolean {
  let ones = 0;
  for (let j = 0; j < cols.length; j++) {
    const r = row.charCodeAt(j);
    if (!options.has(cols[j])) {
      if (r === 43 /* + */) return false;
    } else if (r === 120 /* x */ || (r === 49 /* 1 */ && ++ones > 1)) return false;
  }
  return true;
}

/** checkEntry()'s checks and defaults for the fast commands; false where checkEntry would fail. */
function checked(e: CommandEntry): boolean {
  const row = COMMANDS_V_OPTIONS[e.cmd - 1];
  let ones = 0;
  for (const o of e.options) {
    const r = row.charCodeAt(o);
    if (r === 120 /* x */ || (r === 49 /* 1 */ && ++ones > 1)) return false;
  }
  for (const o of REQUIRED[e.cmd - 1]) if (!e.options.has(o)) return false;
  const svc = e.svc;
  const dest = e.dest;
  if (e.cmd === Cmd.ADD || e.cmd === Cmd.EDIT) {
    if (!svc.fwmark && !svc.port && !(svc.flags & SVC_F_PERSISTENT)) return false;
    if (svc.flags & SVC_F_ONEPACKET && !svc.fwmark && svc.protocol !== IPPROTO_UDP) return false;
    if (svc.schedName.length === 0) svc.schedName = 'wlc';
  } else if (e.cmd === Cmd.ADDDEST || e.cmd === Cmd.EDITDEST) {
    if (!svc.fwmark && (dest.fwd === Fwd.TUNNEL || dest.fwd === Fwd.DROUTE)) dest.port = svc.port;
    if (dest.af !== svc.af && dest.fwd !== Fwd.TUNNEL) return false;
    const o = e.options;
    if (dest.fwd !== Fwd.TUNNEL && (o.has(Opt.TUN_TYPE) || o.has(Opt.TUN_PORT) || o.has(Opt.TUN_NOCSUM) || o.has(Opt.TUN_CSUM) || o.has(Opt.TUN_REMCSUM))) return false;
    if (!rowHolds(TUNNEL_TYPES_V_OPTIONS[dest.tunType], TUN_OPTS, o)) return false;
  }
  return true;
}
