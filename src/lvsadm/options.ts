// ipvsadm 1.31's command line: parse_options() and the checks of process_options() (ipvsadm.c), with its
// option/command compatibility table, tunnel option table, defaults and exact error texts.
import { ExitCode, LvsadmExit, fail, tryhelp } from './errors';
import { PoptArg, PoptContext, PoptError, PoptOption, poptStrerror } from './popt';
import { AF_INET, AF_INET6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Resolver, atoi, inetAton, inetPton4, inetPton6, stringToNumber, strtol } from './resolve';

export enum Cmd {
  NONE = 0,
  ADD,
  EDIT,
  DEL,
  FLUSH,
  LIST,
  ADDDEST,
  DELDEST,
  EDITDEST,
  TIMEOUT,
  STARTDAEMON,
  STOPDAEMON,
  RESTORE,
  SAVE,
  ZERO,
}
const CMD_NAMES = ['add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server', 'edit-server', 'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero'];

/** OPTC_* bit numbers. */
export enum Opt {
  NUMERIC = 0,
  CONNECTION,
  SERVICE,
  SCHEDULER,
  PERSISTENT,
  NETMASK,
  SERVER,
  FORWARD,
  WEIGHT,
  UTHRESHOLD,
  LTHRESHOLD,
  MCAST,
  TIMEOUT,
  DAEMON,
  STATS,
  RATE,
  THRESHOLDS,
  PERSISTENTCONN,
  NOSORT,
  SYNCID,
  EXACT,
  ONEPACKET,
  PERSISTENCE_ENGINE,
  SCHED_FLAGS,
  MCAST_GROUP,
  MCAST_PORT,
  MCAST_TTL,
  SYNC_MAXLEN,
  TUN_INFO,
  TUN_TYPE,
  TUN_PORT,
  TUN_NOCSUM,
  TUN_CSUM,
  TUN_REMCSUM,
}
const OPT_NAMES = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server', 'forwarding-method', 'weight', 'u-threshold',
  'l-threshold', 'mcast-interface', 'timeout', 'daemon', 'stats', 'rate', 'thresholds', 'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe',
  'sched-flags', 'mcast-group', 'mcast-port', 'mcast-ttl', 'sync-maxlen', 'tun-info', 'tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
];

// ipvsadm.c commands_v_options: '+' compulsory, 'x' illegal, '1' exclusive, ' ' optional. One row per command,
// one column per Opt (n c svc s p M r fwd w x y mc tot dmn st rt thr pc srt sid ex ops pe b grp port ttl size tinf type tprt nocs csum remc).
const COMMANDS_V_OPTIONS: readonly string[] = [
  /* ADD     */ 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  /* EDIT    */ 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  /* DEL     */ 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* FLUSH   */ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* LIST    */ ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  /* ADDSRV  */ 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  /* DELSRV  */ 'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* EDITSRV */ 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  /* TIMEOUT */ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* STARTD  */ 'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  /* STOPD   */ 'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  /* RESTORE */ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* SAVE    */ ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  /* ZERO    */ 'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
];

export enum TunType {
  IPIP = 0,
  GUE = 1,
  GRE = 2,
}
export const TUN_NAMES = ['ipip', 'gue', 'gre'];
const TUN_OPTS = [Opt.TUN_PORT, Opt.TUN_NOCSUM, Opt.TUN_CSUM, Opt.TUN_REMCSUM];
// tunnel_types_v_options: columns tun-port, nocsum, csum, remcsum.
const TUNNEL_TYPES_V_OPTIONS = ['xxxx', '+111', 'x11x'];

/** IP_VS_CONN_F_* forwarding methods. */
export enum Fwd {
  MASQ = 0,
  LOCALNODE = 1,
  TUNNEL = 2,
  DROUTE = 3,
}

export const SVC_F_PERSISTENT = 0x1;
export const SVC_F_ONEPACKET = 0x4;
export const SVC_F_SCHED1 = 0x8;
export const SVC_F_SCHED2 = 0x10;
export const SVC_F_SCHED3 = 0x20;
export const TUN_F_CSUM = 1;
export const TUN_F_REMCSUM = 2;

export const IPVS_SVC_PERSISTENT_TIMEOUT = 6 * 60;
const MAX_TIMEOUT = 86400 * 31;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;

