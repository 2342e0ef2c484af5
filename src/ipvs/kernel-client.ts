// IpvsClient for the running kernel: IPVS messages over a generic netlink socket (family "IPVS").
import { GenlSocket, GenlSocketOptions, REQUEST_HEADROOM } from '../netlink/socket';
import { NetlinkError } from '../netlink/errors';
import { FormatOptions, IpvsMessage, formatAttrsWithHeadroom, parseAttrsOf } from './codec';
import { IPVS_GENL_NAME, IPVS_GENL_VERSION } from './constants';
import { IpvsError, IpvsOp } from './errors';
import { BatchOp, BatchResult, IpvsClient, IpvsTransport, ReplyDecoder, TransportClient } from './client';
import { batchObject, encodeBatch } from './batch-encoder';

export interface KernelClientOptions extends GenlSocketOptions {
  format?: FormatOptions;
  /** Extra sockets for concurrent dumps (a socket runs one dump at a time); default 3 */
  dumpSockets?: number;
}

export class KernelTransport implements IpvsTransport {
  private readonly extra: GenlSocket[] = [];
  private readonly busy = new Set<GenlSocket>();

  constructor(
    private readonly sock: GenlSocket,
    readonly familyId: number,
    private readonly fmt: FormatOptions = {},
    private readonly maxExtra = 3,
    /** opens an extra dump socket (tests and host benchmarks pass a scripted endpoint) */
    private readonly openDumpSocket: () => GenlSocket = () => GenlSocket.open({ window: 1, coalesce: 1 }),
  ) {}

  /** The command socket when it is idle, else an idle (or new, up to maxExtra) dump socket. */
  private dumpSocket(): GenlSocket {
    for (const s of [this.sock, ...this.extra]) if (!this.busy.has(s) && s.inFlight === 0) return s;
    if (this.extra.length < this.maxExtra) {
      try {
        const s = this.openDumpSocket();
        this.extra.push(s);
        return s;
      } catch {
        // fall back to queueing on the command socket
      }
    }
    return this.sock;
  }

  private genl(msg: IpvsMessage, op: IpvsOp, object?: string) {
    return { family: this.familyId, cmd: msg.cmd, version: this.fmt.version ?? IPVS_GENL_VERSION, prebuilt: formatAttrsWithHeadroom(msg, REQUEST_HEADROOM, this.fmt), operation: op, object };
  }

  async request(msg: IpvsMessage, op: IpvsOp, object?: string): Promise<IpvsMessage[]> {
    try {
      const r = await this.sock.request(this.genl(msg, op, object));
      return r.map((x) => parseAttrsOf(x.cmd, x.attrs));
    } catch (e) {
      throw IpvsError.fromNetlink(op, e, object);
    }
  }

  async dump(msg: IpvsMessage, op: IpvsOp, object?: string): Promise<IpvsMessage[]> {
    const s = this.dumpSocket();
    this.busy.add(s);
    try {
      const r = await s.dump(this.genl(msg, op, object));
      return r.map((x) => parseAttrsOf(x.cmd, x.attrs));
    } catch (e) {
      throw IpvsError.fromNetlink(op, e, object);
    } finally {
      this.busy.delete(s);
    }
  }

  /** applyBatch: the whole batch encoded into one buffer (batch-encoder.ts) and sent in slices of it. */
  async applyOps(ops: BatchOp[]): Promise<BatchResult[]> {
    const enc = encodeBatch(ops, this.familyId, this.sock.localPort, this.fmt);
    const results: BatchResult[] = new Array(ops.length);
    for (const r of enc.rejected) results[r.index] = { ok: false, error: r.error };
    const res = await this.sock.pipelineEncoded({ buf: enc.buf, starts: enc.starts, count: enc.count, operations: enc.ops });
    for (let j = 0; j < enc.count; j++) {
      const i = enc.index[j];
      const e = res[j];
      // the object (ipvsadm's naming of the service or destination) only for the failed ones
      results[i] = e ? { ok: false, error: IpvsError.fromNetlink(enc.ops[j], e, batchObject(ops[i])) } : { ok: true };
    }
    return results;
  }

  /** A dump decoded from each received datagram in place (no reply objects); see IpvsTransport.dumpDecoded. */
  async dumpDecoded<T>(msg: IpvsMessage, op: IpvsOp, object: string | undefined, decode: ReplyDecoder<T>): Promise<{ entries: T[]; error?: unknown }> {
    const s = this.dumpSocket();
    this.busy.add(s);
    const entries: T[] = [];
    let error: unknown;
    try {
      await s.dumpEach(this.genl(msg, op, object), (cmd, b, st, en) => {
        if (error !== undefined) return;
        try {
          const v = decode(cmd, b, st, en);
          if (v !== undefined) entries.push(v);
        } catch (e) {
          error = e;
        }
      });
    } catch (e) {
      throw IpvsError.fromNetlink(op, e, object);
    } finally {
      this.busy.delete(s);
    }
    return { entries, error };
  }

  async pipeline(items: Array<{ msg: IpvsMessage; op: IpvsOp; object?: string }>): Promise<Array<IpvsError | undefined>> {
    const res = await this.sock.pipeline(items.map((i) => this.genl(i.msg, i.op, i.object)));
    return res.map((r, j) => (r instanceof NetlinkError ? IpvsError.fromNetlink(items[j].op, r, items[j].object) : undefined));
  }

  async close(): Promise<void> {
    this.sock.close();
    for (const s of this.extra) s.close();
  }
}

export class KernelClient extends TransportClient {
  constructor(
    transport: KernelTransport,
    readonly socket: GenlSocket,
  ) {
    super(transport);
  }
}

/** Opens a command socket and resolves the IPVS family (the kernel loads ip_vs on demand). */
export async function openKernelClient(opts: KernelClientOptions = {}): Promise<IpvsClient & { socket: GenlSocket }> {
  let sock: GenlSocket;
  try {
    sock = GenlSocket.open(opts);
  } catch (e) {
    throw IpvsError.fromNetlink('open', e, 'netlink socket');
  }
  try {
    const fam = await sock.resolveFamily(IPVS_GENL_NAME);
    return new KernelClient(new KernelTransport(sock, fam.id, opts.format, opts.dumpSockets ?? 3), sock);
  } catch (e) {
    sock.close();
    const err = IpvsError.fromNetlink('open', e, 'generic netlink family IPVS');
    if (err.code === 'ENOENT') {
      throw new IpvsError('open', err.errno, 'generic netlink family IPVS', 'ENOENT', 'IPVS is not available in this kernel (modprobe ip_vs?)');
    }
    throw err;
  }
}
