// Local address monitoring over rtnetlink (RTNLGRP_IPV4_IFADDR / RTNLGRP_IPV6_IFADDR), for ha_suspend: keeps the set
// of addresses configured on this host and emits `change` when it changes. Each notification re-reads the table once
// (coalesced), so no message is parsed twice and nothing is polled.
import { EventEmitter } from 'node:events';
import { createRtNetlink, RtNetlinkSocket } from 'netlink/dist/rt/rt'; // not the index: it loads every family's structs
import { Rtnl } from './socket';
import { listAddresses } from './addresses';

export interface AddressMonitorEvents {
  change: (addresses: ReadonlySet<string>) => void;
  error: (err: Error) => void;
}

/** Canonical text of an address as the monitor stores it (IPv6 lower case, no zone). */
export function addressKey(a: string): string {
  const bare = a.replace(/%.*$/, '');
  if (!bare.includes(':')) return bare;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase();
  }
}

export class AddressMonitor extends EventEmitter {
  private sock: RtNetlinkSocket | undefined;
  private rt: Rtnl | undefined;
  private current = new Set<string>();
  private reading: Promise<void> | undefined;
  private again = false;

  /** Addresses present at the last read. */
  get addresses(): ReadonlySet<string> {
    return this.current;
  }

  has(address: string): boolean {
    return this.current.has(addressKey(address));
  }

  /** Subscribes first, then reads the table, so no change between the two is missed. */
  async start(): Promise<void> {
    if (this.sock) return;
    const s = createRtNetlink();
    this.sock = s;
    s.addMembership('IPV4_IFADDR');
    s.addMembership('IPV6_IFADDR');
    s.on('message', () => this.refresh());
    s.on('invalid', (err) => this.emit('error', err instanceof Error ? err : new Error(String(err))));
    this.rt = new Rtnl();
    await this.refresh();
  }

  /** Re-reads the address table (one read at a time; a notification during a read causes one more). */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        if (!this.rt) return;
        try {
          const next = new Set((await listAddresses(this.rt)).map((a) => addressKey(a.address)));
          const changed = next.size !== this.current.size || [...next].some((a) => !this.current.has(a));
          this.current = next;
          if (changed) this.emit('change', next);
        } catch (e) {
          this.emit('error', e as Error);
        }
      } while (this.again);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  stop(): void {
    this.sock?.socket.close();
    this.sock = undefined;
    this.rt?.close();
    this.rt = undefined;
  }
}
