// global_defs keywords (keepalived/core/global_parser.c init_global_keywords, v2.2.7) and root-level globals.
import type { ConfNode } from '../types';
import type { GlobalDefs, NotifyFifo } from '../model';
import {
  Code, type Ctx, type KeywordTable, arg, badValue, boolField, err, flagField, makeScript, parsed, secondsField,
  stringField, uintField, unsupported, warn,
} from './table';
import { INT_MAX, UINT_MAX, isIPv4Multicast, isIPv6McLinkLocal, isIPv6Multicast, parseIp, parseInt10, parsePort, parseUnsigned } from '../values';

const PROC = 'lvskeeper runs as one Node.js process; per-process scheduling settings do not apply';
const SNMP = 'lvskeeper has no SNMP agent';
const NFT = 'lvskeeper does not program iptables/nftables/ipsets';
const NL_BUF = 'netlink socket buffer sizes are managed by lvskeeper';
const RELOAD = 'reload bookkeeping files are not implemented';

/** vrrp/lvs/global notify_fifo: `NAME [username [groupname]]` */
function fifoHandler(field: 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo') {
  return (ctx: Ctx, node: ConfNode, g: GlobalDefs): void => {
    const t = arg(ctx, node, 0, 'a FIFO path');
    if (!t) return;
    const f: NotifyFifo = { loc: node.loc, name: t.text };
    if (node.args[1]) f.user = node.args[1].text;
    if (node.args[2]) f.group = node.args[2].text;
    const prev = g[field];
    if (prev?.script) f.script = prev.script;
    g[field] = f;
  };
}

function fifoScriptHandler(field: 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo') {
  return (ctx: Ctx, node: ConfNode, g: GlobalDefs): void => {
    const s = makeScript(ctx, node);
    if (!s) return;
    const f = g[field];
    if (f) f.script = s;
    else g[field] = { loc: node.loc, name: '', script: s };
  };
}

function smtpServer(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = arg(ctx, node, 0, 'an IP address or host name [port]');
  if (!t) return;
  let port = 25;
  if (node.args[1]) {
    const p = parsed(ctx, 'smtp_server port', node.args[1], parsePort(node.args[1].text));
    if (p === undefined) return;
    port = p;
  }
  const ip = parseIp(t.text);
  // keepalived falls back to a DNS name (domain_stosockaddr); we keep the name for the SMTP client to resolve.
  g.smtpServer = { address: t.text, family: ip.ok ? ip.value.family : 4, port };
}

function smtpConnectTimeout(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = arg(ctx, node, 0, 'whole seconds');
  if (!t) return;
  const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 0, Math.floor(UINT_MAX / 1e6)));
  if (v === undefined) return;
  if (v === 0) warn(ctx, Code.DEFAULTED, 'smtp_connect_timeout must be greater than 0; setting to 1', t.loc);
  g.smtpConnectTimeout = v || 1;
}

function notificationEmail(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  for (const c of node.children ?? []) {
    g.notificationEmail.push(c.keyword);
    for (const a of c.args) g.notificationEmail.push(a.text);
  }
  for (const a of node.args) g.notificationEmail.push(a.text);
}

function scriptTimeout(field: 'startupScriptTimeout' | 'shutdownScriptTimeout') {
  return (ctx: Ctx, node: ConfNode, g: GlobalDefs): void => {
    const t = arg(ctx, node, 0, '1-1000 seconds');
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 1, 1000));
    if (v !== undefined) g[field] = v;
  };
}

function lvsTimeouts(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  if (node.args.length < 2) {
    err(ctx, Code.MISSING_VALUE, 'lvs_timeouts has no value; should be [tcp SECS] [tcpfin SECS] [udp SECS]', node.loc);
    return;
  }
  const lt = g.lvsTimeouts ?? { loc: node.loc };
  const names: Record<string, 'tcp' | 'tcpFin' | 'udp'> = { tcp: 'tcp', tcpfin: 'tcpFin', udp: 'udp' };
  for (let i = 0; i < node.args.length; i++) {
    const w = node.args[i]!;
    const f = names[w.text];
    if (!f) {
      badValue(ctx, 'lvs_timeouts option', w, 'one of tcp, tcpfin, udp');
      continue;
    }
    const v = node.args[i + 1];
    if (!v) {
      err(ctx, Code.MISSING_VALUE, `lvs_timeouts ${w.text} has no value; should be 1-${86400 * 31} seconds`, w.loc);
      break;
    }
    i++;
    // LVS_MAX_TIMEOUT: 31 days (global_data.h)
    const n = parsed(ctx, `lvs_timeouts ${w.text}`, v, parseUnsigned(v.text, 1, 86400 * 31));
    if (n !== undefined) lt[f] = n;
  }
  g.lvsTimeouts = lt;
}

