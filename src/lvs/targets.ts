// Maps the keepalived model's checkers (config/model.ts) onto the health checkers' CheckTarget (check/types.ts),
// with keepalived's inheritance: connect_ip/port from the real server, virtualhost from the real or virtual server.
// the checker modules themselves (http.ts with undici, ...) load only when a check of their kind runs
import { CheckerKind, CheckTarget, HttpProtocol, makeTiming } from '../check/types';
import { targetArgv } from '../check/misc';
import { validateTarget } from '../check/validate';
import { scriptGateFor, scriptPolicyOf } from '../util/script-runner';
import type { DnsTypeName, ServiceProtocol } from '../check/types';
import type { TargetIssue } from '../check/validate';
import type { Checker, Config, RealServer, VirtualServer } from '../config/model';

export interface PlannedChecker {
  /** stable id: "<rs id>#<index>:<kind>" */
  id: string;
  kind: string;
  target?: CheckTarget;
  /** validateTarget's messages, or why the checker cannot run (BFD_CHECK); errors mean the checker is dropped */
  issues: TargetIssue[];
}

const HTTP_PROTOCOLS = new Set<string>(['1.0', '1.0C', '1.1']);

/** UDP_CHECK reply pattern: the model's data + mask (mask bits set = must match) as hex with X wildcard nibbles. */
export function replyPattern(data: string, mask?: string): string {
  const d = data.replace(/\s+/g, '');
  if (!mask) return d;
  const m = mask.replace(/\s+/g, '');
  let out = '';
  for (let i = 0; i < d.length; i++) out += m[i] !== undefined && parseInt(m[i], 16) === 0 ? 'X' : d[i];
  return out;
}

