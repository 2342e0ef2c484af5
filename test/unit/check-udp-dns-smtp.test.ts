// UDP_CHECK, DNS_CHECK and SMTP_CHECK against real loopback servers; keepalived's hex notation; DNS codec fuzzing.
import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import fc from 'fast-check';
import { checkUdp, parseHex, replyMatches, defaultUdpPayload } from '../../src/check/udp';
import { checkDns, decodeName, dnsTypeFromName, DnsType, encodeName, formatQuery, parseMessage } from '../../src/check/dns';
import { checkSmtp, takeReply } from '../../src/check/smtp';
import { CheckError, CheckerKind, makeTiming, TargetOf, UdpCheckOptions } from '../../src/check/types';

const timeout = (ms: number) => AbortSignal.timeout(ms);

function udpServer(onMsg: (msg: Buffer, rinfo: dgram.RemoteInfo, s: dgram.Socket) => void, type: 'udp4' | 'udp6' = 'udp4'): Promise<{ s: dgram.Socket; port: number }> {
  const s = dgram.createSocket(type);
  s.on('message', (m, r) => onMsg(m, r, s));
  return new Promise((resolve) => s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => resolve({ s, port: s.address().port })));
}
function udpT(port: number, udp: UdpCheckOptions, ip = '127.0.0.1'): TargetOf<CheckerKind.Udp> {
  return { kind: CheckerKind.Udp, conn: { connectIp: ip, connectPort: port }, udp, timing: makeTiming(CheckerKind.Udp) };
}

t.test('keepalived hex notation (lib/parser.c read_hex_str)', async (t) => {
  t.same(parseHex('0a0B ff').data, Buffer.from([0x0a, 0x0b, 0xff]));
  t.same(parseHex('1 2 34').data, Buffer.from([1, 2, 0x34]), 'single digit before a space is one byte');
  const p = parseHex('aX X1 XX', true);
  t.same(p.data, Buffer.from([0xa0, 0x01, 0x00]));
  t.same(p.mask, Buffer.from([0x0f, 0xf0, 0xff]));
  t.equal(parseHex('01').mask, undefined);
  t.throws(() => parseHex('0g'), CheckError);
  t.throws(() => parseHex('XX'), { code: 'EHEX' }, 'X only with wildcard');
  t.throws(() => parseHex('   '), { code: 'EHEX' });
  t.equal(replyMatches(Buffer.from([0xa7, 0x01]), p, 0, 255), true);
  t.equal(replyMatches(Buffer.from([0xb7, 0x01]), p, 0, 255), false);
  t.equal(replyMatches(Buffer.from([0xa7]), p, 0, 255), true, 'only min(len, pattern) bytes compared');
  t.equal(replyMatches(Buffer.from([0xa7]), p, 2, 255), false);
  t.equal(replyMatches(Buffer.alloc(10), undefined, 0, 5), false);
  t.equal(defaultUdpPayload().toString(), 'keepalived check - keepalived ch');
});

t.test('UDP_CHECK', async (t) => {
  const got: Buffer[] = [];
  const echo = await udpServer((m, r, s) => {
    got.push(m);
    s.send(Buffer.concat([Buffer.from([0xca, 0xfe]), m]), r.port, r.address);
  });
  t.teardown(() => echo.s.close());
  let r = await checkUdp(udpT(echo.port, { payload: '01 02 03', requireReply: 'caXe 01' }), timeout(2000));
  t.equal(r.ok, true, r.message);
  t.same(got[0], Buffer.from([1, 2, 3]));
  r = await checkUdp(udpT(echo.port, { payload: '01', requireReply: 'cafe 02' }), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /mismatch/);
  r = await checkUdp(udpT(echo.port, { payload: '01', requireReply: 'ca', maxReplyLength: 2 }), timeout(2000));
  t.equal(r.ok, false, 'reply longer than max_reply_length');
  r = await checkUdp(udpT(echo.port, { payload: '01', requireReply: true, maxReplyLength: 2 }), timeout(2000));
  t.equal(r.ok, true, 'keepalived checks lengths only when require_reply has data');
  r = await checkUdp(udpT(echo.port, {}), timeout(2000));
  t.equal(r.ok, true);
  t.equal(got[got.length - 1]!.toString(), 'keepalived check - keepalived ch');

  // a server that never answers: success without require_reply (on timeout), failure with it
  const mute = await udpServer(() => undefined);
  t.teardown(() => mute.s.close());
  r = await checkUdp(udpT(mute.port, {}), timeout(200));
  t.equal(r.ok, true, r.message);
  r = await checkUdp(udpT(mute.port, { requireReply: true }), timeout(200));
  t.equal(r.ok, false);
  t.equal(r.timedOut, true);

  // ICMP port unreachable -> ECONNREFUSED on the connected socket
  const gone = await udpServer(() => undefined);
  const gport = gone.port;
  await new Promise<void>((res) => gone.s.close(() => res()));
  const t0 = Date.now();
  r = await checkUdp(udpT(gport, {}), timeout(3000));
  t.equal(r.ok, false);
  t.match(r.message, /ECONNREFUSED/);
  t.ok(Date.now() - t0 < 2000, 'refusal is immediate');

  // IPv6
  const e6 = await udpServer((m, rr, s) => s.send(m, rr.port, rr.address), 'udp6');
  t.teardown(() => e6.s.close());
  r = await checkUdp(udpT(e6.port, { payload: 'aa', requireReply: 'aa' }, '::1'), timeout(2000));
  t.equal(r.ok, true, r.message);
});

