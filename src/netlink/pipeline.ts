// The engine of GenlSocket (socket.ts): requests queued, sent several per datagram within a window sized to the
// receive buffer (ack suppression below), replies matched by sequence number and settled one by one, or into the
// slots of a pipeline with one promise for all of them.
import { constants as osConstants } from 'os';
import { NetlinkError, fromPackageError } from './errors';
import { NLMSG_HDRLEN, NlFlags, NlMessage, NlMsgType, parseGenl } from './message';
import { ACK_BUDGET, GenlReply, GenlSocketOptions, RawSocketLike, ReplyVisitor } from './socket-types';

/** Settles the requests of one pipeline into their slots, and the pipeline's promise when all have settled. */
export interface Group {
  out: Array<GenlReply[] | NetlinkError | undefined>;
  left: number;
  /** pipelineEncoded: a success is undefined rather than its (empty) replies */
  bare: boolean;
  done: (out: Array<GenlReply[] | NetlinkError | undefined>) => void;
}

export interface Pending {
  seq: number;
  dump: boolean;
  /** a pipelined request that may go without NLM_F_ACK (it expects no reply but an error) */
  ackOptional: boolean;
  /** sent without NLM_F_ACK: settled by its error, or by the ack of the barrier after it */
  unacked: boolean;
  /** for a barrier (acked request): the unacked requests sent before it in its datagram */
  covers?: Pending[];
  budget: number;
  /** the request's bytes: buf[off, off + len) (several requests may share one buffer) */
  buf: Buffer;
  off: number;
  len: number;
  /** replies collected (created on the first), unless onReply takes them */
  replies?: GenlReply[];
  onReply?: ReplyVisitor;
  /** a pipeline's request settles into group.out[slot]; others call resolve / reject */
  group?: Group;
  slot: number;
  resolve?: (r: GenlReply[]) => void;
  reject?: (e: NetlinkError) => void;
  operation: string;
  object?: string;
}

export function succeed(p: Pending): void {
  const g = p.group;
  if (g) {
    g.out[p.slot] = g.bare ? undefined : p.replies ?? [];
    if (--g.left === 0) g.done(g.out);
  } else p.resolve!(p.replies ?? []);
}

export function failed(p: Pending, e: NetlinkError): void {
  const g = p.group;
  if (g) {
    g.out[p.slot] = e;
    if (--g.left === 0) g.done(g.out);
  } else p.reject!(e);
}

