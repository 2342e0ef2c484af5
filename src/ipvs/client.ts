// IpvsClient: the async IPVS API (one method per command, plus pipelined batches), and its implementation
// over any message transport (the kernel's generic netlink socket, or the in-memory fake kernel).
import { AddressError, canonicalAddress, familyOf } from './address';
import {
  IpvsMessage,
  decodeDaemonEntry,
  decodeDestEntry,
  decodeInfo,
  decodeServiceEntry,
  decodeTimeouts,
  describeDest,
  describeService,
  req,
} from './codec';
import { decodeDestReply, decodeServiceReply } from './dump-decoder';
import { AddressFamily, IP_VS_IFNAME_MAXLEN, IP_VS_PENAME_MAXLEN, IP_VS_SCHEDNAME_MAXLEN, SyncState } from './constants';
import { IpvsError, IpvsOp } from './errors';
import {
  DaemonConfig,
  DaemonEntry,
  DestinationConfig,
  DestinationEntry,
  DestinationKey,
  Info,
  ServiceConfig,
  ServiceEntry,
  ServiceKey,
  Timeouts,
  isFwmarkKey,
} from './types';

/** One operation of a batch. */
export type BatchOp =
  | { op: 'addService'; service: ServiceKey; config: ServiceConfig }
  | { op: 'updateService'; service: ServiceKey; config: ServiceConfig }
  | { op: 'deleteService'; service: ServiceKey }
  | { op: 'addDestination'; service: ServiceKey; dest: DestinationKey; config: DestinationConfig }
  | { op: 'updateDestination'; service: ServiceKey; dest: DestinationKey; config: DestinationConfig }
  | { op: 'deleteDestination'; service: ServiceKey; dest: DestinationKey }
  | { op: 'zero'; service?: ServiceKey }
  | { op: 'setTimeouts'; timeouts: Partial<Timeouts> }
  | { op: 'startDaemon'; daemon: DaemonConfig }
  | { op: 'stopDaemon'; state: SyncState.MASTER | SyncState.BACKUP }
  | { op: 'flush' };

/** Per-operation outcome of applyBatch, in the order of the operations. */
export type BatchResult = { ok: true } | { ok: false; error: IpvsError };

export interface IpvsClient {
  info(): Promise<Info>;
  flush(): Promise<void>;

  addService(service: ServiceKey, config: ServiceConfig): Promise<void>;
  updateService(service: ServiceKey, config: ServiceConfig): Promise<void>;
  deleteService(service: ServiceKey): Promise<void>;
  /** ESRCH when absent */
  getService(service: ServiceKey): Promise<ServiceEntry>;
  listServices(): Promise<ServiceEntry[]>;

  addDestination(service: ServiceKey, dest: DestinationKey, config: DestinationConfig): Promise<void>;
  updateDestination(service: ServiceKey, dest: DestinationKey, config: DestinationConfig): Promise<void>;
  deleteDestination(service: ServiceKey, dest: DestinationKey): Promise<void>;
  /** In the kernel's order (newest first). A missing service lists as empty, as the kernel's dump does. */
  listDestinations(service: ServiceKey): Promise<DestinationEntry[]>;
  /** Every service with its destinations (ipvsadm -L / -S); destination dumps run concurrently. */
  listAll(): Promise<Array<ServiceEntry & { destinations: DestinationEntry[] }>>;

  startDaemon(config: DaemonConfig): Promise<void>;
  stopDaemon(state: SyncState.MASTER | SyncState.BACKUP): Promise<void>;
  /** Master first, then backup */
  listDaemons(): Promise<DaemonEntry[]>;

  getTimeouts(): Promise<Timeouts>;
  /** Fields absent or 0 are left unchanged */
  setTimeouts(timeouts: Partial<Timeouts>): Promise<void>;

  /** Zero the counters of one service (and its destinations), or of everything */
  zero(service?: ServiceKey): Promise<void>;

  /**
   * Apply operations in order, pipelined: requests go out without waiting for each ack, and the kernel
   * applies them in order. Every operation is attempted; each result says whether it succeeded.
   */
  applyBatch(ops: BatchOp[]): Promise<BatchResult[]>;

  close(): Promise<void>;
}

/** What a client needs from below: send one message, a dump, or many messages pipelined. */
export interface IpvsTransport {
  /** Resolves with the reply messages (none for an ACK); rejects with IpvsError / NetlinkError. */
  request(msg: IpvsMessage, op: IpvsOp, object?: string): Promise<IpvsMessage[]>;
  dump(msg: IpvsMessage, op: IpvsOp, object?: string): Promise<IpvsMessage[]>;
  pipeline(items: Array<{ msg: IpvsMessage; op: IpvsOp; object?: string }>): Promise<Array<IpvsError | undefined>>;
  /**
   * Optional fast paths of the kernel transport (TransportClient falls back to the methods above without them):
   * a whole batch encoded at once (batch-encoder.ts), with the results of applyBatch ...
   */
  applyOps?(ops: BatchOp[]): Promise<BatchResult[]>;
  /** ... and a dump decoded reply by reply from the received bytes (dump-decoder.ts); decode errors are returned, not thrown. */
  dumpDecoded?<T>(msg: IpvsMessage, op: IpvsOp, object: string | undefined, decode: ReplyDecoder<T>): Promise<{ entries: T[]; error?: unknown }>;
  close(): Promise<void>;
}

