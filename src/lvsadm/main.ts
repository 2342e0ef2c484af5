// lvsadm's main(): ipvsadm 1.31's main/process_options/restore_table over an IpvsClient, with injectable I/O so
// tests run it in-process. Output is byte-identical to ipvsadm's; exit codes are ipvsadm's (0, 1, 2, 255, 139).
import * as fs from 'fs';
import type { BatchOp, IpvsClient } from '../ipvs/client';
import { AddressFamily, ForwardMethod, SyncState, TunnelType } from '../ipvs/constants';
import type { DaemonConfig, DestinationConfig, ServiceConfig, ServiceKey } from '../ipvs/types';
import { ExitCode, IpvsFunc, LvsadmExit, errnoOf, ipvsStrerror, tryhelp } from './errors';
import type { Lister } from './list';
import { Cmd, CommandEntry, Fmt, MINIMUM_IPVS_VERSION, Opt } from './spec';
import { RestoreReader } from './restore';
import { fastLineOp, fastRestoreLine } from './fast-restore';
import { AF_INET, AF_INET6, Resolver, inetNtop } from './resolve';

/** Everything main() touches outside itself. */
export interface LvsadmDeps {
  /** Opens the IPVS client (ipvs_init); rejects with an error carrying `errno` (and `code`) on failure. */
  openClient(): Promise<IpvsClient>;
  stdout(s: string): void;
  stderr(s: string): void;
  /** All of stdin (for -R) */
  readStdin(): Promise<string>;
  /** Contents of a file, or null when it cannot be opened (/proc/net/ip_vs_conn) */
  readFile(path: string): string | null;
  resolver: Resolver;
  env: Record<string, string | undefined>;
  /** Runs "/sbin/modprobe -- ip_vs" as ipvsadm does when ipvs_init fails; its output goes to our streams. */
  modprobe(): void;
  /** Effective uid (a failed family lookup is EPERM for non-root, as the raw socket fallback fails) */
  uid: number;
  /** Operations per pipelined batch in -R (default 4096) */
  batchSize?: number;
  /** -R takes canonical lines (ipvsadm -S's) through fast-restore.ts, to the same operations (default true; tests compare) */
  restoreFastPath?: boolean;
}

/** The entry point of the lvsadm binary: real streams, the kernel client, /etc files. */
export function defaultDeps(openClient: () => Promise<IpvsClient>): LvsadmDeps {
  return {
    openClient,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin: async () => {
      try {
        // a file or pipe read to its end without setting up process.stdin's stream
        return fs.readFileSync(0, 'latin1');
      } catch {
        // a non-blocking descriptor (EAGAIN), a closed one: process.stdin's stream as before
      }
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('latin1');
    },
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'latin1');
      } catch {
        return null;
      }
    },
    resolver: new Resolver(),
    env: process.env,
    modprobe: () => {
      const { spawnSync } = require('child_process') as typeof import('child_process');
      const r = spawnSync('/sbin/modprobe', ['--', 'ip_vs'], { stdio: ['ignore', 'inherit', 'inherit'] });
      void r;
    },
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
  };
}

/** help.ts (-h, -v and the version warning texts), loaded when one of them is printed. */
const help = () => require('./help') as typeof import('./help');
const usageText = (program: string) => help().usageText(program);
const versionText = () => help().versionText();

const ENOPROTOOPT = 92;
const EPERM = 1;

// ---------------------------------------------------------------------------------------------
// Model conversions between lvsadm's C-like entries and the client's types.

function entryServiceKey(e: CommandEntry): ServiceKey {
  const s = e.svc;
  const family = s.af === AF_INET6 ? AddressFamily.INET6 : AddressFamily.INET;
  if (s.fwmark) return { family, fwmark: s.fwmark };
  return { family, protocol: s.protocol, address: inetNtop(s.af === AF_INET6 ? AF_INET6 : AF_INET, s.addr), port: s.port };
}

function entryServiceConfig(e: CommandEntry): ServiceConfig {
  const s = e.svc;
  const c: ServiceConfig = { scheduler: s.schedName, flags: s.flags, timeout: s.timeout, netmask: s.netmask >>> 0 };
  if (s.peName) c.persistenceEngine = s.peName;
  return c;
}

