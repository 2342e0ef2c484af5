// Kernel tier: our client and the real ipvsadm agree. A state we program is what `ipvsadm -Sn` prints, and a state
// loaded with `ipvsadm -R` is what our dump returns (inside the VM, LVSK_KERNEL=1).
import t from 'tap';
import { execFileSync } from 'child_process';
import { openKernelClient } from '../../src/ipvs/kernel-client';
import { IpvsClient, BatchOp } from '../../src/ipvs/client';
import { AddressFamily, ForwardMethod, Protocol, ServiceFlag, TunnelFlag, TunnelType } from '../../src/ipvs/constants';
import { ServiceKey, ServiceConfig, DestinationConfig, isFwmarkKey, defaultDestinationConfig } from '../../src/ipvs/types';
import { canonicalAddress, formatIPv4Mask, ipv4Mask } from '../../src/ipvs/address';

const SKIP = process.env.LVSK_KERNEL ? false : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (bash test/kernel/run.sh)';

function ipvsadm(args: string[], input?: string): string {
  return execFileSync('ipvsadm', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 120000 });
}

/** A rule set in comparable form: one line per service and per destination, sorted. */
type Rules = string[];

const V4 = AddressFamily.INET;
const V6 = AddressFamily.INET6;
const protoName: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
const fwdName: Record<number, string> = { 0: 'masq', 1: 'local', 2: 'tunnel', 3: 'route' };
const tunName: Record<number, string> = { 0: 'ipip', 1: 'gue', 2: 'gre' };

function svcId(k: ServiceKey): string {
  if (isFwmarkKey(k)) return `fwm ${k.fwmark}${k.family === V6 ? ' v6' : ''}`;
  return `${protoName[k.protocol] ?? k.protocol} ${k.address} ${k.port}`;
}

function svcLine(k: ServiceKey, c: ServiceConfig): string {
  const persistent = (c.flags & ServiceFlag.PERSISTENT) !== 0;
  const defMask = k.family === V6 ? 128 : 0xffffffff;
  const parts = [`S ${svcId(k)}`, `sched=${c.scheduler}`, `flags=${c.flags & ~ServiceFlag.PERSISTENT}`];
  if (persistent) parts.push(`persist=${c.timeout}`, `mask=${c.netmask === defMask ? 'default' : c.netmask}`);
  if (c.persistenceEngine) parts.push(`pe=${c.persistenceEngine}`);
  return parts.join(' ');
}

function destLine(k: ServiceKey, address: string, port: number, c: DestinationConfig): string {
  const parts = [`D ${svcId(k)} -> ${address} ${port}`, fwdName[c.forward], `w=${c.weight}`, `x=${c.upperThreshold}`, `y=${c.lowerThreshold}`];
  if (c.forward === ForwardMethod.TUNNEL) {
    parts.push(`tun=${tunName[c.tunnelType]}`);
    if (c.tunnelType === TunnelType.GUE) parts.push(`tport=${c.tunnelPort}`);
    if (c.tunnelType !== TunnelType.IPIP) parts.push(`tflags=${c.tunnelFlags}`);
  }
  return parts.join(' ');
}

async function ourRules(c: IpvsClient): Promise<Rules> {
  const out: string[] = [];
  for (const s of await c.listServices()) {
    out.push(svcLine(s.key, s.config));
    for (const d of await c.listDestinations(s.key)) out.push(destLine(s.key, d.key.address, d.key.port, d.config));
  }
  return out.sort();
}

function hostPort(s: string): [string, number] {
  const m = /^\[(.*)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`cannot parse address ${s}`);
  return [canonicalAddress(m[1]), Number(m[2] ?? 0)];
}

