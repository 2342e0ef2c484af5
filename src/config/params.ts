// keepalived.conf parameters ($NAME=value, $NAME / ${NAME} references, multiline definitions, the ${_...} built-ins),
// following keepalived 2.2.7 lib/parser.c: check_definition(), find_definition(), replace_param(), set_std_definitions().
import { MAXBUF, SrcText } from './lexer';
import type { Loc } from './types';

export interface Definition {
  name: string;
  /** for a multiline definition, lines separated by '\n' (DEF_LINE_END) */
  value: SrcText;
  multiline: boolean;
  /** built-ins compute their value at each use */
  fn?: (params: number[] | undefined, at: Loc) => string;
  maxParams: number;
  /** where it was defined (undefined for built-ins) */
  loc?: Loc;
}

/** Where a multiline expansion continues: the definition's value text and the offset of the next line. */
export interface MultilinePtr {
  value: SrcText;
  off: number;
  /** the multiline definitions whose expansion produced this one, innermost last (recursion guard) */
  chain: readonly Definition[];
}

const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isNameChar = (c: string | undefined) => isAlpha(c) || isDigit(c) || c === '_';

/** A reference found at a '$' by find_definition(): the definition, the length replaced and any ${NAME n m} params. */
export interface Reference {
  def: Definition;
  /** characters from the '$' to the end of the reference */
  length: number;
  params?: number[];
}

