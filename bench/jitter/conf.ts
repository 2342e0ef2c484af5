// keepalived.conf of the jitter scenario: master instances on eth0 and, as checker load, virtual servers whose real
// servers all have a TCP_CHECK (one address each in 10.201.0.0/16, 100 per virtual server).

export interface LoadSpec {
  /** real servers, each with one TCP_CHECK; 0 = no virtual servers at all */
  realServers: number;
  delayLoopS: number;
}

export interface JitterInstance {
  name: string;
  vrid: number;
  version: 2 | 3;
  advertInt: number;
}

const PER_VS = 100;

/** Real server i (from 0): 250 hosts per /24, .1-.250, inside 10.201.0.0/16. */
export function rsAddress(i: number): string {
  return `10.201.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export function jitterConf(instances: JitterInstance[], load: LoadSpec, routerIp: string): string {
  const vipBase = routerIp.split('.').slice(0, 3).join('.');
  const l: string[] = ['global_defs {', '  enable_script_security', '  script_user root', '  vrrp_garp_master_delay 1', '}'];
  for (const i of instances) {
    l.push(
      `vrrp_instance ${i.name} {`,
      '  state MASTER',
      '  interface eth0',
      `  virtual_router_id ${i.vrid}`,
      '  priority 200',
      `  version ${i.version}`,
      `  advert_int ${i.advertInt}`,
      `  virtual_ipaddress {`,
      `    ${vipBase}.${100 + i.vrid}/24`,
      '  }',
      '}',
    );
  }
  let rs = 0;
  for (let v = 0; rs < load.realServers; v++) {
    l.push(`virtual_server 10.202.${v >> 8}.${(v & 0xff) + 1} 80 {`, `  delay_loop ${load.delayLoopS}`, '  lb_algo rr', '  lb_kind DR', '  protocol TCP');
    for (let k = 0; k < PER_VS && rs < load.realServers; k++, rs++) {
      l.push(`  real_server ${rsAddress(rs)} 80 {`, '    weight 1', '    TCP_CHECK {', '      connect_timeout 2', '    }', '  }');
    }
    l.push('}');
  }
  return l.join('\n') + '\n';
}