/** A tiny DNS server: answers per `mode`. */
async function dnsServer(mode: { rcode?: number; wrongIdFirst?: boolean; noQr?: boolean }) {
  const queries: Buffer[] = [];
  const srv = await udpServer((m, r, s) => {
    queries.push(m);
    const q = parseMessage(m);
    const send = (id: number, flags: number) => {
      const h = Buffer.from(m);
      h.writeUInt16BE(id, 0);
      h.writeUInt16BE(flags, 2);
      s.send(h, r.port, r.address);
    };
    if (mode.wrongIdFirst) send((q.id + 1) & 0xffff, 0x8180);
    if (mode.noQr) return send(q.id, 0x0100);
    send(q.id, 0x8180 | (mode.rcode ?? 0));
  });
  return { ...srv, queries };
}
function dnsT(port: number, type?: 'A' | 'SOA' | 'MX', name?: string): TargetOf<CheckerKind.Dns> {
  return { kind: CheckerKind.Dns, conn: { connectIp: '127.0.0.1', connectPort: port }, dns: { type, name }, timing: makeTiming(CheckerKind.Dns) };
}

t.test('DNS_CHECK', async (t) => {
  const ok = await dnsServer({});
  t.teardown(() => ok.s.close());
  let r = await checkDns(dnsT(ok.port, 'A', 'www.example.com'), timeout(2000), () => 0x1234);
  t.equal(r.ok, true, r.message);
  const q = parseMessage(ok.queries[0]!);
  t.equal(q.id, 0x1234);
  t.equal(q.flags, 0x0100, 'RD set');
  t.same(q.questions, [{ name: 'www.example.com.', type: DnsType.A, class: 1 }]);
  r = await checkDns(dnsT(ok.port), timeout(2000));
  t.equal(r.ok, true);
  t.same(parseMessage(ok.queries[1]!).questions, [{ name: '.', type: DnsType.SOA, class: 1 }], 'default SOA of the root');

  const servfail = await dnsServer({ rcode: 2 });
  t.teardown(() => servfail.s.close());
  r = await checkDns(dnsT(servfail.port, 'MX', 'example.com'), timeout(2000));
  t.equal(r.ok, false);
  t.equal(r.message, 'read error occurred. (rcode = 2)');

  const wrong = await dnsServer({ wrongIdFirst: true });
  t.teardown(() => wrong.s.close());
  r = await checkDns(dnsT(wrong.port), timeout(2000));
  t.equal(r.ok, true, 'a reply with a foreign id is ignored, the right one accepted');

  const noqr = await dnsServer({ noQr: true });
  t.teardown(() => noqr.s.close());
  r = await checkDns(dnsT(noqr.port), timeout(200));
  t.equal(r.ok, false);
  t.equal(r.message, 'read timeout from socket');
});