function entryDest(e: CommandEntry): { key: { address: string; port: number }; config: DestinationConfig } {
  const d = e.dest;
  return {
    key: { address: inetNtop(d.af === AF_INET6 ? AF_INET6 : AF_INET, d.addr), port: d.port },
    config: { forward: d.fwd as number as ForwardMethod, weight: d.weight, upperThreshold: d.uThreshold, lowerThreshold: d.lThreshold, tunnelType: d.tunType as number as TunnelType, tunnelPort: d.tunPort, tunnelFlags: d.tunFlags },
  };
}

/** The kernel operation of a parsed command (every command but list, save and restore), and the libipvs
 *  function whose error texts apply to it. */
export function entryToOp(e: CommandEntry): { op: BatchOp; func: IpvsFunc } {
  switch (e.cmd) {
    case Cmd.FLUSH:
      return { op: { op: 'flush' }, func: 'flush' };
    case Cmd.ADD:
      return { op: { op: 'addService', service: entryServiceKey(e), config: entryServiceConfig(e) }, func: 'add_service' };
    case Cmd.EDIT:
      return { op: { op: 'updateService', service: entryServiceKey(e), config: entryServiceConfig(e) }, func: 'update_service' };
    case Cmd.DEL:
      return { op: { op: 'deleteService', service: entryServiceKey(e) }, func: 'del_service' };
    case Cmd.ZERO: {
      // libipvs sends no service when fwmark, address and port are all zero (ipvs_zero_service).
      const all = !e.svc.fwmark && e.svc.addr.every((b) => b === 0) && !e.svc.port;
      return { op: all ? { op: 'zero' } : { op: 'zero', service: entryServiceKey(e) }, func: 'zero_service' };
    }
    case Cmd.ADDDEST: {
      const d = entryDest(e);
      return { op: { op: 'addDestination', service: entryServiceKey(e), dest: d.key, config: d.config }, func: 'add_dest' };
    }
    case Cmd.EDITDEST: {
      const d = entryDest(e);
      return { op: { op: 'updateDestination', service: entryServiceKey(e), dest: d.key, config: d.config }, func: 'update_dest' };
    }
    case Cmd.DELDEST:
      return { op: { op: 'deleteDestination', service: entryServiceKey(e), dest: entryDest(e).key }, func: 'del_dest' };
    case Cmd.TIMEOUT:
      return { op: { op: 'setTimeouts', timeouts: { ...e.timeout } }, func: 'set_timeout' };
    case Cmd.STARTDAEMON: {
      const d = e.daemon;
      const cfg: DaemonConfig = { state: d.state === 2 ? SyncState.BACKUP : SyncState.MASTER, mcastInterface: d.mcastIfn, syncId: d.syncId };
      if (d.syncMaxLen) cfg.syncMaxLen = d.syncMaxLen;
      if (d.mcastPort) cfg.mcastPort = d.mcastPort;
      if (d.mcastTtl) cfg.mcastTtl = d.mcastTtl;
      if (d.mcastAf) cfg.mcastGroup = inetNtop(d.mcastAf, d.mcastGroup);
      return { op: { op: 'startDaemon', daemon: cfg }, func: 'start_daemon' };
    }
    case Cmd.STOPDAEMON:
      return { op: { op: 'stopDaemon', state: e.daemon.state === 2 ? SyncState.BACKUP : SyncState.MASTER }, func: 'stop_daemon' };
    default:
      throw new Error(`command ${e.cmd} has no kernel operation`);
  }
}

async function runOp(client: IpvsClient, op: BatchOp): Promise<void> {
  switch (op.op) {
    case 'flush':
      return client.flush();
    case 'addService':
      return client.addService(op.service, op.config);
    case 'updateService':
      return client.updateService(op.service, op.config);
    case 'deleteService':
      return client.deleteService(op.service);
    case 'zero':
      return client.zero(op.service);
    case 'addDestination':
      return client.addDestination(op.service, op.dest, op.config);
    case 'updateDestination':
      return client.updateDestination(op.service, op.dest, op.config);
    case 'deleteDestination':
      return client.deleteDestination(op.service, op.dest);
    case 'setTimeouts':
      return client.setTimeouts(op.timeouts);
    case 'startDaemon':
      return client.startDaemon(op.daemon);
    case 'stopDaemon':
      return client.stopDaemon(op.state);
  }
}

