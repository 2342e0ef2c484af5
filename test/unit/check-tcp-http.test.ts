// TCP_CHECK, HTTP_GET and SSL_GET against real servers on 127.0.0.x: success, refused, hang, slow body, wrong status,
// wrong digest, reset, bindto, Host/SNI, a self-signed certificate made with openssl at test time.
import t from 'tap';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { checkTcp } from '../../src/check/tcp';
import { checkHttp, hostHeader, statusAccepted } from '../../src/check/http';
import { BodyDigest, genhashDigest, parseDigest } from '../../src/check/digest';
import { CheckerKind, HttpCheckOptions, makeTiming, TargetOf } from '../../src/check/types';

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));
const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const timeout = (ms: number) => AbortSignal.timeout(ms);

function tcp(port: number, extra: Partial<TargetOf<CheckerKind.Tcp>['conn']> = {}): TargetOf<CheckerKind.Tcp> {
  return { kind: CheckerKind.Tcp, conn: { connectIp: '127.0.0.1', connectPort: port, ...extra }, timing: makeTiming(CheckerKind.Tcp) };
}
function httpT(port: number, http: HttpCheckOptions, ssl = false, ip = '127.0.0.1'): TargetOf<CheckerKind.HttpGet | CheckerKind.SslGet> {
  return {
    kind: ssl ? CheckerKind.SslGet : CheckerKind.HttpGet,
    conn: { connectIp: ip, connectPort: port },
    http,
    timing: makeTiming(CheckerKind.HttpGet),
  };
}

t.test('TCP_CHECK', async (t) => {
  const seen: string[] = [];
  const srv = net.createServer((s) => {
    seen.push(`${s.remoteAddress}:${s.remotePort}`);
    s.destroy();
  });
  const port = await listen(srv);
  t.teardown(() => close(srv));
  const ok = await checkTcp(tcp(port), timeout(2000));
  t.equal(ok.ok, true);
  t.ok(ok.latencyMs >= 0);
  const b = await checkTcp(tcp(port, { bindto: '127.0.0.2', bindPort: 40000 + (process.pid % 20000) }), timeout(2000));
  t.equal(b.ok, true, b.message);
  await new Promise((r) => setTimeout(r, 50));
  t.match(seen[1], /^127\.0\.0\.2:\d+$/);
  t.equal(seen[1], `127.0.0.2:${40000 + (process.pid % 20000)}`);
  // refused
  const closed = net.createServer();
  const cport = await listen(closed);
  await close(closed);
  const r = await checkTcp(tcp(cport), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /ECONNREFUSED/);
  // already aborted
  const ac = new AbortController();
  ac.abort();
  t.equal((await checkTcp(tcp(port), ac.signal)).ok, false);
});

