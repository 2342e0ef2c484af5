// Real servers for kernel-tier tests and benchmarks: a network namespace behind a veth pair (optionally with whole
// prefixes routed in and delivered locally, "AnyIP"), one node process serving HTTP on many listeners that are opened
// and closed on command, and busybox httpd processes that can be killed for real.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as net from 'net';

/** Runs a program; a failure throws with the command line, status and stderr. */
export function run(file: string, args: string[], input?: string): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input, timeout: 120000, maxBuffer: 256 << 20 });
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} exited with status ${e.status}: ${String(e.stderr ?? '').trim()}`);
  }
}

/** Like run() for cleanup: never throws. */
export function tryRun(file: string, args: string[]): void {
  try {
    run(file, args);
  } catch {
    /* cleanup */
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ServerNetOptions {
  /** namespace name (unique to the caller) */
  ns: string;
  /** host-side veth name (at most 15 characters); the namespace side is eth0 */
  veth: string;
  /** first three octets of the /24 on the veth: the host gets .1, the namespace .2 */
  link: string;
  /** more addresses for the namespace's eth0 (CIDR), e.g. 10.79.0.3/24 */
  addresses?: string[];
  /**
   * prefixes routed from the host into the namespace and delivered locally there (`ip route add local PREFIX dev lo`):
   * every address of the prefix is a local address of the namespace without configuring one address per server
   */
  anyIp?: string[];
}

export interface ServerNet {
  ns: string;
  hostIp: string;
  nsIp: string;
  destroy(): void;
}

/** Creates the namespace, the veth pair, addresses and routes. Removes leftovers of the same names first. */
export function createServerNet(o: ServerNetOptions): ServerNet {
  tryRun('ip', ['netns', 'del', o.ns]);
  tryRun('ip', ['link', 'del', o.veth]);
  tryRun('modprobe', ['veth']); // built in on some kernels
  const hostIp = `${o.link}.1`;
  const nsIp = `${o.link}.2`;
  const nsx = (...a: string[]): string => run('ip', ['netns', 'exec', o.ns, ...a]);
  run('ip', ['netns', 'add', o.ns]);
  const net: ServerNet = {
    ns: o.ns,
    hostIp,
    nsIp,
    destroy: () => {
      killNamespace(o.ns);
      tryRun('ip', ['link', 'del', o.veth]);
      tryRun('ip', ['netns', 'del', o.ns]);
    },
  };
  try {
    run('ip', ['link', 'add', o.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', o.ns]);
    run('ip', ['addr', 'add', `${hostIp}/24`, 'dev', o.veth]);
    run('ip', ['link', 'set', o.veth, 'up']);
    nsx('ip', 'link', 'set', 'lo', 'up');
    nsx('ip', 'addr', 'add', `${nsIp}/24`, 'dev', 'eth0');
    for (const a of o.addresses ?? []) nsx('ip', 'addr', 'add', a, 'dev', 'eth0');
    nsx('ip', 'link', 'set', 'eth0', 'up');
    // replies to the director (and to anything it forwards) go back over the veth
    nsx('ip', 'route', 'add', 'default', 'via', hostIp);
    for (const p of o.anyIp ?? []) {
      run('ip', ['route', 'add', p, 'via', nsIp]);
      nsx('ip', 'route', 'add', 'local', p, 'dev', 'lo');
    }
  } catch (e) {
    net.destroy();
    throw e;
  }
  return net;
}

/** SIGKILLs every process inside a namespace. */
export function killNamespace(ns: string): void {
  let pids: string[] = [];
  try {
    pids = run('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Resolves when addr:port accepts a TCP connection (from this namespace), rejects after `ms`. */
export async function waitTcp(addr: string, port: number, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: addr, port });
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${addr}:${port} did not accept a connection within ${ms} ms`);
    await sleep(200);
  }
}

/**
 * The farm's program: HTTP/1.1 on every listener ("200 ok", Connection: close; a TCP connect-and-close is served too).
 * stdin lines "<id> open|close <host> <port>" and "<id> stats"; stdout lines "<id> ok <epoch ms> [conns reqs]" or
 * "<id> err <message>" (stats: "<id> ok <epoch ms> <conns> <reqs> <{port: conns}>"). close() stops listening at once (the next connect is refused) and drops open connections.
 */
