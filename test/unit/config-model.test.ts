// Model builder: keepalived 2.2.7 defaults, inheritance and synonyms, from a table (sources cited per row).
import t from 'tap';
import { build, codes, vrrpConf, vsConf } from './helpers/model';
import type { Config } from '../../src/config/model';
import { knownKeywords } from '../../src/config/build';

type Row = [name: string, conf: string, get: (c: Config) => unknown, want: unknown];

const vs0 = (c: Config) => c.virtualServers[0]!;
const rs0 = (c: Config) => c.virtualServers[0]!.realServers[0]!;
const ck0 = (c: Config) => c.virtualServers[0]!.realServers[0]!.checkers[0]! as any;
const vi0 = (c: Config) => c.vrrpInstances[0]!;

const DEFAULTS: Row[] = [
  // check_data.c alloc_vs
  ['vs delay_loop 60 s', vsConf(), (c) => vs0(c).delayLoop, 60],
  ['vs connect_timeout 5 s', vsConf(), (c) => vs0(c).connectTimeout, 5],
  ['vs quorum 1', vsConf(), (c) => vs0(c).quorum, 1],
  ['vs hysteresis 0', vsConf(), (c) => vs0(c).hysteresis, 0],
  ['vs persistence off', vsConf(), (c) => vs0(c).persistenceTimeout, 0],
  ['rs weight 1 (vs weight)', vsConf(), (c) => rs0(c).weight, 1],
  ['rs weight from vs weight', vsConf({ vs: 'weight 7' }), (c) => rs0(c).weight, 7],
  ['rs inhibit default false', vsConf(), (c) => rs0(c).inhibitOnFailure, false],
  ['rs smtp_alert default true (compat)', vsConf(), (c) => rs0(c).smtpAlert, true],
  ['vs smtp_alert default false', vsConf(), (c) => vs0(c).smtpAlert, false],
  ['rs port from vs port', vsConf().replace('real_server 10.0.0.2 80', 'real_server 10.0.0.2'), (c) => rs0(c).port, 80],
  // pto_handler: no value -> IPVS_SVC_PERSISTENT_TIMEOUT 360
  ['persistence_timeout without value 360', vsConf({ vs: 'persistence_timeout' }), (c) => vs0(c).persistenceTimeout, 360],
  ['persistence_timeout 600', vsConf({ vs: 'persistence_timeout 600' }), (c) => vs0(c).persistenceTimeout, 600],
  ['persistence_granularity implies 360', vsConf({ vs: 'persistence_granularity 255.255.255.0' }), (c) => [vs0(c).persistenceTimeout, vs0(c).persistenceGranularity], [360, '255.255.255.0']],
  // checker defaults: check_api.c queue_checker (retry 1, dbr 1 s), check_http.c (dbr 3 s), check_misc.c (retry 0), check_dns.c (retry 3, dbr = delay_loop)
  ['TCP_CHECK retry 1', vsConf(), (c) => ck0(c).retry, 1],
  ['TCP_CHECK delay_before_retry 1', vsConf(), (c) => ck0(c).delayBeforeRetry, 1],
  ['TCP_CHECK connect_timeout from vs', vsConf(), (c) => ck0(c).connectTimeout, 5],
  ['TCP_CHECK delay_loop from vs', vsConf({ vs: 'delay_loop 7' }), (c) => ck0(c).delayLoop, 7],
  ['TCP_CHECK warmup = delay_loop', vsConf({ vs: 'delay_loop 7' }), (c) => ck0(c).warmup, 7],
  ['HTTP_GET delay_before_retry 3', vsConf({ checker: 'HTTP_GET', chk: 'url {\npath /\n}' }), (c) => [ck0(c).retry, ck0(c).delayBeforeRetry], [1, 3]],
  ['HTTP_GET url status 200-299', vsConf({ checker: 'HTTP_GET', chk: 'url {\npath /\n}' }), (c) => ck0(c).urls[0].statusCodes, [[200, 299]]],
  ['SSL_GET delay_before_retry 3', vsConf({ checker: 'SSL_GET', chk: 'url {\npath /\n}' }), (c) => ck0(c).delayBeforeRetry, 3],
  ['MISC_CHECK retry 0', vsConf({ checker: 'MISC_CHECK', chk: 'misc_path "/bin/true"' }), (c) => [ck0(c).retry, ck0(c).delayBeforeRetry], [0, 1]],
  ['DNS_CHECK retry 3, dbr = delay_loop, SOA', vsConf({ vs: 'delay_loop 9', checker: 'DNS_CHECK' }), (c) => [ck0(c).retry, ck0(c).delayBeforeRetry, ck0(c).queryType], [3, 9, 'SOA']],
  ['UDP_CHECK reply lengths 0-255', vsConf({ checker: 'UDP_CHECK' }), (c) => [ck0(c).minReplyLength, ck0(c).maxReplyLength, ck0(c).requireReply], [0, 255, false]],
  ['PING_CHECK retry 1', vsConf({ checker: 'PING_CHECK' }), (c) => ck0(c).retry, 1],
  // inheritance checker <- rs <- vs (validate_check_config)
  ['retry from rs', vsConf({ rs: 'retry 4' }), (c) => ck0(c).retry, 4],
  ['retry from vs via rs', vsConf({ vs: 'retry 5' }), (c) => ck0(c).retry, 5],
  ['retry on checker wins', vsConf({ vs: 'retry 5', rs: 'retry 4', chk: 'retry 2' }), (c) => ck0(c).retry, 2],
  ['dbr from vs', vsConf({ vs: 'delay_before_retry 2.5' }), (c) => ck0(c).delayBeforeRetry, 2.5],
  ['connect_timeout rs over vs', vsConf({ vs: 'connect_timeout 9', rs: 'connect_timeout 4' }), (c) => ck0(c).connectTimeout, 4],
  ['warmup from rs', vsConf({ rs: 'warmup 3' }), (c) => ck0(c).warmup, 3],
  ['alpha from rs', vsConf({ rs: 'alpha' }), (c) => ck0(c).alpha, true],
  ['alpha from vs', vsConf({ vs: 'alpha' }), (c) => [rs0(c).alpha, ck0(c).alpha], [true, true]],
  ['fractional delay_loop', vsConf({ chk: 'delay_loop 1.5' }), (c) => ck0(c).delayLoop, 1.5],
  ['rs lvs_method from vs lb_kind', vsConf().replace('lb_kind NAT', 'lb_kind DR'), (c) => rs0(c).lvsMethod, 'DR'],
  ['TUN gue options', vsConf().replace('lb_kind NAT', 'lb_kind TUN type gue port 6080 csum'), (c) => [rs0(c).lvsMethod, rs0(c).tunType, rs0(c).tunPort, rs0(c).tunFlags], ['TUN', 'gue', 6080, 'csum']],
  ['sh-port with sh', vsConf().replace('lb_algo rr', 'lb_algo sh\nsh-port\nsh-fallback'), (c) => [vs0(c).shPort, vs0(c).shFallback], [true, true]],
  ['ops flag', vsConf({ vs: 'ops' }).replace('protocol TCP', 'protocol UDP'), (c) => vs0(c).ops, true],
  // vrrp_data.c alloc_vrrp / vrrp.c vrrp_complete_instance
  ['priority 100', vrrpConf(), (c) => vi0(c).priority, 100],
  ['state BACKUP by default', vrrpConf(), (c) => vi0(c).state, 'BACKUP'],
  ['state MASTER without priority -> 255', vrrpConf('state MASTER'), (c) => vi0(c).priority, 255],
  ['priority 255 -> state MASTER', vrrpConf('priority 255'), (c) => vi0(c).state, 'MASTER'],
  ['advert_int 1', vrrpConf(), (c) => vi0(c).advertInt, 1],
  ['version 2', vrrpConf(), (c) => vi0(c).version, 2],
  ['global vrrp_version 3', vrrpConf('', { head: 'global_defs {\nvrrp_version 3\n}' }), (c) => vi0(c).version, 3],
  ['IPv6 instance -> version 3', vrrpConf('', { vip: 'fe80::10' }), (c) => [vi0(c).family, vi0(c).version], [6, 3]],
  ['garp defaults', vrrpConf(), (c) => [vi0(c).garpMasterDelay, vi0(c).garpMasterRepeat, vi0(c).garpMasterRefresh, vi0(c).garpMasterRefreshRepeat], [5, 5, 0, 1]],
  ['garp from global_defs', vrrpConf('', { head: 'global_defs {\nvrrp_garp_master_delay 10\nvrrp_garp_master_repeat 3\n}' }), (c) => [vi0(c).garpMasterDelay, vi0(c).garpMasterRepeat], [10, 3]],
  ['down_timer_adverts 3', vrrpConf(), (c) => vi0(c).downTimerAdverts, 3],
  ['unicast_ttl 255', vrrpConf(), (c) => vi0(c).unicastTtl, 255],
  ['preempt by default', vrrpConf(), (c) => vi0(c).nopreempt, false],
  ['advert_int 0.5 on v3', vrrpConf('version 3\nadvert_int 0.5'), (c) => vi0(c).advertInt, 0.5],
  ['vip options', vrrpConf('', { vip: '10.0.0.10/24 brd 10.0.0.255 dev eth1 scope global label eth1:1' }), (c) => vi0(c).virtualIpaddress[0], { loc: { file: 'test.conf', line: 7, col: 5 }, address: '10.0.0.10', family: 4, prefixLen: 24, broadcast: '10.0.0.255', dev: 'eth1', scope: 'global', label: 'eth1:1' }],
  ['track_interface weight', vrrpConf('track_interface {\neth1 weight -20\neth2\n}'), (c) => vi0(c).trackInterface.map((x) => [x.name, x.weight]), [['eth1', -20], ['eth2', undefined]]],
  ['auth PASS', vrrpConf('authentication {\nauth_type PASS\nauth_pass secret\n}'), (c) => vi0(c).authentication?.authPass, 'secret'],
  ['unicast peers', vrrpConf('unicast_src_ip 10.0.0.1\nunicast_peer {\n10.0.0.2\n10.0.0.3\n}'), (c) => vi0(c).unicastPeer.map((p) => p.address), ['10.0.0.2', '10.0.0.3']],
  // vrrp_script: VRRP_SCRIPT_DI 1 s, weight 0, rise/fall 1
  ['vrrp_script defaults', 'vrrp_script chk {\nscript "/bin/true"\n}\n' + vrrpConf('track_script {\nchk\n}'), (c) => { const s = c.vrrpScripts[0]!; return [s.interval, s.weight, s.rise, s.fall, s.script?.args]; }, [1, 0, 1, 1, ['/bin/true']]],
  ['vrrp_script quoted args', 'vrrp_script chk {\nscript "/usr/bin/killall -0 haproxy"\n}\n' + vrrpConf('track_script {\nchk weight 10\n}'), (c) => [c.vrrpScripts[0]!.script?.args, c.vrrpInstances[0]!.trackScript[0]!.weight], [['/usr/bin/killall', '-0', 'haproxy'], 10]],
  ['notify user/group', vrrpConf('notify_master "/bin/echo hi" nobody nogroup'), (c) => { const s = vi0(c).notifyMaster!; return [s.args, s.user, s.group]; }, [['/bin/echo', 'hi'], 'nobody', 'nogroup']],
  ['HTTP virtualhost from vs', vsConf({ vs: 'virtualhost www.example.com', checker: 'HTTP_GET', chk: 'url {\npath /\n}' }), (c) => ck0(c).virtualhost, 'www.example.com'],
  ['HTTP virtualhost rs over vs', vsConf({ vs: 'virtualhost a', rs: 'virtualhost b', checker: 'HTTP_GET', chk: 'url {\npath /\n}' }), (c) => ck0(c).virtualhost, 'b'],
  ['accept default (not strict)', vrrpConf(), (c) => vi0(c).accept, true],
  ['accept default (strict)', vrrpConf('strict_mode'), (c) => vi0(c).accept, false],
  ['accept default (owner, strict)', vrrpConf('strict_mode\npriority 255'), (c) => vi0(c).accept, true],
  ['strict mode knobs', vrrpConf('strict_mode'), (c) => [vi0(c).lowerPrioNoAdvert, vi0(c).higherPrioSendAdvert, vi0(c).garpLowerPrioRepeat, vi0(c).garpLowerPrioDelay], [true, false, 0, 0]],
  ['global vrrp_strict', vrrpConf('', { head: 'global_defs {\nvrrp_strict\n}' }), (c) => vi0(c).strictMode, true],
  ['vrrp smtp_alert from global', vrrpConf('', { head: 'global_defs {\nsmtp_alert\n}' }), (c) => vi0(c).smtpAlert, true],
  ['vrrp smtp_alert_vrrp over smtp_alert', vrrpConf('', { head: 'global_defs {\nsmtp_alert\nsmtp_alert_vrrp false\n}' }), (c) => vi0(c).smtpAlert, false],
  ['lvs_sync_daemon syncid defaults to the vrid', vrrpConf('', { head: 'global_defs {\nlvs_sync_daemon eth1 inst VI_1\n}' }), (c) => [c.globalDefs.lvsSyncDaemon?.interface, c.globalDefs.lvsSyncDaemon?.syncId], ['eth1', 51]],
  ['lvs_sync_daemon_interface (deprecated) fills lvs_sync_daemon', vrrpConf('lvs_sync_daemon_interface eth1'), (c) => [c.globalDefs.lvsSyncDaemon?.interface, c.globalDefs.lvsSyncDaemon?.vrrpInstance, c.globalDefs.lvsSyncDaemon?.syncId], ['eth1', 'VI_1', 51]],
  ['FILE_CHECK takes the track_file weight', 'track_file tf {\nfile /tmp/x\nweight -7 reverse\n}\n' + vsConf({ checker: 'FILE_CHECK', chk: 'track_file tf' }), (c) => [ck0(c).weight, ck0(c).weightReverse], [-7, true]],
  ['SMTP_CHECK hosts become checkers', vsConf({ checker: 'SMTP_CHECK', chk: 'helo_name lb\nhost {\nconnect_ip 10.0.0.3\n}\nhost {\nconnect_ip 10.0.0.4\nconnect_port 2525\n}' }), (c) => rs0(c).checkers.map((k: any) => [k.type, k.heloName, k.connectIp, k.connectPort]), [['SMTP_CHECK', 'lb', '10.0.0.3', undefined], ['SMTP_CHECK', 'lb', '10.0.0.4', 2525]]],
  ['SMTP_CHECK own connection plus hosts', vsConf({ checker: 'SMTP_CHECK', chk: 'connect_port 25\nhost {\nconnect_ip 10.0.0.3\n}' }), (c) => rs0(c).checkers.map((k: any) => [k.connectIp, k.connectPort, k.heloName]), [[undefined, 25, 'smtpchecker.keepalived.org'], ['10.0.0.3', undefined, 'smtpchecker.keepalived.org']]],
  ['global defaults', '', (c) => [c.globalDefs.smtpConnectTimeout, c.globalDefs.vrrpMcastGroup4, c.globalDefs.vrrpMcastGroup6], [30, '224.0.0.18', 'ff02::12']],
  ['track_file defaults', 'track_file tf {\nfile /tmp/x\n}', (c) => [c.trackFiles[0]!.weight, c.trackFiles[0]!.file], [1, '/tmp/x']],
];

