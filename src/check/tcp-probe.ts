// A TCP connect probe on libuv's TCP handle, without net.Socket's stream machinery: socket, bind, connect, close,
// as keepalived's TCP_CHECK does (check_tcp.c tcp_connect_thread / tcp_check_thread).
//
// Why: under the kernel tier's emulation a net.connect() + destroy() cost ~3 ms of CPU (a Duplex stream, its states
// and destroy chain for a socket that never carries a byte); the handle alone ~1.2 ms, keepalived's whole check
// ~2.7 ms (bench/checkers). Node has no public API for a bare connect, so this uses the internal 'tcp_wrap' binding
// that net.js itself is built on (Node 20: TCP(SOCKET), bind/bind6, connect/connect6(req, address, port),
// TCPConnectWrap.oncomplete(status)). When the binding is not there (a later Node) tcpProbeAvailable() is false and
// the caller keeps net.Socket.
import { getSystemErrorName } from 'node:util';
import { ConnOpts, hostWithScope } from './types';

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  close(cb?: () => void): void;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

let binding: TcpWrapBinding | null | undefined;

function tcpWrap(): TcpWrapBinding | null {
  if (binding !== undefined) return binding;
  try {
    const b = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');
    binding = typeof b?.TCP === 'function' && typeof b.TCPConnectWrap === 'function' && typeof b.constants?.SOCKET === 'number' ? b : null;
  } catch {
    binding = null;
  }
  return binding;
}

/** Whether the handle path can serve this checker (not with fwmark/bind_if, which need a native socket, nor a scoped bind address). */
export function tcpProbeAvailable(conn: ConnOpts): boolean {
  return !conn.fwmark && !conn.bindIf && !(conn.bindto ?? '').includes('%') && tcpWrap() !== null;
}

/** errno name of a libuv status ("ECONNREFUSED"), as net.Socket's error.code. */
export function statusCode(status: number): string {
  try {
    return getSystemErrorName(status);
  } catch {
    return `E${-status}`;
  }
}

/**
 * Connects to conn's connect_ip:connect_port (from bindto:bind_port when set) and closes at once. `done` gets
 * undefined on success or the error code, exactly once, unless the returned cancel function runs first (then
 * never). Call only when tcpProbeAvailable(conn).
 */
export function tcpProbe(conn: ConnOpts, done: (code: string | undefined) => void): () => void {
  const b = tcpWrap()!;
  const h = new b.TCP(b.constants.SOCKET);
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    h.close();
  };
  const fail = (status: number): (() => void) => {
    close();
    process.nextTick(done, statusCode(status));
    return () => undefined;
  };
  const v6 = conn.connectIp.includes(':');
  if (conn.bindto !== undefined || conn.bindPort !== undefined) {
    const addr = conn.bindto ?? (v6 ? '::' : '0.0.0.0');
    const err = addr.includes(':') ? h.bind6(addr, conn.bindPort ?? 0, 0) : h.bind(addr, conn.bindPort ?? 0);
    if (err) return fail(err);
  }
  const req = new b.TCPConnectWrap();
  req.oncomplete = (status: number) => {
    if (!open) return; // cancelled: the close ended the connect (UV_ECANCELED)
    close();
    done(status === 0 ? undefined : statusCode(status));
  };
  const host = hostWithScope(conn);
  const err = v6 ? h.connect6(req, host, conn.connectPort) : h.connect(req, host, conn.connectPort);
  if (err) return fail(err);
  return close;
}
