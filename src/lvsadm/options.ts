// ipvsadm 1.31's command line: parse_options() and the checks of process_options() (ipvsadm.c). The command model
// and tables are in spec.ts, the popt table in popt-table.ts, the value parsers in option-values.ts.
import { ExitCode, LvsadmExit, fail, tryhelp } from './errors';
import { PoptContext, PoptError, poptStrerror } from './popt';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Resolver, atoi, inetAton } from './resolve';
import { TABLE, Tag, ch } from './popt-table';
import {
  CMD_NAMES,
  COMMANDS_V_OPTIONS,
  Cmd,
  CommandEntry,
  Fmt,
  Fwd,
  INT_MAX,
  MAX_TIMEOUT,
  OPT_NAMES,
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
  newEntry,
} from './spec';
import { SERVICE_ADDR, SERVICE_PORT, parseFwmark, parseMcastGroup, parseRange, parseSchedFlags, parseService, parseTimeout, strncpy } from './option-values';

export * from './spec';
export { SERVICE_ADDR, SERVICE_PORT, parseService };

/** What parsing needs from the environment. */
export interface ParseContext {
  resolver: Resolver;
  /** POSIXLY_CORRECT or POSIX_ME_HARDER set */
  posixMeHarder?: boolean;
}

/** The result of parsing: a command to run, or a popt error printed by ipvsadm (an LvsadmExit is thrown for every failure). */
export type ParseResult = { kind: 'command'; entry: CommandEntry } | { kind: 'popt-error'; message: string };

/** The first option: which command (ipvsadm's first switch). */
const COMMANDS = new Map<number, Cmd>([
  [ch('A'), Cmd.ADD],
  [ch('E'), Cmd.EDIT],
  [ch('D'), Cmd.DEL],
  [ch('a'), Cmd.ADDDEST],
  [ch('e'), Cmd.EDITDEST],
  [ch('d'), Cmd.DELDEST],
  [ch('C'), Cmd.FLUSH],
  [ch('L'), Cmd.LIST],
  [ch('l'), Cmd.LIST],
  [ch('Z'), Cmd.ZERO],
  [Tag.SET, Cmd.TIMEOUT],
  [ch('R'), Cmd.RESTORE],
  [ch('S'), Cmd.SAVE],
]);

/** Options without a value: the option bit and what they add to the format, the service or the tunnel flags. */
const SWITCHES = new Map<number, { opt: Opt; fmt?: Fmt; svcFlag?: number; tunFlag?: number }>([
  [ch('c'), { opt: Opt.CONNECTION }],
  [ch('n'), { opt: Opt.NUMERIC, fmt: Fmt.NUMERIC }],
  [Tag.TIMEOUT, { opt: Opt.TIMEOUT }],
  [Tag.DAEMON, { opt: Opt.DAEMON }],
  [Tag.STATS, { opt: Opt.STATS, fmt: Fmt.STATS }],
  [Tag.RATE, { opt: Opt.RATE, fmt: Fmt.RATE }],
  [Tag.THRESHOLDS, { opt: Opt.THRESHOLDS, fmt: Fmt.THRESHOLDS }],
  [Tag.PERSISTENTCONN, { opt: Opt.PERSISTENTCONN, fmt: Fmt.PERSISTENTCONN }],
  [Tag.NO_SORT, { opt: Opt.NOSORT, fmt: Fmt.NOSORT }],
  [ch('X'), { opt: Opt.EXACT, fmt: Fmt.EXACT }],
  [ch('o'), { opt: Opt.ONEPACKET, svcFlag: SVC_F_ONEPACKET }],
  [Tag.TUN_INFO, { opt: Opt.TUN_INFO, fmt: Fmt.TUN_INFO }],
  [Tag.TUN_NOCSUM, { opt: Opt.TUN_NOCSUM }],
  [Tag.TUN_CSUM, { opt: Opt.TUN_CSUM, tunFlag: TUN_F_CSUM }],
  [Tag.TUN_REMCSUM, { opt: Opt.TUN_REMCSUM, tunFlag: TUN_F_REMCSUM }],
]);

const FORWARDS = new Map<number, Fwd>([
  [ch('i'), Fwd.TUNNEL],
  [ch('g'), Fwd.DROUTE],
  [ch('m'), Fwd.MASQ],
]);

