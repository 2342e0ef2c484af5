// Small configurations with the exit status `keepalived -t -f FILE` (2.2.7, Debian) gave for each, recorded in
// a network namespace whose only interfaces are lo and veth eth0/eth1. keepalived -t exits (lib/scheduler.h,
// keepalived/core/main.c config_test_exit): 0 = OK; 4 = file not found, bad interface or fatal; 5 = any other
// problem it reported through report_config_error (errors AND warnings, e.g. "Unknown keyword", "... using
// default"); 6 = script security. Messages keepalived only logs (log_message) do not change the status.
import { vrrpConf, vsConf } from './model';

export interface KaCase {
  name: string;
  conf: string;
  /** keepalived -t exit status observed (139: keepalived 2.2.7 crashed with SIGSEGV) */
  rc: number;
  /** where lvskeeper deliberately reports what keepalived -t does not, and why */
  divergence?: string;
}

const SCRIPT = 'vrrp_script chk {\n  script "/bin/true"\n}\n';
const SEC = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';

export const KA_CASES: KaCase[] = [
  { name: 'valid virtual server', conf: vsConf(), rc: 0 },
  { name: 'valid vrrp instance', conf: vrrpConf(), rc: 0 },
  { name: 'priority 300', conf: vrrpConf('priority 300'), rc: 5 },
  { name: 'priority 0', conf: vrrpConf('priority 0'), rc: 5 },
  { name: 'virtual_router_id 256', conf: vrrpConf('virtual_router_id 256'), rc: 5 },
  { name: 'no virtual_router_id', conf: 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n', rc: 5 },
  { name: 'unknown keyword', conf: vrrpConf('priorty 100'), rc: 5 },
  { name: 'unknown root keyword', conf: 'virtual_servers 10.0.0.1 80 {\n}\n', rc: 5 },
  { name: 'track_script undefined', conf: vrrpConf('track_script {\n  nothere\n}'), rc: 5 },
  { name: 'duplicate VRID on eth0', conf: vrrpConf() + vrrpConf('', { name: 'VI_2', vip: '10.0.0.11' }), rc: 5 },
  { name: 'same VRID on eth0 and eth1', conf: vrrpConf() + vrrpConf('interface eth1', { name: 'VI_2', vip: '10.0.0.11' }), rc: 0 },
  { name: 'advert_int 1.5 with VRRPv2', conf: vrrpConf('advert_int 1.5'), rc: 5 },
  { name: 'advert_int 0.5 with VRRPv3', conf: vrrpConf('version 3\n  advert_int 0.5'), rc: 0 },
  { name: 'advert_int 0', conf: vrrpConf('advert_int 0'), rc: 5 },
  { name: 'state ACTIVE', conf: vrrpConf('state ACTIVE'), rc: 5 },
  { name: 'nopreempt with priority 255', conf: vrrpConf('priority 255\n  nopreempt'), rc: 5 },
  { name: 'authentication with VRRPv3', conf: vrrpConf('version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }'), rc: 5 },
  { name: 'authentication PASS', conf: vrrpConf('authentication {\n    auth_type PASS\n    auth_pass secret\n  }'), rc: 0 },
  { name: 'mcast_dst_ip not multicast', conf: vrrpConf('mcast_dst_ip 10.0.0.1'), rc: 5 },
  { name: 'garp_master_repeat 0', conf: vrrpConf('garp_master_repeat 0'), rc: 5 },
  { name: 'VIP with bad option', conf: vrrpConf('', { vip: '10.0.0.10/24 devv eth0' }), rc: 5 },
  { name: 'VIP with label and brd', conf: vrrpConf('', { vip: '10.0.0.10/24 brd 10.0.0.255 dev eth0 label eth0:1' }), rc: 0 },
  { name: 'VIP prefix 33', conf: vrrpConf('', { vip: '10.0.0.10/33' }), rc: 5 },
  { name: 'track_interface weight 254', conf: vrrpConf('track_interface {\n    eth1 weight 254\n  }'), rc: 5 },
  { name: 'track_interface weight -50', conf: vrrpConf('track_interface {\n    eth1 weight -50\n  }'), rc: 0 },
  { name: 'virtual route without dev', conf: vrrpConf('virtual_routes {\n    10.9.0.0/16 via 10.0.0.1\n  }'), rc: 5 },
  { name: 'virtual route with dev', conf: vrrpConf('virtual_routes {\n    10.9.0.0/16 via 10.0.0.1 dev eth0\n  }'), rc: 0 },
  { name: 'virtual rule without preference', conf: vrrpConf('virtual_rules {\n    from 10.9.0.0/16 table 7\n  }'), rc: 5 },
  { name: 'virtual rule with preference', conf: vrrpConf('virtual_rules {\n    from 10.9.0.0/16 table 7 priority 100\n  }'), rc: 0 },
  { name: 'vrrp_script without script', conf: 'vrrp_script chk {\n  interval 2\n}\n' + vrrpConf(), rc: 5 },
  { name: 'unused vrrp_script (reported only when the VRRP process starts)', conf: SEC + SCRIPT + vrrpConf(), rc: 0 },
  { name: 'used vrrp_script', conf: SEC + SCRIPT + vrrpConf('track_script {\n    chk\n  }'), rc: 0 },
  { name: 'vrrp_script weight 300', conf: SEC + SCRIPT.replace('}', '  weight 300\n}') + vrrpConf('track_script {\n    chk\n  }'), rc: 5 },
  { name: 'sync group naming unknown instance', conf: 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_X\n  }\n}\n' + vrrpConf(), rc: 5 },
  { name: 'global vrrp_version 4', conf: 'global_defs {\n  vrrp_version 4\n}\n' + vrrpConf(), rc: 5 },
  { name: 'global vrrp_garp_interval 0', conf: 'global_defs {\n  vrrp_garp_interval 0\n}\n' + vrrpConf(), rc: 5 },
  { name: 'global smtp_alert maybe', conf: 'global_defs {\n  smtp_alert maybe\n}\n' + vsConf(), rc: 5 },
  { name: 'lvs_flush_onstop (old spelling)', conf: 'global_defs {\n  lvs_flush_onstop\n}\n' + vsConf(), rc: 0 },
  { name: 'lvs_timeouts', conf: 'global_defs {\n  lvs_timeouts tcp 900 tcpfin 120 udp 300\n}\n' + vsConf(), rc: 0 },
  { name: 'use_vmac (unsupported by lvskeeper only)', conf: vrrpConf('use_vmac'), rc: 0 },
  { name: 'enable_snmp_vrrp (unsupported by lvskeeper only)', conf: 'global_defs {\n  enable_snmp_vrrp\n}\n' + vrrpConf(), rc: 0 },
  { name: 'bfd_instance (unsupported by lvskeeper only)', conf: 'bfd_instance b1 {\n  neighbor_ip 10.0.0.9\n}\n' + vsConf(), rc: 0 },
  { name: 'lb_algo bogus', conf: vsConf({ vs: 'lb_algo wrrr' }), rc: 5 },
  { name: 'lvs_sched synonym', conf: vsConf().replace('lb_algo rr', 'lvs_sched sh'), rc: 0 },
  { name: 'no lb_algo', conf: vsConf().replace('  lb_algo rr\n', ''), rc: 5 },
  { name: 'no lb_kind', conf: vsConf().replace('  lb_kind NAT\n', ''), rc: 5 },
  { name: 'no protocol', conf: vsConf().replace('  protocol TCP\n', ''), rc: 5 },
  { name: 'delay_loop 0', conf: vsConf({ vs: 'delay_loop 0' }), rc: 5 },
  { name: 'delay_loop 1.5', conf: vsConf({ vs: 'delay_loop 1.5' }), rc: 0 },
  { name: 'connect_timeout 0.25 on checker', conf: vsConf({ chk: 'connect_timeout 0.25' }), rc: 0 },
  { name: 'real server weight 1.5', conf: vsConf({ rs: 'weight 1.5' }), rc: 5 },
  { name: 'real server weight 0 (quorum above total weight)', conf: vsConf({ rs: 'weight 0' }), rc: 5 },
  { name: 'two real servers, one weight 0', conf: vsConf({ rs: 'weight 0' }).replace(/(\n  real_server 10\.0\.0\.2 80 \{)/, '\n  real_server 10.0.0.3 80 {\n  }$1'), rc: 0 },
  { name: 'quorum above total weight', conf: vsConf({ vs: 'quorum 5' }), rc: 5 },
  { name: 'hysteresis >= quorum', conf: vsConf({ vs: 'hysteresis 1', rs: 'weight 3' }), rc: 5 },
  { name: 'sh-port with rr', conf: vsConf({ vs: 'sh-port' }), rc: 5 },
  { name: 'sh-port with sh', conf: vsConf().replace('lb_algo rr', 'lb_algo sh\n  sh-port'), rc: 0 },
  { name: 'ops with TCP', conf: vsConf({ vs: 'ops' }), rc: 5 },
  { name: 'persistence_timeout without value', conf: vsConf({ vs: 'persistence_timeout' }), rc: 0 },
  { name: 'persistence_timeout too large', conf: vsConf({ vs: 'persistence_timeout 9999999' }), rc: 5 },
  { name: 'DR real server port mismatch', conf: vsConf().replace('lb_kind NAT', 'lb_kind DR').replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2 8080'), rc: 5 },
  { name: 'NAT real server other port', conf: vsConf().replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2 8080'), rc: 0 },
  { name: 'duplicate real server', conf: vsConf().replace(/(  real_server 10\.0\.0\.2 80 \{[\s\S]*?\n  \}\n)/, '$1$1'), rc: 5 },
  { name: 'virtual server without real servers', conf: 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n}\n', rc: 5 },
  { name: 'virtual server group undefined', conf: vsConf({ addr: 'group NOPE' }), rc: 0, divergence: 'keepalived -t does not resolve the group; the checker process then never creates the service. lvskeeper reports E_UNDEFINED_REF' },
  { name: 'virtual server group', conf: 'virtual_server_group G {\n  10.0.0.1-5 80\n  fwmark 3\n}\n' + vsConf({ addr: 'group G' }), rc: 0 },
  { name: 'fwmark service with protocol', conf: vsConf({ addr: 'fwmark 1' }).replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2'), rc: 5 },
  { name: 'fwmark service', conf: vsConf({ addr: 'fwmark 1' }).replace('  protocol TCP\n', '').replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2'), rc: 0 },
  { name: 'HTTP_GET without url', conf: vsConf({ checker: 'HTTP_GET' }), rc: 139 },
  { name: 'HTTP_GET with status ranges', conf: vsConf({ checker: 'HTTP_GET', chk: '      url {\n        path /health\n        status_code 200-299 301\n      }' }), rc: 0 },
  { name: 'HTTP_GET status_code 700', conf: vsConf({ checker: 'HTTP_GET', chk: '      url {\n        path /\n        status_code 700\n      }' }), rc: 5 },
  { name: 'HTTP_GET digest too short', conf: vsConf({ checker: 'HTTP_GET', chk: '      url {\n        path /\n        digest 1234\n      }' }), rc: 5 },
  { name: 'HTTP_GET nb_get_retry (deprecated)', conf: vsConf({ checker: 'HTTP_GET', chk: '      nb_get_retry 3\n      url {\n        path /\n      }' }), rc: 5 },
  { name: 'checker connect_port 70000', conf: vsConf({ chk: 'connect_port 70000' }), rc: 5 },
  { name: 'checker retry/delay_before_retry/warmup', conf: vsConf({ chk: 'retry 3\n      delay_before_retry 2.5\n      warmup 4' }), rc: 0 },
  { name: 'DNS_CHECK type SRV', conf: vsConf({ checker: 'DNS_CHECK', chk: 'type SRV' }), rc: 5 },
  { name: 'DNS_CHECK type AAAA', conf: vsConf({ checker: 'DNS_CHECK', chk: 'type AAAA\n      name example.com' }), rc: 0 },
  { name: 'UDP_CHECK payload and reply with wildcards', conf: vsConf({ checker: 'UDP_CHECK', chk: 'payload 0a0b0c\n      require_reply 0a xX' }).replace('protocol TCP', 'protocol UDP'), rc: 0 },
  { name: 'UDP_CHECK reply with ? (not a wildcard)', conf: vsConf({ checker: 'UDP_CHECK', chk: 'require_reply 0a??' }).replace('protocol TCP', 'protocol UDP'), rc: 5 },
  { name: 'sorry_server_inhibit without sorry_server', conf: vsConf({ vs: 'sorry_server_inhibit' }), rc: 5 },
  { name: 'TUN with gue port', conf: vsConf().replace('lb_kind NAT', 'lb_kind TUN type gue port 6080'), rc: 0 },
  { name: 'TUN gue without port', conf: vsConf().replace('lb_kind NAT', 'lb_kind TUN type gue'), rc: 5 },
];