t.test('HTTP_GET: status, digest, Host header, body reading', async (t) => {
  const body = 'hello keepalived\n';
  const reqs: http.IncomingMessage[] = [];
  let slowBodyClosed = false;
  const srv = http.createServer((req, res) => {
    reqs.push(req);
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      case '/chunked':
        res.writeHead(200);
        res.write('hello ');
        setTimeout(() => res.end('keepalived\n'), 10);
        return;
      case '/empty':
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      case '/404':
        res.writeHead(404);
        res.end('nope');
        return;
      case '/302':
        res.writeHead(302, { location: '/ok' });
        res.end();
        return;
      case '/hang':
        return; // never answers
      case '/slowbody':
        res.writeHead(200, { 'content-length': 1000 });
        res.write('x');
        res.on('close', () => (slowBodyClosed = true));
        return; // body never completes
      case '/reset':
        req.socket.destroy();
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });
  const port = await listen(srv);
  t.teardown(() => {
    srv.closeAllConnections();
    return close(srv);
  });

  let r = await checkHttp(httpT(port, { urls: [{ path: '/ok' }] }), timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(reqs[0]!.headers.host, `127.0.0.1:${port}`);
  t.equal(reqs[0]!.headers['user-agent'], 'KeepAliveClient');

  r = await checkHttp(httpT(port, { urls: [{ path: '/ok', digest: md5(body) }], virtualhost: 'www.example.com' }), timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(reqs[1]!.headers.host, 'www.example.com');

  r = await checkHttp(httpT(port, { urls: [{ path: '/ok', digest: md5('other') }] }), timeout(3000));
  t.equal(r.ok, false);
  t.match(r.message, /MD5 digest error/);

  r = await checkHttp(httpT(port, { urls: [{ path: '/chunked', digest: md5('hello keepalived\n') }], httpProtocol: '1.1' }), timeout(3000));
  t.equal(r.ok, true, r.message);

  r = await checkHttp(httpT(port, { urls: [{ path: '/empty', digest: md5('') }] }), timeout(3000));
  t.equal(r.ok, true, 'an empty body has the MD5 of nothing');

  r = await checkHttp(httpT(port, { urls: [{ path: '/404' }] }), timeout(3000));
  t.equal(r.ok, false);
  t.match(r.message, /status code error.*404/);
  r = await checkHttp(httpT(port, { urls: [{ path: '/404', statusCode: [[400, 404]] }] }), timeout(3000));
  t.equal(r.ok, true, 'status_code 400-404 accepts 404');
  r = await checkHttp(httpT(port, { urls: [{ path: '/302' }] }), timeout(3000));
  t.equal(r.ok, false, '302 is not in the default 200-299 and is not followed');

  // every url must pass, in order
  r = await checkHttp(httpT(port, { urls: [{ path: '/ok' }, { path: '/404' }] }), timeout(3000));
  t.equal(r.ok, false);
  t.match(r.message, /url\(\/404\)/);

  // url virtualhost overrides
  const n = reqs.length;
  await checkHttp(httpT(port, { urls: [{ path: '/ok', virtualhost: 'u.example' }], virtualhost: 'c.example' }), timeout(3000));
  t.equal(reqs[n]!.headers.host, 'u.example');

  const t0 = Date.now();
  r = await checkHttp(httpT(port, { urls: [{ path: '/hang' }] }), timeout(300));
  t.equal(r.ok, false);
  t.equal(r.timedOut, true);
  t.ok(Date.now() - t0 < 2000);

  // slow body: without digest the status is enough and the body is not read
  r = await checkHttp(httpT(port, { urls: [{ path: '/slowbody' }] }), timeout(1000));
  t.equal(r.ok, true, r.message);
  await new Promise((res) => setTimeout(res, 100));
  t.equal(slowBodyClosed, true, 'connection closed without reading the body');
  // with a digest the body must arrive in time
  r = await checkHttp(httpT(port, { urls: [{ path: '/slowbody', digest: md5('x') }] }), timeout(300));
  t.equal(r.ok, false);
  t.equal(r.timedOut, true);

  r = await checkHttp(httpT(port, { urls: [{ path: '/reset' }] }), timeout(2000));
  t.equal(r.ok, false);
  t.notOk(r.timedOut);

  // regex
  r = await checkHttp(httpT(port, { urls: [{ path: '/ok', regex: 'keep.live' }] }), timeout(2000));
  t.equal(r.ok, true, r.message);
  r = await checkHttp(httpT(port, { urls: [{ path: '/ok', regex: 'keep.live', regexNoMatch: true }] }), timeout(2000));
  t.equal(r.ok, false);

  // refused
  const dead = net.createServer();
  const dport = await listen(dead);
  await close(dead);
  r = await checkHttp(httpT(dport, { urls: [{ path: '/' }] }), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /ECONNREFUSED/);
});

t.test('SSL_GET with a self-signed certificate and SNI', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-ssl-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=selfsigned.test',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const sni: Array<string | false> = [];
  const srv = https.createServer(
    { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
    (req, res) => {
      sni.push((req.socket as tls.TLSSocket).servername ?? false);
      res.writeHead(200, { 'content-length': 6 });
      res.end('secure');
    },
  );
  const port = await listen(srv);
  t.teardown(() => {
    srv.closeAllConnections();
    return close(srv);
  });
  let r = await checkHttp(httpT(port, { urls: [{ path: '/', digest: md5('secure') }] }, true), timeout(3000));
  t.equal(r.ok, true, r.message);
  r = await checkHttp(httpT(port, { urls: [{ path: '/' }], virtualhost: 'www.sni.test', enableSni: true }, true), timeout(3000));
  t.equal(r.ok, true, r.message);
  r = await checkHttp(httpT(port, { urls: [{ path: '/' }], virtualhost: 'www.sni.test' }, true), timeout(3000));
  t.equal(r.ok, true, r.message);
  r = await checkHttp(httpT(port, { urls: [{ path: '/' }], enableSni: true, sniName: 'named.sni.test' }, true), timeout(3000));
  t.same(sni, [false, 'www.sni.test', false, 'named.sni.test']);
  // plain HTTP to a TLS port fails
  r = await checkHttp(httpT(port, { urls: [{ path: '/' }] }, false), timeout(2000));
  t.equal(r.ok, false);
});

t.test('SSL_GET presents the client certificate of the SSL block', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-ssl-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mk = (cn: string, extra: string[] = []) =>
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-days', '1', '-subj', `/CN=${cn}`,
      '-keyout', path.join(dir, `${cn}.key`), '-out', path.join(dir, `${cn}.pem`), ...extra,
    ], { stdio: 'ignore' });
  mk('server', ['-nodes']);
  mk('client', ['-passout', 'pass:s3cret']);
  let peer = '';
  const srv = https.createServer(
    { key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      peer = String((req.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '');
      res.end('ok');
    },
  );
  const port = await listen(srv);
  t.teardown(() => close(srv));
  const tgt = httpT(port, { urls: [{ path: '/' }], tls: { certificate: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key'), password: 's3cret' } }, true);
  const r = await checkHttp(tgt, timeout(3000));
  t.equal(r.ok, true, r.message);
  t.equal(peer, 'client');
  const bad = await checkHttp(httpT(port, { urls: [{ path: '/' }], tls: { certificate: path.join(dir, 'missing.pem') } }, true), timeout(3000));
  t.equal(bad.ok, false);
  t.match(bad.message, /ENOENT/);
});

t.test('HTTP over IPv6 loopback: Host is [::1]:port', async (t) => {
  let host = '';
  const srv = http.createServer((req, res) => {
    host = req.headers.host ?? '';
    res.end('ok');
  });
  const port = await listen(srv, '::1');
  t.teardown(() => close(srv));
  const r = await checkHttp(httpT(port, { urls: [{ path: '/' }] }, false, '::1'), timeout(2000));
  t.equal(r.ok, true, r.message);
  t.equal(host, `[::1]:${port}`);
});

t.test("digest matches keepalived's genhash", { skip: fs.existsSync('/usr/bin/genhash') ? false : 'genhash not installed' }, async (t) => {
  const bodies: Record<string, (res: http.ServerResponse) => void> = {
    '/fixed': (res) => {
      res.writeHead(200, { 'content-length': 11 });
      res.end('fixed body\n');
    },
    '/streamed': (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html>');
      setTimeout(() => res.end('x'.repeat(70000) + '</html>'), 5);
    },
    '/binary': (res) => {
      res.writeHead(200);
      res.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 255)));
    },
  };
  const srv = http.createServer((req, res) => bodies[req.url ?? '']?.(res));
  const port = await listen(srv);
  t.teardown(() => close(srv));
  const { execFile } = await import('node:child_process');
  for (const p of Object.keys(bodies)) {
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/genhash', ['-s', '127.0.0.1', '-p', String(port), '-u', p], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const m = /MD5SUM = ([0-9a-f]{32})|^([0-9a-f]{32})$/m.exec(out);
    t.ok(m, `genhash output for ${p}: ${out}`);
    const digest = (m?.[1] ?? m?.[2])!;
    const r = await checkHttp(httpT(port, { urls: [{ path: p, digest }] }), timeout(3000));
    t.equal(r.ok, true, `${p}: ${r.message}`);
  }
});