/** Numeric options: range (string_to_number) and ipvsadm's error for a value outside it. */
const NUMBERS = new Map<number, { opt: Opt; min: number; max: number; code: string; message: string; set: (e: CommandEntry, v: number) => void }>([
  // Debian's ipvsadm 1:1.31-1 carries "enhance weight parameter to INT_MAX" (#814348); upstream allows 65535.
  [ch('w'), { opt: Opt.WEIGHT, min: 0, max: INT_MAX, code: 'illegal-weight', message: 'illegal weight specified', set: (e, v) => (e.dest.weight = v) }],
  [ch('x'), { opt: Opt.UTHRESHOLD, min: 0, max: INT_MAX, code: 'illegal-threshold', message: 'illegal u_threshold specified', set: (e, v) => (e.dest.uThreshold = v) }],
  [ch('y'), { opt: Opt.LTHRESHOLD, min: 0, max: INT_MAX, code: 'illegal-threshold', message: 'illegal l_threshold specified', set: (e, v) => (e.dest.lThreshold = v) }],
  [ch('I'), { opt: Opt.SYNCID, min: 0, max: 255, code: 'illegal-syncid', message: 'illegal syncid specified', set: (e, v) => (e.daemon.syncId = v) }],
  [Tag.MCAST_PORT, { opt: Opt.MCAST_PORT, min: 1, max: 65535, code: 'illegal-mcast-port', message: 'illegal mcast-port specified', set: (e, v) => (e.daemon.mcastPort = v) }],
  [Tag.MCAST_TTL, { opt: Opt.MCAST_TTL, min: 1, max: 255, code: 'illegal-mcast-ttl', message: 'illegal mcast-ttl specified', set: (e, v) => (e.daemon.mcastTtl = v) }],
  // sync-maxlen: at most 65535 less the IP and UDP headers
  [Tag.SYNC_MAXLEN, { opt: Opt.SYNC_MAXLEN, min: 1, max: 65535 - 20 - 8, code: 'illegal-sync-maxlen', message: 'illegal sync-maxlen specified', set: (e, v) => (e.daemon.syncMaxLen = v) }],
  [Tag.TUN_PORT, { opt: Opt.TUN_PORT, min: 1, max: 65535, code: 'illegal-tun-port', message: 'illegal tunnel port specified', set: (e, v) => (e.dest.tunPort = v) }],
]);

/** Text options copied into fixed C buffers (strncpy of n bytes). */
const TEXTS = new Map<number, { opt: Opt; n: number; set: (e: CommandEntry, v: string) => void }>([
  [ch('s'), { opt: Opt.SCHEDULER, n: 15, set: (e, v) => (e.svc.schedName = v) }],
  [Tag.MCAST_INTERFACE, { opt: Opt.MCAST, n: 15, set: (e, v) => (e.daemon.mcastIfn = v) }],
  [Tag.PERSISTENCE_ENGINE, { opt: Opt.PERSISTENCE_ENGINE, n: 16, set: (e, v) => (e.svc.peName = v) }],
]);

const SERVICES = new Map<number, number>([
  [ch('t'), IPPROTO_TCP],
  [ch('u'), IPPROTO_UDP],
  [Tag.SCTP_SERVICE, IPPROTO_SCTP],
]);

function setOption(e: CommandEntry, o: Opt): void {
  if (e.options.has(o)) fail('multiple-options', `multiple '${OPT_NAMES[o]}' options specified`);
  e.options.add(o);
}

/** The first option, which names the command; -h, -v and unknown ones end here. */
function parseCommand(e: CommandEntry, c: number, con: PoptContext, program: string, usage: (program: string) => string, version: () => string): void {
  const cmd = COMMANDS.get(c);
  if (cmd !== undefined) {
    e.cmd = cmd;
    return;
  }
  if (c === Tag.START_DAEMON || c === Tag.STOP_DAEMON) {
    e.cmd = c === Tag.START_DAEMON ? Cmd.STARTDAEMON : Cmd.STOPDAEMON;
    const a = con.arg;
    if (a === 'master') e.daemon.state = 1;
    else if (a === 'backup') e.daemon.state = 2;
    else if (c === Tag.START_DAEMON) fail('illegal-daemon', 'illegal start-daemon parameter specified');
    else fail('illegal-daemon', 'illegal start_daemon specified');
    return;
  }
  if (c === ch('h')) throw new LvsadmExit(ExitCode.OK, '', usage(program), 'help');
  if (c === ch('v')) throw new LvsadmExit(ExitCode.OK, '', version(), 'version');
  tryhelp(program);
}

