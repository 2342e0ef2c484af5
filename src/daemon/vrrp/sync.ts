// vrrp_sync_group rules (keepalived vrrp_sync.c): members share FAULT, and group notifies fire when the whole group agrees on a state.
import type { VrrpSyncGroup } from '../../config/model';

export const syncSource = (group: string): string => `sync:${group}`;

/**
 * For each member of each group, whether it must be held in FAULT because another member is at fault on its
 * own (keepalived vrrp_sync_fault: one member in FAULT takes the whole group to FAULT; they leave it together).
 * `ownFault(name)` tells whether an instance has faults other than its sync-group one.
 */
export function syncFaults(groups: readonly Pick<VrrpSyncGroup, 'name' | 'group'>[], ownFault: (name: string) => boolean): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const g of groups) {
    for (const m of g.group) {
      const other = g.group.some((o) => o !== m && ownFault(o));
      out.set(m, (out.get(m) ?? false) || other);
    }
  }
  return out;
}

/** The group's state when all members agree (keepalived vrrp_sync.c sets the group state then), else undefined. */
export function groupState(states: readonly string[]): string | undefined {
  if (!states.length) return undefined;
  return states.every((s) => s === states[0]) ? states[0] : undefined;
}

/** Group of each instance (an instance belongs to at most one sync group in keepalived). */
export function groupOf(groups: readonly Pick<VrrpSyncGroup, 'name' | 'group'>[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const g of groups) for (const n of g.group) if (!m.has(n)) m.set(n, g.name);
  return m;
}

export interface MemberView {
  name: string;
  state: string;
  /** the down timer fired but the group held it in BACKUP (keepalived wantstate MASTER) */
  wantMaster: boolean;
}

/**
 * keepalived vrrp_sync_can_goto_master: a member may become master when its group is master already or every
 * other member wants to be master too ("prefer backup state to avoid thrashing").
 */
export function mayGoMaster(self: string, members: readonly MemberView[]): boolean {
  const others = members.filter((m) => m.name !== self);
  if (others.every((m) => m.state === 'MASTER')) return true;
  return others.every((m) => m.state === 'MASTER' || m.wantMaster);
}

/**
 * Which other members follow a member's transition (keepalived vrrp_sync_master / vrrp_sync_backup): to MASTER,
 * the BACKUP ones; from MASTER to BACKUP, the MASTER ones. Other transitions (FAULT is handled by syncFaults) move nobody.
 */
export function followers(self: string, from: string, to: string, members: readonly MemberView[]): { target: 'MASTER' | 'BACKUP'; names: string[] } | undefined {
  const others = members.filter((m) => m.name !== self);
  if (to === 'MASTER') return { target: 'MASTER', names: others.filter((m) => m.state === 'BACKUP').map((m) => m.name) };
  if (to === 'BACKUP' && from === 'MASTER') return { target: 'BACKUP', names: others.filter((m) => m.state === 'MASTER').map((m) => m.name) };
  return undefined;
}
