// Real-server view over checker states: a real server is alive only when ALL its checkers are up (keepalived
// check/ipwrapper.c update_svr_checker_state / num_failed_checkers), and its weight follows dynamic checkers.

import { EventEmitter } from 'node:events';
import type { CheckerStateEvent, CheckerWeightEvent, CheckScheduler } from './scheduler';

/** keepalived include/check_data.h real_weight(): the kernel's range 0..INT32_MAX. */
export const IPVS_WEIGHT_LIMIT = 0x7fffffff;
export function realWeight(effective: number): number {
  if (effective < 0) return 0;
  if (effective > IPVS_WEIGHT_LIMIT) return IPVS_WEIGHT_LIMIT;
  return effective;
}

export interface RealServerEvent {
  rsId: string;
  alive: boolean;
  /** ids of the checkers currently down */
  failed: string[];
  at: number;
}

export interface RealServerWeightEvent {
  rsId: string;
  /** weight to program (real_weight of configured weight + dynamic offsets) */
  weight: number;
  previous: number;
  at: number;
}

interface Rs {
  id: string;
  baseWeight: number;
  checkers: Map<string, { up: boolean; weight?: number; weightDelta?: number }>;
  alive: boolean;
  weight: number;
}

export declare interface RealServerAggregator {
  on(event: 'rs', l: (e: RealServerEvent) => void): this;
  on(event: 'weight', l: (e: RealServerWeightEvent) => void): this;
}

/**
 * Tracks real servers. addRealServer() then addChecker() for each of its checkers (with the checker's initial state,
 * e.g. CheckScheduler.status(id).up: up unless alpha). Feed it the scheduler's 'state' and 'weight' events (attach()).
 * A real server with no checkers is alive (keepalived adds such servers at once).
 */
export class RealServerAggregator extends EventEmitter {
  private rs = new Map<string, Rs>();
  private checkerToRs = new Map<string, string>();

  addRealServer(rsId: string, baseWeight = 1): void {
    if (this.rs.has(rsId)) throw new Error(`real server ${rsId} is already registered; should be unique`);
    this.rs.set(rsId, { id: rsId, baseWeight, checkers: new Map(), alive: true, weight: realWeight(baseWeight) });
  }

  removeRealServer(rsId: string): void {
    const r = this.rs.get(rsId);
    if (!r) return;
    for (const c of r.checkers.keys()) this.checkerToRs.delete(c);
    this.rs.delete(rsId);
  }

  /**
   * Adds a checker with its initial state (CheckScheduler.status(id): up unless alpha; FILE_CHECK already evaluated,
   * with its weightDelta). Changes the real server's state silently: this is configuration, not an event.
   */
  addChecker(rsId: string, checkerId: string, initialUp: boolean, initial: { weight?: number; weightDelta?: number } = {}): void {
    const r = this.rs.get(rsId);
    if (!r) throw new Error(`real server ${rsId} is not registered`);
    r.checkers.set(checkerId, { up: initialUp, weight: initial.weight, weightDelta: initial.weightDelta });
    this.checkerToRs.set(checkerId, rsId);
    r.alive = this.computeAlive(r);
    r.weight = this.effectiveWeight(r);
  }

  removeChecker(checkerId: string): void {
    const r = this.lookup(checkerId);
    if (!r) return;
    r.checkers.delete(checkerId);
    this.checkerToRs.delete(checkerId);
    r.alive = this.computeAlive(r);
    r.weight = this.effectiveWeight(r);
  }

  isAlive(rsId: string): boolean | undefined {
    return this.rs.get(rsId)?.alive;
  }
  weight(rsId: string): number | undefined {
    return this.rs.get(rsId)?.weight;
  }

  /** Subscribe to a scheduler. Returns a function that detaches. */
  attach(s: CheckScheduler): () => void {
    const onState = (e: CheckerStateEvent): void => this.onState(e);
    const onWeight = (e: CheckerWeightEvent): void => this.onWeight(e);
    s.on('state', onState);
    s.on('weight', onWeight);
    return () => {
      s.off('state', onState);
      s.off('weight', onWeight);
    };
  }

  onState(e: CheckerStateEvent): void {
    const r = this.lookup(e.id);
    if (!r) return;
    const c = r.checkers.get(e.id)!;
    c.up = e.up;
    if (!e.up) {
      // A failed checker's dynamic weight is dropped (check_misc.c cur_weight = 0; track_file FAULT).
      c.weight = undefined;
      c.weightDelta = undefined;
    }
    const alive = this.computeAlive(r);
    this.recomputeWeight(r, e.at);
    if (alive !== r.alive) {
      r.alive = alive;
      this.emit('rs', { rsId: r.id, alive, failed: this.failed(r), at: e.at } satisfies RealServerEvent);
    }
  }

  onWeight(e: CheckerWeightEvent): void {
    const r = this.lookup(e.id);
    if (!r) return;
    const c = r.checkers.get(e.id)!;
    c.weight = e.weight;
    c.weightDelta = e.weightDelta;
    this.recomputeWeight(r, e.at);
  }

  private lookup(checkerId: string): Rs | undefined {
    const rsId = this.checkerToRs.get(checkerId);
    return rsId === undefined ? undefined : this.rs.get(rsId);
  }

  private computeAlive(r: Rs): boolean {
    for (const c of r.checkers.values()) if (!c.up) return false;
    return true;
  }

  private failed(r: Rs): string[] {
    return [...r.checkers].filter(([, c]) => !c.up).map(([id]) => id);
  }

  /**
   * effective_weight = iweight + sum(cur_weight): misc_dynamic's cur_weight is (status - 2) - iweight, a file's is
   * value x weight; real_weight() clamps to 0..INT32_MAX.
   */
  private effectiveWeight(r: Rs): number {
    let eff = r.baseWeight;
    for (const c of r.checkers.values()) {
      if (c.weight !== undefined) eff += c.weight - r.baseWeight;
      if (c.weightDelta !== undefined) eff += c.weightDelta;
    }
    return realWeight(eff);
  }

  private recomputeWeight(r: Rs, at: number): void {
    const w = this.effectiveWeight(r);
    if (w !== r.weight) {
      const previous = r.weight;
      r.weight = w;
      this.emit('weight', { rsId: r.id, weight: w, previous, at } satisfies RealServerWeightEvent);
    }
  }
}
