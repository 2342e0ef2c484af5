// GenlSocket ack suppression: pipelined requests go without NLM_F_ACK but the last of each datagram; errors are
// matched by sequence number to their own request (operation, object), the barrier's ack settles the rest.
// Against a scripted endpoint that answers like netlink_rcv_skb (Linux 6.1), and against the host's nlctrl.
import t from 'tap';
import { CtrlAttr, CtrlCmd, GENL_ID_CTRL, GenlRequest, GenlSocket, RawSocketLike } from '../../src/netlink/socket';
import { AttrWriter, NlFlags, NlMsgType, formatNlError, formatNlMessage, parseNlMessages } from '../../src/netlink/message';
import { NetlinkError } from '../../src/netlink/errors';

const EEXIST = 17;
const ENOBUFS = 105;

/** A netlink endpoint that runs every message of a datagram in order and replies as the kernel does:
 *  NLMSG_ERROR when the handler fails (errno) or the request asked for NLM_F_ACK (error 0). */
class ScriptedKernel implements RawSocketLike {
  readonly datagrams: Array<Array<{ seq: number; flags: number; tag: number }>> = [];
  repliesSent = 0;
  private onMsg?: (b: Buffer) => void;
  private onErr?: (e: { errno?: number; code?: string }) => void;
  /** return a positive errno to fail the request whose first attribute (u32) is `tag` */
  constructor(private readonly handler: (tag: number) => number) {}
  send(data: Buffer, _o: object, cb: (err?: Error) => void): void {
    const out: Buffer[] = [];
    const got: Array<{ seq: number; flags: number; tag: number }> = [];
    for (const m of parseNlMessages(data)) {
      const tag = m.payload.readUInt32LE(4 + 4); // genlmsghdr, nlattr header, u32
      got.push({ seq: m.seq, flags: m.flags, tag });
      const errno = this.handler(tag);
      if (errno || m.flags & NlFlags.ACK) {
        const err = formatNlError({ error: -errno, request: { len: 16 + m.payload.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid } });
        out.push(formatNlMessage({ type: NlMsgType.ERROR, flags: errno ? 0 : NlFlags.CAPPED, seq: m.seq, pid: m.pid }, err));
      }
    }
    this.datagrams.push(got);
    this.repliesSent += out.length;
    setImmediate(() => {
      for (const b of out) this.onMsg?.(b);
    });
    cb(undefined);
  }
  on(event: string, listener: (...a: never[]) => void): this {
    if (event === 'message') this.onMsg = listener as (b: Buffer) => void;
    if (event === 'error') this.onErr = listener as (e: { errno?: number }) => void;
    return this;
  }
  emitError(errno: number, code: string): void {
    this.onErr?.({ errno, code });
  }
  address() {
    return { port: 4242 };
  }
  getRecvBufferSize() {
    return 425984;
  }
  addMembership(): void {}
  ref(): void {}
  unref(): void {}
  close(): void {}
}

function request(tag: number): GenlRequest {
  return { family: 0x20, cmd: 1, version: 1, attrs: new AttrWriter().u32(1, tag).toBuffer(), operation: 'add thing', object: `thing ${tag}` };
}

t.test('a request in the middle of a batch fails with EEXIST, reported with its object; the others succeed', async (t) => {
  const k = new ScriptedKernel((tag) => (tag === 50 ? EEXIST : 0));
  const s = GenlSocket.open({ rawSocket: k, coalesce: 32 });
  t.teardown(() => s.close());
  const res = await s.pipeline(Array.from({ length: 100 }, (_, i) => request(i)));
  t.equal(res.length, 100);
  res.forEach((r, i) => {
    if (i === 50) {
      t.type(r, NetlinkError);
      const e = r as NetlinkError;
      t.equal(e.code, 'EEXIST');
      t.equal(e.errno, EEXIST);
      t.equal(e.operation, 'add thing');
      t.equal(e.object, 'thing 50');
    } else if (!Array.isArray(r)) t.fail(`request ${i} failed: ${(r as Error).message}`);
  });
  // 100 requests in datagrams of at most 32: only the last of each asks for an ack.
  t.same(
    k.datagrams.map((d) => d.length),
    [32, 32, 32, 4],
  );
  for (const d of k.datagrams) {
    d.forEach((m, j) => t.equal(!!(m.flags & NlFlags.ACK), j === d.length - 1, `ACK flag of request ${m.tag}`));
  }
  t.equal(k.repliesSent, 4 + 1, 'one ack per datagram and one error');
  t.equal(s.inFlight, 0);
});

t.test('the barrier itself fails: the requests it covers still succeed', async (t) => {
  const k = new ScriptedKernel((tag) => (tag === 31 || tag === 7 ? EEXIST : 0));
  const s = GenlSocket.open({ rawSocket: k, coalesce: 32 });
  t.teardown(() => s.close());
  const res = await s.pipeline(Array.from({ length: 40 }, (_, i) => request(i)));
  const failed = res.flatMap((r, i) => (r instanceof NetlinkError ? [`${i} ${r.code} ${r.object}`] : []));
  t.same(failed, ['7 EEXIST thing 7', '31 EEXIST thing 31']);
  t.equal(k.repliesSent, 2 + 1, 'acks of the two datagrams (the first is the error of 31) and the error of 7');
});