const SYNONYMS: Row[] = [
  ['lvs_sched = lb_algo', vsConf().replace('lb_algo rr', 'lvs_sched wrr'), (c) => vs0(c).lbAlgo, 'wrr'],
  ['lvs_method = lb_kind', vsConf().replace('lb_kind NAT', 'lvs_method DR'), (c) => vs0(c).lvsMethod, 'DR'],
  ['nb_get_retry = retry', vsConf({ checker: 'HTTP_GET', chk: 'nb_get_retry 6\nurl {\npath /\n}' }), (c) => ck0(c).retry, 6],
  ['vrrp_track_file = track_file', 'vrrp_track_file tf {\nfile /tmp/x\nweight 5\n}', (c) => c.trackFiles[0]!.weight, 5],
  ['lvs_flush_onstop = lvs_flush_on_stop', 'global_defs {\nlvs_flush_onstop VS\n}', (c) => c.globalDefs.lvsFlushOnStop, 'vs'],
  ['connect_port / bindto', vsConf({ chk: 'connect_port 8080\nbindto 10.0.0.9\nconnect_ip 10.0.0.3' }), (c) => [ck0(c).connectPort, ck0(c).bindto, ck0(c).connectIp], [8080, '10.0.0.9', '10.0.0.3']],
  ['brd = broadcast', vrrpConf('', { vip: '10.0.0.10/24 broadcast 10.0.0.255' }), (c) => vi0(c).virtualIpaddress[0]!.broadcast, '10.0.0.255'],
  ['bool forms yes/on/true', vsConf({ rs: 'inhibit_on_failure yes' }), (c) => rs0(c).inhibitOnFailure, true],
  ['bool forms no/off/false', vsConf({ rs: 'inhibit_on_failure off' }), (c) => rs0(c).inhibitOnFailure, false],
  ['protocol case-insensitive', vsConf().replace('protocol TCP', 'protocol udp'), (c) => vs0(c).protocol, 'UDP'],
  ['status_code ranges', vsConf({ checker: 'HTTP_GET', chk: 'url {\npath /\nstatus_code 200-299,301 404\n}' }), (c) => ck0(c).urls[0].statusCodes, [[200, 299], [301, 301], [404, 404]]],
];

