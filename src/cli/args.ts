// keepalived-compatible command line for `lvskeeper`: the same short and long options, the same
// getopt_long rules (clustered flags, attached or separate values, optional values only attached),
// and keepalived's messages for unknown options and missing parameters (keepalived/core/main.c, 2.2.7).

export type ArgKind = 'none' | 'required' | 'optional';

interface OptSpec {
  short?: string;
  long: string;
  kind: ArgKind;
  key: keyof DaemonArgs | 'ignored';
  /** true when lvskeeper accepts the option for compatibility but it has no effect here */
  noop?: boolean;
}

export interface DaemonArgs {
  useFile?: string;
  vrrpOnly: boolean;
  checkOnly: boolean;
  noBfd: boolean;
  all: boolean;
  logConsole: boolean;
  logDetail: boolean;
  logFacility?: string;
  logFile?: string;
  allConfig: boolean;
  noSyslog: boolean;
  umask?: string;
  releaseVips: boolean;
  dontReleaseVrrp: boolean;
  dontReleaseIpvs: boolean;
  dontRespawn: boolean;
  dontFork: boolean;
  dumpConf: boolean;
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  bfdPidFile?: string;
  genhash: boolean;
  addressMonitoring: boolean;
  namespace?: string;
  configId?: string;
  signum?: string;
  /** -t given; the value is the optional log file ('' when none). */
  configTest?: string;
  debug?: string;
  version: boolean;
  help: boolean;
  /** lvskeeper's own: log format json|text|auto */
  logFormat?: string;
  /** lvskeeper's own: status/metrics endpoint, host:port or a unix socket path; 'off' disables */
  statusListen?: string;
  /** internal: set by the parent on the two child processes it forks (vrrp | check); not for users */
  lvskChild?: string;
  /** options accepted for compatibility that lvskeeper ignores, for a warning */
  ignored: string[];
}

const SPECS: OptSpec[] = [
  { short: 'f', long: 'use-file', kind: 'required', key: 'useFile' },
  { short: 'P', long: 'vrrp', kind: 'none', key: 'vrrpOnly' },
  { short: 'C', long: 'check', kind: 'none', key: 'checkOnly' },
  { short: 'B', long: 'no_bfd', kind: 'none', key: 'noBfd' },
  { long: 'all', kind: 'none', key: 'all' },
  { short: 'l', long: 'log-console', kind: 'none', key: 'logConsole' },
  { short: 'D', long: 'log-detail', kind: 'none', key: 'logDetail' },
  { short: 'S', long: 'log-facility', kind: 'required', key: 'logFacility' },
  { short: 'g', long: 'log-file', kind: 'optional', key: 'logFile' },
  { short: 'e', long: 'all-config', kind: 'none', key: 'allConfig' },
  { long: 'flush-log-file', kind: 'none', key: 'ignored', noop: true },
  { short: 'G', long: 'no-syslog', kind: 'none', key: 'noSyslog' },
  { short: 'u', long: 'umask', kind: 'required', key: 'umask' },
  { short: 'X', long: 'release-vips', kind: 'none', key: 'releaseVips' },
  { short: 'V', long: 'dont-release-vrrp', kind: 'none', key: 'dontReleaseVrrp' },
  { short: 'I', long: 'dont-release-ipvs', kind: 'none', key: 'dontReleaseIpvs' },
  { short: 'R', long: 'dont-respawn', kind: 'none', key: 'dontRespawn' },
  { short: 'n', long: 'dont-fork', kind: 'none', key: 'dontFork' },
  { short: 'd', long: 'dump-conf', kind: 'none', key: 'dumpConf' },
  { short: 'p', long: 'pid', kind: 'required', key: 'pidFile' },
  { short: 'r', long: 'vrrp_pid', kind: 'required', key: 'vrrpPidFile' },
  { short: 'T', long: 'genhash', kind: 'none', key: 'genhash' },
  { short: 'c', long: 'checkers_pid', kind: 'required', key: 'checkersPidFile' },
  { short: 'a', long: 'address-monitoring', kind: 'none', key: 'addressMonitoring' },
  { short: 'b', long: 'bfd_pid', kind: 'required', key: 'bfdPidFile' },
  { short: 'x', long: 'snmp', kind: 'none', key: 'ignored', noop: true },
  { short: 'A', long: 'snmp-agent-socket', kind: 'required', key: 'ignored', noop: true },
  { short: 'm', long: 'core-dump', kind: 'none', key: 'ignored', noop: true },
  { short: 'M', long: 'core-dump-pattern', kind: 'optional', key: 'ignored', noop: true },
  { long: 'no-mem-check', kind: 'none', key: 'ignored', noop: true },
  { short: 'L', long: 'mem-check-log', kind: 'none', key: 'ignored', noop: true },
  { short: 's', long: 'namespace', kind: 'required', key: 'namespace' },
  { short: 'i', long: 'config-id', kind: 'required', key: 'configId' },
  { long: 'signum', kind: 'required', key: 'signum' },
  { short: 't', long: 'config-test', kind: 'optional', key: 'configTest' },
  { long: 'config-fd', kind: 'required', key: 'ignored', noop: true },
  { long: 'perf', kind: 'optional', key: 'ignored', noop: true },
  { long: 'debug', kind: 'optional', key: 'debug' },
  { short: 'v', long: 'version', kind: 'none', key: 'version' },
  { short: 'h', long: 'help', kind: 'none', key: 'help' },
  { long: 'log-format', kind: 'required', key: 'logFormat' },
  { long: 'status-listen', kind: 'required', key: 'statusListen' },
  // internal (not in USAGE): the parent runs each subsystem in a child of this program, as keepalived forks
  { long: 'lvsk-child', kind: 'required', key: 'lvskChild' },
];

