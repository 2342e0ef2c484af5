// The scheduler's time source: Clock, the system clock, and a manual clock for tests and simulations.

/** Injected time source: milliseconds, monotonic. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, Math.max(0, ms));
    h.unref?.();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A deterministic clock for tests: time moves only with advance(). */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { due: number; seq: number; fn: () => void }>();
  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  pending(): number {
    return this.timers.size;
  }
  /** Runs every timer due within `ms`, in time order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      let next: { id: number; due: number; seq: number; fn: () => void } | undefined;
      for (const [id, v] of this.timers) {
        if (v.due <= end && (!next || v.due < next.due || (v.due === next.due && v.seq < next.seq))) next = { id, ...v };
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Thrown into AbortSignal when an attempt exceeds its timeout (name matches DOMException's TimeoutError). */
