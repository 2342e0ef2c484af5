// Input and output shapes of the health checkers: CheckTarget (one configured checker, keepalived names in camelCase), CheckResult, errors.
// The lead maps the keepalived.conf model onto CheckTarget; nothing here depends on src/config.

/** Checker kinds, named as in keepalived.conf. */
export enum CheckerKind {
  Tcp = 'TCP_CHECK',
  HttpGet = 'HTTP_GET',
  SslGet = 'SSL_GET',
  Udp = 'UDP_CHECK',
  Dns = 'DNS_CHECK',
  Smtp = 'SMTP_CHECK',
  Misc = 'MISC_CHECK',
  File = 'FILE_CHECK',
  Ping = 'PING_CHECK',
}

/** Service protocol of the real server, used only in log labels ("[1.2.3.4]:tcp:80", keepalived's inet_sockaddrtotrio). */
export type ServiceProtocol = 'tcp' | 'udp' | 'sctp' | 'none';

/** Connection options shared by the network checkers (keepalived check_api.c conn_opts_t). */
export interface ConnOpts {
  /** Address actually probed: connect_ip, else the real server address. IPv4 or IPv6 literal. */
  connectIp: string;
  /** connect_port, else the real server port. 0 for PING_CHECK. */
  connectPort: number;
  /** bindto: source address. */
  bindto?: string;
  /** bind_port: source port. */
  bindPort?: number;
  /** bind_if: interface, required for IPv6 link-local destinations (scope id appended to the address). */
  bindIf?: string;
  /** fwmark (SO_MARK). Node cannot set SO_MARK; recorded for the lead, not applied. */
  fwmark?: number;
}

/** Timing and retry options of every checker (check_api.c install_checker_common_keywords). Times in milliseconds. */
export interface CheckTiming {
  /** connect_timeout (default: real server's, else virtual server's, else 5 s). */
  connectTimeoutMs: number;
  /** delay_loop (default 60 s). */
  delayLoopMs: number;
  /** retry; per-checker default: see defaultRetry(). */
  retry: number;
  /** delay_before_retry; per-checker default: see defaultDelayBeforeRetryMs(). */
  delayBeforeRetryMs: number;
  /** warmup: first check after 1 s + random(0..warmup); default = delay_loop. */
  warmupMs: number;
  /** alpha: the checker starts in the DOWN state. */
  alpha: boolean;
  /** log_all_failures. */
  logAllFailures?: boolean;
}