/** The checkers of one real server as CheckTargets (the caller drops those with error issues, as keepalived does). */
export function checkTargets(config: Config, vs: VirtualServer, rs: RealServer, rsId: string, vsLabel: string, servicePort: number): PlannedChecker[] {
  const out: PlannedChecker[] = [];
  const protocol: ServiceProtocol = vs.kind === 'fwmark' ? 'none' : ((vs.protocol ?? 'TCP').toLowerCase() as ServiceProtocol);
  const rsPort = rs.port || servicePort;
  rs.checkers.forEach((c: Checker, i) => {
    const id = `${rsId}#${i}:${c.type}`;
    const base = { vsLabel, rsAddress: rs.address, rsPort, protocol };
    if (c.type === 'BFD_CHECK') {
      out.push({ id, kind: c.type, issues: [{ severity: 'error', code: 'EBFD', message: 'BFD_CHECK is not supported by lvskeeper; checker ignored' }] });
      return;
    }
    if (c.type === 'FILE_CHECK') {
      const tf = config.trackFiles.find((f) => f.name === c.trackFile);
      if (!tf?.file) {
        out.push({ id, kind: c.type, issues: [{ severity: 'error', code: 'ETRACKFILE', message: `FILE_CHECK track_file is '${c.trackFile ?? ''}'; should name a track_file block with a file` }] });
        return;
      }
      const target: CheckTarget = {
        ...base,
        kind: CheckerKind.File,
        timing: makeTiming(CheckerKind.File, { delayLoopMs: vs.delayLoop * 1000 }),
        file: { path: tf.file, weight: c.weight ?? tf.weight, reverse: c.weightReverse || tf.weightReverse },
      };
      out.push({ id, kind: c.type, target, issues: validateTarget(target) });
      return;
    }
    const kind = c.type as CheckerKind;
    const timing = makeTiming(kind, {
      delayLoopMs: c.delayLoop * 1000,
      retry: c.retry,
      delayBeforeRetryMs: c.delayBeforeRetry * 1000,
      warmupMs: c.warmup * 1000,
      alpha: c.alpha,
      logAllFailures: c.logAllFailures,
      ...('connectTimeout' in c ? { connectTimeoutMs: c.connectTimeout * 1000 } : { connectTimeoutMs: rs.connectTimeout * 1000 }),
    });
    if (c.type === 'MISC_CHECK') {
      const issues: TargetIssue[] = [];
      if (!c.script) {
        out.push({ id, kind: c.type, issues: [{ severity: 'error', code: 'EMISCPATH', message: 'MISC_CHECK has no misc_path; should name a script' }] });
        return;
      }
      // as its user, refused when check_script_secure says so: keepalived removes the checker (check_misc.c
      // check_misc_script_security), so the real server no longer depends on it
      let argv: string[];
      try {
        argv = targetArgv({ miscPath: c.script.command, argv: c.script.args.length ? c.script.args : undefined });
      } catch (e) {
        out.push({ id, kind: c.type, issues: [{ severity: 'error', code: 'EMISCPATH', message: (e as Error).message }] });
        return;
      }
      const prep = scriptGateFor(scriptPolicyOf(config.globalDefs)).prepare(argv, c.user, c.group, 'misc script');
      if (!prep.ok) {
        out.push({ id, kind: c.type, issues: [{ severity: 'error', code: 'EMISCSCRIPT', message: prep.reason }] });
        return;
      }
      const target: CheckTarget = {
        ...base,
        kind: CheckerKind.Misc,
        timing,
        misc: {
          miscPath: c.script.command,
          argv: prep.script.argv,
          miscTimeoutMs: c.timeout !== undefined ? c.timeout * 1000 : undefined,
          miscDynamic: c.dynamic,
          uid: prep.script.ids.uid,
          gid: prep.script.ids.gid,
        },
      };
      out.push({ id, kind: c.type, target, issues: [...issues, ...validateTarget(target)] });
      return;
    }
    const conn = {
      connectIp: c.connectIp ?? rs.address,
      connectPort: c.type === 'PING_CHECK' ? 0 : (c.connectPort ?? rsPort),
      bindto: c.bindto,
      bindPort: c.bindPort,
      bindIf: c.bindIf,
      fwmark: c.fwmark,
    };
    let target: CheckTarget;
    switch (c.type) {
      case 'TCP_CHECK':
        target = { ...base, kind: CheckerKind.Tcp, timing, conn };
        break;
      case 'PING_CHECK':
        target = { ...base, kind: CheckerKind.Ping, timing, conn };
        break;
      case 'HTTP_GET':
      case 'SSL_GET': {
        const http = {
          urls: c.urls.map((u) => ({
            path: u.path ?? '/',
            statusCode: u.statusCodes.length ? u.statusCodes : undefined,
            digest: u.digest,
            virtualhost: u.virtualhost,
            regex: u.regex,
            regexNoMatch: u.regexNoMatch || undefined,
            regexMinOffset: u.regexMinOffset,
            regexMaxOffset: u.regexMaxOffset,
          })),
          // the checker's, else the real server's, else the virtual server's (check_http.c)
          virtualhost: c.virtualhost ?? rs.virtualhost ?? vs.virtualhost,
          httpProtocol: c.httpProtocol && HTTP_PROTOCOLS.has(c.httpProtocol) ? (c.httpProtocol as HttpProtocol) : undefined,
          enableSni: c.enableSni || undefined,
          fastRecovery: c.fastRecovery || undefined,
          tls: c.type === 'SSL_GET' && config.ssl ? { certificate: config.ssl.certificate, key: config.ssl.key, password: config.ssl.password, ca: config.ssl.ca } : undefined,
        };
        target = c.type === 'HTTP_GET' ? { ...base, kind: CheckerKind.HttpGet, timing, conn, http } : { ...base, kind: CheckerKind.SslGet, timing, conn, http };
        break;
      }
      case 'UDP_CHECK':
        target = {
          ...base,
          kind: CheckerKind.Udp,
          timing,
          conn,
          udp: {
            payload: c.payload,
            requireReply: c.requireReply ? (c.replyData ? replyPattern(c.replyData, c.replyMask) : true) : undefined,
            minReplyLength: c.minReplyLength || undefined,
            maxReplyLength: c.maxReplyLength || undefined,
          },
        };
        break;
      case 'DNS_CHECK':
        target = { ...base, kind: CheckerKind.Dns, timing, conn, dns: { type: c.queryType as DnsTypeName, name: c.name } };
        break;
      case 'SMTP_CHECK':
        target = { ...base, kind: CheckerKind.Smtp, timing, conn, smtp: { heloName: c.heloName } };
        break;
    }
    out.push({ id, kind: c.type, target, issues: validateTarget(target) });
  });
  return out;
}
