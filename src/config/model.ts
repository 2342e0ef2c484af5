// The typed keepalived.conf model: plain JSON-serialisable objects named after keepalived concepts.
// Every object carries `loc`, the location of the keyword that defined it. Durations are in seconds
// (fractions allowed, as keepalived accepts "1.5"). Secret fields are listed in SECRET_FIELDS so that
// dumps (`lvskeeper -d`) can redact them.
import type { Loc } from './types';

/** Field names whose values are secrets; dumpers replace their values. */
export const SECRET_FIELDS: readonly string[] = ['authPass', 'password'];

export type Family = 4 | 6;

export enum LvsMethod {
  NAT = 'NAT',
  DR = 'DR',
  TUN = 'TUN',
}

export enum Protocol {
  TCP = 'TCP',
  UDP = 'UDP',
  SCTP = 'SCTP',
}

/** IPVS schedulers keepalived accepts (check_parser.c lvs_schedulers[]). */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export enum TunnelType {
  IPIP = 'ipip',
  GUE = 'gue',
  GRE = 'gre',
}

export enum TunnelChecksum {
  NOCSUM = 'nocsum',
  CSUM = 'csum',
  REMCSUM = 'remcsum',
}

export enum VrrpState {
  MASTER = 'MASTER',
  BACKUP = 'BACKUP',
}

export enum AuthType {
  PASS = 'PASS',
  AH = 'AH',
}

/** A script line: the command as words (keepalived splits it like a shell, without expansion). */
export interface NotifyScript {
  loc: Loc;
  /** the command text as written (after quote removal) */
  command: string;
  args: string[];
  /** "username [groupname]" given after the script where keepalived allows it */
  user?: string;
  group?: string;
}

export interface NotifyFifo {
  loc: Loc;
  name: string;
  user?: string;
  group?: string;
  script?: NotifyScript;
}

