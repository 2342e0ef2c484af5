// IpvsError: a failed IPVS operation with a stable code (the errno name), errno, operation and object,
// and the ipvsadm wording for the (operation, errno) pairs it explains (libipvs ipvs_strerror, ipvsadm 1.31).
import { constants as osConstants } from 'os';
import { NetlinkError, errnoName, strerror } from '../netlink/errors';

export type IpvsOp =
  | 'info'
  | 'flush'
  | 'addService'
  | 'updateService'
  | 'deleteService'
  | 'getService'
  | 'listServices'
  | 'addDestination'
  | 'updateDestination'
  | 'deleteDestination'
  | 'listDestinations'
  | 'startDaemon'
  | 'stopDaemon'
  | 'listDaemons'
  | 'getTimeouts'
  | 'setTimeouts'
  | 'zero'
  | 'open';

/** ipvsadm's messages for specific (operation, errno) pairs, then for an errno alone. */
const BY_OP: Partial<Record<IpvsOp, Record<string, string>>> = {
  addService: { EEXIST: 'Service already exists', ENOENT: 'Scheduler or persistence engine not found' },
  updateService: { ESRCH: 'No such service', ENOENT: 'Scheduler or persistence engine not found' },
  deleteService: { ESRCH: 'No such service' },
  zero: { ESRCH: 'No such service' },
  getService: { ESRCH: 'No such service' },
  addDestination: { ESRCH: 'Service not defined', EEXIST: 'Destination already exists' },
  updateDestination: { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  deleteDestination: { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  startDaemon: { EEXIST: 'Daemon has already run' },
  stopDaemon: { ESRCH: 'No daemon is running' },
};
const BY_ERRNO: Record<string, string> = {
  EPERM: 'Permission denied (you must be root)',
  EINVAL: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  ENOPROTOOPT: 'Protocol not available',
  ENOMEM: 'Memory allocation problem',
  EOPNOTSUPP: 'Operation not supported with IPv6',
  EAFNOSUPPORT: 'Operation not supported with specified address family',
  EMSGSIZE: 'Module is wrong version',
};

export function ipvsStrerror(op: IpvsOp, code: string, errno: number): string {
  return BY_OP[op]?.[code] ?? BY_ERRNO[code] ?? strerror(errno);
}

export class IpvsError extends Error {
  override readonly name = 'IpvsError';
  /** errno name ("EEXIST", "ESRCH", ...), or ETIMEDOUT / ECLOSED / EPROTO for transport failures */
  readonly code: string;
  constructor(
    readonly op: IpvsOp,
    readonly errno: number,
    /** what the operation was about, ipvsadm-style: "TCP 10.0.0.1:80", "TCP 10.0.0.1:80 -> 10.0.1.1:80" */
    readonly object?: string,
    code?: string,
    detail?: string,
  ) {
    const c = code ?? errnoName(errno);
    super(`${op}${object ? ` ${object}` : ''}: ${detail ?? ipvsStrerror(op, c, errno)} (${c})`);
    this.code = c;
  }

  static fromNetlink(op: IpvsOp, e: unknown, object?: string): IpvsError {
    if (e instanceof IpvsError) return e;
    if (e instanceof NetlinkError) {
      const known = e.code === errnoName(e.errno);
      return new IpvsError(op, e.errno, object ?? e.object, e.code, known ? undefined : e.message);
    }
    return new IpvsError(op, osConstants.errno.EIO, object, 'EIO', e instanceof Error ? e.message : String(e));
  }

  /** A request rejected before it reached the kernel (malformed input): EINVAL with the reason. */
  static invalid(op: IpvsOp, object: string | undefined, detail: string): IpvsError {
    return new IpvsError(op, osConstants.errno.EINVAL, object, 'EINVAL', detail);
  }
}

export const errno = osConstants.errno;
