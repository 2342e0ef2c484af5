// ipvsadm -R input: config_stream_read() of ipvsadm 1.31 (config_stream.c) over the whole of stdin. Each line is
// split at spaces, tabs and CRs into at most 4096-byte tokens; every token "ipvsadm" is dropped; there are no
// comments (its '#' test looks at the delimiter, never at a token, so "# x" is passed on as arguments).
// A whitespace-only last line without a newline ends the input, as EOF inside its whitespace skip does.

export const MAX_LINE_LENGTH = 4096;

export interface RestoreLine {
  /** 1-based line number of the line's first token */
  lineNo: number;
  /** tokens after argv[0] */
  args: string[];
}

/** space, tab, newline, carriage return (char codes) */
const isDelim = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * The argument vectors ipvsadm processes, one line at a time (lines with no token are left out), so that a long
 * input is not held split all at once. `fast` (default) takes a plain line (a newline-terminated run of tokens
 * separated by single spaces, under 4096 bytes) with one split; every other line goes through config_stream_read()'s
 * scan; both give the same vectors.
 */
export class RestoreReader {
  private i = 0;
  private line = 1;
  private done = false;
  /** No tab, CR or blank run anywhere, no line starting or ending in a blank: every non-empty line is plain. */
  private readonly allPlain: boolean;
  /** No "ipvsadm" anywhere: no token to drop. */
  private readonly noIpvsadm: boolean;

  constructor(
    private readonly text: string,
    private readonly fast = true,
  ) {
    this.allPlain =
      fast && text.charCodeAt(0) !== 32 && text.indexOf('\t') < 0 && text.indexOf('\r') < 0 && text.indexOf('  ') < 0 && text.indexOf(' \n') < 0 && text.indexOf('\n ') < 0;
    this.noIpvsadm = text.indexOf('ipvsadm') < 0;
  }

  /** The next line with tokens, or undefined at the end of the input. */
  next(): RestoreLine | undefined {
    const text = this.text;
    const n = text.length;
    while (!this.done) {
      const i = this.i;
      if (this.fast) {
        const nl = text.indexOf('\n', i);
        if (nl > i && nl - i < MAX_LINE_LENGTH && (this.allPlain || (text.charCodeAt(i) !== 32 && text.charCodeAt(nl - 1) !== 32))) {
          const seg = text.slice(i, nl);
          if (this.allPlain || (seg.indexOf('\t') < 0 && seg.indexOf('\r') < 0 && seg.indexOf('  ') < 0)) {
            const args = seg.split(' ');
            if (!this.noIpvsadm) for (let k = args.indexOf('ipvsadm'); k >= 0; k = args.indexOf('ipvsadm', k)) args.splice(k, 1);
            const lineNo = this.line++;
            this.i = nl + 1;
            if (args.length > 0) return { lineNo, args };
            continue;
          }
        }
      }
      const r = this.scan(text, n);
      if (r) return r;
    }
    return undefined;
  }

  /** One config_stream_read() call: the line's tokens (undefined when it has none); sets `done` at the end. */
  private scan(text: string, n: number): RestoreLine | undefined {
    let i = this.i;
    const args: string[] = [];
    const startLine = this.line;
    let ntoken = 0;
    let ended: 'line' | 'eof' | 'null' = 'eof';
    while (i < n) {
      if (isDelim(text.charCodeAt(i))) {
        // %[^ \t\n\r] matched nothing: skip blanks up to a newline (which ends the line).
        let stop = false;
        while (!stop) {
          if (i >= n) {
            ended = 'null';
            stop = true;
            break;
          }
          const c = text.charCodeAt(i++);
          if (c === 10) {
            this.line++;
            ended = 'line';
            stop = true;
          } else if (c === 9 || c === 13 || c === 32) continue;
          else {
            i--;
            break;
          }
        }
        if (ended !== 'eof') break;
        continue;
      }
      let j = i;
      while (j < n && !isDelim(text.charCodeAt(j)) && j - i < MAX_LINE_LENGTH) j++;
      const token = text.slice(i, j);
      i = j;
      let tail = '';
      if (i < n && isDelim(text.charCodeAt(i))) tail = text[i++];
      if (token !== 'ipvsadm') {
        ntoken++;
        args.push(token);
      }
      if (tail === '\n') {
        this.line++;
        ended = 'line';
        break;
      }
    }
    this.i = i;
    if (ended === 'null') {
      this.done = true;
      return undefined;
    }
    if (ended === 'eof') {
      this.done = true;
      return ntoken > 0 ? { lineNo: startLine, args } : undefined;
    }
    return args.length > 0 ? { lineNo: startLine, args } : undefined;
  }
}

/** All the argument vectors of an input (RestoreReader's lines). */
export function readRestoreLines(text: string, fast = true): RestoreLine[] {
  const out: RestoreLine[] = [];
  const r = new RestoreReader(text, fast);
  for (let l = r.next(); l !== undefined; l = r.next()) out.push(l);
  return out;
}
