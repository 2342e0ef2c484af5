// HTTP_GET/SSL_GET http_protocol: 1.0 (keepalived's default) and 1.0C send keepalived's exact request (check_http.c
// request_template), checked byte for byte by real servers, including an HTTP/1.0-only backend that refuses 1.1;
// 1.1 goes through undici. Also the raw reply reader (http10.ts).
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { Duplex } from 'node:stream';

/** A duplex whose writes vanish and whose readable side the test feeds. */
const fake = (): Duplex => new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
import { checkHttp } from '../../src/check/http';
import { exchange, formatRequest, MAX_HEADER_BYTES, parseHead } from '../../src/check/http10';
import { CheckerKind, HttpCheckOptions, makeTiming, TargetOf } from '../../src/check/types';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const timeout = (ms: number) => AbortSignal.timeout(ms);
function httpT(port: number, http: HttpCheckOptions, ssl = false, ip = '127.0.0.1'): TargetOf<CheckerKind.HttpGet | CheckerKind.SslGet> {
  return { kind: ssl ? CheckerKind.SslGet : CheckerKind.HttpGet, conn: { connectIp: ip, connectPort: port }, http, timing: makeTiming(CheckerKind.HttpGet) };
}

/**
 * An HTTP/1.0-only server, as old embedded backends are: reads the request up to the blank line, records it,
 * answers 505 to anything but "HTTP/1.0", else a close-delimited body (no Content-Length) and closes.
 */