export class UsageError extends Error {
  readonly code = 'E_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function emptyArgs(): DaemonArgs {
  return {
    vrrpOnly: false, checkOnly: false, noBfd: false, all: false, logConsole: false, logDetail: false,
    allConfig: false, noSyslog: false, releaseVips: false, dontReleaseVrrp: false, dontReleaseIpvs: false,
    dontRespawn: false, dontFork: false, dumpConf: false, genhash: false, addressMonitoring: false,
    version: false, help: false, ignored: [],
  };
}

function assign(out: DaemonArgs, spec: OptSpec, value: string | undefined): void {
  if (spec.key === 'ignored') {
    out.ignored.push(`--${spec.long}`);
    return;
  }
  const rec = out as unknown as Record<string, unknown>;
  rec[spec.key] = spec.kind === 'none' ? true : value ?? '';
}

/** Parses argv (without node and script) like keepalived's getopt_long. Throws UsageError with keepalived's text. */
export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const out = emptyArgs();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      // getopt_long accepts unambiguous prefixes of long options.
      const exact = SPECS.find((s) => s.long === name);
      const prefixed = exact ? [exact] : SPECS.filter((s) => s.long.startsWith(name));
      if (prefixed.length !== 1 || name === '') throw new UsageError(`Unknown option ${arg}`);
      const spec = prefixed[0];
      let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (spec.kind === 'none' && value !== undefined) throw new UsageError(`Unknown option ${arg}`);
      if (spec.kind === 'required') {
        if (value === undefined) {
          if (i + 1 >= argv.length) throw new UsageError(`Missing parameter for option --${spec.long}`);
          value = argv[++i];
        }
        if (value === '') throw new UsageError(`Missing parameter for option --${spec.long}`);
      }
      assign(out, spec, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j];
        const spec = SPECS.find((s) => s.short === ch);
        if (!spec) throw new UsageError(`Unknown option -${ch}`);
        if (spec.kind === 'none') {
          assign(out, spec, undefined);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (spec.kind === 'optional') {
          assign(out, spec, rest);
        } else if (rest !== '') {
          assign(out, spec, rest);
        } else {
          if (i + 1 >= argv.length) throw new UsageError(`Missing parameter for option -${ch}`);
          assign(out, spec, argv[++i]);
        }
        break;
      }
      continue;
    }
    positional.push(arg);
  }
  if (positional.length) throw new UsageError(`Unknown option ${positional[0]}`);
  return out;
}

/** keepalived's --signum names and the signal numbers it returns on Linux x86_64 (lib/signals.c). */
export const SIGNUM: Record<string, number> = {
  STOP: 15, // SIGTERM
  RELOAD: 1, // SIGHUP
  DATA: 10, // SIGUSR1
  STATS: 12, // SIGUSR2
  STATS_CLEAR: 63, // SIGRTMAX-1: keepalived's SIGSTATS_CLEAR
  JSON: 36, // SIGRTMIN+2: keepalived's SIGJSON
};

export const USAGE = `Usage: lvskeeper [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem (lvskeeper has none)
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=FAC       Accepted for compatibility (logs go to stdout/stderr for journald)
  -g, --log-file=FILE          Also log to FILE
  -G, --no-syslog              Don't log via syslog (lvskeeper never uses syslog)
  -X, --release-vips           Drop VIP on transition from signal
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data (as JSON)
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
      --log-format=FMT         json (default when not a terminal), text, or auto
      --status-listen=ADDR     JSON state and Prometheus metrics endpoint (host:port, unix path, or off)
  -v, --version                Display the version number
  -h, --help                   Display this help message
`;
