// The ~SEQ / ~SEQx / ~LST line generators of keepalived 2.2.7 (lib/parser.c add_seq(), add_lst() and their
// use in read_line()): parsing a generator line into a Generator that read_line() then unrolls.
import { SrcText } from './lexer';

export interface SeqGenerator {
  kind: 'seq';
  variable: string;
  next: number;
  step: number;
  last: number;
  hex: boolean;
  /** the rest of the line after the closing ')', produced once per value */
  text: SrcText;
}

export interface LstGenerator {
  kind: 'lst';
  params: string[];
  /** one value per parameter in each set (missing ones are '') */
  sets: string[][];
  next: number;
  text: SrcText;
}

export type Generator = SeqGenerator | LstGenerator;

export type GenResult = { gen: Generator } | { error: string };

/** strtol(str, &end, 0): leading blanks, sign, 0x hex / 0 octal / decimal; no digits gives 0 and end = start. */
export function strtol0(s: string, i: number): { value: number; end: number } {
  const start = i;
  while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r' || s[i] === '\f' || s[i] === '\v') i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let base = 10;
  let digitsFrom = i;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
    digitsFrom = i;
  } else if (s[i] === '0') base = 8;
  let v = 0;
  const re = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/;
  while (i < s.length && re.test(s[i])) {
    v = v * base + parseInt(s[i], 16);
    i++;
  }
  if (i === digitsFrom) return { value: 0, end: start };
  // LONG_MAX / LONG_MIN saturation is beyond doubles' integer range; keep the sign and magnitude
  return { value: neg ? -v : v, end: i };
}

const skipBlanks = (s: string, i: number) => {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
};

const cspn = (s: string, i: number, stop: string) => {
  while (i < s.length && !stop.includes(s[i])) i++;
  return i;
};

/**
 * add_seq(): `~SEQ(var, end)`, `~SEQ(var, start, end)`, `~SEQ(var, start, step, end)`; `~SEQx` formats in hex.
 * The numbers may be parameters (substituted by `subst`, within keepalived's 64-character limit).
 */
export function parseSeq(buf: SrcText, subst: (numbers: string) => string | { error: string }): GenResult {
  const s = buf.text;
  const spec = s;
  let p = 4;
  let hex = false;
  if (s[p] === 'x') {
    hex = true;
    p++;
  }
  p = skipBlanks(s, p);
  if (s[p++] !== '(') return { error: `Invalid ~SEQ specification '${spec}'` };
  p = skipBlanks(s, p);
  const varStart = p;
  p = cspn(s, p, ' \t,)');
  const variable = s.slice(varStart, p);
  p = skipBlanks(s, p);
  if (p >= s.length || s[p] === ')' || p === varStart) return { error: `Invalid ~SEQ definition '${spec}'` };
  p++;
  p = skipBlanks(s, p);
  const endSeq = s.indexOf(')', p);
  if (endSeq < 0) return { error: `Invalid ~SEQ definition '${spec}' (no closing ')')` };
  // seq_buf holds 3 longs with separators: 3 * 20 + 3 + 1 bytes
  if (endSeq + 1 - p + 1 > 64) return { error: `~SEQ parameter strings too long '${spec}'` };
  const numbers = subst(s.slice(p, endSeq + 1));
  if (typeof numbers !== 'string') return numbers;
  let start: number;
  let step: number;
  let end: number;
  {
    const n = numbers;
    const bad = { error: `Invalid ~SEQ definition '${spec}'` };
    const one = strtol0(n, 0);
    let q = skipBlanks(n, one.end);
    if (n[q] === ')') {
      end = one.value;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else {
      if (n[q] !== ',') return bad;
      const two = strtol0(n, q + 1);
      q = skipBlanks(n, two.end);
      if (n[q] === ')') {
        start = one.value;
        end = two.value;
        step = start <= end ? 1 : -1;
      } else {
        if (n[q] !== ',') return bad;
        const three = strtol0(n, q + 1);
        q = skipBlanks(n, three.end);
        if (n[q] !== ')') return bad;
        start = one.value;
        step = two.value;
        end = three.value;
        if (!step || (start < end && step < 0) || (start > end && step > 0)) {
          return { error: `Invalid ~SEQ values '${spec}'` };
        }
      }
    }
  }
  if (hex && (start < 0 || end < 0)) return { error: `~SEQx is only valid for positive numbers '${spec}'` };
  const textStart = skipBlanks(s, endSeq + 1);
  return { gen: { kind: 'seq', variable, next: start, step, last: end, hex, text: buf.slice(textStart) } };
}

/** add_lst(): `~LST(var, v1, v2, ...)` or `~LST({a, b}, {1, 2}, {3, 4})`; missing values in a set are ''. */
export function parseLst(buf: SrcText): GenResult {
  const s = buf.text;
  const invalid = { error: `Invalid ~LST specification '${s}'` };
  let p = skipBlanks(s, 4);
  if (s[p++] !== '(') return invalid;
  p = skipBlanks(s, p);
  let endChar = ',';
  if (s[p] === '{') {
    endChar = '}';
    p = skipBlanks(s, p + 1);
  }
  const params: string[] = [];
  let numVars = 0;
  for (;;) {
    const st = p;
    p = cspn(s, p, ' \t,}');
    params.push(s.slice(st, p));
    p = skipBlanks(s, p);
    if (s[p] === endChar) break;
    if (s[p] !== ',') return invalid;
    p = skipBlanks(s, p + 1);
    numVars++;
  }
  if (s[p] === '}') p = skipBlanks(s, p + 1);
  if (s[p++] !== ',') return invalid;
  p = skipBlanks(s, p);
  const sets: string[][] = [];
  for (;;) {
    const set: string[] = [];
    endChar = ',';
    if (s[p] === '{') {
      endChar = '}';
      p = skipBlanks(s, p + 1);
    }
    let numValues = 0;
    for (;;) {
      const st = p;
      p = cspn(s, p, ' \t,})');
      set.push(s.slice(st, p));
      p = skipBlanks(s, p);
      if (s[p] === endChar || (s[p] === ')' && endChar === ',')) break;
      if (s[p] !== ',') return invalid;
      p = skipBlanks(s, p + 1);
      if (++numValues > numVars) return { error: `~LST specification has too many values '${s}'` };
    }
    for (; numValues < numVars; numValues++) set.push('');
    sets.push(set);
    if (s[p] === '}' && endChar === '}') p = skipBlanks(s, p + 1);
    if (s[p] === ')') break;
    if (s[p] !== ',') return invalid;
    p = skipBlanks(s, p + 1);
  }
  if (params.length === 0 || sets.length === 0) return invalid;
  p = skipBlanks(s, p + 1);
  return { gen: { kind: 'lst', params, sets, next: 0, text: buf.slice(p) } };
}

/** How many more lines a generator will produce (for the runaway guard). */
export function remaining(g: Generator): number {
  if (g.kind === 'lst') return g.sets.length - g.next;
  const n = Math.floor((g.last - g.next) / g.step) + 1;
  return n > 0 ? n : 0;
}
