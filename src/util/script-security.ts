// keepalived's script security verdict (lib/notify.c check_script_secure, check_security, find_path, is_executable),
// pure over a file-system view: PATH search, symlink resolution, executability for the script's uid:gid, and
// "no path component writable by a non-root user" for scripts that run as root.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Flags of check_script_secure (lib/notify.h SC_*). */
export enum ScriptFlag {
  /** SC_ISSCRIPT: a file that would be executed */
  IsScript = 1 << 0,
  /** SC_INHIBIT: must not run (insecure with script security, wrong file type, cannot switch user) */
  Inhibit = 1 << 1,
  /** SC_NOTFOUND */
  NotFound = 1 << 2,
  /** SC_EXECUTABLE: executable by the script's uid:gid */
  Executable = 1 << 3,
  /** SC_SYSTEM: "</path" only tests that a file opens; nothing is executed */
  System = 1 << 4,
  /** SC_INSECURE: a path component is writable by a non-root user */
  Insecure = 1 << 5,
}

/** The file-system calls the verdict needs (real: node:fs; tests: a map). */
export interface ScriptFsView {
  /** stat following symlinks; undefined when it fails */
  stat(p: string): fs.Stats | undefined;
  /** lstat (AT_SYMLINK_NOFOLLOW); undefined when it fails */
  lstat(p: string): fs.Stats | undefined;
  realpath(p: string): string | undefined;
  /** PATH for bare names */
  pathEnv(): string;
}

const safe = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

/** glibc's confstr(_CS_PATH) default when PATH is unset (find_path). */
export const DEFAULT_PATH = '/bin:/usr/bin';

export const realScriptFs: ScriptFsView = {
  stat: (p) => safe(() => fs.statSync(p)),
  lstat: (p) => safe(() => fs.lstatSync(p)),
  realpath: (p) => safe(() => fs.realpathSync(p)),
  pathEnv: () => process.env.PATH || DEFAULT_PATH,
};

export interface ScriptSecureVerdict {
  flags: number;
  /** argv[0] as keepalived runs it: found in PATH and resolved (replace_cmd_name) */
  file: string;
  /** keepalived's log lines for this verdict, in order */
  messages: string[];
  /** the path component that is writable by a non-root user, when Insecure */
  insecurePath?: string;
}

/** lib/notify.c is_executable(): execute permission for uid:gid by mode bits (root: any x bit). */
export function isExecutableBy(st: Pick<fs.Stats, 'mode' | 'uid' | 'gid'>, uid: number, gid: number): boolean {
  return (
    (uid === 0 && (st.mode & 0o111) !== 0) ||
    (uid === st.uid && (st.mode & 0o100) !== 0) ||
    (uid !== st.uid && ((gid === st.gid && (st.mode & 0o010) !== 0) || (gid !== st.gid && (st.mode & 0o001) !== 0)))
  );
}

const S_ISVTX = 0o1000;

/**
 * lib/notify.c check_security(): every prefix of `file` from "/" down is lstat'ed; all but the last must be
 * directories, the last a file or symlink. A component owned by a non-root user, or (a file, or a directory without
 * the sticky bit) group-writable with a non-root group or world-writable, makes the script insecure.
 */
export function checkPathSecurity(file: string, security: boolean, fsv: ScriptFsView): { flags: number; message?: string; at?: string } {
  const parts = file.split('/');
  const prefixes: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    prefixes.push(i === 1 ? '/' : p);
  }
  // "/a/b" -> "/", "/a", "/a/b"; a relative name starts at its first word
  const list = file.startsWith('/') ? prefixes : prefixes.slice(1);
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const last = i === list.length - 1;
    if (!last && p === list[i + 1]) continue;
    const st = fsv.lstat(p);
    if (!st) return { flags: ScriptFlag.NotFound, message: `check_script_secure could not find script '${file}' - disabling` };
    if ((!last && !st.isDirectory()) || (last && !st.isFile() && !st.isSymbolicLink()))
      return { flags: ScriptFlag.Inhibit, message: `Wrong file type found in script path '${file}'.` };
    const groupOrWorld = ((st.isDirectory() && (st.mode & S_ISVTX) === 0) || st.isFile()) && ((st.gid !== 0 && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0);
    if (st.uid !== 0 || groupOrWorld)
      return {
        flags: ScriptFlag.Insecure | (security ? ScriptFlag.Inhibit : 0),
        message: `Unsafe permissions found for script '${file}'${security ? ' - disabling' : ''}.`,
        at: p,
      };
  }
  return { flags: 0 };
}

