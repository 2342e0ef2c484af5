// One director of a vm-topology.ts pair: its namespace and the real `lvskeeper` CLI run as a black box (flags, pid
// file, signals, and what `ip` and `ipvsadm` show), so these tests hold whatever the daemon's process layout is.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Netns } from './netns';

const ROOT = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json'))) return d;
  return path.join(__dirname, '../..');
})();
const CLI = path.join(ROOT, 'dist/src/cli/lvskeeper.js');
const LVSADM = path.join(ROOT, 'dist/src/cli/lvsadm.js');
const MAX_LOG = 256 * 1024;

export interface DirectorSpec {
  name: string;
  priority: number;
  state: 'MASTER' | 'BACKUP';
  /** address on eth0 (client side) */
  ext: string;
  /** NAT: address on eth1 (real servers' side) */
  int?: string;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class Director {
  readonly confFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  private child?: ChildProcess;
  private logText = '';
  private starts = 0;

  constructor(
    readonly ns: Netns,
    readonly spec: DirectorSpec,
    dir: string,
  ) {
    this.confFile = path.join(dir, `director-${spec.name}.conf`);
    this.pidFile = path.join(dir, `director-${spec.name}.pid`);
    this.logFile = path.join(dir, `director-${spec.name}.log`);
  }

  /** `lvskeeper -n -l -f CONF -p PID` inside the namespace (status endpoint off: nothing listens but the VIP's service). */
  start(conf: string): void {
    if (this.running()) throw new Error(`director ${this.spec.name}: the daemon is already running`);
    fs.writeFileSync(this.confFile, conf);
    const n = ++this.starts;
    this.append(`=== start ${n} at ${new Date().toISOString()}\n`);
    const child = spawn('ip', ['netns', 'exec', this.ns.name, process.execPath, CLI, '-n', '-l', '--log-format=text', '-f', this.confFile, '-p', this.pidFile, '--status-listen=off'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => this.append(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.append(d.toString()));
    child.once('exit', (code, sig) => this.append(`=== daemon exited (${sig ?? code})\n`));
    this.child = child;
  }

  private append(s: string): void {
    this.logText += s;
    if (this.logText.length > MAX_LOG) this.logText = this.logText.slice(-MAX_LOG / 2);
    try {
      fs.appendFileSync(this.logFile, s);
    } catch {
      /* the directory is gone at teardown */
    }
  }

  log(): string {
    return this.logText;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The daemon's main pid, from its pid file (-p), else the process this helper started. */
  pid(): number | undefined {
    const n = Number(fs.existsSync(this.pidFile) ? fs.readFileSync(this.pidFile, 'utf8').trim() : NaN);
    return Number.isInteger(n) && n > 0 ? n : this.child?.pid;
  }

  /** Writes a new configuration and sends SIGHUP, as an operator's `systemctl reload` does. */
  reload(conf: string): void {
    fs.writeFileSync(this.confFile, conf);
    const pid = this.pid();
    if (!pid) throw new Error(`director ${this.spec.name}: no daemon to reload`);
    this.append(`=== SIGHUP at ${new Date().toISOString()}\n`);
    process.kill(pid, 'SIGHUP');
  }

  /** Every process in the director's namespace: the daemon and whatever children it has. */
  processes(): number[] {
    const out = spawnSync('ip', ['netns', 'pids', this.ns.name], { encoding: 'utf8' }).stdout ?? '';
    return out.split('\n').filter(Boolean).map(Number);
  }

  /**
   * `kill -9` of the daemon, every process of it: all are stopped first, so that none of them (a child told of its
   * parent's death, say) gets to send a priority-0 advert or remove an address before it dies.
   */
  async crash(): Promise<void> {
    this.append(`=== SIGKILL at ${new Date().toISOString()}\n`);
    const pids = this.processes();
    for (const sig of ['SIGSTOP', 'SIGKILL'] as const) {
      for (const p of pids) {
        try {
          process.kill(p, sig);
        } catch {
          /* gone */
        }
      }
    }
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
    for (let i = 0; i < 100 && this.processes().length; i++) await new Promise((r) => setTimeout(r, 100));
  }

  /**
   * The whole director fails (a power cut): every process of its daemon is stopped and its links go down at once, then
   * the processes are killed. Returns when the processes were stopped and when the links were down (ms since the epoch).
   */
  async powerOff(): Promise<{ stoppedAt: number; cutAt: number }> {
    const pids = this.processes();
    const at = Date.now();
    this.append(`=== power off at ${new Date(at).toISOString()}\n`);
    const signal = (sig: NodeJS.Signals): void => {
      for (const p of pids) {
        try {
          process.kill(p, sig);
        } catch {
          /* gone */
        }
      }
    };
    signal('SIGSTOP');
    const devs = this.spec.int ? ['eth0', 'eth1'] : ['eth0'];
    spawnSync('ip', ['-n', this.ns.name, '-batch', '-'], { input: devs.map((d) => `link set ${d} down\n`).join('') });
    const cutAt = Date.now();
    signal('SIGKILL');
    await this.crash();
    return { stoppedAt: at, cutAt };
  }

  mac(dev = 'eth0'): string {
    return /link\/ether ([0-9a-f:]+)/.exec(this.ns.exec('ip', ['link', 'show', dev]))?.[1] ?? '';
  }

  /** SIGTERM and wait (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running()) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20000);
    await gone;
    clearTimeout(t);
  }

  holdsVip(addr: string): boolean {
    const out = this.ns.run('ip', ['-o', '-4', 'addr', 'show']).stdout;
    return out.split('\n').some((l) => l.includes(` inet ${addr}/`));
  }

  /** The real ipvsadm in this director's namespace (IPVS is per network namespace). */
  ipvsadm(...args: string[]): RunResult {
    return this.ns.run('ipvsadm', args, { timeoutMs: 30000 });
  }

  /** lvsadm, the project's ipvsadm, in this director's namespace. */
  lvsadm(...args: string[]): RunResult {
    return this.ns.run(process.execPath, [LVSADM, ...args], { timeoutMs: 60000 });
  }

  /** `ipvsadm -Ln`'s destinations of every service as "address:port weight", in listing order. */
  destinations(): string[] {
    const out = this.ipvsadm('-Ln').stdout;
    return [...out.matchAll(/^ {2}-> (\S+)\s+\S+\s+(\d+)\s/gm)].map((m) => `${m[1]} ${m[2]}`);
  }

  /** `ipvsadm -Ln` shows at least one virtual service. */
  hasService(): boolean {
    return /^(TCP|UDP|SCTP|FWM)\s/m.test(this.ipvsadm('-Ln').stdout);
  }
}

export interface MonitorLine {
  /** ip's own timestamp (-ts), ms since the epoch: exact even when the reader is busy */
  at: number;
  text: string;
}

/** `ip -ts monitor OBJECTS` in a namespace: every event line with ip's timestamp; `next` waits for a matching one. */
export class IpMonitor {
  readonly lines: MonitorLine[] = [];
  private child: ChildProcess;
  private buf = '';

  constructor(nsName: string, objects: string[]) {
    this.child = spawn('ip', ['-ts', '-n', nsName, 'monitor', ...objects], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      const parts = this.buf.split('\n');
      this.buf = parts.pop()!;
      for (const l of parts) {
        const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\d*\] (.*)$/.exec(l);
        // ip prints local time without a zone; Date parses that form as local time too
        if (m) this.lines.push({ at: new Date(m[1]!).getTime(), text: m[2]! });
      }
    });
  }

  /** Waits (polling this process's buffer) for a line after `since` that `pred` accepts. */
  async next(pred: (text: string) => boolean, since: number, ms: number, what: string): Promise<MonitorLine> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find((l) => l.at >= since && pred(l.text));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`ip monitor: no ${what} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
