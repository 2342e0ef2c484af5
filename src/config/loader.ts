// SourceLoaders for the config front end: the real filesystem (fsLoader) and an in-memory tree for tests (memoryLoader),
// sharing one glob(3) work-alike (GLOB_MARK semantics: directories come back with a trailing '/'; results sorted).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceLoader } from './types';

/** What a glob walk needs from a file system. */
interface DirSource {
  /** entry names of a directory, or undefined when it is not a readable directory */
  readdir(dir: string): string[] | undefined;
  /** 'dir', 'file' (anything else that exists), or undefined when absent */
  kind(p: string): 'dir' | 'file' | undefined;
}

/** Error carrying a node-style `code` (ENOENT, EISDIR, ...). */
export class LoaderError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'LoaderError';
  }
}

/** true when the glob pattern component has an unescaped `*`, `?` or `[`. */
export function hasGlobMagic(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') { i++; continue; }
    if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Removes glob backslash escapes from a pattern without magic. */
export function unescapeGlob(p: string): string {
  return p.replace(/\\(.)/gs, '$1');
}

/** Escapes glob metacharacters (and braces) so `s` matches itself literally. */
export function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]{}]/g, '\\$&');
}

/** fnmatch(3) without flags beyond "a leading '.' must be matched explicitly" (glob's default, no GLOB_PERIOD). */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.') && !pattern.startsWith('\\.')) return false;
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') { pi++; si++; continue; }
    if (c === '[') {
      const r = matchBracket(p, pi, s[si]);
      if (r === undefined) {
        // no closing ']': '[' is an ordinary character
        if (s[si] !== '[') return false;
        pi++; si++; continue;
      }
      if (!r.ok) return false;
      pi = r.next; si++; continue;
    }
    if (c === '\\' && pi + 1 < p.length) {
      if (s[si] !== p[pi + 1]) return false;
      pi += 2; si++; continue;
    }
    if (s[si] !== c) return false;
    pi++; si++;
  }
  return si === s.length;
}

