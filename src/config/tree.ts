// parseTree(): keepalived.conf text to a ConfNode block tree, with keepalived 2.2.7's grammar (lib/parser.c
// read_line() via Preprocessor, alloc_strvec_r() words, and process_stream()'s handling of '{' and '}').
import { LocPool, tokenize } from './lexer';
import { Preprocessor } from './preprocess';
import type { ConfNode, Diagnostic, Loc, ParseOptions, SourceLoader } from './types';

interface Frame {
  node?: ConfNode;
  children: ConfNode[];
  open?: Loc;
  /** opened without a '{' (keepalived reads a known block keyword's block anyway) */
  implicit?: boolean;
  /** the keyword block this is, when keepalived's keyword table for it is known ('' for the top level) */
  ctx?: string;
}

/**
 * How keepalived 2.2.7 reads a known block keyword whose '{' is missing (keyword tables of vrrp_parser.c,
 * check_parser.c, global_parser.c, track_file.c, bfd_parser.c and the checkers): a keyword block
 * (install_sublevel) is an error ("Missing '{'") but its lines are still read as the block; a value list
 * (alloc_value_block) only logs and reads the lines up to '}' as its values.
 */
export type BlockKind = 'keywords' | 'values';

const VRRP_TRACKS: Record<string, BlockKind> = {
  track_interface: 'values', track_script: 'values', track_process: 'values', track_bfd: 'values', track_file: 'values',
};
const CHECKERS: Record<string, BlockKind> = {
  HTTP_GET: 'keywords', SSL_GET: 'keywords', TCP_CHECK: 'keywords', SMTP_CHECK: 'keywords', MISC_CHECK: 'keywords',
  DNS_CHECK: 'keywords', UDP_CHECK: 'keywords', PING_CHECK: 'keywords', FILE_CHECK: 'keywords', BFD_CHECK: 'keywords',
};
/** parent keyword ('' for the top level) to its block keywords */
export const BLOCK_KEYWORDS: Record<string, Record<string, BlockKind>> = {
  '': {
    global_defs: 'keywords', vrrp_instance: 'keywords', vrrp_sync_group: 'keywords', vrrp_script: 'keywords',
    vrrp_track_process: 'keywords', track_file: 'keywords', vrrp_track_file: 'keywords', track_group: 'keywords',
    garp_group: 'keywords', virtual_server: 'keywords', bfd_instance: 'keywords', SSL: 'keywords',
    virtual_server_group: 'values', static_ipaddress: 'values', static_routes: 'values', static_rules: 'values',
    linkbeat_interfaces: 'values', interface_up_down_delays: 'values',
  },
  global_defs: { notification_email: 'values' },
  vrrp_instance: {
    ...VRRP_TRACKS, authentication: 'keywords', virtual_ipaddress: 'values', virtual_ipaddress_excluded: 'values',
    virtual_routes: 'values', virtual_rules: 'values', unicast_peer: 'values',
  },
  vrrp_sync_group: { ...VRRP_TRACKS, group: 'values' },
  track_group: { group: 'values' },
  garp_group: { interfaces: 'values' },
  virtual_server: { real_server: 'keywords' },
  real_server: CHECKERS,
  HTTP_GET: { url: 'keywords' },
  SSL_GET: { url: 'keywords' },
  SMTP_CHECK: { host: 'keywords' },
};

/** Keyword blocks with no block keywords inside. */
const LEAF_BLOCKS = [
  'vrrp_script', 'vrrp_track_process', 'track_file', 'vrrp_track_file', 'bfd_instance', 'SSL', 'authentication', 'url', 'host',
  'TCP_CHECK', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
];
for (const k of LEAF_BLOCKS) BLOCK_KEYWORDS[k] ??= {};