t.test('every request fails: each error is its own', async (t) => {
  const k = new ScriptedKernel(() => EEXIST);
  const s = GenlSocket.open({ rawSocket: k });
  t.teardown(() => s.close());
  const res = await s.pipeline(Array.from({ length: 300 }, (_, i) => request(i)));
  res.forEach((r, i) => {
    if (!(r instanceof NetlinkError) || r.object !== `thing ${i}`) t.fail(`request ${i}: ${String(r)}`);
  });
  t.pass('300 errors matched');
  t.equal(s.inFlight, 0);
});

t.test('suppressAcks: false asks an ack for every request', async (t) => {
  const k = new ScriptedKernel((tag) => (tag === 3 ? EEXIST : 0));
  const s = GenlSocket.open({ rawSocket: k, suppressAcks: false });
  t.teardown(() => s.close());
  const res = await s.pipeline(Array.from({ length: 10 }, (_, i) => request(i)));
  t.equal(res.filter((r) => r instanceof NetlinkError).length, 1);
  t.ok(k.datagrams.flat().every((m) => m.flags & NlFlags.ACK));
  t.equal(k.repliesSent, 10);
});

t.test('a plain request queued behind a pipeline is the barrier of the datagram they share', async (t) => {
  const k = new ScriptedKernel((tag) => (tag === 1 ? EEXIST : 0));
  const s = GenlSocket.open({ rawSocket: k });
  t.teardown(() => s.close());
  const p = s.pipeline([request(0), request(1), request(2)]);
  const one = s.request(request(3));
  const [res, r3] = await Promise.all([p, one]);
  t.same(
    res.map((r) => (r instanceof NetlinkError ? r.code : 'ok')),
    ['ok', 'EEXIST', 'ok'],
  );
  t.same(r3, []);
  t.same(
    k.datagrams.map((d) => d.map((m) => !!(m.flags & NlFlags.ACK))),
    [[false, false, false, true]],
  );
});

t.test('window and budget limits cut datagrams; each cut datagram ends with a barrier', async (t) => {
  const k = new ScriptedKernel(() => 0);
  const s = GenlSocket.open({ rawSocket: k, window: 10, coalesce: 4 });
  t.teardown(() => s.close());
  const res = await s.pipeline(Array.from({ length: 25 }, (_, i) => request(i)));
  t.ok(res.every((r) => Array.isArray(r)));
  for (const d of k.datagrams) {
    t.ok(d.length <= 4);
    t.ok(d[d.length - 1].flags & NlFlags.ACK, 'last of the datagram asks for an ack');
    t.equal(d.filter((m) => m.flags & NlFlags.ACK).length, 1);
  }
  t.equal(k.datagrams.flat().length, 25);
});

t.test('lost replies (ENOBUFS) fail the unacked requests in flight too', async (t) => {
  const k = new ScriptedKernel(() => 0);
  const s = GenlSocket.open({ rawSocket: k });
  t.teardown(() => s.close());
  // the endpoint's replies are delivered on the next turn; the overrun is reported before them
  const p = s.pipeline(Array.from({ length: 5 }, (_, i) => request(i)));
  await new Promise((r) => queueMicrotask(() => r(undefined)));
  k.emitError(ENOBUFS, 'ENOBUFS');
  const res = await p;
  t.same(
    res.map((r) => (r instanceof NetlinkError ? r.code : 'ok')),
    ['ENOBUFS', 'ENOBUFS', 'ENOBUFS', 'ENOBUFS', 'ENOBUFS'],
  );
  t.equal(s.inFlight, 0);
});

t.test('host nlctrl: unacked requests with a failure in the middle (ENOENT with its object)', async (t) => {
  const s = GenlSocket.open();
  t.teardown(() => s.close());
  const names = Array.from({ length: 200 }, (_, i) => (i === 77 ? 'NOPE-77' : 'nlctrl'));
  const res = await s.pipeline(
    names.map((name) => ({
      family: GENL_ID_CTRL,
      cmd: CtrlCmd.GETFAMILY,
      version: 1,
      attrs: new AttrWriter().string(CtrlAttr.FAMILY_NAME, name).toBuffer(),
      operation: 'get family',
      object: name,
    })),
  );
  res.forEach((r, i) => {
    if (i === 77) {
      t.type(r, NetlinkError);
      t.equal((r as NetlinkError).code, 'ENOENT');
      t.equal((r as NetlinkError).object, 'NOPE-77');
    } else if (!Array.isArray(r)) t.fail(`request ${i}: ${(r as Error).message}`);
  });
  t.equal(s.inFlight, 0);
});
