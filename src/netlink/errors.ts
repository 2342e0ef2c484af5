// Netlink errors: a typed NetlinkError (operation, errno number and name, object) and errno name tables.
import { constants as osConstants } from 'os';

const ERRNO_BY_NAME: Record<string, number> = { ...osConstants.errno };
const NAME_BY_ERRNO = new Map<number, string>();
for (const [name, num] of Object.entries(ERRNO_BY_NAME)) {
  // Several names share a number on Linux (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK, ENOTSUP/EOPNOTSUPP):
  // keep the first, which is the canonical one in node's table.
  if (!NAME_BY_ERRNO.has(num)) NAME_BY_ERRNO.set(num, name);
}

/** Symbolic name of a positive errno ("ENOENT"), or "E<number>" when unknown. */
export function errnoName(errno: number): string {
  return NAME_BY_ERRNO.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** Positive errno number for a symbolic name, or undefined. */
export function errnoNumber(name: string): number | undefined {
  return ERRNO_BY_NAME[name];
}

/** Short human text for common netlink/IPVS errnos (strerror wording). */
const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  ENOBUFS: 'No buffer space available',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPROTONOSUPPORT: 'Protocol not supported',
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EMSGSIZE: 'Message too long',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
};

export function strerror(errno: number): string {
  const name = errnoName(errno);
  return STRERROR[name] ?? name;
}

/**
 * A failed netlink operation. `errno` is positive (the kernel sends -errno in NLMSG_ERROR).
 * `code` is the errno name, stable for callers ("EEXIST"); non-kernel failures use
 * "ETIMEDOUT" (no reply in time), "ECLOSED" (socket closed with the request pending),
 * "EPROTO" (malformed reply).
 */
export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  readonly code: string;
  constructor(
    readonly operation: string,
    readonly errno: number,
    readonly object?: string,
    code?: string,
    detail?: string,
  ) {
    const c = code ?? errnoName(errno);
    super(`${operation}${object ? ` ${object}` : ''}: ${detail ?? strerror(errno)} (${c})`);
    this.code = c;
  }
}

/** The netlink package reports failures as plain Error objects (errno fields for syscalls,
 *  bare strings such as "Timeout has been reached" otherwise); turn any of them into a NetlinkError. */
export function fromPackageError(operation: string, err: unknown, object?: string): NetlinkError {
  if (err instanceof NetlinkError) return err;
  const e = err as { errno?: unknown; code?: unknown; message?: unknown };
  if (e && typeof e.errno === 'number') {
    const errno = Math.abs(e.errno);
    return new NetlinkError(operation, errno, object, typeof e.code === 'string' ? e.code : undefined);
  }
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  if (/timeout/i.test(msg)) return new NetlinkError(operation, ERRNO_BY_NAME.ETIMEDOUT ?? 110, object, 'ETIMEDOUT', msg);
  const m = /Request rejected: (E[A-Z0-9]+|\d+)/.exec(msg);
  if (m) {
    const errno = /^\d+$/.test(m[1]) ? Number(m[1]) : errnoNumber(m[1]) ?? 0;
    return new NetlinkError(operation, errno, object);
  }
  if (/closed/i.test(msg)) return new NetlinkError(operation, ERRNO_BY_NAME.EBADF ?? 9, object, 'ECLOSED', msg);
  return new NetlinkError(operation, ERRNO_BY_NAME.EIO ?? 5, object, 'EIO', msg);
}
