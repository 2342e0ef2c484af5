// Applies diff ops through an IpvsClient in pipelined batches (diff order kept: one batch is one ordered pipeline),
// tolerating the races a shared kernel table has: an add that finds the entry becomes an edit, a delete of a
// missing entry is done already.
import type { BatchOp, IpvsClient } from '../ipvs/client';
import type { IpvsError } from '../ipvs/errors';
import type { Op } from './diff';

export interface OpOutcome {
  op: Op;
  ok: boolean;
  /** set when the kernel refused the operation (after the fallback, if any) */
  error?: IpvsError;
  /** how it was resolved when not applied as issued: "existed; updated", "already gone" */
  note?: string;
}

export function toBatchOp(o: Op): BatchOp {
  switch (o.op) {
    case 'add-service':
      return { op: 'addService', service: o.service, config: o.config };
    case 'edit-service':
      return { op: 'updateService', service: o.service, config: o.config };
    case 'del-service':
      return { op: 'deleteService', service: o.service };
    case 'add-dest':
      return { op: 'addDestination', service: o.service, dest: o.dest, config: o.config };
    case 'edit-dest':
      return { op: 'updateDestination', service: o.service, dest: o.dest, config: o.config };
    case 'del-dest':
      return { op: 'deleteDestination', service: o.service, dest: o.dest };
  }
}

/** The fallback for an op the kernel refused, or undefined. ESRCH/ENOENT per ipvsadm's table (libipvs). */
function fallback(o: Op, code: string): { op?: BatchOp; note: string } | undefined {
  if (o.op === 'add-service' && code === 'EEXIST') return { op: { op: 'updateService', service: o.service, config: o.config }, note: 'existed; updated' };
  if (o.op === 'add-dest' && code === 'EEXIST') return { op: { op: 'updateDestination', service: o.service, dest: o.dest, config: o.config }, note: 'existed; updated' };
  if (o.op === 'edit-dest' && code === 'ENOENT') return { op: { op: 'addDestination', service: o.service, dest: o.dest, config: o.config }, note: 'was gone; added' };
  if (o.op === 'edit-service' && code === 'ESRCH') return { op: { op: 'addService', service: o.service, config: o.config }, note: 'was gone; added' };
  if (o.op === 'del-service' && code === 'ESRCH') return { note: 'already gone' };
  if (o.op === 'del-dest' && (code === 'ENOENT' || code === 'ESRCH')) return { note: 'already gone' };
  return undefined;
}

/** Runs ops in order, `batchSize` per pipelined batch; failed ops get one fallback attempt. */
export async function executeOps(client: IpvsClient, ops: Op[], batchSize = 1024): Promise<OpOutcome[]> {
  const out: OpOutcome[] = [];
  for (let i = 0; i < ops.length; i += batchSize) {
    const chunk = ops.slice(i, i + batchSize);
    const results = await client.applyBatch(chunk.map(toBatchOp));
    const retries: Array<{ idx: number; op: BatchOp; note: string }> = [];
    const base = out.length;
    chunk.forEach((o, j) => {
      const r = results[j];
      if (!r || r.ok) return void out.push({ op: o, ok: true });
      const fb = fallback(o, r.error.code);
      if (!fb) return void out.push({ op: o, ok: false, error: r.error });
      if (!fb.op) return void out.push({ op: o, ok: true, note: fb.note });
      out.push({ op: o, ok: false, error: r.error, note: fb.note });
      retries.push({ idx: base + j, op: fb.op, note: fb.note });
    });
    if (retries.length) {
      const rr = await client.applyBatch(retries.map((r) => r.op));
      retries.forEach((r, k) => {
        const res = rr[k];
        if (res?.ok) out[r.idx] = { op: out[r.idx].op, ok: true, note: r.note };
        else if (res) out[r.idx] = { op: out[r.idx].op, ok: false, error: res.error };
      });
    }
  }
  return out;
}
