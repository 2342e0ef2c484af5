// Unit tests of the line-level pieces of the keepalived.conf front end: SrcText, decomment, brace split, words,
// quoted/escaped script words, globbing, brace expansion, include lines and the ~SEQ/~LST parsers.
import t from 'tap';
import { braceSplit, decomment, splitQuotedEscaped, SrcText, tokenize } from '../../src/config/lexer';
import { fnmatch, memoryLoader } from '../../src/config/loader';
import { braceExpand, includeCheckSet, IncludeCheck, parseIncludeLine } from '../../src/config/include';
import { parseLst, parseSeq, strtol0 } from '../../src/config/generators';

const L = (s: string, line = 1) => SrcText.at(s, { file: 'f', line, col: 1 });

t.test('SrcText keeps source columns through slice, concat and splice', async (t) => {
  const a = L('hello world');
  t.same(a.slice(6).locAt(0), { file: 'f', line: 1, col: 7 });
  const b = SrcText.at('XY', { file: 'g', line: 5, col: 3 });
  const c = a.splice(6, 11, b);
  t.equal(c.text, 'hello XY');
  t.same(c.locAt(6), { file: 'g', line: 5, col: 3 });
  t.same(c.locAt(7), { file: 'g', line: 5, col: 4 });
  t.same(c.locAt(2), { file: 'f', line: 1, col: 3 });
  t.equal(c.slice(7).text, 'Y');
  t.same(c.slice(7).locAt(0), { file: 'g', line: 5, col: 4 });
});

t.test('decomment mirrors lib/parser.c decomment()', async (t) => {
  const d = (s: string) => decomment(L(s));
  t.equal(d('  router_id a # comment').text.text, 'router_id a');
  t.equal(d('router_id a ! comment').text.text, 'router_id a');
  t.equal(d('router_id a#b').text.text, 'router_id a', 'a comment may start inside a word');
  t.equal(d('script "a # b ! c" # x').text.text, 'script "a # b ! c"', 'not inside double quotes');
  t.equal(d("script 'a # b'").text.text, "script 'a", 'single quotes do not protect');
  t.equal(d('x \\# y').text.text, 'x # y', '\\# outside quotes is a literal #');
  t.equal(d('x "\\# y"').text.text, 'x "\\# y"', 'escapes inside quotes are left alone');
  t.equal(d('# whole line').text.text, '');
  t.equal(d('\t  ').text.text, '');
  const c = d('$X=abc   \\');
  t.equal(c.text.text, '$X=abc\\');
  t.equal(c.cont, true);
  t.equal(d('a # comment \\').text.text, 'a\\', 'a trailing backslash survives a comment (as in keepalived)');
  const q = d('x "abc');
  t.equal(q.openQuote, 2);
  t.equal(d('x "a\\"b"').openQuote, undefined, 'an escaped quote does not toggle');
  t.same(d('   abc').text.locAt(0), { file: 'f', line: 1, col: 4 });
  t.same(d('a \\#b').text.locAt(2), { file: 'f', line: 1, col: 4 }, 'column after a removed backslash');
});

t.test('braceSplit puts each brace on its own line', async (t) => {
  const split = (s: string) => {
    const out: string[] = [];
    let cur: SrcText | undefined = L(s);
    while (cur) {
      const r = braceSplit(cur);
      out.push(r.line.text);
      cur = r.residue;
    }
    return out;
  };
  t.same(split('vrrp_instance VI_1 {'), ['vrrp_instance VI_1', '{']);
  t.same(split('a { b c }'), ['a', '{', 'b c', '}']);
  t.same(split('}}'), ['}', '}']);
  t.same(split('} }  x'), ['}', '}', 'x']);
  t.same(split('{a'), ['{', 'a']);
  t.same(split('script "x { y }" {'), ['script "x { y }"', '{']);
  t.same(split('script "x { y'), ['script "x { y'], 'an unterminated quote stops the search');
  t.same(split('a{b'), ['a', '{', 'b']);
});

