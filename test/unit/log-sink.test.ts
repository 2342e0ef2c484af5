// The daemon's batching log sink over a real FIFO: lines wait for the flush interval and leave in one write, a
// full pipe keeps the rest in order for later, a reader that is gone drops output without throwing.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { BatchedFdSink } from '../../src/util/log-sink';
import { createLogger } from '../../src/util/log';

function fifo(t: { teardown(fn: () => void): void }): { r: number; w: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-logsink-'));
  const p = path.join(dir, 'f');
  execFileSync('mkfifo', [p]);
  const r = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  t.teardown(() => {
    for (const fd of [r, w]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed by the test
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { r, w };
}

function drain(fd: number): string {
  const buf = Buffer.alloc(1 << 20);
  let out = '';
  for (;;) {
    try {
      const n = fs.readSync(fd, buf);
      if (n <= 0) return out;
      out += buf.toString('utf8', 0, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw e;
    }
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('lines wait for the flush interval, then go out together and in order', async (t) => {
  const { r, w } = fifo(t);
  const sink = new BatchedFdSink(w, 30);
  t.teardown(() => void sink.destroy());
  for (let i = 0; i < 100; i++) sink.write(`line ${i}\n`);
  t.equal(drain(r), '', 'nothing written yet');
  await sleep(80);
  const got = drain(r).split('\n').filter(Boolean);
  t.equal(got.length, 100);
  t.same(got.slice(0, 2), ['line 0', 'line 1']);
  t.equal(got.at(-1), 'line 99');
});

t.test('more than 16 KiB is written at once', async (t) => {
  const { r, w } = fifo(t);
  const sink = new BatchedFdSink(w, 10_000);
  t.teardown(() => void sink.destroy());
  const line = 'x'.repeat(99) + '\n';
  for (let i = 0; i < 200; i++) sink.write(line);
  t.ok(drain(r).length >= 16 * 1024, 'the high-water mark flushed without waiting for the timer');
});

t.test('a full pipe keeps the rest for later, in order', async (t) => {
  const { r, w } = fifo(t);
  const sink = new BatchedFdSink(w, 20);
  t.teardown(() => void sink.destroy());
  const lines = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, '0')} ${'y'.repeat(90)}\n`);
  for (const l of lines) sink.write(l); // ~290 KB: several times a pipe's 64 KiB
  let got = '';
  for (let k = 0; k < 100 && got.length < lines.join('').length; k++) {
    got += drain(r);
    await sleep(25);
  }
  t.equal(got, lines.join(''), 'every line, in order, nothing lost');
  t.equal(sink.dropped, 0);
});

t.test('a reader that is gone: output dropped, no exception', async (t) => {
  const { r, w } = fifo(t);
  fs.closeSync(r);
  const sink = new BatchedFdSink(w, 10);
  t.teardown(() => void sink.destroy());
  sink.write('lost\n');
  t.doesNotThrow(() => sink.flushNow());
  sink.write('also lost\n');
  t.ok(sink.dropped >= 2);
});

t.test('createLogger({ batched }) on a terminal-less descriptor is a sink shared per descriptor; a given stream is kept', async (t) => {
  const chunks: string[] = [];
  const log = createLogger({ batched: true, stream: { write: (s: string) => void chunks.push(s) } as unknown as NodeJS.WritableStream, format: 'json' });
  log.info('direct');
  t.match(chunks.join(''), /"msg":"direct"/, 'an explicit stream is used as is');
});
