// keepalived.conf of the reload scenario (nVs virtual servers x nRs real servers, TCP_CHECK each) and the IPVS table it
// should produce; variant B changes 1% of the real servers (in every 100th virtual server: 3 removed, 3 added, 4 reweighted).

export type Variant = 'A' | 'B';

export interface ReloadShape {
  nVs: number;
  nRs: number;
  /** every `changeEvery`-th virtual server differs between A and B */
  changeEvery: number;
  delayLoopS: number;
}

/** per service "vip:80" -> per destination "rip:8080" -> weight */
export type ExpectedTable = Map<string, Map<string, number>>;

export const REMOVED = 3;
export const ADDED = 3;
export const REWEIGHTED = 4;
const SLOTS_PER_VS = 16;

/** Host i (from 0) of a /16: 250 hosts per /24, .1-.250. */
export function host16(prefix: string, i: number): string {
  return `${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export const vsAddress = (v: number): string => host16('10.100', v);
export const rsAddress = (v: number, k: number): string => host16('10.200', v * SLOTS_PER_VS + k);

export function isChanged(shape: ReloadShape, v: number): boolean {
  return v % shape.changeEvery === 0;
}

/** Real servers (slot k, weight) of virtual server v in a variant. */
export function realServers(shape: ReloadShape, v: number, variant: Variant): Array<{ k: number; weight: number }> {
  const base = Array.from({ length: shape.nRs }, (_, k) => ({ k, weight: 1 + (k % 5) }));
  if (variant === 'A' || !isChanged(shape, v)) return base;
  const kept = base.slice(0, shape.nRs - REMOVED).map((r) => (r.k < REWEIGHTED ? { k: r.k, weight: r.weight + 10 } : r));
  for (let j = 0; j < ADDED; j++) kept.push({ k: shape.nRs + j, weight: 1 });
  return kept;
}

export function reloadConf(shape: ReloadShape, variant: Variant): string {
  const l: string[] = ['global_defs {', '  router_id lvsk_bench_reload', '}'];
  for (let v = 0; v < shape.nVs; v++) {
    l.push(`virtual_server ${vsAddress(v)} 80 {`, `  delay_loop ${shape.delayLoopS}`, '  lb_algo wrr', '  lb_kind NAT', '  protocol TCP');
    for (const r of realServers(shape, v, variant)) {
      l.push(
        `  real_server ${rsAddress(v, r.k)} 8080 {`,
        `    weight ${r.weight}`,
        '    TCP_CHECK {',
        '      connect_timeout 10',
        '      retry 3',
        '      delay_before_retry 2',
        '    }',
        '  }',
      );
    }
    l.push('}');
  }
  return l.join('\n') + '\n';
}

export function expectedTable(shape: ReloadShape, variant: Variant): ExpectedTable {
  const t: ExpectedTable = new Map();
  for (let v = 0; v < shape.nVs; v++) t.set(`${vsAddress(v)}:80`, new Map(realServers(shape, v, variant).map((r) => [`${rsAddress(v, r.k)}:8080`, r.weight])));
  return t;
}

/** Entries ("svc" or "svc>dest") that differ between two tables: the only ones a reload may touch. */
export function changedEntries(a: ExpectedTable, b: ExpectedTable): Set<string> {
  const out = new Set<string>();
  for (const [svc, da] of a) {
    const db = b.get(svc);
    if (!db) {
      out.add(svc);
      continue;
    }
    for (const [d, w] of da) if (db.get(d) !== w) out.add(`${svc}>${d}`);
    for (const d of db.keys()) if (!da.has(d)) out.add(`${svc}>${d}`);
  }
  for (const svc of b.keys()) if (!a.has(svc)) out.add(svc);
  return out;
}