t.test('tokenize mirrors alloc_strvec_r()', async (t) => {
  const w = (s: string) => tokenize(L(s)).tokens.map((x) => [x.text, !!x.quoted]);
  t.same(w('a  b\tc'), [['a', false], ['b', false], ['c', false]]);
  t.same(w('script "/bin/x a b"'), [['script', false], ['/bin/x a b', true]]);
  t.same(w('a"b c"d'), [['a', false], ['b c', true], ['d', false]]);
  t.same(w('x ""'), [['x', false], ['', true]]);
  const r = tokenize(L('x "abc'));
  t.same(r.tokens.map((x) => x.text), ['x']);
  t.same(r.unmatchedQuote, { file: 'f', line: 1, col: 3 });
  t.same(tokenize(L('  ab cd')).tokens[1].loc, { file: 'f', line: 1, col: 6 });
});

t.test('splitQuotedEscaped mirrors alloc_strvec_quoted_escaped()', async (t) => {
  t.same(splitQuotedEscaped(`/bin/x "a b" 'c d' e\\ f`), { words: ['/bin/x', 'a b', 'c d', 'e f'] });
  t.same(splitQuotedEscaped(`a"b c"d`), { words: ['ab cd'] });
  t.same(splitQuotedEscaped(`"\\x41\\101\\n\\t\\cA\\E\\q"`), { words: ['AA\n\t\x01\x1bq'] });
  t.same(splitQuotedEscaped(`'it''s'`), { words: ['its'] });
  t.ok('error' in splitQuotedEscaped(`"abc`));
  t.ok('error' in splitQuotedEscaped(`abc\\`));
});

t.test('fnmatch and the memory loader glob like glob(3) with GLOB_MARK', async (t) => {
  t.ok(fnmatch('*.conf', 'a.conf'));
  t.notOk(fnmatch('*.conf', '.a.conf'), 'leading dot needs an explicit dot');
  t.ok(fnmatch('[ab].c', 'b.c'));
  t.notOk(fnmatch('[!ab].c', 'b.c'));
  t.ok(fnmatch('[[:digit:]]x', '7x'));
  t.ok(fnmatch('a\\*', 'a*'));
  t.ok(fnmatch('?', 'x'));
  const m = memoryLoader({ '/e/k/b.conf': '', '/e/k/a.conf': '', '/e/k/z.txt': '', '/e/k/sub/c.conf': '' });
  t.same(m.glob('/e/k/*.conf'), ['/e/k/a.conf', '/e/k/b.conf']);
  t.same(m.glob('/e/k/*'), ['/e/k/a.conf', '/e/k/b.conf', '/e/k/sub/', '/e/k/z.txt']);
  t.same(m.glob('/e/k/*/*.conf'), ['/e/k/sub/c.conf']);
  t.same(m.glob('/e/k/nope.conf'), []);
  t.same(m.glob('/e/k/a.conf'), ['/e/k/a.conf']);
  t.same(m.glob('/e/k/sub'), ['/e/k/sub/']);
});

t.test('braceExpand follows glibc GLOB_BRACE', async (t) => {
  t.same(braceExpand('d/{z,a}.conf'), ['d/z.conf', 'd/a.conf']);
  t.same(braceExpand('d/{a,{b,z}}.conf'), ['d/a.conf', 'd/b.conf', 'd/z.conf']);
  t.same(braceExpand('d/{x}'), ['d/x']);
  t.same(braceExpand('d/{x'), ['d/{x'], 'unbalanced: literal');
  t.same(braceExpand('d/\\{x,y}'), ['d/\\{x,y}'], 'escaped brace');
  t.same(braceExpand('{a,b}{1,2}'), ['a1', 'a2', 'b1', 'b2']);
});

