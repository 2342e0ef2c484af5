// lvsadm -R's fast path for the lines ipvsadm -S/-Sn writes (and sites feed back): -A/-E/-D/-a/-e/-d with numeric
// addresses, ports and values, each option a token of its own. A line in that subset becomes a FastLine: the fields
// of the CommandEntry that the full parser (parseOptions + checkEntry, ipvsadm.c parse_options/process_options)
// makes of it, in one flat object (no address buffers, option bits instead of a Set), turned straight into its batch
// operation. Anything else (names, errors, clustered or "--opt=value" options, leftovers, popt's "!#:+", other
// commands) is declined and goes to the full parser, which prints ipvsadm's messages. fast-entry.ts builds the
// CommandEntry of a FastLine; test/unit/lvsadm-fast-restore.test.ts checks entry and operation against the full path.
import type { BatchOp } from '../ipvs/client';
import { AddressFamily, ForwardMethod, TunnelType } from '../ipvs/constants';
import type { ServiceConfig, ServiceKey } from '../ipvs/types';
import type { IpvsFunc } from './errors';
import { FastAddr, mask4, numericService, smallNumber } from './fast-values';
import { PoptArg } from './popt';
import { TABLE, Tag, ch } from './popt-table';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, inetNtop6 } from './resolve';
import { parseSchedFlags, strncpy } from './option-values';
import {
  COMMANDS_V_OPTIONS,
  Cmd,
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
} from './spec';

/** Option bits: Opt 0..31 in one int32 word ("lo"), Opt 32..33 (tun-csum, tun-remcsum) in another ("hi"). */
const bitLo = (o: Opt | -1) => (o >= 0 && o < 32 ? 1 << o : 0);
const bitHi = (o: Opt | -1) => (o >= 32 ? 1 << (o - 32) : 0);

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
  /** the option bit it sets (every option but -6; Opt < 32 in lo, the others in hi), 0 for none */
  lo: number;
  hi: number;
}

/** The fast path's action for a popt table value: the action, the option bit it sets, its parameter. */
const ACTIONS = new Map<number, { act: Act; opt: Opt | -1; param: number }>([
  [ch('t'), { act: Act.SERVICE, opt: Opt.SERVICE, param: IPPROTO_TCP }],
  [ch('u'), { act: Act.SERVICE, opt: Opt.SERVICE, param: IPPROTO_UDP }],
  [Tag.SCTP_SERVICE, { act: Act.SERVICE, opt: Opt.SERVICE, param: IPPROTO_SCTP }],
  [ch('f'), { act: Act.FWMARK, opt: Opt.SERVICE, param: 0 }],
  [ch('6'), { act: Act.IPV6, opt: -1, param: 0 }],
  [ch('s'), { act: Act.SCHEDULER, opt: Opt.SCHEDULER, param: 0 }],
  [ch('p'), { act: Act.PERSISTENT, opt: Opt.PERSISTENT, param: 0 }],
  [ch('M'), { act: Act.NETMASK, opt: Opt.NETMASK, param: 0 }],
  [ch('r'), { act: Act.SERVER, opt: Opt.SERVER, param: 0 }],
  [ch('m'), { act: Act.FORWARD, opt: Opt.FORWARD, param: Fwd.MASQ }],
  [ch('i'), { act: Act.FORWARD, opt: Opt.FORWARD, param: Fwd.TUNNEL }],
  [ch('g'), { act: Act.FORWARD, opt: Opt.FORWARD, param: Fwd.DROUTE }],
  [ch('w'), { act: Act.WEIGHT, opt: Opt.WEIGHT, param: 0 }],
  [ch('x'), { act: Act.UTHRESHOLD, opt: Opt.UTHRESHOLD, param: 0 }],
  [ch('y'), { act: Act.LTHRESHOLD, opt: Opt.LTHRESHOLD, param: 0 }],
  [ch('o'), { act: Act.ONEPACKET, opt: Opt.ONEPACKET, param: 0 }],
  [Tag.PERSISTENCE_ENGINE, { act: Act.PE, opt: Opt.PERSISTENCE_ENGINE, param: 0 }],
  [ch('b'), { act: Act.SCHED_FLAGS, opt: Opt.SCHED_FLAGS, param: 0 }],
  [Tag.TUN_TYPE, { act: Act.TUN_TYPE, opt: Opt.TUN_TYPE, param: 0 }],
  [Tag.TUN_PORT, { act: Act.TUN_PORT, opt: Opt.TUN_PORT, param: 0 }],
  [Tag.TUN_NOCSUM, { act: Act.TUN_NOCSUM, opt: Opt.TUN_NOCSUM, param: 0 }],
  [Tag.TUN_CSUM, { act: Act.TUN_CSUM, opt: Opt.TUN_CSUM, param: 0 }],
  [Tag.TUN_REMCSUM, { act: Act.TUN_REMCSUM, opt: Opt.TUN_REMCSUM, param: 0 }],
]);

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
      const a = ACTIONS.get(o.val);
      if (cmd !== undefined) COMMAND_TOKENS.set(tok, cmd);
      else if (a) OPTION_TOKENS.set(tok, { act: a.act, param: a.param, lo: bitLo(a.opt), hi: bitHi(a.opt), arg: o.argInfo, optional: o.optional === true });
    }
  }
}

