// The client side of a vm-topology.ts pair: drives vm-topology-agents.js in the client namespace (a request loop
// through the VIP and long-lived keep-alive connections) and keeps every result with its time for the timeline.
import { spawn, type ChildProcess } from 'child_process';
import type { Netns } from './netns';
import type { AgentEvent } from './vm-topology-agents';

export type RequestResult = Extract<AgentEvent, { ev: 'req' }>;
export type ConnResult = Extract<AgentEvent, { ev: 'conn' }>;

/** Requests of a time window: how many, how many failed, and how many each server answered. */
export interface Tally {
  total: number;
  failed: number;
  byServer: Record<string, number>;
  errors: Record<string, number>;
}

/**
 * Requests that started in [from, to); with `inFlight`, also those started earlier but still running at `from` (the
 * ones an event at `from` can break).
 */
export function tally(reqs: RequestResult[], from = 0, to = Infinity, inFlight = false): Tally {
  const t: Tally = { total: 0, failed: 0, byServer: {}, errors: {} };
  for (const r of reqs) {
    if ((inFlight ? r.end < from : r.start < from) || r.start >= to) continue;
    t.total++;
    if (r.ok) t.byServer[r.server] = (t.byServer[r.server] ?? 0) + 1;
    else {
      t.failed++;
      t.errors[r.err] = (t.errors[r.err] ?? 0) + 1;
    }
  }
  return t;
}

export function formatTally(t: Tally): string {
  const servers = Object.keys(t.byServer).sort().map((s) => `${s} ${t.byServer[s]}`).join(', ');
  const errors = Object.keys(t.errors).sort().map((e) => `${e} x${t.errors[e]}`).join(', ');
  return `${t.total} requests (${servers || 'none answered'}); failed ${t.failed}${errors ? ` (${errors})` : ''}`;
}

export class ClientAgent {
  readonly requests: RequestResult[] = [];
  private child: ChildProcess;
  private buf = '';
  private isReady = false;
  private waiters: { test: (e: AgentEvent) => boolean; resolve: (e: AgentEvent) => void }[] = [];
  private stderr = '';

  constructor(ns: Netns, agents: string, host: string, port: number) {
    this.child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, agents, 'client', host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (line.startsWith('{')) this.event(JSON.parse(line) as AgentEvent);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  private event(e: AgentEvent): void {
    if (e.ev === 'ready') this.isReady = true;
    if (e.ev === 'req') this.requests.push(e);
    const w = this.waiters.find((x) => x.test(e));
    if (w) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(e);
    }
  }

  private next(test: (e: AgentEvent) => boolean, ms: number, what: string): Promise<AgentEvent> {
    return new Promise((resolve, reject) => {
      const w = {
        test,
        resolve: (e: AgentEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`client agent: no ${what} within ${ms} ms${this.stderr ? `; stderr: ${this.stderr}` : ''}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  async ready(): Promise<this> {
    if (!this.isReady) await this.next((e) => e.ev === 'ready', 60000, 'ready line');
    return this;
  }

  private send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Starts the request loop: one request on a new connection every `intervalMs`, each failing after `timeoutMs`. */
  startLoop(intervalMs: number, timeoutMs: number): void {
    this.send(`loop ${intervalMs} ${timeoutMs}`);
  }

  async stopLoop(): Promise<void> {
    const p = this.next((e) => e.ev === 'stopped', 60000, 'end of the request loop');
    this.send('stop');
    await p;
  }

  /** The next `n` loop results after now. */
  async nextRequests(n: number, ms: number): Promise<RequestResult[]> {
    const from = this.requests.length;
    const end = Date.now() + ms;
    while (this.requests.length < from + n) {
      if (Date.now() > end) throw new Error(`client agent: ${this.requests.length - from} of ${n} requests within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.requests.slice(from, from + n);
  }

  /** Waits for `n` consecutive successful requests that started after `since`; returns the first one's start time. */
  async steady(since: number, n: number, ms: number): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const after = this.requests.filter((r) => r.start >= since);
      let run = 0;
      for (let i = 0; i < after.length; i++) {
        run = after[i]!.ok ? run + 1 : 0;
        if (run === n) return after[i - n + 1]!.start;
      }
      if (Date.now() > end) throw new Error(`client agent: no ${n} consecutive successes within ${ms} ms; last: ${JSON.stringify(after.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Opens keep-alive connection `id` to the VIP and sends one request on it. */
  open(id: string, timeoutMs = 20000): Promise<ConnResult> {
    const p = this.next((e) => e.ev === 'conn' && e.id === id, timeoutMs + 30000, `answer on connection ${id}`);
    this.send(`open ${id} ${timeoutMs}`);
    return p as Promise<ConnResult>;
  }

  /** One more request on connection `id` (the same TCP connection). */
  get(id: string, timeoutMs = 20000): Promise<ConnResult> {
    const p = this.next((e) => e.ev === 'conn' && e.id === id, timeoutMs + 30000, `answer on connection ${id}`);
    this.send(`get ${id} ${timeoutMs}`);
    return p as Promise<ConnResult>;
  }

  closeConn(id: string): void {
    this.send(`close ${id}`);
  }

  close(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
