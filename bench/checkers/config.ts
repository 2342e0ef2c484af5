// Scenario checkers, the configuration: N real servers in virtual servers of 10, every one with a TCP_CHECK or an
// HTTP_GET, all behind one AnyIP prefix served by one wildcard listener; the "victims", the last few real servers, sit
// in a virtual server of their own with delay_loop 1 s and their own listeners, killed one per latency trial.

export type CheckKind = 'TCP_CHECK' | 'HTTP_GET';

export interface CheckTiming {
  delayLoopS: number;
  connectTimeoutS: number;
  retry: number;
  delayBeforeRetryS: number;
}

export interface BenchLayout {
  /** every real server, victims included */
  realServers: number;
  perVs: number;
  kind: CheckKind;
  /** the bulk: every real server that is not a victim */
  bulk: CheckTiming;
  /** the victims' virtual server */
  victim: CheckTiming;
  victims: number;
}

/** routed into the servers' namespace and local there */
export const RS_PREFIX = '10.80.0.0/16';
/** the wildcard listener every bulk real server is checked on */
export const RS_PORT = 80;
export const VICTIM_PORT = 81;
/** the victims' virtual server */
export const VICTIM_VS = '10.91.0.1';

/** Real server i: 10.80.(1 + i / 250).(1 + i % 250) (no .0 or .255 anywhere). */
export function rsAddress(i: number): string {
  return `10.80.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

/** Bulk virtual server j: 10.90.(j / 250).(1 + j % 250):80. */
export function vsAddress(j: number): string {
  return `10.90.${Math.floor(j / 250)}.${1 + (j % 250)}`;
}

/** The victims are the last `victims` real servers. */
export function victimIndexes(l: BenchLayout): number[] {
  return Array.from({ length: l.victims }, (_, k) => l.realServers - l.victims + k);
}

/** keepalived's worst case from a failure to the removal: delay_loop + (retry + 1) x connect_timeout + retry x delay_before_retry. */
export function detectionBoundMs(t: CheckTiming): number {
  return (t.delayLoopS + (t.retry + 1) * t.connectTimeoutS + t.retry * t.delayBeforeRetryS) * 1000;
}

function checkerBlock(kind: CheckKind, t: CheckTiming): string {
  const timing = `      connect_timeout ${t.connectTimeoutS}\n      retry ${t.retry}\n      delay_before_retry ${t.delayBeforeRetryS}\n`;
  if (kind === 'TCP_CHECK') return `    TCP_CHECK {\n${timing}    }\n`;
  return `    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n${timing}    }\n`;
}

function virtualServer(address: string, delayLoopS: number, body: string[]): string {
  return `virtual_server ${address} 80 {\n  delay_loop ${delayLoopS}\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n${body.join('')}}\n`;
}

function realServer(i: number, port: number, check: string): string {
  return `  real_server ${rsAddress(i)} ${port} {\n    weight 1\n${check}  }\n`;
}

/** The keepalived.conf both daemons read. warmup is keepalived's default (delay_loop): first checks spread over it. */
export function benchConfig(l: BenchLayout): string {
  const nBulk = l.realServers - l.victims;
  const bulkCheck = checkerBlock(l.kind, l.bulk);
  const parts: string[] = ['global_defs {\n  router_id lvsk_bench\n}\n'];
  for (let j = 0; j * l.perVs < nBulk; j++) {
    const body: string[] = [];
    for (let i = j * l.perVs; i < Math.min(nBulk, (j + 1) * l.perVs); i++) body.push(realServer(i, RS_PORT, bulkCheck));
    parts.push(virtualServer(vsAddress(j), l.bulk.delayLoopS, body));
  }
  const victimCheck = checkerBlock(l.kind, l.victim);
  parts.push(virtualServer(VICTIM_VS, l.victim.delayLoopS, victimIndexes(l).map((i) => realServer(i, VICTIM_PORT, victimCheck))));
  return parts.join('');
}
