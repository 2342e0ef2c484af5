// ipvsadm 1.31's command model (ipvsadm.c, libipvs/ip_vs.h): commands, option bits, the command/option and
// tunnel/option compatibility tables, formats, forwarding methods, flags and the parsed command entry.
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
export const CMD_NAMES = ['add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server', 'edit-server', 'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero'];

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
export const OPT_NAMES = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server', 'forwarding-method', 'weight', 'u-threshold',
  'l-threshold', 'mcast-interface', 'timeout', 'daemon', 'stats', 'rate', 'thresholds', 'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe',
  'sched-flags', 'mcast-group', 'mcast-port', 'mcast-ttl', 'sync-maxlen', 'tun-info', 'tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
];

// ipvsadm.c commands_v_options: '+' compulsory, 'x' illegal, '1' exclusive, ' ' optional. One row per command,
// one column per Opt (n c svc s p M r fwd w x y mc tot dmn st rt thr pc srt sid ex ops pe b grp port ttl size tinf type tprt nocs csum remc).
export const COMMANDS_V_OPTIONS: readonly string[] = [
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
export const TUN_OPTS = [Opt.TUN_PORT, Opt.TUN_NOCSUM, Opt.TUN_CSUM, Opt.TUN_REMCSUM];
// tunnel_types_v_options: columns tun-port, nocsum, csum, remcsum.
export const TUNNEL_TYPES_V_OPTIONS = ['xxxx', '+111', 'x11x'];

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

/** libipvs.h MINIMUM_IPVS_VERSION_* (1.1.4): an older kernel gets ipvsadm's version warning. */
export const MINIMUM_IPVS_VERSION = 0x010104;
export const IPVS_SVC_PERSISTENT_TIMEOUT = 6 * 60;
export const MAX_TIMEOUT = 86400 * 31;
export const INT_MAX = 0x7fffffff;
export const UINT_MAX = 0xffffffff;

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
