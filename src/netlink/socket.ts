// A generic-netlink socket over the `netlink` package's RawNetlinkSocket: request/ack, dumps, and
// pipelined requests matched by sequence number within a window sized to the receive buffer.
//
// How netlink@0.3.0 delivers (src/binding.cc): a uv_poll watcher calls recvmsg up to 32 times per wakeup;
// by default it peeks (MSG_PEEK|MSG_TRUNC) to size each buffer, so every datagram arrives whole as one
// 'message' event (several nlmsgs in it for dumps and coalesced acks). send() calls sendmsg at once when
// its queue is empty (the kernel runs a genl doit inside that sendmsg, so the ack is queued before send
// returns), otherwise it queues and retries on EAGAIN/ENOBUFS when writable. Receive errors (ENOBUFS
// when the kernel dropped replies for lack of SO_RCVBUF) come as 'error' events and the socket stays
// open. SO_RCVBUF is capped by net.core.rmem_max (the package has no SO_RCVBUFFORCE), so the window is
// bounded by getRecvBufferSize() / per-request budget instead of trusting the requested size.
// Its higher layers (NetlinkSocket.request, GenericNetlinkSocket) wait for each ack and throw bare
// strings ("Request rejected: ENOENT"), so this module uses the raw socket and does its own matching.
// The raw module only: the package index also loads the rtnetlink, nl80211, genl and wireguard structs (most
// of lvsadm's start-up time in the VM). netlink@0.3.0 has no "exports" map, so the deep path resolves.
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { constants as osConstants } from 'os';
import { NetlinkError, errnoName, fromPackageError } from './errors';
import {
  AttrWriter,
  GENL_HDRLEN,
  NLMSG_HDRLEN,
  NlFlags,
  NlMessage,
  NlMsgType,
  attrMap,
  formatGenl,
  formatNlMessage,
  getString,
  getU16,
  getU32,
  parseAttrs,
  parseGenl,
  parseNlDone,
  parseNlError,
  parseNlMessages,
} from './message';

export const NETLINK_GENERIC = 16;
export const GENL_ID_CTRL = 0x10;

export enum CtrlCmd {
  GETFAMILY = 3,
}
export enum CtrlAttr {
  FAMILY_ID = 1,
  FAMILY_NAME = 2,
  VERSION = 3,
  HDRSIZE = 4,
  MAXATTR = 5,
  OPS = 6,
  MCAST_GROUPS = 7,
}
export enum CtrlAttrMcastGrp {
  NAME = 1,
  ID = 2,
}

export interface FamilyInfo {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  /** multicast group name -> group id, for a monitoring socket's addMembership */
  mcastGroups: Map<string, number>;
}

export interface GenlSocketOptions {
  /** Most requests in flight before their acks are collected (default 256; bounded by the receive buffer). */
  window?: number;
  /** SO_RCVBUF to ask for (default 4 MiB); the kernel caps it at net.core.rmem_max and doubles it. */
  recvBufferSize?: number;
  /** SO_SNDBUF to ask for (default 1 MiB). */
  sendBufferSize?: number;
  /** Requests coalesced into one sendmsg datagram (default 64; 1 = one message per datagram, like libnl). */
  coalesce?: number;
  /** Fail in-flight requests when no reply arrives for this long (default 15000 ms). */
  timeoutMs?: number;
  /** Multicast groups to join (monitoring sockets only; keep command sockets without groups). */
  groups?: number[];
  /**
   * Receive buffer handed to each recvmsg, bytes (default RECV_MESSAGE_SIZE; 0 = peek at every datagram for its size).
   * See RECV_MESSAGE_SIZE.
   */
  recvMessageSize?: number;
  /**
   * Acknowledge only the last request of each datagram of a pipeline (default true): see "Ack suppression"
   * above GenlSocket. false asks an ack for every request, as libnl does.
   */
  suppressAcks?: boolean;
  /** Instead of a new RawNetlinkSocket (tests): an endpoint that behaves like the kernel's netlink socket. */
  rawSocket?: RawSocketLike;
}

