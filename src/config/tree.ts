// parseTree(): keepalived.conf text to a ConfNode block tree, with keepalived 2.2.7's grammar (lib/parser.c
// read_line() via Preprocessor, alloc_strvec_r() words, and process_stream()'s handling of '{' and '}').
import { LocPool, tokenize } from './lexer';
import { Preprocessor } from './preprocess';
import type { ConfNode, Diagnostic, Loc, ParseOptions, SourceLoader } from './types';

interface Frame {
  node?: ConfNode;
  children: ConfNode[];
  open?: Loc;
}

/**
 * Parses `entry` (a path or glob, relative to loader.cwd()) and everything it includes. Never throws: every
 * problem is a Diagnostic. Each line's first word is the node's keyword; a '{' right after a line (on the same
 * line or the next) opens that node's block, whose lines become its children (also for value lists such as
 * virtual_ipaddress).
 */
export function parseTree(
  entry: string,
  loader: SourceLoader,
  opts: ParseOptions = {},
): { nodes: ConfNode[]; diagnostics: Diagnostic[]; files: string[] } {
  const nodes: ConfNode[] = [];
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  let stopped = false;
  let pre: Preprocessor | undefined;
  const report = (d: Diagnostic) => {
    if (stopped) return;
    diagnostics.push(d);
    if (d.severity === 'error' && opts.maxErrors !== undefined && opts.maxErrors > 0 && ++errors >= opts.maxErrors) {
      stopped = true;
      diagnostics.push({ severity: 'info', code: 'I_TOO_MANY_ERRORS', message: `stopped after ${opts.maxErrors} errors`, loc: d.loc });
      pre?.stop();
    }
  };
  try {
    pre = new Preprocessor(loader, opts, report);
    if (pre.start(entry) && !stopped) build(pre, nodes, report);
  } catch (e) {
    diagnostics.push({
      severity: 'error',
      code: 'E_INTERNAL',
      message: `internal error while parsing: ${(e as Error)?.stack ?? String(e)}`,
      loc: { file: entry, line: 0, col: 0 },
    });
  }
  return { nodes, diagnostics, files: pre ? pre.files.slice() : [] };
}

function build(pre: Preprocessor, nodes: ConfNode[], report: (d: Diagnostic) => void): void {
  const stack: Frame[] = [{ children: nodes }];
  /** the node made from the line just before, which a '{' line would open */
  let last: ConfNode | undefined;
  const pool = new LocPool();
  for (let line = pre.next(); line !== undefined; line = pre.next()) {
    const { tokens, unmatchedQuote } = tokenize(line, pool);
    if (unmatchedQuote) pre.quoteError(unmatchedQuote, `Unmatched quote: '${line.text}'`);
    if (tokens.length === 0) continue;
    const first = tokens[0];
    const top = stack[stack.length - 1];
    if (!first.quoted && first.text === '{') {
      if (last && !last.children) {
        last.children = [];
        stack.push({ node: last, children: last.children, open: first.loc });
      } else {
        // process_stream(): "Unexpected '{' - ignoring"; the lines after it stay at this level
        report({ severity: 'error', code: 'E_UNEXPECTED_BRACE', message: "Unexpected '{' - ignoring; a '{' should follow a keyword line", loc: first.loc });
      }
      last = undefined;
      continue;
    }
    if (!first.quoted && first.text === '}') {
      if (stack.length > 1) {
        const f = stack.pop()!;
        f.node!.end = first.loc;
      } else {
        report({ severity: 'error', code: 'E_UNBALANCED_BRACE', message: "Extra '}' found", loc: first.loc });
      }
      last = undefined;
      continue;
    }
    const node: ConfNode = { keyword: first.text, args: tokens.slice(1), loc: first.loc };
    // only where splitQuotedEscaped() could split differently from the tokens (quotes, escapes)
    if (/["'\\]/.test(line.text)) node.raw = line.text;
    top.children.push(node);
    last = node;
    if (node.keyword === 'include_check' && stack.length === 2 && stack[1].node?.keyword === 'global_defs') {
      pre.setIncludeCheck(node.args.map((a) => a.text), node.loc);
    }
  }
  for (let i = stack.length - 1; i > 0; i--) {
    const f = stack[i];
    report({
      severity: 'error',
      code: 'E_UNBALANCED_BRACE',
      message: `Missing '}' for the block of '${f.node!.keyword}' opened here`,
      loc: f.open,
    });
  }
}