for (const [name, conf, get, want] of [...DEFAULTS, ...SYNONYMS]) {
  t.test(name, async (t) => {
    const { config, diagnostics } = build(conf);
    t.same(get(config), want);
    t.same(diagnostics.filter((d) => d.severity === 'error'), [], 'no errors');
  });
}

t.test('virtual_server_group entries', async (t) => {
  const { config, diagnostics } = build(`virtual_server_group G {
  10.0.0.1-5 80
  10.1.0.0/30 443
  10.2.0.1-10.2.0.9 25
  fd00::1-1f 53
  fwmark 7 inet6
}
` + vsConf({ addr: 'group G' }));
  t.same(diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code), []);
  t.same(config.virtualServerGroups[0]!.entries.map((e) => [e.kind, e.address, e.addressEnd, e.port ?? e.fwmark]), [
    ['address', '10.0.0.1', '10.0.0.5', 80],
    ['address', '10.1.0.0', '10.1.0.3', 443],
    ['address', '10.2.0.1', '10.2.0.9', 25],
    ['address', 'fd00::1', 'fd00:0:0:0:0:0:0:1f', 53],
    ['fwmark', undefined, undefined, 7],
  ]);
  t.equal(config.virtualServers[0]!.kind, 'group');
});

t.test('secrets are named so dumps can redact them', async (t) => {
  const { config } = build(vrrpConf('authentication {\nauth_type PASS\nauth_pass secret\n}'));
  const { SECRET_FIELDS } = await import('../../src/config/model');
  const text = JSON.stringify(config, (k, v) => (SECRET_FIELDS.includes(k) ? '[redacted]' : v));
  t.notMatch(text, /secret/);
  t.match(text, /\[redacted\]/);
});

