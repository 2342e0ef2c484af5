// The benchmark's IPVS states: nServices TCP services with nDests masquerading destinations each, as batch
// operations (our client) and as ipvsadm -R rules (ipvsadm and lvsadm).
import { BatchOp } from '../../src/ipvs/client';
import { AddressFamily, ForwardMethod, Protocol } from '../../src/ipvs/constants';
import { ServiceKey, defaultDestinationConfig } from '../../src/ipvs/types';

export interface State {
  name: string;
  ops: BatchOp[];
  rules: string;
}

export function makeState(nServices: number, nDests: number): State {
  const ops: BatchOp[] = [];
  const lines: string[] = [];
  for (let s = 0; s < nServices; s++) {
    const address = `10.${100 + (s >> 16)}.${(s >> 8) & 0xff}.${s & 0xff}`;
    const service: ServiceKey = { family: AddressFamily.INET, protocol: Protocol.TCP, address, port: 80 };
    ops.push({ op: 'addService', service, config: { scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff } });
    lines.push(`-A -t ${address}:80 -s wrr`);
    for (let d = 0; d < nDests; d++) {
      const i = s * nDests + d;
      const dest = { address: `10.${200 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`, port: 8080 };
      ops.push({ op: 'addDestination', service, dest, config: { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 1 + (d % 10) } });
      lines.push(`-a -t ${address}:80 -r ${dest.address}:8080 -m -w ${1 + (d % 10)}`);
    }
  }
  return { name: `${nServices.toLocaleString('en-US')} services x ${nDests} destination${nDests > 1 ? 's' : ''}`, ops, rules: lines.join('\n') + '\n' };
}
