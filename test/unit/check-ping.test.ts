// PING_CHECK: ICMP codec, the shared raw sockets on loopback (IPv4 and IPv6), and the ping-binary fallback.
import t from 'tap';
import { echoPayload, formatEcho, inetChecksum, parseIcmp, IcmpSockets, Icmp6Type, IcmpType, sharedIcmp } from '../../src/check/icmp-socket';
import { checkPing, forcePingFallback } from '../../src/check/ping';
import { CheckerKind, makeTiming, TargetOf } from '../../src/check/types';

const root = process.getuid?.() === 0;
function pingT(ip: string): TargetOf<CheckerKind.Ping> {
  return { kind: CheckerKind.Ping, conn: { connectIp: ip, connectPort: 0 }, timing: makeTiming(CheckerKind.Ping, { connectTimeoutMs: 1000 }) };
}

t.test('ICMP codec', async (t) => {
  const e = formatEcho(false, 0x1234, 7);
  t.equal(e.length, 8 + 128);
  t.equal(e[0], IcmpType.EchoRequest);
  t.equal(inetChecksum(e), 0, 'checksum verifies');
  t.equal(echoPayload(20).toString(), 'keepalived check - k');
  t.equal(formatEcho(true, 1, 2)[0], Icmp6Type.EchoRequest);
  // an IPv4 echo reply with a 20-byte IP header
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  const reply = Buffer.from(e);
  reply[0] = IcmpType.EchoReply;
  t.same(parseIcmp(Buffer.concat([ip, reply]), false), { kind: 'reply', type: 0, id: 0x1234, seq: 7 });
  // a port/host unreachable quoting our request
  const err = Buffer.alloc(8);
  err[0] = IcmpType.DestUnreachable;
  err[1] = 1;
  t.same(parseIcmp(Buffer.concat([ip, err, ip, e.subarray(0, 8)]), false), { kind: 'error', type: 3, id: 0x1234, seq: 7 });
  t.equal(parseIcmp(Buffer.concat([ip, e]), false), undefined, 'our own echo request is ignored');
  t.equal(parseIcmp(Buffer.alloc(3), false), undefined);
  const r6 = formatEcho(true, 9, 10);
  r6[0] = Icmp6Type.EchoReply;
  t.same(parseIcmp(r6, true), { kind: 'reply', type: 129, id: 9, seq: 10 });
  const e6 = Buffer.alloc(8);
  e6[0] = Icmp6Type.DestUnreachable;
  t.same(parseIcmp(Buffer.concat([e6, Buffer.alloc(40), formatEcho(true, 9, 11)]), true), { kind: 'error', type: 1, id: 9, seq: 11 });
});

t.test('shared raw sockets on loopback', { skip: root ? false : 'raw sockets need root' }, async (t) => {
  const s = new IcmpSockets(0x4242);
  t.teardown(() => s.close());
  // many concurrent pings over one socket per family, matched by sequence
  const rs = await Promise.all([
    ...Array.from({ length: 20 }, () => s.ping('127.0.0.1', AbortSignal.timeout(2000))),
    ...Array.from({ length: 5 }, () => s.ping('::1', AbortSignal.timeout(2000))),
  ]);
  t.ok(rs.every((r) => r.ok), JSON.stringify(rs.filter((r) => !r.ok)));
  const r = await checkPing(pingT('127.0.0.1'), AbortSignal.timeout(2000));
  t.equal(r.ok, true, r.message);
  sharedIcmp().close();
});

t.test('ping binary fallback', async (t) => {
  forcePingFallback(true);
  t.teardown(() => forcePingFallback(false));
  const r = await checkPing(pingT('127.0.0.1'), AbortSignal.timeout(3000));
  t.equal(r.ok, true, r.message);
});