/** Decodes one dump reply whose genl attributes are buf[start, end); undefined skips it. */
export type ReplyDecoder<T> = (cmd: number, buf: Buffer, start: number, end: number) => T | undefined;

// ---------------------------------------------------------------------------------------------
// Input checks done before anything is sent: they reject what cannot be encoded. Everything the
// kernel itself validates is left to the kernel (and to the fake, which mirrors it).

function fail(op: IpvsOp, object: string | undefined, detail: string): never {
  throw IpvsError.invalid(op, object, detail);
}

function checkInt(op: IpvsOp, obj: string | undefined, what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) fail(op, obj, `${what} is ${v}; should be an integer 0..${max}`);
}

/** Canonicalizes addresses and checks field ranges; returns a normalized copy. */
export function normalizeServiceKey(op: IpvsOp, k: ServiceKey): ServiceKey {
  if (k.family !== AddressFamily.INET && k.family !== AddressFamily.INET6) {
    // The kernel answers EAFNOSUPPORT for other families; let it (and the fake) say so.
    return { ...k };
  }
  if (isFwmarkKey(k)) {
    checkInt(op, undefined, 'fwmark', k.fwmark, 0xffffffff);
    return { family: k.family, fwmark: k.fwmark };
  }
  const a = k as { protocol: number; address: string; port: number; family: AddressFamily.INET | AddressFamily.INET6 };
  let address: string;
  try {
    address = canonicalAddress(a.address);
  } catch (e) {
    return fail(op, undefined, (e as AddressError).message);
  }
  if (familyOf(address) !== a.family) fail(op, undefined, `service address ${a.address} is not of family ${a.family === AddressFamily.INET ? 'inet' : 'inet6'}`);
  checkInt(op, undefined, 'protocol', a.protocol, 0xffff);
  checkInt(op, undefined, 'port', a.port, 0xffff);
  return { family: a.family, protocol: a.protocol, address, port: a.port };
}

export function normalizeDestKey(op: IpvsOp, svc: string, k: DestinationKey): DestinationKey {
  let address: string;
  try {
    address = canonicalAddress(k.address);
  } catch (e) {
    return fail(op, svc, (e as AddressError).message);
  }
  checkInt(op, svc, 'destination port', k.port, 0xffff);
  return { address, port: k.port };
}

function checkServiceConfig(op: IpvsOp, obj: string, c: ServiceConfig): void {
  if (typeof c.scheduler !== 'string' || Buffer.byteLength(c.scheduler) > IP_VS_SCHEDNAME_MAXLEN - 1) {
    // The kernel rejects longer names (NLA_NUL_STRING policy) with EINVAL; so does the encoder.
    fail(op, obj, `scheduler is "${c.scheduler}"; should be at most ${IP_VS_SCHEDNAME_MAXLEN - 1} characters`);
  }
  if (c.persistenceEngine && Buffer.byteLength(c.persistenceEngine) > IP_VS_PENAME_MAXLEN) {
    fail(op, obj, `persistence engine is "${c.persistenceEngine}"; should be at most ${IP_VS_PENAME_MAXLEN} characters`);
  }
  checkInt(op, obj, 'flags', c.flags, 0xffffffff);
  checkInt(op, obj, 'timeout', c.timeout, 0xffffffff);
  checkInt(op, obj, 'netmask', c.netmask, 0xffffffff);
}

function checkDestConfig(op: IpvsOp, obj: string, c: DestinationConfig): void {
  checkInt(op, obj, 'forwarding method', c.forward, 7);
  checkInt(op, obj, 'weight', c.weight, 0xffffffff);
  checkInt(op, obj, 'upper threshold', c.upperThreshold, 0xffffffff);
  checkInt(op, obj, 'lower threshold', c.lowerThreshold, 0xffffffff);
  checkInt(op, obj, 'tunnel type', c.tunnelType, 0xff);
  checkInt(op, obj, 'tunnel port', c.tunnelPort, 0xffff);
  checkInt(op, obj, 'tunnel flags', c.tunnelFlags, 0xffff);
}

