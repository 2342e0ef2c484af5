// Network namespaces for tests: unique names, interfaces made from veth pairs, and cleanup that
// runs even when a test fails (register with t.teardown).
import { execFileSync, spawnSync } from 'child_process';

let counter = 0;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export class Netns {
  readonly name: string;
  private closed = false;

  constructor(prefix = 'lvsk') {
    this.name = `${prefix}-${process.pid}-${++counter}`;
    sh('ip', ['netns', 'add', this.name]);
    this.exec('ip', ['link', 'set', 'lo', 'up']);
  }

  exec(cmd: string, args: string[], input?: string): string {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args], input);
  }

  run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], {
      encoding: 'utf8',
      input: opts.input,
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs ?? 60000,
      maxBuffer: 64 << 20,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Creates interface `name` (a veth whose peer `name`-p stays in this namespace too) and brings it up. */
  addInterface(name: string): void {
    this.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name.slice(0, 12)}p`]);
    this.exec('ip', ['link', 'set', name, 'up']);
    this.exec('ip', ['link', 'set', `${name.slice(0, 12)}p`, 'up']);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // kill anything still running inside, then remove the namespace
    spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' })
      .stdout?.split('\n')
      .filter(Boolean)
      .forEach((pid) => {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      });
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}
