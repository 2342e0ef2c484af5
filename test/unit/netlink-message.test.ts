// Netlink framing: headers, NLMSG_ERROR/DONE, attributes (writer growth, nesting, offsets) and malformed input.
import t from 'tap';
import fc from 'fast-check';
import {
  AttrWriter,
  NLA_F_NESTED,
  NlMsgType,
  NlParseError,
  forEachAttr,
  formatNlError,
  formatNlMessage,
  parseAttrs,
  parseNlDone,
  parseNlError,
  parseNlMessages,
  rdString,
  rdU32,
  rdU64,
} from '../../src/netlink/message';
import { NetlinkError, errnoName, fromPackageError } from '../../src/netlink/errors';

t.test('messages: format and parse several in one datagram', async (t) => {
  const a = formatNlMessage({ type: 0x20, flags: 5, seq: 7, pid: 99 }, Buffer.from([1, 2, 3]));
  t.equal(a.length, 20, 'padded to 4 bytes');
  t.equal(a.readUInt32LE(0), 19, 'nlmsg_len is unpadded');
  const b = formatNlMessage({ type: NlMsgType.DONE, flags: 2, seq: 8, pid: 99 }, Buffer.from([0, 0, 0, 0]));
  const msgs = parseNlMessages(Buffer.concat([a, b]));
  t.same(
    msgs.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.toString('hex')]),
    [
      [0x20, 5, 7, 99, '010203'],
      [NlMsgType.DONE, 2, 8, 99, '00000000'],
    ],
  );
  t.equal(parseNlDone(msgs[1].payload), 0);
  t.throws(() => parseNlMessages(a.subarray(0, 18)), NlParseError, 'truncated message');
});

t.test('NLMSG_ERROR round trip', async (t) => {
  const e = { error: -17, request: { len: 40, type: 0x20, flags: 5, seq: 9, pid: 1 } };
  t.same(parseNlError(formatNlError(e)), e);
  t.throws(() => parseNlError(Buffer.alloc(8)), NlParseError);
});

t.test('attribute writer: growth keeps every attribute, nesting sets lengths', async (t) => {
  const w = new AttrWriter(16, 4);
  w.begin(1, true);
  for (let i = 0; i < 100; i++) w.u32(2, i);
  w.string(3, 'hello');
  w.u64(4, 1n << 40n);
  w.end();
  w.be16(5, 0x1234);
  const buf = w.toBuffer();
  t.equal(buf.length, w.length);
  const top = parseAttrs(buf);
  t.same(top.map((a) => [a.type, a.nested]), [
    [1, true],
    [5, false],
  ]);
  t.equal(top[1].data.readUInt16BE(0), 0x1234);
  const seen: number[] = [];
  let str = '';
  let big = 0n;
  forEachAttr(top[0].data, 0, top[0].data.length, (type, s, e) => {
    if (type === 2) seen.push(rdU32(top[0].data, s, e));
    if (type === 3) str = rdString(top[0].data, s, e);
    if (type === 4) big = rdU64(top[0].data, s, e);
  });
  t.same(seen, Array.from({ length: 100 }, (_, i) => i));
  t.equal(str, 'hello');
  t.equal(big, 1n << 40n);
  t.equal(w.finish().length, buf.length + 4, 'finish() includes the headroom');
  t.equal(NLA_F_NESTED, 0x8000);
});

t.test('attribute runs: random lists of u32 attributes survive a writer that grows', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 0x3fff }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 300 }), (list) => {
      const w = new AttrWriter(8);
      for (const [ty, v] of list) w.u32(ty, v);
      const b = w.toBuffer();
      const back: Array<[number, number]> = [];
      forEachAttr(b, 0, b.length, (ty, s, e) => back.push([ty, rdU32(b, s, e)]));
      t.same(back, list);
    }),
    { numRuns: 100 },
  );
});

t.test('malformed attributes are NlParseError, never another exception', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
      try {
        parseAttrs(Buffer.from(a));
      } catch (e) {
        if (!(e instanceof NlParseError)) throw e;
      }
    }),
    { numRuns: 500 },
  );
  t.throws(() => rdU32(Buffer.alloc(2), 0, 2), NlParseError, 'a u32 attribute of 2 bytes');
});

t.test('errors: names, package error strings', async (t) => {
  t.equal(errnoName(17), 'EEXIST');
  t.equal(errnoName(-3), 'ESRCH');
  t.equal(errnoName(99999), 'E99999');
  const e = new NetlinkError('add service', 17, 'TCP 10.0.0.1:80');
  t.equal(e.code, 'EEXIST');
  t.match(e.message, /add service TCP 10\.0\.0\.1:80: File exists \(EEXIST\)/);
  t.equal(fromPackageError('x', new Error('Request rejected: ENOENT')).code, 'ENOENT');
  t.equal(fromPackageError('x', new Error('Timeout has been reached')).code, 'ETIMEDOUT');
  t.equal(fromPackageError('x', Object.assign(new Error('sendmsg'), { errno: 105, code: 'ENOBUFS' })).code, 'ENOBUFS');
  t.equal(fromPackageError('x', new Error('Netlink socket is closed')).code, 'ECLOSED');
});