/** Printing format flags (FMT_*). */
export enum Fmt {
  NONE = 0,
  NUMERIC = 0x1,
  RULE = 0x2,
  STATS = 0x4,
  RATE = 0x8,
  THRESHOLDS = 0x10,
  PERSISTENTCONN = 0x20,
  NOSORT = 0x40,
  EXACT = 0x80,
  TUN_INFO = 0x100,
}

/** ipvs_service_t as ipvsadm fills it. */
export interface SvcSpec {
  af: number;
  protocol: number;
  /** 16 bytes (union nf_inet_addr) */
  addr: Buffer;
  port: number;
  fwmark: number;
  schedName: string;
  flags: number;
  timeout: number;
  /** IPv4: mask as a host-order number of its dotted text; IPv6: prefix length */
  netmask: number;
  peName: string;
}

export interface DestSpec {
  af: number;
  addr: Buffer;
  port: number;
  fwd: Fwd;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: TunType;
  tunPort: number;
  tunFlags: number;
}

export interface DaemonSpec {
  /** 1 master, 2 backup */
  state: number;
  mcastIfn: string;
  syncId: number;
  syncMaxLen: number;
  mcastAf: number;
  mcastGroup: Buffer;
  mcastPort: number;
  mcastTtl: number;
}

/** struct ipvs_command_entry plus the options and format parsed with it. */
export interface CommandEntry {
  cmd: Cmd;
  svc: SvcSpec;
  dest: DestSpec;
  timeout: { tcp: number; tcpFin: number; udp: number };
  daemon: DaemonSpec;
  options: Set<Opt>;
  format: number;
}

const SERVICE_ADDR = 1;
const SERVICE_PORT = 2;

