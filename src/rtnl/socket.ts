// A command socket for rtnetlink (addresses, links, routes), kept apart from monitoring sockets,
// with every failure mapped to a NetlinkError (operation, errno, object).
import { createRtNetlink, RtNetlinkSocket } from 'netlink/dist/rt/rt'; // not the index: it loads every family's structs
import { fromPackageError } from '../netlink/errors';

export class Rtnl {
  readonly sock: RtNetlinkSocket;
  private closed = false;

  constructor() {
    this.sock = createRtNetlink();
  }

  /** Runs one request, turning the package's string errors into NetlinkError. */
  async call<T>(operation: string, object: string, fn: (s: RtNetlinkSocket) => Promise<T>): Promise<T> {
    try {
      return await fn(this.sock);
    } catch (e) {
      throw fromPackageError(operation, e, object);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.socket.close();
  }
}