t.test('DNS codec', async (t) => {
  t.same(encodeName(''), Buffer.from([0]));
  t.same(encodeName('.'), Buffer.from([0]));
  t.same(encodeName('a.bc.'), Buffer.from([1, 97, 2, 98, 99, 0]));
  t.throws(() => encodeName('a..b'), { code: 'EDNSNAME' });
  t.throws(() => encodeName('x'.repeat(64)), { code: 'EDNSNAME' });
  t.throws(() => encodeName(('x'.repeat(60) + '.').repeat(5)), { code: 'EDNSNAME' });
  t.equal(dnsTypeFromName('aaaa'), DnsType.AAAA);
  t.throws(() => dnsTypeFromName('PTR'), { code: 'EDNSTYPE' });
  // compression pointer and loop
  const m = Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 97, 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
  const p = parseMessage(m);
  t.equal(p.answers[0]!.name, 'a.');
  t.same([...p.answers[0]!.rdata], [1, 2, 3, 4]);
  t.equal(p.rcode, 0);
  t.equal(p.qr, true);
  t.throws(() => decodeName(Buffer.from([0xc0, 0]), 0), { code: 'EDNSLOOP' });
  t.throws(() => parseMessage(Buffer.alloc(5)), { code: 'EDNSTRUNC' });

  const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(1, 2, 5, 6, 15, 16, 28, 46, 48), fc.array(label, { maxLength: 6 }), (id, type, labels) => {
      const name = labels.join('.');
      const msg = parseMessage(formatQuery({ id, type, name }));
      return msg.id === id && msg.questions.length === 1 && msg.questions[0]!.type === type && msg.questions[0]!.name === (name ? `${name}.` : '.');
    }),
    { numRuns: 500 },
  );
  // fuzz: arbitrary bytes either parse or throw a CheckError, never anything else
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        parseMessage(Buffer.from(bytes));
      } catch (e) {
        return e instanceof CheckError;
      }
      return true;
    }),
    { numRuns: 3000 },
  );
  // fuzz mutations of a valid message
  const base = formatQuery({ id: 7, type: 1, name: 'www.example.com' });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (muts) => {
      const b = Buffer.from(base);
      for (const [i, v] of muts) b[i] = v;
      try {
        parseMessage(b);
      } catch (e) {
        return e instanceof CheckError;
      }
      return true;
    }),
    { numRuns: 3000 },
  );
});

function smtpServer(script: (line: string | null, sock: net.Socket) => void): Promise<{ srv: net.Server; port: number; lines: string[] }> {
  const lines: string[] = [];
  const srv = net.createServer((sock) => {
    sock.setEncoding('latin1');
    let buf = '';
    script(null, sock);
    sock.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 2);
        lines.push(l);
        script(l, sock);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, port: (srv.address() as net.AddressInfo).port, lines })));
}
function smtpT(port: number, heloName?: string): TargetOf<CheckerKind.Smtp> {
  return { kind: CheckerKind.Smtp, conn: { connectIp: '127.0.0.1', connectPort: port }, smtp: { heloName }, timing: makeTiming(CheckerKind.Smtp) };
}

t.test('SMTP_CHECK', async (t) => {
  const good = await smtpServer((l, s) => {
    if (l === null) s.write('220-mail.test ESMTP\r\n220 ready\r\n');
    else if (l.startsWith('HELO')) s.write('250 mail.test\r\n');
    else if (l === 'QUIT') s.end('221 bye\r\n');
  });
  t.teardown(() => good.srv.close());
  let r = await checkSmtp(smtpT(good.port), timeout(2000));
  t.equal(r.ok, true, r.message);
  t.same(good.lines, ['HELO smtpchecker.keepalived.org', 'QUIT']);
  r = await checkSmtp(smtpT(good.port, 'lb1.example'), timeout(2000));
  t.equal(good.lines[2], 'HELO lb1.example');

  const badBanner = await smtpServer((l, s) => {
    if (l === null) s.write('554 go away\r\n');
  });
  t.teardown(() => badBanner.srv.close());
  r = await checkSmtp(smtpT(badBanner.port), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /Bad greeting banner/);

  const badHelo = await smtpServer((l, s) => {
    if (l === null) s.write('220 hi\r\n');
    else if (l.startsWith('HELO')) s.write('501 no\r\n');
  });
  t.teardown(() => badHelo.srv.close());
  r = await checkSmtp(smtpT(badHelo.port), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /Bad HELO response/);

  const silent = await smtpServer(() => undefined);
  t.teardown(() => silent.srv.close());
  r = await checkSmtp(smtpT(silent.port), timeout(200));
  t.equal(r.ok, false);
  t.equal(r.timedOut, true);

  const closer = await smtpServer((l, s) => {
    if (l === null) s.end();
  });
  t.teardown(() => closer.srv.close());
  r = await checkSmtp(smtpT(closer.port), timeout(2000));
  t.equal(r.ok, false);
  t.match(r.message, /Read failure/);

  t.same(takeReply('220 a\r\n'), { code: 220, rest: '' });
  t.same(takeReply('220-a\r\n220'), undefined);
  t.same(takeReply('garbage\r\n'), { code: -1, rest: '' });
});
