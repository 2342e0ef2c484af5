// Host microbenchmark of the JS cost of the IPVS request encoding and dump decoding (no kernel): encode-only,
// applyBatch and listAll through KernelClient over a scripted endpoint that answers instantly. ops/s, best of N.
// The kernel-tier VM (qemu TCG) runs JavaScript about 30x slower.
// Usage: node dist/bench/ipvs-apply/codec-micro.js [repeats] [out.json|-] [only: encode|apply|listAll|decode]
import * as fs from 'fs';
import { GenlSocket, RawSocketLike, REQUEST_HEADROOM } from '../../src/netlink/socket';
import { NLMSG_HDRLEN, NlFlags, NlMsgType, formatNlError, formatNlMessage, parseNlMessages } from '../../src/netlink/message';
import { KernelClient, KernelTransport } from '../../src/ipvs/kernel-client';
import * as client from '../../src/ipvs/client';
import * as codec from '../../src/ipvs/codec';
import { FAKE_FAMILY, fakeState } from './fake-endpoint';
import { makeState } from './state';

/** Acks what asks for one and answers dumps from prebuilt datagrams (services; destinations by service IPv4). */
class InstantEndpoint implements RawSocketLike {
  private onMsg?: (b: Buffer) => void;
  private static nextPort = 1000;
  private readonly port = InstantEndpoint.nextPort++;
  constructor(
    private readonly svcParts: Buffer[] = [],
    private readonly destParts: Map<number, Buffer[]> = new Map(),
  ) {}
  send(data: Buffer, _o: object, cb: (err?: Error) => void): void {
    const out: Buffer[] = [];
    for (let off = 0; off + NLMSG_HDRLEN <= data.length; ) {
      const len = data.readUInt32LE(off);
      const flags = data.readUInt16LE(off + 6);
      const seq = data.readUInt32LE(off + 8);
      const pid = data.readUInt32LE(off + 12);
      if (flags & NlFlags.DUMP) {
        const cmd = data[off + 16];
        let parts: Buffer[] = [];
        if (cmd === 4) parts = this.svcParts;
        else {
          // first nest (SERVICE) -> ADDR attribute (type 3): the service's IPv4 address as a key
          const end = off + len;
          for (let a = off + 24; a + 4 <= end; ) {
            const alen = data.readUInt16LE(a);
            if ((data.readUInt16LE(a + 2) & 0x3fff) === 3) {
              parts = this.destParts.get(data.readUInt32BE(a + 4)) ?? [];
              break;
            }
            a += (alen + 3) & ~3;
          }
        }
        for (const p of parts) {
          const c = Buffer.from(p);
          for (let m = 0; m + 16 <= c.length; m += (c.readUInt32LE(m) + 3) & ~3) {
            c.writeUInt32LE(seq, m + 8);
            c.writeUInt32LE(pid, m + 12);
          }
          out.push(c);
        }
        out.push(formatNlMessage({ type: NlMsgType.DONE, flags: NlFlags.MULTI, seq, pid }, Buffer.alloc(4)));
      } else if (flags & NlFlags.ACK) {
        const err = formatNlError({ error: 0, request: { len, type: data.readUInt16LE(off + 4), flags, seq, pid } });
        out.push(formatNlMessage({ type: NlMsgType.ERROR, flags: NlFlags.CAPPED, seq, pid }, err));
      }
      off += (len + 3) & ~3;
    }
    setImmediate(() => {
      for (const b of out) this.onMsg?.(b);
    });
    cb();
  }
  on(event: string, listener: (...a: never[]) => void): this {
    if (event === 'message') this.onMsg = listener as (b: Buffer) => void;
    return this;
  }
  address() {
    return { port: this.port };
  }
  getRecvBufferSize() {
    return 425984;
  }
  addMembership(): void {}
  ref(): void {}
  unref(): void {}
  close(): void {}
}

/** Dump datagrams of about a page, as the kernel fills them. */
function parts(payloads: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  let len = 0;
  for (const p of payloads) {
    const m = formatNlMessage({ type: FAKE_FAMILY, flags: NlFlags.MULTI, seq: 0, pid: 0 }, p);
    if (len + m.length > 3800 && cur.length) {
      out.push(Buffer.concat(cur));
      cur = [];
      len = 0;
    }
    cur.push(m);
    len += m.length;
  }
  if (cur.length) out.push(Buffer.concat(cur));
  return out;
}

