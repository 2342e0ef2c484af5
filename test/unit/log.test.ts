// Logger: JSON by default, text mode, -D level, secrets redacted.
import t from 'tap';
import { PassThrough } from 'stream';
import { createLogger, formatTextLine } from '../../src/util/log';

function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d: Buffer) => (buf += d.toString()));
  return { stream, lines: () => buf.split('\n').filter(Boolean) };
}

t.test('json lines by default, info level', async (t) => {
  const c = capture();
  const log = createLogger({ stream: c.stream, format: 'json' });
  log.debug('hidden');
  log.info({ vrid: 51 }, 'entering MASTER');
  await new Promise((r) => setImmediate(r));
  const lines = c.lines();
  t.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]);
  t.equal(rec.msg, 'entering MASTER');
  t.equal(rec.vrid, 51);
});

t.test('-D enables debug', async (t) => {
  const c = capture();
  const log = createLogger({ stream: c.stream, format: 'json', detail: true });
  log.debug('shown');
  await new Promise((r) => setImmediate(r));
  t.equal(c.lines().length, 1);
});

t.test('text mode and redaction', async (t) => {
  const c = capture();
  const log = createLogger({ stream: c.stream, format: 'text', name: 'vrrp' });
  log.warn({ instance: { name: 'VI_1', authPass: 'secret1' } }, 'bad advert');
  await new Promise((r) => setImmediate(r));
  const [line] = c.lines();
  t.match(line, /WARN  \[vrrp\] bad advert instance=/);
  t.notMatch(line, /secret1/);
  t.match(line, /\[redacted\]/);
});

t.test('formatTextLine renders errors and quotes values with spaces', async (t) => {
  const line = formatTextLine({ level: 50, time: 0, msg: 'apply failed', err: { code: 'EEXIST', message: 'File exists' }, svc: 'TCP 10.0.0.1:80', n: 3 });
  t.equal(line, '1970-01-01 00:00:00.000 ERROR apply failed err="EEXIST: File exists" svc="TCP 10.0.0.1:80" n=3\n');
});
