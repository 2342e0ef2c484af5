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
import { NetlinkError, fromPackageError } from './errors';
import { AttrWriter, NlFlags, NlMessage, formatGenl, formatNlMessage } from './message';
import { CtrlAttr, CtrlCmd, FamilyInfo, GENL_ID_CTRL, NETLINK_GENERIC, parseFamilyReply } from './genl-ctrl';
import { ACK_BUDGET, EncodedRequests, GenlReply, GenlRequest, GenlSocketOptions, RECV_MESSAGE_SIZE, REPLY_BUDGET, RawSocketLike, ReplyVisitor } from './socket-types';
import { GenlPipeline, Group, Pending, failed } from './pipeline';

export * from './genl-ctrl';
export * from './socket-types';

/** A generic-netlink command socket (see the top of this file; pipeline.ts sends the requests and matches the replies). */
export class GenlSocket extends GenlPipeline {
  private constructor(opts: GenlSocketOptions) {
    super(opts.rawSocket ?? openRaw(opts), opts);
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

  /** One request; resolves with its reply messages (none for a plain ACK). */
  request(req: GenlRequest): Promise<GenlReply[]> {
    return new Promise((resolve, reject) => {
      const p = this.pending(req, false, false, REPLY_BUDGET);
      if (!p) return void this.rejectClosed(req.operation, req.object, reject);
      p.resolve = resolve;
      p.reject = reject;
      this.enqueue(p);
    });
  }

  /** A dump (NLM_F_DUMP); resolves with every part before NLMSG_DONE. */
  dump(req: GenlRequest): Promise<GenlReply[]> {
    return this.dumpWith(req);
  }

  /**
   * A dump whose parts are handed to `visit` as they arrive, in place (no reply objects); resolves when it is done.
   * `visit` must not throw (it is called from the socket's receive path); it may keep `buf`.
   */
  dumpEach(req: GenlRequest, visit: ReplyVisitor): Promise<void> {
    return this.dumpWith(req, visit).then(() => undefined);
  }

  private dumpWith(req: GenlRequest, visit?: ReplyVisitor): Promise<GenlReply[]> {
    return new Promise((resolve, reject) => {
      const p = this.pending(req, true, false, ACK_BUDGET);
      if (!p) return void this.rejectClosed(req.operation, req.object, reject);
      p.onReply = visit;
      p.resolve = resolve;
      p.reject = reject;
      this.enqueue(p);
    });
  }

  /**
   * Many requests pipelined: all are queued at once, sent as the window allows (several per datagram),
   * and each settles independently. The kernel handles them in order. Returns one result per request.
   */
  pipeline(reqs: GenlRequest[], expectReplies = false): Promise<Array<GenlReply[] | NetlinkError>> {
    const ackOptional = !expectReplies && this.suppressAcks;
    return this.group(reqs.length, false, (g) => {
      for (let i = 0; i < reqs.length; i++) {
        const p = this.pending(reqs[i], false, ackOptional, expectReplies ? REPLY_BUDGET : ACK_BUDGET);
        if (!p) {
          this.rejectClosed(reqs[i].operation, reqs[i].object, (e) => failed({ group: g, slot: i } as Pending, e));
          continue;
        }
        p.group = g;
        p.slot = i;
        this.queue.push(p);
      }
    }) as Promise<Array<GenlReply[] | NetlinkError>>;
  }

  /**
   * Requests encoded back to back in one buffer (EncodedRequests), pipelined as pipeline() does with requests
   * that expect no reply but an ack: consecutive requests go out as one slice of the buffer, not copied.
   * Resolves with one result per request: undefined (done) or its NetlinkError (without an object).
   */
  pipelineEncoded(r: EncodedRequests): Promise<Array<NetlinkError | undefined>> {
    return this.group(r.count, true, (g) => {
      const closed = this.closed;
      for (let i = 0; i < r.count; i++) {
        const op = r.operations[i];
        if (closed) {
          this.rejectClosed(op, undefined, (e) => failed({ group: g, slot: i } as Pending, e));
          continue;
        }
        const off = r.starts[i];
        const p: Pending = {
          seq: 0,
          dump: false,
          ackOptional: this.suppressAcks,
          unacked: false,
          covers: undefined,
          budget: ACK_BUDGET,
          buf: r.buf,
          off,
          len: r.starts[i + 1] - off,
          replies: undefined,
          onReply: undefined,
          group: g,
          slot: i,
          resolve: undefined,
          reject: undefined,
          operation: op,
          object: undefined,
        };
        // pid of this socket; REQUEST|ACK as encoded (the ACK bit is cleared at send time when suppressed)
        r.buf.writeUInt32LE(this.port >>> 0, off + 12);
        this.queue.push(p);
      }
    }) as Promise<Array<NetlinkError | undefined>>;
  }

  /** One promise for n requests queued by fill(): each settles into its slot (no promise per request). */
  private group(n: number, bare: boolean, fill: (g: Group) => void): Promise<Array<GenlReply[] | NetlinkError | undefined>> {
    const out: Array<GenlReply[] | NetlinkError | undefined> = new Array(n);
    if (!n) return Promise.resolve(out);
    return new Promise((done) => {
      fill({ out, left: n, bare, done });
      this.scheduleFlush();
    });
  }

  private rejectClosed(operation: string, object: string | undefined, reject: (e: NetlinkError) => void): void {
    reject(new NetlinkError(operation, osConstants.errno.EBADF, object, 'ECLOSED', 'socket is closed'));
  }

  /** A pending request with its message built (seq is assigned at send time), or undefined when closed. */
  private pending(req: GenlRequest, dump: boolean, ackOptional: boolean, budget: number): Pending | undefined {
    if (this.closed) return undefined;
    const flags = NlFlags.REQUEST | NlFlags.ACK | (dump ? NlFlags.DUMP : 0) | (req.flags ?? 0);
    let msg: Buffer;
    if (req.prebuilt) {
      msg = req.prebuilt;
      writeHeaders(msg, req.family, flags, this.port, req.cmd, req.version);
    } else {
      const payload = formatGenl({ cmd: req.cmd, version: req.version }, req.attrs ?? Buffer.alloc(0));
      msg = formatNlMessage({ type: req.family, flags, seq: 0, pid: this.port }, payload);
    }
    return {
      seq: 0,
      dump,
      ackOptional,
      unacked: false,
      covers: undefined,
      budget: dump ? ACK_BUDGET : budget,
      buf: msg,
      off: 0,
      len: msg.length,
      replies: undefined,
      onReply: undefined,
      group: undefined,
      slot: 0,
      resolve: undefined,
      reject: undefined,
      operation: req.operation,
      object: req.object,
    };
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
    this.closeAll();
  }
}

/** A RawNetlinkSocket for NETLINK_GENERIC with the buffer sizes asked for. */
function openRaw(opts: GenlSocketOptions): RawSocketLike {
  const msgSize = Math.max(0, Math.floor(opts.recvMessageSize ?? RECV_MESSAGE_SIZE));
  return new RawNetlinkSocket(NETLINK_GENERIC, {
    ...(msgSize > 0 ? { messagePeeking: false, msgBufferSize: msgSize } : {}),
    recvBufferSize: opts.recvBufferSize ?? 4 << 20,
    sendBufferSize: opts.sendBufferSize ?? 1 << 20,
  });
}

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