t.test('digest helpers', async (t) => {
  t.equal(parseDigest('0123456789ABCDEF0123456789abcdef'), '0123456789abcdef0123456789abcdef');
  t.throws(() => parseDigest('abc'), { code: 'EDIGESTLEN' });
  t.throws(() => parseDigest('g123456789abcdef0123456789abcdef'), { code: 'EDIGESTHEX' });
  const raw = Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA');
  t.equal(genhashDigest(raw), md5('hello'));
  t.equal(genhashDigest(Buffer.from('HTTP/1.0 200 OK\r\n\r\nabc')), md5('abc'));
  t.equal(genhashDigest(Buffer.from('HTTP/1.0 200 OK\r\n')), undefined);
  const d = new BodyDigest(3);
  d.update(Buffer.from('ab'));
  d.update(Buffer.from('cd'));
  t.equal(d.hex(), md5('abc'));
  t.equal(d.received, 4);
  t.equal(statusAccepted({ path: '/' }, 200), true);
  t.equal(statusAccepted({ path: '/' }, 300), false);
  t.equal(statusAccepted({ path: '/', statusCode: [[600, 700]] }, 650), false);
  t.equal(hostHeader(httpT(80, { urls: [] }, false, 'fe80::1'), { path: '/' }), '[fe80::1]:80');
});
