// Runs inside a network namespace for test/netns/garp*.test.ts: sends gratuitous ARP/NA, or sends/receives raw IP through the lvsk_packet addon; prints JSON lines.
// Usage: node garp-child.js '<json>' where json.mode is announce | recv | send | errors.
import { IpSocket, PacketSocket, ReceivedDatagram } from '../../src/native/packet';
import { Rtnl } from '../../src/rtnl/socket';
import { linkByName } from '../../src/rtnl/links';
import { GratuitousSender, LinkAnnouncer } from '../../src/vrrp/ndisc';

interface AnnounceArgs {
  mode: 'announce';
  ifname: string;
  addresses: string[];
  /** source MAC override (a VMAC); default the interface's */
  mac?: string;
  repeat?: number;
}
interface RecvArgs {
  mode: 'recv';
  family: 4 | 6;
  protocol: number;
  ifname: string;
  group?: string;
  count: number;
  timeoutMs: number;
}
interface SendArgs {
  mode: 'send';
  family: 4 | 6;
  protocol: number;
  ifname: string;
  destination: string;
  socketHopLimit?: number;
  sends: Array<{ hex: string; hopLimit?: number; source?: string }>;
}
/** GratuitousSender with real timers: bursts of `repeat` at the given offsets (ms). */
interface SenderArgs {
  mode: 'sender';
  ifname: string;
  addresses: string[];
  repeat: number;
  garpIntervalMs: number;
  gnaIntervalMs: number;
  burstsAtMs: number[];
}
interface ErrorsArgs {
  mode: 'errors';
  ifname: string;
}
type Args = AnnounceArgs | RecvArgs | SendArgs | SenderArgs | ErrorsArgs;

const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

async function link(name: string): Promise<{ index: number; mac: string }> {
  const rt = new Rtnl();
  try {
    const l = await linkByName(rt, name);
    if (!l || !l.mac) throw new Error(`no interface ${name}`);
    return { index: l.index, mac: l.mac };
  } finally {
    rt.close();
  }
}

const errInfo = (e: unknown): Record<string, unknown> => {
  const x = e as { code?: string; errno?: number; syscall?: string; message?: string; name?: string };
  return { name: x.name, code: x.code, errno: x.errno, syscall: x.syscall, message: x.message };
};

async function announce(a: AnnounceArgs): Promise<void> {
  const l = await link(a.ifname);
  const ann = new LinkAnnouncer();
  let bytes = 0;
  for (let j = 0; j < (a.repeat ?? 1); j++) {
    for (const address of a.addresses) bytes += ann.announce({ ifindex: l.index, ifname: a.ifname, mac: a.mac ?? l.mac, address });
  }
  ann.close();
  out({ ok: true, bytes, link: l });
}

async function sender(a: SenderArgs): Promise<void> {
  const l = await link(a.ifname);
  const errors: unknown[] = [];
  const s = new GratuitousSender(new LinkAnnouncer(), { garpIntervalMs: a.garpIntervalMs, gnaIntervalMs: a.gnaIntervalMs }, (e) => errors.push(errInfo(e)));
  const vips = a.addresses.map((address, order) => ({ ifindex: l.index, ifname: a.ifname, mac: l.mac, address, order }));
  const start = Date.now();
  for (const at of a.burstsAtMs) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + at - Date.now())));
    s.burst('I', vips, a.repeat);
  }
  while (s.pending.length) await new Promise((r) => setTimeout(r, 20));
  s.close();
  out({ ok: true, errors, link: l });
}

async function recv(a: RecvArgs): Promise<void> {
  const l = await link(a.ifname);
  const sock = IpSocket.open({
    family: a.family,
    protocol: a.protocol,
    device: a.ifname,
    multicastAll: false,
    ...(a.group ? { join: { group: a.group, ifindex: l.index }, bind: a.group, bindIfindex: l.index } : {}),
  });
  const got: Array<Omit<ReceivedDatagram, 'data'> & { hex: string }> = [];
  const done = (): void => {
    sock.close();
    out({ ok: true, ifindex: l.index, got });
  };
  const timer = setTimeout(done, a.timeoutMs);
  sock.on('error', (e) => out({ error: errInfo(e) }));
  sock.on('message', (m: ReceivedDatagram) => {
    const { data, ...rest } = m;
    got.push({ ...rest, hex: data.toString('hex') });
    if (got.length >= a.count) {
      clearTimeout(timer);
      done();
    }
  });
  out({ ready: true });
}

async function send(a: SendArgs): Promise<void> {
  const l = await link(a.ifname);
  const sock = IpSocket.open({
    family: a.family,
    protocol: a.protocol,
    device: a.ifname,
    multicastIf: l.index,
    multicastLoop: false,
    noReceive: true,
    ...(a.socketHopLimit !== undefined ? { hopLimit: a.socketHopLimit } : {}),
  });
  const sent: number[] = [];
  for (const s of a.sends) {
    sent.push(
      sock.send(Buffer.from(s.hex, 'hex'), a.destination, {
        ifindex: l.index,
        ...(s.hopLimit !== undefined ? { hopLimit: s.hopLimit } : {}),
        ...(s.source ? { source: s.source } : {}),
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  sock.close();
  out({ ok: true, sent });
}

async function errors(a: ErrorsArgs): Promise<void> {
  const r: Record<string, unknown> = {};
  try {
    PacketSocket.open(99999, 'nosuch');
  } catch (e) {
    r.openNoDev = errInfo(e);
  }
  const l = await link(a.ifname);
  const p = PacketSocket.open(l.index, a.ifname);
  try {
    p.send(Buffer.alloc(10));
  } catch (e) {
    r.shortFrame = errInfo(e);
  }
  try {
    p.send(Buffer.alloc(60)); // the interface is down in the test
  } catch (e) {
    r.sendDown = errInfo(e);
  }
  p.close();
  try {
    p.send(Buffer.alloc(60));
  } catch (e) {
    r.sendClosed = errInfo(e);
  }
  try {
    IpSocket.open({ family: 6, protocol: 112, device: 'nosuch0' });
  } catch (e) {
    r.bindNoDev = errInfo(e);
  }
  try {
    IpSocket.open({ family: 6, protocol: 112, join: { group: '224.0.0.18', ifindex: l.index } });
  } catch (e) {
    r.badGroup = errInfo(e);
  }
  try {
    IpSocket.open({ family: 4, protocol: 112, checksumOffset: 6 });
  } catch (e) {
    r.v4Checksum = errInfo(e);
  }
  const s = IpSocket.open({ family: 6, protocol: 112 });
  try {
    s.send(Buffer.alloc(4), '10.0.0.1');
  } catch (e) {
    r.wrongFamilyDest = errInfo(e);
  }
  try {
    s.send(Buffer.alloc(4), 'ff02::12', { hopLimit: 256 });
  } catch (e) {
    r.badHop = errInfo(e);
  }
  s.close();
  s.close(); // idempotent
  out({ ok: true, ...r });
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as Args;
  switch (a.mode) {
    case 'announce':
      return announce(a);
    case 'recv':
      return recv(a);
    case 'send':
      return send(a);
    case 'sender':
      return sender(a);
    case 'errors':
      return errors(a);
  }
  throw new Error(`unknown mode ${(a as { mode?: string }).mode}`);
}

main().catch((e) => {
  out({ fatal: errInfo(e) });
  process.exitCode = 1;
});
