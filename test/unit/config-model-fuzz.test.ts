// Property: buildConfig never throws and every diagnostic it returns has a location, for random mutations of
// keepalived's samples and for random trees made of the keywords it knows (fast-check; seed printed on failure).
import t from 'tap';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { miniTree } from './helpers/mini-tree';
import { buildConfig, knownKeywords } from '../../src/config/build';
import type { ConfNode } from '../../src/config/types';

const DIR = path.join(__dirname, '../../../shared/corpus/keepalived-samples');
const SAMPLES = fs.readdirSync(DIR).map((f) => fs.readFileSync(path.join(DIR, f), 'utf8'));
const RUNS = Number(process.env.LVSK_MODEL_FUZZ_RUNS ?? 300);

const WORDS = [
  '{', '}', '0', '-1', '1.5', '256', '65536', '4294967296', '10.0.0.1', '10.0.0.1/24', 'fe80::1', '::', 'ff02::12',
  'weight', 'dev', 'eth0', 'brd', 'label', 'via', 'src', 'table', 'from', 'to', 'reverse', 'TUN', 'type', 'gue', 'port',
  'MASTER', 'BACKUP', 'PASS', 'AH', 'rr', 'sh', 'true', 'no', '"a b"', 'group', 'fwmark', 'inet6', '200-299,301', '',
  ...knownKeywords().map((k) => k.name),
];

function check(nodes: ConfNode[]): void {
  let out: ReturnType<typeof buildConfig>;
  try {
    out = buildConfig(nodes);
  } catch (e) {
    throw new Error(`threw: ${(e as Error).stack}`);
  }
  for (const d of out.diagnostics) {
    if (!d.loc) throw new Error(`diagnostic without location: ${d.code} ${d.message}`);
    if (d.code === 'E_INTERNAL') throw new Error(`internal error: ${d.message}`);
  }
  JSON.stringify(out.config);
}

t.test('mutated samples', async (t) => {
  const mutation = fc.record({
    sample: fc.nat({ max: SAMPLES.length - 1 }),
    edits: fc.array(
      fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), kind: fc.nat({ max: 3 }), word: fc.constantFrom(...WORDS), len: fc.nat({ max: 30 }) }),
      { minLength: 1, maxLength: 8 },
    ),
  });
  fc.assert(
    fc.property(mutation, ({ sample, edits }) => {
      let s = SAMPLES[sample]!;
      for (const e of edits) {
        const at = Math.floor(e.at * s.length);
        if (e.kind === 0) s = s.slice(0, at) + s.slice(at + e.len);
        else if (e.kind === 1) s = `${s.slice(0, at)} ${e.word} ${s.slice(at)}`;
        else if (e.kind === 2) s = `${s.slice(0, at)}\n${e.word}\n${s.slice(at)}`;
        else {
          const lines = s.split('\n');
          const k = Math.floor(e.at * lines.length);
          lines.splice(k, 0, lines[(k + e.len) % lines.length]!);
          s = lines.join('\n');
        }
      }
      check(miniTree(s, 'fuzz.conf'));
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} mutated samples`);
});

t.test('random keyword trees', async (t) => {
  const loc = { file: 'tree.conf', line: 1, col: 1 };
  const word = fc.constantFrom(...WORDS);
  const tree = fc.letrec<{ node: ConfNode }>((tie) => ({
    node: fc.record({
      keyword: word,
      args: fc.array(word.map((text) => ({ text, loc })), { maxLength: 4 }),
      loc: fc.constant(loc),
      children: fc.option(fc.array(tie('node'), { maxLength: 4 }), { nil: undefined, freq: 2 }),
    }, { requiredKeys: ['keyword', 'args', 'loc'] }) as fc.Arbitrary<ConfNode>,
  })).node;
  fc.assert(fc.property(fc.array(tree, { maxLength: 6 }), (nodes) => check(nodes)), { numRuns: RUNS });
  t.pass(`${RUNS} random trees`);
});

t.test('hostile inputs', async (t) => {
  check(undefined as unknown as ConfNode[]);
  check([{ keyword: 'virtual_server', args: [], loc: { file: 'x', line: 1, col: 1 }, children: [] }]);
  check([{ keyword: 'vrrp_instance', args: [{ text: 'V', loc: { file: 'x', line: 1, col: 15 } }], loc: { file: 'x', line: 1, col: 1 }, children: [{ keyword: 'track_script', args: [], loc: { file: 'x', line: 2, col: 1 } }] }]);
  t.pass();
});