// ---------------------------------------------------------------------------------------------

/** One run of the program (ipvsadm's globals: the client and GET_INFO's answer). */
class Session {
  constructor(
    readonly d: LvsadmDeps,
    readonly client: IpvsClient,
    readonly info: { versionCode: number; connTableSize: number },
  ) {}

  private listerCache?: Lister;
  /** The listing commands (list.ts, loaded on first use: a restore of kernel operations never lists). */
  get lister(): Lister {
    if (!this.listerCache) this.listerCache = new (require('./list') as typeof import('./list')).Lister(this.d, this.client, this.info);
    return this.listerCache;
  }

  private parse(argv: readonly string[]): CommandEntry | string {
    const posix = this.d.env.POSIXLY_CORRECT !== undefined || this.d.env.POSIX_ME_HARDER !== undefined;
    // (the full parser: loaded here, as a restore of canonical lines may not need it at all)
    const { checkEntry, parseOptions } = require('./options') as typeof import('./options');
    const r = parseOptions(argv, { resolver: this.d.resolver, posixMeHarder: posix }, usageText, versionText);
    if (r.kind === 'popt-error') return r.message;
    return checkEntry(r.entry);
  }

  /** ipvsadm process_options(): the status main() returns (0 or -1) unless it exits. */
  async processOptions(argv: readonly string[], readingStdin: boolean): Promise<number> {
    // "-R" alone, as restores run: the full parser's entry would be the bare restore command (no option, so
    // checkEntry passes), and the parser need not be loaded for it
    if (argv.length === 2 && (argv[1] === '-R' || argv[1] === '--restore')) return this.restore(argv, readingStdin);
    const e = this.parse(argv);
    if (typeof e === 'string') {
      this.d.stderr(e);
      return -1;
    }
    switch (e.cmd) {
      case Cmd.LIST:
        await this.list(e);
        return 0;
      case Cmd.RESTORE:
        return this.restore(argv, readingStdin);
      case Cmd.SAVE:
        await this.lister.listAll(e.format | Fmt.RULE);
        return 0;
      default: {
        const { op, func } = entryToOp(e);
        try {
          await runOp(this.client, op);
          return 0;
        } catch (err) {
          this.d.stderr(`${ipvsStrerror(func, errnoOf(err))}\n`);
          return -1;
        }
      }
    }
  }

  private async list(e: CommandEntry): Promise<void> {
    const l = this.lister;
    if (e.options.has(Opt.CONNECTION)) l.listConn(e.format);
    else if (e.options.has(Opt.SERVICE)) await l.listService(entryServiceKey(e), e.format);
    else if (e.options.has(Opt.TIMEOUT)) await l.listTimeout();
    else if (e.options.has(Opt.DAEMON)) await l.listDaemon();
    else await l.listAll(e.format);
  }

  /**
   * restore_table(): every line of stdin as a command. Kernel operations go out in pipelined batches (the
   * kernel applies them in order, as ipvsadm's one-by-one requests would be); a batch is flushed before anything
   * else is printed or run, so messages and listings keep ipvsadm's order. The status is the last line's.
   */
  private async restore(argv: readonly string[], readingStdin: boolean): Promise<number> {
    if (readingStdin) tryhelp(argv[0]);
    const lines = new RestoreReader(await this.d.readStdin());
    const max = this.d.batchSize ?? 4096;
    let result = 0;
    let batch: Array<{ op: BatchOp; func: IpvsFunc }> = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const b = batch;
      batch = [];
      const res = await this.client.applyBatch(b.map((x) => x.op));
      res.forEach((r, i) => {
        if (!r.ok) this.d.stderr(`${ipvsStrerror(b[i].func, errnoOf(r.error))}\n`);
      });
      const last = res[res.length - 1];
      result = last.ok ? 0 : -1;
    };
    try {
      const fast = this.d.restoreFastPath ?? true;
      for (let line = lines.next(); line !== undefined; line = lines.next()) {
        const f = fast ? fastRestoreLine(line.args) : undefined;
        if (f !== undefined) {
          batch.push(fastLineOp(f));
          if (batch.length >= max) await flush();
          continue;
        }
        let e: CommandEntry | string;
        try {
          e = this.parse([argv[0], ...line.args]);
        } catch (err) {
          await flush();
          throw withRestoreLine(err, line);
        }
        if (typeof e !== 'string' && e.cmd !== Cmd.LIST && e.cmd !== Cmd.SAVE && e.cmd !== Cmd.RESTORE) {
          batch.push(entryToOp(e));
          if (batch.length >= max) await flush();
          continue;
        }
        await flush();
        if (typeof e === 'string') {
          this.d.stderr(e + restoreLineNote(line, false));
          result = -1;
        } else if (e.cmd === Cmd.RESTORE) tryhelp(argv[0]);
        else {
          if (e.cmd === Cmd.LIST) await this.list(e);
          else await this.lister.listAll(e.format | Fmt.RULE);
          result = 0;
        }
      }
      await flush();
    } catch (err) {
      if (err instanceof LvsadmExit) await flush().catch(() => undefined);
      throw err;
    }
    return result;
  }
}

