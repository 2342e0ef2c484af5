// Pure diff of two IPVS tables into an ordered list of operations. Ordering rules:
//  1. destinations leave before their service does, and before anything else is added, so a
//     destination moving between services never hits EEXIST-style conflicts in thresholds;
//  2. services are removed after their destinations;
//  3. services are created (or edited) before their destinations are added;
//  4. a change of scheduler, flags, timeout, netmask or weight is an edit in place (SET_SERVICE /
//     SET_DEST), never delete-and-add, so established connections survive.
import type { DestinationConfig, DestinationKey, ServiceConfig, ServiceKey } from '../ipvs/types';
import { Table, TableDest, destId, sameDestConfig, sameServiceConfig, serviceId } from './state';

export type Op =
  | { op: 'del-dest'; service: ServiceKey; dest: DestinationKey; reason: string }
  | { op: 'del-service'; service: ServiceKey; reason: string }
  | { op: 'add-service'; service: ServiceKey; config: ServiceConfig; reason: string }
  | { op: 'edit-service'; service: ServiceKey; config: ServiceConfig; reason: string }
  | { op: 'add-dest'; service: ServiceKey; dest: DestinationKey; config: DestinationConfig; reason: string }
  | { op: 'edit-dest'; service: ServiceKey; dest: DestinationKey; config: DestinationConfig; reason: string };

export interface DiffOptions {
  /**
   * Services this daemon owns (ids). An actual service that is neither desired nor owned is left
   * alone: someone else's entry, as keepalived leaves services it did not configure. When absent,
   * every actual service that is not desired is removed.
   */
  owned?: Set<string>;
}

function describeChange(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(b)) if (a[k] !== b[k]) parts.push(`${k} ${String(a[k])} -> ${String(b[k])}`);
  return parts.join(', ');
}

export function diff(desired: Table, actual: Table, opts: DiffOptions = {}): Op[] {
  const delDests: Op[] = [];
  const delServices: Op[] = [];
  const upServices: Op[] = [];
  const upDests: Op[] = [];

  for (const [id, a] of actual) {
    const d = desired.get(id);
    if (!d) {
      if (opts.owned && !opts.owned.has(id)) continue;
      // The kernel removes a service's destinations with it; no per-destination ops needed.
      delServices.push({ op: 'del-service', service: a.key, reason: 'not in the desired table' });
      continue;
    }
    for (const [did, ad] of a.dests) {
      if (!d.dests.has(did)) delDests.push({ op: 'del-dest', service: a.key, dest: ad.key, reason: 'not in the desired table' });
    }
  }

  for (const [id, d] of desired) {
    const a = actual.get(id);
    if (!a) {
      upServices.push({ op: 'add-service', service: d.key, config: d.config, reason: 'missing' });
    } else if (!sameServiceConfig(a.config, d.config)) {
      upServices.push({
        op: 'edit-service',
        service: d.key,
        config: d.config,
        reason: describeChange(a.config as unknown as Record<string, unknown>, d.config as unknown as Record<string, unknown>),
      });
    }
    for (const [did, dd] of d.dests) {
      const ad: TableDest | undefined = a?.dests.get(did);
      if (!ad) upDests.push({ op: 'add-dest', service: d.key, dest: dd.key, config: dd.config, reason: 'missing' });
      else if (!sameDestConfig(ad.config, dd.config))
        upDests.push({
          op: 'edit-dest',
          service: d.key,
          dest: dd.key,
          config: dd.config,
          reason: describeChange(ad.config as unknown as Record<string, unknown>, dd.config as unknown as Record<string, unknown>),
        });
    }
  }
  return [...delDests, ...delServices, ...upServices, ...upDests];
}

/** Applies ops to a table in memory (for tests and for the fake): the result of a correct diff equals desired. */
export function applyOps(table: Table, ops: Op[]): Table {
  return applyOpsInPlace(new Map([...table].map(([k, v]) => [k, { ...v, dests: new Map(v.dests) }])), ops);
}

/** applyOps on `t` itself (no copy of a large table for a few ops); returns `t`. */
export function applyOpsInPlace(t: Table, ops: Op[]): Table {
  for (const o of ops) {
    const sid = serviceId(o.service);
    switch (o.op) {
      case 'del-service':
        t.delete(sid);
        break;
      case 'add-service':
        t.set(sid, { key: o.service, config: o.config, dests: new Map() });
        break;
      case 'edit-service': {
        const s = t.get(sid);
        if (s) s.config = o.config;
        break;
      }
      case 'del-dest':
        t.get(sid)?.dests.delete(destId(o.dest));
        break;
      case 'add-dest':
      case 'edit-dest':
        t.get(sid)?.dests.set(destId(o.dest), { key: o.dest, config: o.config });
        break;
    }
  }
  return t;
}

/** One log-friendly line per operation: "add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (missing)". */
export function describeOp(o: Op): string {
  const s = serviceId(o.service);
  if (o.op === 'del-service' || o.op === 'add-service' || o.op === 'edit-service') return `${o.op} ${s} (${o.reason})`;
  return `${o.op} ${s} -> ${destId(o.dest)} (${o.reason})`;
}