function lvsFlushOnStop(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = node.args[0];
  if (!t) g.lvsFlushOnStop = 'all';
  else if (t.text === 'VS') g.lvsFlushOnStop = 'vs';
  else badValue(ctx, node.keyword, t, 'empty or VS');
}

function lvsSyncDaemon(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  if (g.lvsSyncDaemon) {
    warn(ctx, Code.IGNORED, 'lvs_sync_daemon has already been specified - ignoring', node.loc);
    return;
  }
  const t = arg(ctx, node, 0, 'INTERFACE [inst VRRP_INSTANCE] [id 0-255] [maxlen N] [port N] [ttl N] [group ADDR]');
  if (!t) return;
  if (t.text.length >= 16) {
    badValue(ctx, 'lvs_sync_daemon interface', t, 'at most 15 characters');
    return;
  }
  const sd: NonNullable<GlobalDefs['lvsSyncDaemon']> = { loc: node.loc, interface: t.text };
  const a = node.args;
  for (let i = 1; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    const num = (min: number, max: number): number | undefined => {
      if (!v) {
        err(ctx, Code.MISSING_VALUE, `lvs_sync_daemon ${w.text} has no value; should be ${min}-${max}`, w.loc);
        return undefined;
      }
      i++;
      return parsed(ctx, `lvs_sync_daemon ${w.text}`, v, parseUnsigned(v.text, min, max));
    };
    switch (w.text) {
      case 'inst':
        if (v) sd.vrrpInstance = v.text;
        i++;
        break;
      case 'id':
        sd.syncId = num(0, 255);
        break;
      case 'maxlen':
        sd.maxLen = num(1, 65535 - 20 - 8);
        break;
      case 'port':
        sd.port = num(1, 65535);
        break;
      case 'ttl':
        sd.ttl = num(1, 255);
        break;
      case 'group': {
        if (!v) {
          err(ctx, Code.MISSING_VALUE, 'lvs_sync_daemon group has no value; should be a multicast address', w.loc);
          break;
        }
        i++;
        const ip = parseIp(v.text);
        if (!ip.ok || !(ip.value.family === 4 ? isIPv4Multicast(v.text) : isIPv6Multicast(v.text))) {
          badValue(ctx, 'lvs_sync_daemon group', v, 'a multicast address');
        } else sd.group = v.text;
        break;
      }
      default:
        // legacy: lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]
        if (i === 1) sd.vrrpInstance = w.text;
        else if (i === 2) {
          warn(ctx, Code.DEPRECATED, 'Please use keyword "id" before lvs_sync_daemon SYNCID', w.loc);
          const n = parsed(ctx, 'lvs_sync_daemon id', w, parseUnsigned(w.text, 0, 255));
          if (n !== undefined) sd.syncId = n;
        } else badValue(ctx, 'lvs_sync_daemon option', w, 'one of inst, id, maxlen, port, ttl, group');
    }
  }
  g.lvsSyncDaemon = sd;
}

function mcastGroup(family: 4 | 6) {
  return (ctx: Ctx, node: ConfNode, g: GlobalDefs): void => {
    const t = arg(ctx, node, 0, `an IPv${family} multicast address`);
    if (!t) return;
    const ip = parseIp(t.text);
    if (!ip.ok || ip.value.family !== family || !(family === 4 ? isIPv4Multicast(t.text) : isIPv6Multicast(t.text))) {
      badValue(ctx, node.keyword, t, `an IPv${family} multicast address`);
      return;
    }
    if (family === 6 && !isIPv6McLinkLocal(t.text))
      warn(ctx, Code.DEFAULTED, `vrrp_mcast_group6 ${t.text} should be link-local multicast`, t.loc);
    if (family === 4) g.vrrpMcastGroup4 = t.text;
    else g.vrrpMcastGroup6 = t.text;
  };
}