/** One url block of HTTP_GET / SSL_GET (check_http.c url_t). */
export interface HttpUrl {
  path: string;
  /** Accepted status codes as inclusive ranges; empty/undefined means keepalived's default 200-299. */
  statusCode?: Array<[number, number]>;
  /** digest: 32 hex characters (MD5 of the body as genhash computes it). */
  digest?: string;
  /** url-level virtualhost (overrides the checker's). */
  virtualhost?: string;
  /** regex (JavaScript RegExp source; keepalived uses PCRE2) and regex_no_match. */
  regex?: string;
  regexNoMatch?: boolean;
  /** regex_min_offset / regex_max_offset: match must start in [min, max). */
  regexMinOffset?: number;
  regexMaxOffset?: number;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

/** status_code values keepalived accepts (check_http.c: 100-599). Here so that validation does not load undici. */
export const HTTP_STATUS_CODE_MIN = 100;
export const HTTP_STATUS_CODE_MAX = 599;

export interface HttpCheckOptions {
  urls: HttpUrl[];
  /** virtualhost at checker level; else the real server's, else the virtual server's (the lead fills the inherited one). */
  virtualhost?: string;
  httpProtocol?: HttpProtocol;
  /** SSL_GET only: send SNI (name = url/checker/vs virtualhost, or sniName). */
  enableSni?: boolean;
  sniName?: string;
  /** fast_recovery: do not wait delay_loop between urls while the checker has not run yet or is recovering. */
  fastRecovery?: boolean;
  /** SSL_GET client side of the global SSL { } block. The server certificate is never verified (keepalived sets no SSL_VERIFY_PEER). */
  tls?: SslClientOptions;
}

/** keepalived's global `SSL { password; ca; certificate; key }` block (check_ssl.c build_ssl_ctx). */
export interface SslClientOptions {
  /** certificate: PEM chain file presented as client certificate. */
  certificate?: string;
  /** key: PEM private key file. */
  key?: string;
  /** password: passphrase of the key. */
  password?: string;
  /** ca: loaded by keepalived but, without SSL_VERIFY_PEER, never enforced; kept for completeness. */
  ca?: string;
}

export interface UdpCheckOptions {
  /** payload as keepalived hex (pairs, spaces allowed). Absent: keepalived sends a fixed 2-byte-pattern buffer (set_buf). */
  payload?: string;
  /** require_reply; `true` without data, or a hex pattern where X/x is a wildcard nibble. */
  requireReply?: boolean | string;
  minReplyLength?: number;
  maxReplyLength?: number;
}

/** DNS types accepted by keepalived's DNS_CHECK (check_dns.c DNS_TYPE[]). */
export type DnsTypeName = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

export interface DnsCheckOptions {
  /** type (default SOA). */
  type?: DnsTypeName;
  /** name (default "" = root). */
  name?: string;
}

export interface SmtpCheckOptions {
  /** helo_name (default smtpchecker.keepalived.org). */
  heloName?: string;
}

export interface MiscCheckOptions {
  /**
   * misc_path's first argument with its quotes removed, e.g. `/usr/local/bin/script.sh arg1 arg2` from
   * `misc_path "/usr/local/bin/script.sh arg1 arg2"`. keepalived splits it again into argv (quotes and escapes
   * allowed inside; misc.ts miscArgv). Further unquoted words on the line are ignored by keepalived.
   */
  miscPath: string;
  /** argv given directly (overrides miscPath when present). */
  argv?: string[];
  /** misc_timeout in ms; default: delay_loop. */
  miscTimeoutMs?: number;
  /** misc_dynamic: exit 2..255 sets weight to code-2. */
  miscDynamic?: boolean;
  /** user: uid/gid to run as (resolved by the lead); default: keepalived_script user or root. */
  uid?: number;
  gid?: number;
}

export interface FileCheckOptions {
  /** The tracked file's path (from the track_file block). */
  path: string;
  /** weight: from the FILE_CHECK block, else the track_file block (default 1). 0 = the value only means up (0) or down (non-zero). */
  weight?: number;
  /** weight ... reverse. */
  reverse?: boolean;
}

interface TargetBase {
  /** Real server label for logs; default "[ip]:proto:port" of the real server. */
  rsLabel?: string;
  /** Virtual server label for logs (keepalived FMT_VS), not part of the deduplication key. */
  vsLabel?: string;
  /** Real server's own address (log label). */
  rsAddress?: string;
  rsPort?: number;
  protocol?: ServiceProtocol;
  timing: CheckTiming;
}

export type CheckTarget =
  | (TargetBase & { kind: CheckerKind.Tcp; conn: ConnOpts })
  | (TargetBase & { kind: CheckerKind.HttpGet; conn: ConnOpts; http: HttpCheckOptions })
  | (TargetBase & { kind: CheckerKind.SslGet; conn: ConnOpts; http: HttpCheckOptions })
  | (TargetBase & { kind: CheckerKind.Udp; conn: ConnOpts; udp: UdpCheckOptions })
  | (TargetBase & { kind: CheckerKind.Dns; conn: ConnOpts; dns: DnsCheckOptions })
  | (TargetBase & { kind: CheckerKind.Smtp; conn: ConnOpts; smtp: SmtpCheckOptions })
  | (TargetBase & { kind: CheckerKind.Ping; conn: ConnOpts })
  | (TargetBase & { kind: CheckerKind.Misc; misc: MiscCheckOptions })
  | (TargetBase & { kind: CheckerKind.File; file: FileCheckOptions });

export type TargetOf<K extends CheckerKind> = Extract<CheckTarget, { kind: K }>;

/** Outcome of one attempt of one checker. */
export interface CheckResult {
  ok: boolean;
  /** Human-readable reason (keepalived's wording where it has one). */
  message: string;
  latencyMs: number;
  /** MISC_CHECK misc_dynamic: absolute weight (exit code - 2). */
  weight?: number;
  /** FILE_CHECK: weight offset added to the real server's configured weight (file value x weight x ±1). */
  weightDelta?: number;
  /** true when the failure was a timeout. */
  timedOut?: boolean;
}

/** A checker plugin: one attempt, no policy. Must settle soon after `signal` aborts. */
export type CheckFn<T extends CheckTarget = CheckTarget> = (target: T, signal: AbortSignal) => Promise<CheckResult>;

/**
 * The callback form of a checker, for the hottest kinds (TCP_CHECK): no AbortController and no promise per attempt.
 * Starts an attempt and returns its abort function, or undefined when this target needs the CheckFn (then nothing
 * was started). `done` is called exactly once, never synchronously; after an abort the checker still calls it,
 * at once, with its verdict (abortMessage wording), as a CheckFn would resolve.
 */
export type CheckStartFn<T extends CheckTarget = CheckTarget> = (target: T, done: (r: CheckResult) => void) => ((reason: unknown) => void) | undefined;

/** abortMessage() for an abort reason rather than a signal. */
export function abortReasonMessage(reason: unknown, what: string): string {
  return reason instanceof Error && reason.name === 'TimeoutError' ? `${what} timeout` : `${what} aborted`;
}

/** Error with a stable code, raised by checker helpers and codecs. */
export class CheckError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  constructor(code: string, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CheckError';
    this.code = code;
    this.context = context;
  }
}

