// src/native/packet.ts and the lvsk_packet addon without namespaces: loader errors, argument validation, and a loopback IPv6 round trip (protocol 253, RFC 3692 experimentation).
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_COMMAND, IpSocket, NativeNotBuiltError, PacketSocket, PacketSocketError, ReceivedDatagram, addonPaths, loadAddonFrom, loadPacketAddon, nativeAvailable } from '../../src/native/packet';

const root = typeof process.getuid === 'function' && process.getuid() === 0;

t.test('loader: clear error when the addon is missing or broken', async (t) => {
  const e = t.throws(() => loadAddonFrom(['/nonexistent/lvsk_packet.node'])) as unknown as NativeNotBuiltError;
  t.equal(e.code, 'ENATIVE_NOT_BUILT');
  t.match(e.message, /not built \(looked in \/nonexistent\/lvsk_packet.node\).*node-gyp rebuild -C native/);
  t.match(BUILD_COMMAND, /--nodedir=/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lvsk-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bogus = path.join(dir, 'lvsk_packet.node');
  writeFileSync(bogus, 'not an ELF file');
  const e2 = t.throws(() => loadAddonFrom([bogus])) as unknown as NativeNotBuiltError;
  t.equal(e2.code, 'ENATIVE_NOT_BUILT');
  t.ok(e2.cause, 'keeps the dlopen error');
  t.ok(addonPaths().some((p) => p.endsWith(path.join('native', 'build', 'Release', 'lvsk_packet.node'))));
});

const built = nativeAvailable();

t.test('addon argument validation', { skip: built ? false : 'addon not built' }, async (t) => {
  const a = loadPacketAddon();
  t.same(Object.keys(a).sort(), ['close', 'ipOpen', 'ipRef', 'ipSend', 'ipStart', 'packetOpen', 'packetSend']);
  const rows: Array<[string, () => unknown, Error | Record<string, unknown>]> = [
    ['packetOpen without args', () => (a.packetOpen as unknown as () => unknown)(), { code: 'ERR_INVALID_ARG', message: /needs an interface index/ }],
    ['packetOpen string', () => a.packetOpen('eth0' as unknown as number), { code: 'ERR_INVALID_ARG', message: /ifindex should be a number/ }],
    ['packetOpen 0', () => a.packetOpen(0), { name: 'RangeError', code: 'ERR_INVALID_ARG', message: /ifindex is 0; should be an integer in 1\.\.2147483647/ }],
    ['packetOpen 1.5', () => a.packetOpen(1.5), { name: 'RangeError', message: /ifindex is 1.5/ }],
    ['packetSend on non-handle', () => a.packetSend({} as never, Buffer.alloc(60)), { code: 'ERR_INVALID_ARG', message: /not a packet socket/ }],
    ['ipOpen without options', () => a.ipOpen(undefined as never), { code: 'ERR_INVALID_ARG', message: /needs an options object/ }],
    ['ipOpen family 5', () => a.ipOpen({ family: 5 as 4, protocol: 112 }), { message: /family should be 4 or 6/ }],
    ['ipOpen no protocol', () => a.ipOpen({ family: 6 } as never), { message: /protocol should be an IP protocol number/ }],
    ['ipOpen protocol 256', () => a.ipOpen({ family: 6, protocol: 256 }), { message: /protocol is 256; should be an integer in 1\.\.255/ }],
    ['close on non-handle', () => a.close('x' as never), { code: 'ERR_INVALID_ARG', message: /not a handle/ }],
    ['ipSend on non-handle', () => a.ipSend(1 as never, Buffer.alloc(1), '::1', '', 0, -1), { message: /not an IP socket/ }],
  ];
  for (const [name, f, want] of rows) t.throws(f, want as Error, name);
});

t.test('sockets (root)', { skip: !built ? 'addon not built' : !root ? 'needs root (raw sockets)' : false }, async (t) => {
  const a = loadPacketAddon();
  // handles are typed: a packet socket is not an IP socket and the other way round
  const ip = a.ipOpen({ family: 6, protocol: 253, noReceive: true });
  t.throws(() => a.packetSend(ip, Buffer.alloc(60)), { message: /not a packet socket/ });
  t.throws(() => a.ipSend(ip, 'x' as never, '::1', '', 0, -1), { message: /data should be a Buffer/ });
  t.throws(() => a.ipSend(ip, Buffer.alloc(1), 'nonsense', '', 0, -1), { message: /destination is 'nonsense'; should be an IPv6 address/ });
  t.throws(() => a.ipSend(ip, Buffer.alloc(1), '::1', '', 0, -2), { message: /hopLimit is -2/ });
  t.throws(() => a.ipOpen({ family: 6, protocol: 253, headerIncluded: true }), { message: /IPv4 only/ });
  t.throws(() => a.ipOpen({ family: 4, protocol: 253, hopLimit: 0 }), { message: /hopLimit is 0; should be 1\.\.255/ });
  t.throws(() => a.ipOpen({ family: 6, protocol: 253, multicastLoop: 'yes' as never }), { message: /multicastLoop should be a boolean/ });
  t.throws(() => a.ipOpen({ family: 6, protocol: 253, device: 'x'.repeat(40) }), { message: /device is 40 bytes long; should be shorter than 16/ });
  a.close(ip);
  a.close(ip);
  t.throws(() => a.ipSend(ip, Buffer.alloc(1), '::1', '', 0, -1), { code: 'EBADF', errno: 9, syscall: 'use' });
  t.throws(() => a.ipStart(ip, () => undefined), { code: 'EBADF' });
  try {
    PacketSocket.open(0x7ffffff0, 'nosuch');
    t.fail('opened a packet socket on a missing interface');
  } catch (e) {
    t.ok(e instanceof PacketSocketError, 'PacketSocketError');
    t.match(e, { code: 'ENODEV', errno: 19, syscall: 'bind', operation: 'open packet socket on', object: 'nosuch', message: /^open packet socket on nosuch: bind ENODEV: No such device/ });
  }
  t.throws(() => IpSocket.open({ family: 6, protocol: 253, bind: '2001:db8::1' }), { code: 'EADDRNOTAVAIL', syscall: 'bind' });
});

t.test('loopback IPv6 round trip through IpSocket (root)', { skip: !built ? 'addon not built' : !root ? 'needs root (raw sockets)' : false }, async (t) => {
  const rx = IpSocket.open({ family: 6, protocol: 253, device: 'lo' });
  t.teardown(() => rx.close());
  const tx = IpSocket.open({ family: 6, protocol: 253, noReceive: true, hopLimit: 255, tos: 0xc0 });
  t.teardown(() => tx.close());
  const got: ReceivedDatagram[] = [];
  const all = new Promise<void>((resolve) => {
    rx.on('message', (m: ReceivedDatagram) => {
      // other raw protocol-253 traffic on this host's loopback is not ours
      if (m.data.toString('hex').startsWith('1f5e')) got.push(m);
      if (got.length === 3) resolve();
    });
  });
  rx.unref().ref();
  await new Promise((r) => setImmediate(r)); // reading starts on the next microtask
  t.equal(tx.send(Buffer.from('1f5e01', 'hex'), '::1'), 3);
  tx.send(Buffer.from('1f5e02', 'hex'), '::1', { hopLimit: 64 });
  tx.send(Buffer.from('1f5e03', 'hex'), '::1', { hopLimit: 2, source: '::1', ifindex: 1 });
  await Promise.race([all, new Promise((r) => setTimeout(r, 5000))]);
  t.same(
    got.map((m) => [m.data.toString('hex'), m.source, m.hopLimit, m.destination]),
    [
      ['1f5e01', '::1', 255, '::1'],
      ['1f5e02', '::1', 64, '::1'],
      ['1f5e03', '::1', 2, '::1'],
    ],
  );
  t.ok(got.every((m) => m.ifindex === 1), 'arrived on lo');
  let closed = 0;
  rx.on('close', () => closed++);
  rx.close();
  rx.close();
  t.equal(closed, 1);
  t.equal(rx.closed, true);
  t.throws(() => rx.send(Buffer.alloc(1), '::1'), { code: 'EBADF' });
});

t.test('a worker that exits while reading tears down cleanly (async cleanup hook)', { skip: !built ? 'addon not built' : !root ? 'needs root (raw sockets)' : false }, async (t) => {
  const { Worker } = await import('node:worker_threads');
  const addon = addonPaths().find((p) => existsSync(p))!;
  const src = `const a = require(${JSON.stringify(addon)});
    for (let i = 0; i < 20; i++) { const x = a.ipOpen({ family: 6, protocol: 253 }); a.ipStart(x, () => {}); a.ipRef(x, false); if (i % 2) a.close(x); }
    const r = a.ipOpen({ family: 6, protocol: 253 }); a.ipStart(r, () => {}); setTimeout(() => process.exit(7), 20);`;
  const code = await new Promise<number>((resolve) => new Worker(src, { eval: true }).on('exit', resolve));
  t.equal(code, 7, 'worker exited with its own code (no crash of the process)');
});

t.test('IPv4 loopback: IP_HDRINCL send, TTL from IP_TTL ancillary data (root)', { skip: !built ? 'addon not built' : !root ? 'needs root (raw sockets)' : false }, async (t) => {
  const rx = IpSocket.open({ family: 4, protocol: 253, device: 'lo' });
  t.teardown(() => rx.close());
  const tx = IpSocket.open({ family: 4, protocol: 253, noReceive: true, headerIncluded: true });
  t.teardown(() => tx.close());
  const got = new Promise<ReceivedDatagram>((resolve) => rx.on('message', (m: ReceivedDatagram) => m.data.length === 24 && m.data[20] === 0x5e && resolve(m)));
  await new Promise((r) => setImmediate(r));
  // IPv4 header written by the caller (as keepalived does for VRRP): TTL 77, protocol 253, 127.0.0.1 -> 127.0.0.1
  const ip = Buffer.from('45c000180000400' + '04dfd0000' + '7f000001' + '7f000001' + '5e010203', 'hex');
  ip[8] = 77;
  t.equal(tx.send(ip, '127.0.0.1'), 24);
  const m = await Promise.race([got, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
  t.ok(m, 'received');
  if (!m) return;
  t.equal(m.hopLimit, 77, 'IP_TTL cmsg');
  t.equal(m.data[8], 77, 'TTL in the delivered header');
  t.equal(m.destination, '127.0.0.1');
  t.equal(m.source, '127.0.0.1');
  t.equal(m.ifindex, 1);
});
