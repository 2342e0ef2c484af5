// MISC_CHECK: run misc_path as uid/gid (util/script-runner.ts); exit 0 = up, 1 = down, misc_dynamic 2..255 = up with weight code-2; on timeout
// SIGTERM the process group, SIGKILL 2 s later (keepalived check_misc.c). Children are always reaped.

import { runScript, SCRIPT_KILL_GRACE_MS, type ScriptError } from '../util/script-runner';
import { CheckerKind, CheckError, CheckResult, failResult, okResult, performanceNow, TargetOf } from './types';

const WHITE = ' \t\f\n\r\v';

/**
 * keepalived lib/parser.c alloc_strvec_quoted_escaped(): split into words; '...' and "..." group, backslash escapes
 * (\n \t \r \a \b \E \f \v, \xHH, \cX, octal \NNN, anything else literally).
 */
export function splitQuotedEscaped(src: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && WHITE.includes(src[i]!)) i++;
    if (i >= src.length) break;
    let word = '';
    let quote = '';
    for (;;) {
      if (i >= src.length) {
        if (quote) throw new CheckError('EQUOTE', `string '${src}': missing terminating ${quote}`, { src });
        break;
      }
      const c = src[i]!;
      if (c === '\\') {
        i++;
        if (i >= src.length) throw new CheckError('EESCAPE', `missing escape char at end: '${src}'`, { src });
        const e = src[i]!;
        if (e === 'x' && /[0-9a-fA-F]/.test(src[i + 1] ?? '')) {
          let v = 0;
          i++;
          while (i < src.length && /[0-9a-fA-F]/.test(src[i]!)) v = ((v << 4) | parseInt(src[i++]!, 16)) & 0xff;
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < src.length) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = src.charCodeAt(i++) - 48;
          for (let k = 0; k < 2 && i < src.length && src[i]! >= '0' && src[i]! <= '7'; k++) v = (v << 3) + (src.charCodeAt(i++) - 48);
          word += String.fromCharCode(v & 0xff);
        } else {
          const map: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
          word += map[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WHITE.includes(c)) break;
      word += c;
      i++;
    }
    words.push(word);
  }
  return words;
}

/** argv from misc_path's first argument (notify.c set_script_params_array splits it with quotes and escapes). */
export function miscArgv(miscPath: string): string[] {
  const argv = splitQuotedEscaped(miscPath);
  if (argv.length === 0 || argv[0] === '') throw new CheckError('EMISCPATH', 'misc_path is empty; should name a script', {});
  return argv;
}

/**
 * argv from everything after the misc_path keyword as written on the line (check_misc.c misc_path_handler): the
 * line is split once and only its FIRST word (so quote the whole command when it has arguments) becomes argv.
 */
export function parseMiscPath(rest: string): string[] {
  const first = splitQuotedEscaped(rest)[0];
  if (first === undefined) throw new CheckError('EMISCPATH', 'misc_path is empty; should name a script', {});
  return miscArgv(first);
}

/** The argv a MISC_CHECK target runs. */
export function targetArgv(m: { miscPath: string; argv?: string[] }): string[] {
  if (m.argv && m.argv.length > 0) return m.argv;
  return miscArgv(m.miscPath);
}

/** Counting semaphore bounding concurrent scripts. */
class Semaphore {
  private waiters: Array<() => void> = [];
  private used = 0;
  constructor(public limit: number) {}
  async acquire(signal: AbortSignal): Promise<boolean> {
    if (this.used < this.limit) {
      this.used++;
      return true;
    }
    return new Promise((resolve) => {
      const go = (): void => {
        signal.removeEventListener('abort', cancel);
        this.used++;
        resolve(true);
      };
      const cancel = (): void => {
        this.waiters = this.waiters.filter((w) => w !== go);
        resolve(false);
      };
      this.waiters.push(go);
      signal.addEventListener('abort', cancel, { once: true });
    });
  }
  release(): void {
    this.used--;
    const next = this.waiters.shift();
    if (next) next();
  }
}

const scripts = new Semaphore(32);
/** Maximum MISC_CHECK scripts running at once (default 32). */
export function setMiscConcurrency(n: number): void {
  scripts.limit = Math.max(1, n);
}

/** keepalived's SIGTERM -> SIGKILL interval (check_misc.c misc_check_child_thread: timeout = 2 s). */
export const MISC_KILL_DELAY_MS = SCRIPT_KILL_GRACE_MS;

/** Classifies a script's end (check_misc.c misc_check_child_thread). */
export function judgeExit(code: number | null, sig: NodeJS.Signals | null, dynamic: boolean, timedOut: boolean): { ok: boolean; weight?: number; message: string } {
  if (timedOut) return { ok: false, message: 'timed out' };
  if (code !== null) {
    if (code === 0) return { ok: true, message: 'succeeded' };
    if (dynamic && code >= 2 && code <= 255) return { ok: true, weight: code - 2, message: `succeeded (exit ${code}, weight ${code - 2})` };
    return { ok: false, message: `exited with status ${code}` };
  }
  return { ok: false, message: `due to signal ${sig ?? '?'}` };
}

export async function checkMisc(target: TargetOf<CheckerKind.Misc>, signal: AbortSignal): Promise<CheckResult> {
  const started = performanceNow();
  const m = target.misc;
  let argv: string[];
  try {
    argv = targetArgv(m);
  } catch (e) {
    return failResult((e as Error).message, started);
  }
  if (signal.aborted || !(await scripts.acquire(signal))) return failResult('timed out (not started: too many scripts running)', started, { timedOut: true });
  try {
    // util/script-runner.ts: as uid:gid (supplementary groups dropped), own process group, SIGTERM then SIGKILL
    const ids = m.uid !== undefined || m.gid !== undefined ? { uid: m.uid ?? 0, gid: m.gid ?? m.uid ?? 0, user: String(m.uid ?? 0) } : undefined;
    const r = await runScript(argv, ids, { signal, graceMs: MISC_KILL_DELAY_MS });
    const j = judgeExit(r.code, r.signal, !!m.miscDynamic, r.timedOut);
    return j.ok ? okResult(j.message, started, j.weight !== undefined ? { weight: j.weight } : {}) : failResult(j.message, started, { timedOut: r.timedOut });
  } catch (e) {
    const err = e as ScriptError;
    return failResult(`could not run ${argv[0]}: ${err.code ?? err.message}`, started);
  } finally {
    scripts.release();
  }
}

/** The plugin entry point: check(target, signal). */
export { checkMisc as check };
