// The read-only status endpoint: JSON state at /state (and /), Prometheus text at /metrics, on
// 127.0.0.1 by default or a unix socket. Only GET and HEAD; secrets never appear (see redact()).
import * as http from 'http';
import * as fs from 'fs';
import type { AddressInfo } from 'net';
import { SECRET_FIELDS } from '../config/model';

export const DEFAULT_STATUS_LISTEN = '127.0.0.1:9201';

export type Listen = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string } | { kind: 'off' };

/** "127.0.0.1:9201", "[::1]:9201", ":9201", "/run/lvskeeper.sock", "off". */
export function parseListen(text: string): Listen {
  if (text === 'off' || text === 'none' || text === '') return { kind: 'off' };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new Error(`status listen address is ${JSON.stringify(text)}; should be host:port, [v6]:port, an absolute unix socket path, or off`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`status listen port is ${port}; should be 0-65535`);
  return { kind: 'tcp', host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Deep copy with every secret field's value replaced. */
export function redact(v: unknown): unknown {
  const secrets = new Set(SECRET_FIELDS);
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (secrets.has(k) && x !== undefined && x !== null ? '[redacted]' : typeof x === 'bigint' ? x.toString() : x)));
}

/** Where /metrics comes from: a Metrics registry, or the parent's merge of its children's texts. */
export interface MetricsSource {
  text(): Promise<string>;
  registry: { contentType: string };
}

export interface StatusServer {
  close(): Promise<void>;
  /** "127.0.0.1:41234" or the socket path */
  address(): string;
}

export async function startStatusServer(opts: { listen: Listen; state: () => unknown | Promise<unknown>; metrics: MetricsSource }): Promise<StatusServer | undefined> {
  const { listen } = opts;
  if (listen.kind === 'off') return undefined;
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('read-only endpoint\n');
      return;
    }
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const fail = (e: unknown): void => send(500, 'text/plain', `error: ${(e as Error).message}\n`);
    if (url === '/metrics') {
      opts.metrics.text().then((t) => send(200, opts.metrics.registry.contentType, t), fail);
    } else if (url === '/' || url === '/state') {
      Promise.resolve(opts.state()).then((s) => send(200, 'application/json', JSON.stringify(redact(s), null, 2) + '\n'), fail);
    } else send(404, 'text/plain', 'not found: try /state or /metrics\n');
  });
  if (listen.kind === 'unix') {
    try {
      if (fs.statSync(listen.path).isSocket()) fs.unlinkSync(listen.path);
    } catch {
      /* absent */
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (listen.kind === 'unix') server.listen(listen.path, () => resolve());
    else server.listen(listen.port, listen.host, () => resolve());
  });
  if (listen.kind === 'unix') fs.chmodSync(listen.path, 0o660);
  return {
    address() {
      const a = server.address();
      if (typeof a === 'string') return a;
      const ai = a as AddressInfo;
      return ai.family === 'IPv6' ? `[${ai.address}]:${ai.port}` : `${ai.address}:${ai.port}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
