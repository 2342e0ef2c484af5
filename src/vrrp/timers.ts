// VRRP timer arithmetic: Skew_Time and Master_Down_Interval for v2 (RFC 3768 6.1) and v3 (RFC 5798 6.1), keepalived's rounding.

import { DOWN_TIMER_ADVERTS, VrrpVersion } from './constants';

/**
 * Skew_Time in microseconds, with keepalived's integer arithmetic (include/vrrp.h VRRP_TIMER_SKEW_CALC):
 *  - v2, RFC 3768 6.1: Skew_Time = (256 - Priority) / 256 seconds, whatever the advert interval.
 *  - v3, RFC 5798 6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, Master_Adver_Interval
 *    in centiseconds; keepalived computes (256 - prio) * cs * 625 / 16 microseconds, truncated.
 */
export function skewTimeUs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  const p = 256 - priority;
  if (version === VrrpVersion.V2) return Math.floor((p * 1_000_000) / 256);
  return Math.floor((p * masterAdverIntervalCs * 625) / 16);
}

/**
 * Master_Down_Interval in microseconds: (3 * Master_Adver_Interval) + Skew_Time (RFC 5798 6.1; RFC 3768 6.1
 * with Advertisement_Interval). keepalived's `down_timer_adverts` replaces the 3.
 */
export function masterDownIntervalUs(
  version: VrrpVersion,
  priority: number,
  masterAdverIntervalCs: number,
  downTimerAdverts = DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * masterAdverIntervalCs * 10_000 + skewTimeUs(version, priority, masterAdverIntervalCs);
}

export const usToMs = (us: number): number => us / 1000;

/** Configured advert_int in milliseconds -> centiseconds carried by v3 (keepalived: adver_int / TIMER_CENTI_HZ, 12 bits). */
export function msToCs(ms: number): number {
  return Math.floor(ms / 10) & 0x0fff;
}

/** Skew_Time in milliseconds (may be fractional: the FSM works in milliseconds with microsecond precision). */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  return usToMs(skewTimeUs(version, priority, masterAdverIntervalCs));
}

export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number, downTimerAdverts = DOWN_TIMER_ADVERTS): number {
  return usToMs(masterDownIntervalUs(version, priority, masterAdverIntervalCs, downTimerAdverts));
}
