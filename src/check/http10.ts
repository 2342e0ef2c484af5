// The request keepalived's HTTP_GET/SSL_GET writes for http_protocol 1.0 (its default) and 1.0C, byte for byte
// (check_http.c request_template), and a minimal reader of the reply: status line, headers up to the blank line,
// then the body as it arrives until Content-Length or the end of the connection (keepalived reads it the same way).
import type { Duplex } from 'node:stream';
import type { HttpProtocol } from './types';

/** check_http.c: "GET %s HTTP/1.%d\r\nUser-Agent: KeepAliveClient\r\n%sHost: %s%s\r\n\r\n" */
export function formatRequest(path: string, protocol: HttpProtocol | undefined, host: string): string {
  const minor = protocol === '1.1' ? 1 : 0;
  const close = protocol === '1.0C' || protocol === '1.1' ? 'Connection: close\r\n' : '';
  return `GET ${path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

/** Largest response header accepted (keepalived's whole buffer is 64 KiB, check_http.h MAX_BUFFER_LENGTH). */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface ResponseHead {
  /** 0 when the status line is not "HTTP/x.y NNN" (keepalived's extract_status_code then fails the check) */
  status: number;
  contentLength?: number;
}

/** Status and Content-Length of a raw header block (without the blank line). */
export function parseHead(head: string): ResponseHead {
  const lines = head.split(/\r?\n/);
  const m = /^HTTP\/\d+\.\d+[ \t]+(\d{3})(?:[ \t]|$)/.exec(lines[0] ?? '');
  const out: ResponseHead = { status: m ? Number(m[1]) : 0 };
  for (const l of lines.slice(1)) {
    const h = /^content-length[ \t]*:[ \t]*(\d+)[ \t]*$/i.exec(l);
    if (h) out.contentLength = Number(h[1]);
  }
  return out;
}

/** What the caller decides after the head: stop now, or read the body. */
export interface BodySink {
  /** called once with the head; return false to stop (status is all that was needed, or it failed) */
  head(h: ResponseHead): boolean;
  /** body bytes; return false when enough has been read */
  body(chunk: Buffer): boolean;
}

export class HttpReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpReadError';
  }
}

/**
 * Writes `request` on a connected socket and streams the reply into `sink`. Resolves when the sink has what it
 * needs, the Content-Length is reached, or the server closes; rejects on a socket error, a reply without a complete
 * header (code EHTTPHEAD) or an abort. The socket is destroyed in every case.
 */
export function exchange(sock: Duplex, request: string, sink: BodySink, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    let remaining = Infinity;
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const feedBody = (b: Buffer): void => {
      const part = b.length > remaining ? b.subarray(0, remaining) : b;
      remaining -= part.length;
      if (part.length && !sink.body(part)) return done();
      if (remaining <= 0) done();
    };
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (!head) return feedBody(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      const endLf = end < 0 ? head.indexOf('\n\n') : -1;
      if (end < 0 && endLf < 0) {
        if (head.length > MAX_HEADER_BYTES) done(new HttpReadError('EHTTPHEAD', `HTTP header longer than ${MAX_HEADER_BYTES} bytes`));
        return;
      }
      const cut = end >= 0 ? end : endLf;
      const h = parseHead(head.subarray(0, cut).toString('latin1'));
      const rest = head.subarray(cut + (end >= 0 ? 4 : 2));
      head = undefined;
      if (!sink.head(h)) return done();
      if (h.contentLength !== undefined) remaining = h.contentLength;
      if (remaining <= 0) return done();
      if (rest.length) feedBody(rest);
    });
    sock.on('end', () => (head ? done(new HttpReadError('EHTTPHEAD', 'connection closed before a complete HTTP header')) : done()));
    sock.on('close', () => (head ? done(new HttpReadError('EHTTPHEAD', 'connection closed before a complete HTTP header')) : done()));
    sock.on('error', (e: Error) => done(e));
    sock.write(request);
  });
}
