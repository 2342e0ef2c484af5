// ipvsadm 1.31's option value parsers (ipvsadm.c parse_service, parse_timeout, parse_fwmark, parse_sched_flags,
// the mcast-group and numeric range checks), with its exact error texts.
import { ExitCode, LvsadmExit, fail } from './errors';
import { AF_INET, AF_INET6, Resolver, inetAton, inetPton4, inetPton6, stringToNumber, strtol } from './resolve';
import { DaemonSpec, IPVS_SVC_PERSISTENT_TIMEOUT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, UINT_MAX } from './spec';

export const SERVICE_ADDR = 1;
export const SERVICE_PORT = 2;

/** C strncpy into a buffer of n bytes, read back as a C string. */
export const strncpy = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** ipvsadm parse_service(): SERVICE_* bits; fills af/addr/port (and netmask 128 for IPv6) of `svc`. */
export function parseService(r: Resolver, buf: string | null, svc: { af: number; addr: Buffer; port: number; netmask: number; protocol: number }): number {
  if (buf === null || /^[0-9]*$/.test(buf)) return 0;
  let host = buf;
  let portStr: string | null = null;
  if (host[0] === '[') {
    host = host.slice(1);
    const close = host.indexOf(']');
    if (close < 0) return 0;
    const after = host.slice(close + 1);
    host = host.slice(0, close);
    if (after[0] !== ':') return 0;
    portStr = after.slice(1);
  }
  const a6 = inetPton6(host);
  if (a6) {
    a6.copy(svc.addr, 0);
    svc.af = AF_INET6;
    svc.netmask = 128;
  } else {
    // ipvsadm searches the last ':' again; inside brackets it finds none and drops the port.
    const colon = host.lastIndexOf(':');
    portStr = null;
    if (colon >= 0) {
      portStr = host.slice(colon + 1);
      host = host.slice(0, colon);
    }
    const a4 = inetAton(host) ?? r.hostToAddr(host);
    if (!a4) return 0;
    svc.addr.fill(0);
    a4.copy(svc.addr, 0);
    svc.af = AF_INET;
  }
  let result = SERVICE_ADDR;
  if (portStr !== null) {
    result |= SERVICE_PORT;
    let portn = stringToNumber(portStr, 0, 65535);
    if (portn === -1) portn = r.serviceToPort(portStr, svc.protocol);
    if (portn === -1) return 0;
    svc.port = portn;
  }
  return result;
}

/** ipvsadm parse_timeout(): null (no argument) is the default persistence timeout. */
export function parseTimeout(buf: string | null, min: number, max: number): number {
  if (buf === null) return IPVS_SVC_PERSISTENT_TIMEOUT;
  const i = stringToNumber(buf, min, max);
  if (i === -1) fail('invalid-timeout', `invalid timeout value \`${buf}' specified`);
  return i;
}

/** ipvsadm parse_fwmark(): strtol, 1..UINT_MAX. */
export function parseFwmark(buf: string): number {
  const r = strtol(buf);
  if (r.end !== buf.length || r.end === 0 || r.range || r.value <= 0n || r.value > BigInt(UINT_MAX)) {
    fail('invalid-fwmark', `invalid fwmark value \`${buf}' specified`);
  }
  return Number(r.value);
}

/** ipvsadm parse_sched_flags(). */
export function parseSchedFlags(sched: string, arg: string): number {
  const s = sched || 'wlc';
  let flags = 0;
  const tokens = arg.split(',').filter((x) => x !== '');
  if (tokens.length === 0) {
    // strtok() returns NULL and ipvsadm passes it to strcmp(): it dies of SIGSEGV without a word.
    throw new LvsadmExit(ExitCode.CRASHED, '', '', 'crash');
  }
  for (const flag of tokens) {
    const need = (sch: string) => {
      if (s !== sch) fail('incompatible-sched-flag', `incompatible scheduler flag \`${flag}'`);
    };
    if (flag === 'flag-1') flags |= SVC_F_SCHED1;
    else if (flag === 'flag-2') flags |= SVC_F_SCHED2;
    else if (flag === 'flag-3') flags |= SVC_F_SCHED3;
    else if (flag === 'sh-fallback') {
      flags |= SVC_F_SCHED1;
      need('sh');
    } else if (flag === 'sh-port') {
      flags |= SVC_F_SCHED2;
      need('sh');
    } else if (flag === 'mh-fallback') {
      flags |= SVC_F_SCHED1;
      need('mh');
    } else if (flag === 'mh-port') {
      flags |= SVC_F_SCHED2;
      need('mh');
    } else fail('invalid-sched-flag', `invalid scheduler flag \`${flag}'`);
  }
  return flags;
}


/** A number option in [min, max] (string_to_number), or ipvsadm's message for it. */
export function parseRange(arg: string, min: number, max: number, code: string, message: string): number {
  const v = stringToNumber(arg, min, max);
  if (v === -1) fail(code, message);
  return v;
}

/** --mcast-group: an IPv4 or IPv6 multicast address into the daemon spec. */
export function parseMcastGroup(a: string, d: DaemonSpec): void {
  if (a.includes(':')) {
    const g = inetPton6(a);
    if (!g || g[0] !== 0xff) fail('invalid-mcast-group', `invalid IPv6 mcast-group \`${a}'`);
    g.copy(d.mcastGroup, 0);
    d.mcastAf = AF_INET6;
  } else {
    const g = inetPton4(a);
    if (!g || (g[0] & 0xf0) !== 0xe0) fail('invalid-mcast-group', `invalid IPv4 mcast-group \`${a}'`);
    d.mcastGroup.fill(0);
    g.copy(d.mcastGroup, 0);
    d.mcastAf = AF_INET;
  }
}
