// IPVS generic netlink constants, mirroring include/uapi/linux/ip_vs.h of Linux 6.1 (the VM kernel, 6.1.0-56-amd64).

/** IP_VS_VERSION_CODE 0x010201: "1.2.1" */
export const IP_VS_VERSION_CODE = 0x010201;
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 0x1;

export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 16;
export const IP_VS_IFNAME_MAXLEN = 16;
export const IP_VS_PEDATA_MAXLEN = 255;

/** Virtual service flags (IP_VS_SVC_F_*). */
export enum ServiceFlag {
  PERSISTENT = 0x0001,
  /** kernel-internal: set on every service in the hash table; reported in dumps */
  HASHED = 0x0002,
  ONEPACKET = 0x0004,
  SCHED1 = 0x0008,
  SCHED2 = 0x0010,
  SCHED3 = 0x0020,
}
/** Scheduler flag aliases: IP_VS_SVC_F_SCHED_SH_* are in the uapi header; the MH ones are defined by
 *  ipvsadm (libipvs/ip_vs.h) and net/netfilter/ipvs/ip_vs_mh.c with the same bits. */
export const SVC_F_SCHED_SH_FALLBACK = ServiceFlag.SCHED1;
export const SVC_F_SCHED_SH_PORT = ServiceFlag.SCHED2;
export const SVC_F_SCHED_MH_FALLBACK = ServiceFlag.SCHED1;
export const SVC_F_SCHED_MH_PORT = ServiceFlag.SCHED2;

/** Destination status flags (IP_VS_DEST_F_*), kernel-internal. */
export enum DestFlag {
  AVAILABLE = 0x0001,
  OVERLOAD = 0x0002,
}

/** Sync daemon states (IP_VS_STATE_*). */
export enum SyncState {
  NONE = 0x0000,
  MASTER = 0x0001,
  BACKUP = 0x0002,
}

/** Forwarding methods: IP_VS_CONN_F_FWD_MASK values of the connection flags. */
export enum ForwardMethod {
  MASQ = 0x0000,
  LOCALNODE = 0x0001,
  TUNNEL = 0x0002,
  DROUTE = 0x0003,
  BYPASS = 0x0004,
}
export const IP_VS_CONN_F_FWD_MASK = 0x0007;

/** Tunnel types (IP_VS_CONN_F_TUNNEL_TYPE_*). */
export enum TunnelType {
  IPIP = 0,
  GUE = 1,
  GRE = 2,
}
export const IP_VS_CONN_F_TUNNEL_TYPE_MAX = 3;

/** Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*). NOCSUM is the absence of the others. */
export enum TunnelFlag {
  NOCSUM = 0,
  CSUM = 1 << 0,
  REMCSUM = 1 << 1,
}

/** IP protocols a virtual service can carry (ipvsadm -t/-u/--sctp-service). */
export enum Protocol {
  TCP = 6,
  UDP = 17,
  SCTP = 132,
}

/** Address families (linux/socket.h). */
export enum AddressFamily {
  UNSPEC = 0,
  INET = 2,
  INET6 = 10,
}

/** Generic netlink commands (IPVS_CMD_*). */
export enum IpvsCmd {
  UNSPEC = 0,
  NEW_SERVICE = 1,
  SET_SERVICE = 2,
  DEL_SERVICE = 3,
  GET_SERVICE = 4,
  NEW_DEST = 5,
  SET_DEST = 6,
  DEL_DEST = 7,
  GET_DEST = 8,
  NEW_DAEMON = 9,
  DEL_DAEMON = 10,
  GET_DAEMON = 11,
  SET_CONFIG = 12,
  GET_CONFIG = 13,
  /** only used in GET_INFO replies */
  SET_INFO = 14,
  GET_INFO = 15,
  ZERO = 16,
  FLUSH = 17,
}

