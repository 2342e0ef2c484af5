// Prometheus metrics for the daemon (prom-client): VRRP transitions and adverts, checker results and
// latencies, IPVS counters per virtual and real server (collected from a dump at scrape time), reloads.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the IPVS collector needs from a dump: per service and destination counters. */
export interface IpvsCounterSnapshot {
  services: Array<{
    id: string;
    conns: number;
    inpkts: number;
    outpkts: number;
    inbytes: bigint | number;
    outbytes: bigint | number;
    dests: Array<{ id: string; weight: number; activeConns: number; inactiveConns: number; conns: number; inbytes: bigint | number; outbytes: bigint | number }>;
  }>;
}

/**
 * Which metric families a registry exports: all of them in a single-process daemon; with children each
 * process exports its own (vrrp, check, daemon) so that the parent can concatenate the texts without clashes.
 * Families not exported still exist (subsystems update them) but are not registered.
 */
export enum MetricFamily {
  Vrrp = 'vrrp',
  Check = 'check',
  Daemon = 'daemon',
}
export const ALL_FAMILIES: readonly MetricFamily[] = [MetricFamily.Vrrp, MetricFamily.Check, MetricFamily.Daemon];

export const VRRP_STATE_VALUE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };

export class Metrics {
  readonly registry = new Registry();
  readonly vrrpState: Gauge<'instance'>;
  readonly vrrpTransitions: Counter<'instance' | 'from' | 'to'>;
  readonly vrrpAdvertsSent: Counter<'instance'>;
  readonly vrrpAdvertsReceived: Counter<'instance'>;
  readonly vrrpAdvertsRejected: Counter<'instance' | 'reason'>;
  readonly checkResults: Counter<'virtual_server' | 'real_server' | 'checker' | 'result'>;
  readonly checkDuration: Histogram<'checker'>;
  readonly realServerUp: Gauge<'virtual_server' | 'real_server'>;
  readonly ipvsOps: Counter<'op' | 'result'>;
  readonly reloads: Counter<'result'>;
  readonly configGeneration: Gauge;
  /** parent only: child processes respawned, and whether each is running / answered the last scrape */
  readonly childRestarts: Counter<'child'>;
  readonly childUp: Gauge<'child'>;
  readonly childScrapeOk: Gauge<'child'>;
  private ipvsSource: (() => Promise<IpvsCounterSnapshot | undefined>) | undefined;