const FARM_JS = `
const http = require('http');
const servers = new Map();
let conns = 0, reqs = 0;
const byPort = {};
const body = Buffer.from('ok\\n');
function handler(q, r) {
  reqs++;
  r.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, connection: 'close' });
  r.end(body);
}
function reply(id, s) { process.stdout.write(id + ' ' + s + '\\n'); }
function open(id, host, port) {
  const key = host + ' ' + port;
  if (servers.has(key)) return reply(id, 'err already open ' + key);
  const s = http.createServer(handler);
  s.keepAliveTimeout = 0;
  s.on('connection', (c) => { conns++; byPort[port] = (byPort[port] || 0) + 1; c.on('error', () => {}); });
  s.on('clientError', (e, c) => c.destroy());
  s.once('error', (e) => { servers.delete(key); reply(id, 'err ' + e.message); });
  s.listen({ host, port, backlog: 4096 }, () => reply(id, 'ok ' + Date.now()));
  servers.set(key, s);
}
function close(id, host, port) {
  const key = host + ' ' + port;
  const s = servers.get(key);
  if (!s) return reply(id, 'err not open ' + key);
  servers.delete(key);
  s.close();
  const t = Date.now();
  s.closeAllConnections();
  reply(id, 'ok ' + t);
}
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const [id, cmd, host, port] = buf.slice(0, i).trim().split(' ');
    buf = buf.slice(i + 1);
    if (cmd === 'open') open(id, host, Number(port));
    else if (cmd === 'close') close(id, host, Number(port));
    else if (cmd === 'stats') reply(id, 'ok ' + Date.now() + ' ' + conns + ' ' + reqs + ' ' + JSON.stringify(byPort));
    else reply(id, 'err unknown command ' + cmd);
  }
});
process.stdin.on('end', () => process.exit(0));
reply(0, 'ok ' + Date.now());
`;

export interface FarmStats {
  at: number;
  /** TCP connections accepted since the farm started (every check: TCP_CHECK and HTTP_GET) */
  conns: number;
  /** HTTP requests answered */
  reqs: number;
  /** connections accepted per listening port */
  byPort: Record<string, number>;
}

/** One node process in a namespace with many HTTP listeners, opened and closed on command. */
export class ServerFarm {
  private seq = 0;
  private waiting = new Map<number, { resolve: (s: string) => void; reject: (e: Error) => void }>();
  private stderr = '';
  private exited = false;

  private constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^(\d+) (ok|err) ?(.*)$/.exec(line);
        const w = m && this.waiting.get(Number(m[1]));
        if (!m || !w) continue;
        this.waiting.delete(Number(m[1]));
        if (m[2] === 'ok') w.resolve(m[3]!);
        else w.reject(new Error(`server farm: ${m[3]}`));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.once('exit', (code, sig) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`server farm exited (${code ?? sig}): ${this.stderr.trim()}`));
      this.waiting.clear();
    });
  }

  /** Starts the farm in namespace `ns` (undefined: this namespace) and opens `listeners`. */
  static async start(ns: string | undefined, listeners: Array<{ host: string; port: number }>): Promise<ServerFarm> {
    const argv = [process.execPath, '-e', FARM_JS];
    const child = ns ? spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const farm = new ServerFarm(child);
    await farm.call('', 60000); // the ready line (id 0)
    await Promise.all(listeners.map((l) => farm.open(l.host, l.port)));
    return farm;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call(cmd: string, timeoutMs = 30000): Promise<string> {
    const id = cmd ? ++this.seq : 0;
    if (this.exited) return Promise.reject(new Error(`server farm has exited: ${this.stderr.trim()}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`server farm: no answer to "${cmd || 'ready'}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (s) => (clearTimeout(timer), resolve(s)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      if (cmd) this.child.stdin!.write(`${id} ${cmd}\n`);
    });
  }

  /** Opens a listener; resolves with the farm's clock (epoch ms) when it listens. */
  async open(host: string, port: number): Promise<number> {
    return Number(await this.call(`open ${host} ${port}`));
  }

  /** Closes a listener (connects are refused from then on); resolves with the farm's clock when it was closed. */
  async close(host: string, port: number): Promise<number> {
    return Number(await this.call(`close ${host} ${port}`));
  }

  async stats(): Promise<FarmStats> {
    const [at, conns, reqs, byPort] = (await this.call('stats')).split(' ');
    return { at: Number(at), conns: Number(conns), reqs: Number(reqs), byPort: JSON.parse(byPort ?? '{}') as Record<string, number> };
  }

  /** Ends the farm (stdin closed, then SIGKILL if it lingers). */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

/** busybox httpd serving `docroot` on addr:port inside `ns`: a real server process that a test can SIGKILL. */
export class Httpd {
  child?: ChildProcess;
  constructor(
    readonly ns: string,
    readonly addr: string,
    readonly port: number,
    readonly docroot: string,
  ) {}

  /** Starts it and waits until it accepts connections. */
  async start(): Promise<void> {
    // -f: foreground (one process to kill); -v logs requests to stderr, which is not read
    this.child = spawn('ip', ['netns', 'exec', this.ns, 'busybox', 'httpd', '-f', '-p', `${this.addr}:${this.port}`, '-h', this.docroot], { stdio: 'ignore' });
    await waitTcp(this.addr, this.port);
  }

  /** SIGKILL, and waits for the exit: from then on connects are refused. */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await gone;
  }
}
