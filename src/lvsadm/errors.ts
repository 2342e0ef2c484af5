// ipvsadm's failure model (fail(), tryhelp_exit(), exit codes) and its error texts: libipvs ipvs_strerror (ipvsadm 1.31) over glibc 2.36 strerror.

/** glibc 2.36 strerror texts for Linux errnos 1..133 (index = errno). */
const STRERROR: readonly string[] = [
  'Success',
  'Operation not permitted',
  'No such file or directory',
  'No such process',
  'Interrupted system call',
  'Input/output error',
  'No such device or address',
  'Argument list too long',
  'Exec format error',
  'Bad file descriptor',
  'No child processes',
  'Resource temporarily unavailable',
  'Cannot allocate memory',
  'Permission denied',
  'Bad address',
  'Block device required',
  'Device or resource busy',
  'File exists',
  'Invalid cross-device link',
  'No such device',
  'Not a directory',
  'Is a directory',
  'Invalid argument',
  'Too many open files in system',
  'Too many open files',
  'Inappropriate ioctl for device',
  'Text file busy',
  'File too large',
  'No space left on device',
  'Illegal seek',
  'Read-only file system',
  'Too many links',
  'Broken pipe',
  'Numerical argument out of domain',
  'Numerical result out of range',
  'Resource deadlock avoided',
  'File name too long',
  'No locks available',
  'Function not implemented',
  'Directory not empty',
  'Too many levels of symbolic links',
  'Unknown error 41',
  'No message of desired type',
  'Identifier removed',
  'Channel number out of range',
  'Level 2 not synchronized',
  'Level 3 halted',
  'Level 3 reset',
  'Link number out of range',
  'Protocol driver not attached',
  'No CSI structure available',
  'Level 2 halted',
  'Invalid exchange',
  'Invalid request descriptor',
  'Exchange full',
  'No anode',
  'Invalid request code',
  'Invalid slot',
  'Unknown error 58',
  'Bad font file format',
  'Device not a stream',
  'No data available',
  'Timer expired',
  'Out of streams resources',
  'Machine is not on the network',
  'Package not installed',
  'Object is remote',
  'Link has been severed',
  'Advertise error',
  'Srmount error',
  'Communication error on send',
  'Protocol error',
  'Multihop attempted',
  'RFS specific error',
  'Bad message',
  'Value too large for defined data type',
  'Name not unique on network',
  'File descriptor in bad state',
  'Remote address changed',
  'Can not access a needed shared library',
  'Accessing a corrupted shared library',
  '.lib section in a.out corrupted',
  'Attempting to link in too many shared libraries',
  'Cannot exec a shared library directly',
  'Invalid or incomplete multibyte or wide character',
  'Interrupted system call should be restarted',
  'Streams pipe error',
  'Too many users',
  'Socket operation on non-socket',
  'Destination address required',
  'Message too long',
  'Protocol wrong type for socket',
  'Protocol not available',
  'Protocol not supported',
  'Socket type not supported',
  'Operation not supported',
  'Protocol family not supported',
  'Address family not supported by protocol',
  'Address already in use',
  'Cannot assign requested address',
  'Network is down',
  'Network is unreachable',
  'Network dropped connection on reset',
  'Software caused connection abort',
  'Connection reset by peer',
  'No buffer space available',
  'Transport endpoint is already connected',
  'Transport endpoint is not connected',
  'Cannot send after transport endpoint shutdown',
  'Too many references: cannot splice',
  'Connection timed out',
  'Connection refused',
  'Host is down',
  'No route to host',
  'Operation already in progress',
  'Operation now in progress',
  'Stale file handle',
  'Structure needs cleaning',
  'Not a XENIX named type file',
  'No XENIX semaphores available',
  'Is a named type file',
  'Remote I/O error',
  'Disk quota exceeded',
  'No medium found',
  'Wrong medium type',
  'Operation canceled',
  'Required key not available',
  'Key has expired',
  'Key has been revoked',
  'Key was rejected by service',
  'Owner died',
  'State not recoverable',
  'Operation not possible due to RF-kill',
  'Memory page has hardware error',
];

/** glibc strerror(): "Unknown error N" outside the table. */
export function strerror(errno: number): string {
  return errno >= 0 && errno < STRERROR.length && errno !== 41 && errno !== 58 ? STRERROR[errno] : `Unknown error ${errno}`;
}

