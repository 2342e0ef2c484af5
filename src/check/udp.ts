// UDP_CHECK: send the payload to connect_ip:connect_port; an ICMP error (ECONNREFUSED on the connected socket) fails;
// a reply, or no reply within connect_timeout, succeeds unless require_reply asks for matching data (keepalived check_udp.c).

import { udpSocket } from './sockopt';
import { CheckerKind, CheckError, CheckResult, failResult, hostWithScope, okResult, performanceNow, TargetOf } from './types';

/** Bytes and wildcard mask (1 bits = "any") parsed from keepalived's hex notation. */
export interface HexPattern {
  data: Buffer;
  mask?: Buffer;
}

function hexVal(c: string, wildcard: boolean): number {
  const x = c.toUpperCase();
  if (x >= '0' && x <= '9') return x.charCodeAt(0) - 48;
  if (x >= 'A' && x <= 'F') return x.charCodeAt(0) - 55;
  if (wildcard && x === 'X') return 0xfe;
  return 0xff;
}

/**
 * keepalived lib/parser.c read_hex_str(): spaces/tabs separate groups; each byte is two hex digits, or one digit
 * followed by a space or the end; with `wildcard`, X/x is a nibble that matches anything.
 */
export function parseHex(text: string, wildcard = false): HexPattern {
  const data: number[] = [];
  const mask: number[] = [];
  let usingMask = false;
  let i = 0;
  const bad = (): never => {
    throw new CheckError('EHEX', `hex string '${text}' is invalid at offset ${i}; should be hex digit pairs${wildcard ? ' (X = any)' : ''}`, { text });
  };
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let v = hexVal(text[i++]!, wildcard);
    if (v === 0xff) bad();
    let m = 0;
    if (v === 0xfe) {
      m = 0x0f;
      v = 0;
      usingMask = true;
    }
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      let v2 = hexVal(text[i++]!, wildcard);
      if (v2 === 0xff) bad();
      m <<= 4;
      if (v2 === 0xfe) {
        m |= 0x0f;
        v2 = 0;
        usingMask = true;
      }
      v = (v << 4) | v2;
    }
    data.push(v);
    mask.push(m);
  }
  if (data.length === 0) bad();
  return usingMask ? { data: Buffer.from(data), mask: Buffer.from(mask) } : { data: Buffer.from(data) };
}

/** check_udp.c check_udp_reply(): length within [min, max], then the first min(len, pattern) bytes match. */
export function replyMatches(reply: Uint8Array, pattern: HexPattern | undefined, min: number, max: number): boolean {
  if (reply.length < min || reply.length > max) return false;
  if (!pattern) return true;
  const n = Math.min(reply.length, pattern.data.length);
  for (let i = 0; i < n; i++) {
    const care = pattern.mask ? ~pattern.mask[i]! & 0xff : 0xff;
    if (((reply[i]! ^ pattern.data[i]!) & care) !== 0) return false;
  }
  return true;
}

/** layer4.c set_buf(): the 32-byte default payload ("keepalived check - " repeated). */
export function defaultUdpPayload(len = 32): Buffer {
  const s = 'keepalived check - ';
  return Buffer.from(s.repeat(Math.ceil(len / s.length)).slice(0, len), 'latin1');
}

export function checkUdp(target: TargetOf<CheckerKind.Udp>, signal: AbortSignal): Promise<CheckResult> {
  const started = performanceNow();
  const { conn, udp } = target;
  const payload = udp.payload ? parseHex(udp.payload).data : defaultUdpPayload();
  const requireReply = udp.requireReply !== undefined && udp.requireReply !== false;
  const pattern = typeof udp.requireReply === 'string' && udp.requireReply.trim() ? parseHex(udp.requireReply, true) : undefined;
  const min = udp.minReplyLength ?? 0;
  const max = udp.maxReplyLength ?? 255; // check_udp.c: max_reply_len defaults to UINT8_MAX
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(r);
    };
    // layer4.c udp_socket_state: a read timeout is success unless require_reply is set.
    const onAbort = (): void =>
      finish(requireReply ? failResult('UDP connection failed (no reply)', started, { timedOut: true }) : okResult('UDP no ICMP error', started));
    // bindto/bind_port, fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) through sockopt.ts
    const sock = udpSocket(conn, () => go());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(failResult(`UDP connection failed: ${e.code ?? e.message}`, started)));
    sock.on('message', (msg) => {
      // check_udp.c udp_check_thread: lengths and data are checked only when require_reply gave data
      if (!requireReply || !pattern) return finish(okResult('UDP reply received', started));
      if (replyMatches(msg, pattern, min, max)) finish(okResult('UDP reply matched', started));
      else finish(failResult('UDP check reply data mismatch', started));
    });
    function go(): void {
      if (done) return;
      // node:dgram passes a failed connect (ENETUNREACH, ...) to this callback; its type omits the argument
      sock.connect(conn.connectPort, hostWithScope(conn), ((cerr?: NodeJS.ErrnoException) => {
        if (cerr) return finish(failResult(`UDP connection failed: ${cerr.code ?? cerr.message}`, started));
        sock.send(payload, (err) => {
          if (err) finish(failResult(`UDP send failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`, started));
        });
      }) as () => void);
    }
  });
}

/** The plugin entry point: check(target, signal). */
export { checkUdp as check };
