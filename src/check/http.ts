// HTTP_GET and SSL_GET on undici: GET every url block over a fresh connection to connect_ip:connect_port and check the
// status code, then the MD5 digest and regex when configured (keepalived check_http.c, check_ssl.c).

import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Client, buildConnector } from 'undici';
import { BodyDigest } from './digest';
import {
  abortMessage,
  CheckerKind,
  CheckResult,
  failResult,
  hostWithScope,
  HttpUrl,
  okResult,
  performanceNow,
  SslClientOptions,
  TargetOf,
} from './types';

type HttpTarget = TargetOf<CheckerKind.HttpGet | CheckerKind.SslGet>;

/** check_http.h: status codes outside 100..599 never match; the default set is 200..299. */
export const HTTP_STATUS_CODE_MIN = 100;
export const HTTP_STATUS_CODE_MAX = 599;

export function statusAccepted(url: HttpUrl, code: number): boolean {
  if (code < HTTP_STATUS_CODE_MIN || code > HTTP_STATUS_CODE_MAX) return false;
  const ranges = url.statusCode && url.statusCode.length > 0 ? url.statusCode : [[200, 299] as [number, number]];
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

/** Host header (check_http.c http_request_thread): url vhost, checker vhost, else "addr:port" ("[v6]:port"). */
export function hostHeader(target: HttpTarget, url: HttpUrl): string {
  const vhost = url.virtualhost ?? target.http.virtualhost;
  if (vhost) return vhost;
  const ip = target.conn.connectIp;
  return ip.includes(':') ? `[${ip}]:${target.conn.connectPort}` : `${ip}:${target.conn.connectPort}`;
}

/** SNI name (check_ssl.c ssl_connect): only with enable_sni; url vhost, sni_name, checker vhost. Never an IP literal. */
export function sniName(target: HttpTarget, url: HttpUrl): string | undefined {
  if (!target.http.enableSni) return undefined;
  const n = url.virtualhost ?? target.http.sniName ?? target.http.virtualhost;
  return n && net.isIP(n) === 0 ? n : undefined;
}

const fileCache = new Map<string, { mtimeMs: number; data: Buffer }>();
/** Reads a PEM file, re-reading it when it changes (certificates get renewed). */
function pem(file: string): Buffer {
  const st = fs.statSync(file);
  const c = fileCache.get(file);
  if (c && c.mtimeMs === st.mtimeMs) return c.data;
  const data = fs.readFileSync(file);
  fileCache.set(file, { mtimeMs: st.mtimeMs, data });
  return data;
}

/** Client certificate/key from the SSL { } block. */
export function clientCredentials(o: SslClientOptions | undefined): tls.ConnectionOptions {
  if (!o) return {};
  const r: tls.ConnectionOptions = {};
  if (o.certificate) r.cert = pem(o.certificate);
  if (o.key) r.key = pem(o.key);
  if (o.password !== undefined) r.passphrase = o.password;
  return r;
}

/** Connector opening a new TCP (or TLS, certificate not verified, as keepalived does) connection with bindto/bind_port. */
function connector(target: HttpTarget, url: HttpUrl): buildConnector.connector {
  const ssl = target.kind === CheckerKind.SslGet;
  return (_opts, cb) => {
    const base = {
      host: hostWithScope(target.conn),
      port: target.conn.connectPort,
      localAddress: target.conn.bindto,
      localPort: target.conn.bindPort,
    };
    let creds: tls.ConnectionOptions = {};
    try {
      if (ssl) creds = clientCredentials(target.http.tls);
    } catch (e) {
      cb(e as Error, null);
      return;
    }
    const sock = ssl
      ? tls.connect({
          ...base,
          ...creds,
          rejectUnauthorized: false,
          servername: sniName(target, url),
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect(base);
    const onError = (e: Error): void => {
      sock.destroy();
      cb(e, null);
    };
    sock.once('error', onError);
    sock.once(ssl ? 'secureConnect' : 'connect', () => {
      sock.off('error', onError);
      cb(null, sock);
    });
  };
}

/** Upper bound on bytes kept for a regex match when no regex_max_offset is given. */
const REGEX_BUFFER_MAX = 1 << 20;

/** GETs one url; returns undefined on success or the failure message (keepalived's wording). */
async function getUrl(target: HttpTarget, url: HttpUrl, signal: AbortSignal): Promise<string | undefined> {
  const ip = target.conn.connectIp;
  const origin = `${target.kind === CheckerKind.SslGet ? 'https' : 'http'}://${ip.includes(':') ? `[${ip}]` : ip}:${target.conn.connectPort}`;
  const client = new Client(origin, { connect: connector(target, url), pipelining: 1, keepAliveTimeout: 1000 });
  try {
    const res = await client.request({
      method: 'GET',
      path: url.path,
      // undici always speaks HTTP/1.1; "Connection: close" keeps one connection per request as keepalived does.
      headers: { host: hostHeader(target, url), 'user-agent': 'KeepAliveClient', connection: 'close' },
      signal,
    });
    // Destroying an unread body makes undici emit "Request aborted" on it; that is expected here.
    res.body.on('error', () => undefined);
    if (!statusAccepted(url, res.statusCode)) {
      res.body.destroy();
      return `HTTP status code error to (status ${res.statusCode})`;
    }
    if (!url.digest && !url.regex) {
      // Status is all we need: do not read the body.
      res.body.destroy();
      return undefined;
    }
    const cl = res.headers['content-length'];
    const digest = url.digest ? new BodyDigest(typeof cl === 'string' && /^\d+$/.test(cl) ? Number(cl) : undefined) : undefined;
    const keep = url.regex ? Math.min(url.regexMaxOffset ?? REGEX_BUFFER_MAX, REGEX_BUFFER_MAX) + 4096 : 0;
    const kept: Buffer[] = [];
    let keptLen = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      digest?.update(chunk);
      if (keptLen < keep) {
        kept.push(chunk);
        keptLen += chunk.length;
      }
      if (!digest && keptLen >= keep) break;
    }
    res.body.destroy();
    const got = digest?.hex();
    if (got !== undefined && got !== url.digest!.toLowerCase()) return `MD5 digest error to (got ${got})`;
    if (url.regex) {
      const text = Buffer.concat(kept).toString('latin1');
      const re = new RegExp(url.regex, 'm');
      const m = re.exec(text.slice(url.regexMinOffset ?? 0));
      const at = m ? m.index + (url.regexMinOffset ?? 0) : -1;
      const matched = m !== null && (url.regexMaxOffset === undefined || at < url.regexMaxOffset);
      if (matched === !!url.regexNoMatch) return 'Regex match failed';
    }
    return undefined;
  } finally {
    client.destroy().catch(() => undefined);
  }
}

/** All url blocks must pass, checked in order; the first failure fails the attempt. */
export async function checkHttp(target: HttpTarget, signal: AbortSignal): Promise<CheckResult> {
  const started = performanceNow();
  for (const url of target.http.urls) {
    try {
      const err = await getUrl(target, url, signal);
      if (err !== undefined) return failResult(`${err} url(${url.path})`, started);
    } catch (e) {
      if (signal.aborted) return failResult(`${abortMessage(signal, 'WEB read')} url(${url.path})`, started, { timedOut: true });
      const err = e as NodeJS.ErrnoException;
      return failResult(`WEB connection failed url(${url.path}): ${err.code ?? err.message}`, started);
    }
  }
  return okResult(target.http.urls.some((u) => u.digest) ? 'MD5 digest success' : 'HTTP status code success', started);
}

/** The plugin entry point: check(target, signal). */
export { checkHttp as check };