enum Tag {
  SET = 128,
  START_DAEMON,
  STOP_DAEMON,
  MCAST_INTERFACE,
  TIMEOUT,
  DAEMON,
  STATS,
  RATE,
  THRESHOLDS,
  PERSISTENTCONN,
  SORT,
  NO_SORT,
  PERSISTENCE_ENGINE,
  SCTP_SERVICE,
  MCAST_GROUP,
  MCAST_PORT,
  MCAST_TTL,
  SYNC_MAXLEN,
  TUN_INFO,
  TUN_TYPE,
  TUN_PORT,
  TUN_NOCSUM,
  TUN_CSUM,
  TUN_REMCSUM,
}
const ch = (c: string) => c.charCodeAt(0);
const N = PoptArg.NONE;
const S = PoptArg.STRING;
/** ipvsadm's popt table, in its order (the first match wins). */
const TABLE: PoptOption[] = [
  { longName: 'add-service', shortName: 'A', argInfo: N, val: ch('A') },
  { longName: 'edit-service', shortName: 'E', argInfo: N, val: ch('E') },
  { longName: 'delete-service', shortName: 'D', argInfo: N, val: ch('D') },
  { longName: 'clear', shortName: 'C', argInfo: N, val: ch('C') },
  { longName: 'list', shortName: 'L', argInfo: N, val: ch('L') },
  { longName: 'list', shortName: 'l', argInfo: N, val: ch('l') },
  { longName: 'zero', shortName: 'Z', argInfo: N, val: ch('Z') },
  { longName: 'add-server', shortName: 'a', argInfo: N, val: ch('a') },
  { longName: 'edit-server', shortName: 'e', argInfo: N, val: ch('e') },
  { longName: 'delete-server', shortName: 'd', argInfo: N, val: ch('d') },
  { longName: 'set', argInfo: N, val: Tag.SET },
  { longName: 'help', shortName: 'h', argInfo: N, val: ch('h') },
  { longName: 'version', shortName: 'v', argInfo: N, val: ch('v') },
  { longName: 'restore', shortName: 'R', argInfo: N, val: ch('R') },
  { longName: 'save', shortName: 'S', argInfo: N, val: ch('S') },
  { longName: 'start-daemon', argInfo: S, val: Tag.START_DAEMON },
  { longName: 'stop-daemon', argInfo: S, val: Tag.STOP_DAEMON },
  { longName: 'tcp-service', shortName: 't', argInfo: S, val: ch('t') },
  { longName: 'udp-service', shortName: 'u', argInfo: S, val: ch('u') },
  { longName: 'sctp-service', argInfo: S, val: Tag.SCTP_SERVICE },
  { longName: 'fwmark-service', shortName: 'f', argInfo: S, val: ch('f') },
  { longName: 'scheduler', shortName: 's', argInfo: S, val: ch('s') },
  { longName: 'persistent', shortName: 'p', argInfo: S, optional: true, val: ch('p') },
  { longName: 'netmask', shortName: 'M', argInfo: S, val: ch('M') },
  { longName: 'real-server', shortName: 'r', argInfo: S, val: ch('r') },
  { longName: 'masquerading', shortName: 'm', argInfo: N, val: ch('m') },
  { longName: 'ipip', shortName: 'i', argInfo: N, val: ch('i') },
  { longName: 'gatewaying', shortName: 'g', argInfo: N, val: ch('g') },
  { longName: 'weight', shortName: 'w', argInfo: S, val: ch('w') },
  { longName: 'u-threshold', shortName: 'x', argInfo: S, val: ch('x') },
  { longName: 'l-threshold', shortName: 'y', argInfo: S, val: ch('y') },
  { longName: 'numeric', shortName: 'n', argInfo: N, val: ch('n') },
  { longName: 'connection', shortName: 'c', argInfo: N, val: ch('c') },
  { longName: 'mcast-interface', argInfo: S, val: Tag.MCAST_INTERFACE },
  { longName: 'syncid', argInfo: S, val: ch('I') },
  { longName: 'timeout', argInfo: N, val: Tag.TIMEOUT },
  { longName: 'daemon', argInfo: N, val: Tag.DAEMON },
  { longName: 'stats', argInfo: N, val: Tag.STATS },
  { longName: 'rate', argInfo: N, val: Tag.RATE },
  { longName: 'thresholds', argInfo: N, val: Tag.THRESHOLDS },
  { longName: 'persistent-conn', argInfo: N, val: Tag.PERSISTENTCONN },
  { longName: 'nosort', argInfo: N, val: Tag.NO_SORT },
  { longName: 'sort', argInfo: N, val: Tag.SORT },
  { longName: 'exact', shortName: 'X', argInfo: N, val: ch('X') },
  { longName: 'ipv6', shortName: '6', argInfo: N, val: ch('6') },
  { longName: 'ops', shortName: 'o', argInfo: N, val: ch('o') },
  { longName: 'pe', argInfo: S, val: Tag.PERSISTENCE_ENGINE },
  { longName: 'sched-flags', shortName: 'b', argInfo: S, val: ch('b') },
  { longName: 'mcast-group', argInfo: S, val: Tag.MCAST_GROUP },
  { longName: 'mcast-port', argInfo: S, val: Tag.MCAST_PORT },
  { longName: 'mcast-ttl', argInfo: S, val: Tag.MCAST_TTL },
  { longName: 'sync-maxlen', argInfo: S, val: Tag.SYNC_MAXLEN },
  { longName: 'tun-info', argInfo: N, val: Tag.TUN_INFO },
  { longName: 'tun-type', argInfo: S, val: Tag.TUN_TYPE },
  { longName: 'tun-port', argInfo: S, val: Tag.TUN_PORT },
  { longName: 'tun-nocsum', argInfo: N, val: Tag.TUN_NOCSUM },
  { longName: 'tun-csum', argInfo: N, val: Tag.TUN_CSUM },
  { longName: 'tun-remcsum', argInfo: N, val: Tag.TUN_REMCSUM },
];

/** What parsing needs from the environment. */
export interface ParseContext {
  resolver: Resolver;
  /** POSIXLY_CORRECT or POSIX_ME_HARDER set */
  posixMeHarder?: boolean;
}

/** Outcome of parse_options that is not an exit: a popt error printed by ipvsadm, returning -1 from process_options. */
export class PoptFailure {
  constructor(readonly message: string) {}
}

/** The result of parsing: a command to run, or -h/-v output (an LvsadmExit is thrown for every failure). */
export type ParseResult = { kind: 'command'; entry: CommandEntry } | { kind: 'popt-error'; message: string };

export function newEntry(): CommandEntry {
  return {
    cmd: Cmd.NONE,
    svc: { af: 0, protocol: 0, addr: Buffer.alloc(16), port: 0, fwmark: 0, schedName: '', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '' },
    dest: { af: 0, addr: Buffer.alloc(16), port: 0, fwd: Fwd.DROUTE, weight: 1, uThreshold: 0, lThreshold: 0, tunType: TunType.IPIP, tunPort: 0, tunFlags: 0 },
    timeout: { tcp: 0, tcpFin: 0, udp: 0 },
    daemon: { state: 0, mcastIfn: '', syncId: 0, syncMaxLen: 0, mcastAf: 0, mcastGroup: Buffer.alloc(16), mcastPort: 0, mcastTtl: 0 },
    options: new Set(),
    format: Fmt.NONE,
  };
}