/** `KW <0-UINT_MAX>`, where 0 is raised to 1 with a warning (keepalived: "must be greater than 0, setting to 1"). */
function atLeastOne(field: 'vrrpGarpMasterRepeat' | 'vrrpGarpMasterRefreshRepeat') {
  return (ctx: Ctx, node: ConfNode, g: GlobalDefs): void => {
    const t = arg(ctx, node, 0, `1-${UINT_MAX}`);
    if (!t) return;
    const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 0, UINT_MAX));
    if (v === undefined) return;
    if (v === 0) warn(ctx, Code.DEFAULTED, `${node.keyword} must be greater than 0; setting to 1`, t.loc);
    g[field] = v || 1;
  };
}

function scriptUser(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = arg(ctx, node, 0, 'USERNAME [GROUPNAME]');
  if (!t) return;
  g.scriptUser = t.text;
  if (node.args[1]) g.scriptGroup = node.args[1].text;
}

function dynamicInterfaces(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  g.dynamicInterfaces = true;
  const t = node.args[0];
  if (!t) return;
  if (t.text === 'allow_if_changes') g.dynamicInterfacesAllowIfDown = true;
  else badValue(ctx, node.keyword, t, 'empty or allow_if_changes');
}

function maxAutoPriority(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = node.args[0];
  // sched_get_priority_max(SCHED_RR) is 99 on Linux
  if (!t) {
    g.maxAutoPriority = 99;
    return;
  }
  const v = parsed(ctx, node.keyword, t, parseInt10(t.text, -1, 99));
  if (v !== undefined) g.maxAutoPriority = v;
}

function umask(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = arg(ctx, node, 0, 'an octal mask or IWGRP|IWOTH|...');
  if (!t) return;
  if (/^0?[0-7]{1,3}$/.test(t.text)) {
    g.umask = parseInt(t.text, 8);
    return;
  }
  const bits: Record<string, number> = {
    IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1,
  };
  let m = 0;
  for (const part of node.args.map((a) => a.text).join('').split('|')) {
    const b = bits[part.trim()];
    if (b === undefined) {
      badValue(ctx, 'umask', t, 'an octal mask or names like IWGRP|IWOTH');
      return;
    }
    m |= b;
  }
  g.umask = m;
}

