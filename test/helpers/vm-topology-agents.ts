// The processes vm-topology.ts starts inside its namespaces: an HTTP real server that answers with its name, and a
// client agent (request loop and long-lived keep-alive connections, driven by commands on stdin, JSON lines out).
// Run as `node vm-topology-agents.js server NAME PORT` or `node vm-topology-agents.js client VIP PORT`.
import * as http from 'http';
import * as net from 'net';

/** One line the client agent writes per event (stdout, JSON). */
export type AgentEvent =
  | { ev: 'ready' }
  | { ev: 'req'; seq: number; start: number; end: number; ok: true; server: string }
  | { ev: 'req'; seq: number; start: number; end: number; ok: false; err: string }
  | { ev: 'stopped' }
  | { ev: 'conn'; id: string; ok: true; server: string; localPort: number; at: number }
  | { ev: 'conn'; id: string; ok: false; err: string; localPort?: number; at: number };

/** A real server: every request gets 200 and "NAME\n"; keep-alive connections are never timed out by the server. */
export function runServer(name: string, port: number): void {
  const server = http.createServer((req, res) => {
    req.resume();
    const body = `${name}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-server': name });
    res.end(body);
  });
  // Node's defaults close idle keep-alive sockets after 5 s; the long-lived connection tests hold one for minutes
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.listen(port, '0.0.0.0', () => process.stdout.write(`listening ${name} ${port}\n`));
}

const emit = (e: AgentEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

/** A minimal HTTP/1.1 client over one socket, so that the same TCP connection is reused for every request. */
class KeepAlive {
  private buf = Buffer.alloc(0);
  private waiter?: (r: { ok: true; server: string } | { ok: false; err: string }) => void;
  private closedErr?: string;
  readonly socket: net.Socket;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port });
    this.socket.setKeepAlive(false);
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    const fail = (err: string): void => {
      this.closedErr ??= err;
      this.finish({ ok: false, err });
    };
    this.socket.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    this.socket.on('close', () => fail('closed'));
  }

  private finish(r: { ok: true; server: string } | { ok: false; err: string }): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(r);
  }

  private parse(): void {
    const head = this.buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const headers = this.buf.subarray(0, head).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
    if (this.buf.length < head + 4 + len) return;
    const body = this.buf.subarray(head + 4, head + 4 + len).toString('utf8');
    this.buf = this.buf.subarray(head + 4 + len);
    if (/^HTTP\/1\.1 200 /.test(headers)) this.finish({ ok: true, server: body.trim() });
    else this.finish({ ok: false, err: `status ${headers.split('\r\n')[0]}` });
  }

  get(host: string, timeoutMs: number): Promise<{ ok: true; server: string } | { ok: false; err: string }> {
    if (this.closedErr) return Promise.resolve({ ok: false, err: this.closedErr });
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish({ ok: false, err: 'timeout' }), timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
  }
}

/** One request on a new connection (Connection: close), as a browser hitting the VIP would. */
function oneRequest(host: string, port: number, timeoutMs: number): Promise<{ ok: true; server: string } | { ok: false; err: string }> {
  return new Promise((resolve) => {
    let done = false;
    const end = (r: { ok: true; server: string } | { ok: false; err: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => end({ ok: false, err: 'timeout' }), timeoutMs);
    const req = http.get({ host, port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => end(res.statusCode === 200 ? { ok: true, server: body.trim() } : { ok: false, err: `status ${res.statusCode}` }));
      res.on('error', (e: NodeJS.ErrnoException) => end({ ok: false, err: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => end({ ok: false, err: e.code ?? e.message }));
  });
}

/**
 * The client agent. Commands (one per line): `loop INTERVAL_MS TIMEOUT_MS` starts sequential requests on new
 * connections; `stop` ends the loop; `open ID` opens a keep-alive connection and sends one request; `get ID TIMEOUT_MS`
 * sends one more on it; `close ID`.
 */
export function runClient(host: string, port: number): void {
  let looping = false;
  let seq = 0;
  const conns = new Map<string, KeepAlive>();
  const loop = async (intervalMs: number, timeoutMs: number): Promise<void> => {
    while (looping) {
      const start = Date.now();
      const r = await oneRequest(host, port, timeoutMs);
      const end = Date.now();
      emit(r.ok ? { ev: 'req', seq: ++seq, start, end, ok: true, server: r.server } : { ev: 'req', seq: ++seq, start, end, ok: false, err: r.err });
      const wait = intervalMs - (end - start);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
    emit({ ev: 'stopped' });
  };
  const request = async (id: string, c: KeepAlive, timeoutMs: number): Promise<void> => {
    const r = await c.get(host, timeoutMs);
    const localPort = c.socket.localPort;
    emit(r.ok ? { ev: 'conn', id, ok: true, server: r.server, localPort: localPort ?? 0, at: Date.now() } : { ev: 'conn', id, ok: false, err: r.err, localPort, at: Date.now() });
  };
  const command = (line: string): void => {
    const [cmd, a, b] = line.trim().split(/\s+/);
    if (cmd === 'loop' && !looping) {
      looping = true;
      void loop(Number(a), Number(b));
    } else if (cmd === 'stop') {
      if (looping) looping = false;
      else emit({ ev: 'stopped' });
    } else if (cmd === 'open' && a) {
      const c = new KeepAlive(host, port);
      conns.set(a, c);
      void request(a, c, Number(b ?? 10000));
    } else if (cmd === 'get' && a) {
      const c = conns.get(a);
      if (c) void request(a, c, Number(b ?? 10000));
      else emit({ ev: 'conn', id: a, ok: false, err: 'no such connection', at: Date.now() });
    } else if (cmd === 'close' && a) {
      conns.get(a)?.socket.destroy();
      conns.delete(a);
    }
  };
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      command(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  process.stdin.on('end', () => process.exit(0));
  emit({ ev: 'ready' });
}

if (require.main === module) {
  const [role, a, b] = process.argv.slice(2);
  if (role === 'server' && a && b) runServer(a, Number(b));
  else if (role === 'client' && a && b) runClient(a, Number(b));
  else {
    process.stderr.write('usage: vm-topology-agents.js server NAME PORT | client HOST PORT\n');
    process.exitCode = 2;
  }
}
