// notify_fifo / vrrp_notify_fifo: keepalived's state lines (lib/notify.c fifo_open, vrrp_notify.c notify_fifo) written to a FIFO, with its reader script started first.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { constants, promises as fsp, write } from 'node:fs';
import type { NotifyFifo as NotifyFifoModel } from '../../config/model';
import { argvOf, resolveIds } from './notify';

/** `INSTANCE "VI_1" MASTER 100\n` (vrrp_notify.c notify_fifo: `%s "%s" %s %d\n`). */
export function fifoLine(type: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): string {
  return `${type} "${name}" ${state} ${priority}\n`;
}

export class NotifyFifo {
  private handle: fsp.FileHandle | undefined;
  private created = false;
  private child: ChildProcess | undefined;

  constructor(
    readonly model: NotifyFifoModel,
    private readonly warn: (msg: string, err?: Error) => void,
    private readonly defaults: { user?: string; group?: string } = {},
  ) {}

  /** mkfifo (0644) unless it exists, start the script with the FIFO's name as last argument, open it O_RDWR|O_NONBLOCK. */
  async open(): Promise<void> {
    const name = this.model.name;
    const st = await fsp.lstat(name).catch(() => undefined);
    if (!st) {
      await new Promise<void>((res, rej) => execFile('mkfifo', ['-m', '644', name], (e) => (e ? rej(e) : res())));
      this.created = true;
    } else if (!st.isFIFO()) throw new Error(`notify fifo ${name} is not a FIFO; should be a FIFO or absent`);
    const s = this.model.script;
    if (s) {
      const argv = [...argvOf(s), name];
      const file = argv.shift()!;
      const ids = await resolveIds(s.user ?? this.defaults.user, s.user ? s.group : this.defaults.group).catch((e: Error) => {
        this.warn(`notify fifo script ${file}: ${e.message}`);
        return {};
      });
      this.child = spawn(file, argv, { stdio: 'ignore', ...ids });
      this.child.on('error', (e) => this.warn(`notify fifo script ${file} failed`, e));
    }
    this.handle = await fsp.open(name, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  }

  /** Writes one line; a full FIFO (EAGAIN) drops it with a warning, as keepalived's non-blocking write does. */
  write(line: string): void {
    if (!this.handle) return;
    write(this.handle.fd, line, (e) => e && this.warn(`write to notify fifo ${this.model.name}`, e));
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.created) await fsp.unlink(this.model.name).catch(() => undefined);
    this.created = false;
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }
}
