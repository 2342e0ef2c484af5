// Line-level lexing of keepalived.conf as keepalived 2.2.7 lib/parser.c does it: text with a map back to source
// locations (SrcText), decomment(), the '{'/'}' line split of read_line(), alloc_strvec_r() words and
// alloc_strvec_quoted_escaped() for script lines.
import type { Loc, Token } from './types';

/** keepalived's MAXBUF (lib/parser.h): fgets() reads at most MAXBUF-1 characters per line. */
export const MAXBUF = 1024;

/** From text offset `at` on, characters come from `file`:`line` starting at `col` (1-based). */
export interface Seg {
  at: number;
  file: string;
  line: number;
  col: number;
}

/** A piece of configuration text that remembers where each character came from (through includes and expansions). */
export class SrcText {
  constructor(
    readonly text: string,
    readonly segs: readonly Seg[],
  ) {}

  static at(text: string, loc: Loc): SrcText {
    return new SrcText(text, [{ at: 0, file: loc.file, line: loc.line, col: loc.col }]);
  }

  get length(): number {
    return this.text.length;
  }

  /** Location of character `i` (the end of the text maps past the last character). */
  locAt(i: number): Loc {
    const segs = this.segs;
    let k = segs.length - 1;
    while (k > 0 && segs[k].at > i) k--;
    const s = segs[k];
    return { file: s.file, line: s.line, col: s.col + (i - s.at) };
  }

  slice(a: number, b: number = this.text.length): SrcText {
    if (a <= 0 && b >= this.text.length) return this;
    if (a < 0) a = 0;
    if (b > this.text.length) b = this.text.length;
    if (b < a) b = a;
    const segs = this.segs;
    let k = segs.length - 1;
    while (k > 0 && segs[k].at > a) k--;
    const first = segs[k];
    const out: Seg[] = [{ at: 0, file: first.file, line: first.line, col: first.col + (a - first.at) }];
    for (let j = k + 1; j < segs.length && segs[j].at < b; j++) {
      const s = segs[j];
      out.push({ at: s.at - a, file: s.file, line: s.line, col: s.col });
    }
    return new SrcText(this.text.slice(a, b), out);
  }

  concat(o: SrcText): SrcText {
    if (o.text.length === 0) return this;
    if (this.text.length === 0) return o;
    const n = this.text.length;
    const out = this.segs.slice();
    const last = out[out.length - 1];
    for (let j = 0; j < o.segs.length; j++) {
      const s = o.segs[j];
      if (j === 0 && s.file === last.file && s.line === last.line && s.col === last.col + (n - last.at)) continue;
      out.push({ at: s.at + n, file: s.file, line: s.line, col: s.col });
    }
    return new SrcText(this.text + o.text, out);
  }

  /** Replaces [a, b) by `ins`. */
  splice(a: number, b: number, ins: SrcText): SrcText {
    return this.slice(0, a).concat(ins).concat(this.slice(b));
  }
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
/** WHITE_SPACE of lib/parser.c: " \t\f\n\r\v". */
export const isWhite = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

export interface Decommented {
  text: SrcText;
  /** the line ended in a '\' (kept as the last character, as keepalived does for definitions) */
  cont: boolean;
  /** index in the input of the '"' left open, when a quote is unterminated */
  openQuote?: number;
}

/**
 * lib/parser.c decomment(): strips leading blanks, a comment starting at an unquoted '!' or '#', the backslash of
 * an unquoted '\#' / '\!', and trailing blanks (also before a final '\', which is kept).
 */
export function decomment(src: SrcText): Decommented {
  const s = src.text;
  let start = 0;
  while (isBlank(s[start])) start++;
  let quote = false;
  let quoteAt = -1;
  let skip = -1;
  let contAt = -1;
  const dropped: number[] = [];
  for (let p = start; p < s.length; p++) {
    const c = s[p];
    if (c === '"') {
      if (skip < 0) {
        quote = !quote;
        if (quote) quoteAt = p;
      }
    } else if (c === '\\') {
      if (p + 1 < s.length) {
        if (!quote && (s[p + 1] === '#' || s[p + 1] === '!')) dropped.push(p);
        p++;
        continue;
      }
      contAt = p;
      break;
    } else if ((c === '!' || c === '#') && !quote && skip < 0) {
      skip = p;
    }
  }
  let end = s.length;
  if (contAt >= 0) end = contAt;
  if (skip >= 0 && skip < end) end = skip;
  while (end > start && isBlank(s[end - 1])) end--;
  let out: SrcText;
  if (dropped.length === 0) out = src.slice(start, end);
  else {
    out = src.slice(start, start);
    let from = start;
    for (const d of dropped) {
      if (d >= end) break;
      out = out.concat(src.slice(from, d));
      from = d + 1;
    }
    out = out.concat(src.slice(from, end));
  }
  if (contAt >= 0) out = out.concat(src.slice(contAt, contAt + 1));
  return { text: out, cont: contAt >= 0, openQuote: quote ? quoteAt : undefined };
}

/** Trailing ' ' and '\t' removed. */
export function trimEndBlank(t: SrcText): SrcText {
  let n = t.text.length;
  while (n > 0 && isBlank(t.text[n - 1])) n--;
  return n === t.text.length ? t : t.slice(0, n);
}

/**
 * The tail of read_line(): a line is cut before its first '{' or '}' outside "..." (or just after it when the
 * line starts with it), so every brace ends up on a line of its own. Returns the line and the residue, which
 * read_line() processes as if it were the next line.
 */
export function braceSplit(buf: SrcText): { line: SrcText; residue?: SrcText } {
  const s = buf.text;
  let p = -1;
  if (s[0] === '{' || s[0] === '}') p = 0;
  else {
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '{' || c === '}') { p = i; break; }
      if (c === '"') {
        const close = s.indexOf('"', i + 1);
        if (close < 0) break;
        i = close;
      }
    }
  }
  let line = buf;
  let residue: SrcText | undefined;
  if (p >= 0) {
    let skip = 0;
    if (p === 0) {
      skip = 1;
      while (isBlank(s[skip])) skip++;
    }
    if (p + skip < s.length) {
      residue = trimEndBlank(buf.slice(p + skip));
      line = buf.slice(0, p + skip);
    }
  }
  return { line: trimEndBlank(line), residue };
}