const rd16 = (b: Buffer, o: number): number => b[o] | (b[o + 1] << 8);
const rd32 = (b: Buffer, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/**
 * Ack suppression (net/netlink/af_netlink.c, netlink_rcv_skb, Linux 6.1): the kernel runs every nlmsg of one
 * sendmsg datagram in order inside that sendmsg, and answers a request with an NLMSG_ERROR only when it failed
 * or asked for NLM_F_ACK. So the requests of a pipeline go without NLM_F_ACK except the last one of each
 * datagram (the barrier): a failure still arrives as an NLMSG_ERROR with the failed request's sequence number
 * (and is reported with its own operation and object), and the barrier's reply, queued after every reply to
 * the requests before it on the same socket, settles those that did not fail. This cuts the datagrams received
 * from one per request to about one per datagram sent. Lost replies (ENOBUFS) fail every request in flight,
 * with or without an ack of its own, as before.
 */
export abstract class GenlPipeline {
  protected readonly port: number;
  private seq: number;
  protected readonly inflight = new Map<number, Pending>();
  /** FIFO of requests not yet sent: queue[qHead..] (Array.shift is O(n) on long arrays) */
  protected queue: Pending[] = [];
  protected qHead = 0;
  private immediateScheduled = false;
  private budgetUsed = 0;
  private dumpActive = false;
  private flushScheduled = false;
  protected closed = false;
  private lastProgress = Date.now();
  protected watchdog?: NodeJS.Timeout;
  protected notificationHandler?: (msg: NlMessage) => void;
  readonly window: number;
  readonly recvBufferBytes: number;
  private readonly coalesce: number;
  private readonly timeoutMs: number;
  private referenced = false;
  protected readonly suppressAcks: boolean;

  protected constructor(
    protected readonly sock: RawSocketLike,
    opts: GenlSocketOptions,
  ) {
    this.port = this.sock.address().port;
    this.seq = (Math.floor(Math.random() * 0x3fffffff) + 1) >>> 0;
    this.recvBufferBytes = this.sock.getRecvBufferSize();
    const want = Math.max(1, Math.floor(opts.window ?? 256));
    // The window never lets the acks of in-flight requests overrun the receive buffer.
    this.window = Math.max(1, Math.min(want, Math.floor(this.recvBufferBytes / ACK_BUDGET)));
    this.coalesce = Math.max(1, Math.floor(opts.coalesce ?? 64));
    this.timeoutMs = opts.timeoutMs ?? 15000;
    this.suppressAcks = opts.suppressAcks ?? true;
    for (const g of opts.groups ?? []) this.sock.addMembership(g);
    this.sock.on('message', (buf) => this.onDatagram(buf));
    this.sock.on('error', (err) => this.onSocketError(err));
    // A datagram longer than the read buffer lost its tail: its replies cannot be matched, as with ENOBUFS.
    this.sock.on('truncatedMessage', () => this.onSocketError({ errno: osConstants.errno.EMSGSIZE, code: 'EMSGSIZE' }));
    if (opts.groups?.length) this.setRef(true);
    else this.setRef(false);
  }

  protected nextSeq(): number {
    let s;
    do {
      s = this.seq;
      this.seq = (this.seq + 1) >>> 0 || 1;
    } while (this.inflight.has(s));
    return s;
  }

  protected enqueue(p: Pending): void {
    this.queue.push(p);
    this.scheduleFlush();
  }

  protected scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends queued requests while the window and the receive-buffer budget allow. */
  private flush(): void {
    if (this.closed) return;
    const budgetMax = this.recvBufferBytes;
    // The datagram being built: runs of requests adjacent in one buffer are sent as one slice.
    let pieces: Buffer[] = [];
    let runBuf: Buffer | undefined;
    let runStart = 0;
    let runEnd = 0;
    let count = 0;
    let bytes = 0;
    let seqs: number[] = [];
    /** unacked requests of this datagram not yet covered by a barrier */
    let uncovered: Pending[] = [];
    let last: Pending | undefined;
    const send = () => {
      if (!count) return;
      if (last && last.unacked) {
        // The datagram's last request becomes its barrier: it asks for the ack the others went without.
        last.buf[last.off + 6] |= NlFlags.ACK;
        last.unacked = false;
        uncovered.pop();
        if (uncovered.length) last.covers = uncovered;
      }
      if (runBuf) pieces.push(runStart === 0 && runEnd === runBuf.length ? runBuf : runBuf.subarray(runStart, runEnd));
      const data = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, bytes);
      const sent = seqs;
      uncovered = [];
      last = undefined;
      pieces = [];
      runBuf = undefined;
      count = 0;
      bytes = 0;
      seqs = [];
      this.sock.send(data, {}, (err) => {
        if (err) for (const s of sent) this.fail(s, fromPackageError(this.inflight.get(s)?.operation ?? 'send', err, this.inflight.get(s)?.object));
      });
    };
    while (this.qHead < this.queue.length && !this.dumpActive) {
      const p = this.queue[this.qHead];
      if (p.dump && this.inflight.size > 0) break; // a dump goes alone: one dump at a time per socket (EBUSY)
      if (this.inflight.size >= this.window) break;
      if (this.inflight.size > 0 && this.budgetUsed + p.budget > budgetMax) break;
      this.queue[this.qHead++] = undefined as unknown as Pending;
      p.seq = this.nextSeq();
      const b = p.buf;
      const o = p.off;
      b.writeUInt32LE(p.seq >>> 0, o + 8); // nlmsg_seq (host order; HOST_LE checked in message.ts)
      if (p.ackOptional) {
        b[o + 6] &= ~NlFlags.ACK;
        p.unacked = true;
        uncovered.push(p);
      } else if (uncovered.length) {
        p.covers = uncovered;
        uncovered = [];
      }
      last = p;
      this.inflight.set(p.seq, p);
      this.budgetUsed += p.budget;
      seqs.push(p.seq);
      if (runBuf === b && runEnd === o) runEnd = o + p.len;
      else {
        if (runBuf) pieces.push(runBuf.subarray(runStart, runEnd));
        runBuf = b;
        runStart = o;
        runEnd = o + p.len;
      }
      count++;
      bytes += p.len;
      if (p.dump) {
        this.dumpActive = true;
        break;
      }
      if (count >= this.coalesce || bytes >= 16384) send();
    }
    send();
    if (this.qHead === this.queue.length) {
      this.queue = [];
      this.qHead = 0;
    } else if (this.qHead > 4096 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
    if (this.inflight.size) {
      this.lastProgress = Date.now();
      this.setRef(true);
      this.armWatchdog();
    }
  }

  private setRef(on: boolean): void {
    if (this.closed || this.referenced === on) return;
    this.referenced = on;
    if (on) this.sock.ref();
    else this.sock.unref();
  }

  private armWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      if (!this.inflight.size) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        return;
      }
      if (Date.now() - this.lastProgress > this.timeoutMs) {
        for (const p of [...this.inflight.values()]) {
          this.fail(p.seq, new NetlinkError(p.operation, osConstants.errno.ETIMEDOUT, p.object, 'ETIMEDOUT', `no reply in ${this.timeoutMs} ms`));
        }
      }
    }, Math.min(1000, this.timeoutMs));
    this.watchdog.unref();
  }

  protected settle(seq: number): Pending | undefined {
    const p = this.inflight.get(seq);
    if (!p) return undefined;
    this.inflight.delete(seq);
    this.budgetUsed -= p.budget;
    if (p.dump) this.dumpActive = false;
    return p;
  }

  /**
   * A barrier's reply arrived: the kernel has run every request before it in its datagram, and their error
   * replies, if any, came first (one socket, one queue), so those still in flight succeeded.
   */
  private settleCovered(p: Pending): void {
    const covered = p.covers;
    if (!covered) return;
    p.covers = undefined;
    for (const c of covered) {
      if (this.inflight.get(c.seq) !== c) continue;
      this.settle(c.seq);
      succeed(c);
    }
  }

  private fail(seq: number, err: NetlinkError): void {
    const p = this.settle(seq);
    if (p) failed(p, err);
    this.afterSettle();
  }

  /**
   * After replies settled requests, send more on the next turn of the event loop rather than at once:
   * the native layer hands up to 32 datagrams (acks) to JS per wakeup, one event each, and waiting for
   * all of them lets one sendmsg carry up to `coalesce` new requests instead of one.
   */
  private afterSettle(): void {
    if (this.qHead < this.queue.length) {
      // A dump goes alone, so nothing is gained by waiting for more replies: send it now (it round-trips
      // within this wakeup, as the kernel fills its first part inside sendmsg) instead of one per loop turn.
      if (this.queue[this.qHead].dump && !this.inflight.size) this.scheduleFlush();
      else if (!this.immediateScheduled) {
        this.immediateScheduled = true;
        setImmediate(() => {
          this.immediateScheduled = false;
          this.flush();
        });
      }
    } else if (!this.inflight.size && !this.notificationHandler) this.setRef(false);
  }

  private onDatagram(buf: Buffer): void {
    this.lastProgress = Date.now();
    // Check every header first: a malformed datagram cannot be matched to requests (the watchdog will fail
    // what it answered), as parseNlMessages would reject it.
    for (let off = 0; off + NLMSG_HDRLEN <= buf.length; off += (rd32(buf, off) + 3) & ~3) {
      const len = rd32(buf, off);
      if (len < NLMSG_HDRLEN || off + len > buf.length) return;
    }
    let settled = false;
    for (let off = 0; off + NLMSG_HDRLEN <= buf.length; ) {
      const len = rd32(buf, off);
      const type = rd16(buf, off + 4);
      const seq = rd32(buf, off + 8);
      const pid = rd32(buf, off + 12);
      const start = off;
      off += (len + 3) & ~3;
      const p = this.inflight.get(seq);
      if (!p || (pid !== 0 && pid !== this.port && type !== NlMsgType.ERROR)) {
        if (this.notificationHandler && seq === 0) {
          this.notificationHandler({ type, flags: rd16(buf, start + 6), seq, pid, payload: buf.subarray(start + NLMSG_HDRLEN, start + len) });
        }
        continue;
      }
      if (type === NlMsgType.ERROR) {
        // struct nlmsgerr: the (negative) errno, then the request's header (parseNlError, read in place)
        const error = len - NLMSG_HDRLEN >= 4 + NLMSG_HDRLEN ? buf.readInt32LE(start + NLMSG_HDRLEN) : -osConstants.errno.EPROTO;
        this.settle(seq);
        this.settleCovered(p);
        settled = true;
        if (error === 0) succeed(p);
        else failed(p, new NetlinkError(p.operation, -error, p.object));
      } else if (type === NlMsgType.DONE) {
        // NLMSG_DONE: an int, 0 or the negative errno the dump ended with (parseNlDone, read in place)
        const error = len - NLMSG_HDRLEN >= 4 ? buf.readInt32LE(start + NLMSG_HDRLEN) : 0;
        this.settle(seq);
        settled = true;
        if (error === 0) succeed(p);
        else failed(p, new NetlinkError(p.operation, -error, p.object));
      } else if (type === NlMsgType.NOOP || type === NlMsgType.OVERRUN) {
        continue;
      } else if (len < NLMSG_HDRLEN + 4) {
        const e = new NetlinkError(p.operation, osConstants.errno.EPROTO, p.object, 'EPROTO', `generic netlink payload is ${len - NLMSG_HDRLEN} bytes; should be >= 4`);
        this.settle(seq);
        this.settleCovered(p);
        settled = true;
        failed(p, e);
      } else if (p.onReply) {
        p.onReply(buf[start + NLMSG_HDRLEN], buf, start + NLMSG_HDRLEN + 4, start + len);
      } else {
        const g = parseGenl(buf.subarray(start + NLMSG_HDRLEN, start + len));
        (p.replies ??= []).push({ cmd: g.cmd, version: g.version, flags: rd16(buf, start + 6), attrs: g.attrs });
      }
    }
    if (settled) this.afterSettle();
  }

  private onSocketError(err: { errno?: number; code?: string }): void {
    // ENOBUFS: the kernel dropped replies (receive buffer overrun): the in-flight requests may or may
    // not have been applied and their acks are lost, so fail them all; the socket stays usable.
    // Other receive errors leave the socket in an unknown state; they fail what is in flight the same way.
    for (const p of [...this.inflight.values()]) {
      this.settle(p.seq);
      failed(p, fromPackageError(p.operation, err, p.object));
    }
    this.afterSettle();
  }

  /** Fails everything in flight or queued (ECLOSED) and closes the raw socket. */
  protected closeAll(): void {
    if (this.closed) return;
    for (const p of [...this.inflight.values()]) {
      this.settle(p.seq);
      failed(p, new NetlinkError(p.operation, osConstants.errno.EBADF, p.object, 'ECLOSED', 'socket closed with the request pending'));
    }
    const rest = this.queue.slice(this.qHead);
    this.queue = [];
    this.qHead = 0;
    for (const q of rest) failed(q, new NetlinkError(q.operation, osConstants.errno.EBADF, q.object, 'ECLOSED', 'socket closed with the request pending'));
    if (this.watchdog) clearInterval(this.watchdog);
    this.closed = true;
    this.sock.close();
  }
}
