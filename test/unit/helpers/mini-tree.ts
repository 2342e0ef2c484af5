// A tiny keepalived.conf splitter for model tests: words, "quotes", # and ! comments, { } blocks; lines
// starting with @ID are kept only when ID is the config id (@^ID when it is not). Not the real preprocessor
// (src/config/tree.ts).
import type { ConfNode, Token } from '../../../src/config/types';

export function miniTree(text: string, file = 'test.conf', configId?: string): ConfNode[] {
  const top: ConfNode[] = [];
  const stack: ConfNode[][] = [top];
  let last: ConfNode | undefined;
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    let line = lines[ln]!;
    const cond = /^(\s*)@(\^?)(\S*)/.exec(line);
    if (cond) {
      const match = cond[3] === configId;
      if (cond[2] ? match : !match) continue;
      line = ' '.repeat(cond[0].length) + line.slice(cond[0].length);
    }
    const toks: Token[] = [];
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
      if (c === '#' || c === '!') break;
      const loc = { file, line: ln + 1, col: i + 1 };
      if (c === '"') {
        const j = line.indexOf('"', i + 1);
        const end = j < 0 ? line.length : j;
        toks.push({ text: line.slice(i + 1, end), loc, quoted: true });
        i = end + 1;
        continue;
      }
      if (c === '{' || c === '}') { toks.push({ text: c, loc }); i++; continue; }
      let j = i;
      while (j < line.length && !' \t\r"{}'.includes(line[j]!)) j++;
      toks.push({ text: line.slice(i, j), loc });
      i = j;
    }
    let words: Token[] = [];
    const flush = (): void => {
      if (!words.length) return;
      const node: ConfNode = { keyword: words[0]!.text, args: words.slice(1), loc: words[0]!.loc };
      stack[stack.length - 1]!.push(node);
      last = node;
      words = [];
    };
    for (const t of toks) {
      if (t.text === '{' && !t.quoted) {
        if (words.length) flush();
        if (last) {
          last.children = last.children ?? [];
          stack.push(last.children);
        } else stack.push([]);
        last = undefined;
      } else if (t.text === '}' && !t.quoted) {
        flush();
        if (stack.length > 1) stack.pop();
        last = undefined;
      } else words.push(t);
    }
    flush();
  }
  return top;
}