/**
 * lvsadm's addition to ipvsadm's restore messages: ipvsadm -R prints the same error as for a command line and no
 * line; lvsadm prints ipvsadm's bytes and then this line, so that a malformed line in a 10,000-line file can be found.
 * (Differential tests drop lines matching RESTORE_LINE_NOTE before comparing.)
 */
export function restoreLineNote(line: { lineNo: number; args: string[] }, stopped: boolean): string {
  return `lvsadm: -R ${stopped ? 'stopped at ' : ''}line ${line.lineNo}: ${line.args.join(' ')}\n`;
}
export const RESTORE_LINE_NOTE = /^lvsadm: -R (stopped at )?line \d+: .*\n/gm;

/** A failure while parsing a restore line: ipvsadm's exit, with the line noted after its message. */
function withRestoreLine(err: unknown, line: { lineNo: number; args: string[] }): unknown {
  if (!(err instanceof LvsadmExit) || err.status === ExitCode.OK) return err;
  return new LvsadmExit(err.status, err.stderr + restoreLineNote(line, true), err.stdout, err.code);
}

/** ipvs_init() with ipvsadm's modprobe retry; the client and GET_INFO's answer, or the exit ipvsadm makes. */
async function init(d: LvsadmDeps): Promise<Session> {
  const attempt = async (): Promise<Session | number> => {
    let client: IpvsClient;
    try {
      client = await d.openClient();
    } catch (e) {
      // libipvs falls back to a raw socket and IP_VS_SO_GET_INFO when the IPVS family is missing: that socket
      // needs CAP_NET_RAW (EPERM without it) and the sockopt then fails with ENOPROTOOPT.
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EPROTONOSUPPORT') return d.uid === 0 ? ENOPROTOOPT : EPERM;
      return errnoOf(e);
    }
    try {
      const info = await client.info();
      return new Session(d, client, info);
    } catch (e) {
      await client.close().catch(() => undefined);
      return errnoOf(e);
    }
  };
  let r = await attempt();
  if (typeof r === 'number') {
    d.modprobe();
    r = await attempt();
  }
  if (typeof r === 'number') {
    throw new LvsadmExit(
      ExitCode.USAGE,
      `Can't initialize ipvs: ${ipvsStrerror('init', r)}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n`,
      '',
      'init',
    );
  }
  return r;
}

/** lvsadm's main(argv): argv[0] is the program name as invoked. Resolves with the exit status. */
export async function main(argv: readonly string[], d: LvsadmDeps): Promise<number> {
  let s: Session | undefined;
  try {
    s = await init(d);
    if (s.info.versionCode < MINIMUM_IPVS_VERSION) d.stderr(help().versionWarning(s.info.versionCode));
    if (argv.length === 1) {
      await s.lister.listAll(Fmt.NONE);
      return 0;
    }
    const result = await s.processOptions(argv, false);
    return result & 0xff;
  } catch (e) {
    if (e instanceof LvsadmExit) {
      if (e.stdout) d.stdout(e.stdout);
      if (e.stderr) d.stderr(e.stderr);
      return e.status;
    }
    throw e;
  } finally {
    await s?.client.close().catch(() => undefined);
  }
}