/** find_path(): the first regular file executable by uid:gid in PATH. */
function findInPath(name: string, uid: number, gid: number, fsv: ScriptFsView): { file?: string; eacces: boolean } {
  let eacces = false;
  for (const dir of fsv.pathEnv().split(':')) {
    const cand = dir ? `${dir}/${name}` : name;
    const st = fsv.stat(cand);
    if (!st) continue;
    if (st.isFile() && isExecutableBy(st, uid, gid)) return { file: cand, eacces: false };
    eacces = true;
  }
  return { eacces };
}

/** Every directory above `file` must be searchable by uid:gid (keepalived resolves the path as that user). */
function searchableBy(file: string, uid: number, gid: number, fsv: ScriptFsView): boolean {
  if (uid === 0) return true;
  let dir = path.dirname(file);
  for (;;) {
    const st = fsv.stat(dir);
    if (!st || !isExecutableBy(st, uid, gid)) return false;
    const up = path.dirname(dir);
    if (up === dir) return true;
    dir = up;
  }
}

/**
 * lib/notify.c check_script_secure() for argv[0] run as uid:gid. A script is runnable when the verdict has
 * Executable (or System) and neither Inhibit nor NotFound (check_notify_script_secure / check_misc_script_security).
 */
export function checkScriptSecure(argv0: string, uid: number, gid: number, security: boolean, fsv: ScriptFsView = realScriptFs): ScriptSecureVerdict {
  const messages: string[] = [];
  // "<" then optional blanks then "/": a file-open test, not executed
  if (/^<[ \t]*\//.test(argv0)) return { flags: ScriptFlag.System, file: argv0, messages };
  let file = argv0;
  if (!file.includes('/')) {
    const hit = findInPath(file, uid, gid, fsv);
    if (!hit.file) {
      messages.push(hit.eacces ? `Permissions failure for script ${argv0} in path - disabling` : `Cannot find script ${argv0} in path - disabling`);
      return { flags: ScriptFlag.NotFound, file, messages };
    }
    messages.push(`WARNING - script \`${argv0}\` resolved by path search to \`${hit.file}\`. Please specify full path.`);
    file = hit.file;
  }
  const resolved = searchableBy(path.resolve(file), uid, gid, fsv) ? fsv.realpath(file) : undefined;
  if (!resolved) {
    messages.push(`Script ${file} cannot be accessed - ${fsv.stat(file) ? 'Permission denied' : 'No such file or directory'}`);
    return { flags: ScriptFlag.NotFound, file, messages };
  }
  // Keep the name the script was called by when its directory's entry is the same file (executables may look at argv[0]).
  let realFile: string | undefined;
  let runAs = resolved;
  if (file !== resolved && path.basename(file) !== path.basename(resolved)) {
    const sameDir = path.join(path.dirname(resolved), path.basename(file));
    const a = fsv.stat(resolved);
    const b = fsv.stat(sameDir);
    if (a && b && a.dev === b.dev && a.ino === b.ino) {
      runAs = sameDir;
      realFile = resolved;
    }
  }
  file = runAs;
  const st = fsv.stat(realFile ?? file);
  if (!st) {
    messages.push(`Unable to access script \`${file}\` - disabling`);
    return { flags: ScriptFlag.NotFound, file, messages };
  }
  let flags = ScriptFlag.IsScript;
  let needProtection = false;
  if (isExecutableBy(st, uid, gid)) {
    flags |= ScriptFlag.Executable;
    needProtection =
      uid === 0 ||
      gid === 0 ||
      (st.uid === 0 && (st.mode & 0o100) !== 0 && (st.mode & 0o4000) !== 0) ||
      (st.gid === 0 && (st.mode & 0o010) !== 0 && (st.mode & 0o2000) !== 0);
  } else messages.push(`WARNING - script '${file}' is not executable for uid:gid ${uid}:${gid} - disabling.`);
  if (!needProtection) return { flags, file, messages };
  let insecurePath: string | undefined;
  for (const p of realFile ? [file, realFile] : [file]) {
    const r = checkPathSecurity(p, security, fsv);
    flags |= r.flags;
    if (r.message) messages.push(r.message);
    insecurePath ??= r.at;
  }
  return { flags, file, messages, ...(insecurePath ? { insecurePath } : {}) };
}

/** check_notify_script_secure / check_misc_script_security: may the script run? */
export function scriptRunnable(flags: number): boolean {
  if (flags & (ScriptFlag.Inhibit | ScriptFlag.NotFound)) return false;
  return (flags & (ScriptFlag.Executable | ScriptFlag.System)) !== 0;
}
