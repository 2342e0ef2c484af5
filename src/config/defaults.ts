// keepalived 2.2.7's defaults, in one place with their sources (durations in seconds).
import type { GlobalDefs } from './model';

/** virtual_server defaults (keepalived/check/check_data.c alloc_vs, ipvswrapper.h, libipvs.h). */
export const VS_DEFAULTS = {
  /** KEEPALIVED_DEFAULT_DELAY (check_data.h): 60 s */
  delayLoop: 60,
  /** alloc_vs: connection_to = 5 * TIMER_HZ */
  connectTimeout: 5,
  quorum: 1,
  hysteresis: 0,
  /** default weight for real servers (alloc_vs: weight = 1) */
  weight: 1,
  /** IPVS_DEF_SCHED (ipvswrapper.h), used with a warning when lb_algo is missing */
  lbAlgo: 'wlc' as const,
  /** IPVS_SVC_PERSISTENT_TIMEOUT (libipvs.h): `persistence_timeout` without a value, and implied persistence */
  persistenceTimeout: 360,
  /** LVS_MAX_TIMEOUT (global_data.h): 31 days */
  maxTimeout: 86400 * 31,
};

/** Per-checker retry / delay_before_retry defaults when neither the checker, its real server nor its virtual server set them. */
export const CHECKER_DEFAULTS: Record<string, { retry: number; delayBeforeRetry: number | 'delay_loop' }> = {
  // check_api.c queue_checker: default_retry 1, default_delay_before_retry 1 s
  TCP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  SMTP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  UDP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  PING_CHECK: { retry: 1, delayBeforeRetry: 1 },
  // check_http.c http_get_handler: default_delay_before_retry 3 s
  HTTP_GET: { retry: 1, delayBeforeRetry: 3 },
  SSL_GET: { retry: 1, delayBeforeRetry: 3 },
  // check_misc.c misc_check_handler: default_retry 0
  MISC_CHECK: { retry: 0, delayBeforeRetry: 1 },
  // check_dns.c dns_check_handler: DNS_DEFAULT_RETRY 3, default_delay_before_retry 0 = delay_loop
  DNS_CHECK: { retry: 3, delayBeforeRetry: 'delay_loop' },
  FILE_CHECK: { retry: 0, delayBeforeRetry: 0 },
  BFD_CHECK: { retry: 0, delayBeforeRetry: 0 },
};

/** vrrp_instance defaults (keepalived/vrrp/vrrp_data.c alloc_vrrp, vrrp.h, vrrp.c vrrp_complete_instance). */
export const VRRP_DEFAULTS = {
  /** VRRP_PRIO_DFL; 255 (VRRP_PRIO_OWNER) when state MASTER and no priority */
  priority: 100,
  /** VRRP_ADVER_DFL: 1 s */
  advertInt: 1,
  /** VRRP_IP_TTL */
  unicastTtl: 255,
  /** VRRP_GARP_DELAY 5 s, VRRP_GARP_REP 5, VRRP_GARP_REFRESH 0, VRRP_GARP_REFRESH_REP 1 */
  garpMasterDelay: 5,
  garpMasterRepeat: 5,
  garpMasterRefresh: 0,
  garpMasterRefreshRepeat: 1,
  /** VRRP_DOWN_TIMER_ADVERTS */
  downTimerAdverts: 3,
};

/** vrrp_script defaults (vrrp_track.h VRRP_SCRIPT_DI/DT/DW, vrrp_data.c alloc_vrrp_script). */
export const VRRP_SCRIPT_DEFAULTS = { interval: 1, weight: 0, rise: 1, fall: 1 };

export function defaultGlobalDefs(): GlobalDefs {
  return {
    notificationEmail: [],
    smtpConnectTimeout: 30, // DEFAULT_SMTP_CONNECTION_TIMEOUT (global_data.h)
    noEmailFaults: false,
    checkerLogAllFailures: false,
    dynamicInterfaces: false,
    dynamicInterfacesAllowIfDown: false,
    startupScriptTimeout: 10,
    shutdownScriptTimeout: 10,
    lvsFlush: false,
    lvsFlushOnStop: 'no',
    vrrpMcastGroup4: '224.0.0.18', // INADDR_VRRP_GROUP (vrrp.h)
    vrrpMcastGroup6: 'ff02::12', // RFC 5798 5.1.2.2
    vrrpGarpMasterDelay: VRRP_DEFAULTS.garpMasterDelay,
    vrrpGarpMasterRepeat: VRRP_DEFAULTS.garpMasterRepeat,
    vrrpGarpMasterRefresh: VRRP_DEFAULTS.garpMasterRefresh,
    vrrpGarpMasterRefreshRepeat: VRRP_DEFAULTS.garpMasterRefreshRepeat,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpMinGarp: false,
    vrrpDownTimerAdverts: VRRP_DEFAULTS.downTimerAdverts,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpVersion: 2,
    vrrpCheckUnicastSrc: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpStartupDelay: 0,
    logUnknownVrids: false,
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    rsInitNotifies: false,
    noCheckerEmails: false,
    enableScriptSecurity: false,
    childWaitTime: 5,
  };
}