/** Outcome of looking at one '$': a reference, or why it is not one (for diagnostics). */
export type Lookup =
  | { ref: Reference }
  | { ref?: undefined; name?: string; reason?: 'undefined' | 'multiline-not-last' | 'bad-end' | 'params' };

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  has(name: string): boolean {
    return this.defs.has(name);
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  /** set_definition(): (re)define a single-line value, overriding a built-in. */
  set(name: string, value: SrcText, loc?: Loc): Definition {
    const old = this.defs.get(name);
    if (old) {
      old.value = value;
      old.fn = undefined;
      old.multiline = false;
      old.loc = loc;
      return old;
    }
    const d: Definition = { name, value, multiline: false, maxParams: 0, loc };
    this.defs.set(name, d);
    return d;
  }

  /** add_std_definition() */
  builtin(name: string, fn: Definition['fn'], value: string | undefined, maxParams: number): void {
    this.defs.set(name, {
      name,
      value: SrcText.at(value ?? '', { file: '<built-in>', line: 0, col: 0 }),
      multiline: false,
      fn,
      maxParams,
    });
  }

  /**
   * check_definition(): is `buf` a definition `$NAME=value`? Defines it and returns it (multiline when the value
   * ends in '\'). No blank is allowed between the name and '='.
   */
  define(buf: SrcText): Definition | undefined {
    const s = buf.text;
    if (s[0] !== '$' || !(isAlpha(s[1]) || s[1] === '_')) return undefined;
    let p = 2;
    for (; p < s.length; p++) {
      if (s[p] === '=') break;
      if (!isNameChar(s[p])) return undefined;
    }
    if (s[p] !== '=') return undefined;
    const name = s.slice(1, p);
    p++;
    while (s[p] === ' ' || s[p] === '\t') p++;
    let end = s.length;
    let multiline = false;
    let value: SrcText;
    if (end > p && s[end - 1] === '\\') {
      // "value  \": the blanks before the '\' go, and the value's first line ends in DEF_LINE_END
      multiline = true;
      while (end - p >= 2 && (s[end - 2] === ' ' || s[end - 2] === '\t')) end--;
      if (end - p < 2) value = buf.slice(s.length, s.length);
      else value = buf.slice(p, end - 1).concat(SrcText.at('\n', buf.locAt(s.length - 1)));
    } else value = buf.slice(p);
    const loc = buf.locAt(0);
    const old = this.defs.get(name);
    if (old) {
      old.value = value;
      old.fn = undefined;
      old.multiline = multiline;
      old.loc = loc;
      return old;
    }
    const d: Definition = { name, value, multiline, maxParams: 0, loc };
    this.defs.set(name, d);
    return d;
  }

  /**
   * find_definition() for a reference at `buf[dollar]`: `$NAME` must be followed by blank, ',', ')' or the end;
   * `${NAME}` may carry decimal parameters (`${_RANDOM 1 10}`). A multiline definition is only used when the
   * reference is the last thing on the line.
   */
  lookup(s: string, dollar: number): Lookup {
    let i = dollar + 1;
    const braces = s[i] === '{';
    if (braces) i++;
    if (!(isAlpha(s[i]) || s[i] === '_')) return {};
    const nameStart = i;
    while (isNameChar(s[i])) i++;
    const name = s.slice(nameStart, i);
    let paramStart = -1;
    let paramEnd = -1;
    let p = i;
    if (braces) {
      while (p < s.length && (s[p] === ' ' || isDigit(s[p]))) {
        if (s[p] !== ' ') {
          if (paramStart < 0) paramStart = p;
          paramEnd = p;
        }
        p++;
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return { name, reason: 'bad-end' };
      if (s[p] !== '}') return { name, reason: 'bad-end' };
    } else if (!(p >= s.length || s[p] === ' ' || s[p] === '\t' || s[p] === ',' || s[p] === ')')) {
      return { name, reason: 'bad-end' };
    }
    // keepalived tests name[len] (or name[len+1] with braces) for the end of the line
    const allowMultiline = braces ? i + 1 >= s.length : i >= s.length;
    const def = this.defs.get(name);
    if (!def) return { name, reason: 'undefined' };
    if (!allowMultiline && def.multiline) return { name, reason: 'multiline-not-last' };
    if (paramStart >= 0 && !def.maxParams) return { name, reason: 'params' };
    const ref: Reference = { def, length: (braces ? p + 1 : p) - dollar };
    if (paramStart >= 0) {
      ref.params = s
        .slice(paramStart, paramEnd + 1)
        .split(' ')
        .filter((x) => x !== '')
        .map((x) => Number(x));
    }
    return { ref };
  }
}

export interface ReplaceEvents {
  /** a '$NAME' that is not substituted: for diagnostics */
  notFound(name: string, reason: NonNullable<Extract<Lookup, { ref?: undefined }>['reason']>, at: Loc): void;
  /** the line would exceed MAXBUF: keepalived logs and leaves the line as it is */
  tooLong(at: Loc): void;
  /** the expansion does not terminate (keepalived 2.2.7 loops for ever on `$A=$A`) */
  runaway(at: Loc): void;
  /** keepalived 2.2.7 mangles the rest of the line after a shrinking ${NAME params} that is not last */
  paramsMidLine(name: string, at: Loc): void;
  /** the multiline definitions the line being substituted comes from */
  chain?: readonly Definition[];
  /** a multiline definition starts expanding: the caller saves its multiline state (multiline_stack_push); false refuses */
  multilineStart(def: Definition, prev: MultilinePtr | undefined): boolean;
}

/** Upper bound of substitutions on one line before we call it a runaway recursion. */
export const MAX_SUBSTITUTIONS_PER_LINE = 10000;

/**
 * replace_param(): substitutes references from left to right; the substituted text is scanned again (so values
 * may refer to other parameters), stopping after a value that starts with '~' (a generator). A multiline
 * definition contributes its first line; `multiline` returns where its next line starts.
 */
export function replaceParams(
  buf: SrcText,
  defs: Definitions,
  multiline: MultilinePtr | undefined,
  ev: ReplaceEvents,
  maxLen = MAXBUF,
): { buf: SrcText; found: boolean; multiline: MultilinePtr | undefined } {
  let cur = 0;
  let found = false;
  let nextPtr: MultilinePtr | undefined;
  let count = 0;
  const multilineIn = multiline;
  for (;;) {
    const s = buf.text;
    cur = s.indexOf('$', cur);
    if (cur < 0 || cur + 1 >= s.length) break;
    const r = defs.lookup(s, cur);
    if (!r.ref) {
      if (r.reason && r.name !== undefined) ev.notFound(r.name, r.reason, buf.locAt(cur));
      cur++;
      continue;
    }
    if (++count > MAX_SUBSTITUTIONS_PER_LINE) {
      ev.runaway(buf.locAt(cur));
      return { buf, found: false, multiline: multilineIn };
    }
    const { def } = r.ref;
    found = true;
    nextPtr = multiline;
    if (def.multiline && !ev.multilineStart(def, multiline)) return { buf, found: false, multiline: multilineIn };
    const at = buf.locAt(cur);
    let value: SrcText;
    if (def.fn) value = SrcText.at(def.fn(r.ref.params, at), at);
    else value = def.value;
    let repl: SrcText;
    if (def.multiline) {
      const nl = value.text.indexOf('\n');
      const firstLen = nl < 0 ? value.length : nl;
      repl = value.slice(0, firstLen);
      nextPtr = { value, off: firstLen + 1, chain: [...(ev.chain ?? []), def] };
      multiline = nextPtr;
    } else repl = value;
    const total = r.ref.length;
    if (s.length + repl.length - total >= maxLen) {
      ev.tooLong(at);
      return { buf, found: false, multiline: multilineIn };
    }
    if (r.ref.params && repl.length < total && cur + total < s.length) {
      // keepalived 2.2.7 replace_param() shrinks "${NAME params}" by moving only the reference's own characters
      // (up to the one after its '}'), so the rest of the line is not shifted: reproduce the resulting text.
      ev.paramsMidLine(def.name, at);
      buf = buf
        .slice(0, cur)
        .concat(repl)
        .concat(buf.slice(cur + total, cur + total + 1))
        .concat(buf.slice(cur + repl.length + 1));
    } else buf = buf.splice(cur, cur + total, repl);
    const vt = value.text;
    let k = 0;
    while (vt[k] === ' ' || vt[k] === '\t') k++;
    if (vt[k] === '~') break;
  }
  return { buf, found, multiline: found ? nextPtr : multiline };
}

/** A small seeded PRNG (mulberry32) standing in for random(3) in ${_RANDOM}. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0x7fffffff;
  };
}

/**
 * set_std_definitions(): ${_PWD} (directory of the file being read), ${_INSTANCE} (in 2.2.7 the config id),
 * ${_RANDOM [MIN [MAX]]} (default 0..32767), ${_HASH} ('#') and ${_BANG} ('!'). 2.2.7 has no environment forms.
 */
export function installBuiltins(
  defs: Definitions,
  ctx: { pwd(): string; instance(): string; random(): number; extraParams(at: Loc): void },
): void {
  defs.builtin('_PWD', () => ctx.pwd(), undefined, 0);
  defs.builtin('_INSTANCE', () => ctx.instance(), undefined, 0);
  defs.builtin(
    '_RANDOM',
    (params, at) => {
      let min = 0;
      let max = 32767;
      if (params && params.length) {
        min = params[0];
        if (params.length > 1) max = params[1];
        if (params.length > 2) ctx.extraParams(at);
      }
      // random() % (max - min + 1) + min with C unsigned long arithmetic
      const span = max - min + 1;
      const r = ctx.random();
      const val = span > 0 ? (r % span) + min : r + min;
      return String(val);
    },
    undefined,
    2,
  );
  defs.builtin('_HASH', undefined, '#', 0);
  defs.builtin('_BANG', undefined, '!', 0);
}