/** First-level command attributes (IPVS_CMD_ATTR_*). */
export enum CmdAttr {
  UNSPEC = 0,
  SERVICE = 1,
  DEST = 2,
  DAEMON = 3,
  TIMEOUT_TCP = 4,
  TIMEOUT_TCP_FIN = 5,
  TIMEOUT_UDP = 6,
}

/** Attributes nested in IPVS_CMD_ATTR_SERVICE (IPVS_SVC_ATTR_*). */
export enum SvcAttr {
  UNSPEC = 0,
  AF = 1,
  PROTOCOL = 2,
  ADDR = 3,
  PORT = 4,
  FWMARK = 5,
  SCHED_NAME = 6,
  FLAGS = 7,
  TIMEOUT = 8,
  NETMASK = 9,
  STATS = 10,
  PE_NAME = 11,
  STATS64 = 12,
}

/** Attributes nested in IPVS_CMD_ATTR_DEST (IPVS_DEST_ATTR_*). */
export enum DestAttr {
  UNSPEC = 0,
  ADDR = 1,
  PORT = 2,
  FWD_METHOD = 3,
  WEIGHT = 4,
  U_THRESH = 5,
  L_THRESH = 6,
  ACTIVE_CONNS = 7,
  INACT_CONNS = 8,
  PERSIST_CONNS = 9,
  STATS = 10,
  ADDR_FAMILY = 11,
  STATS64 = 12,
  TUN_TYPE = 13,
  TUN_PORT = 14,
  TUN_FLAGS = 15,
}

/** Attributes nested in IPVS_CMD_ATTR_DAEMON (IPVS_DAEMON_ATTR_*). */
export enum DaemonAttr {
  UNSPEC = 0,
  STATE = 1,
  MCAST_IFN = 2,
  SYNC_ID = 3,
  SYNC_MAXLEN = 4,
  MCAST_GROUP = 5,
  MCAST_GROUP6 = 6,
  MCAST_PORT = 7,
  MCAST_TTL = 8,
}

/** Attributes nested in the STATS / STATS64 attributes (IPVS_STATS_ATTR_*). */
export enum StatsAttr {
  UNSPEC = 0,
  CONNS = 1,
  INPKTS = 2,
  OUTPKTS = 3,
  INBYTES = 4,
  OUTBYTES = 5,
  CPS = 6,
  INPPS = 7,
  OUTPPS = 8,
  INBPS = 9,
  OUTBPS = 10,
  PAD = 11,
}

/** Attributes of a GET_INFO reply (IPVS_INFO_ATTR_*). */
export enum InfoAttr {
  UNSPEC = 0,
  VERSION = 1,
  CONN_TAB_SIZE = 2,
}

/** Defaults of net/netfilter/ipvs (6.1) that the fake client reproduces. */
export const KERNEL_DEFAULTS = {
  /** CONFIG_IP_VS_TAB_BITS=12 in Debian's kernel config: 1 << 12 */
  connTabSize: 4096,
  /** ip_vs_proto_tcp.c tcp_timeouts[ESTABLISHED], [FIN_WAIT]; ip_vs_proto_udp.c udp_timeouts[NORMAL] */
  timeoutTcp: 15 * 60,
  timeoutTcpFin: 2 * 60,
  timeoutUdp: 5 * 60,
  /** ip_vs_sync.c: IP_VS_SYNC_GROUP 224.0.0.81, IP_VS_SYNC_PORT 8848, TTL 1 */
  syncGroup: '224.0.0.81',
  syncPort: 8848,
  syncTtl: 1,
  /** CONFIG_HZ=250 on Debian amd64: timeouts above INT_MAX / HZ seconds are EINVAL */
  hz: 250,
} as const;

/** Schedulers built as modules in Debian's 6.1 kernel (net/netfilter/ipvs/ip_vs_*.c). */
export const KERNEL_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
/** Persistence engines (ip_vs_pe_*.c). */
export const KERNEL_PERSISTENCE_ENGINES = ['sip'] as const;
