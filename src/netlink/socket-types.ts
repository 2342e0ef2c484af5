// Types and constants of the generic-netlink socket (socket.ts): options, the raw endpoint it needs, requests,
// replies, and the receive-buffer budgets that size its window.
import { GENL_HDRLEN, NLMSG_HDRLEN } from './message';

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
 * Requests already encoded back to back in one buffer (complete nlmsgs: nlmsghdr with REQUEST|ACK, genlmsghdr,
 * attributes); the socket writes each one's seq and pid, and its ACK flag (ack suppression), in place.
 */
export interface EncodedRequests {
  buf: Buffer;
  /** request j is buf[starts[j], starts[j + 1]) */
  starts: Uint32Array;
  count: number;
  /** operation of request j, for its errors */
  operations: string[];
}

/** One reply of a dump, handed over in place: its genl attributes are buf[start, end). */
export type ReplyVisitor = (cmd: number, buf: Buffer, start: number, end: number) => void;

/** Free bytes a prebuilt request starts with: nlmsghdr + genlmsghdr. */
export const REQUEST_HEADROOM = NLMSG_HDRLEN + GENL_HDRLEN;

/**
 * Budget, in receive-buffer bytes, reserved for the replies of one in-flight request.
 * The kernel charges an skb's truesize against SO_RCVBUF and drops (ENOBUFS) once it is exceeded:
 * an ACK (nlmsgerr, or an error echoing our request) is a small skb, ~0.75-1.5 KiB truesize;
 * a doit reply is allocated with NLMSG_DEFAULT_SIZE (about a page) before netlink_trim.
 * Dumps are not charged: the kernel builds the next dump skb only when we have read the last one.
 */
export const ACK_BUDGET = 1536;
export const REPLY_BUDGET = 4096 + 512 + ACK_BUDGET;

/**
 * Default recvmsg buffer: 0, the package's peeking (MSG_PEEK|MSG_TRUNC into 1 byte, then a read of the exact
 * size). A fixed buffer saves the peek syscall, but netlink_recvmsg (net/netlink/af_netlink.c, 6.1) sizes
 * later dump skbs by the largest buffer offered (max_recvmsg_len, capped at 32 KiB) and the package zero-fills
 * each buffer: measured in the VM (10,000 services x 1 destination), 32 KiB made listAll 1.7x slower and 4 KiB
 * gained under 10% (within the noise), while any datagram over the buffer would be lost (truncatedMessage).
 */
export const RECV_MESSAGE_SIZE = 0;