/** A compatibility row ('+' compulsory, 'x' illegal, '1' at most one) as option-bit masks. */
interface RowMasks {
  reqLo: number;
  reqHi: number;
  badLo: number;
  badHi: number;
  oneLo: number;
  oneHi: number;
}

function rowMasks(row: string, cols: readonly Opt[]): RowMasks {
  const m: RowMasks = { reqLo: 0, reqHi: 0, badLo: 0, badHi: 0, oneLo: 0, oneHi: 0 };
  for (let j = 0; j < cols.length; j++) {
    const lo = bitLo(cols[j]);
    const hi = bitHi(cols[j]);
    if (row[j] === '+') (m.reqLo |= lo), (m.reqHi |= hi);
    else if (row[j] === 'x') (m.badLo |= lo), (m.badHi |= hi);
    else if (row[j] === '1') (m.oneLo |= lo), (m.oneHi |= hi);
  }
  return m;
}

const ALL_OPTS: readonly Opt[] = COMMANDS_V_OPTIONS[0].split('').map((_, j) => j as Opt);
/** commands_v_options and tunnel_types_v_options as masks (generic_opt_check, tunnel_opt_check). */
const COMMAND_ROWS = COMMANDS_V_OPTIONS.map((row) => rowMasks(row, ALL_OPTS));
const TUNNEL_ROWS = TUNNEL_TYPES_V_OPTIONS.map((row) => rowMasks(row, TUN_OPTS));
const TUNNEL_LO = bitLo(Opt.TUN_TYPE) | bitLo(Opt.TUN_PORT) | bitLo(Opt.TUN_NOCSUM);
const TUNNEL_HI = bitHi(Opt.TUN_CSUM) | bitHi(Opt.TUN_REMCSUM);

const bitCount = (x: number) => {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
};
const rowHolds = (m: RowMasks, lo: number, hi: number) =>
  !((lo & m.badLo) | (hi & m.badHi)) && (lo & m.reqLo) === m.reqLo && (hi & m.reqHi) === m.reqHi && bitCount(lo & m.oneLo) + bitCount(hi & m.oneHi) <= 1;

/** A value token the full parser takes as is: present, not an option, no popt "!#:+" expansion. */
const plainValue = (v: string | undefined): boolean => v !== undefined && v.length > 0 && v.charCodeAt(0) !== 45 /* - */ && v.indexOf('!') < 0;

/** A restore line in the fast subset: the full parser's entry, as the fields its command uses. */
export interface FastLine {
  cmd: Cmd;
  /** option bits (bitLo/bitHi of each Opt given) */
  optsLo: number;
  optsHi: number;
  /** the service (ipvs_service_t: address, port, netmask) */
  svc: FastAddr;
  protocol: number;
  fwmark: number;
  schedName: string;
  flags: number;
  timeout: number;
  peName: string;
  /** the destination (ipvs_dest_t); dest.af is 0 without -r */
  dest: FastAddr;
  fwd: Fwd;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: number;
  tunPort: number;
  tunFlags: number;
}

