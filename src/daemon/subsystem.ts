// The contract between the daemon's life cycle and each subsystem (VRRP, checkers + IPVS, status endpoint).
import type { Config } from '../config/index';
import type { DaemonArgs } from '../cli/args';
import type { Logger } from '../util/log';
import type { Metrics } from './metrics';

export interface SubsystemContext {
  log: Logger;
  args: DaemonArgs;
  /** Prometheus metrics shared by every subsystem (served at /metrics). */
  metrics: Metrics;
}

export interface Subsystem {
  readonly name: string;
  start(config: Config, ctx: SubsystemContext): Promise<void>;
  /** Applies a new configuration as a diff: untouched objects keep their state. */
  reload(prev: Config, next: Config, ctx: SubsystemContext): Promise<void>;
  stop(ctx: SubsystemContext): Promise<void>;
  /** JSON-serialisable state for dumps and the status endpoint. */
  state(): unknown;
  /** JSON-serialisable counters. */
  stats(): unknown;
}
