// A command-line scanner with popt 1.19's rules (poptGetNextOpt, poptGetArg, poptBadOption) for a table without
// aliases, execs or callbacks, which is how ipvsadm 1.31 uses it: "--long", "--long=arg", clustered short options
// ("-Ln", "-t1.2.3.4:80", "-t=addr"), optional arguments, "--" and leftover arguments, POSIXLY_CORRECT.

export enum PoptArg {
  NONE = 0,
  STRING = 1,
}

export interface PoptOption {
  longName?: string;
  shortName?: string;
  argInfo: PoptArg;
  optional?: boolean;
  /** returned by next() for this option */
  val: number;
}

/** popt's error codes (popt.h). */
export enum PoptError {
  NOARG = -10,
  BADOPT = -11,
  UNWANTEDARG = -12,
}

export function poptStrerror(e: PoptError): string {
  switch (e) {
    case PoptError.NOARG:
      return 'missing argument';
    case PoptError.UNWANTEDARG:
      return 'option does not take an argument';
    case PoptError.BADOPT:
      return 'unknown option';
    default:
      return 'unknown error';
  }
}

export interface PoptContextOptions {
  /** POSIXLY_CORRECT / POSIX_ME_HARDER: the first non-option ends option processing */
  posixMeHarder?: boolean;
}

const INDEXES = new WeakMap<readonly PoptOption[], { long: Map<string, PoptOption>; short: Map<string, PoptOption> }>();
/** Lookup maps of a table; the first entry with a name wins, as popt's findOption scan does. */
function index(table: readonly PoptOption[]) {
  let ix = INDEXES.get(table);
  if (!ix) {
    ix = { long: new Map(), short: new Map() };
    for (const o of table) {
      if (o.longName !== undefined && !ix.long.has(o.longName)) ix.long.set(o.longName, o);
      if (o.shortName !== undefined && !ix.short.has(o.shortName)) ix.short.set(o.shortName, o);
    }
    INDEXES.set(table, ix);
  }
  return ix;
}

/** One poptContext over argv (argv[0] is skipped). */
export class PoptContext {
  private next = 1;
  private nextCharArg: string | null = null;
  private restLeftover = false;
  private readonly leftovers: string[] = [];
  private nextLeftover = 0;
  /** argv indexes consumed by "!#:+" expansion (popt's argb) */
  private readonly taken = new Set<number>();
  /** the argument of the option last returned (popt stores it through opt->arg) */
  arg: string | null = null;

  constructor(
    private readonly argv: readonly string[],
    private readonly table: readonly PoptOption[],
    private readonly opts: PoptContextOptions = {},
  ) {}

  private findLong(name: string): PoptOption | undefined {
    return index(this.table).long.get(name);
  }
  private findShort(c: string): PoptOption | undefined {
    return index(this.table).short.get(c);
  }

  /** popt findNextArg(con, 1, delete): the next argv element not starting with '-'. */
  private findNextArg(): string | null {
    for (let i = this.next; i < this.argv.length; i++) {
      if (this.taken.has(i)) continue;
      if (this.argv[i].startsWith('-')) continue;
      this.taken.add(i);
      return this.argv[i];
    }
    return null;
  }

  /** popt expandNextArg: "!#:+" is replaced by the next non-option argument (which is then skipped). */
  private expand(s: string): string {
    let out = '';
    let a: string | null = null;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '!' && s.slice(i + 1, i + 4) === '#:+') {
        if (a === null) a = this.findNextArg();
        if (a !== null) {
          out += a;
          i += 3;
          continue;
        }
      }
      out += c;
    }
    return out;
  }

  /** poptGetNextOpt: the option's val, -1 at the end, or a PoptError. Sets `arg` for options with arguments. */
  nextOpt(): number {
    for (;;) {
      let opt: PoptOption | undefined;
      let longArg: string | null = null;
      if (this.nextCharArg === null && this.next >= this.argv.length) return -1;

      if (this.nextCharArg === null) {
        if (this.taken.has(this.next)) {
          this.next++;
          continue;
        }
        const orig = this.argv[this.next++];
        if (this.restLeftover || orig[0] !== '-' || orig === '-') {
          if (this.opts.posixMeHarder) this.restLeftover = true;
          this.leftovers.push(orig);
          continue;
        }
        if (orig === '--') {
          this.restLeftover = true;
          continue;
        }
        let s = orig.slice(1);
        let oneDash = true;
        if (s[0] === '-') {
          s = s.slice(1);
          oneDash = false;
        }
        const eq = s.indexOf('=');
        const name = eq >= 0 ? s.slice(0, eq) : s;
        if (eq >= 0) longArg = s.slice(eq + 1);
        // A single dash never matches a long name here (no option is POPT_ARGFLAG_ONEDASH).
        opt = oneDash ? undefined : this.findLong(name);
        if (!opt && !oneDash) return PoptError.BADOPT;
        if (!opt) {
          this.nextCharArg = orig.slice(1);
          longArg = null;
        }
      }

      if (this.nextCharArg !== null) {
        const nca = this.nextCharArg;
        this.nextCharArg = null;
        opt = this.findShort(nca[0]);
        if (!opt) return PoptError.BADOPT;
        if (nca.length > 1) this.nextCharArg = nca.slice(1);
      }
      const o = opt!;
      if (o.argInfo === PoptArg.NONE) {
        if (longArg !== null || (this.nextCharArg !== null && this.nextCharArg[0] === '=')) return PoptError.UNWANTEDARG;
        this.arg = null;
      } else {
        let value: string | null;
        if (longArg !== null) value = this.expand(longArg);
        else if (this.nextCharArg !== null) {
          value = this.expand(this.nextCharArg.slice(this.nextCharArg[0] === '=' ? 1 : 0));
          this.nextCharArg = null;
        } else if (this.next >= this.argv.length) {
          if (!o.optional) return PoptError.NOARG;
          value = null;
        } else if (o.optional && this.argv[this.next][0] === '-') {
          value = null;
        } else {
          value = this.expand(this.argv[this.next++]);
        }
        this.arg = value;
      }
      return o.val;
    }
  }

  /** poptGetArg: the next leftover argument, or null. */
  getArg(): string | null {
    return this.nextLeftover < this.leftovers.length ? this.leftovers[this.nextLeftover++] : null;
  }

  /** poptBadOption(con, POPT_BADOPTION_NOALIAS): the argv element consumed last. */
  badOption(): string {
    return this.argv[this.next - 1];
  }
}
