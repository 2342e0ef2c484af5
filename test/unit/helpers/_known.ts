import * as fs from 'fs';
import { knownKeywords } from '../../../src/config/build';
const files = ['keepalived/core/global_parser.c','keepalived/vrrp/vrrp_parser.c','keepalived/check/check_parser.c','keepalived/check/check_api.c','keepalived/check/check_http.c','keepalived/check/check_tcp.c','keepalived/check/check_misc.c','keepalived/check/check_smtp.c','keepalived/check/check_dns.c','keepalived/check/check_udp.c','keepalived/check/check_ping.c','keepalived/check/check_file.c','keepalived/check/check_bfd.c','keepalived/bfd/bfd_parser.c','keepalived/trackers/track_file.c'];
const names = new Set(knownKeywords().map(k => k.name));
for (const f of files) {
  const src = fs.readFileSync('/tmp/ka/' + f, 'utf8');
  for (const m of src.matchAll(/install_keyword(?:_root|_conditional)?\("([^"]+)"/g)) if (!names.has(m[1]!)) console.log(f, m[1]);
}
