// MD5 body digest of HTTP_GET/SSL_GET url blocks, computed as keepalived's check_http.c / genhash do.

import { createHash, Hash } from 'node:crypto';
import { CheckError } from './types';

/** Validate a configured `digest` (check_http.c digest_handler: exactly 32 hex characters). Returns it lower-cased. */
export function parseDigest(text: string): string {
  if (text.length !== 32)
    throw new CheckError('EDIGESTLEN', `digest '${text}' character length is ${text.length}; should be 32`, { digest: text });
  if (!/^[0-9a-fA-F]{32}$/.test(text))
    throw new CheckError('EDIGESTHEX', `digest '${text}' has a non-hex digit; should be 32 hex digits`, { digest: text });
  return text.toLowerCase();
}

/**
 * Incremental digest of a response body. Like http_process_response(), bytes beyond Content-Length (when the server
 * sent one) are not hashed.
 */
export class BodyDigest {
  private readonly h: Hash = createHash('md5');
  private seen = 0;
  constructor(private readonly contentLength?: number) {}
  update(chunk: Uint8Array): void {
    if (this.result !== undefined) throw new CheckError('EDIGESTFINAL', 'digest updated after hex(); should not be', {});
    let c = chunk;
    if (this.contentLength !== undefined) {
      const room = this.contentLength - this.seen;
      if (room <= 0) {
        this.seen += c.length;
        return;
      }
      if (c.length > room) c = c.subarray(0, room);
    }
    this.seen += chunk.length;
    this.h.update(c);
  }
  /** Bytes received (all of them, also those past Content-Length). */
  get received(): number {
    return this.seen;
  }
  private result?: string;
  /** The MD5 in lower-case hex; the digest is final after the first call. */
  hex(): string {
    this.result ??= this.h.digest('hex');
    return this.result;
  }
}

/** keepalived lib/html.c extract_html(): offset just after the first CRLFCRLF, or -1. */
export function headerEnd(raw: Uint8Array): number {
  for (let i = 0; i + 3 < raw.length; i++)
    if (raw[i] === 13 && raw[i + 1] === 10 && raw[i + 2] === 13 && raw[i + 3] === 10) return i + 4;
  return -1;
}

/** keepalived lib/html.c extract_content_length(): "Content-Length: " (case as written) followed by digits, else undefined. */
export function contentLengthOf(header: string): number | undefined {
  const i = header.indexOf('Content-Length: ');
  if (i < 0) return undefined;
  const m = /^(\d+)(?:\r|\n|$)/.exec(header.slice(i + 16));
  return m ? Number(m[1]) : undefined;
}

/** genhash's digest of a whole raw HTTP response (headers + body as received): MD5 of the body bytes. */
export function genhashDigest(raw: Uint8Array): string | undefined {
  const end = headerEnd(raw);
  if (end < 0) return undefined;
  const header = Buffer.from(raw.subarray(0, end)).toString('latin1');
  const d = new BodyDigest(contentLengthOf(header));
  d.update(raw.subarray(end));
  return d.hex();
}