function setOption(e: CommandEntry, o: Opt): void {
  if (e.options.has(o)) fail('multiple-options', `multiple '${OPT_NAMES[o]}' options specified`);
  e.options.add(o);
}

/** ipvsadm parse_service(): SERVICE_* bits; fills af/addr/port (and netmask 128 for IPv6) of `svc`. */
export function parseService(r: Resolver, buf: string | null, svc: { af: number; addr: Buffer; port: number; netmask: number; protocol: number }): number {
  if (buf === null || /^[0-9]*$/.test(buf)) return 0;
  let host = buf;
  let portStr: string | null = null;
  if (host[0] === '[') {
    host = host.slice(1);
    const close = host.indexOf(']');
    if (close < 0) return 0;
    const after = host.slice(close + 1);
    host = host.slice(0, close);
    if (after[0] !== ':') return 0;
    portStr = after.slice(1);
  }
  const a6 = inetPton6(host);
  if (a6) {
    a6.copy(svc.addr, 0);
    svc.af = AF_INET6;
    svc.netmask = 128;
  } else {
    // ipvsadm searches the last ':' again; inside brackets it finds none and drops the port.
    const colon = host.lastIndexOf(':');
    portStr = null;
    if (colon >= 0) {
      portStr = host.slice(colon + 1);
      host = host.slice(0, colon);
    }
    const a4 = inetAton(host) ?? r.hostToAddr(host);
    if (!a4) return 0;
    svc.addr.fill(0);
    a4.copy(svc.addr, 0);
    svc.af = AF_INET;
  }
  let result = SERVICE_ADDR;
  if (portStr !== null) {
    result |= SERVICE_PORT;
    let portn = stringToNumber(portStr, 0, 65535);
    if (portn === -1) portn = r.serviceToPort(portStr, svc.protocol);
    if (portn === -1) return 0;
    svc.port = portn;
  }
  return result;
}

/** ipvsadm parse_timeout(): null (no argument) is the default persistence timeout. */
function parseTimeout(buf: string | null, min: number, max: number): number {
  if (buf === null) return IPVS_SVC_PERSISTENT_TIMEOUT;
  const i = stringToNumber(buf, min, max);
  if (i === -1) fail('invalid-timeout', `invalid timeout value \`${buf}' specified`);
  return i;
}

/** ipvsadm parse_fwmark(): strtol, 1..UINT_MAX. */
function parseFwmark(buf: string): number {
  const r = strtol(buf);
  if (r.end !== buf.length || r.end === 0 || r.range || r.value <= 0n || r.value > BigInt(UINT_MAX)) {
    fail('invalid-fwmark', `invalid fwmark value \`${buf}' specified`);
  }
  return Number(r.value);
}

/** ipvsadm parse_sched_flags(). */
function parseSchedFlags(sched: string, arg: string): number {
  const s = sched || 'wlc';
  let flags = 0;
  const tokens = arg.split(',').filter((x) => x !== '');
  if (tokens.length === 0) {
    // strtok() returns NULL and ipvsadm passes it to strcmp(): it dies of SIGSEGV without a word.
    throw new LvsadmExit(ExitCode.CRASHED, '', '', 'crash');
  }
  for (const flag of tokens) {
    const need = (sch: string) => {
      if (s !== sch) fail('incompatible-sched-flag', `incompatible scheduler flag \`${flag}'`);
    };
    if (flag === 'flag-1') flags |= SVC_F_SCHED1;
    else if (flag === 'flag-2') flags |= SVC_F_SCHED2;
    else if (flag === 'flag-3') flags |= SVC_F_SCHED3;
    else if (flag === 'sh-fallback') {
      flags |= SVC_F_SCHED1;
      need('sh');
    } else if (flag === 'sh-port') {
      flags |= SVC_F_SCHED2;
      need('sh');
    } else if (flag === 'mh-fallback') {
      flags |= SVC_F_SCHED1;
      need('mh');
    } else if (flag === 'mh-port') {
      flags |= SVC_F_SCHED2;
      need('mh');
    } else fail('invalid-sched-flag', `invalid scheduler flag \`${flag}'`);
  }
  return flags;
}

function parseTunType(s: string): number {
  const i = TUN_NAMES.indexOf(s);
  return i;
}