t.test('model is plain JSON', async (t) => {
  const { config } = build(vsConf() + vrrpConf());
  t.same(JSON.parse(JSON.stringify(config)), config);
});

t.test('every keyword keepalived 2.2.7 registers is recognised', async (t) => {
  const fs = await import('fs');
  const ka = '/tmp/ka';
  const files = [
    'keepalived/core/global_parser.c', 'keepalived/vrrp/vrrp_parser.c', 'keepalived/check/check_parser.c',
    'keepalived/check/check_api.c', 'keepalived/check/check_http.c', 'keepalived/check/check_tcp.c',
    'keepalived/check/check_misc.c', 'keepalived/check/check_smtp.c', 'keepalived/check/check_dns.c',
    'keepalived/check/check_udp.c', 'keepalived/check/check_ping.c', 'keepalived/check/check_file.c',
    'keepalived/check/check_bfd.c', 'keepalived/bfd/bfd_parser.c', 'keepalived/trackers/track_file.c',
  ];
  if (!fs.existsSync(`${ka}/${files[0]}`)) {
    t.comment('keepalived source not at /tmp/ka; skipped');
    return;
  }
  const names = new Set(knownKeywords().map((k) => k.name));
  const missing: string[] = [];
  let n = 0;
  for (const f of files) {
    const src = fs.readFileSync(`${ka}/${f}`, 'utf8');
    for (const m of src.matchAll(/install_keyword(?:_root|_conditional)?\("([^"]+)"/g)) {
      n++;
      if (!names.has(m[1]!)) missing.push(`${f}: ${m[1]}`);
    }
  }
  t.ok(n > 300, `found ${n} registrations`);
  t.same(missing, []);
});

