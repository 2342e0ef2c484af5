// The bare-handle TCP probe (src/check/tcp-probe.ts) against loopback listeners: success over IPv4 and IPv6,
// refused, bindto/bind_port, a bind that fails, cancel before completion (no callback, no leaked handle), and the
// same verdicts as the net.Socket path for the same targets.
import t from 'tap';
import net from 'node:net';
import { tcpProbe, tcpProbeAvailable, statusCode } from '../../src/check/tcp-probe';
import { checkTcp } from '../../src/check/tcp';
import { CheckerKind, ConnOpts, makeTiming } from '../../src/check/types';

const probe = (conn: ConnOpts): Promise<string | undefined> => new Promise((r) => tcpProbe(conn, r));
function listen(host: string): Promise<{ srv: net.Server; port: number; peers: string[] }> {
  const peers: string[] = [];
  const srv = net.createServer((s) => {
    peers.push(`${s.remoteAddress}:${s.remotePort}`);
    s.destroy();
  });
  return new Promise((resolve) => srv.listen(0, host, () => resolve({ srv, port: (srv.address() as net.AddressInfo).port, peers })));
}
const closeSrv = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

t.test('available on this Node, but not for fwmark, bind_if or a scoped bind address', async (t) => {
  t.equal(tcpProbeAvailable({ connectIp: '127.0.0.1', connectPort: 1 }), true);
  t.equal(tcpProbeAvailable({ connectIp: '127.0.0.1', connectPort: 1, fwmark: 5 }), false);
  t.equal(tcpProbeAvailable({ connectIp: '127.0.0.1', connectPort: 1, bindIf: 'lo' }), false);
  t.equal(tcpProbeAvailable({ connectIp: 'fe80::1', connectPort: 1, bindto: 'fe80::2%lo' }), false);
  t.equal(statusCode(-111), 'ECONNREFUSED');
});

t.test('success over IPv4 and IPv6, with bindto and bind_port', async (t) => {
  const v4 = await listen('127.0.0.1');
  const v6 = await listen('::1');
  t.teardown(() => Promise.all([closeSrv(v4.srv), closeSrv(v6.srv)]));
  t.equal(await probe({ connectIp: '127.0.0.1', connectPort: v4.port }), undefined);
  t.equal(await probe({ connectIp: '::1', connectPort: v6.port }), undefined);
  const bport = 30000 + (process.pid % 20000);
  t.equal(await probe({ connectIp: '127.0.0.1', connectPort: v4.port, bindto: '127.0.0.3', bindPort: bport }), undefined);
  await new Promise((r) => setTimeout(r, 50));
  t.ok(v4.peers.includes(`127.0.0.3:${bport}`), `the connection came from the bind address: ${v4.peers.join(' ')}`);
  t.equal(await probe({ connectIp: '127.0.0.1', connectPort: v4.port, bindPort: 0, bindto: '127.0.0.4' }), undefined);
});

t.test('refused, and a bind that fails, report the errno name', async (t) => {
  const gone = await listen('127.0.0.1');
  await closeSrv(gone.srv);
  t.equal(await probe({ connectIp: '127.0.0.1', connectPort: gone.port }), 'ECONNREFUSED');
  t.equal(await probe({ connectIp: '127.0.0.1', connectPort: gone.port, bindto: '192.0.2.1' }), 'EADDRNOTAVAIL', 'TEST-NET address is not local');
});

t.test('cancel before completion: no callback', async (t) => {
  const l = await listen('127.0.0.1');
  t.teardown(() => closeSrv(l.srv));
  let called = 0;
  const cancel = tcpProbe({ connectIp: '127.0.0.1', connectPort: l.port }, () => called++);
  cancel();
  cancel(); // idempotent
  await new Promise((r) => setTimeout(r, 100));
  t.equal(called, 0);
});

t.test('checkTcp gives the same verdicts on the probe path as on net.Socket (fwmark without the addon falls back)', async (t) => {
  const l = await listen('127.0.0.1');
  const gone = await listen('127.0.0.1');
  await closeSrv(gone.srv);
  t.teardown(() => closeSrv(l.srv));
  const target = (port: number) => ({ kind: CheckerKind.Tcp as const, conn: { connectIp: '127.0.0.1', connectPort: port }, timing: makeTiming(CheckerKind.Tcp) });
  const ok = await checkTcp(target(l.port), AbortSignal.timeout(2000));
  t.equal(ok.ok, true);
  t.equal(ok.message, 'TCP connection success');
  const refused = await checkTcp(target(gone.port), AbortSignal.timeout(2000));
  t.equal(refused.ok, false);
  t.equal(refused.message, 'TCP connection failed: ECONNREFUSED');
  const ac = new AbortController();
  const pending = checkTcp(target(l.port), ac.signal);
  ac.abort(new Error('connect_timeout'));
  const aborted = await pending;
  t.equal(aborted.ok, false, 'an abort right after the start is a timeout failure');
  t.equal(aborted.timedOut, true);
});
