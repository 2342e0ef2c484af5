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
 * Splits stdin into the argument vectors ipvsadm processes (lines with no token are left out). `fast` (default)
 * takes a plain line (a newline-terminated run of tokens separated by single spaces, under 4096 bytes) with one
 * split; every other line goes through config_stream_read()'s scan; both give the same vectors.
 */
export function readRestoreLines(text: string, fast = true): RestoreLine[] {
  const out: RestoreLine[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  for (;;) {
    if (fast) {
      const nl = text.indexOf('\n', i);
      if (nl > i && nl - i < MAX_LINE_LENGTH && text.charCodeAt(i) !== 32 && text.charCodeAt(nl - 1) !== 32) {
        const seg = text.slice(i, nl);
        if (seg.indexOf('\t') < 0 && seg.indexOf('\r') < 0 && seg.indexOf('  ') < 0) {
          const args = seg.split(' ');
          for (let k = args.indexOf('ipvsadm'); k >= 0; k = args.indexOf('ipvsadm', k)) args.splice(k, 1);
          if (args.length > 0) out.push({ lineNo: line, args });
          line++;
          i = nl + 1;
          continue;
        }
      }
    }
    // One config_stream_read() call.
    const args: string[] = [];
    const startLine = line;
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
            line++;
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
        line++;
        ended = 'line';
        break;
      }
    }
    if (ended === 'null') break;
    if (ended === 'eof') {
      if (ntoken > 0) out.push({ lineNo: startLine, args });
      break;
    }
    if (args.length > 0) out.push({ lineNo: startLine, args });
  }
  return out;
}
