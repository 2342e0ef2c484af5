// Pure helpers of the jitter scenario: VRRP adverts from `tcpdump -tt -e` lines, intervals, and deviation percentiles.

export interface VrrpAdvert {
  /** kernel capture time, epoch milliseconds */
  tMs: number;
  srcMac: string;
  vrid: number;
  version: 2 | 3;
}

export interface JitterStats {
  /** intervals counted */
  n: number;
  /** percentiles of |interval - advert_int|, milliseconds (nearest rank) */
  p50: number;
  p99: number;
  max: number;
  meanIntervalMs: number;
}

// "1764080000.123456 52:54:00:12:34:56 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 60: 10.0.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 200, ..."
const LINE = /^(\d+)\.(\d{6}) ([0-9a-f:]{17}) > .*VRRPv([23]), Advertisement, vrid (\d+)/;

/** Adverts in tcpdump output (one or more lines); other lines are ignored. */
export function parseVrrpCapture(text: string): VrrpAdvert[] {
  const out: VrrpAdvert[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ tMs: Number(m[1]) * 1000 + Number(m[2]) / 1000, srcMac: m[3]!, version: Number(m[4]) as 2 | 3, vrid: Number(m[5]) });
  }
  return out;
}

/** Intervals (ms) between successive adverts, in capture order. */
export function advertIntervals(ads: VrrpAdvert[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < ads.length; i++) out.push(ads[i]!.tMs - ads[i - 1]!.tMs);
  return out;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function jitterStats(intervals: number[], advertMs: number): JitterStats {
  const dev = intervals.map((x) => Math.abs(x - advertMs)).sort((a, b) => a - b);
  const mean = intervals.length ? intervals.reduce((a, b) => a + b, 0) / intervals.length : NaN;
  return { n: intervals.length, p50: percentile(dev, 50), p99: percentile(dev, 99), max: dev.length ? dev[dev.length - 1]! : NaN, meanIntervalMs: mean };
}