function checkDaemon(op: IpvsOp, c: DaemonConfig): void {
  if (typeof c.mcastInterface !== 'string' || Buffer.byteLength(c.mcastInterface) > IP_VS_IFNAME_MAXLEN - 1) {
    fail(op, undefined, `multicast interface is "${c.mcastInterface}"; should be at most ${IP_VS_IFNAME_MAXLEN - 1} characters`);
  }
  checkInt(op, undefined, 'state', c.state, 0xffffffff);
  checkInt(op, undefined, 'syncid', c.syncId, 0xffffffff);
  if (c.syncMaxLen !== undefined) checkInt(op, undefined, 'sync maxlen', c.syncMaxLen, 0xffff);
  if (c.mcastPort !== undefined) checkInt(op, undefined, 'multicast port', c.mcastPort, 0xffff);
  if (c.mcastTtl !== undefined) checkInt(op, undefined, 'multicast ttl', c.mcastTtl, 0xff);
  if (c.mcastGroup !== undefined) {
    try {
      familyOf(c.mcastGroup);
    } catch (e) {
      fail(op, undefined, (e as AddressError).message);
    }
  }
}

/** Builds the message of a batch operation (throws IpvsError EINVAL for malformed input). */
export function batchMessage(o: BatchOp): { msg: IpvsMessage; op: IpvsOp; object?: string } {
  switch (o.op) {
    case 'addService':
    case 'updateService': {
      const k = normalizeServiceKey(o.op, o.service);
      const obj = describeService(k);
      checkServiceConfig(o.op, obj, o.config);
      return { msg: o.op === 'addService' ? req.newService(k, o.config) : req.setService(k, o.config), op: o.op, object: obj };
    }
    case 'deleteService': {
      const k = normalizeServiceKey(o.op, o.service);
      return { msg: req.delService(k), op: o.op, object: describeService(k) };
    }
    case 'addDestination':
    case 'updateDestination': {
      const k = normalizeServiceKey(o.op, o.service);
      const d = normalizeDestKey(o.op, describeService(k), o.dest);
      const obj = describeDest(k, d);
      checkDestConfig(o.op, obj, o.config);
      return { msg: o.op === 'addDestination' ? req.newDest(k, d, o.config) : req.setDest(k, d, o.config), op: o.op, object: obj };
    }
    case 'deleteDestination': {
      const k = normalizeServiceKey(o.op, o.service);
      const d = normalizeDestKey(o.op, describeService(k), o.dest);
      return { msg: req.delDest(k, d), op: o.op, object: describeDest(k, d) };
    }
    case 'zero': {
      if (!o.service) return { msg: req.zero(), op: 'zero' };
      const k = normalizeServiceKey(o.op, o.service);
      return { msg: req.zero(k), op: 'zero', object: describeService(k) };
    }
    case 'setTimeouts': {
      const t = o.timeouts;
      for (const [name, v] of Object.entries(t)) if (v !== undefined) checkInt('setTimeouts', undefined, `${name} timeout`, v, 0xffffffff);
      return { msg: req.setConfig(t), op: 'setTimeouts' };
    }
    case 'startDaemon':
      checkDaemon('startDaemon', o.daemon);
      return { msg: req.newDaemon(o.daemon), op: 'startDaemon', object: `${o.daemon.state === SyncState.BACKUP ? 'backup' : 'master'} ${o.daemon.mcastInterface}` };
    case 'stopDaemon':
      return { msg: req.delDaemon(o.state), op: 'stopDaemon', object: o.state === SyncState.BACKUP ? 'backup' : 'master' };
    case 'flush':
      return { msg: req.flush(), op: 'flush' };
  }
}

/** The entries of a decoded dump, or its decode error thrown (for decode() to report). */
function settled<T>(d: { entries: T[]; error?: unknown }): T[] {
  if (d.error !== undefined) throw d.error;
  return d.entries;
}

function decode<T>(op: IpvsOp, object: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new IpvsError(op, 71 /* EPROTO */, object, 'EPROTO', `malformed reply: ${(e as Error).message}`);
  }
}

/** IpvsClient over a transport. */
export class TransportClient implements IpvsClient {
  constructor(protected readonly t: IpvsTransport) {}

  private async one(o: BatchOp): Promise<void> {
    const m = batchMessage(o);
    await this.t.request(m.msg, m.op, m.object);
  }

