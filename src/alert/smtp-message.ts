// keepalived's SMTP alert texts, pure: subjects and bodies for VRRP, sync-group and real/virtual-server events,
// the To header and the DATA section, as keepalived 2.2.7 writes them (keepalived/core/smtp.c, include/smtp.h,
// vrrp/vrrp_notify.c, check/check_*.c, check/ipwrapper.c).
import * as os from 'os';
import type { Config } from '../config/index';

/** keepalived's buffers: subject MAX_HEADERS_LENGTH 256, body MAX_BODY_LENGTH 512 (with the NUL). */
export const MAX_SUBJECT = 255;
export const MAX_BODY = 511;
/** SMTP_BUFFER_MAX 1024: the To header holds at most this many bytes (with the NUL). */
export const MAX_TO_HEADER = 1023;

/** What one alert is about. */
export type Alert =
  | { kind: 'vrrp'; instance: string; state: VrrpAlertState }
  | { kind: 'vgroup'; group: string; state: VrrpAlertState }
  /** `up`: the real server's state (subject); `checkerUp`: the checker's transition (body) */
  | { kind: 'rs'; rs: string; vs: string; up: boolean; checker: AlertChecker; checkerUp?: boolean; detail?: string }
  | { kind: 'rs-shut'; rs: string; vs: string; stopping: boolean }
  | { kind: 'vs'; vs: string; up: boolean; message: string }
  | { kind: 'other'; subject: string; body: string };

export type VrrpAlertState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
export type AlertChecker = 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'UDP_CHECK' | 'DNS_CHECK' | 'PING_CHECK' | 'SMTP_CHECK' | 'MISC_CHECK' | 'FILE_CHECK' | 'BFD_CHECK';

/** The sender's view of global_defs, with keepalived's defaults filled in (core/global_data.c init_global_data). */
export interface SmtpSettings {
  server: { address: string; port: number };
  /** seconds (smtp_connect_timeout, default 30) */
  connectTimeout: number;
  heloName: string;
  from: string;
  to: string[];
  routerId: string;
  /** no_email_faults: FAULT transitions send no mail */
  noEmailFaults: boolean;
}

/** keepalived's get_local_name(): the node name (uname). */
export function localName(): string {
  return os.hostname();
}

/** The mail settings, or undefined when keepalived would send nothing (no notification_email or no smtp_server). */
export function smtpSettings(config: Config, user = safeUser(), host = localName()): SmtpSettings | undefined {
  const g = config.globalDefs;
  if (!g.smtpServer || g.notificationEmail.length === 0) return undefined;
  return {
    server: { address: g.smtpServer.address, port: g.smtpServer.port },
    connectTimeout: g.smtpConnectTimeout,
    heloName: g.smtpHeloName ?? host,
    // set_default_email_from(): "<user of this process>@<local name>"
    from: g.notificationEmailFrom ?? `${user}@${host}`,
    to: [...g.notificationEmail],
    routerId: g.routerId ?? host,
    noEmailFaults: g.noEmailFaults,
  };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
}

const VRRP_TEXT: Record<VrrpAlertState, [string, string, string]> = {
  // state: [subject, instance body, group body] (vrrp_notify.c vrrp_smtp_notifier / vrrp_sync_smtp_notifier)
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <=', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <=', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <=', '=> All VRRP group instances are now stopping <='],
  DELETED: ['Deleted', '=> VRRP Deleted at reload <=', '=> VRRP Group Deleted at reload <='],
};

/** The checkers' alert bodies, [up, down] (check_tcp.c, check_http.c, check_udp.c, check_dns.c, check_ping.c, check_smtp.c, check_misc.c). */
const CHECKER_BODY: Record<AlertChecker, [string, string]> = {
  TCP_CHECK: ['=> TCP CHECK succeed on service <=', '=> TCP CHECK failed on service <='],
  HTTP_GET: ['=> CHECK succeed on service <=', '=> CHECK failed on service : HTTP request failed <='],
  SSL_GET: ['=> CHECK succeed on service <=', '=> CHECK failed on service : HTTP request failed <='],
  UDP_CHECK: ['=> UDP CHECK succeed on service <=', '=> UDP CHECK failed on service <='],
  DNS_CHECK: ['=> DNS_CHECK: succeed on service <=', '=> DNS_CHECK: failed on service <='],
  PING_CHECK: ['=> ICMP CHECK succeed on service <=', '=> ICMP CHECK failed on service <='],
  SMTP_CHECK: ['=> CHECK succeed on service <=', '=> CHECK failed on service <='],
  MISC_CHECK: ['=> MISC CHECK succeeded on service <=', '=> MISC CHECK failed on service <='],
  FILE_CHECK: ['=> FILE CHECK succeeded on service <=', '=> FILE CHECK failed on service <='],
  BFD_CHECK: ['=> BFD CHECK succeeded on service <=', '=> BFD CHECK failed on service <='],
};

