// Differential check of parseTree() against the real keepalived 2.2.7: for tricky small configs, `keepalived -t`
// exits 0 exactly when we report no error diagnostics. Skipped when keepalived is not installed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTree } from '../../src/config/tree';
import { fsLoader } from '../../src/config/loader';
import { formatDiagnostic } from '../../src/config/types';

const KEEPALIVED = ['/usr/sbin/keepalived', '/usr/local/sbin/keepalived'].find((p) => fs.existsSync(p));
const ID = 'node1';

interface Case {
  name: string;
  conf: string;
  /** extra files next to keepalived.conf */
  files?: Record<string, string>;
  /** file modes to set (relative name to mode) */
  modes?: Record<string, number>;
  /** whether keepalived -t fails (documents the expectation; the test checks both programs against it) */
  fails: boolean;
}

const G = (body: string) => `global_defs {\n${body}\n}\n`;

const cases: Case[] = [
  { name: 'plain block', conf: G(' router_id a'), fails: false },
  { name: 'brace on the next line', conf: 'global_defs\n{\n router_id a\n}\n', fails: false },
  { name: 'block on one line', conf: 'global_defs { router_id a }\n', fails: false },
  { name: 'no blanks around braces', conf: 'global_defs{router_id a}\n', fails: false },
  { name: 'two closing braces on a line', conf: 'global_defs {\n notification_email {\n a@b.c\n}}\n', fails: false },
  { name: 'value list on one line', conf: 'global_defs {\n notification_email { a@b.c d@e.f }\n}\n', fails: false },
  { name: 'comments of both kinds, mid-line', conf: '# c\n! c\nglobal_defs { # c\n router_id a! c\n smtp_server 10.0.0.1#c\n}\n', fails: false },
  { name: 'escaped comment characters', conf: G(' router_id a\\#b'), fails: false },
  { name: 'quoted comment characters', conf: G(' router_id "a#b!c"'), fails: false },
  { name: 'parameter', conf: '$R=abc\n' + G(' router_id $R'), fails: false },
  { name: 'parameter in braces', conf: '$R=abc\n' + G(' router_id ${R}x'), fails: false },
  { name: 'undefined parameter is left as is', conf: G(' router_id $NOPE'), fails: false },
  { name: 'multiline definition of a block', conf: '$GD= \\\nglobal_defs { \\\n router_id m \\\n}\n$GD\n', fails: false },
  { name: '~SEQ in a value list', conf: G(' notification_email {\n  ~SEQ(i,1,3) a${i}@b.c\n }'), fails: false },
  { name: '~LST in a value list', conf: G(' notification_email {\n  ~LST({u,d},{a,b.c},{x,y.z}) ${u}@${d}\n }'), fails: false },
  { name: '@id lines', conf: G('@node1 router_id a\n@other router_id b\n@^other smtp_server 10.0.0.1'), fails: false },
  { name: 'include with a glob, relative to the file', conf: 'include conf.d/*.conf\n', files: { 'conf.d/a.conf': G(' router_id a'), 'conf.d/b.txt': '}\n' }, fails: false },
  { name: 'include with braces', conf: 'include {x,y}.inc\n', files: { 'x.inc': G(' router_id a'), 'y.inc': '$Z=1\n' }, fails: false },
  { name: 'plain include of a missing file only logs', conf: 'include nothere.conf\n' + G(' router_id a'), fails: false },
  { name: 'block spanning an include', conf: 'global_defs {\ninclude body.inc\n}\n', files: { 'body.inc': ' router_id a\n' }, fails: false },
  { name: 'CRLF line ends', conf: 'global_defs {\r\n router_id a\r\n}\r\n', fails: false },
  { name: 'quoted brace is a value', conf: G(' router_id "{"'), fails: false },
  { name: '@^id lines', conf: G('@^node1 router_id a\n@^other router_id b'), fails: false },
  { name: 'plain include of a directory only logs', conf: 'include sub\n' + G(' router_id a'), files: { 'sub/x': '' }, fails: false },
  { name: 'plain include skips an executable file', conf: 'include x.inc\n' + G(' router_id a'), files: { 'x.inc': '}\n' }, modes: { 'x.inc': 0o755 }, fails: false },
  { name: 'parameter as ~SEQ bound', conf: '$N=2\n' + G(' notification_email {\n  ~SEQ(i,$N) a${i}@b.c\n }'), fails: false },
  { name: 'nested multiline definitions', conf: '$IN=router_id b \\\nsmtp_server 10.0.0.1\n$OUT= \\\nglobal_defs { \\\n$IN \\\n}\n$OUT\n', fails: false },
  { name: 'includer of a directory', conf: 'includer sub\n' + G(' router_id a'), files: { 'sub/x': '' }, fails: true },
  { name: 'includer of an executable file', conf: 'includer x.inc\n' + G(' router_id a'), files: { 'x.inc': '' }, modes: { 'x.inc': 0o755 }, fails: true },
  { name: 'include_check in an included file ends with that file', conf: 'include strict.inc\ninclude nothere.conf\n', files: { 'strict.inc': G(' include_check\n router_id a') }, fails: false },
  { name: 'include_check applies to includes after it in the same file', conf: G(' include_check\n router_id a') + 'include {x,nope}.inc\n', files: { 'x.inc': '' }, fails: true },
  { name: 'value list missing its { (braces then unbalanced)', conf: G(' notification_email\n a@b.c\n }'), fails: true },
  { name: 'value list missing its { with balanced braces', conf: G(' notification_email\n a@b.c'), fails: false },
  { name: 'value list missing its { at the end of the file', conf: G(' router_id a') + 'static_ipaddress\n', fails: false },
  { name: 'a block after a keyword that takes none', conf: G(' router_id a {\n }'), fails: true },
  { name: 'an unknown top-level block', conf: 'foo {\n}\n' + G(' router_id a'), fails: true },
  { name: 'extra closing brace', conf: G(' router_id a') + '}\n', fails: true },
  { name: 'missing closing brace', conf: 'global_defs {\n router_id a\n', fails: true },
  { name: 'missing opening brace', conf: 'global_defs\n router_id a\n}\n', fails: true },
  { name: 'unexpected opening brace', conf: '{\n' + G(' router_id a'), fails: true },
  { name: 'unterminated quote', conf: G(' router_id "a b'), fails: true },
  { name: 'includem of a missing file', conf: 'includem nothere.conf\n' + G(' router_id a'), fails: true },
  { name: 'include_check makes include strict', conf: G(' include_check\n router_id a') + 'include nothere.conf\n', fails: true },
  { name: 'includeb with a missing alternative', conf: 'includeb {x,nope}.inc\n', files: { 'x.inc': G(' router_id a') }, fails: true },
  { name: 'invalid ~SEQ', conf: G(' notification_email {\n  ~SEQ(i,1,0,3) a${i}@b.c\n }'), fails: true },
  { name: '~LST with too many values', conf: G(' notification_email {\n  ~LST({u},{a,b}) ${u}@b.c\n }'), fails: true },
  { name: '@other drops the line with its brace', conf: '@other global_defs {\n router_id a\n}\n', fails: true },
  { name: '${_RANDOM n m} mid-line garbles the line', conf: G(' router_id ${_RANDOM 1 1} x'), fails: true },
];