  async info(): Promise<Info> {
    const r = await this.t.request(req.getInfo(), 'info');
    return decode('info', undefined, () => decodeInfo(r[0] ?? { cmd: 0 }));
  }
  flush(): Promise<void> {
    return this.one({ op: 'flush' });
  }
  addService(service: ServiceKey, config: ServiceConfig): Promise<void> {
    return this.one({ op: 'addService', service, config });
  }
  updateService(service: ServiceKey, config: ServiceConfig): Promise<void> {
    return this.one({ op: 'updateService', service, config });
  }
  deleteService(service: ServiceKey): Promise<void> {
    return this.one({ op: 'deleteService', service });
  }
  async getService(service: ServiceKey): Promise<ServiceEntry> {
    const k = normalizeServiceKey('getService', service);
    const obj = describeService(k);
    const r = await this.t.request(req.getService(k), 'getService', obj);
    return decode('getService', obj, () => decodeServiceEntry(r[0]?.service ?? {}));
  }
  async listServices(): Promise<ServiceEntry[]> {
    if (this.t.dumpDecoded) {
      const d = await this.t.dumpDecoded(req.dumpServices(), 'listServices', undefined, decodeServiceReply);
      return decode('listServices', undefined, () => settled(d));
    }
    const r = await this.t.dump(req.dumpServices(), 'listServices');
    return decode('listServices', undefined, () => r.filter((m) => m.service).map((m) => decodeServiceEntry(m.service!)));
  }
  addDestination(service: ServiceKey, dest: DestinationKey, config: DestinationConfig): Promise<void> {
    return this.one({ op: 'addDestination', service, dest, config });
  }
  updateDestination(service: ServiceKey, dest: DestinationKey, config: DestinationConfig): Promise<void> {
    return this.one({ op: 'updateDestination', service, dest, config });
  }
  deleteDestination(service: ServiceKey, dest: DestinationKey): Promise<void> {
    return this.one({ op: 'deleteDestination', service, dest });
  }
  async listDestinations(service: ServiceKey): Promise<DestinationEntry[]> {
    return this.dumpDests(normalizeServiceKey('listDestinations', service));
  }
  /** GET_DEST dump of a normalized key (keys decoded from the kernel's own dump are already canonical). */
  private async dumpDests(k: ServiceKey): Promise<DestinationEntry[]> {
    const obj = describeService(k);
    if (this.t.dumpDecoded) {
      const fam = k.family;
      const d = await this.t.dumpDecoded(req.dumpDests(k), 'listDestinations', obj, (cmd, b, s, e) => decodeDestReply(cmd, b, s, e, fam));
      return decode('listDestinations', obj, () => settled(d));
    }
    const r = await this.t.dump(req.dumpDests(k), 'listDestinations', obj);
    return decode('listDestinations', obj, () => {
      const out: DestinationEntry[] = [];
      for (const m of r) if (m.dest) out.push(decodeDestEntry(m.dest, k.family));
      return out;
    });
  }
  async listAll(): Promise<Array<ServiceEntry & { destinations: DestinationEntry[] }>> {
    const services = await this.listServices();
    const out: Array<ServiceEntry & { destinations: DestinationEntry[] }> = new Array(services.length);
    let next = 0;
    // A few dumps in flight: the kernel transport spreads them over several sockets (one dump per socket).
    const worker = async () => {
      while (next < services.length) {
        const i = next++;
        // add to the entry itself: spreading it would compute its lazy stats
        const e = services[i] as ServiceEntry & { destinations: DestinationEntry[] };
        e.destinations = await this.dumpDests(e.key);
        out[i] = e;
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, services.length) }, worker));
    return out;
  }
  startDaemon(daemon: DaemonConfig): Promise<void> {
    return this.one({ op: 'startDaemon', daemon });
  }
  stopDaemon(state: SyncState.MASTER | SyncState.BACKUP): Promise<void> {
    return this.one({ op: 'stopDaemon', state });
  }
  async listDaemons(): Promise<DaemonEntry[]> {
    const r = await this.t.dump(req.dumpDaemons(), 'listDaemons');
    return decode('listDaemons', undefined, () => r.filter((m) => m.daemon).map((m) => decodeDaemonEntry(m.daemon!)));
  }
  async getTimeouts(): Promise<Timeouts> {
    const r = await this.t.request(req.getConfig(), 'getTimeouts');
    return decodeTimeouts(r[0] ?? { cmd: 0 });
  }
  setTimeouts(timeouts: Partial<Timeouts>): Promise<void> {
    return this.one({ op: 'setTimeouts', timeouts });
  }
  zero(service?: ServiceKey): Promise<void> {
    return this.one({ op: 'zero', service });
  }
  async applyBatch(ops: BatchOp[]): Promise<BatchResult[]> {
    if (this.t.applyOps) return this.t.applyOps(ops);
    const results: BatchResult[] = new Array(ops.length);
    const items: Array<{ msg: IpvsMessage; op: IpvsOp; object?: string }> = [];
    const index: number[] = [];
    ops.forEach((o, i) => {
      try {
        items.push(batchMessage(o));
        index.push(i);
      } catch (e) {
        results[i] = { ok: false, error: e as IpvsError };
      }
    });
    const out = await this.t.pipeline(items);
    out.forEach((err, j) => {
      results[index[j]] = err ? { ok: false, error: err } : { ok: true };
    });
    return results;
  }
  close(): Promise<void> {
    return this.t.close();
  }
}
