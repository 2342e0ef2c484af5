// Shared shapes of the keepalived.conf front end: locations, tokens, the block tree and diagnostics.
// The lexer/preprocessor (lexer.ts, preprocess.ts, tree.ts) produces ConfNode trees; the model builder
// (build.ts and keywords/) turns them into the typed model (model.ts). Both report Diagnostics.

/** A position in a configuration file. Lines and columns are 1-based. */
export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** One word of a configuration line after preprocessing (quotes removed, escapes resolved, parameters substituted). */
export interface Token {
  text: string;
  loc: Loc;
  /** true when the word was quoted in the source (so `"{"` is not a brace). */
  quoted?: boolean;
}

/**
 * A keyword with its arguments and, when it opened a `{ ... }` block, its children.
 * For blocks whose content is a list of values rather than keywords (virtual_ipaddress, unicast_peer,
 * track_interface, ...) each line of the block is still a ConfNode: `keyword` is the first word.
 */
export interface ConfNode {
  keyword: string;
  args: Token[];
  loc: Loc;
  children?: ConfNode[];
  /** location of the closing brace, when there were children */
  end?: Loc;
  /**
   * The whole preprocessed line (keepalived's buf_extern): script keywords (notify*, script, misc_path, ...) split
   * it again with lexer.splitQuotedEscaped(), as keepalived's alloc_strvec_quoted_escaped() does. Set only when
   * the line has a quote or a backslash; otherwise that split equals the tokens.
   */
  raw?: string;
}

export type Severity = 'error' | 'warning' | 'info';

/** A message about the configuration. `code` is stable (tests and tools match on it). */
export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  loc?: Loc;
}

/** Where configuration text comes from. Parsing is pure given a loader: tests pass an in-memory one. */
export interface SourceLoader {
  /** Returns the file's text, or throws an Error with a `code` (ENOENT, EACCES, ...). */
  readFile(path: string): string;
  /** Expands a glob pattern (already brace-expanded) to a sorted list of existing paths. */
  glob(pattern: string): string[];
  /** Current working directory, for relative top-level paths and ${_PWD}. */
  cwd(): string;
  /** Environment lookup for ${_ENV}-style built-ins (undefined when unset). */
  env(name: string): string | undefined;
}

/** Inputs that keepalived takes from its command line and host and that change how a file is read. */
export interface ParseOptions {
  /** `-i` config id; default the short hostname. Drives `@id` / `@^id` lines. */
  configId?: string;
  /** `--instance` name: the value of ${_INSTANCE}. */
  instance?: string;
  /** Seed for ${_RANDOM}, so tests are repeatable. */
  randomSeed?: number;
  /** Stop after this many diagnostics of severity error (default unlimited). */
  maxErrors?: number;
}

export function formatLoc(loc: Loc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.loc ? `${formatLoc(d.loc)}: ` : '';
  return `${where}${d.severity}: ${d.message} [${d.code}]`;
}
