// The -S (save) rule format of ipvsadm 1.31: "-A <service> -s <sched> [-p T [-M mask]] [--pe E] [-o] [-b flags]"
// and "-a <service> -r <server> -g|-i|-m -w W [--tun-type ...]" (print_service_entry with FMT_RULE, print_tunnel_rule).
import type { DestView, ServiceView } from './format';
import { Fwd, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, TUN_NAMES } from './options';
import { AF_INET, AF_INET6, inetNtop } from './resolve';

const TUN_FLAG_OPTS = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];
const cArr = (a: readonly string[], i: number) => a[i] ?? '(null)';

/** ipvsadm fwd_switch(): the option that recreates a forwarding method ("(null)" for others, as glibc prints NULL). */
export function fwdSwitch(fwd: number): string {
  switch (fwd & 7) {
    case Fwd.MASQ:
      return '-m';
    case Fwd.TUNNEL:
      return '-i';
    case Fwd.LOCALNODE:
    case Fwd.DROUTE:
      return '-g';
    default:
      return '(null)';
  }
}

function schedFlags(sched: string, flags: number): string {
  const f: string[] = [];
  if (sched === 'sh') {
    if (flags & SVC_F_SCHED1) f.push('sh-fallback');
    if (flags & SVC_F_SCHED2) f.push('sh-port');
  } else if (sched === 'mh') {
    if (flags & SVC_F_SCHED1) f.push('mh-fallback');
    if (flags & SVC_F_SCHED2) f.push('mh-port');
  } else {
    if (flags & SVC_F_SCHED1) f.push('flag-1');
    if (flags & SVC_F_SCHED2) f.push('flag-2');
    if (flags & SVC_F_SCHED3) f.push('flag-3');
  }
  return f.join(',');
}

/** The "-A ..." line without its newline. */
export function formatServiceRule(svcName: string, se: ServiceView): string {
  let out = `-A ${svcName} -s ${se.schedName}`;
  if (se.flags & SVC_F_PERSISTENT) {
    out += ` -p ${se.timeout >>> 0}`;
    if (se.af === AF_INET && se.netmask >>> 0 !== 0xffffffff) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(se.netmask >>> 0, 0);
      out += ` -M ${inetNtop(AF_INET, b)}`;
    }
    if (se.af === AF_INET6 && se.netmask !== 128) out += ` -M ${se.netmask | 0}`;
  }
  if (se.peName) out += ` --pe ${se.peName}`;
  if (se.flags & SVC_F_ONEPACKET) out += ' -o';
  if (se.flags & (SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3)) out += ` -b ${schedFlags(se.schedName, se.flags)}`;
  return out;
}

/** One "-a ..." line with its newline (print_tunnel_rule for tunnel destinations). */
export function formatDestRule(svcName: string, dname: string, e: DestView): string {
  const base = `-a ${svcName} -r ${dname} ${fwdSwitch(e.fwd)} -w ${e.weight | 0}`;
  if ((e.fwd & 7) !== Fwd.TUNNEL) return `${base}\n`;
  switch (e.tunType) {
    case 2:
      return `${base} --tun-type ${TUN_NAMES[2]} ${cArr(TUN_FLAG_OPTS, e.tunFlags)}\n`;
    case 1:
      return `${base} --tun-type ${TUN_NAMES[1]} --tun-port ${e.tunPort} ${cArr(TUN_FLAG_OPTS, e.tunFlags)}\n`;
    case 0:
      return `${base} --tun-type ${TUN_NAMES[0]}\n`;
    default:
      return `${base}\n`;
  }
}

export { AF_INET6 };