/** Subject and body of one alert (smtp.c smtp_alert()); subject and body cut to keepalived's buffer sizes. */
export function formatAlert(a: Alert, routerId: string): { subject: string; body: string } {
  let subject: string;
  let body: string;
  switch (a.kind) {
    case 'vrrp':
      subject = `[${routerId}] VRRP Instance ${a.instance} - ${VRRP_TEXT[a.state][0]}`;
      body = VRRP_TEXT[a.state][1];
      break;
    case 'vgroup':
      subject = `[${routerId}] VRRP Group ${a.group} - ${VRRP_TEXT[a.state][0]}`;
      body = VRRP_TEXT[a.state][2];
      break;
    case 'rs':
      subject = `[${routerId}] Realserver ${a.rs} of virtual server ${a.vs} - ${a.up ? 'UP' : 'DOWN'}`;
      body = a.detail ?? CHECKER_BODY[a.checker][(a.checkerUp ?? a.up) ? 0 : 1];
      break;
    case 'rs-shut':
      subject = `[${routerId}] Realserver ${a.rs} of virtual server ${a.vs} - DOWN`;
      body = a.stopping ? '=> Shutting down <=' : '=> Removing <=';
      break;
    case 'vs':
      subject = `[${routerId}] Virtualserver ${a.vs} - ${a.up ? 'UP' : 'DOWN'}`;
      body = a.message;
      break;
    case 'other':
      subject = routerId ? `[${routerId}] ${a.subject}` : a.subject;
      body = a.body;
      break;
  }
  return { subject: subject.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

/** build_to_header_rcpt_addrs(): "a, b, c", stopping before an address that would overflow the buffer. */
export function toHeader(to: readonly string[]): string {
  let out = '';
  for (const addr of to) {
    const sep = out ? ', ' : '';
    if (out.length + sep.length + addr.length > MAX_TO_HEADER) break;
    out += sep + addr;
  }
  return out;
}

/** strftime "%a, %d %b %Y %H:%M:%S %z" in local time, as body_cmd() writes the Date header. */
export function rfc822Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${days[d.getDay()]}, ${p(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${tz}`;
}

/**
 * The DATA section up to and including the terminating "." line (SMTP_HEADERS_CMD SMTP_BODY_CMD SMTP_SEND_CMD).
 * Body lines starting with "." are dot-stuffed (RFC 5321 4.5.2), which keepalived omits; its own bodies never
 * start with one.
 */
export function formatData(s: Pick<SmtpSettings, 'from' | 'to'>, subject: string, body: string, date: Date): string {
  const stuffed = body.replace(/(^|\r\n)\./g, '$1..');
  return `Date: ${rfc822Date(date)}\r\nFrom: ${s.from}\r\nSubject: ${subject}\r\nX-Mailer: Keepalived\r\nTo: ${toHeader(s.to)}\r\n\r\n${stuffed}\r\n\r\n.\r\n`;
}

/** keepalived's format_vs() (check_data.c): "[group]:port", "FWM n" or the address trio. */
export function formatVs(vs: { kind: string; address?: string; port?: number; fwmark?: number; group?: string; protocol?: string }): string {
  if (vs.kind === 'group') return `[${vs.group}]:${vs.port ?? 0}`;
  if (vs.kind === 'fwmark') return `FWM ${vs.fwmark}`;
  return formatTrio(vs.address ?? '', vs.protocol, vs.port ?? 0);
}

/** keepalived's inet_sockaddrtotrio(): "[10.0.0.1]:tcp:80". */
export function formatTrio(address: string, protocol: string | number | undefined, port: number): string {
  const p =
    typeof protocol === 'string'
      ? protocol.toLowerCase()
      : protocol === 6
        ? 'tcp'
        : protocol === 17
          ? 'udp'
          : protocol === 132
            ? 'sctp'
            : protocol === 0 || protocol === undefined
              ? 'none'
              : '?';
  return `[${address}]:${p}:${port}`;
}