/** What GenlSocket needs of netlink@0.3.0's RawNetlinkSocket (tests pass a scripted endpoint instead). */
export interface RawSocketLike {
  send(data: Buffer, options: object, callback: (err?: Error) => void): void;
  on(event: 'message', listener: (buf: Buffer) => void): unknown;
  on(event: 'error', listener: (err: { errno?: number; code?: string }) => void): unknown;
  on(event: 'truncatedMessage', listener: () => void): unknown;
  address(): { port: number };
  getRecvBufferSize(): number;
  addMembership(group: number): void;
  ref(): void;
  unref(): void;
  close(): void;
}

export interface GenlRequest {
  /** nlmsg_type: the generic netlink family id */
  family: number;
  cmd: number;
  version: number;
  /** attributes after the genl header */
  attrs?: Buffer;
  /** instead of attrs: REQUEST_HEADROOM free bytes then the attributes; the headers are written in place */
  prebuilt?: Buffer;
  /** extra nlmsg flags; REQUEST and ACK are always set */
  flags?: number;
  /** for errors: what was being done ("add service") and to what ("TCP 10.0.0.1:80") */
  operation: string;
  object?: string;
}

export interface GenlReply {
  cmd: number;
  version: number;
  flags: number;
  attrs: Buffer;
}

/**
 * Budget, in receive-buffer bytes, reserved for the replies of one in-flight request.
 * The kernel charges an skb's truesize against SO_RCVBUF and drops (ENOBUFS) once it is exceeded:
 * an ACK (nlmsgerr, or an error echoing our request) is a small skb, ~0.75-1.5 KiB truesize;
 * a doit reply is allocated with NLMSG_DEFAULT_SIZE (about a page) before netlink_trim.
 * Dumps are not charged: the kernel builds the next dump skb only when we have read the last one.
 */
const ACK_BUDGET = 1536;
const REPLY_BUDGET = 4096 + 512 + ACK_BUDGET;

/**
 * Default recvmsg buffer: 0, the package's peeking (MSG_PEEK|MSG_TRUNC into 1 byte, then a read of the exact
 * size). A fixed buffer saves the peek syscall, but netlink_recvmsg (net/netlink/af_netlink.c, 6.1) sizes
 * later dump skbs by the largest buffer offered (max_recvmsg_len, capped at 32 KiB) and the package zero-fills
 * each buffer: measured in the VM (10,000 services x 1 destination), 32 KiB made listAll 1.7x slower and 4 KiB
 * gained under 10% (within the noise), while any datagram over the buffer would be lost (truncatedMessage).
 */
export const RECV_MESSAGE_SIZE = 0;

interface Pending {
  seq: number;
  dump: boolean;
  /** a pipelined request that may go without NLM_F_ACK (it expects no reply but an error) */
  ackOptional: boolean;
  /** sent without NLM_F_ACK: settled by its error, or by the ack of the barrier after it */
  unacked: boolean;
  /** for a barrier (acked request): the unacked requests sent before it in its datagram */
  covers?: Pending[];
  budget: number;
  replies: GenlReply[];
  resolve: (r: GenlReply[]) => void;
  reject: (e: NetlinkError) => void;
  operation: string;
  object?: string;
}

interface Queued {
  msg: Buffer;
  pending: Pending;
}

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
export class GenlSocket {
  private readonly sock: RawSocketLike;
  private readonly port: number;
  private seq: number;
  private readonly inflight = new Map<number, Pending>();
  /** FIFO of requests not yet sent: queue[qHead..] (Array.shift is O(n) on long arrays) */
  private queue: Queued[] = [];
  private qHead = 0;
  private immediateScheduled = false;
  private budgetUsed = 0;
  private dumpActive = false;
  private flushScheduled = false;
  private closed = false;
  private lastProgress = Date.now();
  private watchdog?: NodeJS.Timeout;
  private notificationHandler?: (msg: NlMessage) => void;
  readonly window: number;
  readonly recvBufferBytes: number;
  private readonly coalesce: number;
  private readonly timeoutMs: number;
  private referenced = false;
  private readonly suppressAcks: boolean;