/**
 * The FastLine of one restore line's tokens (argv without argv[0]) when the line is in the fast subset and valid;
 * undefined otherwise (the full parser decides). POSIXLY_CORRECT changes nothing here: the subset has no leftovers.
 */
export function fastRestoreLine(args: readonly string[]): FastLine | undefined {
  const cmd = COMMAND_TOKENS.get(args[0]);
  if (cmd === undefined) return undefined;
  // newEntry()'s defaults
  const f: FastLine = {
    cmd,
    optsLo: 0,
    optsHi: 0,
    svc: { af: 0, v4: '0.0.0.0', v6: null, port: 0, netmask: 0xffffffff },
    protocol: 0,
    fwmark: 0,
    schedName: '',
    flags: 0,
    timeout: 0,
    peName: '',
    dest: { af: 0, v4: '0.0.0.0', v6: null, port: 0, netmask: 0 },
    fwd: Fwd.DROUTE,
    weight: 1,
    uThreshold: 0,
    lThreshold: 0,
    tunType: 0,
    tunPort: 0,
    tunFlags: 0,
  };
  const svc = f.svc;
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
    // a second one is ipvsadm's "multiple ... options specified" error
    if ((f.optsLo & o.lo) | (f.optsHi & o.hi)) return undefined;
    f.optsLo |= o.lo;
    f.optsHi |= o.hi;
    switch (o.act) {
      case Act.SERVICE:
        f.protocol = o.param;
        if (!numericService(v!, svc)) return undefined;
        break;
      case Act.FWMARK:
        if ((f.fwmark = smallNumber(v!, 1, UINT_MAX)) < 0) return undefined;
        svc.af = AF_INET;
        f.protocol = IPPROTO_TCP;
        break;
      case Act.IPV6:
        if (!f.fwmark) return undefined;
        svc.af = AF_INET6;
        svc.netmask = 128;
        break;
      case Act.SCHEDULER:
        f.schedName = strncpy(v!, 15);
        break;
      case Act.PERSISTENT:
        f.flags |= SVC_F_PERSISTENT;
        if ((f.timeout = v === null ? IPVS_SVC_PERSISTENT_TIMEOUT : smallNumber(v, 1, MAX_TIMEOUT)) < 0) return undefined;
        break;
      case Act.NETMASK:
        if ((svc.netmask = svc.af !== AF_INET6 ? mask4(v!) : smallNumber(v!, 1, 128)) < 0) return undefined;
        break;
      case Act.SERVER: {
        // parse_service() into a copy of the service: without a port, the service's
        const d = f.dest;
        d.af = svc.af;
        d.port = svc.port;
        if (!numericService(v!, d)) return undefined;
        break;
      }
      case Act.FORWARD:
        f.fwd = o.param;
        break;
      case Act.WEIGHT:
        if ((f.weight = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.UTHRESHOLD:
        if ((f.uThreshold = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.LTHRESHOLD:
        if ((f.lThreshold = smallNumber(v!, 0, INT_MAX)) < 0) return undefined;
        break;
      case Act.ONEPACKET:
        f.flags |= SVC_F_ONEPACKET;
        break;
      case Act.PE:
        f.peName = strncpy(v!, 16);
        break;
      case Act.SCHED_FLAGS:
        schedFlagsArg = strncpy(v!, 127);
        break;
      case Act.TUN_TYPE:
        if ((f.tunType = TUN_NAMES.indexOf(v!)) < 0) return undefined;
        break;
      case Act.TUN_PORT:
        if ((f.tunPort = smallNumber(v!, 1, 65535)) < 0) return undefined;
        break;
      case Act.TUN_NOCSUM:
        break;
      case Act.TUN_CSUM:
        f.tunFlags |= TUN_F_CSUM;
        break;
      case Act.TUN_REMCSUM:
        f.tunFlags |= TUN_F_REMCSUM;
        break;
    }
  }
  if (schedFlagsArg !== undefined) {
    // parse_sched_flags() fails by exiting (or crashing): the full parser reports it.
    const b = schedFlagsOrUndefined(f.schedName, schedFlagsArg);
    if (b === undefined) return undefined;
    f.flags = (f.flags & ~(SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3)) | b;
  }
  return checked(f) ? f : undefined;
}

function schedFlagsOrUndefined(sched: string, arg: string): number | undefined {
  try {
    return parseSchedFlags(sched, arg);
  } catch {
    return undefined;
  }
}

/** checkEntry()'s checks and defaults for the fast commands; false where checkEntry would fail. */
function checked(f: FastLine): boolean {
  if (!rowHolds(COMMAND_ROWS[f.cmd - 1], f.optsLo, f.optsHi)) return false;
  if (f.cmd === Cmd.ADD || f.cmd === Cmd.EDIT) {
    if (!f.fwmark && !f.svc.port && !(f.flags & SVC_F_PERSISTENT)) return false;
    if (f.flags & SVC_F_ONEPACKET && !f.fwmark && f.protocol !== IPPROTO_UDP) return false;
    if (f.schedName.length === 0) f.schedName = 'wlc';
  } else if (f.cmd === Cmd.ADDDEST || f.cmd === Cmd.EDITDEST) {
    if (!f.fwmark && (f.fwd === Fwd.TUNNEL || f.fwd === Fwd.DROUTE)) f.dest.port = f.svc.port;
    if (f.dest.af !== f.svc.af && f.fwd !== Fwd.TUNNEL) return false;
    if (f.fwd !== Fwd.TUNNEL && ((f.optsLo & TUNNEL_LO) | (f.optsHi & TUNNEL_HI))) return false;
    if (!rowHolds(TUNNEL_ROWS[f.tunType], f.optsLo, f.optsHi)) return false;
  }
  return true;
}

const addrText = (a: FastAddr) => (a.af === AF_INET6 ? inetNtop6(a.v6!) : a.v4);

/** The service key libipvs sends for the line (main.ts entryServiceKey of its entry). */
function serviceKey(f: FastLine): ServiceKey {
  const family = f.svc.af === AF_INET6 ? AddressFamily.INET6 : AddressFamily.INET;
  if (f.fwmark) return { family, fwmark: f.fwmark };
  return { family, protocol: f.protocol, address: addrText(f.svc), port: f.svc.port };
}

function serviceConfig(f: FastLine): ServiceConfig {
  const c: ServiceConfig = { scheduler: f.schedName, flags: f.flags, timeout: f.timeout, netmask: f.svc.netmask >>> 0 };
  if (f.peName) c.persistenceEngine = f.peName;
  return c;
}

/** The batch operation of a FastLine and the libipvs function whose error texts apply: entryToOp() of its entry. */
export function fastLineOp(f: FastLine): { op: BatchOp; func: IpvsFunc } {
  const service = serviceKey(f);
  switch (f.cmd) {
    case Cmd.ADD:
      return { op: { op: 'addService', service, config: serviceConfig(f) }, func: 'add_service' };
    case Cmd.EDIT:
      return { op: { op: 'updateService', service, config: serviceConfig(f) }, func: 'update_service' };
    case Cmd.DEL:
      return { op: { op: 'deleteService', service }, func: 'del_service' };
    default: {
      const dest = { address: addrText(f.dest), port: f.dest.port };
      if (f.cmd === Cmd.DELDEST) return { op: { op: 'deleteDestination', service, dest }, func: 'del_dest' };
      const config = {
        forward: f.fwd as number as ForwardMethod,
        weight: f.weight,
        upperThreshold: f.uThreshold,
        lowerThreshold: f.lThreshold,
        tunnelType: f.tunType as TunnelType,
        tunnelPort: f.tunPort,
        tunnelFlags: f.tunFlags,
      };
      if (f.cmd === Cmd.ADDDEST) return { op: { op: 'addDestination', service, dest, config }, func: 'add_dest' };
      return { op: { op: 'updateDestination', service, dest, config }, func: 'update_dest' };
    }
  }
}
