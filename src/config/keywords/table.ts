// Keyword table types and the shared handler helpers: a section's grammar is a list of KeywordSpec data rows.
import type { ConfNode, Diagnostic, Loc, Token } from '../types';
import type { NotifyScript } from '../model';
import { parseBool, parseInt10, parseSeconds, parseUnsigned, type Parsed } from '../values';

/** Stable diagnostic codes produced by the model builder. */
export enum Code {
  BAD_VALUE = 'E_BAD_VALUE',
  MISSING_VALUE = 'E_MISSING_VALUE',
  MISSING_REQUIRED = 'E_MISSING_REQUIRED',
  /** keepalived drops an incomplete object ("... - removing") and carries on */
  DROPPED = 'W_DROPPED',
  UNDEFINED_REF = 'E_UNDEFINED_REF',
  DUPLICATE = 'E_DUPLICATE',
  /** a repeated entry keepalived ignores */
  DUPLICATE_IGNORED = 'W_DUPLICATE',
  /** something keepalived recommends is missing; it carries on */
  MISSING = 'W_MISSING',
  CONFLICT = 'W_CONFLICT',
  BLOCK_EXPECTED = 'E_BLOCK_EXPECTED',
  UNKNOWN_KEYWORD = 'W_UNKNOWN_KEYWORD',
  UNSUPPORTED = 'W_UNSUPPORTED',
  DEFAULTED = 'W_DEFAULTED',
  IGNORED = 'W_IGNORED',
  DEPRECATED = 'W_DEPRECATED',
  UNEXPECTED_BLOCK = 'W_UNEXPECTED_BLOCK',
}

/** Builder state shared by all handlers: diagnostics out, plus cross-reference bookkeeping. */
export interface Ctx {
  diagnostics: Diagnostic[];
  unsupported: { keyword: string; loc: Loc }[];
  /** set when any script (notify, vrrp_script, MISC_CHECK...) is configured */
  scriptLocs: Loc[];
  /** track_file / vrrp_script names defined so far (keepalived resolves references to them while parsing) */
  trackFileNames?: Set<string>;
  vrrpScriptNames?: Set<string>;
  /** next automatic ip rule priority per family (vrrp_iprule.c RULE_START_PRIORITY 16384, counting down) */
  rulePrio?: { 4: number; 6: number };
}

export type Handler<T> = (ctx: Ctx, node: ConfNode, target: T) => void;

/** How a keyword is used; `args` is documentation for humans and suggestion output. */
export interface KeywordSpec<T = any> {
  name: string;
  /** other spellings keepalived registers for the same handler */
  synonyms?: string[];
  /** 'implemented': fills the model; 'unsupported': keepalived knows it, lvskeeper does not act on it */
  status: 'implemented' | 'unsupported';
  /** why it is unsupported (shown in W_UNSUPPORTED) */
  reason?: string;
  /** keepalived reports using this keyword (or the listed synonyms) as deprecated: spelling -> replacement */
  reportedDeprecated?: Record<string, string>;
  /** argument syntax, e.g. "<1-255>", "[true|false]", "{ ADDR ... }" */
  args: string;
  /** 'keywords' opens a block of keywords (sub-table), 'values' a block of value lines */
  block?: 'keywords' | 'values';
  handle?: Handler<T>;
}

export type KeywordTable<T = any> = KeywordSpec<T>[];

