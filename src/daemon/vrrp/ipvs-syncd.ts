// The IPVS connection-sync daemon driven by a VRRP instance (global_defs `lvs_sync_daemon IFNAME inst NAME ...`),
// as keepalived's VRRP process drives it (vrrp/vrrp.c vrrp_state_become_master/leave_master, vrrp_scheduler.c
// init, vrrp_daemon.c stop and reload; check/ipvswrapper.c ipvs_syncd_master/backup/changed): backup daemon
// while the instance is BACKUP, master daemon while it is MASTER, stopped on shutdown.
import type { LvsSyncDaemon } from '../../config/model';
import type { IpvsClient } from '../../ipvs/client';
import { SyncState } from '../../ipvs/constants';
import type { DaemonConfig } from '../../ipvs/types';
import type { Logger } from '../../util/log';

export type SyncRole = 'master' | 'backup';

/** One sync-daemon command, and whether its error is ignored (keepalived's ignore_error). */
export type SyncdOp = { op: 'start' | 'stop'; role: SyncRole; ignoreError: boolean };

/** The instance state seen by the controller: MASTER means the master daemon, anything else the backup one. */
export const roleOf = (vrrpState: string): SyncRole => (vrrpState === 'MASTER' ? 'master' : 'backup');

/** Pure: the commands for an event. */
export function syncdOps(event: { kind: 'init' | 'transition' | 'stop'; role: SyncRole } | { kind: 'reload'; role: SyncRole; changed: boolean }): SyncdOp[] {
  const other: SyncRole = event.role === 'master' ? 'backup' : 'master';
  switch (event.kind) {
    case 'init':
      // vrrp_scheduler.c vrrp_init_state: IPVS_STARTDAEMON in the initial role
      return [{ op: 'start', role: event.role, ignoreError: false }];
    case 'transition':
      // ipvs_syncd_master(): stop backup, start master; ipvs_syncd_backup(): the reverse
      return [
        { op: 'stop', role: other, ignoreError: false },
        { op: 'start', role: event.role, ignoreError: false },
      ];
    case 'stop':
      // vrrp_daemon.c vrrp_terminate_phase1: stop the daemon of the current role
      return [{ op: 'stop', role: event.role, ignoreError: false }];
    case 'reload':
      // vrrp_daemon.c reload_vrrp_thread: restart when the settings changed; start wanted, stop the other, errors ignored
      return [
        ...(event.changed ? [{ op: 'stop' as const, role: event.role, ignoreError: true }] : []),
        { op: 'start', role: event.role, ignoreError: true },
        { op: 'stop', role: other, ignoreError: true },
      ];
  }
}

/** ipvs_syncd_changed(). */
export function syncdChanged(a: LvsSyncDaemon | undefined, b: LvsSyncDaemon | undefined): boolean {
  if (!a || !b) return a !== b;
  return a.interface !== b.interface || a.syncId !== b.syncId || a.maxLen !== b.maxLen || a.port !== b.port || a.ttl !== b.ttl || a.group !== b.group;
}

export function daemonConfig(sd: LvsSyncDaemon, role: SyncRole): DaemonConfig {
  return {
    state: role === 'master' ? SyncState.MASTER : SyncState.BACKUP,
    mcastInterface: sd.interface,
    syncId: sd.syncId ?? 0,
    ...(sd.maxLen !== undefined ? { syncMaxLen: sd.maxLen } : {}),
    ...(sd.group !== undefined ? { mcastGroup: sd.group } : {}),
    ...(sd.port !== undefined ? { mcastPort: sd.port } : {}),
    ...(sd.ttl !== undefined ? { mcastTtl: sd.ttl } : {}),
  };
}

/**
 * Applies the commands through the IPVS client, one at a time in event order. Errors are logged as keepalived's
 * ipvs_talk() logs them and never thrown; a missing IPVS (no client) is logged once.
 */
export class SyncDaemonController {
  private chain: Promise<void> = Promise.resolve();
  private role: SyncRole | undefined;
  readonly counters = { commands: 0, errors: 0 };

  constructor(
    private config: LvsSyncDaemon,
    private readonly client: () => Promise<IpvsClient | undefined>,
    private readonly log: Logger,
  ) {}

  /** The instance that drives the daemon. */
  get instance(): string | undefined {
    return this.config.vrrpInstance;
  }

  init(vrrpState: string): Promise<void> {
    this.role = roleOf(vrrpState);
    return this.run(syncdOps({ kind: 'init', role: this.role }));
  }

  /** Called on every state change of the driving instance; only MASTER entry and exit matter. */
  transition(vrrpState: string): Promise<void> {
    const role = roleOf(vrrpState);
    if (role === this.role) return this.chain;
    this.role = role;
    return this.run(syncdOps({ kind: 'transition', role }));
  }

  stop(): Promise<void> {
    if (!this.role) return this.chain;
    return this.run(syncdOps({ kind: 'stop', role: this.role }));
  }

  reload(next: LvsSyncDaemon, vrrpState: string): Promise<void> {
    const changed = syncdChanged(this.config, next);
    this.config = next;
    this.role = roleOf(vrrpState);
    // the kernel stops a daemon by its state alone, so a changed daemon is stopped and started with the new settings
    return this.run(syncdOps({ kind: 'reload', role: this.role, changed }));
  }

  /** Resolves when every queued command has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  private run(ops: SyncdOp[]): Promise<void> {
    this.chain = this.chain.then(async () => {
      const c = await this.client().catch(() => undefined);
      if (!c) return;
      for (const o of ops) {
        this.counters.commands++;
        try {
          if (o.op === 'start') await c.startDaemon(daemonConfig(this.config, o.role));
          else await c.stopDaemon(o.role === 'master' ? SyncState.MASTER : SyncState.BACKUP);
          this.log.info({ role: o.role, interface: this.config.interface, syncId: this.config.syncId }, `IPVS sync daemon ${o.op === 'start' ? 'started' : 'stopped'}`);
        } catch (e) {
          if (o.ignoreError) continue;
          this.counters.errors++;
          this.log.warn({ err: e, role: o.role, op: o.op }, `IPVS sync daemon ${o.op} failed`);
        }
      }
    });
    return this.chain;
  }
}
