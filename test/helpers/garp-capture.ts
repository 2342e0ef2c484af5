// Test helpers for garp netns tests: tcpdump capture inside a namespace, long-running children read line by line, and tool checks.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Netns } from './netns';
import { PcapFile, readPcap } from '../../src/vrrp/pcap';

export const GARP_CHILD = path.join(__dirname, '../../dist/test/helpers/garp-child.js');
export const ADDON = path.join(__dirname, '../../native/build/Release/lvsk_packet.node');

export function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** Why a garp netns test cannot run here, or false. */
export function garpSkipReason(tools: string[] = []): string | false {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (network namespaces)';
  if (!existsSync(ADDON)) return 'native addon not built (npx node-gyp rebuild -C native)';
  if (!existsSync(GARP_CHILD)) return 'not built (make build)';
  for (const t of tools) if (!haveTool(t)) return `${t} is not installed`;
  return false;
}

/** A process in a namespace whose stdout arrives as JSON lines. */
export class NsProcess {
  readonly child: ChildProcess;
  readonly lines: unknown[] = [];
  stderr = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(ns: Netns, cmd: string, args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push(line);
        }
        this.waiters.splice(0).forEach((w) => w());
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.waiters.splice(0).forEach((w) => w());
    });
    this.exited = new Promise((res) => this.child.on('exit', (code) => {
      this.waiters.splice(0).forEach((w) => w());
      res(code);
    }));
  }

  /** Resolves when `pred` holds (checked on every output), rejects after timeoutMs. */
  async waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.child.exitCode !== null) throw new Error(`${what}: process exited (${this.child.exitCode}); stderr: ${this.stderr.slice(-500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: timed out; stderr: ${this.stderr.slice(-500)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      try {
        process.kill(this.child.pid, sig);
      } catch {
        /* gone */
      }
    }
  }
}

/** tcpdump -w on one interface of a namespace. */
export class Capture {
  private readonly proc: NsProcess;

  private constructor(
    ns: Netns,
    ifname: string,
    filter: string[],
    readonly file: string,
  ) {
    this.proc = new NsProcess(ns, 'tcpdump', ['-i', ifname, '-n', '-U', '--immediate-mode', '-w', file, ...filter]);
  }

  static async start(ns: Netns, ifname: string, filter: string[], file: string): Promise<Capture> {
    const c = new Capture(ns, ifname, filter, file);
    await c.proc.waitFor(() => /listening on/.test(c.proc.stderr), 10000, 'tcpdump start');
    return c;
  }

  async stop(): Promise<PcapFile> {
    await new Promise((r) => setTimeout(r, 200)); // let the last frames land
    this.proc.kill('SIGINT');
    await this.proc.exited;
    return readPcap(readFileSync(this.file));
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