/** Parses ipvsadm rules (the `-S` / `-R` format) into the same comparable lines. */
function parseRules(text: string): Rules {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const a = line.trim().split(/\s+/).filter(Boolean);
    if (!a.length) continue;
    let key: ServiceKey | undefined;
    let v6 = false;
    const sc: ServiceConfig = { scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0 };
    let maskText: string | undefined;
    let dest: [string, number] | undefined;
    const dc = defaultDestinationConfig();
    let kind = '';
    let proto = 0;
    let addr = '';
    let fwmark = 0;
    for (let i = 0; i < a.length; i++) {
      const o = a[i];
      const next = () => a[++i];
      switch (o) {
        case '-A': case '--add-service': kind = 'S'; break;
        case '-a': case '--add-server': kind = 'D'; break;
        case '-t': case '--tcp-service': proto = Protocol.TCP; addr = next(); break;
        case '-u': case '--udp-service': proto = Protocol.UDP; addr = next(); break;
        case '--sctp-service': proto = Protocol.SCTP; addr = next(); break;
        case '-f': case '--fwmark-service': fwmark = Number(next()); break;
        case '-6': case '--ipv6': v6 = true; break;
        case '-s': case '--scheduler': sc.scheduler = next(); break;
        case '-p': case '--persistent':
          sc.flags |= ServiceFlag.PERSISTENT;
          if (a[i + 1] && /^\d+$/.test(a[i + 1])) sc.timeout = Number(next());
          else sc.timeout = 300;
          break;
        case '-M': case '--netmask': maskText = next(); break;
        case '-o': case '--ops': sc.flags |= ServiceFlag.ONEPACKET; break;
        case '--pe': sc.persistenceEngine = next(); break;
        case '-b': case '--sched-flags':
          for (const f of next().split(',')) {
            if (/fallback$/.test(f)) sc.flags |= ServiceFlag.SCHED1;
            else if (/port$/.test(f)) sc.flags |= ServiceFlag.SCHED2;
            else if (f === 'flag-3') sc.flags |= ServiceFlag.SCHED3;
            else if (f === 'flag-1') sc.flags |= ServiceFlag.SCHED1;
            else if (f === 'flag-2') sc.flags |= ServiceFlag.SCHED2;
          }
          break;
        case '-r': case '--real-server': dest = hostPort(next()); break;
        case '-g': case '--gatewaying': dc.forward = ForwardMethod.DROUTE; break;
        case '-i': case '--ipip': dc.forward = ForwardMethod.TUNNEL; break;
        case '-m': case '--masquerading': dc.forward = ForwardMethod.MASQ; break;
        case '-w': case '--weight': dc.weight = Number(next()); break;
        case '-x': case '--u-threshold': dc.upperThreshold = Number(next()); break;
        case '-y': case '--l-threshold': dc.lowerThreshold = Number(next()); break;
        case '--tun-type': dc.tunnelType = ({ ipip: 0, gue: 1, gre: 2 } as Record<string, number>)[next()]; break;
        case '--tun-port': dc.tunnelPort = Number(next()); break;
        case '--tun-nocsum': dc.tunnelFlags = TunnelFlag.NOCSUM; break;
        case '--tun-csum': dc.tunnelFlags = TunnelFlag.CSUM; break;
        case '--tun-remcsum': dc.tunnelFlags = TunnelFlag.REMCSUM; break;
        default: throw new Error(`unknown ipvsadm option ${o} in: ${line}`);
      }
    }
    if (fwmark) key = { family: v6 ? V6 : V4, fwmark };
    else {
      const [h, p] = hostPort(addr);
      key = { family: h.includes(':') ? V6 : V4, protocol: proto, address: h, port: p };
    }
    if (kind === 'S') {
      if (key.family === V6) sc.netmask = maskText ? Number(maskText) : 128;
      else sc.netmask = maskText ? ipv4Mask(maskText) : 0xffffffff;
      out.push(svcLine(key, sc));
    } else if (kind === 'D' && dest) {
      out.push(destLine(key, dest[0], dest[1], dc));
    }
  }
  return out.sort();
}

/** ipvsadm -S does not save the -x/-y thresholds: compare without them (they are checked with -L --thresholds). */
const noThresholds = (r: Rules): Rules => r.map((l) => l.replace(/ x=\d+ y=\d+/, ''));

