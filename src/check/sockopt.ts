// Checker sockets with keepalived's connect options (core/layer4.c socket_bind_connect / udp_bind_connect): `fwmark`
// (SO_MARK) and `bind_if` (SO_BINDTODEVICE) need native/lvsk_sockopt.node, which creates the socket, sets them and binds
// it; Node then wraps the descriptor. Without those options the sockets are Node's own, as before.
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CheckError, ConnOpts, hostWithScope } from './types';

/** native/lvsk_sockopt.c open(options) -> fd */
export interface SockoptAddon {
  open(o: { family: 4 | 6; type: 'tcp' | 'udp'; mark?: number; device?: string; address?: string; port?: number; scopeId?: number }): number;
}

/** Where the addon is looked for: $LVSK_SOCKOPT_ADDON, then native/build/Release from src/ and dist/src/. */
export function addonCandidates(): string[] {
  const rel = 'native/build/Release/lvsk_sockopt.node';
  const env = process.env.LVSK_SOCKOPT_ADDON;
  return [...(env ? [env] : []), path.resolve(__dirname, '../..', rel), path.resolve(__dirname, '../../..', rel)];
}

let cached: SockoptAddon | CheckError | undefined;

/** The addon, or a CheckError (code ENATIVE_NOT_BUILT) saying how to build it. */
export function sockoptAddon(): SockoptAddon | CheckError {
  if (cached) return cached;
  const tried = addonCandidates();
  const found = tried.find((p) => existsSync(p));
  try {
    if (!found) throw new Error('not found');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require(found) as SockoptAddon;
  } catch (e) {
    cached = new CheckError(
      'ENATIVE_NOT_BUILT',
      `native addon lvsk_sockopt.node is not built (looked in ${tried.join(', ')}: ${(e as Error).message}); fwmark and bind_if need it: make native`,
      { tried },
    );
  }
  return cached;
}

/**
 * Does this checker get the native socket (fwmark or bind_if set)? Without the addon the options are not applied
 * (validateTarget warns at load) rather than failing every check.
 */
export function needsNativeSocket(conn: ConnOpts): boolean {
  return (!!conn.fwmark || !!conn.bindIf) && !(sockoptAddon() instanceof CheckError);
}

const familyOf = (conn: ConnOpts): 4 | 6 => (conn.connectIp.includes(':') ? 6 : 4);

/** The connect options as an addon call (bind only when bindto/bind_port are set, as keepalived). */
function openFd(conn: ConnOpts, type: 'tcp' | 'udp'): number {
  const addon = sockoptAddon();
  if (addon instanceof CheckError) throw addon;
  const family = familyOf(conn);
  const bind = conn.bindto !== undefined || conn.bindPort !== undefined;
  try {
    return addon.open({
      family,
      type,
      ...(conn.fwmark ? { mark: conn.fwmark } : {}),
      ...(conn.bindIf ? { device: conn.bindIf } : {}),
      ...(bind && conn.bindto ? { address: conn.bindto.replace(/%.*$/, '') } : {}),
      ...(bind ? { port: conn.bindPort ?? 0 } : {}),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CheckError(err.code ?? 'ESOCKOPT', `${err.message}${conn.fwmark ? ` (fwmark ${conn.fwmark})` : ''}${conn.bindIf ? ` (bind_if ${conn.bindIf})` : ''}`, {
      operation: 'open checker socket',
      syscall: err.syscall,
      errno: err.errno,
    });
  }
}

/**
 * A TCP connection to connect_ip:connect_port with bindto/bind_port, fwmark and bind_if. Errors (also from the
 * native part) arrive as the socket's 'error' event, so callers handle every failure in one place.
 */
export function tcpConnect(conn: ConnOpts): net.Socket {
  if (!needsNativeSocket(conn)) {
    return net.connect({ host: hostWithScope(conn), port: conn.connectPort, localAddress: conn.bindto, localPort: conn.bindPort, family: familyOf(conn) });
  }
  let fd: number;
  try {
    fd = openFd(conn, 'tcp');
  } catch (e) {
    const s = new net.Socket();
    process.nextTick(() => s.destroy(e as Error));
    return s;
  }
  const s = new net.Socket({ fd, readable: true, writable: true });
  s.connect({ host: hostWithScope(conn), port: conn.connectPort });
  return s;
}

/**
 * A UDP socket for connect_ip with bindto/bind_port, fwmark and bind_if applied; `ready` runs once it may connect.
 * Errors arrive as the socket's 'error' event.
 */
export function udpSocket(conn: ConnOpts, ready: (sock: dgram.Socket) => void): dgram.Socket {
  const sock = dgram.createSocket({ type: familyOf(conn) === 6 ? 'udp6' : 'udp4' });
  if (needsNativeSocket(conn)) {
    let fd: number;
    try {
      fd = openFd(conn, 'udp');
    } catch (e) {
      process.nextTick(() => sock.emit('error', e));
      return sock;
    }
    // bind({fd}) may call back synchronously: the caller's socket variable must exist first
    sock.bind({ fd }, () => process.nextTick(() => ready(sock)));
  } else if (conn.bindto || conn.bindPort) sock.bind({ address: conn.bindto, port: conn.bindPort ?? 0 }, () => ready(sock));
  else process.nextTick(() => ready(sock));
  return sock;
}