/**
 * Shares (frozen) Loc objects between tokens at the same place: lines expanded many times by generators and
 * multiline definitions would otherwise carry a million copies of the same few locations.
 */
export class LocPool {
  private readonly files = new Map<string, Map<number, Loc>>();

  at(t: SrcText, i: number): Loc {
    const segs = t.segs;
    let k = segs.length - 1;
    while (k > 0 && segs[k].at > i) k--;
    const sg = segs[k];
    const col = sg.col + (i - sg.at);
    let m = this.files.get(sg.file);
    if (!m) {
      m = new Map();
      this.files.set(sg.file, m);
    }
    const key = sg.line * 0x100000 + col;
    let loc = m.get(key);
    if (!loc) {
      loc = Object.freeze({ file: sg.file, line: sg.line, col });
      m.set(key, loc);
    }
    return loc;
  }
}

/** lib/parser.c alloc_strvec_r(): words split at WHITE_SPACE and '"'; "..." is one word without its quotes. */
export function tokenize(line: SrcText, pool?: LocPool): { tokens: Token[]; unmatchedQuote?: Loc } {
  const s = line.text;
  const locAt = (i: number) => (pool ? pool.at(line, i) : line.locAt(i));
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhite(s[i])) i++;
    if (i >= s.length) break;
    if (s[i] === '"') {
      const close = s.indexOf('"', i + 1);
      if (close < 0) return { tokens, unmatchedQuote: locAt(i) };
      tokens.push({ text: s.slice(i + 1, close), loc: locAt(i), quoted: true });
      i = close + 1;
    } else {
      const st = i;
      while (i < s.length && !isWhite(s[i]) && s[i] !== '"') i++;
      tokens.push({ text: s.slice(st, i), loc: locAt(st) });
    }
  }
  return { tokens };
}

/**
 * lib/parser.c alloc_strvec_quoted_escaped(), used by keepalived for script command lines (notify*, script,
 * misc_path, ...): words may be built from "..." and '...' pieces, and '\' escapes (\n \t \xHH \0oo \cX ...)
 * are resolved. Returns undefined where keepalived gives up (unterminated quote, trailing '\').
 */
export function splitQuotedEscaped(src: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let i = 0;
  let quote = '';
  while (i < src.length) {
    while (i < src.length && isWhite(src[i])) i++;
    if (i >= src.length) break;
    let word = '';
    while (i < src.length) {
      const c = src[i];
      if (quote) {
        if (c === quote) { quote = ''; i++; continue; }
        if (c !== '\\') { word += c; i++; continue; }
      } else {
        if (isWhite(c)) break;
        if (c === '"' || c === "'") { quote = c; i++; continue; }
        if (c !== '\\') { word += c; i++; continue; }
      }
      // a backslash escape
      i++;
      if (i >= src.length) return { error: `Missing escape char at end: '${src}'` };
      const e = src[i];
      if (e === 'x' && /[0-9A-Fa-f]/.test(src[i + 1] ?? '')) {
        let v = 0;
        i++;
        while (i < src.length && /[0-9A-Fa-f]/.test(src[i])) {
          v = ((v << 4) | parseInt(src[i], 16)) & 0xff;
          i++;
        }
        word += String.fromCharCode(v);
      } else if (e === 'c' && i + 1 < src.length) {
        word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
        i += 2;
      } else if (e >= '0' && e <= '7') {
        let v = e.charCodeAt(0) - 48;
        i++;
        for (let k = 0; k < 2 && src[i] >= '0' && src[i] <= '7'; k++, i++) v = ((v << 3) + src.charCodeAt(i) - 48) & 0xff;
        word += String.fromCharCode(v);
      } else {
        const map: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
        word += map[e] ?? e;
        i++;
      }
    }
    if (quote) return { error: `String '${src}': missing terminating ${quote}` };
    words.push(word);
  }
  return { words };
}