const svcOption = (c: number): number => (c === ch('t') ? IPPROTO_TCP : c === ch('u') ? IPPROTO_UDP : c === Tag.SCTP_SERVICE ? IPPROTO_SCTP : 0);

/** C strncpy into a buffer of n bytes, read back as a C string. */
const strncpy = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

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
  switch (c) {
    case ch('A'):
      e.cmd = Cmd.ADD;
      break;
    case ch('E'):
      e.cmd = Cmd.EDIT;
      break;
    case ch('D'):
      e.cmd = Cmd.DEL;
      break;
    case ch('a'):
      e.cmd = Cmd.ADDDEST;
      break;
    case ch('e'):
      e.cmd = Cmd.EDITDEST;
      break;
    case ch('d'):
      e.cmd = Cmd.DELDEST;
      break;
    case ch('C'):
      e.cmd = Cmd.FLUSH;
      break;
    case ch('L'):
    case ch('l'):
      e.cmd = Cmd.LIST;
      break;
    case ch('Z'):
      e.cmd = Cmd.ZERO;
      break;
    case Tag.SET:
      e.cmd = Cmd.TIMEOUT;
      break;
    case ch('R'):
      e.cmd = Cmd.RESTORE;
      break;
    case ch('S'):
      e.cmd = Cmd.SAVE;
      break;
    case Tag.START_DAEMON:
    case Tag.STOP_DAEMON: {
      e.cmd = c === Tag.START_DAEMON ? Cmd.STARTDAEMON : Cmd.STOPDAEMON;
      const a = con.arg;
      if (a === 'master') e.daemon.state = 1;
      else if (a === 'backup') e.daemon.state = 2;
      else if (c === Tag.START_DAEMON) fail('illegal-daemon', 'illegal start-daemon parameter specified');
      else fail('illegal-daemon', 'illegal start_daemon specified');
      break;
    }
    case ch('h'):
      throw new LvsadmExit(ExitCode.OK, '', usage(program), 'help');
    case ch('v'):
      throw new LvsadmExit(ExitCode.OK, '', version(), 'version');
    default:
      tryhelp(program);
  }

  while ((c = con.nextOpt()) >= 0) {
    const optarg = con.arg;
    switch (c) {
      case ch('t'):
      case ch('u'):
      case Tag.SCTP_SERVICE: {
        setOption(e, Opt.SERVICE);
        e.svc.protocol = svcOption(c);
        const parse = parseService(pc.resolver, optarg, e.svc);
        if (!(parse & SERVICE_ADDR)) fail('illegal-service', 'illegal virtual server address[:port] specified');
        break;
      }
      case ch('f'):
        setOption(e, Opt.SERVICE);
        e.svc.af = AF_INET;
        e.svc.protocol = IPPROTO_TCP;
        e.svc.fwmark = parseFwmark(optarg!);
        break;
      case ch('s'):
        setOption(e, Opt.SCHEDULER);
        e.svc.schedName = strncpy(optarg!, 15);
        break;
      case ch('p'):
        setOption(e, Opt.PERSISTENT);
        e.svc.flags |= SVC_F_PERSISTENT;
        e.svc.timeout = parseTimeout(optarg, 1, MAX_TIMEOUT);
        break;
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
        break;
      case ch('r'): {
        setOption(e, Opt.SERVER);
        const t = { af: e.svc.af, addr: Buffer.from(e.svc.addr), port: e.svc.port, netmask: e.svc.netmask, protocol: e.svc.protocol };
        const parse = parseService(pc.resolver, optarg, t);
        e.dest.af = t.af;
        e.dest.addr = t.addr;
        e.dest.port = t.port;
        if (!(parse & SERVICE_ADDR)) fail('illegal-server', 'illegal real server address[:port] specified');
        if (parse === SERVICE_ADDR) e.dest.port = e.svc.port;
        break;
      }
      case ch('i'):
        setOption(e, Opt.FORWARD);
        e.dest.fwd = Fwd.TUNNEL;
        break;
      case ch('g'):
        setOption(e, Opt.FORWARD);
        e.dest.fwd = Fwd.DROUTE;
        break;
      case ch('m'):
        setOption(e, Opt.FORWARD);
        e.dest.fwd = Fwd.MASQ;
        break;
      case ch('w'):
        setOption(e, Opt.WEIGHT);
        // Debian's ipvsadm 1:1.31-1 carries "enhance weight parameter to INT_MAX" (#814348); upstream allows 65535.
        if ((e.dest.weight = stringToNumber(optarg!, 0, INT_MAX)) === -1) fail('illegal-weight', 'illegal weight specified');
        break;
      case ch('x'):
        setOption(e, Opt.UTHRESHOLD);
        if ((e.dest.uThreshold = stringToNumber(optarg!, 0, INT_MAX)) === -1) fail('illegal-threshold', 'illegal u_threshold specified');
        break;
      case ch('y'):
        setOption(e, Opt.LTHRESHOLD);
        if ((e.dest.lThreshold = stringToNumber(optarg!, 0, INT_MAX)) === -1) fail('illegal-threshold', 'illegal l_threshold specified');
        break;
      case ch('c'):
        setOption(e, Opt.CONNECTION);
        break;
      case ch('n'):
        setOption(e, Opt.NUMERIC);
        e.format |= Fmt.NUMERIC;
        break;
      case Tag.MCAST_INTERFACE:
        setOption(e, Opt.MCAST);
        e.daemon.mcastIfn = strncpy(optarg!, 15);
        break;
      case ch('I'):
        setOption(e, Opt.SYNCID);
        if ((e.daemon.syncId = stringToNumber(optarg!, 0, 255)) === -1) fail('illegal-syncid', 'illegal syncid specified');
        break;
      case Tag.TIMEOUT:
        setOption(e, Opt.TIMEOUT);
        break;
      case Tag.DAEMON:
        setOption(e, Opt.DAEMON);
        break;
      case Tag.STATS:
        setOption(e, Opt.STATS);
        e.format |= Fmt.STATS;
        break;
      case Tag.RATE:
        setOption(e, Opt.RATE);
        e.format |= Fmt.RATE;
        break;
      case Tag.THRESHOLDS:
        setOption(e, Opt.THRESHOLDS);
        e.format |= Fmt.THRESHOLDS;
        break;
      case Tag.PERSISTENTCONN:
        setOption(e, Opt.PERSISTENTCONN);
        e.format |= Fmt.PERSISTENTCONN;
        break;
      case Tag.NO_SORT:
        setOption(e, Opt.NOSORT);
        e.format |= Fmt.NOSORT;
        break;
      case Tag.SORT:
        break;
      case ch('X'):
        setOption(e, Opt.EXACT);
        e.format |= Fmt.EXACT;
        break;
      case ch('6'):
        if (e.svc.fwmark) {
          e.svc.af = AF_INET6;
          e.svc.netmask = 128;
        } else fail('ipv6-before-fwmark', '-6 used before -f\n');
        break;
      case ch('o'):
        setOption(e, Opt.ONEPACKET);
        e.svc.flags |= SVC_F_ONEPACKET;
        break;
      case Tag.PERSISTENCE_ENGINE:
        setOption(e, Opt.PERSISTENCE_ENGINE);
        e.svc.peName = strncpy(optarg!, 16);
        break;
      case ch('b'):
        setOption(e, Opt.SCHED_FLAGS);
        schedFlagsArg = strncpy(optarg!, 127);
        break;
      case Tag.MCAST_GROUP: {
        setOption(e, Opt.MCAST_GROUP);
        const a = optarg!;
        if (a.includes(':')) {
          const g = inetPton6(a);
          if (!g || g[0] !== 0xff) fail('invalid-mcast-group', `invalid IPv6 mcast-group \`${a}'`);
          g.copy(e.daemon.mcastGroup, 0);
          e.daemon.mcastAf = AF_INET6;
        } else {
          const g = inetPton4(a);
          if (!g || (g[0] & 0xf0) !== 0xe0) fail('invalid-mcast-group', `invalid IPv4 mcast-group \`${a}'`);
          e.daemon.mcastGroup.fill(0);
          g.copy(e.daemon.mcastGroup, 0);
          e.daemon.mcastAf = AF_INET;
        }
        break;
      }
      case Tag.MCAST_PORT: {
        setOption(e, Opt.MCAST_PORT);
        const p = stringToNumber(optarg!, 1, 65535);
        if (p === -1) fail('illegal-mcast-port', 'illegal mcast-port specified');
        e.daemon.mcastPort = p;
        break;
      }
      case Tag.MCAST_TTL: {
        setOption(e, Opt.MCAST_TTL);
        const p = stringToNumber(optarg!, 1, 255);
        if (p === -1) fail('illegal-mcast-ttl', 'illegal mcast-ttl specified');
        e.daemon.mcastTtl = p;
        break;
      }
      case Tag.SYNC_MAXLEN: {
        setOption(e, Opt.SYNC_MAXLEN);
        const p = stringToNumber(optarg!, 1, 65535 - 20 - 8);
        if (p === -1) fail('illegal-sync-maxlen', 'illegal sync-maxlen specified');
        e.daemon.syncMaxLen = p;
        break;
      }
      case Tag.TUN_INFO:
        setOption(e, Opt.TUN_INFO);
        e.format |= Fmt.TUN_INFO;
        break;
      case Tag.TUN_TYPE: {
        setOption(e, Opt.TUN_TYPE);
        const p = parseTunType(optarg!);
        if (p === -1) fail('illegal-tun-type', 'illegal tunnel type specified');
        e.dest.tunType = p;
        break;
      }
      case Tag.TUN_PORT: {
        setOption(e, Opt.TUN_PORT);
        const p = stringToNumber(optarg!, 1, 65535);
        if (p === -1) fail('illegal-tun-port', 'illegal tunnel port specified');
        e.dest.tunPort = p;
        break;
      }
      case Tag.TUN_NOCSUM:
        setOption(e, Opt.TUN_NOCSUM);
        break;
      case Tag.TUN_CSUM:
        setOption(e, Opt.TUN_CSUM);
        e.dest.tunFlags |= TUN_F_CSUM;
        break;
      case Tag.TUN_REMCSUM:
        setOption(e, Opt.TUN_REMCSUM);
        e.dest.tunFlags |= TUN_F_REMCSUM;
        break;
      default:
        fail('invalid-option', `invalid option \`${con.badOption()}'`);
    }
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

/** ipvsadm generic_opt_check(). */
function genericOptCheck(command: Cmd, options: Set<Opt>): void {
  const row = COMMANDS_V_OPTIONS[command - 1];
  let last = 0;
  let count = 0;
  for (let j = 0; j < OPT_NAMES.length; j++) {
    const k = row[j];
    if (!options.has(j)) {
      if (k === '+') fail('missing-option', `You need to supply the '${OPT_NAMES[j]}' option for the '${CMD_NAMES[command - 1]}' command`);
    } else {
      if (k === 'x') fail('illegal-option', `Illegal '${OPT_NAMES[j]}' option with the '${CMD_NAMES[command - 1]}' command`);
      if (k === '1') {
        count++;
        if (count === 1) {
          last = j;
          continue;
        }
        fail('conflicting-options', `The option '${OPT_NAMES[j]}' conflicts with the '${OPT_NAMES[last]}' option in the '${CMD_NAMES[command - 1]}' command`);
      }
    }
  }
}

/** ipvsadm tunnel_opt_check(). */
function tunnelOptCheck(tunType: number, options: Set<Opt>): void {
  const row = TUNNEL_TYPES_V_OPTIONS[tunType];
  let last = 0;
  let count = 0;
  for (let j = 0; j < TUN_OPTS.length; j++) {
    const k = TUN_OPTS[j];
    if (!options.has(k)) {
      if (row[j] === '+') fail('missing-tunnel-option', `You need to supply the '${OPT_NAMES[k]}' option for the '${TUN_NAMES[tunType]}' tunnel type`);
    } else {
      if (row[j] === 'x') fail('illegal-tunnel-option', `Illegal '${OPT_NAMES[k]}' option with the '${TUN_NAMES[tunType]}' tunnel type`);
      if (row[j] === '1') {
        count++;
        if (count === 1) {
          last = k;
          continue;
        }
        fail('conflicting-tunnel-options', `The option '${OPT_NAMES[k]}' conflicts with the '${OPT_NAMES[last]}' option in the '${TUN_NAMES[tunType]}' tunnel type`);
      }
    }
  }
}

/**
 * The checks of process_options() between parsing and running: the option table, zero port, one-packet,
 * defaults (scheduler wlc, mcast interface eth0), destination port and family rules, tunnel options, and the
 * list command's conflicts. Mutates and returns the entry.
 */
export function checkEntry(e: CommandEntry): CommandEntry {
  genericOptCheck(e.cmd, e.options);
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
    tunnelOptCheck(e.dest.tunType, e.options);
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

export { SERVICE_ADDR, SERVICE_PORT, OPT_NAMES, CMD_NAMES };