/** The libipvs function that failed last (libipvs keeps it in ipvs_func and ipvs_strerror keys its table on it). */
export type IpvsFunc =
  | 'init'
  | 'add_service'
  | 'update_service'
  | 'del_service'
  | 'zero_service'
  | 'add_dest'
  | 'update_dest'
  | 'del_dest'
  | 'start_daemon'
  | 'stop_daemon'
  | 'get_services'
  | 'get_dests'
  | 'get_service'
  | 'get_timeout'
  | 'get_daemon'
  | 'set_timeout'
  | 'flush';

const E = { EPERM: 1, ENOENT: 2, ESRCH: 3, ENOMEM: 12, EEXIST: 17, EINVAL: 22, EMSGSIZE: 90, ENOPROTOOPT: 92, EOPNOTSUPP: 95, EAFNOSUPPORT: 97 } as const;

/** libipvs ipvs_strerror's table, in its order: (function or any, errno) -> text. */
const TABLE: ReadonlyArray<[IpvsFunc | null, number, string]> = [
  ['add_service', E.EEXIST, 'Service already exists'],
  ['add_service', E.ENOENT, 'Scheduler or persistence engine not found'],
  ['update_service', E.ESRCH, 'No such service'],
  ['update_service', E.ENOENT, 'Scheduler or persistence engine not found'],
  ['del_service', E.ESRCH, 'No such service'],
  ['zero_service', E.ESRCH, 'No such service'],
  ['add_dest', E.ESRCH, 'Service not defined'],
  ['add_dest', E.EEXIST, 'Destination already exists'],
  ['update_dest', E.ESRCH, 'Service not defined'],
  ['update_dest', E.ENOENT, 'No such destination'],
  ['del_dest', E.ESRCH, 'Service not defined'],
  ['del_dest', E.ENOENT, 'No such destination'],
  ['start_daemon', E.EEXIST, 'Daemon has already run'],
  ['stop_daemon', E.ESRCH, 'No daemon is running'],
  ['get_services', E.ESRCH, 'No such service'],
  ['get_dests', E.ESRCH, 'No such service'],
  ['get_service', E.ESRCH, 'No such service'],
  [null, E.EPERM, 'Permission denied (you must be root)'],
  [null, E.EINVAL, 'Invalid operation.  Possibly wrong module version, address not unicast, ...'],
  [null, E.ENOPROTOOPT, 'Protocol not available'],
  [null, E.ENOMEM, 'Memory allocation problem'],
  [null, E.EOPNOTSUPP, 'Operation not supported with IPv6'],
  [null, E.EAFNOSUPPORT, 'Operation not supported with specified address family'],
  [null, E.EMSGSIZE, 'Module is wrong version'],
];

/** libipvs ipvs_strerror(errno) after `func` failed. */
/** The errno an IPVS client error carries (EINVAL when it has none). */
export function errnoOf(e: unknown): number {
  const x = e as { errno?: number };
  return typeof x?.errno === 'number' && x.errno > 0 ? x.errno : 22 /* EINVAL */;
}

export function ipvsStrerror(func: IpvsFunc, errno: number): string {
  for (const [f, e, text] of TABLE) if ((f === null || f === func) && e === errno) return text;
  return strerror(errno);
}

/** Exit codes as ipvsadm produces them: fail(2, ...), exit(1) of the listing paths, and -1 returned from main (255). */
export enum ExitCode {
  OK = 0,
  LIST_FAILED = 1,
  USAGE = 2,
  /** main() returning -1: tryhelp_exit(-1), a failed kernel operation, a popt error */
  FAILED = 255,
  /** ipvsadm dereferences NULL in parse_sched_flags for "-b ," and is killed by SIGSEGV (128 + 11 in a shell) */
  CRASHED = 139,
}

/**
 * Ends the program the way ipvsadm's exit() calls do: the text (already formatted, with its newline) goes to
 * stderr, or stdout for `-h`/`-v`, and the status is the exit code. Thrown by the parser and caught by main.
 */
export class LvsadmExit extends Error {
  override readonly name = 'LvsadmExit';
  constructor(
    readonly status: number,
    readonly stderr: string = '',
    readonly stdout: string = '',
    /** stable identifier of the failure ("illegal-weight", "tryhelp", ...) for tests and callers */
    readonly code: string = 'exit',
  ) {
    super(stderr || stdout || `exit ${status}`);
  }
}

/** ipvsadm fail(err, fmt, ...): the message and a newline on stderr, exit(err). */
export function fail(code: string, msg: string, status: number = ExitCode.USAGE): never {
  throw new LvsadmExit(status, `${msg}\n`, '', code);
}

/** ipvsadm tryhelp_exit(program, -1). */
export function tryhelp(program: string): never {
  throw new LvsadmExit(ExitCode.FAILED, `Try \`${program} -h' or '${program} --help' for more information.\n`, '', 'tryhelp');
}
