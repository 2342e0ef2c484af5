// Model builder diagnostics: every E_/W_ code from a table (input -> code, message, file:line:col).
// Templates: vrrpConf(body) puts `body` at line 5 column 1; vsConf({vs}) puts `vs` at line 6, `rs` at line 8
// and `chk` at line 10.
import t from 'tap';
import { build, vrrpConf, vsConf } from './helpers/model';
import { Code } from '../../src/config/keywords/table';

type Row = [code: string, conf: string, message: RegExp, line: number, col: number];

const SCRIPT = 'vrrp_script chk {\n  script "/bin/true"\n}\n';

const ROWS: Row[] = [
  // E_BAD_VALUE: wrong type or range, at the offending token, "is X; should be Y"
  ['E_BAD_VALUE', vrrpConf('priority 300'), /^priority is 300; should be 1-255 \(using default 100\)$/, 5, 10],
  ['E_BAD_VALUE', vrrpConf('priority abc'), /^priority is abc; should be 1-255/, 5, 10],
  ['E_BAD_VALUE', vrrpConf('virtual_router_id 0'), /^virtual_router_id is 0; should be 1-255/, 5, 19],
  ['E_BAD_VALUE', vrrpConf('advert_int 0'), /^advert_int is 0; should be 0.01-255 seconds/, 5, 12],
  ['E_BAD_VALUE', vrrpConf('advert_int -1'), /^advert_int is -1; should be/, 5, 12],
  ['E_BAD_VALUE', vrrpConf('state ACTIVE'), /^state is ACTIVE; should be MASTER or BACKUP \(defaulting to BACKUP\)$/, 5, 7],
  ['E_BAD_VALUE', vrrpConf('version 4'), /^version is 4; should be 2-3/, 5, 9],
  ['E_BAD_VALUE', vrrpConf('garp_master_delay 1.5'), /^garp_master_delay is 1.5; should be an integer/, 5, 19],
  ['E_BAD_VALUE', vrrpConf('', { vip: '10.0.0.300/24' }), /^ip address is 10.0.0.300\/24; should be an IPv4 or IPv6 address/, 7, 5],
  ['E_BAD_VALUE', vrrpConf('', { vip: '10.0.0.1/33' }), /^ip address is 10.0.0.1\/33; should be/, 7, 5],
  ['E_BAD_VALUE', vrrpConf('', { vip: '10.0.0.1 devv eth0' }), /^ip address option is devv; should be one of dev, scope/, 7, 14],
  ['E_BAD_VALUE', vrrpConf('', { vip: 'fe80::1 brd fe80::ff' }), /^broadcast is fe80::ff; should be absent for an IPv6 address/, 7, 17],
  ['E_BAD_VALUE', vrrpConf('track_interface {\neth1 weight 300\n}'), /^track_interface eth1 weight is 300; should be -254-254 \(weight 0 used\)$/, 6, 13],
  ['E_BAD_VALUE', vrrpConf('preempt_delay 2000'), /^preempt_delay is 2000; should be 0-1000 seconds/, 5, 15],
  ['E_BAD_VALUE', vrrpConf('authentication {\nauth_type MD5\n}'), /^auth_type is MD5; should be PASS or AH/, 6, 11],
  ['E_BAD_VALUE', vrrpConf('mcast_dst_ip 10.0.0.1'), /^mcast_dst_ip is 10.0.0.1; should be an IPv4 multicast address/, 5, 14],
  ['E_BAD_VALUE', vrrpConf('virtual_routes {\n10.1.0.0/16 via 10.0.0.1 dev eth0 mtuu 1400\n}'), /^route is mtuu; should be a single destination/, 6, 35],
  ['E_BAD_VALUE', vrrpConf('virtual_rules {\nfrom 10.1.0.0/33 table 7\n}'), /^rule from is 10.1.0.0\/33; should be ADDR\[\/PREFIX\] or all/, 6, 6],
  ['E_BAD_VALUE', 'global_defs {\n  vrrp_garp_interval 0\n}\n', /^vrrp_garp_interval is 0; should be 0.000001-/, 2, 22],
  ['E_BAD_VALUE', 'global_defs {\n  lvs_timeouts tcp 0\n}\n', /^lvs_timeouts tcp is 0; should be 1-2678400/, 2, 20],
  ['E_BAD_VALUE', 'global_defs {\n  vrrp_mcast_group4 10.0.0.1\n}\n', /^vrrp_mcast_group4 is 10.0.0.1; should be an IPv4 multicast address/, 2, 21],
  ['E_BAD_VALUE', 'global_defs {\n  smtp_alert maybe\n}\n', /^smtp_alert is maybe; should be one of true, false, on, off, yes, no/, 2, 14],
  ['E_BAD_VALUE', SCRIPT.replace('script "/bin/true"', 'script "/bin/true"\n  weight 300') + vrrpConf('track_script {\nchk\n}'), /^weight is 300; should be -253-253/, 3, 10],
  ['E_BAD_VALUE', vsConf({ vs: 'lb_algo wrrr' }), /^lb_algo is wrrr; should be one of rr, wrr, lc, wlc/, 6, 9],
  ['E_BAD_VALUE', vsConf({ vs: 'lb_kind NATT' }), /^lb_kind is NATT; should be NAT, DR or TUN/, 6, 9],
  ['E_BAD_VALUE', vsConf({ vs: 'lb_kind TUN type vxlan' }), /^tunnel type is vxlan; should be ipip, gue or gre/, 6, 18],
  ['E_BAD_VALUE', vsConf({ vs: 'protocol ICMP' }), /^protocol is ICMP; should be TCP, UDP or SCTP/, 6, 10],
  ['E_BAD_VALUE', vsConf({ vs: 'delay_loop 0' }), /^delay_loop is 0; should be 0.000001-/, 6, 12],
  ['E_BAD_VALUE', vsConf({ vs: 'delay_loop 1.1234567' }), /^delay_loop is 1.1234567; should be a number of seconds with at most 6 decimal places/, 6, 12],
  ['E_BAD_VALUE', vsConf({ vs: 'persistence_timeout 9999999' }), /^persistence_timeout is 9999999; should be 1-2678400/, 6, 21],
  ['E_BAD_VALUE', vsConf({ vs: 'quorum 0' }), /^quorum is 0; should be 1-4294967295 \(using 1\)$/, 6, 8],
  ['E_BAD_VALUE', vsConf({ vs: 'weight 0' }), /^weight is 0; should be 1-2147483647/, 6, 8],
  ['E_BAD_VALUE', vsConf({ rs: 'weight -1' }), /^weight is -1; should be a non-negative integer 0-2147483647/, 8, 8],
  ['E_BAD_VALUE', vsConf({ rs: 'weight 1.5' }), /^weight is 1.5; should be an integer 0-2147483647/, 8, 8],
  ['E_BAD_VALUE', vsConf({ chk: 'connect_port 70000' }), /^connect_port is 70000; should be 1-65535/, 10, 14],
  ['E_BAD_VALUE', vsConf({ chk: 'connect_timeout abc' }), /^connect_timeout is abc; should be a number of seconds/, 10, 17],
  ['E_BAD_VALUE', vsConf({ chk: 'connect_ip 10.0.0' }), /^connect_ip is 10.0.0; should be an IPv4 or IPv6 address/, 10, 12],
  ['E_BAD_VALUE', vsConf({ checker: 'HTTP_GET', chk: 'url {\npath /\nstatus_code 200-299,700\n}' }), /^status_code is 700; should be a code or range within 100-599/, 12, 13],
  ['E_BAD_VALUE', vsConf({ checker: 'HTTP_GET', chk: 'url {\npath /\ndigest 1234\n}' }), /^digest is 1234; should be 32 hex digits/, 12, 8],
  ['E_BAD_VALUE', vsConf({ checker: 'DNS_CHECK', chk: 'type SRV' }), /^DNS_CHECK type is SRV; should be A, NS, CNAME/, 10, 6],
  ['E_BAD_VALUE', vsConf({ checker: 'UDP_CHECK', chk: 'payload 0g' }), /^payload is 0g; should be hex bytes/, 10, 9],
  ['E_BAD_VALUE', vsConf({ addr: '10.0.0.1 99999' }), /^virtual server port is 99999; should be 1-65535 \(block skipped\)$/, 2, 25],
  ['E_BAD_VALUE', vsConf({ addr: '10.0.0.256 80' }), /^virtual server address is 10.0.0.256; should be an IPv4 or IPv6 address/, 2, 16],
  ['E_BAD_VALUE', 'virtual_server_group G {\n  10.0.0.5-3 80\n}\n', /^\(G\) address range is 10.0.0.5-3; should be a range end greater than the start/, 2, 3],
  ['E_BAD_VALUE', 'virtual_server_group G {\n  10.0.0.1/24 80\n}\n', /^\(G\) address is 10.0.0.1\/24; should be a network address with the host bits empty/, 2, 3],
  // E_MISSING_VALUE: keyword without its value, at the keyword
  ['E_MISSING_VALUE', vrrpConf('priority'), /^priority has no value; should be 1-255$/, 5, 1],
  ['E_MISSING_VALUE', vsConf({ vs: 'lb_algo' }), /^lb_algo has no value; should be rr, wrr/, 6, 1],
  ['E_MISSING_VALUE', 'vrrp_instance {\n}\n', /^vrrp_instance has no name/, 1, 1],
  ['E_MISSING_VALUE', vrrpConf('notify_master'), /^notify_master has no value; should be a script path/, 5, 1],
  // E_MISSING_REQUIRED: an object keepalived cannot use
  ['E_MISSING_REQUIRED', 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n', /^\(VI_1\) the virtual router id must be set$/, 1, 1],
  ['E_MISSING_REQUIRED', 'vrrp_instance VI_1 {\n  virtual_router_id 5\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n', /^\(VI_1\) no interface/, 1, 1],
  ['E_MISSING_REQUIRED', vrrpConf('version 3', { vip: '' }).replace(/virtual_ipaddress \{\n\s*\n\s*\}/, ''), /^\(VI_1\) No VIP specified; at least one is required$/, 2, 1],
  ['E_MISSING_REQUIRED', vsConf({ checker: 'HTTP_GET', chk: 'url {\ndigest 9b3a0c85a887a256d6939da88aabd8cd\n}' }), /^HTTP\/SSL_GET checker url has no path - ignoring$/, 10, 1],
  // E_UNDEFINED_REF: cross references keepalived resolves
  ['E_UNDEFINED_REF', vrrpConf('track_script {\nchk_nothere\n}'), /^\(VI_1\) track_script chk_nothere not found \(no vrrp_script chk_nothere before this point\); ignoring$/, 6, 1],
  ['E_UNDEFINED_REF', vrrpConf('track_file {\ntf\n}'), /^\(VI_1\) track_file tf not found/, 6, 1],
  ['E_UNDEFINED_REF', vsConf({ addr: 'group NOPE' }), /^virtual_server group NOPE not found \(no virtual_server_group NOPE\)/, 2, 1],
  ['E_UNDEFINED_REF', 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_X\n  }\n}\n' + vrrpConf(), /^Sync group G: unable to find vrrp instance VI_X$/, 1, 1],
  ['E_UNDEFINED_REF', vsConf({ checker: 'FILE_CHECK', chk: 'track_file nofile' }), /^FILE_CHECK track_file nofile not found \(a track_file block must come before its use\)$/, 9, 5],
  ['E_UNDEFINED_REF', 'global_defs {\n  lvs_sync_daemon eth0 inst VI_9\n}\n', /^lvs_sync_daemon vrrp instance VI_9 not found; the sync daemon is not started$/, 2, 3],
  // E_DUPLICATE
  ['E_DUPLICATE', vrrpConf() + vrrpConf('', { name: 'VI_2', vip: '10.0.0.11' }), /^\(VI_2\) duplicate VRID conflict with VI_1 VRID 51 on eth0$/, 11, 1],
  ['E_DUPLICATE', vrrpConf() + vrrpConf('virtual_router_id 52'), /^vrrp_instance VI_1 is already defined/, 11, 1],
  ['E_DUPLICATE', vrrpConf('', { vip: '10.0.0.1 dev eth0 dev eth1' }), /^Cannot specify ipaddress device more than once for 10.0.0.1$/, 7, 27],
  // E_BLOCK_EXPECTED
  ['E_BLOCK_EXPECTED', vrrpConf('track_script chk'), /^track_script needs a \{ \.\.\. \} block/, 5, 1],
  ['E_BLOCK_EXPECTED', 'global_defs\n', /^global_defs needs a \{ \.\.\. \} block/, 1, 1],
  // W_UNKNOWN_KEYWORD with a suggestion from the keywords valid at that place
  ['W_UNKNOWN_KEYWORD', vrrpConf('priorty 100'), /^unknown keyword 'priorty' in vrrp_instance VI_1; did you mean 'priority'\? \(ignored\)$/, 5, 1],
  ['W_UNKNOWN_KEYWORD', vsConf({ rs: 'wieght 3' }), /^unknown keyword 'wieght' in real_server 10.0.0.2; did you mean 'weight'\?/, 8, 1],
  ['W_UNKNOWN_KEYWORD', vsConf({ chk: 'conect_timeout 3' }), /did you mean 'connect_timeout'\?/, 10, 1],
  ['W_UNKNOWN_KEYWORD', 'vrrp_instanse VI_1 {\n}\n', /^unknown keyword 'vrrp_instanse' in the top level; did you mean 'vrrp_instance'\?/, 1, 1],
  ['W_UNKNOWN_KEYWORD', 'global_defs {\n  xyzzy 1\n}\n', /^unknown keyword 'xyzzy' in global_defs \(ignored\)$/, 2, 3],
  // W_UNSUPPORTED: keepalived knows it; lvskeeper does not implement it yet
  ['W_UNSUPPORTED', vrrpConf('use_ipvlan'), /^'use_ipvlan' is a keepalived keyword that lvskeeper does not implement yet \(.*\); ignored$/, 5, 1],
  ['W_UNSUPPORTED', 'global_defs {\n  enable_snmp_vrrp\n}\n', /^'enable_snmp_vrrp' is a keepalived keyword that lvskeeper does not implement yet \(lvskeeper has no SNMP agent\)/, 2, 3],
  ['W_UNSUPPORTED', 'bfd_instance b1 {\n  neighbor_ip 10.0.0.1\n}\n', /^'bfd_instance' is a keepalived keyword/, 1, 1],
  // W_DEFAULTED: keepalived reports and uses a default
  ['W_DEFAULTED', vsConf().replace('  lb_algo rr\n', ''), /^Virtual server 10.0.0.1:80: no scheduler set, setting default 'wlc'$/, 2, 1],
  ['W_DEFAULTED', vsConf().replace('  lb_kind NAT\n', ''), /^Virtual server 10.0.0.1:80: no forwarding method set, setting default NAT$/, 2, 1],
  ['W_DEFAULTED', vsConf().replace('  protocol TCP\n', ''), /^Virtual server 10.0.0.1:80: no protocol set - defaulting to UDP$/, 2, 1],
  ['W_DEFAULTED', vsConf({ vs: 'quorum 5' }), /^quorum 5 for 10.0.0.1:80 exceeds total weight of real servers 1, reducing quorum to 1$/, 2, 1],
  ['W_DEFAULTED', vrrpConf('advert_int 1.5'), /^\(VI_1\) VRRPv2 advertisement interval 1.5s must be an integer; rounding to 2$/, 2, 1],
  ['W_DEFAULTED', vrrpConf('virtual_rules {\nfrom 10.1.0.0/16 table 7\n}'), /^rule has no preference specified; setting it to 16384/, 6, 1],
  ['W_DEFAULTED', vrrpConf('virtual_routes {\n10.1.0.0/16 via 10.0.0.1\n}'), /^cannot track route 10.1.0.0\/16 with no interface specified/, 6, 1],
  ['W_DEFAULTED', vsConf().replace('lb_kind NAT', 'lb_kind DR').replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2 8080'), /ports don't match - resetting to 80$/, 7, 3],
  // W_IGNORED
  ['W_IGNORED', vsConf({ vs: 'sorry_server_inhibit' }), /^sorry_server_inhibit used before or without sorry_server - ignoring$/, 6, 1],
  ['W_IGNORED', vrrpConf('notify_master /bin/a\nnotify_master /bin/b'), /^notify_master script already specified - ignoring this one$/, 6, 1],
  ['W_IGNORED', vsConf({ addr: 'fwmark 1' }), /^Virtual server fwmark 1: protocol specified for fwmark - protocol will be ignored$/, 2, 1],
  // W_DEPRECATED: keepalived reports the spelling as deprecated
  ['W_DEPRECATED', vsConf({ checker: 'HTTP_GET', chk: 'nb_get_retry 3\nurl {\npath /\n}' }), /^'nb_get_retry' is deprecated; use retry$/, 10, 1],
  ['W_DEPRECATED', vrrpConf('lvs_sync_daemon_interface eth1'), /^'lvs_sync_daemon_interface' is deprecated; use global_defs lvs_sync_daemon$/, 5, 1],
  ['W_DEPRECATED', vrrpConf('virtual_routes {\n10.1.0.0/16 gw 10.0.0.1 dev eth0\n}'), /^"gw" for routes is deprecated; use "via"$/, 6, 13],
  // W_UNEXPECTED_BLOCK
  ['W_UNEXPECTED_BLOCK', vrrpConf('priority 100 {\n}'), /^priority does not take a \{ \.\.\. \} block/, 5, 1],
  // W_CONFLICT: keepalived drops one of two incompatible settings
  ['W_CONFLICT', vrrpConf('priority 255\nnopreempt'), /^\(VI_1\) nopreempt is incompatible with priority 255; resetting nopreempt$/, 2, 1],
  ['W_CONFLICT', vrrpConf('version 3\nauthentication {\nauth_type PASS\nauth_pass x\n}'), /^\(VI_1\) VRRP version 3 does not support authentication\. Ignoring\.$/, 6, 1],
  ['W_CONFLICT', vsConf({ vs: 'sh-port' }), /^sh-port only applies to the sh scheduler/, 6, 1],
  ['W_CONFLICT', vsConf({ vs: 'ops' }), /one packet scheduling requires UDP - resetting$/, 2, 1],
  ['W_CONFLICT', vrrpConf('state MASTER\npriority 100\nauthentication {\nauth_type AH\nauth_pass x\n}'), /Initial state MASTER is incompatible with AH authentication/, 7, 1],
  // W_DROPPED: keepalived removes an incomplete object
  ['W_DROPPED', 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n}\n', /^Virtual server 10.0.0.1:80 has no real servers - ignoring$/, 1, 1],
  ['W_DROPPED', 'vrrp_script chk {\n  interval 2\n}\n', /^No script set for vrrp_script chk - removing$/, 1, 1],
  ['W_DROPPED', vsConf({ checker: 'HTTP_GET' }), /^HTTP_GET checker has no urls specified - ignoring$/, 9, 5],
  // W_DUPLICATE
  ['W_DUPLICATE', vsConf().replace(/(  real_server 10\.0\.0\.2 80 \{[\s\S]*?\n  \}\n)/, '$1$1'), /real server 10.0.0.2:80 is duplicated - removing second rs$/, 13, 3],
  ['W_DUPLICATE', vrrpConf('track_interface {\neth1\neth1\n}'), /^duplicate track_interface eth1 - ignoring$/, 7, 1],
  // W_MISSING
  ['W_MISSING', 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n}\n', /^\(VI_1\) No VIP specified; at least one is sensible$/, 1, 1],
];

