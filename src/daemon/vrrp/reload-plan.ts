// What a SIGHUP reload does to each vrrp_instance: keep it, update it in place, recreate it, remove it or add it (keepalived keeps the state of instances that survive a reload).
import type { VrrpInstance as VrrpInstanceModel } from '../../config/model';
import { PRIORITY_OWNER } from '../../vrrp/constants';

export enum ReloadAction {
  Keep = 'keep',
  Update = 'update',
  Recreate = 'recreate',
  Remove = 'remove',
  Add = 'add',
}

export interface ReloadStep {
  name: string;
  action: ReloadAction;
  /** model keys that differ (Update/Recreate) */
  changed: string[];
}

/** Keys a running instance can take without a restart: its priority, addresses, routes, scripts and tracking. */
export const IN_PLACE_KEYS: ReadonlySet<string> = new Set([
  'priority',
  'virtualIpaddress',
  'virtualIpaddressExcluded',
  'virtualRoutes',
  'notifyMaster',
  'notifyBackup',
  'notifyFault',
  'notifyStop',
  'notifyDeleted',
  'notify',
  'notifyMasterRxLowerPri',
  'smtpAlert',
  'trackInterface',
  'trackScript',
  'trackFile',
]);

/** JSON of a value without source locations (a moved line is not a change). */
export function stable(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => (k === 'loc' ? undefined : x));
}

export function changedKeys(a: VrrpInstanceModel, b: VrrpInstanceModel): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('loc');
  return [...keys].filter((k) => stable((a as unknown as Record<string, unknown>)[k]) !== stable((b as unknown as Record<string, unknown>)[k])).sort();
}

/**
 * Instances are matched by name (keepalived vrrp_reload: same iname). A priority change that makes or unmakes
 * the address owner (255) changes the state machine's rules and needs a restart; VIP changes are applied in
 * place (a v2/v3 advert carries them, so the running instance's advert content is replaced too).
 */
export function planReload(prev: readonly VrrpInstanceModel[], next: readonly VrrpInstanceModel[]): ReloadStep[] {
  const before = new Map(prev.map((i) => [i.name, i]));
  const after = new Set(next.map((i) => i.name));
  const out: ReloadStep[] = [];
  for (const n of next) {
    const p = before.get(n.name);
    if (!p) {
      out.push({ name: n.name, action: ReloadAction.Add, changed: [] });
      continue;
    }
    const changed = changedKeys(p, n);
    const ownerFlip = (p.priority === PRIORITY_OWNER) !== (n.priority === PRIORITY_OWNER);
    const action = !changed.length ? ReloadAction.Keep : changed.every((k) => IN_PLACE_KEYS.has(k)) && !ownerFlip ? ReloadAction.Update : ReloadAction.Recreate;
    out.push({ name: n.name, action, changed });
  }
  for (const p of prev) if (!after.has(p.name)) out.push({ name: p.name, action: ReloadAction.Remove, changed: [] });
  return out;
}