type Decode = (cmd: number, b: Buffer, s: number, e: number) => unknown;
/** Decodes every reply of a dump datagram as the client does (the generic path: message objects, then entries). */
function decodeAll(d: Buffer, decode: Decode): number {
  let n = 0;
  for (const m of parseNlMessages(d)) if (decode(m.payload[0], m.payload, 4, m.payload.length) !== undefined) n++;
  return n;
}
const genericService: Decode = (cmd, b, s, e) => {
  const m = codec.parseAttrsAt(cmd, b, s, e);
  return m.service ? codec.decodeServiceEntry(m.service) : undefined;
};
const genericDest: Decode = (cmd, b, s, e) => {
  const m = codec.parseAttrsAt(cmd, b, s, e);
  return m.dest ? codec.decodeDestEntry(m.dest, 2) : undefined;
};
/** The in-place decoders when this tree has them (dump-decoder.ts). */
function fastDecoders(): { decodeServiceReply: Decode; decodeDestReply: (cmd: number, b: Buffer, s: number, e: number, f: number) => unknown } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../src/ipvs/dump-decoder');
  } catch {
    return undefined;
  }
}

function clientFor(ep: () => InstantEndpoint): KernelClient {
  const sock = GenlSocket.open({ rawSocket: ep() });
  return new KernelClient(new KernelTransport(sock, FAKE_FAMILY, {}, 3, () => GenlSocket.open({ window: 1, coalesce: 1, rawSocket: ep() })), sock);
}

async function best(repeats: number, fn: () => Promise<void> | void): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeats + 1; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) min = Math.min(min, ms); // the first run warms up
  }
  return min;
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 7);
  const out = process.argv[3] && process.argv[3] !== '-' ? process.argv[3] : undefined;
  const only = process.argv[4] ?? '';
  const rows: Array<{ name: string; n: number; ms: number; opsPerSec: number }> = [];
  const row = (name: string, n: number, ms: number) => {
    const r = { name, n, ms: +ms.toFixed(1), opsPerSec: Math.round((n * 1000) / ms) };
    rows.push(r);
    console.log(`${name.padEnd(44)} ${String(n).padStart(6)} ${r.ms.toFixed(1).padStart(8)} ms ${String(r.opsPerSec).padStart(9)} ops/s`);
  };
  // The fast encoder when this tree has one (batch-encoder.ts encodeBatch), else the generic path (older trees).
  let fast: ((ops: client.BatchOp[], family: number, pid: number) => unknown) | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    fast = require('../../src/ipvs/batch-encoder').encodeBatch;
  } catch {
    fast = undefined;
  }
  for (const [nS, nD] of [
    [5000, 1],
    [1000, 10],
  ]) {
    const st = makeState(nS, nD);
    const ops = st.ops;
    const label = `${nS}x${nD}`;
    if (only && only !== 'encode' && only !== 'apply') continue;
    const ms = await best(repeats, () => {
      if (fast) fast(ops, FAKE_FAMILY, 1);
      else for (const o of ops) codec.formatAttrsWithHeadroom(client.batchMessage(o).msg, REQUEST_HEADROOM);
    });
    row(`encode ${label}${fast ? ' (encodeBatch)' : ' (generic)'}`, ops.length, ms);
    const c = clientFor(() => new InstantEndpoint());
    row(`applyBatch ${label}`, ops.length, await best(repeats, async () => void (await c.applyBatch(ops))));
    await c.close();
  }
  for (const [nS, nD] of [
    [1000, 10],
    [10000, 1],
  ]) {
    if (only && only !== 'listAll' && only !== 'decode') continue;
    const fsState = fakeState(nS, nD);
    const svcParts = parts(fsState.services);
    const destParts = new Map<number, Buffer[]>();
    for (const [addr, ds] of fsState.dests) destParts.set(Buffer.from(addr.split('.').map(Number)).readUInt32BE(0), parts(ds));
    // decode only: every reply of the dump datagrams to entries (services, then destinations)
    const destDatagrams = [...destParts.values()].flat();
    const dec = fastDecoders();
    let decoded = 0;
    const dms = await best(repeats, () => {
      decoded = 0;
      for (const d of svcParts) decoded += decodeAll(d, (cmd, b, s, e) => (dec ? dec.decodeServiceReply(cmd, b, s, e) : genericService(cmd, b, s, e)));
      for (const d of destDatagrams) decoded += decodeAll(d, (cmd, b, s, e) => (dec ? dec.decodeDestReply(cmd, b, s, e, 2) : genericDest(cmd, b, s, e)));
    });
    row(`decode ${nS}x${nD}${dec ? ' (dump-decoder)' : ' (generic)'}`, decoded, dms);
    const c = clientFor(() => new InstantEndpoint(svcParts, destParts));
    let n = 0;
    const ms = await best(repeats, async () => {
      n = 0;
      for (const s of await c.listAll()) n += 1 + s.destinations.length;
    });
    row(`listAll ${nS}x${nD}`, n, ms);
    await c.close();
  }
  if (out) fs.writeFileSync(out, JSON.stringify({ node: process.version, repeats, rows }, null, 2) + '\n');
}

void main();
