// Property tests of parseTree(): any token/whitespace/comment/brace layout of a tree parses back to that tree with
// token locations pointing at the source, and no input whatsoever makes it throw or hang.
import t from 'tap';
import fc from 'fast-check';
import { parseTree } from '../../src/config/tree';
import { memoryLoader } from '../../src/config/loader';
import type { ConfNode } from '../../src/config/types';

interface GenNode {
  keyword: string;
  args: { text: string; quoted: boolean }[];
  children?: GenNode[];
}

const show = (nodes: { keyword: string; args: { text: string }[]; children?: unknown[] }[]): string =>
  nodes
    .map((n) => [n.keyword, ...n.args.map((a) => a.text)].join(' ') + (n.children ? ` { ${show(n.children as GenNode[])} }` : ''))
    .join('; ');

const wordChars = 'abcdefghijklmnopqrstuvwxyz0123456789_./:-'.split('');
const word = fc.array(fc.constantFrom(...wordChars), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const keyword = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'.split('')), fc.array(fc.constantFrom(...wordChars), { maxLength: 8 }))
  .map(([a, b]) => a + b.join(''))
  .filter((k) => !k.startsWith('include'));
// quoted words may hold blanks, braces and comment characters, but not '"', '\' or '$'
const quotedChars = [...wordChars, ' ', '\t', '{', '}', '#', '!', "'", '@', '~', '(', ')', ','];
const quoted = fc.array(fc.constantFrom(...quotedChars), { maxLength: 10 }).map((a) => a.join(''));
const arg = fc.oneof(word.map((text) => ({ text, quoted: false })), quoted.map((text) => ({ text, quoted: true })));

const nodeAt = (depth: number): fc.Arbitrary<GenNode> =>
  fc.record({
    keyword,
    args: fc.array(arg, { maxLength: 4 }),
    children: depth === 0 ? fc.constant(undefined) : fc.option(fc.array(nodeAt(depth - 1), { maxLength: 3 }), { nil: undefined }),
  });
const tree: fc.Arbitrary<GenNode[]> = fc.array(nodeAt(3), { minLength: 1, maxLength: 5 });

type Item = { kind: 'line'; node: GenNode } | { kind: 'open' } | { kind: 'close' };

function items(nodes: GenNode[], out: Item[] = []): Item[] {
  for (const n of nodes) {
    out.push({ kind: 'line', node: n });
    if (n.children) {
      out.push({ kind: 'open' });
      items(n.children, out);
      out.push({ kind: 'close' });
    }
  }
  return out;
}

/** Layout choices: blanks between words, separators between items, comments, indentation, line ends. */
const layout = fc.record({
  blanks: fc.array(fc.constantFrom(' ', '  ', '\t', ' \t '), { minLength: 1, maxLength: 8 }),
  seps: fc.array(fc.nat(5), { minLength: 1, maxLength: 50 }),
  comments: fc.array(fc.array(fc.constantFrom(...'abc {}"#!$@~;'.split('')), { maxLength: 8 }).map((a) => a.join('')), { minLength: 1, maxLength: 5 }),
  crlf: fc.boolean(),
});

function render(nodes: GenNode[], l: { blanks: string[]; seps: number[]; comments: string[]; crlf: boolean }): string {
  const its = items(nodes);
  let k = 0;
  const pick = <T>(a: T[]) => a[k++ % a.length];
  const nl = l.crlf ? '\r\n' : '\n';
  let s = pick(l.blanks);
  its.forEach((it, i) => {
    if (it.kind === 'line') {
      const words = [it.node.keyword, ...it.node.args.map((a) => (a.quoted ? `"${a.text}"` : a.text))];
      s += words.map((w, j) => (j ? pick(l.blanks) : '') + w).join('');
    } else s += it.kind === 'open' ? '{' : '}';
    const next = its[i + 1];
    if (!next) return;
    const braceBoundary = it.kind !== 'line' || next.kind !== 'line';
    const choice = pick(l.seps);
    if (braceBoundary && choice === 0) s += '';
    else if (braceBoundary && choice === 1) s += pick(l.blanks);
    else if (choice === 2) s += pick(l.blanks) + (k % 2 ? '#' : '!') + pick(l.comments) + nl + pick(l.blanks);
    else if (choice === 3) s += nl + nl + pick(l.blanks) + '# ' + pick(l.comments) + nl;
    else s += pick(l.blanks) + nl + pick(l.blanks);
  });
  return s + nl;
}

t.test('any layout of a tree parses back to the same tree', async (t) => {
  fc.assert(
    fc.property(tree, layout, (nodes, l) => {
      const text = render(nodes, l);
      const r = parseTree('/k.conf', memoryLoader({ '/k.conf': text }), { configId: 'x' });
      // arbitrary keywords at the top level with a block are errors for keepalived (unknown keyword / unexpected '{')
      const unexpected = r.diagnostics.filter((d) => d.code !== 'E_UNEXPECTED_BRACE');
      if (unexpected.length) throw new Error(`diagnostics ${JSON.stringify(unexpected)} for ${JSON.stringify(text)}`);
      if (r.diagnostics.length !== nodes.filter((n) => n.children).length) throw new Error(`E_UNEXPECTED_BRACE count for ${JSON.stringify(text)}`);
      const got = show(r.nodes);
      const want = show(nodes);
      if (got !== want) throw new Error(`got ${got}\nwant ${want}\nfor ${JSON.stringify(text)}`);
      // every word's location points at the word (or its opening quote) in the source
      const lines = text.split('\n');
      const check = (ns: ConfNode[]) => {
        for (const n of ns) {
          for (const tok of [{ text: n.keyword, loc: n.loc, quoted: false }, ...n.args]) {
            const src = lines[tok.loc.line - 1].slice(tok.loc.col - 1);
            const expect = tok.quoted ? `"${tok.text}"` : tok.text;
            if (!src.startsWith(expect)) throw new Error(`token ${JSON.stringify(tok)} not at its location in ${JSON.stringify(text)}`);
          }
          if (n.children) check(n.children);
        }
      };
      check(r.nodes);
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('round trip');
});

const junkChars = ['{', '}', '"', "'", '#', '!', '$', '@', '^', '~', '\\', '\n', '\n', '\n', '\r', '\t', ' ', ' ', ' ', '(', ')', ',', '=', 'a', 'b', 'x', '0', '1', '9', '_', '/', '*', '?', '['];
const junkTokens = ['~SEQ(', '~SEQx(', '~LST(', '~LST({', 'include ', 'includem ', 'includea ', '$A=', '$B=', '$A', '${A}', '${_RANDOM 1 2}', '${_PWD}', '${_HASH}', '@x ', '@^x ', '\\\n', 'global_defs', 'include_check', '*.conf', '{a,b}'];
const junk = fc
  .array(fc.oneof(fc.constantFrom(...junkChars), fc.constantFrom(...junkTokens)), { maxLength: 120 })
  .map((a) => a.join(''));

t.test('no input throws or hangs', async (t) => {
  fc.assert(
    fc.property(junk, junk, fc.constantFrom('x', 'y'), (a, b, id) => {
      const files = { '/d/k.conf': a, '/d/a.conf': b, '/d/b.conf': a + b };
      const t0 = Date.now();
      const r = parseTree('/d/k.conf', memoryLoader(files, '/d'), { configId: id, randomSeed: 1 });
      if (Date.now() - t0 > 5000) throw new Error(`slow: ${JSON.stringify(files)}`);
      for (const d of r.diagnostics) {
        if (d.code === 'E_INTERNAL') throw new Error(`${d.message} for ${JSON.stringify(files)}`);
        if (!d.loc || typeof d.loc.line !== 'number' || typeof d.loc.col !== 'number' || !d.loc.file) {
          throw new Error(`diagnostic without a location: ${JSON.stringify(d)}`);
        }
      }
      return true;
    }),
    { numRuns: 1500 },
  );
  t.pass('robust');
});
