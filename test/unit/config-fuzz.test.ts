// Fuzzing the whole configuration front end (preprocessor, tree, model) with mutated copies of
// keepalived's own samples: only diagnostics with a location may come out; no exception, no hang.
// The seed is printed; replay with LVSK_FUZZ_SEED=<seed>. LVSK_FUZZ_N sets the count (default 10,000).
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../src/config/index';
import { memoryLoader } from '../../src/config/loader';

const SAMPLES = path.join(__dirname, '../../../shared/corpus/keepalived-samples');
const N = Number(process.env.LVSK_FUZZ_N ?? 10000);
const seed = Number(process.env.LVSK_FUZZ_SEED ?? Date.now() % 2 ** 31);

function rng(s: number): () => number {
  // mulberry32
  return () => {
    s |= 0;
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '{', '}', '{ }', '"', '\\', '\\\n', '"\\"', '#', '!', '\n', ' ', '\t', '$X=1', '$Y=${X}${X}', '${X}', '$X', '${Y', '${_RANDOM 1 5}',
  '${_PWD}', '${_INSTANCE}', '${_HASH}', '${_BANG}', '${_ENV HOME}', '~SEQ(a,1,3) ', '~SEQ(b,1,-1,5) ', '~SEQx(c,0x10,0x12) ', '~LST(d,x,y) ',
  '~SEQ(', '@lb1 ', '@^lb1 ', '@', 'include /etc/k/inc.conf\n', 'include /etc/k/*.conf\n', 'include /etc/k/{a,b}.conf\n', 'include\n',
  '-1', '0', '256', '4294967296', '99999999999999999999', '1.5', '.', '::', '10.0.0.1/33', 'fe80::1%eth0', '10.1.1.1 dev eth0 label eth0:1',
  'vrrp_instance X {\n', 'virtual_server 10.0.0.1 80 {\n', 'real_server 10.0.0.2 80 {\n', 'HTTP_GET {\n', 'url {\n', 'global_defs {\n',
  'priority', 'weight', 'delay_loop', 'lb_algo', 'lb_kind', 'virtual_router_id', 'advert_int', 'state', 'interface', 'authentication {',
  'status_code 200-299,301', 'digest', 'track_script {', 'notify_master "/bin/true x"', 'ÿ', '\u0000', '\r\n',
];

function mutate(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(at + Math.floor(r() * 40));
        break;
      case 1: // insert a piece
      case 2:
        s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + s.slice(at);
        break;
      case 3: { // duplicate a line
        const lines = s.split('\n');
        const k = Math.floor(r() * lines.length);
        lines.splice(k, 0, lines[k]);
        s = lines.join('\n');
        break;
      }
      case 4: { // swap two lines
        const lines = s.split('\n');
        const a = Math.floor(r() * lines.length);
        const b = Math.floor(r() * lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        s = lines.join('\n');
        break;
      }
      case 5: // truncate
        s = s.slice(0, at);
        break;
      default: // random byte
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at);
    }
  }
  return s;
}

const samples = fs.existsSync(SAMPLES) ? fs.readdirSync(SAMPLES).sort().map((f) => fs.readFileSync(path.join(SAMPLES, f), 'utf8')) : [];

t.test(`fuzz ${N} mutated configurations (seed ${seed})`, { skip: samples.length === 0 ? 'corpus missing' : false }, async (t) => {
  t.comment(`seed ${seed}: replay with LVSK_FUZZ_SEED=${seed}`);
  const r = rng(seed);
  let diagnostics = 0;
  let slowest = 0;
  let failures = 0;
  for (let i = 0; i < N && failures < 5; i++) {
    const main = mutate(samples[Math.floor(r() * samples.length)], r);
    const files: Record<string, string> = {
      '/etc/k/keepalived.conf': main,
      '/etc/k/inc.conf': mutate(samples[Math.floor(r() * samples.length)], r),
      '/etc/k/a.conf': 'include /etc/k/b.conf\n',
      '/etc/k/b.conf': 'include /etc/k/a.conf\n',
    };
    const t0 = process.hrtime.bigint();
    let res;
    try {
      res = parseConfig('/etc/k/keepalived.conf', memoryLoader(files, '/etc/k'), { configId: 'lb1', randomSeed: 1 });
    } catch (e) {
      failures++;
      t.fail(`case ${i} threw: ${(e as Error).stack}`, { input: main.slice(0, 2000) });
      continue;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    slowest = Math.max(slowest, ms);
    if (ms > 2000) {
      failures++;
      t.fail(`case ${i} took ${ms.toFixed(0)} ms`, { input: main.slice(0, 2000) });
    }
    for (const d of res.diagnostics) {
      diagnostics++;
      if (d.code === 'E_INTERNAL' || !d.loc || !d.loc.file || !(d.loc.line >= 1)) {
        failures++;
        t.fail(`case ${i}: diagnostic without a location or internal: ${JSON.stringify(d).slice(0, 500)}`, { input: main.slice(0, 2000) });
        break;
      }
    }
  }
  t.equal(failures, 0, `no exception, no hang, every diagnostic located (${diagnostics} diagnostics, slowest ${slowest.toFixed(1)} ms)`);
});
