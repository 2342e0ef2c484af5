// The line source of the keepalived.conf front end: keepalived 2.2.7 lib/parser.c read_line() as a state machine
// (include stack, fgets() line cutting, decomment, @id conditionals, $NAME definitions and substitution,
// multiline definitions, ~SEQ/~LST generators, one-brace-per-line splitting). Yields preprocessed lines.
import * as path from 'node:path';
import { parseLst, parseSeq, remaining, type Generator } from './generators';
import { absolutePattern, globInclude, hasBrace, IncludeCheck, includeCheckSet, parseIncludeLine } from './include';
import { braceSplit, decomment, MAXBUF, SrcText } from './lexer';
import { defaultConfigId } from './loader';
import { Definitions, installBuiltins, makeRandom, replaceParams, type Definition, type MultilinePtr } from './params';
import type { Diagnostic, Loc, ParseOptions, Severity, SourceLoader } from './types';

/** Nesting of include files beyond which we stop (keepalived itself only stops when it runs out of descriptors). */
export const MAX_INCLUDE_DEPTH = 64;
/** Lines a configuration may expand to (generators, multiline definitions) before we call it runaway. */
export const MAX_LINES = 10_000_000;
/** Files (include matches) opened in all, before we call it an include explosion. */
export const MAX_FILE_OPENS = 10_000;
/** Lines all ~SEQ/~LST generators together may produce. */
export const MAX_GENERATED = 5_000_000;
/** Re-examinations of one line after substitution (the do { } while (recheck) of read_line()). */
const MAX_RECHECK = 1000;

interface OpenFile {
  path: string;
  text: string;
  pos: number;
  lineNo: number;
  lineStart: number;
  /** keepalived chdir()s into the file's directory while reading it */
  dir: string;
}

/** One `include` (or the top-level file): the glob's matches, read one after the other. */
interface GlobFrame {
  pattern: string;
  paths: string[];
  next: number;
  type: number;
  savedIncludeCheck: number;
  numMatches: number;
  /** the include line came from a generator or a multiline definition */
  generated: boolean;
  /** the include line (or the command line for the top file) */
  loc: Loc;
  file?: OpenFile;
}

export type Report = (d: Diagnostic) => void;

