// native/lvsk_sockopt.node through src/check/sockopt.ts on loopback: argument checks, bind_if lo / a missing interface,
// fwmark on TCP and UDP, bind_port reuse (SO_REUSEADDR as libuv), errors as check failures. Routing effects of the
// options are in test/netns/check-sockopt.test.ts.
import t from 'tap';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { needsNativeSocket, sockoptAddon, tcpConnect, udpSocket } from '../../src/check/sockopt';
import { checkTcp } from '../../src/check/tcp';
import { checkUdp } from '../../src/check/udp';
import { CheckError, CheckerKind, makeTiming } from '../../src/check/types';
import { validateTarget } from '../../src/check/validate';

const built = fs.existsSync(path.join(__dirname, '../../native/build/Release/lvsk_sockopt.node'));
const root = process.getuid?.() === 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

t.test('addon arguments', { skip: built ? false : 'lvsk_sockopt.node not built' }, async (t) => {
  const a = sockoptAddon();
  if (a instanceof CheckError) return t.fail(a.message);
  t.throws(() => a.open(undefined as never), { code: 'ERR_INVALID_ARG' });
  t.throws(() => a.open({ family: 5 as 4, type: 'tcp' }), { code: 'ERR_INVALID_ARG', message: /family/ });
  t.throws(() => a.open({ family: 4, type: 'sctp' as 'tcp' }), { code: 'ERR_INVALID_ARG' });
  t.throws(() => a.open({ family: 4, type: 'tcp', mark: -1 }), { code: 'ERR_INVALID_ARG' });
  t.throws(() => a.open({ family: 4, type: 'tcp', device: 'x'.repeat(40) }), { code: 'ERR_INVALID_ARG' });
  t.throws(() => a.open({ family: 4, type: 'tcp', address: '::1' }), { code: 'ERR_INVALID_ARG', message: /IPv4/ });
  t.throws(() => a.open({ family: 4, type: 'udp', device: 'nosuchif0' }), { code: 'ENODEV', syscall: 'setsockopt SO_BINDTODEVICE' });
  const fd = a.open({ family: 6, type: 'udp', address: '::1', port: 0 });
  t.ok(fd > 2);
  fs.closeSync(fd);
});

t.test('checks with bind_if and fwmark on loopback', { skip: !built ? 'lvsk_sockopt.node not built' : !root ? 'needs root (SO_MARK, SO_BINDTODEVICE)' : false }, async (t) => {
  const seen: string[] = [];
  const srv = net.createServer((s) => {
    seen.push(`${s.remoteAddress}:${s.remotePort}`);
    s.destroy();
  });
  const port = await listen(srv);
  t.teardown(() => srv.close());
  const tcp = (conn: object) => checkTcp({ kind: CheckerKind.Tcp, conn: { connectIp: '127.0.0.1', connectPort: port, ...conn }, timing: makeTiming(CheckerKind.Tcp) }, AbortSignal.timeout(3000));
  t.ok(needsNativeSocket({ connectIp: '127.0.0.1', connectPort: 1, fwmark: 1 }));
  t.notOk(needsNativeSocket({ connectIp: '127.0.0.1', connectPort: 1 }));
  let r = await tcp({ bindIf: 'lo' });
  t.equal(r.ok, true, r.message);
  r = await tcp({ fwmark: 0x2a, bindto: '127.0.0.1', bindPort: 41234 });
  t.equal(r.ok, true, r.message);
  t.equal(seen[seen.length - 1], '127.0.0.1:41234', 'bindto/bind_port on the native socket');
  r = await tcp({ fwmark: 0x2a, bindto: '127.0.0.1', bindPort: 41234 });
  t.equal(r.ok, true, `bind_port again right away (SO_REUSEADDR): ${r.message}`);
  r = await tcp({ bindIf: 'nosuchif0' });
  t.equal(r.ok, false);
  t.match(r.message, /ENODEV/);
  // a plain socket is still Node's own
  const s = tcpConnect({ connectIp: '127.0.0.1', connectPort: port });
  await new Promise((res) => s.once('connect', res));
  s.destroy();

  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, ri) => echo.send(m, ri.port, ri.address));
  await new Promise<void>((res) => echo.bind(0, '127.0.0.1', () => res()));
  t.teardown(() => echo.close());
  const uport = echo.address().port;
  const udp = (conn: object) => checkUdp({ kind: CheckerKind.Udp, conn: { connectIp: '127.0.0.1', connectPort: uport, ...conn }, udp: { requireReply: true }, timing: makeTiming(CheckerKind.Udp) }, AbortSignal.timeout(3000));
  r = await udp({ fwmark: 7, bindIf: 'lo' });
  t.equal(r.ok, true, r.message);
  r = await udp({ fwmark: 7, bindto: '127.0.0.1', bindPort: 41235 });
  t.equal(r.ok, true, r.message);
  const u = udpSocket({ connectIp: '127.0.0.1', connectPort: uport, bindIf: 'nosuchif0' }, () => t.fail('not ready'));
  const err = await new Promise<Error>((res) => u.once('error', res));
  t.match(err, { code: 'ENODEV' });
  u.close();
});

t.test('validateTarget: fwmark/bind_if applied on socket checkers, warned for PING_CHECK', { skip: built ? false : 'lvsk_sockopt.node not built' }, async (t) => {
  const conn = { connectIp: '10.0.0.1', connectPort: 80, fwmark: 5, bindIf: 'eth0' };
  t.same(validateTarget({ kind: CheckerKind.Tcp, conn, timing: makeTiming(CheckerKind.Tcp) }).map((i) => i.code), []);
  t.same(validateTarget({ kind: CheckerKind.Ping, conn: { ...conn, connectPort: 0 }, timing: makeTiming(CheckerKind.Ping) }).map((i) => i.code), ['EFWMARK', 'EBINDIFONLYLL']);
});