/** One option after the command; returns the --sched-flags text when it is that option. */
function parseOption(e: CommandEntry, c: number, optarg: string | null, pc: ParseContext, con: PoptContext): string | undefined {
  const sw = SWITCHES.get(c);
  if (sw) {
    setOption(e, sw.opt);
    if (sw.fmt) e.format |= sw.fmt;
    if (sw.svcFlag) e.svc.flags |= sw.svcFlag;
    if (sw.tunFlag) e.dest.tunFlags |= sw.tunFlag;
    return;
  }
  const num = NUMBERS.get(c);
  if (num) {
    setOption(e, num.opt);
    num.set(e, parseRange(optarg!, num.min, num.max, num.code, num.message));
    return;
  }
  const text = TEXTS.get(c);
  if (text) {
    setOption(e, text.opt);
    text.set(e, strncpy(optarg!, text.n));
    return;
  }
  const fwd = FORWARDS.get(c);
  if (fwd !== undefined) {
    setOption(e, Opt.FORWARD);
    e.dest.fwd = fwd;
    return;
  }
  const proto = SERVICES.get(c);
  if (proto !== undefined) {
    setOption(e, Opt.SERVICE);
    e.svc.protocol = proto;
    if (!(parseService(pc.resolver, optarg, e.svc) & SERVICE_ADDR)) fail('illegal-service', 'illegal virtual server address[:port] specified');
    return;
  }
  switch (c) {
    case ch('f'):
      setOption(e, Opt.SERVICE);
      e.svc.af = AF_INET;
      e.svc.protocol = IPPROTO_TCP;
      e.svc.fwmark = parseFwmark(optarg!);
      return;
    case ch('p'):
      setOption(e, Opt.PERSISTENT);
      e.svc.flags |= SVC_F_PERSISTENT;
      e.svc.timeout = parseTimeout(optarg, 1, MAX_TIMEOUT);
      return;
    case ch('M'):
      setOption(e, Opt.NETMASK);
      if (e.svc.af !== AF_INET6) {
        const m = inetAton(optarg!) ?? pc.resolver.hostToAddr(optarg!);
        if (!m) fail('illegal-netmask', 'illegal virtual server persistent mask specified');
        e.svc.netmask = m.readUInt32BE(0);
      } else {
        e.svc.netmask = atoi(optarg!);
        if (e.svc.netmask < 1 || e.svc.netmask > 128) fail('illegal-netmask', 'illegal ipv6 netmask specified');
      }
      return;
    case ch('r'): {
      setOption(e, Opt.SERVER);
      const t = { af: e.svc.af, addr: Buffer.from(e.svc.addr), port: e.svc.port, netmask: e.svc.netmask, protocol: e.svc.protocol };
      const parse = parseService(pc.resolver, optarg, t);
      e.dest.af = t.af;
      e.dest.addr = t.addr;
      e.dest.port = t.port;
      if (!(parse & SERVICE_ADDR)) fail('illegal-server', 'illegal real server address[:port] specified');
      if (parse === SERVICE_ADDR) e.dest.port = e.svc.port;
      return;
    }
    case ch('6'):
      if (e.svc.fwmark) {
        e.svc.af = AF_INET6;
        e.svc.netmask = 128;
      } else fail('ipv6-before-fwmark', '-6 used before -f\n');
      return;
    case ch('b'):
      setOption(e, Opt.SCHED_FLAGS);
      return strncpy(optarg!, 127);
    case Tag.MCAST_GROUP:
      setOption(e, Opt.MCAST_GROUP);
      parseMcastGroup(optarg!, e.daemon);
      return;
    case Tag.TUN_TYPE: {
      setOption(e, Opt.TUN_TYPE);
      const p = TUN_NAMES.indexOf(optarg!);
      if (p === -1) fail('illegal-tun-type', 'illegal tunnel type specified');
      e.dest.tunType = p;
      return;
    }
    case Tag.SORT:
      return;
    default:
      fail('invalid-option', `invalid option \`${con.badOption()}'`);
  }
}

/**
 * ipvsadm parse_options(): scans argv (argv[0] is the program name) into a command entry. Throws LvsadmExit for
 * fail(), tryhelp_exit(), -h and -v; returns a popt error (printed by the caller, then -1) as ipvsadm does.
 */
export function parseOptions(argv: readonly string[], pc: ParseContext, usage: (program: string) => string, version: () => string): ParseResult {
  const e = newEntry();
  const program = argv[0];
  const con = new PoptContext(argv, TABLE, { posixMeHarder: pc.posixMeHarder });
  let schedFlagsArg = '';

  let c = con.nextOpt();
  if (c < 0) tryhelp(program);
  parseCommand(e, c, con, program, usage, version);
  while ((c = con.nextOpt()) >= 0) {
    const flags = parseOption(e, c, con.arg, pc, con);
    if (flags !== undefined) schedFlagsArg = flags;
  }
  if (c < -1) return { kind: 'popt-error', message: `${con.badOption()}: ${poptStrerror(c as PoptError)}\n` };

  if (e.cmd === Cmd.TIMEOUT) {
    const a0 = con.getArg();
    const a1 = a0 !== null ? con.getArg() : null;
    const a2 = a1 !== null ? con.getArg() : null;
    if (a0 !== null && a1 !== null && a2 !== null) {
      e.timeout.tcp = parseTimeout(a0, 0, MAX_TIMEOUT);
      e.timeout.tcpFin = parseTimeout(a1, 0, MAX_TIMEOUT);
      e.timeout.udp = parseTimeout(a2, 0, MAX_TIMEOUT);
    } else fail('set-needs-3', '--set option requires 3 timeout values');
  }
  const extra = con.getArg();
  if (extra !== null) fail('unexpected-argument', `unexpected argument ${extra}`);

  if (schedFlagsArg) {
    e.svc.flags &= ~(SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3);
    e.svc.flags |= parseSchedFlags(e.svc.schedName, schedFlagsArg);
  }
  return { kind: 'command', entry: e };
}

