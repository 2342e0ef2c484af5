// `include` handling of keepalived 2.2.7 (lib/parser.c check_include(), open_and_check_glob(), include_check_set()):
// include types and checks, glibc GLOB_BRACE expansion, and classification of what a pattern failed to match.
import { escapeGlob, hasGlobMagic } from './loader';
import type { SourceLoader } from './types';

/** include_t of lib/parser.c: which include problems are errors rather than log lines. */
export enum IncludeCheck {
  None = 0,
  /** error if a match is a directory, not readable, not a regular non-executable file */
  Read = 0x01,
  /** error if no files match (unless a wildcard was used) */
  Match = 0x02,
  /** error if no files match even if a wildcard was used */
  Wildcard = 0x04,
  /** all glob brace alternatives must match */
  Brace = 0x08,
}

/** `include`, `includer`, `includem`, `includew`, `includeb`, `includea` (check_include()). */
export function parseIncludeLine(s: string): { type: number; pattern: string } | undefined {
  if (!s.startsWith('include') || s.length <= 7) return undefined;
  const sp = (c: string | undefined) =>
    c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  let p: number;
  let type: number;
  if (sp(s[7])) {
    p = 8;
    type = IncludeCheck.None;
  } else if (sp(s[8]) && 'rmwba'.includes(s[7])) {
    p = 9;
    switch (s[7]) {
      case 'r':
        type = IncludeCheck.Read;
        break;
      case 'a':
        type = IncludeCheck.Read | IncludeCheck.Match | IncludeCheck.Brace | IncludeCheck.Wildcard;
        break;
      case 'w':
        type = IncludeCheck.Read | IncludeCheck.Match | IncludeCheck.Wildcard;
        break;
      case 'm':
        type = IncludeCheck.Read | IncludeCheck.Match;
        break;
      default: // 'b'
        type = IncludeCheck.Read | IncludeCheck.Brace;
    }
  } else return undefined;
  while (s[p] === ' ' || s[p] === '\t') p++;
  return { type, pattern: s.slice(p) };
}

/** have_brace(): an unescaped '{' anywhere in the pattern. */
export function hasBrace(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '{') return true;
  }
  return false;
}

/** Index of the '}' closing the '{' at `open`, honouring nesting and '\' escapes; -1 if unbalanced. */
function closingBrace(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * glibc GLOB_BRACE: the first '{...}' with its alternatives (split at top-level commas), recursively, in order.
 * An unbalanced '{' leaves the pattern as it is. Each result is globbed (and sorted) on its own.
 */
export function braceExpand(p: string, limit = 4096): string[] {
  let open = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '{') {
      open = i;
      break;
    }
  }
  if (open < 0) return [p];
  const close = closingBrace(p, open);
  if (close < 0) return [p];
  const alts: string[] = [];
  let depth = 0;
  let st = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      alts.push(p.slice(st, i));
      st = i + 1;
    }
  }
  alts.push(p.slice(st, close));
  const out: string[] = [];
  for (const a of alts) {
    for (const x of braceExpand(p.slice(0, open) + a + p.slice(close + 1), limit)) {
      if (out.length >= limit) return out;
      out.push(x);
    }
  }
  return out;
}

export interface GlobOutcome {
  paths: string[];
  /** alternatives without wildcards that do not exist (glob's gl_lstat failures) */
  missingFiles: number;
  /** wildcard alternatives whose directory does not exist (gl_opendir failures) */
  missingDirs: number;
  /** a wildcard was used (gl_opendir called) */
  haveWildcards: boolean;
}

/** Makes a pattern absolute against `cwd` (keepalived chdir()s into each included file's directory). */
export function absolutePattern(pattern: string, cwd: string): string {
  if (pattern.startsWith('/')) return pattern;
  const base = escapeGlob(cwd.endsWith('/') ? cwd.slice(0, -1) : cwd);
  return `${base}/${pattern}`;
}

/** glob(pattern, GLOB_MARK | GLOB_BRACE | GLOB_ALTDIRFUNC) as open_and_check_glob() sees it. */
export function globInclude(loader: SourceLoader, pattern: string): GlobOutcome {
  const out: GlobOutcome = { paths: [], missingFiles: 0, missingDirs: 0, haveWildcards: false };
  for (const alt of braceExpand(pattern)) {
    const comps = alt.split('/');
    const magicAt = comps.findIndex((c) => hasGlobMagic(c));
    let got: string[];
    try {
      got = loader.glob(alt);
    } catch {
      got = [];
    }
    if (magicAt >= 0) {
      out.haveWildcards = true;
      if (got.length === 0) {
        const dir = comps.slice(0, magicAt).join('/') || (alt.startsWith('/') ? '/' : '.');
        let exists: string[];
        try {
          exists = loader.glob(dir.endsWith('/') ? dir : dir + '/');
        } catch {
          exists = [];
        }
        if (exists.length === 0) out.missingDirs++;
      }
    } else if (got.length === 0) out.missingFiles++;
    out.paths.push(...got);
  }
  return out;
}

/**
 * include_check_set() (global_defs `include_check [[+|-]read|match|wildcard_match|brace_match ...]`):
 * returns the new include_check value and any complaints.
 */
export function includeCheckSet(current: number, args: string[]): { value: number; errors: string[] } {
  const errors: string[] = [];
  let v = current;
  if (args.length === 0) return { value: IncludeCheck.Read | IncludeCheck.Match | IncludeCheck.Wildcard | IncludeCheck.Brace, errors };
  args.forEach((word, i) => {
    let add = 0;
    let off = 1;
    if (word[0] === '-') add = -1;
    else if (word[0] === '+') add = 1;
    else {
      off = 0;
      if (i === 0) v = 0;
      else {
        errors.push(`Duplicate include_check '${word}' specified - ignoring`);
        return;
      }
    }
    const name = word.slice(off);
    const flag =
      name === 'read'
        ? IncludeCheck.Read
        : name === 'match'
          ? IncludeCheck.Match
          : name === 'wildcard_match'
            ? IncludeCheck.Wildcard
            : name === 'brace_match'
              ? IncludeCheck.Brace
              : 0;
    if (!flag) errors.push(`Unknown include_check type '${name}' - ignoring; should be read, match, wildcard_match or brace_match`);
    else if (add === 0) v = IncludeCheck.Read | flag;
    else if (add === 1) v |= flag;
    else v &= ~flag;
  });
  return { value: v, errors };
}
