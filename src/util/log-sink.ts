// A batching log destination for the daemon: lines go out in one write per LOG_FLUSH_MS (or per 16 KiB) instead of
// one write per line. Under checker load one write per line was the largest remaining cost in the checker process
// (bench/checkers, profiled in the VM). Writes are synchronous (fs.writeSync) so nothing is reordered within the
// stream, and what is buffered is written at exit. A full pipe (EAGAIN) keeps the data for the next flush (dropping
// the oldest beyond 1 MiB); a reader that is gone (EPIPE) or any other error drops the output, never the daemon.
import * as fs from 'fs';
import { Writable } from 'stream';

export const LOG_FLUSH_MS = 100;
const HIGH_WATER = 16 * 1024;
const MAX_PENDING = 1024 * 1024;
/** at exit, how long (ms) a full pipe is waited for */
const EXIT_WAIT_MS = 2000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class BatchedFdSink extends Writable {
  private chunks: string[] = [];
  /** the unwritten part of the last flush (a full pipe) */
  private rest: Buffer | undefined;
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private broken = false;
  private readonly onExit = (): void => this.flushNow(true);
  /** lines dropped (reader gone, or more than 1 MiB pending) */
  dropped = 0;

  constructor(
    private readonly fd: number,
    private readonly flushMs = LOG_FLUSH_MS,
  ) {
    super({ decodeStrings: false });
    process.once('exit', this.onExit);
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.push1(typeof chunk === 'string' ? chunk : chunk.toString());
    cb();
  }

  /** pino calls write() directly; skip the Writable machinery for each line. */
  override write(chunk: unknown, encOrCb?: unknown, cb?: unknown): boolean {
    this.push1(typeof chunk === 'string' ? chunk : String(chunk));
    const done = typeof encOrCb === 'function' ? encOrCb : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }

  private push1(s: string): void {
    if (this.broken) {
      this.dropped++;
      return;
    }
    this.chunks.push(s);
    this.size += s.length;
    if (this.size >= HIGH_WATER) this.flushNow();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushNow();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is buffered now; `blocking` (at exit) waits out a full pipe for up to EXIT_WAIT_MS. */
  flushNow(blocking = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size === 0 || this.broken) return;
    const fresh = Buffer.from(this.chunks.join(''));
    let buf = this.rest ? Buffer.concat([this.rest, fresh]) : fresh;
    this.rest = undefined;
    this.chunks = [];
    this.size = 0;
    let waited = 0;
    while (buf.length > 0) {
      let n: number;
      try {
        n = fs.writeSync(this.fd, buf);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN' && blocking && waited < EXIT_WAIT_MS) {
          Atomics.wait(sleeper, 0, 0, 1);
          waited++;
          continue;
        }
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN' && !blocking) {
          // a full non-blocking pipe: keep the rest for the next flush, bounded
          if (buf.length > MAX_PENDING) {
            buf = buf.subarray(buf.length - MAX_PENDING);
            this.dropped++;
          }
          this.rest = buf;
          this.size = buf.length;
          if (!this.timer) {
            this.timer = setTimeout(() => {
              this.timer = undefined;
              this.flushNow();
            }, this.flushMs);
            this.timer.unref();
          }
          return;
        }
        this.broken = true;
        this.dropped++;
        return;
      }
      buf = buf.subarray(n);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.flushNow(true);
    process.removeListener('exit', this.onExit);
    cb(err);
  }
}