/** Keywords allowed inside global_defs { }. */
export const GLOBAL_DEFS_KEYWORDS: KeywordTable<GlobalDefs> = [
  unsupported('process_names', '', PROC),
  unsupported('process_name', 'NAME', PROC),
  unsupported('vrrp_process_name', 'NAME', PROC),
  unsupported('checker_process_name', 'NAME', PROC, { synonyms: ['lvs_process_name'] }),
  unsupported('bfd_process_name', 'NAME', PROC),
  { name: 'router_id', args: 'STRING', status: 'implemented', handle: stringField('routerId') },
  { name: 'notification_email_from', args: 'EMAIL', status: 'implemented', handle: stringField('notificationEmailFrom') },
  { name: 'smtp_server', args: 'ADDR|NAME [PORT]', status: 'implemented', handle: smtpServer },
  { name: 'smtp_helo_name', args: 'NAME', status: 'implemented', handle: stringField('smtpHeloName') },
  { name: 'smtp_connect_timeout', args: '<1-4294> seconds', status: 'implemented', handle: smtpConnectTimeout },
  { name: 'notification_email', args: '{ EMAIL ... }', block: 'values', status: 'implemented', handle: notificationEmail },
  { name: 'smtp_alert', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlert') },
  { name: 'smtp_alert_vrrp', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlertVrrp') },
  { name: 'smtp_alert_checker', args: '[true|false]', status: 'implemented', handle: boolField('smtpAlertChecker') },
  { name: 'startup_script', args: 'SCRIPT [USER [GROUP]]', status: 'implemented', handle: (c, n, g) => { g.startupScript = makeScript(c, n); } },
  { name: 'startup_script_timeout', args: '<1-1000>', status: 'implemented', handle: scriptTimeout('startupScriptTimeout') },
  { name: 'shutdown_script', args: 'SCRIPT [USER [GROUP]]', status: 'implemented', handle: (c, n, g) => { g.shutdownScript = makeScript(c, n); } },
  { name: 'shutdown_script_timeout', args: '<1-1000>', status: 'implemented', handle: scriptTimeout('shutdownScriptTimeout') },
  { name: 'max_auto_priority', args: '[-1..99]', status: 'implemented', handle: maxAutoPriority },
  unsupported('min_auto_priority_delay', 'MICROSECONDS', PROC),
  { name: 'checker_log_all_failures', args: '[true|false]', status: 'implemented', handle: boolField('checkerLogAllFailures') },
  { name: 'dynamic_interfaces', args: '[allow_if_changes]', status: 'implemented', handle: dynamicInterfaces },
  { name: 'no_email_faults', args: '', status: 'implemented', handle: flagField('noEmailFaults') },
  { name: 'default_interface', args: 'IFNAME', status: 'implemented', handle: stringField('defaultInterface', 'an interface name') },
  unsupported('disable_local_igmp', '', 'IGMP reports are left to the kernel'),
  { name: 'lvs_timeouts', args: '[tcp N] [tcpfin N] [udp N]', status: 'implemented', handle: lvsTimeouts },
  { name: 'lvs_flush', args: '', status: 'implemented', handle: flagField('lvsFlush') },
  { name: 'lvs_flush_on_stop', synonyms: ['lvs_flush_onstop'], args: '[VS]', status: 'implemented', handle: lvsFlushOnStop },
  { name: 'lvs_sync_daemon', args: 'IF [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group ADDR]', status: 'implemented', handle: lvsSyncDaemon },
  { name: 'vrrp_mcast_group4', args: 'ADDR', status: 'implemented', handle: mcastGroup(4) },
  { name: 'vrrp_mcast_group6', args: 'ADDR', status: 'implemented', handle: mcastGroup(6) },
  { name: 'vrrp_garp_master_delay', args: '<0-4294> seconds', status: 'implemented', handle: uintField('vrrpGarpMasterDelay', 0, Math.floor(UINT_MAX / 1e6)) },
  { name: 'vrrp_garp_master_repeat', args: '<1-...>', status: 'implemented', handle: atLeastOne('vrrpGarpMasterRepeat') },
  { name: 'vrrp_garp_master_refresh', args: 'SECONDS', status: 'implemented', handle: uintField('vrrpGarpMasterRefresh', 0, UINT_MAX, { fallback: 0 }) },
  { name: 'vrrp_garp_master_refresh_repeat', args: '<1-...>', status: 'implemented', handle: atLeastOne('vrrpGarpMasterRefreshRepeat') },
  { name: 'vrrp_garp_lower_prio_delay', args: 'SECONDS', status: 'implemented', handle: uintField('vrrpGarpLowerPrioDelay', 0, Math.floor(UINT_MAX / 1e6)) },
  { name: 'vrrp_garp_lower_prio_repeat', args: 'N', status: 'implemented', handle: uintField('vrrpGarpLowerPrioRepeat', 0, INT_MAX) },
  { name: 'vrrp_down_timer_adverts', args: '<1-100>', status: 'implemented', handle: uintField('vrrpDownTimerAdverts', 1, 100) },
  { name: 'vrrp_garp_interval', args: 'SECONDS (decimal)', status: 'implemented', handle: secondsField('vrrpGarpInterval', 0.000001, UINT_MAX / 1e6) },
  { name: 'vrrp_gna_interval', args: 'SECONDS (decimal)', status: 'implemented', handle: secondsField('vrrpGnaInterval', 0.000001, UINT_MAX / 1e6) },
  { name: 'vrrp_min_garp', args: '[true|false]', status: 'implemented', handle: boolField('vrrpMinGarp') },
  unsupported('vrrp_garp_extra_if', 'all|SECONDS', 'VMAC extra-interface gratuitous ARPs are not implemented', { synonyms: ['vrrp_vmac_garp_intvl'], reportedDeprecated: { vrrp_vmac_garp_intvl: 'vrrp_garp_extra_if' } }),
  { name: 'vrrp_lower_prio_no_advert', args: '[true|false]', status: 'implemented', handle: boolField('vrrpLowerPrioNoAdvert') },
  { name: 'vrrp_higher_prio_send_advert', args: '[true|false]', status: 'implemented', handle: boolField('vrrpHigherPrioSendAdvert') },
  { name: 'vrrp_version', args: '<2|3>', status: 'implemented', handle: (c, n, g) => { const t = arg(c, n, 0, '2 or 3'); if (!t) return; const v = parsed(c, n.keyword, t, parseInt10(t.text, 2, 3)); if (v !== undefined) g.vrrpVersion = v as 2 | 3; } },
  unsupported('vrrp_iptables', '[IN [OUT]]', NFT),
  unsupported('vrrp_ipsets', 'NAMES...', NFT),
  unsupported('nftables', '[TABLE]', NFT),
  unsupported('nftables_priority', 'N', NFT),
  unsupported('nftables_ifindex', '', NFT),
  unsupported('nftables_ipvs', '[TABLE]', NFT),
  unsupported('nftables_ipvs_priority', 'N', NFT),
  unsupported('nftables_ipvs_start_fwmark', 'N', NFT),
  unsupported('nftables_counters', '', NFT),
  { name: 'vrrp_check_unicast_src', args: '', status: 'implemented', handle: flagField('vrrpCheckUnicastSrc') },
  { name: 'vrrp_skip_check_adv_addr', args: '[true|false]', status: 'implemented', handle: boolField('vrrpSkipCheckAdvAddr') },
  { name: 'vrrp_strict', args: '', status: 'implemented', handle: flagField('vrrpStrict') },
  unsupported('vrrp_priority', 'N', PROC),
  unsupported('vrrp_no_swap', '', PROC),
  unsupported('vrrp_rt_priority', 'N', PROC),
  unsupported('vrrp_cpu_affinity', 'CPUS', PROC),
  unsupported('vrrp_rlimit_rttime', 'N', PROC, { synonyms: ['vrrp_rlimit_rtime'] }),
  { name: 'notify_fifo', args: 'PATH [USER [GROUP]]', status: 'implemented', handle: fifoHandler('notifyFifo') },
  { name: 'notify_fifo_script', args: 'SCRIPT [USER [GROUP]]', status: 'implemented', handle: fifoScriptHandler('notifyFifo') },
  { name: 'vrrp_notify_fifo', args: 'PATH [USER [GROUP]]', status: 'implemented', handle: fifoHandler('vrrpNotifyFifo') },
  { name: 'vrrp_notify_fifo_script', args: 'SCRIPT [USER [GROUP]]', status: 'implemented', handle: fifoScriptHandler('vrrpNotifyFifo') },
  { name: 'vrrp_notify_priority_changes', args: '[true|false]', status: 'implemented', handle: boolField('vrrpNotifyPriorityChanges') },
  { name: 'fifo_write_vrrp_states_on_reload', args: '', status: 'implemented', handle: flagField('fifoWriteVrrpStatesOnReload') },
  { name: 'lvs_notify_fifo', args: 'PATH [USER [GROUP]]', status: 'implemented', handle: fifoHandler('lvsNotifyFifo') },
  { name: 'lvs_notify_fifo_script', args: 'SCRIPT [USER [GROUP]]', status: 'implemented', handle: fifoScriptHandler('lvsNotifyFifo') },
  unsupported('checker_priority', 'N', PROC),
  unsupported('checker_no_swap', '', PROC),
  unsupported('checker_rt_priority', 'N', PROC),
  unsupported('checker_cpu_affinity', 'CPUS', PROC),
  unsupported('checker_rlimit_rttime', 'N', PROC, { synonyms: ['checker_rlimit_rtime'] }),
  unsupported('bfd_priority', 'N', PROC),
  unsupported('bfd_no_swap', '', PROC),
  unsupported('bfd_rt_priority', 'N', PROC),
  unsupported('bfd_cpu_affinity', 'CPUS', PROC),
  unsupported('bfd_rlimit_rttime', 'N', PROC, { synonyms: ['bfd_rlimit_rtime'] }),
  unsupported('snmp_socket', 'SOCKET', SNMP),
  unsupported('enable_traps', '', SNMP),
  unsupported('enable_snmp_vrrp', '', SNMP, { synonyms: ['enable_snmp_keepalived'] }),
  unsupported('enable_snmp_rfc', '', SNMP),
  unsupported('enable_snmp_rfcv2', '', SNMP),
  unsupported('enable_snmp_rfcv3', '', SNMP),
  unsupported('enable_snmp_checker', '', SNMP),
  unsupported('enable_dbus', '', 'lvskeeper has no D-Bus interface'),
  unsupported('dbus_service_name', 'NAME', 'lvskeeper has no D-Bus interface'),
  { name: 'script_user', args: 'USER [GROUP]', status: 'implemented', handle: scriptUser },
  { name: 'enable_script_security', args: '', status: 'implemented', handle: flagField('enableScriptSecurity') },
  unsupported('vrrp_netlink_cmd_rcv_bufs', 'BYTES', NL_BUF),
  unsupported('vrrp_netlink_cmd_rcv_bufs_force', '[true|false]', NL_BUF),
  unsupported('vrrp_netlink_monitor_rcv_bufs', 'BYTES', NL_BUF),
  unsupported('vrrp_netlink_monitor_rcv_bufs_force', '[true|false]', NL_BUF),
  unsupported('process_monitor_rcv_bufs', 'BYTES', NL_BUF),
  unsupported('process_monitor_rcv_bufs_force', '[true|false]', NL_BUF),
  unsupported('lvs_netlink_cmd_rcv_bufs', 'BYTES', NL_BUF),
  unsupported('lvs_netlink_cmd_rcv_bufs_force', '[true|false]', NL_BUF),
  unsupported('lvs_netlink_monitor_rcv_bufs', 'BYTES', NL_BUF),
  unsupported('lvs_netlink_monitor_rcv_bufs_force', '[true|false]', NL_BUF),
  { name: 'rs_init_notifies', args: '', status: 'implemented', handle: flagField('rsInitNotifies') },
  { name: 'no_checker_emails', args: '', status: 'implemented', handle: flagField('noCheckerEmails') },
  unsupported('vrrp_rx_bufs_policy', 'MTU|ADVERT|SIZE', NL_BUF),
  unsupported('vrrp_rx_bufs_multiplier', 'N', NL_BUF),
  { name: 'vrrp_startup_delay', args: 'SECONDS (decimal)', status: 'implemented', handle: secondsField('vrrpStartupDelay', 0.001, UINT_MAX / 1e6) },
  { name: 'log_unknown_vrids', args: '', status: 'implemented', handle: flagField('logUnknownVrids') },
  unsupported('vmac_prefix', 'PREFIX', 'VMAC interfaces are not implemented'),
  unsupported('vmac_addr_prefix', 'PREFIX', 'VMAC interfaces are not implemented'),
  { name: 'umask', args: 'MASK', status: 'implemented', handle: umask },
  { name: 'random_seed', args: 'N', status: 'implemented', handle: uintField('randomSeed', 0, UINT_MAX) },
  unsupported('reload_check_config', '[FILE]', RELOAD),
  unsupported('reload_time_file', 'FILE', RELOAD),
  unsupported('reload_repeat', '', RELOAD),
  unsupported('reload_file', 'FILE', RELOAD),
  unsupported('include_check', '[TYPES]', 'handled by the configuration reader, not global_defs'),
  unsupported('config_save_dir', 'DIR', RELOAD),
  unsupported('tmp_config_directory', 'DIR', RELOAD),
  unsupported('data_use_instance', '[true|false]', RELOAD),
];

export { defaultGlobalDefs } from '../defaults';

function childWait(ctx: Ctx, node: ConfNode, g: GlobalDefs): void {
  const t = arg(ctx, node, 0, 'seconds');
  if (!t) return;
  const v = parsed(ctx, node.keyword, t, parseUnsigned(t.text, 0, UINT_MAX));
  if (v !== undefined) g.childWaitTime = v;
}

/** Root-level keywords that belong to the global section (install_keyword_root in init_global_keywords). */
export const GLOBAL_ROOT_KEYWORDS: KeywordTable<GlobalDefs> = [
  unsupported('linkbeat_use_polling', '', 'interface state comes from rtnetlink; MII/ethtool polling is not implemented'),
  unsupported('net_namespace', 'NAME', 'run lvskeeper inside the namespace instead (ip netns exec)'),
  unsupported('net_namespace_ipvs', 'NAME', 'run lvskeeper inside the namespace instead (ip netns exec)'),
  unsupported('namespace_with_ipsets', '', NFT),
  unsupported('use_pid_dir', '', 'pid files are managed by the service manager'),
  unsupported('instance', 'NAME', 'use the --instance command line option'),
  { name: 'child_wait_time', args: 'SECONDS', status: 'implemented', handle: childWait },
];