/** One state, as our batch and as ipvsadm rules. */
function scenario(): { ops: BatchOp[]; rules: string } {
  const ops: BatchOp[] = [];
  const rules: string[] = [];
  const svc = (key: ServiceKey, config: ServiceConfig, rule: string) => {
    ops.push({ op: 'addService', service: key, config });
    rules.push(rule);
  };
  const dst = (key: ServiceKey, address: string, port: number, config: DestinationConfig, rule: string) => {
    ops.push({ op: 'addDestination', service: key, dest: { address, port }, config });
    rules.push(rule);
  };
  const s1: ServiceKey = { family: V4, protocol: Protocol.TCP, address: '10.10.0.1', port: 80 };
  svc(s1, { scheduler: 'wlc', flags: ServiceFlag.PERSISTENT, timeout: 120, netmask: ipv4Mask('255.255.255.0') }, '-A -t 10.10.0.1:80 -s wlc -p 120 -M 255.255.255.0');
  dst(s1, '192.168.10.1', 8080, { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 3, upperThreshold: 100, lowerThreshold: 50 }, '-a -t 10.10.0.1:80 -r 192.168.10.1:8080 -m -w 3 -x 100 -y 50');
  dst(s1, '192.168.10.2', 80, { ...defaultDestinationConfig(), weight: 5 }, '-a -t 10.10.0.1:80 -r 192.168.10.2:80 -g -w 5');
  dst(s1, '192.168.10.3', 80, { ...defaultDestinationConfig(), forward: ForwardMethod.TUNNEL, weight: 0 }, '-a -t 10.10.0.1:80 -r 192.168.10.3:80 -i -w 0');
  dst(s1, '192.168.10.4', 80, { ...defaultDestinationConfig(), forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6080, tunnelFlags: TunnelFlag.CSUM }, '-a -t 10.10.0.1:80 -r 192.168.10.4:80 -i --tun-type gue --tun-port 6080 --tun-csum -w 1');
  // ipvsadm accepts --tun-remcsum only with GUE (the kernel takes any flags)
  dst(s1, '192.168.10.5', 80, { ...defaultDestinationConfig(), forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GRE, tunnelFlags: TunnelFlag.CSUM }, '-a -t 10.10.0.1:80 -r 192.168.10.5:80 -i --tun-type gre --tun-csum -w 1');
  dst(s1, '192.168.10.8', 80, { ...defaultDestinationConfig(), forward: ForwardMethod.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6081, tunnelFlags: TunnelFlag.REMCSUM }, '-a -t 10.10.0.1:80 -r 192.168.10.8:80 -i --tun-type gue --tun-port 6081 --tun-remcsum -w 1');
  const s2: ServiceKey = { family: V4, protocol: Protocol.UDP, address: '10.10.0.1', port: 53 };
  svc(s2, { scheduler: 'rr', flags: ServiceFlag.ONEPACKET, timeout: 0, netmask: 0xffffffff }, '-A -u 10.10.0.1:53 -s rr -o');
  dst(s2, '192.168.10.6', 53, { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 2 }, '-a -u 10.10.0.1:53 -r 192.168.10.6:53 -m -w 2');
  const s3: ServiceKey = { family: V4, protocol: Protocol.SCTP, address: '10.10.0.2', port: 3868 };
  svc(s3, { scheduler: 'sh', flags: ServiceFlag.SCHED1 | ServiceFlag.SCHED2, timeout: 0, netmask: 0xffffffff }, '-A --sctp-service 10.10.0.2:3868 -s sh -b sh-fallback,sh-port');
  const s4: ServiceKey = { family: V6, protocol: Protocol.TCP, address: '2001:db8:10::1', port: 443 };
  svc(s4, { scheduler: 'lc', flags: ServiceFlag.PERSISTENT, timeout: 300, netmask: 64 }, '-A -t [2001:db8:10::1]:443 -s lc -p 300 -M 64');
  dst(s4, '2001:db8:20::1', 8443, { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: 7 }, '-a -t [2001:db8:10::1]:443 -r [2001:db8:20::1]:8443 -m -w 7');
  dst(s4, '10.20.0.1', 443, { ...defaultDestinationConfig(), forward: ForwardMethod.TUNNEL }, '-a -t [2001:db8:10::1]:443 -r 10.20.0.1:443 -i -w 1');
  const s5: ServiceKey = { family: V4, fwmark: 10 };
  svc(s5, { scheduler: 'mh', flags: ServiceFlag.SCHED2, timeout: 0, netmask: 0xffffffff }, '-A -f 10 -s mh -b mh-port');
  dst(s5, '192.168.10.7', 0, { ...defaultDestinationConfig() }, '-a -f 10 -r 192.168.10.7:0 -g -w 1');
  const s6: ServiceKey = { family: V6, fwmark: 11 };
  svc(s6, { scheduler: 'rr', flags: 0, timeout: 0, netmask: 128 }, '-A -f 11 -6 -s rr');
  dst(s6, '2001:db8:20::2', 0, { ...defaultDestinationConfig() }, '-a -f 11 -6 -r [2001:db8:20::2]:0 -g -w 1');
  const s7: ServiceKey = { family: V4, protocol: Protocol.UDP, address: '10.10.0.3', port: 5060 };
  svc(s7, { scheduler: 'rr', flags: ServiceFlag.PERSISTENT, timeout: 60, netmask: 0xffffffff, persistenceEngine: 'sip' }, '-A -u 10.10.0.3:5060 -s rr -p 60 --pe sip');
  return { ops, rules: rules.join('\n') + '\n' };
}