/** The context of a block opened for `keyword` inside a block of context `ctx`, when keepalived's table is known. */
function childCtx(ctx: string | undefined, keyword: string): string | undefined {
  return ctx !== undefined && BLOCK_KEYWORDS[ctx]?.[keyword] === 'keywords' ? keyword : undefined;
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
  const stack: Frame[] = [{ children: nodes, ctx: '' }];
  /** the node made from the line just before, which a '{' line would open */
  let last: ConfNode | undefined;
  /** read_line()'s block_depth: '{' lines minus '}' lines */
  let depth = 0;
  /** a known block keyword on the line before, still waiting for its '{' */
  let pending: { node: ConfNode; kind: BlockKind } | undefined;
  const pool = new LocPool();
  const missingBrace = (p: { node: ConfNode; kind: BlockKind }) =>
    p.kind === 'keywords'
      ? report({ severity: 'error', code: 'E_MISSING_BRACE', message: `Missing '{' at beginning of configuration block '${p.node.keyword}'`, loc: p.node.loc })
      : report({ severity: 'warning', code: 'W_MISSING_BRACE', message: `'{' missing from beginning of block ${p.node.keyword} (keepalived logs this and reads the lines up to '}' as its values)`, loc: p.node.loc });
  for (let line = pre.next(); line !== undefined; line = pre.next()) {
    const { tokens, unmatchedQuote } = tokenize(line, pool);
    if (unmatchedQuote) pre.quoteError(unmatchedQuote, `Unmatched quote: '${line.text}'`);
    if (tokens.length === 0) continue;
    const first = tokens[0];
    if (pending && (first.quoted || first.text !== '{')) {
      // keepalived reads the block anyway (process_stream() with need_bob, or alloc_value_block())
      missingBrace(pending);
      pending.node.children = [];
      const ctx = childCtx(stack[stack.length - 1].ctx, pending.node.keyword);
      stack.push({ node: pending.node, children: pending.node.children, open: pending.node.loc, implicit: true, ctx });
      last = undefined;
    }
    pending = undefined;
    const top = stack[stack.length - 1];
    if (!first.quoted && first.text === '{') {
      // read_line() counts '{' and '}' lines on their own, whatever the blocks they belong to
      depth++;
      if (last && !last.children) {
        last.children = [];
        const ctx = top.ctx;
        if (ctx !== undefined && !BLOCK_KEYWORDS[ctx]?.[last.keyword]) {
          // keepalived: "Unknown keyword" or "Unexpected '{'" (process_stream()); the block still nests here so
          // the model sees what it belonged to
          report({
            severity: 'error',
            code: 'E_UNEXPECTED_BRACE',
            message: `Unexpected '{': '${last.keyword}' takes no block ${ctx ? `in ${ctx}` : 'at the top level'} in keepalived 2.2.7`,
            loc: first.loc,
          });
        }
        stack.push({ node: last, children: last.children, open: first.loc, ctx: childCtx(ctx, last.keyword) });
      } else {
        // process_stream(): "Unexpected '{' - ignoring"; the lines after it stay at this level
        report({ severity: 'error', code: 'E_UNEXPECTED_BRACE', message: "Unexpected '{' - ignoring; a '{' should follow a keyword line", loc: first.loc });
      }
      last = undefined;
      continue;
    }
    if (!first.quoted && first.text === '}') {
      let reported = false;
      if (depth-- < 1) {
        report({ severity: 'error', code: 'E_UNBALANCED_BRACE', message: "Extra '}' found", loc: first.loc });
        depth = 0;
        reported = true;
      }
      if (stack.length > 1) {
        const f = stack.pop()!;
        f.node!.end = first.loc;
      } else if (!reported) {
        // process_stream() at the top level takes it for a keyword
        report({ severity: 'error', code: 'E_UNBALANCED_BRACE', message: "'}' closes no block (keepalived: Unknown keyword '}')", loc: first.loc });
      }
      last = undefined;
      continue;
    }
    const node: ConfNode = { keyword: first.text, args: tokens.slice(1), loc: first.loc };
    // only where splitQuotedEscaped() could split differently from the tokens (quotes, escapes)
    if (/["'\\]/.test(line.text)) node.raw = line.text;
    top.children.push(node);
    last = node;
    const kind = top.ctx !== undefined ? BLOCK_KEYWORDS[top.ctx]?.[node.keyword] : undefined;
    if (kind) pending = { node, kind };
    if (node.keyword === 'include_check' && stack.length === 2 && stack[1].node?.keyword === 'global_defs') {
      pre.setIncludeCheck(node.args.map((a) => a.text), node.loc);
    }
  }
  if (pending) missingBrace(pending);
  if (depth > 0) {
    const open = stack.find((f) => f.open && !f.implicit);
    report({
      severity: 'error',
      code: 'E_UNBALANCED_BRACE',
      message: `There are ${depth} missing '}'s or extra '{'s${open ? ` (the outermost unclosed block, '${open.node!.keyword}', opens here)` : ''}`,
      loc: open?.open ?? pre.lastLine(),
    });
  }
}