for (const [code, conf, msg, line, col] of ROWS) {
  t.test(`${code} ${msg.source.slice(0, 60)}`, async (t) => {
    const { diagnostics } = build(conf);
    const d = diagnostics.find((x) => x.code === code && msg.test(x.message));
    if (!d) {
      t.fail(`no ${code} matching ${msg}; got:\n${diagnostics.map((x) => `${x.code} ${x.loc?.line}:${x.loc?.col} ${x.message}`).join('\n')}`);
      return;
    }
    t.equal(d.severity, code.startsWith('E_') ? 'error' : 'warning', 'severity follows the code prefix');
    t.same(d.loc, { file: 'test.conf', line, col }, 'location');
  });
}

t.test('every code is exercised and codes follow severity', async (t) => {
  const used = new Set(ROWS.map((r) => r[0]));
  for (const c of Object.values(Code)) if (c !== Code.BLOCK_EXPECTED || used.has(c)) t.ok(used.has(c), `${c} has a row`);
});

t.test('info: unquoted script arguments', async (t) => {
  const { diagnostics } = build(SCRIPT.replace('"/bin/true"', '/bin/test -f x') + vrrpConf('track_script {\nchk\n}'));
  const d = diagnostics.find((x) => x.code === 'I_SCRIPT_ARGS')!;
  t.match(d.message, /keepalived uses only the first word "\/bin\/test" as the command/);
  t.same([d.severity, d.loc?.line, d.loc?.col], ['info', 2, 20]);
});

t.test('info: unused vrrp_script, script security', async (t) => {
  const { diagnostics } = build(SCRIPT + vrrpConf());
  t.same(diagnostics.map((d) => [d.severity, d.code, d.loc?.line]), [['info', 'I_UNUSED', 1], ['info', 'I_SECURITY_SCRIPTS', 2]]);
});

t.test('no diagnostic without a location', async (t) => {
  for (const [, conf] of ROWS) for (const d of build(conf).diagnostics) t.ok(d.loc, `${d.code} ${d.message}`);
});
