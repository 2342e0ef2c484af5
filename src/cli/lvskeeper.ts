#!/usr/bin/env node
// `lvskeeper`: keepalived's command line. -t tests a configuration with keepalived's exit codes,
// -d dumps the typed model as JSON, --signum prints signal numbers, otherwise the daemon runs.
import * as fs from 'fs';
import * as os from 'os';
import { parseDaemonArgs, UsageError, USAGE, SIGNUM, DaemonArgs } from './args';
import { parseConfig, configTestStatus, dumpConfig, formatDiagnostic, ConfigTestExit } from '../config/index';
import { fsLoader } from '../config/loader';
import { DEFAULT_CONFIG_FILE, configIdDefault } from './defaults';
import { hostChecks } from '../config/host-checks';
import { packageVersion } from '../util/version';

const VERSION = `lvskeeper v${packageVersion()} (keepalived 2.2.7 configuration compatible)`;

/** `-t`: prints every diagnostic (to stderr, or to the -t log file) and returns keepalived's exit status. */
export function configTest(args: DaemonArgs, err: (s: string) => void = (s) => process.stderr.write(s)): number {
  const file = args.useFile ?? DEFAULT_CONFIG_FILE;
  const res = parseConfig(file, fsLoader, { configId: args.configId ?? configIdDefault() });
  if (res.config) res.diagnostics.push(...hostChecks(res.config));
  const text = res.diagnostics.map((d) => formatDiagnostic(d) + '\n').join('');
  if (args.configTest) {
    try {
      fs.writeFileSync(args.configTest, text);
    } catch (e) {
      err(`cannot write ${args.configTest}: ${(e as Error).message}\n${text}`);
    }
  } else err(text);
  return configTestStatus(res.diagnostics, { allConfig: args.allConfig });
}

export async function main(argv: string[]): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (args.version) {
    process.stderr.write(`${VERSION}\n\nNode.js ${process.version} on ${os.type()} ${os.release()}\n`);
    return 0;
  }
  if (args.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  if (args.signum !== undefined) {
    const n = SIGNUM[args.signum];
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${args.signum}\n`);
      return 1;
    }
    process.stdout.write(`${n}\n`);
    return 0;
  }
  if (args.configTest !== undefined) return configTest(args);
  if (args.dumpConf) {
    const file = args.useFile ?? DEFAULT_CONFIG_FILE;
    const res = parseConfig(file, fsLoader, { configId: args.configId ?? configIdDefault() });
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    if (!res.config) return ConfigTestExit.CONFIG;
    process.stdout.write(dumpConfig(res.config) + '\n');
    return res.diagnostics.some((d) => d.severity === 'error') ? ConfigTestExit.CONFIG_TEST : 0;
  }
  const { runDaemon } = await import('../daemon/main');
  return runDaemon(args);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined && code >= 0) process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`lvskeeper: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
