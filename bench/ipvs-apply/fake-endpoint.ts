// A scripted netlink endpoint that answers IPVS dumps and requests the way Linux 6.1 does (one datagram per
// dump part, NLMSG_DONE in its own datagram, acks only on NLM_F_ACK or error), holding a synthetic state of
// nServices x nDests. It lets the JS cost of our dump and apply paths be measured and profiled on the host,
// which has no IPVS (bench/ipvs-apply/host.ts); it is not a model of IPVS semantics (the fake kernel is).
import { RawSocketLike } from '../../src/netlink/socket';
import { NlFlags, NlMsgType, formatNlError, formatNlMessage, parseNlMessages } from '../../src/netlink/message';
import { encodeDestEntry, encodeServiceEntry, format, parse } from '../../src/ipvs/codec';
import { IpvsCmd } from '../../src/ipvs/constants';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { DestinationEntry, ServiceEntry, defaultDestinationConfig } from '../../src/ipvs/types';

export const FAKE_FAMILY = 0x30;
const zeroStats = { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0n, outbytes: 0n, cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
const zero64 = { conns: 0n, inpkts: 0n, outpkts: 0n, inbytes: 0n, outbytes: 0n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n };

/** Genl payloads of every service (NEW_SERVICE) and, per service address, of its destinations (NEW_DEST). */
export interface FakeState {
  services: Buffer[];
  dests: Map<string, Buffer[]>;
}

export function fakeState(nServices: number, nDests: number): FakeState {
  const services: Buffer[] = [];
  const dests = new Map<string, Buffer[]>();
  for (let s = 0; s < nServices; s++) {
      const address = `10.${100 + (s >> 16)}.${(s >> 8) & 0xff}.${s & 0xff}`;
      const svc: ServiceEntry = { key: { family: AddressFamily.INET, protocol: Protocol.TCP, address, port: 80 }, config: { scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff }, stats: zeroStats, stats64: zero64 };
      services.push(format({ cmd: IpvsCmd.NEW_SERVICE, service: encodeServiceEntry(svc) }, { nestedFlag: false }));
      const ds: Buffer[] = [];
      for (let d = 0; d < nDests; d++) {
        const i = s * nDests + d;
        const e: DestinationEntry = {
          key: { address: `10.${200 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`, port: 8080 },
          config: { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 1 + (d % 10) },
          activeConns: 0,
          inactiveConns: 0,
          persistentConns: 0,
          stats: zeroStats,
          stats64: zero64,
        };
        ds.push(format({ cmd: IpvsCmd.NEW_DEST, dest: encodeDestEntry(e) }, { nestedFlag: false }));
      }
      dests.set(address, ds);
    }
  return { services, dests };
}

export class FakeIpvsEndpoint implements RawSocketLike {
  private onMsg?: (b: Buffer) => void;
  /** genl payloads (NEW_SERVICE) of every service, and per service address the NEW_DEST payloads */
  private readonly services: Buffer[];
  private readonly dests: Map<string, Buffer[]>;
  private static port = 1;
  private readonly myPort = FakeIpvsEndpoint.port++;
  datagramsIn = 0;
  datagramsOut = 0;

  constructor(state: FakeState) {
    this.services = state.services;
    this.dests = state.dests;
  }


  /** Dump parts as the kernel fills them: as many entries as fit in about a page per datagram. */
  private parts(entries: Buffer[], seq: number, pid: number): Buffer[] {
    const out: Buffer[] = [];
    let cur: Buffer[] = [];
    let len = 0;
    for (const e of entries) {
      const m = formatNlMessage({ type: FAKE_FAMILY, flags: NlFlags.MULTI, seq, pid }, e);
      if (len + m.length > 3800 && cur.length) {
        out.push(Buffer.concat(cur));
        cur = [];
        len = 0;
      }
      cur.push(m);
      len += m.length;
    }
    if (cur.length) out.push(Buffer.concat(cur));
    const done = Buffer.alloc(4);
    out.push(formatNlMessage({ type: NlMsgType.DONE, flags: NlFlags.MULTI, seq, pid }, done));
    return out;
  }

  send(data: Buffer, _o: object, cb: (err?: Error) => void): void {
    this.datagramsIn++;
    const out: Buffer[] = [];
    for (const m of parseNlMessages(data)) {
      const g = parse(m.payload);
      if (m.flags & NlFlags.DUMP) {
        if (g.cmd === IpvsCmd.GET_SERVICE) out.push(...this.parts(this.services, m.seq, m.pid));
        else if (g.cmd === IpvsCmd.GET_DEST) {
          const a = g.service?.addr;
          const key = a ? `${a[0]}.${a[1]}.${a[2]}.${a[3]}` : '';
          out.push(...this.parts(this.dests.get(key) ?? [], m.seq, m.pid));
        } else out.push(...this.parts([], m.seq, m.pid));
      } else if (m.flags & NlFlags.ACK) {
        const err = formatNlError({ error: 0, request: { len: 16 + m.payload.length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid } });
        out.push(formatNlMessage({ type: NlMsgType.ERROR, flags: NlFlags.CAPPED, seq: m.seq, pid: m.pid }, err));
      }
    }
    this.datagramsOut += out.length;
    setImmediate(() => {
      for (const b of out) this.onMsg?.(b);
    });
    cb(undefined);
  }
  on(event: string, listener: (...a: never[]) => void): this {
    if (event === 'message') this.onMsg = listener as (b: Buffer) => void;
    return this;
  }
  address() {
    return { port: this.myPort };
  }
  getRecvBufferSize() {
    return 425984;
  }
  addMembership(): void {}
  ref(): void {}
  unref(): void {}
  close(): void {}
}