/** Index a table by every spelling. */
export function indexTable<T>(table: KeywordTable<T>): Map<string, KeywordSpec<T>> {
  const m = new Map<string, KeywordSpec<T>>();
  for (const s of table) {
    m.set(s.name, s);
    for (const y of s.synonyms ?? []) m.set(y, s);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics helpers

export function err(ctx: Ctx, code: Code, message: string, loc?: Loc): void {
  ctx.diagnostics.push({ severity: 'error', code, message, loc });
}

export function warn(ctx: Ctx, code: Code, message: string, loc?: Loc): void {
  ctx.diagnostics.push({ severity: 'warning', code, message, loc });
}

export function info(ctx: Ctx, code: string, message: string, loc?: Loc): void {
  ctx.diagnostics.push({ severity: 'info', code, message, loc });
}

/** "KW is VALUE; should be WHY" at the token. `consequence` says what keepalived does instead. */
export function badValue(ctx: Ctx, what: string, tok: Token, why: string, consequence = 'ignored'): void {
  const shown = tok.text === '' || /[\s"]/.test(tok.text) ? JSON.stringify(tok.text) : tok.text;
  err(ctx, Code.BAD_VALUE, `${what} is ${shown}; should be ${why} (${consequence})`, tok.loc);
}

/** The n-th argument or a E_MISSING_VALUE error at the keyword. */
export function arg(ctx: Ctx, node: ConfNode, n: number, should: string): Token | undefined {
  const t = node.args[n];
  if (!t) err(ctx, Code.MISSING_VALUE, `${node.keyword} has no value; should be ${should}`, node.loc);
  return t;
}

export function parsed<V>(ctx: Ctx, what: string, tok: Token, p: Parsed<V>, consequence?: string): V | undefined {
  if (p.ok) return p.value;
  badValue(ctx, what, tok, p.why, consequence);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Handler factories for the common shapes. `field` names a property of the target.

type Rec = Record<string, unknown>;

export function uintField<T>(field: string, min: number, max: number, opts: { fallback?: number } = {}): Handler<T> {
  return (ctx, node, target) => {
    const t = arg(ctx, node, 0, `${min}-${max}`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, min, max), opts.fallback !== undefined ? `using ${opts.fallback}` : undefined);
    if (v !== undefined) (target as Rec)[field] = v;
    else if (opts.fallback !== undefined) (target as Rec)[field] = opts.fallback;
  };
}

export function intField<T>(field: string, min: number, max: number): Handler<T> {
  return (ctx, node, target) => {
    const t = arg(ctx, node, 0, `${min}-${max}`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseInt10(t.text, min, max));
    if (v !== undefined) (target as Rec)[field] = v;
  };
}

/** Seconds with up to 6 decimals (keepalived read_timer / read_decimal_unsigned). */
export function secondsField<T>(field: string, min: number, max: number): Handler<T> {
  return (ctx, node, target) => {
    const t = arg(ctx, node, 0, `a number of seconds`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseSeconds(t.text, min, max));
    if (v !== undefined) (target as Rec)[field] = v;
  };
}

/** Whole seconds (keepalived read_unsigned then * TIMER_HZ). */
export function wholeSecondsField<T>(field: string, min: number, max: number): Handler<T> {
  return uintField<T>(field, min, max);
}

/** `keyword [true|false|on|off|yes|no]`: no argument means true. */
export function boolField<T>(field: string, invert = false): Handler<T> {
  return (ctx, node, target) => {
    const t = node.args[0];
    let v = true;
    if (t) {
      const p = parseBool(t.text);
      if (!p.ok) {
        badValue(ctx, node.keyword, t, p.why);
        return;
      }
      v = p.value;
    }
    (target as Rec)[field] = invert ? !v : v;
  };
}

/** A keyword without arguments that sets a field to a constant. */
export function flagField<T>(field: string, value: unknown = true): Handler<T> {
  return (_ctx, _node, target) => {
    (target as Rec)[field] = value;
  };
}

/** The first argument as a string. */
export function stringField<T>(field: string, should = 'a value'): Handler<T> {
  return (ctx, node, target) => {
    const t = arg(ctx, node, 0, should);
    if (t) (target as Rec)[field] = t.text;
  };
}

/** All arguments joined by a space (keepalived set_value / strvec joined). */
export function restField<T>(field: string, should = 'a value'): Handler<T> {
  return (ctx, node, target) => {
    const t = arg(ctx, node, 0, should);
    if (t) (target as Rec)[field] = node.args.map((a) => a.text).join(' ');
  };
}

/**
 * A script keyword's value as keepalived reads it (lib/notify.c notify_script_init / set_script_params_array):
 * the whole line is split again honouring "..." and '...' and backslash escapes; the second word is the command
 * line, itself split into the program and its arguments. For notify-style keywords the third and fourth words
 * are the user and group to run it as; for `script`/`misc_path` further words are ignored by keepalived.
 */
export function makeScript(ctx: Ctx, node: ConfNode, mode: 'notify' | 'single' = 'notify'): NotifyScript | undefined {
  const raw = (node as ConfNode & { raw?: string }).raw;
  let words: string[] | undefined;
  if (typeof raw === 'string') words = splitCommand(raw);
  if (!words) words = [node.keyword, ...node.args.map((a) => a.text)];
  const cmd = words[1];
  if (cmd === undefined || cmd === '') {
    err(ctx, Code.MISSING_VALUE, `${node.keyword} has no value; should be a script path and arguments`, node.loc);
    return undefined;
  }
  const args = splitCommand(cmd) ?? [cmd];
  if (args.length === 0) {
    err(ctx, Code.MISSING_VALUE, `${node.keyword} has no value; should be a script path and arguments`, node.loc);
    return undefined;
  }
  ctx.scriptLocs.push(node.loc);
  const s: NotifyScript = { loc: node.loc, command: cmd, args };
  if (mode === 'notify') {
    if (words[2] !== undefined) s.user = words[2];
    if (words[3] !== undefined) s.group = words[3];
  } else if (words.length > 2) {
    // keepalived ignores the extra words silently (keepalived -t exits 0), so this is advice, not a warning
    const extra = node.args[1];
    info(ctx, 'I_SCRIPT_ARGS', `${node.keyword}: keepalived uses only the first word ${JSON.stringify(cmd)} as the command; quote the whole command line to pass arguments (${words.slice(2).join(' ')} ignored)`, extra?.loc ?? node.loc);
  }
  return s;
}

/**
 * Split on unquoted blanks honouring "..." and '...' and backslash escapes (\n \t \\ ...), as keepalived's
 * alloc_strvec_quoted_escaped() does. Returns undefined for an unterminated quote or a trailing backslash.
 */
export function splitCommand(s: string): string[] | undefined {
  const out: string[] = [];
  const esc: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    let cur = '';
    let q = '';
    while (i < s.length) {
      const c = s[i]!;
      if (!q && (c === ' ' || c === '\t')) break;
      if (q && c === q) { q = ''; i++; continue; }
      if (!q && (c === '"' || c === "'")) { q = c; i++; continue; }
      if (c !== '\\') { cur += c; i++; continue; }
      i++;
      if (i >= s.length) return undefined;
      const e = s[i]!;
      cur += esc[e] ?? e;
      i++;
    }
    if (q) return undefined;
    out.push(cur);
  }
  return out;
}

/** A script keyword that keepalived accepts only once per object ("already specified - ignoring"). */
export function scriptField<T>(field: string): Handler<T> {
  return (ctx, node, target) => {
    const r = target as Rec;
    if (r[field]) {
      warn(ctx, Code.IGNORED, `${node.keyword} script already specified - ignoring this one`, node.loc);
      return;
    }
    const s = makeScript(ctx, node);
    if (s) r[field] = s;
  };
}

/** Unsupported keyword row. */
export function unsupported<T = any>(name: string, args: string, reason: string, extra: Partial<KeywordSpec<T>> = {}): KeywordSpec<T> {
  return { name, args, status: 'unsupported', reason, ...extra };
}