export class Preprocessor {
  /** files read, in the order first opened */
  readonly files: string[] = [];
  private readonly fileSet = new Set<string>();
  private readonly stack: GlobFrame[] = [];
  private readonly defs = new Definitions();
  private readonly gens: Generator[] = [];
  private readonly multilineStack: { ptr: MultilinePtr | undefined; seqDepth: number }[] = [];
  private multilineSeqDepth = 0;
  private nextPtr: MultilinePtr | undefined;
  private residue: SrcText | undefined;
  private residueGenerated = false;
  private multilineDef: Definition | undefined;
  private includeCheck = 0;
  private readonly configId: string;
  private stopped = false;
  private lines = 0;
  private generated = 0;
  /** the line being returned came from a generator or a multiline definition */
  private curGenerated = false;
  /** multiline definitions the current line was expanded from (recursion guard) */
  private curChain: readonly Definition[] = [];
  private residueChain: readonly Definition[] = [];
  private readonly genChains = new WeakMap<Generator, readonly Definition[]>();
  private opens = 0;
  private lastLoc: Loc = { file: '<config>', line: 0, col: 0 };
  private readonly quoteReported = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly loader: SourceLoader,
    opts: ParseOptions,
    private readonly report: Report,
  ) {
    this.configId = opts.configId ?? defaultConfigId();
    const random = makeRandom(opts.randomSeed ?? (Date.now() ^ (process.pid << 16)));
    const instance = opts.instance ?? this.configId;
    installBuiltins(this.defs, {
      pwd: () => this.cwd(),
      instance: () => instance,
      random,
      extraParams: (at) =>
        this.once('W_RANDOM_PARAMS', at, 'warning', 'Too many parameters or extra text for ${_RANDOM}; should be ${_RANDOM [MIN [MAX]]}'),
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private diag(severity: Severity, code: string, message: string, loc?: Loc): void {
    this.report({ severity, code, message, loc });
  }

  private once(code: string, loc: Loc, severity: Severity, message: string): void {
    const k = `${code}|${loc.file}|${loc.line}|${loc.col}|${message}`;
    if (this.warned.has(k)) return;
    this.warned.add(k);
    this.diag(severity, code, message, loc);
  }

  /** Reports an unterminated quote once per source line. */
  quoteError(loc: Loc, message: string): void {
    const k = `${loc.file}|${loc.line}`;
    if (this.quoteReported.has(k)) return;
    this.quoteReported.add(k);
    this.diag('error', 'E_UNTERMINATED_QUOTE', message, loc);
  }

  private cwd(): string {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const f = this.stack[i].file;
      if (f) return f.dir;
    }
    return this.loader.cwd();
  }

  /** The location keepalived would report: the start of the last line read. */
  private here(): Loc {
    return this.lastLoc;
  }

  /** Where the last line returned by next() started. */
  lastLine(): Loc {
    return this.lastLoc;
  }

  /** file_config_error(): an error when the include type or include_check asks for `errorType`, else a log line. */
  private fileError(errorType: number, code: string, message: string, loc: Loc | undefined, frame: GlobFrame | undefined): void {
    const isError = ((this.includeCheck | (frame ? frame.type : 0)) & errorType) !== 0;
    const hint = isError ? '' : ' (keepalived logs this and carries on)';
    this.diag(isError ? 'error' : 'warning', `${isError ? 'E' : 'W'}_${code}`, message + hint, loc);
  }

  /** Opens the top-level configuration (check_conf_file() then open_glob_file(conf, R|M|W)). */
  start(entry: string): boolean {
    const loc: Loc = { file: entry, line: 0, col: 0 };
    const pattern = absolutePattern(entry, this.loader.cwd());
    const g = globInclude(this.loader, pattern);
    const usable = g.paths.filter((p) => !p.endsWith('/'));
    if (usable.length === 0) {
      this.diag('error', 'E_CONFIG_NOT_FOUND', `Unable to find configuration file ${entry}`, loc);
      return false;
    }
    if (usable.length > 1) {
      this.diag('error', 'E_MULTIPLE_CONFIG_FILES', `WARNING, multiple configuration file matches of ${entry}, starting with ${usable[0]}`, loc);
    }
    return this.openGlob(entry, IncludeCheck.Read | IncludeCheck.Match | IncludeCheck.Wildcard, loc, false);
  }

  /** global_defs `include_check ...`: changes how later includes (in this file and below) are checked. */
  setIncludeCheck(args: string[], loc: Loc): void {
    const r = includeCheckSet(this.includeCheck, args);
    this.includeCheck = r.value;
    for (const e of r.errors) this.diag('error', 'E_BAD_INCLUDE_CHECK', e, loc);
  }

  /** open_glob_file() */
  private openGlob(pattern: string, type: number, loc: Loc, generated: boolean): boolean {
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.diag('error', 'E_INCLUDE_DEPTH', `include '${pattern}' is nested ${this.stack.length} deep; should be at most ${MAX_INCLUDE_DEPTH} (an include loop?) - skipping`, loc);
      return false;
    }
    const frame: GlobFrame = { pattern, paths: [], next: 0, type, savedIncludeCheck: this.includeCheck, numMatches: 0, generated, loc };
    const abs = absolutePattern(pattern, this.cwd());
    this.stack.push(frame);
    const g = globInclude(this.loader, abs);
    if (g.paths.length === 0) {
      if (g.missingFiles || g.missingDirs) {
        this.fileError(hasBrace(pattern) ? IncludeCheck.Brace : IncludeCheck.Match, 'INCLUDE_NOT_FOUND', `Config files missing '${pattern}'.`, loc, frame);
      } else if (g.haveWildcards && ((this.includeCheck | type) & IncludeCheck.Wildcard)) {
        this.fileError(IncludeCheck.Wildcard, 'INCLUDE_NO_MATCH', `No config files matched '${pattern}'.`, loc, frame);
      }
      this.stack.pop();
      return false;
    }
    if (g.missingFiles || g.missingDirs) {
      this.fileError(IncludeCheck.Brace, 'INCLUDE_PARTIAL', `Some config files missing: "${pattern}".`, loc, frame);
      if ((this.includeCheck | type) & IncludeCheck.Brace) {
        this.stack.pop();
        return false;
      }
    }
    frame.paths = g.paths.map((x) => path.posix.normalize(x));
    if (!this.openNext(frame)) {
      this.stack.pop();
      return false;
    }
    return true;
  }

  /** open_conf_file(): the next readable match of the frame's glob. */
  private openNext(frame: GlobFrame): boolean {
    const loc = frame.loc;
    while (frame.next < frame.paths.length && !this.stopped) {
      const p = frame.paths[frame.next++];
      if (++this.opens > MAX_FILE_OPENS) {
        this.diag('error', 'E_INCLUDE_LIMIT', `more than ${MAX_FILE_OPENS} include files opened (an include loop through generated include lines?) - stopping`, loc);
        this.stopped = true;
        return false;
      }
      if (p.endsWith('/')) {
        this.fileError(IncludeCheck.Read, 'INCLUDE_UNREADABLE', `Configuration file '${p}' is a directory - skipping`, loc, frame);
        continue;
      }
      if (!frame.generated && this.stack.some((f) => f !== frame && f.file?.path === p)) {
        this.diag('error', 'E_INCLUDE_LOOP', `Configuration file '${p}' includes itself (directly or through other files) - skipping`, loc ?? this.here());
        continue;
      }
      let text: string;
      try {
        text = this.loader.readFile(p);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EISDIR') {
          this.fileError(IncludeCheck.Read, 'INCLUDE_UNREADABLE', `Configuration file '${p}' is a directory - skipping`, loc, frame);
        } else if (code === 'ENOTREGULAR') {
          this.fileError(IncludeCheck.Read, 'INCLUDE_UNREADABLE', `Configuration file '${p}' is not a regular non-executable file - skipping`, loc, frame);
        } else {
          this.fileError(IncludeCheck.Read, 'INCLUDE_UNREADABLE', `Configuration file '${p}' open problem (${code ?? (e as Error).message}) - skipping`, loc, frame);
        }
        continue;
      }
      frame.file = { path: p, text, pos: 0, lineNo: 1, lineStart: 0, dir: path.posix.dirname(p) };
      frame.numMatches++;
      if (!this.fileSet.has(p)) {
        this.fileSet.add(p);
        this.files.push(p);
      }
      return true;
    }
    return false;
  }

  /** get_next_file(): the current file ended; go on with the next match or the including file. */
  private nextFile(): boolean {
    const frame = this.stack[this.stack.length - 1];
    this.includeCheck = frame.savedIncludeCheck;
    frame.file = undefined;
    if (this.openNext(frame)) return true;
    this.stack.pop();
    return this.stack.length > 0;
  }

  /** fgets(buf, MAXBUF): the next physical line (or the next MAXBUF-1 characters of a longer one). */
  private readChunk(f: OpenFile): SrcText | undefined {
    const t = f.text;
    if (f.pos >= t.length) return undefined;
    const nl = t.indexOf('\n', f.pos);
    const lineEnd = nl < 0 ? t.length : nl;
    const loc: Loc = { file: f.path, line: f.lineNo, col: f.pos - f.lineStart + 1 };
    let chunk: string;
    if (lineEnd - f.pos > MAXBUF - 2) {
      chunk = t.slice(f.pos, f.pos + MAXBUF - 1);
      f.pos += MAXBUF - 1;
      if (loc.col === 1) {
        this.diag('warning', 'W_LINE_TOO_LONG', `line is longer than ${MAXBUF - 2} characters; keepalived reads it in pieces of ${MAXBUF - 1}, each a line of its own`, loc);
      }
    } else {
      chunk = t.slice(f.pos, lineEnd);
      f.pos = nl < 0 ? t.length : nl + 1;
    }
    if (f.pos > lineEnd) {
      f.lineNo++;
      f.lineStart = f.pos;
    }
    let n = chunk.length;
    while (n > 0 && (chunk[n - 1] === '\r' || chunk[n - 1] === '\n')) n--;
    return SrcText.at(n === chunk.length ? chunk : chunk.slice(0, n), loc);
  }

  /** The next non-empty, decommented line from the include stack, or undefined at the end. */
  private readFileLine(): SrcText | undefined {
    for (;;) {
      if (this.stack.length === 0) return undefined;
      const f = this.stack[this.stack.length - 1].file;
      const chunk = f ? this.readChunk(f) : undefined;
      if (!chunk) {
        if (this.nextFile()) continue;
        return undefined;
      }
      if (chunk.length === 0) {
        if (this.multilineDef) this.endMultilineDef();
        continue;
      }
      const d = decomment(chunk);
      if (d.openQuote !== undefined) this.quoteError(chunk.locAt(d.openQuote), `Unterminated quote '${d.text.text}'`);
      if (d.text.length) return d.text;
    }
  }

  private endMultilineDef(): void {
    const def = this.multilineDef!;
    this.multilineDef = undefined;
    if (def.value.length === 0) def.multiline = false;
  }

  /** The line from the innermost generator (and sets its variables). */
  private emitGenerator(): SrcText {
    const g = this.gens[this.gens.length - 1];
    if (++this.generated > MAX_GENERATED) {
      this.diag('error', 'E_GENERATOR_LIMIT', `~SEQ/~LST generators produce more than ${MAX_GENERATED} lines - stopping them`, g.text.locAt(0));
      this.gens.length = 0;
      return g.text.slice(0, 0);
    }
    if (g.kind === 'seq') {
      const val = g.hex ? g.next.toString(16) : String(g.next);
      this.defs.set(g.variable, SrcText.at(val, g.text.locAt(0)));
      g.next += g.step;
      if ((g.step > 0 && g.next > g.last) || (g.step < 0 && g.next < g.last)) this.gens.pop();
    } else {
      const set = g.sets[g.next];
      g.params.forEach((p, i) => this.defs.set(p, SrcText.at(set[i], g.text.locAt(0))));
      if (g.next === g.sets.length - 1) this.gens.pop();
      else g.next++;
    }
    return g.text;
  }

  private addGenerator(buf: SrcText): void {
    const loc = buf.locAt(0);
    const r =
      buf.text[1] === 'S'
        ? parseSeq(buf, (numbers) => {
            const num = SrcText.at(numbers, buf.locAt(0));
            let ml = false;
            const out = replaceParams(num, this.defs, undefined, {
              notFound: (name, reason, at) => this.notFound(name, reason, at),
              tooLong: () => {},
              runaway: (at) => this.diag('error', 'E_PARAM_RECURSION', 'parameter substitution does not terminate', at),
              paramsMidLine: () => {},
              multilineStart: () => {
                ml = true;
                return true;
              },
            }, 64);
            if (ml) return { error: `~SEQ parameter is multiline definition '${buf.text}'` };
            return out.buf.text;
          })
        : parseLst(buf);
    if ('error' in r) {
      this.diag('error', 'E_BAD_GENERATOR', r.error, loc);
      return;
    }
    // lines this generator will produce, times how often the enclosing generators will produce it again
    let n = remaining(r.gen);
    for (const g of this.gens) n *= 1 + remaining(g);
    if (n > MAX_GENERATED) {
      this.diag('error', 'E_GENERATOR_LIMIT', `'${buf.text}' would produce ${n} lines; should be at most ${MAX_GENERATED} - ignoring it${this.gens.length ? ' and the generators it is nested in' : ''}`, loc);
      this.gens.length = 0;
      return;
    }
    this.genChains.set(r.gen, this.curChain);
    this.gens.push(r.gen);
  }

  private notFound(name: string, reason: string, at: Loc): void {
    if (reason === 'undefined') {
      this.once('W_UNDEFINED_PARAM', at, 'warning', `parameter '${name}' is not defined; keepalived leaves '$${name}' in the line as it is`);
    } else if (reason === 'multiline-not-last') {
      this.once('W_MULTILINE_PARAM_MIDLINE', at, 'warning', `multiline parameter '${name}' is only substituted when it is the last thing on the line; left as it is`);
    } else if (reason === 'bad-end' && this.defs.has(name)) {
      this.once('W_PARAM_NOT_SUBSTITUTED', at, 'warning', `'$${name}' is not substituted: keepalived wants $${name} followed by a blank, ',', ')' or the line end, or \${${name}} with its closing '}'; should be \${${name}}`);
    } else if (reason === 'params' && this.defs.has(name)) {
      this.once('W_PARAM_ARGS', at, 'warning', `parameter '${name}' takes no arguments; left as it is`);
    }
  }

  /** read_line(): the next line for the block parser, or undefined at the end of the configuration. */
  next(): SrcText | undefined {
    let buf: SrcText;
    for (;;) {
      if (this.stopped) return undefined;
      if (++this.lines > MAX_LINES) {
        this.diag('error', 'E_LINE_LIMIT', `configuration expands to more than ${MAX_LINES} lines - stopping`, this.here());
        this.stopped = true;
        return undefined;
      }
      let generated: boolean;
      if (this.residue) {
        buf = this.residue;
        generated = this.residueGenerated;
        this.curChain = this.residueChain;
        this.residue = undefined;
      } else if (this.gens.length > 0 && this.gens.length > this.multilineSeqDepth) {
        this.curChain = this.genChains.get(this.gens[this.gens.length - 1]) ?? [];
        buf = this.emitGenerator();
        generated = true;
      } else if (this.nextPtr) {
        const { value, off, chain } = this.nextPtr;
        this.curChain = chain;
        const end = value.text.indexOf('\n', off);
        if (end < 0) {
          buf = value.slice(off);
          const top = this.multilineStack.pop();
          if (top) {
            this.nextPtr = top.ptr;
            this.multilineSeqDepth = top.seqDepth;
          } else {
            this.nextPtr = undefined;
            this.multilineSeqDepth = 0;
          }
        } else {
          buf = value.slice(off, end);
          this.nextPtr = { value, off: end + 1, chain };
        }
        generated = true;
      } else {
        const l = this.readFileLine();
        if (!l) return undefined;
        buf = l;
        generated = false;
        this.curChain = [];
      }
      this.curGenerated = generated;

      if (this.multilineDef) {
        this.continueMultilineDef(buf);
        continue;
      }
      if (buf.length === 0) continue;

      buf = this.conditionalsAndParams(buf);
      if (buf.length === 0) continue;
      const inc = parseIncludeLine(buf.text);
      if (inc) {
        this.openGlob(inc.pattern, inc.type, buf.locAt(0), this.curGenerated);
        continue;
      }
      break;
    }
    this.lastLoc = buf.locAt(0);
    const { line, residue } = braceSplit(buf);
    if (residue) {
      this.residue = residue;
      this.residueGenerated = this.curGenerated;
      this.residueChain = this.curChain;
    }
    return line;
  }

  /** A line of a multiline definition: appended, and a last line (no trailing '\') ends it. */
  private continueMultilineDef(buf: SrcText): void {
    const def = this.multilineDef!;
    let t = buf;
    let cont = false;
    const s = t.text;
    if (s.length && s[s.length - 1] === '\\') {
      let n = s.length - 1;
      while (n >= 1 && (s[n - 1] === ' ' || s[n - 1] === '\t')) n--;
      t = t.slice(0, n).concat(SrcText.at('\n', buf.locAt(s.length - 1)));
      cont = true;
    } else this.endMultilineDef();
    if (t.length >= 2 || (t.length && !cont)) def.value = def.value.concat(t);
  }

  /** The do { } while (recheck) of read_line(): @id, $NAME=, ~SEQ/~LST, substitution. Returns '' for a consumed line. */
  private conditionalsAndParams(buf: SrcText): SrcText {
    const empty = buf.slice(0, 0);
    for (let round = 0; ; round++) {
      if (round > MAX_RECHECK) {
        this.diag('error', 'E_PARAM_RECURSION', 'parameter substitution keeps producing new parameters - line dropped', buf.locAt(0));
        return empty;
      }
      let s = buf.text;
      if (s[0] === '@') {
        const rev = s[1] === '^';
        const ofs = rev ? 2 : 1;
        let sp = ofs;
        while (sp < s.length && s[sp] !== ' ' && s[sp] !== '\t') sp++;
        if (sp >= s.length) return empty;
        const match = s.slice(ofs, sp) === this.configId;
        if (match === rev) return empty;
        while (s[sp] === ' ' || s[sp] === '\t') sp++;
        buf = buf.slice(sp);
        s = buf.text;
      }
      if (s[0] === '$') {
        const def = this.defs.define(buf);
        if (def) {
          if (def.multiline) this.multilineDef = def;
          return empty;
        }
      }
      if (s.startsWith('~SEQ') || s.startsWith('~LST')) {
        this.addGenerator(buf);
        return empty;
      }
      if (s[0] === '~') return buf;
      if (!s.includes('$')) return buf;
      const r = replaceParams(buf, this.defs, this.nextPtr, {
        notFound: (name, reason, at) => this.notFound(name, reason, at),
        tooLong: (at) =>
          this.once('W_LINE_TOO_LONG', at, 'warning', `Parameter substitution on line '${buf.text}' would exceed maximum line length (${MAXBUF - 1}); substitution stopped`),
        runaway: (at) => this.diag('error', 'E_PARAM_RECURSION', `parameter substitution on line '${buf.text}' does not terminate (a parameter defined in terms of itself?)`, at),
        paramsMidLine: (name, at) =>
          this.once('W_PARAM_ARGS_MIDLINE', at, 'warning', `keepalived 2.2.7 garbles the rest of a line after \${${name} ...} with arguments; should be the last thing on the line`),
        chain: this.curChain,
        multilineStart: (def, prev) => {
          if (this.curChain.includes(def)) {
            this.diag('error', 'E_PARAM_RECURSION', `multiline parameter '${def.name}' is expanded from within its own expansion (keepalived would not stop) - not expanded`, buf.locAt(0));
            return false;
          }
          if (prev) this.multilineStack.push({ ptr: prev, seqDepth: this.multilineSeqDepth });
          this.multilineSeqDepth = this.gens.length;
          return true;
        },
      });
      buf = r.buf;
      if (!r.found) return buf;
      this.nextPtr = r.multiline;
      const d = decomment(buf);
      if (d.openQuote !== undefined) this.quoteError(buf.locAt(d.openQuote), `Unterminated quote '${d.text.text}'`);
      buf = d.text;
      if (!(buf.text[0] === '@' || buf.text.includes('$'))) return buf;
    }
  }
}