t.test('our client and ipvsadm see the same rules', { skip: SKIP, timeout: 600000 }, async (t) => {
  const c = await openKernelClient();
  t.teardown(async () => {
    await c.flush().catch(() => undefined);
    await c.close();
  });
  const { ops, rules } = scenario();
  const expected = parseRules(rules);

  t.test('programmed by our client, printed by ipvsadm -Sn', async (t) => {
    await c.flush();
    const res = await c.applyBatch(ops);
    t.same(res.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.message)), [], 'every operation applied');
    const saved = ipvsadm(['-S', '-n']);
    t.comment(saved.trim().split('\n').map((l) => `ipvsadm -Sn: ${l}`).join('\n'));
    t.same(noThresholds(parseRules(saved)), noThresholds(expected), 'ipvsadm -Sn prints the state we programmed');
    t.match(ipvsadm(['-L', '-n', '--thresholds']), /-> 192\.168\.10\.1:8080\s+100\s+50\b/, 'ipvsadm -L --thresholds shows the thresholds we set');
    t.same(await ourRules(c), expected, 'our dump agrees');
  });

  t.test('loaded by ipvsadm -R, dumped by our client', async (t) => {
    await c.flush();
    ipvsadm(['-R'], rules);
    t.same(await ourRules(c), expected, 'our dump is the state ipvsadm restored');
    // and the round trip through ipvsadm -S / -R is stable (except the thresholds, which -S does not save)
    const saved = ipvsadm(['-S', '-n']);
    await c.flush();
    ipvsadm(['-R'], saved);
    t.same(noThresholds(await ourRules(c)), noThresholds(expected), 'ipvsadm -Sn | ipvsadm -R restores the same state');
  });

  t.test('a large state: 200 services x 5 destinations', async (t) => {
    await c.flush();
    const big: BatchOp[] = [];
    const lines: string[] = [];
    for (let s = 0; s < 200; s++) {
      const key: ServiceKey = { family: V4, protocol: Protocol.TCP, address: `10.30.${s >> 8}.${s & 0xff}`, port: 80 };
      big.push({ op: 'addService', service: key, config: { scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff } });
      lines.push(`-A -t ${key.address}:80 -s wrr`);
      for (let d = 0; d < 5; d++) {
        const address = `10.40.${s}.${d + 1}`;
        big.push({ op: 'addDestination', service: key, dest: { address, port: 8080 }, config: { ...defaultDestinationConfig(), forward: ForwardMethod.MASQ, weight: d + 1 } });
        lines.push(`-a -t ${key.address}:80 -r ${address}:8080 -m -w ${d + 1}`);
      }
    }
    const res = await c.applyBatch(big);
    t.equal(res.filter((r) => !r.ok).length, 0);
    t.same(parseRules(ipvsadm(['-S', '-n'])), parseRules(lines.join('\n')));
    t.equal(formatIPv4Mask(0xffffff00), '255.255.255.0');
  });
});
