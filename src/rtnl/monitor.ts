// Link monitoring over its own rtnetlink socket (never the command socket): emits a `link` event
// whenever an interface's up/running state changes, for track_interface and VRRP fault handling.
import { EventEmitter } from 'events';
import { createRtNetlink, RtNetlinkSocket } from 'netlink/dist/rt/rt'; // not the index: it loads every family's structs
import { LinkInfo, toLinkInfo } from './links';

export interface LinkMonitorEvents {
  link: (info: LinkInfo, removed: boolean) => void;
  error: (err: Error) => void;
}

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;

export class LinkMonitor extends EventEmitter {
  private sock: RtNetlinkSocket | undefined;
  private last = new Map<number, string>();

  start(): void {
    if (this.sock) return;
    const s = createRtNetlink();
    this.sock = s;
    s.addMembership('LINK');
    s.on('message', (msgs) => {
      for (const m of msgs as Array<{ kind?: string; type?: number; data: unknown; attrs: unknown }>) {
        const type = (m as { type?: number }).type;
        if (type !== RTM_NEWLINK && type !== RTM_DELLINK && m.kind !== 'link') continue;
        const info = toLinkInfo(m as never);
        const removed = type === RTM_DELLINK;
        const key = `${info.up}/${info.running}/${removed}`;
        if (this.last.get(info.index) === key) continue; // only state changes
        this.last.set(info.index, key);
        this.emit('link', info, removed);
      }
    });
    s.on('invalid', (err) => this.emit('error', err instanceof Error ? err : new Error(String(err))));
  }

  stop(): void {
    this.sock?.socket.close();
    this.sock = undefined;
  }
}