/**
 * ipvsadm generic_opt_check() and tunnel_opt_check(), which walk a compatibility row the same way: '+' compulsory,
 * 'x' illegal, '1' at most one of the '1' columns. `cols` maps the row's columns to option bits; `what` names the
 * command or tunnel type in the messages ("command", "tunnel type") and `code` prefixes the error codes.
 */
function optCheck(row: string, cols: readonly Opt[], options: Set<Opt>, name: string, what: string, code: string): void {
  let last = 0;
  let count = 0;
  for (let j = 0; j < cols.length; j++) {
    const k = cols[j];
    if (!options.has(k)) {
      if (row[j] === '+') fail(`missing-${code}`, `You need to supply the '${OPT_NAMES[k]}' option for the '${name}' ${what}`);
      continue;
    }
    if (row[j] === 'x') fail(`illegal-${code}`, `Illegal '${OPT_NAMES[k]}' option with the '${name}' ${what}`);
    if (row[j] === '1') {
      if (++count === 1) last = k;
      else fail(`conflicting-${code}s`, `The option '${OPT_NAMES[k]}' conflicts with the '${OPT_NAMES[last]}' option in the '${name}' ${what}`);
    }
  }
}

const ALL_OPTS: readonly Opt[] = OPT_NAMES.map((_, i) => i as Opt);

/**
 * The checks of process_options() between parsing and running: the option table, zero port, one-packet,
 * defaults (scheduler wlc, mcast interface eth0), destination port and family rules, tunnel options, and the
 * list command's conflicts. Mutates and returns the entry.
 */
export function checkEntry(e: CommandEntry): CommandEntry {
  optCheck(COMMANDS_V_OPTIONS[e.cmd - 1], ALL_OPTS, e.options, CMD_NAMES[e.cmd - 1], 'command', 'option');
  if (e.cmd === Cmd.ADD || e.cmd === Cmd.EDIT) {
    if (!e.svc.fwmark && !e.svc.port && !(e.svc.flags & SVC_F_PERSISTENT)) fail('zero-port', 'Zero port specified for non-persistent service');
    if (e.svc.flags & SVC_F_ONEPACKET && !e.svc.fwmark && e.svc.protocol !== IPPROTO_UDP) fail('ops-udp-only', 'One-Packet Scheduling is only for UDP virtual services');
    if (e.svc.schedName.length === 0) e.svc.schedName = 'wlc';
  }
  if (e.cmd === Cmd.STARTDAEMON && e.daemon.mcastIfn.length === 0) e.daemon.mcastIfn = 'eth0';
  if (e.cmd === Cmd.ADDDEST || e.cmd === Cmd.EDITDEST) {
    if (!e.svc.fwmark && (e.dest.fwd === Fwd.TUNNEL || e.dest.fwd === Fwd.DROUTE)) e.dest.port = e.svc.port;
    if (e.dest.af !== e.svc.af && e.dest.fwd !== Fwd.TUNNEL) fail('mixed-family', 'Different address family is allowed only for tunneling servers');
    const o = e.options;
    if ((o.has(Opt.TUN_TYPE) || o.has(Opt.TUN_PORT) || o.has(Opt.TUN_NOCSUM) || o.has(Opt.TUN_CSUM) || o.has(Opt.TUN_REMCSUM)) && e.dest.fwd !== Fwd.TUNNEL) {
      fail('tunnel-options', 'Tunnel options conflict with forward method');
    }
    optCheck(TUNNEL_TYPES_V_OPTIONS[e.dest.tunType], TUN_OPTS, e.options, TUN_NAMES[e.dest.tunType], 'tunnel type', 'tunnel-option');
  }
  if (e.cmd === Cmd.LIST) {
    const o = e.options;
    const any = (...l: Opt[]) => l.some((x) => o.has(x));
    if ((any(Opt.CONNECTION, Opt.TIMEOUT, Opt.DAEMON) && any(Opt.STATS, Opt.RATE, Opt.THRESHOLDS)) || (any(Opt.TIMEOUT, Opt.DAEMON) && o.has(Opt.PERSISTENTCONN))) {
      fail('list-conflict', 'options conflicts in the list command');
    }
  }
  return e;
}