/** keepalived defaults: check_data.c alloc_vs (connect_timeout 5 s, delay_loop 60 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_DELAY_LOOP_MS = 60000;
/** lib/scheduler.h BOOTSTRAP_DELAY: every checker's first run is at least 1 s after start. */
export const BOOTSTRAP_DELAY_MS = 1000;

/** Per-checker default `retry` (check_api.c queue_checker: 1; check_misc.c: 0; check_dns.c DNS_DEFAULT_RETRY: 3). */
export function defaultRetry(kind: CheckerKind): number {
  if (kind === CheckerKind.Misc || kind === CheckerKind.File) return 0;
  if (kind === CheckerKind.Dns) return 3;
  return 1;
}

/** Per-checker default delay_before_retry (check_api.c: 1 s; check_http.c: 3 s; check_dns.c: 0 meaning delay_loop). */
export function defaultDelayBeforeRetryMs(kind: CheckerKind, delayLoopMs: number): number {
  if (kind === CheckerKind.HttpGet || kind === CheckerKind.SslGet) return 3000;
  if (kind === CheckerKind.Dns) return delayLoopMs;
  return 1000;
}

/** Fill CheckTiming from partial options with keepalived's per-checker defaults (check_data.c validate_check_config). */
export function makeTiming(kind: CheckerKind, partial: Partial<CheckTiming> = {}): CheckTiming {
  const delayLoopMs = partial.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  return {
    connectTimeoutMs: partial.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    delayLoopMs,
    retry: partial.retry ?? defaultRetry(kind),
    delayBeforeRetryMs: partial.delayBeforeRetryMs ?? defaultDelayBeforeRetryMs(kind, delayLoopMs),
    warmupMs: partial.warmupMs ?? delayLoopMs,
    alpha: partial.alpha ?? false,
    logAllFailures: partial.logAllFailures ?? false,
  };
}

/** keepalived's FMT_CHK label: "[addr]:proto:port" of the real server. */
export function targetLabel(t: CheckTarget): string {
  if (t.rsLabel) return t.rsLabel;
  const addr = t.rsAddress ?? ('conn' in t ? t.conn.connectIp : '0.0.0.0');
  const port = t.rsPort ?? ('conn' in t ? t.conn.connectPort : 0);
  return `[${addr}]:${t.protocol ?? 'tcp'}:${port}`;
}

/** Result helpers used by every checker. */
export function okResult(message: string, startedAt: number, extra: Partial<CheckResult> = {}): CheckResult {
  return { ok: true, message, latencyMs: Math.max(0, performanceNow() - startedAt), ...extra };
}
export function failResult(message: string, startedAt: number, extra: Partial<CheckResult> = {}): CheckResult {
  return { ok: false, message, latencyMs: Math.max(0, performanceNow() - startedAt), ...extra };
}
export function performanceNow(): number {
  return performance.now();
}

/** Message for an aborted attempt: keepalived says "timeout". */
export function abortMessage(signal: AbortSignal, what: string): string {
  return abortReasonMessage(signal.reason, what);
}

/** Socket address string for node APIs: IPv6 link-local gets "%ifname" from bind_if. */
export function hostWithScope(conn: ConnOpts): string {
  if (conn.bindIf && conn.connectIp.includes(':') && /^fe[89ab]/i.test(conn.connectIp) && !conn.connectIp.includes('%')) {
    return `${conn.connectIp}%${conn.bindIf}`;
  }
  return conn.connectIp;
}