t.test('keepalived -t agrees on whether a config has errors', { skip: KEEPALIVED ? false : 'keepalived not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-lexer-diff-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  cases.forEach((c, i) => {
    const d = path.join(dir, `c${i}`);
    fs.mkdirSync(d);
    const conf = path.join(d, 'keepalived.conf');
    fs.writeFileSync(conf, c.conf);
    for (const [name, text] of Object.entries(c.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
      fs.writeFileSync(path.join(d, name), text);
    }
    for (const [name, mode] of Object.entries(c.modes ?? {})) fs.chmodSync(path.join(d, name), mode);
    const run = spawnSync(KEEPALIVED!, ['-t', '-i', ID, '-f', conf], { encoding: 'utf8', timeout: 20000 });
    const kaFails = run.status !== 0;
    const ours = parseTree(conf, fsLoader, { configId: ID });
    const errors = ours.diagnostics.filter((x) => x.severity === 'error');
    const detail = `keepalived rc=${run.status} stderr=${JSON.stringify(run.stderr.split('\n').slice(0, 4))}; ours: ${JSON.stringify(ours.diagnostics.map(formatDiagnostic))}`;
    t.equal(kaFails, c.fails, `${c.name}: keepalived -t ${c.fails ? 'fails' : 'passes'} (${detail})`);
    t.equal(errors.length > 0, c.fails, `${c.name}: we ${c.fails ? 'report' : 'do not report'} errors (${detail})`);
  });
});

/** A tiny deterministic generator of small global_defs configs with one random syntax mutation. */
function mutatedConfigs(seed: number, n: number): string[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const pieces = [
    ' router_id r1', ' smtp_server 10.0.0.1', ' smtp_connect_timeout 30', ' notification_email_from a@b.c',
    ' notification_email {\n  a@b.c\n  d@e.f\n }', ' notification_email { x@y.z }', ' router_id "q r"', `@${ID} router_id n1`,
    '@other router_id o1', ' router_id $P', '$P=pp', ' # comment', ' ! c', ' notification_email {\n  ~SEQ(i,1,2) u${i}@b.c\n }',
    ' router_id a # c',
  ];
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const body = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => pick(pieces)).join('\n');
    let conf = pick(['$P=v\n', '# x\n', 'include nothere.conf\n', '', '']) + `global_defs {\n${body}\n}\n`;
    const at = (ch: string) => [...conf].flatMap((c, i) => (c === ch ? [i] : []));
    const del = (ch: string) => {
      const c = at(ch);
      if (c.length) {
        const i = pick(c);
        conf = conf.slice(0, i) + conf.slice(i + 1);
      }
    };
    const ins = (str: string) => {
      const i = pick(at('\n'));
      conf = conf.slice(0, i + 1) + str + conf.slice(i + 1);
    };
    const m = Math.floor(rnd() * 8);
    if (m === 1) del('{');
    else if (m === 2) del('}');
    else if (m === 3) del('"');
    else if (m === 4) ins('}\n');
    else if (m === 5) ins('{\n');
    else if (m === 6) ins(' "x\n');
    out.push(conf);
  }
  return out;
}

t.test('keepalived -t agrees on randomly broken configs', { skip: KEEPALIVED ? false : 'keepalived not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-lexer-mut-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'keepalived.conf');
  for (const text of mutatedConfigs(20261125, 80)) {
    fs.writeFileSync(conf, text);
    const run = spawnSync(KEEPALIVED!, ['-t', '-i', ID, '-f', conf], { encoding: 'utf8', timeout: 20000 });
    const ours = parseTree(conf, fsLoader, { configId: ID });
    const errors = ours.diagnostics.filter((x) => x.severity === 'error');
    t.equal(errors.length > 0, run.status !== 0, `${JSON.stringify(text)}: keepalived rc=${run.status} ${JSON.stringify(run.stderr.split('\n').slice(0, 3))}; ours ${JSON.stringify(ours.diagnostics.map(formatDiagnostic))}`);
  }
});
