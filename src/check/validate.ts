// Checks a CheckTarget the way keepalived's checker parsers do at the end of each block, returning its messages:
// errors mean keepalived would drop the checker ("- ignoring"/"- skipping"), warnings keep it.

import net from 'node:net';
import { CheckerKind, CheckError, CheckTarget, HTTP_STATUS_CODE_MAX, HTTP_STATUS_CODE_MIN } from './types';
import { sockoptAddon } from './sockopt';
import { parseDigest } from './digest';
import { parseHex } from './udp';
import { encodeName } from './dns';
import { targetArgv } from './misc';

export interface TargetIssue {
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export function validateTarget(t: CheckTarget): TargetIssue[] {
  const out: TargetIssue[] = [];
  const err = (code: string, message: string) => out.push({ severity: 'error', code, message });
  const warn = (code: string, message: string) => out.push({ severity: 'warning', code, message });
  const tm = t.timing;
  if (!(tm.delayLoopMs >= 1)) err('EDELAYLOOP', `delay_loop is ${tm.delayLoopMs} ms; should be at least 1 us`);
  if (!(tm.connectTimeoutMs > 0)) err('ECONNTIMEOUT', `connect_timeout is ${tm.connectTimeoutMs} ms; should be positive`);
  if (!Number.isInteger(tm.retry) || tm.retry < 0) err('ERETRY', `retry is ${tm.retry}; should be an integer >= 0`);
  if ('conn' in t) {
    const c = t.conn;
    if (net.isIP(c.connectIp) === 0) err('ECONNECTIP', `connect_ip is '${c.connectIp}'; should be an IPv4 or IPv6 address`);
    // check_api.c check_conn_opts(): link-local destinations need bind_if
    if (net.isIPv6(c.connectIp) && /^fe[89ab]/i.test(c.connectIp) && !c.bindIf)
      err('EBINDIF', `Checker link local address ${c.connectIp} requires a bind_if`);
    if (c.bindto && net.isIP(c.bindto) !== net.isIP(c.connectIp))
      err('EBINDFAMILY', `bindto address ${c.bindto} does not match address family of connect_ip ${c.connectIp}`);
    if (t.kind !== CheckerKind.Ping && !(c.connectPort >= 1 && c.connectPort <= 65535))
      err('ECONNECTPORT', `connect_port is ${c.connectPort}; should be 1..65535`);
    // fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) are set through native/lvsk_sockopt.node (sockopt.ts)
    if (t.kind === CheckerKind.Ping) {
      if (c.fwmark) warn('EFWMARK', 'PING_CHECK fwmark is not applied (one shared raw ICMP socket); ignored');
      if (c.bindIf && !(net.isIPv6(c.connectIp) && /^fe[89ab]/i.test(c.connectIp)))
        warn('EBINDIFONLYLL', `PING_CHECK bind_if ${c.bindIf} is applied only as the scope of IPv6 link-local destinations; ignored for ${c.connectIp}`);
    } else if (c.fwmark || c.bindIf) {
      const addon = sockoptAddon();
      if (addon instanceof CheckError) warn(addon.code, `${c.fwmark ? `fwmark ${c.fwmark}` : ''}${c.fwmark && c.bindIf ? ' and ' : ''}${c.bindIf ? `bind_if ${c.bindIf}` : ''} not applied: ${addon.message}`);
    }
    if (t.kind === CheckerKind.Ping && (c.bindto || c.bindPort))
      warn('EPINGBIND', 'PING_CHECK bindto is applied only when falling back to the ping binary (raw sockets are shared)');
  }
  switch (t.kind) {
    case CheckerKind.HttpGet:
    case CheckerKind.SslGet:
      if (t.http.urls.length === 0) err('ENOURL', 'HTTP/SSL_GET checker has no urls specified - ignoring');
      for (const u of t.http.urls) {
        if (!u.path) err('ENOPATH', 'HTTP/SSL_GET checker url has no path - ignoring');
        if (u.digest) {
          try {
            parseDigest(u.digest);
          } catch (e) {
            err('EDIGEST', (e as Error).message);
          }
        }
        for (const [lo, hi] of u.statusCode ?? [])
          if (lo < HTTP_STATUS_CODE_MIN || hi > HTTP_STATUS_CODE_MAX || lo > hi) err('ESTATUS', `Invalid HTTP_GET status code '${lo}-${hi}'`);
        if (u.regex) {
          try {
            new RegExp(u.regex);
          } catch (e) {
            err('EREGEX', `Invalid regex: '${u.regex}': ${(e as Error).message}`);
          }
        }
      }
      break;
    case CheckerKind.Udp:
      try {
        if (t.udp.payload) parseHex(t.udp.payload);
        if (typeof t.udp.requireReply === 'string' && t.udp.requireReply.trim()) parseHex(t.udp.requireReply, true);
      } catch (e) {
        err('EHEX', (e as Error).message);
      }
      if ((t.udp.minReplyLength ?? 0) > (t.udp.maxReplyLength ?? 255))
        warn('EREPLYLEN', `UDP_CHECK min_reply length ${t.udp.minReplyLength} > max_reply_length ${t.udp.maxReplyLength ?? 255} - will always fail`);
      break;
    case CheckerKind.Dns:
      try {
        encodeName(t.dns.name ?? '');
      } catch (e) {
        err('EDNSNAME', (e as Error).message);
      }
      break;
    case CheckerKind.Misc:
      try {
        targetArgv(t.misc);
      } catch (e) {
        err('EMISCPATH', (e as Error).message);
      }
      break;
    case CheckerKind.File:
      if (!t.file.path) err('ETRACKFILE', 'FILE_CHECK has no track_file specified - ignoring');
      break;
    default:
      break;
  }
  return out;
}
