// The configuration front door: files in, typed model and diagnostics out (pure given a loader),
// keepalived's `-t` exit status from diagnostics, and the JSON dump with secrets redacted.
import type { Diagnostic, ParseOptions, SourceLoader } from './types';
import type { Config } from './model';
import { SECRET_FIELDS } from './model';
import { parseTree } from './tree';
import { buildConfig } from './build';

export type { Config } from './model';
export type { Diagnostic, ParseOptions, SourceLoader, Loc } from './types';
export { formatDiagnostic } from './types';

export interface LoadResult {
  /** Present unless the configuration could not be read at all. */
  config?: Config;
  diagnostics: Diagnostic[];
  /** Every file read, in order (for reload checks and -t output). */
  files: string[];
}

/** Diagnostic codes that mean keepalived could not run the configuration at all (CONFIG_FILE_NOT_FOUND, CONFIG_FATAL). */
const FATAL_CODES = new Set(['E_FILE_NOT_FOUND', 'E_CONFIG_UNREADABLE', 'E_CONFIG_NOT_FOUND']);
/** Codes that keepalived only logs (or lvskeeper alone reports): they do not change `-t`'s status. */
const LOG_ONLY = new Set(['W_UNSUPPORTED', 'W_SCRIPT_INSECURE', 'W_SCRIPT_NOT_EXECUTABLE']);
/** Codes for a missing included file: keepalived warns (exit 0) unless -e/--all-config or `includet`. */
const MISSING_INCLUDE = new Set(['E_INCLUDE_NOT_FOUND', 'W_INCLUDE_NOT_FOUND', 'W_INCLUDE_NO_MATCH', 'W_INCLUDE_PARTIAL', 'W_INCLUDE_UNREADABLE']);

/** Reads and builds a configuration. Never throws: every problem is a diagnostic with a location. */
export function parseConfig(entry: string, loader: SourceLoader, opts: ParseOptions = {}): LoadResult {
  try {
    loader.readFile(entry);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      diagnostics: [
        {
          severity: 'error',
          code: code === 'ENOENT' ? 'E_FILE_NOT_FOUND' : 'E_CONFIG_UNREADABLE',
          message: `configuration file ${entry} cannot be read (${code})`,
          loc: { file: entry, line: 0, col: 0 },
        },
      ],
      files: [],
    };
  }
  try {
    const tree = parseTree(entry, loader, opts);
    const built = buildConfig(tree.nodes);
    return { config: built.config, diagnostics: [...tree.diagnostics, ...built.diagnostics], files: tree.files };
  } catch (e) {
    // parseTree and buildConfig do not throw by contract; this keeps a daemon alive if one ever does.
    return {
      diagnostics: [{ severity: 'error', code: 'E_INTERNAL', message: `internal error while reading ${entry}: ${(e as Error).stack ?? e}` }],
      files: [],
    };
  }
}

/** keepalived's KEEPALIVED_CHK_EXIT_* codes (lib/scheduler.h, 2.2.7). */
export enum ConfigTestExit {
  OK = 0,
  /** CONFIG_FILE_NOT_FOUND, CONFIG_BAD_IF, CONFIG_FATAL */
  CONFIG = 4,
  /** every other configuration error or warning keepalived reports */
  CONFIG_TEST = 5,
  /** script security problems */
  CONFIG_TEST_SECURITY = 6,
}

/** The exit status `keepalived -t` would give for these diagnostics (keepalived/core/main.c config_test_exit). */
export function configTestStatus(diags: Diagnostic[], opts: { allConfig?: boolean } = {}): ConfigTestExit {
  let status = ConfigTestExit.OK;
  const raise = (s: ConfigTestExit): void => {
    // keepalived keeps the most severe: FATAL (4) over others, then security (6), then 5.
    if (status === ConfigTestExit.CONFIG) return;
    if (s === ConfigTestExit.CONFIG || status === ConfigTestExit.OK || (s === ConfigTestExit.CONFIG_TEST && status !== ConfigTestExit.CONFIG_TEST_SECURITY)) status = s;
  };
  for (const d of diags) {
    if (FATAL_CODES.has(d.code)) raise(ConfigTestExit.CONFIG);
    else if (MISSING_INCLUDE.has(d.code)) {
      if (opts.allConfig) raise(ConfigTestExit.CONFIG);
    } else if (LOG_ONLY.has(d.code) || d.severity === 'info') continue;
    else if (d.code.startsWith('E_SECURITY') || d.code.startsWith('W_SECURITY')) raise(ConfigTestExit.CONFIG_TEST_SECURITY);
    else raise(ConfigTestExit.CONFIG_TEST);
  }
  return status;
}

/** JSON text of the model with every secret field's value replaced. */
export function dumpConfig(config: Config): string {
  const secrets = new Set(SECRET_FIELDS);
  return JSON.stringify(config, (k, v: unknown) => (secrets.has(k) && v !== undefined && v !== null ? '[redacted]' : v), 2);
}
