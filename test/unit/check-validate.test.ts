// validateTarget: keepalived's end-of-block checks on checker options.
import t from 'tap';
import { validateTarget } from '../../src/check/validate';
import { CheckerKind, makeTiming, CheckTarget } from '../../src/check/types';

const codes = (x: CheckTarget) => validateTarget(x).map((i) => i.code);

t.test('validateTarget', async (t) => {
  const timing = makeTiming(CheckerKind.Tcp);
  t.same(codes({ kind: CheckerKind.Tcp, conn: { connectIp: '10.0.0.1', connectPort: 80 }, timing }), []);
  t.same(codes({ kind: CheckerKind.Tcp, conn: { connectIp: 'fe80::1', connectPort: 80 }, timing }), ['EBINDIF']);
  t.same(codes({ kind: CheckerKind.Tcp, conn: { connectIp: '10.0.0.1', connectPort: 80, bindto: '::1' }, timing }), ['EBINDFAMILY']);
  t.same(codes({ kind: CheckerKind.Tcp, conn: { connectIp: 'host', connectPort: 0 }, timing }), ['ECONNECTIP', 'ECONNECTPORT']);
  t.same(codes({ kind: CheckerKind.Ping, conn: { connectIp: '10.0.0.1', connectPort: 0 }, timing }), []);
  t.same(codes({ kind: CheckerKind.HttpGet, conn: { connectIp: '10.0.0.1', connectPort: 80 }, http: { urls: [] }, timing }), ['ENOURL']);
  t.same(
    codes({
      kind: CheckerKind.SslGet,
      conn: { connectIp: '10.0.0.1', connectPort: 443 },
      http: { urls: [{ path: '/', digest: 'xyz', statusCode: [[300, 200]], regex: '(' }] },
      timing,
    }),
    ['EDIGEST', 'ESTATUS', 'EREGEX'],
  );
  t.same(codes({ kind: CheckerKind.Udp, conn: { connectIp: '10.0.0.1', connectPort: 53 }, udp: { payload: 'zz' }, timing }), ['EHEX']);
  const w = validateTarget({ kind: CheckerKind.Udp, conn: { connectIp: '10.0.0.1', connectPort: 53 }, udp: { minReplyLength: 300 }, timing });
  t.same(w.map((i) => [i.severity, i.code]), [['warning', 'EREPLYLEN']]);
  t.same(codes({ kind: CheckerKind.Dns, conn: { connectIp: '10.0.0.1', connectPort: 53 }, dns: { name: 'a..b' }, timing }), ['EDNSNAME']);
  t.same(codes({ kind: CheckerKind.Misc, misc: { miscPath: '' }, timing }), ['EMISCPATH']);
  t.same(codes({ kind: CheckerKind.File, file: { path: '' }, timing }), ['ETRACKFILE']);
  t.same(codes({ kind: CheckerKind.Tcp, conn: { connectIp: '10.0.0.1', connectPort: 80 }, timing: { ...timing, retry: -1 } }), ['ERETRY']);
});

t.test('checkOnce runs the right checker with its timeout', async (t) => {
  const { checkOnce } = await import('../../src/check/once');
  const net = await import('node:net');
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => srv.close());
  const port = (srv.address() as import('node:net').AddressInfo).port;
  const r = await checkOnce({ kind: CheckerKind.Tcp, conn: { connectIp: '127.0.0.1', connectPort: port }, timing: makeTiming(CheckerKind.Tcp) });
  t.equal(r.ok, true, r.message);
  const ac = new AbortController();
  ac.abort();
  const r2 = await checkOnce({ kind: CheckerKind.Tcp, conn: { connectIp: '127.0.0.1', connectPort: port }, timing: makeTiming(CheckerKind.Tcp) }, ac.signal);
  t.equal(r2.ok, false);
});