  constructor(families: readonly MetricFamily[] = ALL_FAMILIES) {
    const reg = (f: MetricFamily): Registry[] => (families.includes(f) ? [this.registry] : []);
    const vr = reg(MetricFamily.Vrrp);
    const ck = reg(MetricFamily.Check);
    const dm = reg(MetricFamily.Daemon);
    this.vrrpState = new Gauge({ name: 'lvskeeper_vrrp_state', help: 'VRRP instance state (0 init, 1 backup, 2 master, 3 fault, 4 stop)', labelNames: ['instance'], registers: vr });
    this.vrrpTransitions = new Counter({ name: 'lvskeeper_vrrp_transitions_total', help: 'VRRP state transitions', labelNames: ['instance', 'from', 'to'], registers: vr });
    this.vrrpAdvertsSent = new Counter({ name: 'lvskeeper_vrrp_adverts_sent_total', help: 'VRRP advertisements sent', labelNames: ['instance'], registers: vr });
    this.vrrpAdvertsReceived = new Counter({ name: 'lvskeeper_vrrp_adverts_received_total', help: 'VRRP advertisements received and accepted', labelNames: ['instance'], registers: vr });
    this.vrrpAdvertsRejected = new Counter({ name: 'lvskeeper_vrrp_adverts_rejected_total', help: 'VRRP advertisements rejected, by reason', labelNames: ['instance', 'reason'], registers: vr });
    this.checkResults = new Counter({ name: 'lvskeeper_check_results_total', help: 'Health check results', labelNames: ['virtual_server', 'real_server', 'checker', 'result'], registers: ck });
    this.checkDuration = new Histogram({
      name: 'lvskeeper_check_duration_seconds',
      help: 'Health check duration',
      labelNames: ['checker'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: ck,
    });
    this.realServerUp = new Gauge({ name: 'lvskeeper_real_server_up', help: 'Real server health (1 up, 0 down)', labelNames: ['virtual_server', 'real_server'], registers: ck });
    this.ipvsOps = new Counter({ name: 'lvskeeper_ipvs_operations_total', help: 'IPVS operations issued by the reconciler', labelNames: ['op', 'result'], registers: ck });
    this.reloads = new Counter({ name: 'lvskeeper_config_reloads_total', help: 'Configuration reloads (SIGHUP)', labelNames: ['result'], registers: dm });
    this.configGeneration = new Gauge({ name: 'lvskeeper_config_generation', help: 'Generation of the running configuration (1 at start)', registers: dm });

    this.childRestarts = new Counter({ name: 'lvskeeper_child_restarts_total', help: 'Child processes (vrrp, checkers) respawned after they died', labelNames: ['child'], registers: dm });
    this.childUp = new Gauge({ name: 'lvskeeper_child_up', help: 'Child process running (1) or not (0)', labelNames: ['child'], registers: dm });
    this.childScrapeOk = new Gauge({ name: 'lvskeeper_child_scrape_ok', help: 'Child answered this scrape in time (1) or not (0); its metrics are missing then', labelNames: ['child'], registers: dm });

    // IPVS counters are read from the kernel at scrape time.
    const self = this;
    const svcLabels = ['virtual_server'] as const;
    const dstLabels = ['virtual_server', 'real_server'] as const;
    const mk = (name: string, help: string, labels: readonly string[], pick: (snap: IpvsCounterSnapshot, g: Gauge<string>) => void): void => {
      new Gauge({
        name,
        help,
        labelNames: labels as string[],
        registers: ck,
        async collect() {
          this.reset();
          const snap = self.ipvsSource ? await self.ipvsSource().catch(() => undefined) : undefined;
          if (snap) pick(snap, this);
        },
      });
    };
    mk('lvskeeper_ipvs_service_connections', 'Connections scheduled by the virtual server (kernel counter)', svcLabels, (s, g) => s.services.forEach((v) => g.set({ virtual_server: v.id }, v.conns)));
    mk('lvskeeper_ipvs_service_in_bytes', 'Bytes in to the virtual server (kernel counter)', svcLabels, (s, g) => s.services.forEach((v) => g.set({ virtual_server: v.id }, Number(v.inbytes))));
    mk('lvskeeper_ipvs_service_out_bytes', 'Bytes out of the virtual server (kernel counter)', svcLabels, (s, g) => s.services.forEach((v) => g.set({ virtual_server: v.id }, Number(v.outbytes))));
    mk('lvskeeper_ipvs_service_in_packets', 'Packets in (kernel counter)', svcLabels, (s, g) => s.services.forEach((v) => g.set({ virtual_server: v.id }, v.inpkts)));
    mk('lvskeeper_ipvs_service_out_packets', 'Packets out (kernel counter)', svcLabels, (s, g) => s.services.forEach((v) => g.set({ virtual_server: v.id }, v.outpkts)));
    mk('lvskeeper_ipvs_real_server_weight', 'Weight of the real server in IPVS', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, d.weight))));
    mk('lvskeeper_ipvs_real_server_active_connections', 'Active connections', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, d.activeConns))));
    mk('lvskeeper_ipvs_real_server_inactive_connections', 'Inactive connections', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, d.inactiveConns))));
    mk('lvskeeper_ipvs_real_server_connections', 'Connections scheduled to the real server (kernel counter)', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, d.conns))));
    mk('lvskeeper_ipvs_real_server_in_bytes', 'Bytes in to the real server (kernel counter)', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, Number(d.inbytes)))));
    mk('lvskeeper_ipvs_real_server_out_bytes', 'Bytes out of the real server (kernel counter)', dstLabels, (s, g) => s.services.forEach((v) => v.dests.forEach((d) => g.set({ virtual_server: v.id, real_server: d.id }, Number(d.outbytes)))));
  }

  /** Where IPVS counters come from at scrape time (the IPVS subsystem sets it; absent without IPVS). */
  setIpvsSource(fn: (() => Promise<IpvsCounterSnapshot | undefined>) | undefined): void {
    this.ipvsSource = fn;
  }

  vrrpTransition(instance: string, from: string, to: string): void {
    this.vrrpTransitions.inc({ instance, from, to });
    this.vrrpState.set({ instance }, VRRP_STATE_VALUE[to] ?? -1);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