const CLASSES: Record<string, (ch: string) => boolean> = {
  alpha: (ch) => /[A-Za-z]/.test(ch), digit: (ch) => /[0-9]/.test(ch), alnum: (ch) => /[A-Za-z0-9]/.test(ch),
  upper: (ch) => /[A-Z]/.test(ch), lower: (ch) => /[a-z]/.test(ch), space: (ch) => /[ \t\n\r\f\v]/.test(ch),
  xdigit: (ch) => /[0-9A-Fa-f]/.test(ch), punct: (ch) => /[!-/:-@[-`{-~]/.test(ch), blank: (ch) => ch === ' ' || ch === '\t',
};

function matchBracket(p: string, start: number, ch: string): { ok: boolean; next: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') { negate = true; i++; }
  let matched = false;
  let first = true;
  while (i < p.length) {
    if (p[i] === ']' && !first) return { ok: matched !== negate, next: i + 1 };
    first = false;
    if (p[i] === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2);
      if (end > 0) {
        const fn = CLASSES[p.slice(i + 2, end)];
        if (fn && fn(ch)) matched = true;
        i = end + 2;
        continue;
      }
    }
    let lo = p[i];
    if (lo === '\\' && i + 1 < p.length) { i++; lo = p[i]; }
    i++;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let hi = p[i + 1];
      i += 2;
      if (hi === '\\' && i < p.length) { hi = p[i]; i++; }
      if (ch >= lo && ch <= hi) matched = true;
    } else if (ch === lo) matched = true;
  }
  return undefined;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** glob(3) with GLOB_MARK over a DirSource; `pattern` must already be brace-expanded. Sorted like glibc in the C locale. */
export function globWith(src: DirSource, pattern: string): string[] {
  if (pattern === '') return [];
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((x, i, a) => x !== '' || i === a.length - 1);
  const trailingSlash = pattern.endsWith('/');
  if (trailingSlash && parts[parts.length - 1] === '') parts.pop();
  let cur: string[] = [absolute ? '/' : ''];
  for (let i = 0; i < parts.length; i++) {
    const comp = parts[i];
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of cur) {
      const join = (name: string) => (base === '' ? name : base.endsWith('/') ? base + name : `${base}/${name}`);
      if (!hasGlobMagic(comp)) {
        const p = join(unescapeGlob(comp));
        const k = src.kind(p === '' ? '.' : p);
        if (!k) continue;
        if (!last && k !== 'dir') continue;
        next.push(p);
      } else {
        const names = src.readdir(base === '' ? '.' : base);
        if (!names) continue;
        const hits = names.filter((n) => fnmatch(comp, n)).sort(byteOrder);
        for (const n of hits) {
          const p = join(n);
          if (!last && src.kind(p) !== 'dir') continue;
          next.push(p);
        }
      }
    }
    cur = next;
    if (cur.length === 0) return [];
  }
  const out: string[] = [];
  for (const p of cur) {
    if (trailingSlash) {
      if (src.kind(p) === 'dir') out.push(p + '/');
      continue;
    }
    out.push(src.kind(p) === 'dir' && !p.endsWith('/') ? p + '/' : p);
  }
  return out.sort(byteOrder);
}

function shortHostname(): string {
  const h = os.hostname();
  const dot = h.indexOf('.');
  return dot < 0 ? h : h.slice(0, dot);
}

/** The default config id keepalived uses without `-i`: the node name up to the first '.' (keepalived/core/main.c). */
export function defaultConfigId(): string {
  return shortHostname();
}

const fsDirSource: DirSource = {
  readdir(dir) {
    try {
      return fs.readdirSync(dir);
    } catch {
      return undefined;
    }
  },
  kind(p) {
    try {
      return fs.statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      try {
        fs.lstatSync(p); // a dangling symlink still "exists" for glob
        return 'file';
      } catch {
        return undefined;
      }
    }
  },
};

/**
 * The real filesystem. readFile refuses what keepalived's check_glob_file() refuses (lib/parser.c):
 * directories (EISDIR) and anything not a regular, non-executable file (code ENOTREGULAR).
 */
export const fsLoader: SourceLoader = {
  readFile(p: string): string {
    const st = fs.statSync(p);
    if (st.isDirectory()) throw new LoaderError('EISDIR', `'${p}' is a directory`);
    if (!st.isFile() || (st.mode & 0o111) !== 0) {
      throw new LoaderError('ENOTREGULAR', `'${p}' is not a regular non-executable file`);
    }
    return fs.readFileSync(p, 'utf8');
  },
  glob(pattern: string): string[] {
    return globWith(fsDirSource, pattern);
  },
  cwd(): string {
    return process.cwd();
  },
  env(name: string): string | undefined {
    return process.env[name];
  },
};

/**
 * An in-memory file tree for tests. Keys are paths (relative ones are taken from `cwd`, default '/');
 * directories exist implicitly. A value of `null`-like cannot be expressed: every key is a regular file.
 */
export function memoryLoader(files: Record<string, string>, cwd = '/', env: Record<string, string> = {}): SourceLoader {
  const contents = new Map<string, string>();
  const dirs = new Map<string, Set<string>>();
  const addDir = (d: string) => {
    if (!dirs.has(d)) dirs.set(d, new Set());
  };
  addDir('/');
  for (const [k, v] of Object.entries(files)) {
    const abs = path.posix.resolve(cwd, k);
    contents.set(abs, v);
    let child = abs;
    let parent = path.posix.dirname(abs);
    for (;;) {
      addDir(parent);
      dirs.get(parent)!.add(path.posix.basename(child));
      if (parent === '/') break;
      child = parent;
      parent = path.posix.dirname(parent);
    }
  }
  const norm = (p: string) => path.posix.resolve(cwd, p);
  const src: DirSource = {
    readdir(dir) {
      const s = dirs.get(norm(dir));
      return s ? [...s] : undefined;
    },
    kind(p) {
      const a = norm(p);
      if (dirs.has(a)) return 'dir';
      return contents.has(a) ? 'file' : undefined;
    },
  };
  return {
    readFile(p: string): string {
      const a = norm(p);
      if (dirs.has(a)) throw new LoaderError('EISDIR', `'${p}' is a directory`);
      const c = contents.get(a);
      if (c === undefined) throw new LoaderError('ENOENT', `'${p}': no such file`);
      return c;
    },
    glob(pattern: string): string[] {
      return globWith(src, pattern);
    },
    cwd: () => cwd,
    env: (name: string) => env[name],
  };
}