t.test('include lines and include_check', async (t) => {
  t.same(parseIncludeLine('include /etc/x.conf'), { type: 0, pattern: '/etc/x.conf' });
  t.same(parseIncludeLine('includem  a b'), { type: IncludeCheck.Read | IncludeCheck.Match, pattern: 'a b' });
  t.same(parseIncludeLine('includea x')?.type, 15);
  t.same(parseIncludeLine('includew x')?.type, 7);
  t.same(parseIncludeLine('includeb x')?.type, 9);
  t.same(parseIncludeLine('includer x')?.type, 1);
  t.equal(parseIncludeLine('include'), undefined);
  t.equal(parseIncludeLine('includex y'), undefined);
  t.equal(parseIncludeLine('include_check read'), undefined);
  t.equal(includeCheckSet(0, []).value, 15);
  t.equal(includeCheckSet(0, ['match']).value, 3);
  t.equal(includeCheckSet(3, ['+brace_match']).value, 11);
  t.equal(includeCheckSet(3, ['-read']).value, 2);
  t.equal(includeCheckSet(0, ['bogus']).errors.length, 1);
  t.equal(includeCheckSet(0, ['read', 'match']).errors.length, 1, 'a second plain word is a duplicate');
});

t.test('strtol with base 0', async (t) => {
  t.same(strtol0('0x1f)', 0), { value: 31, end: 4 });
  t.same(strtol0(' 017', 0), { value: 15, end: 4 });
  t.same(strtol0('-5,', 0), { value: -5, end: 2 });
  t.same(strtol0('abc', 0), { value: 0, end: 0 });
  t.same(strtol0('0', 0), { value: 0, end: 1 });
});

t.test('~SEQ parsing (add_seq)', async (t) => {
  const seq = (s: string) => {
    const r = parseSeq(L(s), (n) => n);
    if ('error' in r) return r.error;
    const g = r.gen;
    return g.kind === 'seq' ? [g.variable, g.next, g.step, g.last, g.hex, g.text.text] : 'lst';
  };
  t.same(seq('~SEQ(i,5) x $i'), ['i', 1, 1, 5, false, 'x $i']);
  t.same(seq('~SEQ(i,-3) x'), ['i', -1, -1, -3, false, 'x']);
  t.same(seq('~SEQ(i,0) x'), ['i', 1, -1, 0, false, 'x']);
  t.same(seq('~SEQ( i , 5 , 2 ) x'), ['i', 5, -1, 2, false, 'x']);
  t.same(seq('~SEQ(i,1,2,9)   x'), ['i', 1, 2, 9, false, 'x']);
  t.same(seq('~SEQx(a,0x90,0x10,0xc0) y'), ['a', 0x90, 0x10, 0xc0, true, 'y']);
  t.match(seq('~SEQ(i,1,-1,9) x'), /Invalid ~SEQ values/);
  t.match(seq('~SEQ(i,1,0,9) x'), /Invalid ~SEQ values/);
  t.match(seq('~SEQ(i) x'), /Invalid ~SEQ definition/);
  t.match(seq('~SEQ i,1) x'), /Invalid ~SEQ/);
  t.match(seq('~SEQ(i,1,2,3,4) x'), /Invalid ~SEQ definition/);
  t.match(seq('~SEQ(i,1 x'), /Invalid ~SEQ definition/);
  t.match(seq('~SEQx(i,-1,1) x'), /only valid for positive/);
  t.match(seq('~SEQ(i,' + '1'.repeat(70) + ') x'), /too long/);
});

t.test('~LST parsing (add_lst)', async (t) => {
  const lst = (s: string) => {
    const r = parseLst(L(s));
    if ('error' in r) return r.error;
    const g = r.gen;
    return g.kind === 'lst' ? [g.params, g.sets, g.text.text] : 'seq';
  };
  t.same(lst('~LST(IP, 1, 2, 3) x'), [['IP'], [['1'], ['2'], ['3']], 'x']);
  t.same(lst('~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}'), [['IP', 'IP1'], [['10', '1'], ['20', '4']], '192.168.${IP}.${IP1}']);
  t.same(lst('~LST({a,b,c},{1},{2,3}) z'), [['a', 'b', 'c'], [['1', '', ''], ['2', '3', '']], 'z']);
  t.match(lst('~LST({a},{1,2}) z'), /too many values/);
  t.match(lst('~LST(a) z'), /Invalid ~LST/);
  t.match(lst('~LSTa,1) z'), /Invalid ~LST/);
});