t.test('unknown keyword suggestion', async (t) => {
  const { diagnostics } = build(vsConf({ vs: 'delay_lop 10' }));
  const d = diagnostics.find((x) => x.code === 'W_UNKNOWN_KEYWORD')!;
  t.match(d.message, /did you mean 'delay_loop'\?/);
  t.same(d.loc, { file: 'test.conf', line: 6, col: 1 });
  t.same(codes(diagnostics).filter((c) => c.startsWith('E_')), []);
});

t.test('every unsupported keyword says why; the implemented set covers the sections the brief names', async (t) => {
  const all = knownKeywords();
  for (const k of all.filter((x) => x.status === 'unsupported')) t.ok(k.reason && k.reason.length > 10, `${k.section} ${k.name}: ${k.reason}`);
  const implemented = (section: string) => all.filter((k) => k.section === section && k.status === 'implemented').map((k) => k.name);
  for (const kw of ['lb_algo', 'lvs_sched', 'lb_kind', 'lvs_method', 'persistence_timeout', 'persistence_granularity', 'persistence_engine', 'protocol', 'ops', 'sorry_server', 'sorry_server_inhibit', 'inhibit_on_failure', 'quorum', 'hysteresis', 'quorum_up', 'quorum_down', 'alpha', 'omega', 'ha_suspend', 'virtualhost', 'delay_loop', 'retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'smtp_alert', 'flag-1', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'])
    t.ok(implemented('virtual_server').includes(kw), `virtual_server ${kw}`);
  for (const kw of ['state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'virtual_ipaddress', 'virtual_ipaddress_excluded', 'virtual_routes', 'virtual_rules', 'unicast_peer', 'unicast_src_ip', 'track_interface', 'track_script', 'track_file', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'authentication', 'nopreempt', 'preempt_delay', 'garp_master_delay', 'garp_master_repeat', 'garp_master_refresh', 'garp_master_refresh_repeat'])
    t.ok(implemented('vrrp_instance').includes(kw), `vrrp_instance ${kw}`);
  const unsupportedRoots = all.filter((k) => k.status === 'unsupported' && (k.section === 'root' || k.section === 'vrrp_instance' || k.section === 'virtual_server' || k.section === 'real_server')).map((k) => `${k.section}:${k.name}`);
  t.comment(`unsupported outside global_defs: ${unsupportedRoots.join(' ')}`);
  t.ok(unsupportedRoots.length <= 30, 'the unsupported list stays small');
});
