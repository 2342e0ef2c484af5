// Test helpers for the model builder: build from text with the mini splitter, and small config templates.
import { miniTree } from './mini-tree';
import { buildConfig } from '../../../src/config/build';
import type { Config } from '../../../src/config/model';
import type { Diagnostic } from '../../../src/config/types';

export function build(text: string, file = 'test.conf', configId?: string): { config: Config; diagnostics: Diagnostic[] } {
  return buildConfig(miniTree(text, file, configId));
}

export function codes(ds: Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

/** A virtual server with one real server; `vs`, `rs` and `chk` are extra lines for each level. */
export function vsConf(o: { vs?: string; rs?: string; chk?: string; checker?: string; head?: string; addr?: string } = {}): string {
  const checker = o.checker ?? 'TCP_CHECK';
  return `${o.head ?? ''}
virtual_server ${o.addr ?? '10.0.0.1 80'} {
  lb_algo rr
  lb_kind NAT
  protocol TCP
${o.vs ?? ''}
  real_server 10.0.0.2 80 {
${o.rs ?? ''}
    ${checker} {
${o.chk ?? ''}
    }
  }
}
`;
}

/** A vrrp_instance with the minimum keepalived needs; `body` adds lines. */
export function vrrpConf(body = '', o: { head?: string; name?: string; vip?: string } = {}): string {
  return `${o.head ?? ''}
vrrp_instance ${o.name ?? 'VI_1'} {
  interface eth0
  virtual_router_id 51
${body}
  virtual_ipaddress {
    ${o.vip ?? '10.0.0.10/24'}
  }
}
`;
}
