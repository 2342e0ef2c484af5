// The scheduler's timer queue: a binary min-heap ordered by (due, seq).

/** An entry: due time, then insertion sequence for ties (first scheduled, first run); `job` is the caller's. */
export interface TimerEntry<J> {
  due: number;
  seq: number;
  job: J;
}

/** Binary min-heap ordered by (due, seq). */
export class Heap<E extends { due: number; seq: number }> {
  private a: E[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): E | undefined {
    return this.a[0];
  }
  push(e: E): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): E | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
function less(x: { due: number; seq: number }, y: { due: number; seq: number }): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}