function http10Server(body: string, secure?: tls.TlsOptions): { server: net.Server; requests: string[] } {
  const requests: string[] = [];
  const handler = (sock: net.Socket): void => {
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\r\n\r\n')) return;
      requests.push(buf);
      const line = buf.slice(0, buf.indexOf('\r\n'));
      if (!/^GET \S+ HTTP\/1\.0$/.test(line)) sock.end('HTTP/1.0 505 HTTP Version Not Supported\r\n\r\n');
      else sock.end(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n${body}`);
    });
  };
  return { server: secure ? tls.createServer(secure, handler) : net.createServer(handler), requests };
}

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

t.test('request line and headers are keepalived\'s, byte for byte', async (t) => {
  const body = 'only one-dot-oh here\n';
  const { server, requests } = http10Server(body);
  const port = await listen(server);
  t.teardown(() => close(server));

  let r = await checkHttp(httpT(port, { urls: [{ path: '/health', digest: md5(body) }] }), timeout(3000));
  t.equal(r.ok, true, `default is HTTP/1.0: ${r.message}`);
  t.equal(requests[0], `GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${port}\r\n\r\n`);

  r = await checkHttp(httpT(port, { urls: [{ path: '/a?b=c' }], httpProtocol: '1.0', virtualhost: 'www.example.com' }), timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(requests[1], 'GET /a?b=c HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.com\r\n\r\n', 'virtualhost without port');

  r = await checkHttp(httpT(port, { urls: [{ path: '/', digest: md5(body) }], httpProtocol: '1.0C' }), timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(requests[2], `GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:${port}\r\n\r\n`);

  r = await checkHttp(httpT(port, { urls: [{ path: '/' }], httpProtocol: '1.1' }), timeout(3000));
  t.equal(r.ok, false, 'HTTP/1.1 to an HTTP/1.0-only backend fails (505)');
  t.match(r.message, /status 505/);
  t.match(requests[3], /^GET \/ HTTP\/1\.1\r\n/);
  t.match(requests[3], /\r\nconnection: close\r\n/i);

  r = await checkHttp(httpT(port, { urls: [{ path: '/', digest: md5('other') }] }), timeout(3000));
  t.equal(r.ok, false);
  t.match(r.message, /MD5 digest error/);
  r = await checkHttp(httpT(port, { urls: [{ path: '/', regex: 'one-dot-oh' }] }), timeout(3000));
  t.equal(r.ok, true, r.message);
});

t.test('IPv6 Host header is [addr]:port', async (t) => {
  const { server, requests } = http10Server('x');
  let port: number;
  try {
    port = await listen(server, '::1');
  } catch {
    t.pass('no IPv6 loopback: skipped');
    return;
  }
  t.teardown(() => close(server));
  const r = await checkHttp(httpT(port, { urls: [{ path: '/' }] }, false, '::1'), timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(requests[0], `GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: [::1]:${port}\r\n\r\n`);
});

t.test('SSL_GET with http_protocol 1.0 over TLS', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-ssl10-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=old.test', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
  const { server, requests } = http10Server('tls body', { key: fs.readFileSync(path.join(dir, 'k.pem')), cert: fs.readFileSync(path.join(dir, 'c.pem')) });
  const port = await listen(server);
  t.teardown(() => close(server));
  const r = await checkHttp(httpT(port, { urls: [{ path: '/s', digest: md5('tls body') }], virtualhost: 'old.test', enableSni: true }, true), timeout(5000));
  t.equal(r.ok, true, r.message);
  t.equal(requests[0], 'GET /s HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: old.test\r\n\r\n');
});

t.test('faults over the HTTP/1.0 path: hang, reset, garbage, refused', async (t) => {
  const server = net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('data', (d) => {
      const p = d.toString('latin1').split(' ')[1];
      if (p === '/hang') return;
      if (p === '/reset') return sock.resetAndDestroy();
      if (p === '/garbage') return sock.end('SSH-2.0-OpenSSH\r\n\r\n');
      if (p === '/headonly') return sock.end('HTTP/1.0 200 OK\r\nContent-Le');
      if (p === '/cl') return sock.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA'); // kept open: Content-Length ends it
    });
  });
  const port = await listen(server);
  t.teardown(() => {
    server.close();
  });
  let r = await checkHttp(httpT(port, { urls: [{ path: '/hang' }] }), timeout(300));
  t.match(r, { ok: false, timedOut: true });
  r = await checkHttp(httpT(port, { urls: [{ path: '/reset' }] }), timeout(2000));
  t.match(r, { ok: false });
  t.notOk(r.timedOut);
  r = await checkHttp(httpT(port, { urls: [{ path: '/garbage' }] }), timeout(2000));
  t.match(r, { ok: false, message: /status code error to \(status 0\)/ });
  r = await checkHttp(httpT(port, { urls: [{ path: '/headonly' }] }), timeout(2000));
  t.match(r, { ok: false, message: /EHTTPHEAD/ });
  r = await checkHttp(httpT(port, { urls: [{ path: '/cl', digest: md5('abc') }] }), timeout(2000));
  t.equal(r.ok, true, `Content-Length bounds the digest and ends the read: ${r.message}`);
  const dead = net.createServer();
  const dport = await listen(dead);
  await close(dead);
  r = await checkHttp(httpT(dport, { urls: [{ path: '/' }] }), timeout(2000));
  t.match(r, { ok: false, message: /ECONNREFUSED/ });
});

t.test('formatRequest / parseHead / exchange', async (t) => {
  t.equal(formatRequest('/', '1.1', 'h'), 'GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: h\r\n\r\n');
  t.equal(formatRequest('/', undefined, 'h'), 'GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: h\r\n\r\n');
  t.same(parseHead('HTTP/1.0 204 No Content\r\nContent-Length: 0'), { status: 204, contentLength: 0 });
  t.same(parseHead('HTTP/1.1 200\r\ncontent-length:  12 '), { status: 200, contentLength: 12 });
  t.same(parseHead('HTTP/1.1 2000 x'), { status: 0 });
  t.same(parseHead('garbage'), { status: 0 });
  // a header that never ends is bounded
  const s = fake();
  const p = exchange(s, 'GET / HTTP/1.0\r\n\r\n', { head: () => true, body: () => true }, timeout(2000));
  s.push(Buffer.alloc(MAX_HEADER_BYTES + 10, 'a'));
  await t.rejects(p, { code: 'EHTTPHEAD' });
  // LF-only header end, body split across chunks
  const s2 = fake();
  const got: Buffer[] = [];
  const p2 = exchange(s2, '', { head: (h) => h.status === 200, body: (b) => (got.push(b), true) }, timeout(2000));
  s2.push('HTTP/1.0 200 OK\nX: y\n\nab');
  s2.push('cd');
  s2.push(null);
  await p2;
  t.equal(Buffer.concat(got).toString(), 'abcd');
});

t.test("requests equal keepalived's own (genhash -P, the same check_http.c request code)", { skip: fs.existsSync('/usr/bin/genhash') ? false : 'genhash not installed' }, async (t) => {
  const { server, requests } = http10Server('body');
  const port = await listen(server);
  t.teardown(() => close(server));
  const genhash = (args: string[]): Promise<void> =>
    new Promise((resolve) => execFile('/usr/bin/genhash', ['-s', '127.0.0.1', '-p', String(port), '-u', '/g?x=1', '-t', '3', ...args], () => resolve()));
  for (const [proto, flag] of [[undefined, []], ['1.0', ['-P', '1.0']], ['1.0C', ['-P', '1.0c']]] as const) {
    for (const vhost of [undefined, 'v.example']) {
      await genhash([...flag, ...(vhost ? ['-V', vhost] : [])]);
      const theirs = requests[requests.length - 1];
      const r = await checkHttp(httpT(port, { urls: [{ path: '/g?x=1' }], httpProtocol: proto, virtualhost: vhost }), timeout(3000));
      t.equal(r.ok, true, r.message);
      t.equal(requests[requests.length - 1], theirs, `http_protocol ${proto ?? '(default)'}${vhost ? ' with virtualhost' : ''}: byte-identical to genhash`);
    }
  }
  await genhash(['-P', '1.1']);
  t.equal(requests[requests.length - 1], formatRequest('/g?x=1', '1.1', `127.0.0.1:${port}`), "1.1: keepalived's request is the template (we send it through undici)");
});