export interface LvsSyncDaemon {
  loc: Loc;
  interface: string;
  vrrpInstance?: string;
  syncId?: number;
  maxLen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export interface LvsTimeouts {
  loc: Loc;
  tcp?: number;
  tcpFin?: number;
  udp?: number;
}

export interface GlobalDefs {
  loc?: Loc;
  routerId?: string;
  notificationEmailFrom?: string;
  notificationEmail: string[];
  smtpServer?: { address: string; family: Family; port: number };
  smtpHeloName?: string;
  /** seconds; keepalived default 30 */
  smtpConnectTimeout: number;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  checkerLogAllFailures: boolean;
  defaultInterface?: string;
  dynamicInterfaces: boolean;
  dynamicInterfacesAllowIfDown: boolean;
  startupScript?: NotifyScript;
  startupScriptTimeout: number;
  shutdownScript?: NotifyScript;
  shutdownScriptTimeout: number;
  // IPVS
  lvsTimeouts?: LvsTimeouts;
  lvsFlush: boolean;
  lvsFlushOnStop: 'no' | 'vs' | 'all';
  lvsSyncDaemon?: LvsSyncDaemon;
  // VRRP globals
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  vrrpGarpMasterDelay: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefresh: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelay?: number;
  vrrpGarpLowerPrioRepeat?: number;
  vrrpGarpInterval: number;
  vrrpGnaInterval: number;
  vrrpMinGarp: boolean;
  vrrpDownTimerAdverts: number;
  vrrpLowerPrioNoAdvert: boolean;
  vrrpHigherPrioSendAdvert: boolean;
  vrrpVersion: 2 | 3;
  vrrpCheckUnicastSrc: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  vrrpStartupDelay: number;
  logUnknownVrids: boolean;
  maxAutoPriority?: number;
  // notify fifos
  notifyFifo?: NotifyFifo;
  vrrpNotifyFifo?: NotifyFifo;
  lvsNotifyFifo?: NotifyFifo;
  vrrpNotifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;
  rsInitNotifies: boolean;
  noCheckerEmails: boolean;
  // script security
  scriptUser?: string;
  scriptGroup?: string;
  enableScriptSecurity: boolean;
  childWaitTime: number;
  umask?: number;
  randomSeed?: number;
}

export interface VrrpScript {
  loc: Loc;
  name: string;
  script?: NotifyScript;
  /** seconds, integer; default 1 */
  interval: number;
  /** seconds; default = interval */
  timeout?: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  initFail: boolean;
}

export interface TrackFile {
  loc: Loc;
  name: string;
  file?: string;
  weight: number;
  weightReverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

/** A reference from a vrrp_instance/sync group to a tracked object with an optional weight. */
export interface TrackRef {
  loc: Loc;
  name: string;
  /** undefined = use the tracked object's own weight */
  weight?: number;
  reverse?: boolean;
  noWeight?: boolean;
}

export interface VipAddress {
  loc: Loc;
  address: string;
  family: Family;
  prefixLen: number;
  dev?: string;
  scope?: string;
  broadcast?: string;
  label?: string;
  peer?: string;
  home?: boolean;
  noDad?: boolean;
  mngTmpAddr?: boolean;
  noPrefixRoute?: boolean;
  autoJoin?: boolean;
  noTrack?: boolean;
  preferredLft?: number | 'forever';
  useVmac?: boolean;
  trackGroup?: string;
}

/** A route line of virtual_routes/static_routes: the words after parsing, with the main fields named. */
export interface VirtualRoute {
  loc: Loc;
  /** destination prefix, or 'default' */
  dest: string;
  family?: Family;
  type?: string;
  src?: string;
  via?: string;
  dev?: string;
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  onlink?: boolean;
  noTrack?: boolean;
  /** every option word as written, for options not named above (mtu, advmss, nexthop ...) */
  options: string[];
}

export interface VirtualRule {
  loc: Loc;
  family?: Family;
  from?: string;
  to?: string;
  table?: string;
  priority?: number;
  not?: boolean;
  iif?: string;
  oif?: string;
  fwmark?: string;
  tos?: string;
  noTrack?: boolean;
  options: string[];
}

export interface VrrpAuth {
  loc: Loc;
  type?: AuthType;
  /** secret: redacted by dumpers */
  authPass?: string;
}

export interface TrackInterface {
  loc: Loc;
  name: string;
  weight?: number;
  reverse?: boolean;
  noWeight?: boolean;
}

export interface VrrpSyncGroup {
  loc: Loc;
  name: string;
  group: string[];
  trackInterface: TrackInterface[];
  trackScript: TrackRef[];
  trackFile: TrackRef[];
  notifyMaster?: NotifyScript;
  notifyBackup?: NotifyScript;
  notifyFault?: NotifyScript;
  notifyStop?: NotifyScript;
  notify?: NotifyScript;
  smtpAlert?: boolean;
  globalTracking: boolean;
  syncGroupTrackingWeight: boolean;
  notifyPriorityChanges?: boolean;
}

export interface VrrpInstance {
  loc: Loc;
  name: string;
  /** initial state requested; keepalived treats MASTER as "start as master if priority 255" */
  state: VrrpState;
  interface?: string;
  useVmac?: { name?: string; loc: Loc };
  useVmacAddr: boolean;
  vmacXmitBase: boolean;
  useIpvlan?: { name?: string; address?: string; loc: Loc };
  dontTrackPrimary: boolean;
  trackInterface: TrackInterface[];
  trackScript: TrackRef[];
  trackFile: TrackRef[];
  mcastSrcIp?: string;
  unicastSrcIp?: string;
  mcastDstIp?: string;
  unicastPeer: { loc: Loc; address: string; family: Family; minTtl?: number; maxTtl?: number }[];
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  trackSrcIp: boolean;
  virtualRouterId?: number;
  unicastTtl: number;
  version: 2 | 3;
  priority: number;
  /** seconds */
  advertInt: number;
  virtualIpaddress: VipAddress[];
  virtualIpaddressExcluded: VipAddress[];
  promoteSecondaries: boolean;
  virtualRoutes: VirtualRoute[];
  virtualRules: VirtualRule[];
  accept?: boolean;
  skipCheckAdvAddr: boolean;
  strictMode: boolean;
  nopreempt: boolean;
  preemptDelay: number;
  debug: number;
  notifyMaster?: NotifyScript;
  notifyBackup?: NotifyScript;
  notifyFault?: NotifyScript;
  notifyStop?: NotifyScript;
  notifyDeleted?: NotifyScript;
  notify?: NotifyScript;
  notifyMasterRxLowerPri?: NotifyScript;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  lvsSyncDaemonInterface?: string;
  garpMasterDelay: number;
  garpMasterRepeat: number;
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelay: number;
  garpLowerPrioRepeat: number;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  nativeIpv6: boolean;
  authentication?: VrrpAuth;
  /** the address family of the instance, from its VIPs/peers (undefined if it has none) */
  family?: Family;
}

export interface VsgEntry {
  loc: Loc;
  kind: 'address' | 'fwmark';
  /** first address of the range (kind 'address') */
  address?: string;
  /** last address of the range; equal to address when no range */
  addressEnd?: string;
  family?: Family;
  port?: number;
  fwmark?: number;
  fwmarkFamily?: Family;
}

export interface VirtualServerGroup {
  loc: Loc;
  name: string;
  entries: VsgEntry[];
}

export interface UrlCheck {
  loc: Loc;
  path?: string;
  digest?: string;
  /** status code ranges; default 200-299 */
  statusCodes: [number, number][];
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  regexOptions: string[];
  regexMinOffset?: number;
  regexMaxOffset?: number;
  regexStack?: number;
}

/** Connection options shared by the checkers that connect somewhere. */
export interface ConnOpts {
  /** destination address; default the real server's */
  connectIp?: string;
  /** destination port; default the real server's */
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  bindIf?: string;
  /** seconds */
  connectTimeout: number;
  fwmark?: number;
}

interface CheckerBase {
  loc: Loc;
  /** resolved: checker, else real server, else virtual server value; else the checker's default */
  retry: number;
  delayBeforeRetry: number;
  warmup: number;
  delayLoop: number;
  alpha: boolean;
  logAllFailures: boolean;
}

export interface HttpChecker extends CheckerBase, ConnOpts {
  type: 'HTTP_GET' | 'SSL_GET';
  /** Host header: resolved from the checker, else real server, else virtual server; a url's own virtualhost wins */
  virtualhost?: string;
  httpProtocol?: string;
  enableSni: boolean;
  fastRecovery: boolean;
  urls: UrlCheck[];
}

export interface TcpChecker extends CheckerBase, ConnOpts {
  type: 'TCP_CHECK';
}

export interface MiscChecker extends CheckerBase {
  type: 'MISC_CHECK';
  script?: NotifyScript;
  /** seconds; default delay_loop */
  timeout?: number;
  dynamic: boolean;
  user?: string;
  group?: string;
}

/** Legacy `host { }` blocks are expanded into one SMTP_CHECK each (as keepalived does). */
export interface SmtpChecker extends CheckerBase, ConnOpts {
  type: 'SMTP_CHECK';
  /** default "smtpchecker.keepalived.org" (SMTP_DEFAULT_HELO) */
  heloName: string;
}

export interface DnsChecker extends CheckerBase, ConnOpts {
  type: 'DNS_CHECK';
  queryType: string;
  name: string;
}

export interface UdpChecker extends CheckerBase, ConnOpts {
  type: 'UDP_CHECK';
  /** hex bytes of the payload to send */
  payload?: string;
  requireReply: boolean;
  /** expected reply bytes (hex) and, when it has x wildcards, a mask (hex; bits set = must match) */
  replyData?: string;
  replyMask?: string;
  minReplyLength: number;
  maxReplyLength: number;
}

export interface PingChecker extends CheckerBase, ConnOpts {
  type: 'PING_CHECK';
}

export interface FileChecker {
  loc: Loc;
  type: 'FILE_CHECK';
  trackFile?: string;
  weight?: number;
  weightReverse: boolean;
}

export interface BfdChecker {
  loc: Loc;
  type: 'BFD_CHECK';
  name?: string;
  alpha: boolean;
}

export type Checker =
  | HttpChecker
  | TcpChecker
  | MiscChecker
  | SmtpChecker
  | DnsChecker
  | UdpChecker
  | PingChecker
  | FileChecker
  | BfdChecker;

export type CheckerType = Checker['type'];

export interface TunnelOpts {
  tunType?: TunnelType;
  tunPort?: number;
  tunFlags?: TunnelChecksum;
}

export interface RealServer extends TunnelOpts {
  loc: Loc;
  address: string;
  family: Family;
  /** 0 = same as the virtual server (or none, for fwmark services) */
  port: number;
  weight: number;
  lvsMethod: LvsMethod;
  uthreshold?: number;
  lthreshold?: number;
  inhibitOnFailure: boolean;
  notifyUp?: NotifyScript;
  notifyDown?: NotifyScript;
  alpha: boolean;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  connectTimeout: number;
  delayLoop: number;
  smtpAlert: boolean;
  virtualhost?: string;
  checkers: Checker[];
}

export interface SorryServer extends TunnelOpts {
  loc: Loc;
  address: string;
  family: Family;
  port: number;
  lvsMethod: LvsMethod;
  inhibit: boolean;
}

export interface VirtualServer extends TunnelOpts {
  loc: Loc;
  /** how the service is addressed */
  kind: 'address' | 'fwmark' | 'group';
  address?: string;
  port?: number;
  fwmark?: number;
  group?: string;
  family?: Family;
  ipFamily?: Family;
  delayLoop: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  connectTimeout: number;
  inhibitOnFailure: boolean;
  lbAlgo: Scheduler;
  ops: boolean;
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
  shPort: boolean;
  shFallback: boolean;
  mhPort: boolean;
  mhFallback: boolean;
  lvsMethod: LvsMethod;
  persistenceEngine?: string;
  /** seconds; 0 = not persistent */
  persistenceTimeout: number;
  /** IPv4 netmask text or IPv6 prefix length */
  persistenceGranularity?: string;
  protocol?: Protocol;
  haSuspend: boolean;
  smtpAlert: boolean;
  virtualhost?: string;
  alpha: boolean;
  omega: boolean;
  quorumUp?: NotifyScript;
  quorumDown?: NotifyScript;
  quorum: number;
  hysteresis: number;
  /** default weight for real servers that do not set one */
  weight: number;
  sorryServer?: SorryServer;
  realServers: RealServer[];
}

export interface SslContext {
  loc: Loc;
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

export interface Config {
  globalDefs: GlobalDefs;
  vrrpScripts: VrrpScript[];
  trackFiles: TrackFile[];
  vrrpSyncGroups: VrrpSyncGroup[];
  vrrpInstances: VrrpInstance[];
  staticIpaddress: VipAddress[];
  staticRoutes: VirtualRoute[];
  staticRules: VirtualRule[];
  ssl?: SslContext;
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
  /** keywords keepalived knows that lvskeeper accepted but does not act on (also reported as W_UNSUPPORTED) */
  unsupported: { keyword: string; loc: Loc }[];
}