  private constructor(opts: GenlSocketOptions) {
    const msgSize = Math.max(0, Math.floor(opts.recvMessageSize ?? RECV_MESSAGE_SIZE));
    this.sock =
      opts.rawSocket ??
      new RawNetlinkSocket(NETLINK_GENERIC, {
        ...(msgSize > 0 ? { messagePeeking: false, msgBufferSize: msgSize } : {}),
        recvBufferSize: opts.recvBufferSize ?? 4 << 20,
        sendBufferSize: opts.sendBufferSize ?? 1 << 20,
      });
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

  static open(opts: GenlSocketOptions = {}): GenlSocket {
    try {
      return new GenlSocket(opts);
    } catch (e) {
      throw fromPackageError('open netlink socket', e);
    }
  }

  /** Local port (nl_pid) of this socket. */
  get localPort(): number {
    return this.port;
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Unsolicited messages (multicast notifications) on a monitoring socket. */
  onNotification(handler: (msg: NlMessage) => void): void {
    this.notificationHandler = handler;
  }

  private nextSeq(): number {
    let s;
    do {
      s = this.seq;
      this.seq = (this.seq + 1) >>> 0 || 1;
    } while (this.inflight.has(s));
    return s;
  }

  /** One request; resolves with its reply messages (none for a plain ACK). */
  request(req: GenlRequest): Promise<GenlReply[]> {
    return this.enqueue(req, false, true);
  }

  /** A dump (NLM_F_DUMP); resolves with every part before NLMSG_DONE. */
  dump(req: GenlRequest): Promise<GenlReply[]> {
    return this.enqueue(req, true, true);
  }

  /**
   * Many requests pipelined: all are queued at once, sent as the window allows (several per datagram),
   * and each settles independently. The kernel handles them in order. Returns one result per request.
   */
  pipeline(reqs: GenlRequest[], expectReplies = false): Promise<Array<GenlReply[] | NetlinkError>> {
    // One promise for the whole pipeline: each request settles into its slot (no promise per request).
    const ackOptional = !expectReplies && this.suppressAcks;
    const out: Array<GenlReply[] | NetlinkError> = new Array(reqs.length);
    if (!reqs.length) return Promise.resolve(out);
    return new Promise((resolveAll) => {
      let left = reqs.length;
      const done = () => {
        if (--left === 0) resolveAll(out);
      };
      for (let i = 0; i < reqs.length; i++) {
        const slot = i;
        this.push(
          reqs[i],
          false,
          expectReplies,
          ackOptional,
          (r) => {
            out[slot] = r;
            done();
          },
          (e) => {
            out[slot] = e;
            done();
          },
        );
      }
    });
  }

  private enqueue(req: GenlRequest, dump: boolean, expectReply: boolean): Promise<GenlReply[]> {
    return new Promise<GenlReply[]>((resolve, reject) => this.push(req, dump, expectReply, false, resolve, reject));
  }

  /** Queues one request; exactly one of resolve / reject is called when it settles. */
  private push(
    req: GenlRequest,
    dump: boolean,
    expectReply: boolean,
    ackOptional: boolean,
    resolve: (r: GenlReply[]) => void,
    reject: (e: NetlinkError) => void,
  ): void {
    if (this.closed) {
      reject(new NetlinkError(req.operation, osConstants.errno.EBADF, req.object, 'ECLOSED', 'socket is closed'));
      return;
    }
    const pending: Pending = {
      seq: 0,
      dump,
      ackOptional,
      unacked: false,
      budget: dump ? ACK_BUDGET : expectReply ? REPLY_BUDGET : ACK_BUDGET,
      replies: [],
      resolve,
      reject,
      operation: req.operation,
      object: req.object,
    };
    const flags = NlFlags.REQUEST | NlFlags.ACK | (dump ? NlFlags.DUMP : 0) | (req.flags ?? 0);
    // seq is assigned at send time; keep the header fields here.
    let msg: Buffer;
    if (req.prebuilt) {
      msg = req.prebuilt;
      writeHeaders(msg, req.family, flags, this.port, req.cmd, req.version);
    } else {
      const payload = formatGenl({ cmd: req.cmd, version: req.version }, req.attrs ?? Buffer.alloc(0));
      msg = formatNlMessage({ type: req.family, flags, seq: 0, pid: this.port }, payload);
    }
    this.queue.push({ msg, pending });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
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
    let batch: Buffer[] = [];
    let batchBytes = 0;
    /** unacked requests of this datagram not yet covered by a barrier */
    let uncovered: Pending[] = [];
    let last: Pending | undefined;
    const send = () => {
      if (!batch.length) return;
      if (last && last.unacked) {
        // The datagram's last request becomes its barrier: it asks for the ack the others went without.
        const m = batch[batch.length - 1];
        m.writeUInt16LE(m.readUInt16LE(6) | NlFlags.ACK, 6);
        last.unacked = false;
        uncovered.pop();
        if (uncovered.length) last.covers = uncovered;
      }
      uncovered = [];
      last = undefined;
      const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
      const seqs = this.lastBatchSeqs;
      this.lastBatchSeqs = [];
      batch = [];
      batchBytes = 0;
      this.sock.send(data, {}, (err) => {
        if (err) for (const s of seqs) this.fail(s, fromPackageError(this.inflight.get(s)?.operation ?? 'send', err, this.inflight.get(s)?.object));
      });
    };
    while (this.qHead < this.queue.length && !this.dumpActive) {
      const next = this.queue[this.qHead];
      const p = next.pending;
      if (p.dump && this.inflight.size > 0) break; // a dump goes alone: one dump at a time per socket (EBUSY)
      if (this.inflight.size >= this.window) break;
      if (this.inflight.size > 0 && this.budgetUsed + p.budget > budgetMax) break;
      this.queue[this.qHead++] = undefined as unknown as Queued;
      p.seq = this.nextSeq();
      next.msg.writeUInt32LE(p.seq >>> 0, 8); // nlmsg_seq (host order; HOST_LE checked in message.ts)
      if (p.ackOptional) {
        next.msg.writeUInt16LE(next.msg.readUInt16LE(6) & ~NlFlags.ACK, 6);
        p.unacked = true;
        uncovered.push(p);
      } else if (uncovered.length) {
        p.covers = uncovered;
        uncovered = [];
      }
      last = p;
      this.inflight.set(p.seq, p);
      this.budgetUsed += p.budget;
      this.lastBatchSeqs.push(p.seq);
      batch.push(next.msg);
      batchBytes += next.msg.length;
      if (p.dump) {
        this.dumpActive = true;
        break;
      }
      if (batch.length >= this.coalesce || batchBytes >= 16384) send();
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
  private lastBatchSeqs: number[] = [];

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

  private settle(seq: number): Pending | undefined {
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
      c.resolve(c.replies);
    }
  }

  private fail(seq: number, err: NetlinkError): void {
    const p = this.settle(seq);
    if (p) p.reject(err);
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
      if (this.queue[this.qHead].pending.dump && !this.inflight.size) this.scheduleFlush();
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
    let msgs: NlMessage[];
    try {
      msgs = parseNlMessages(buf);
    } catch (e) {
      // A malformed datagram cannot be matched to a request; the watchdog will fail what it answered.
      return;
    }
    let settled = false;
    for (const m of msgs) {
      const p = this.inflight.get(m.seq);
      if (!p || (m.pid !== 0 && m.pid !== this.port && m.type !== NlMsgType.ERROR)) {
        if (this.notificationHandler && m.seq === 0) this.notificationHandler(m);
        continue;
      }
      if (m.type === NlMsgType.ERROR) {
        let error: number;
        try {
          error = parseNlError(m.payload).error;
        } catch {
          error = -osConstants.errno.EPROTO;
        }
        this.settle(m.seq);
        this.settleCovered(p);
        settled = true;
        if (error === 0) p.resolve(p.replies);
        else p.reject(new NetlinkError(p.operation, -error, p.object));
      } else if (m.type === NlMsgType.DONE) {
        const error = parseNlDone(m.payload);
        this.settle(m.seq);
        settled = true;
        if (error === 0) p.resolve(p.replies);
        else p.reject(new NetlinkError(p.operation, -error, p.object));
      } else if (m.type === NlMsgType.NOOP || m.type === NlMsgType.OVERRUN) {
        continue;
      } else {
        try {
          const g = parseGenl(m.payload);
          p.replies.push({ cmd: g.cmd, version: g.version, flags: m.flags, attrs: g.attrs });
        } catch (e) {
          this.settle(m.seq);
          this.settleCovered(p);
          settled = true;
          p.reject(new NetlinkError(p.operation, osConstants.errno.EPROTO, p.object, 'EPROTO', (e as Error).message));
        }
      }
    }
    if (settled) this.afterSettle();
  }

  private onSocketError(err: { errno?: number; code?: string }): void {
    // ENOBUFS: the kernel dropped replies (receive buffer overrun): the in-flight requests may or may
    // not have been applied and their acks are lost, so fail them all; the socket stays usable.
    const name = typeof err.errno === 'number' ? errnoName(err.errno) : err.code ?? 'EIO';
    for (const p of [...this.inflight.values()]) {
      this.settle(p.seq);
      p.reject(fromPackageError(p.operation, err, p.object));
    }
    if (name !== 'ENOBUFS' && name !== 'EAGAIN') {
      // other receive errors leave the socket in an unknown state
    }
    this.afterSettle();
  }

  /** CTRL_CMD_GETFAMILY: id, version and multicast groups of a generic netlink family. */
  async resolveFamily(name: string): Promise<FamilyInfo> {
    const attrs = new AttrWriter().string(CtrlAttr.FAMILY_NAME, name).toBuffer();
    const replies = await this.request({
      family: GENL_ID_CTRL,
      cmd: CtrlCmd.GETFAMILY,
      version: 1,
      attrs,
      operation: 'resolve generic netlink family',
      object: name,
    });
    if (!replies.length) throw new NetlinkError('resolve generic netlink family', osConstants.errno.EPROTO, name, 'EPROTO', 'empty reply');
    return parseFamilyReply(replies[0].attrs);
  }

  close(): void {
    if (this.closed) return;
    for (const p of [...this.inflight.values()]) {
      this.settle(p.seq);
      p.reject(new NetlinkError(p.operation, osConstants.errno.EBADF, p.object, 'ECLOSED', 'socket closed with the request pending'));
    }
    const rest = this.queue.slice(this.qHead);
    this.queue = [];
    this.qHead = 0;
    for (const q of rest) {
      q.pending.reject(new NetlinkError(q.pending.operation, osConstants.errno.EBADF, q.pending.object, 'ECLOSED', 'socket closed with the request pending'));
    }
    if (this.watchdog) clearInterval(this.watchdog);
    this.closed = true;
    this.sock.close();
  }
}

/** Free bytes a prebuilt request starts with: nlmsghdr + genlmsghdr. */
export const REQUEST_HEADROOM = NLMSG_HDRLEN + GENL_HDRLEN;

function writeHeaders(b: Buffer, type: number, flags: number, pid: number, cmd: number, version: number): void {
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(pid >>> 0, 12);
  b[16] = cmd;
  b[17] = version;
  b.writeUInt16LE(0, 18);
}

/** Pure parse of a CTRL_CMD_NEWFAMILY reply's attributes. */
export function parseFamilyReply(attrs: Buffer): FamilyInfo {
  const m = attrMap(attrs);
  const id = m.get(CtrlAttr.FAMILY_ID);
  if (!id) throw new NetlinkError('resolve generic netlink family', osConstants.errno.EPROTO, undefined, 'EPROTO', 'reply has no CTRL_ATTR_FAMILY_ID');
  const groups = new Map<string, number>();
  const g = m.get(CtrlAttr.MCAST_GROUPS);
  if (g) {
    for (const grp of parseAttrs(g)) {
      const gm = attrMap(grp.data);
      const gname = gm.get(CtrlAttrMcastGrp.NAME);
      const gid = gm.get(CtrlAttrMcastGrp.ID);
      if (gname && gid) groups.set(getString(gname), getU32(gid));
    }
  }
  return {
    id: getU16(id),
    name: m.has(CtrlAttr.FAMILY_NAME) ? getString(m.get(CtrlAttr.FAMILY_NAME)!) : '',
    version: m.has(CtrlAttr.VERSION) ? getU32(m.get(CtrlAttr.VERSION)!) : 0,
    hdrsize: m.has(CtrlAttr.HDRSIZE) ? getU32(m.get(CtrlAttr.HDRSIZE)!) : 0,
    maxattr: m.has(CtrlAttr.MAXATTR) ? getU32(m.get(CtrlAttr.MAXATTR)!) : 0,
    mcastGroups: groups,
  };
}
