// HTTP_GET and SSL_GET: GET every url block over a fresh connection to connect_ip:connect_port and check the status code,
// then the MD5 digest and regex when configured (keepalived check_http.c, check_ssl.c). http_protocol 1.0 (keepalived's
// default) and 1.0C send keepalived's exact request (http10.ts); 1.1 goes through undici.

import fs from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Client, buildConnector } from 'undici';
import { BodyDigest } from './digest';
import { exchange, formatRequest } from './http10';
import { tcpConnect } from './sockopt';
import {
  abortMessage,
  CheckerKind,
  CheckResult,
  failResult,
  HttpUrl,
  okResult,
  performanceNow,
  SslClientOptions,
  TargetOf,
} from './types';

type HttpTarget = TargetOf<CheckerKind.HttpGet | CheckerKind.SslGet>;

/** check_http.h: status codes outside 100..599 never match; the default set is 200..299. */
import { HTTP_STATUS_CODE_MAX, HTTP_STATUS_CODE_MIN } from './types';
export { HTTP_STATUS_CODE_MIN, HTTP_STATUS_CODE_MAX };

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

/**
 * Opens the checker's connection: TCP with bindto/bind_port, fwmark and bind_if (sockopt.ts), and for SSL_GET TLS over
 * it (certificate not verified, as keepalived sets no SSL_VERIFY_PEER). `cb` gets the socket once usable.
 */
function openConnection(target: HttpTarget, url: HttpUrl, alpn: string[] | undefined, signal: AbortSignal, cb: (err: Error | null, sock: Duplex | null) => void): void {
  const ssl = target.kind === CheckerKind.SslGet;
  let creds: tls.ConnectionOptions = {};
  try {
    if (ssl) creds = clientCredentials(target.http.tls);
  } catch (e) {
    cb(e as Error, null);
    return;
  }
  const raw = tcpConnect(target.conn);
  const sock = ssl
    ? tls.connect({ socket: raw, ...creds, rejectUnauthorized: false, servername: sniName(target, url), ...(alpn ? { ALPNProtocols: alpn } : {}) })
    : raw;
  let done = false;
  // an abort while connecting (SYN unanswered) must close the socket now, not when the kernel gives up
  const onAbort = (): void => onError(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  const onError = (e: Error): void => {
    if (done) return;
    done = true;
    signal.removeEventListener('abort', onAbort);
    sock.destroy();
    raw.destroy();
    cb(e, null);
  };
  raw.once('error', onError);
  if (sock !== raw) sock.once('error', onError);
  if (signal.aborted) return onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  sock.once(ssl ? 'secureConnect' : 'connect', () => {
    if (done) return;
    done = true;
    signal.removeEventListener('abort', onAbort);
    raw.off('error', onError);
    if (sock !== raw) sock.off('error', onError);
    cb(null, sock);
  });
}

/** Upper bound on bytes kept for a regex match when no regex_max_offset is given. */
const REGEX_BUFFER_MAX = 1 << 20;

/** The body part of a url check: MD5 digest and regex (check_http.c http_process_response / check_regex). */
class BodyCheck {
  private readonly digest: BodyDigest | undefined;
  private readonly keep: number;
  private readonly kept: Buffer[] = [];
  private keptLen = 0;
  constructor(
    private readonly url: HttpUrl,
    contentLength: number | undefined,
  ) {
    this.digest = url.digest ? new BodyDigest(contentLength) : undefined;
    this.keep = url.regex ? Math.min(url.regexMaxOffset ?? REGEX_BUFFER_MAX, REGEX_BUFFER_MAX) + 4096 : 0;
  }
  /** Feeds body bytes; false when nothing more is needed. */
  feed(chunk: Buffer): boolean {
    this.digest?.update(chunk);
    if (this.keptLen < this.keep) {
      this.kept.push(chunk);
      this.keptLen += chunk.length;
    }
    return !!this.digest || this.keptLen < this.keep;
  }
  /** undefined when the body passes, else keepalived's failure wording. */
  verdict(): string | undefined {
    const url = this.url;
    const got = this.digest?.hex();
    if (got !== undefined && got !== url.digest!.toLowerCase()) return `MD5 digest error to (got ${got})`;
    if (url.regex) {
      const text = Buffer.concat(this.kept).toString('latin1');
      const m = new RegExp(url.regex, 'm').exec(text.slice(url.regexMinOffset ?? 0));
      const at = m ? m.index + (url.regexMinOffset ?? 0) : -1;
      const matched = m !== null && (url.regexMaxOffset === undefined || at < url.regexMaxOffset);
      if (matched === !!url.regexNoMatch) return 'Regex match failed';
    }
    return undefined;
  }
}

/** http_protocol 1.1: undici (HTTP/1.1 with Connection: close, one connection per request as keepalived). */
async function getUrl11(target: HttpTarget, url: HttpUrl, signal: AbortSignal): Promise<string | undefined> {
  const ip = target.conn.connectIp;
  const origin = `${target.kind === CheckerKind.SslGet ? 'https' : 'http'}://${ip.includes(':') ? `[${ip}]` : ip}:${target.conn.connectPort}`;
  const connect: buildConnector.connector = (_opts, cb) => openConnection(target, url, ['http/1.1'], signal, cb as (err: Error | null, sock: Duplex | null) => void);
  const client = new Client(origin, { connect, pipelining: 1, keepAliveTimeout: 1000 });
  try {
    const res = await client.request({
      method: 'GET',
      path: url.path,
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
    const body = new BodyCheck(url, typeof cl === 'string' && /^\d+$/.test(cl) ? Number(cl) : undefined);
    for await (const chunk of res.body as AsyncIterable<Buffer>) if (!body.feed(chunk)) break;
    res.body.destroy();
    return body.verdict();
  } finally {
    client.destroy().catch(() => undefined);
  }
}

/** http_protocol 1.0 (keepalived's default) and 1.0C: keepalived's exact request over the connection (http10.ts). */
async function getUrl10(target: HttpTarget, url: HttpUrl, signal: AbortSignal): Promise<string | undefined> {
  const sock = await new Promise<Duplex>((resolve, reject) =>
    openConnection(target, url, undefined, signal, (err, s) => (err || !s ? reject(err ?? new Error('no socket')) : resolve(s))),
  );
  let failure: string | undefined;
  let body: BodyCheck | undefined;
  await exchange(
    sock,
    formatRequest(url.path, target.http.httpProtocol, hostHeader(target, url)),
    {
      head: (h) => {
        if (!statusAccepted(url, h.status)) {
          failure = `HTTP status code error to (status ${h.status})`;
          return false;
        }
        if (!url.digest && !url.regex) return false;
        body = new BodyCheck(url, h.contentLength);
        return true;
      },
      body: (chunk) => body!.feed(chunk),
    },
    signal,
  );
  return failure ?? body?.verdict();
}

/** GETs one url; returns undefined on success or the failure message (keepalived's wording). */
function getUrl(target: HttpTarget, url: HttpUrl, signal: AbortSignal): Promise<string | undefined> {
  return target.http.httpProtocol === '1.1' ? getUrl11(target, url, signal) : getUrl10(target, url, signal);
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
