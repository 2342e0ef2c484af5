// Logging for lvskeeper on pino: JSON lines by default (journald and log shippers), a human-readable
// text mode for terminals, keepalived's -l (log to console) and -D (detailed) flags.
import pino, { Logger, LevelWithSilent } from 'pino';
import { Writable } from 'stream';
import { isatty } from 'tty';
import { BatchedFdSink, LOG_FLUSH_MS } from './log-sink';

export type LogFormat = 'json' | 'text' | 'auto';

export interface LogOptions {
  /** keepalived -l: log to the console (stderr). Without it logs go to stdout as JSON for journald. */
  console?: boolean;
  /** keepalived -D: detailed messages (debug level). */
  detail?: boolean;
  /** json, text, or auto (text when the destination is a terminal). */
  format?: LogFormat;
  /** Explicit level, overrides detail. */
  level?: LevelWithSilent;
  /** Destination stream (tests). */
  stream?: NodeJS.WritableStream;
  /** Process name in each line (keepalived prefixes Keepalived_vrrp / Keepalived_healthcheckers). */
  name?: string;
  /**
   * The daemon: stdout/stderr that is not a terminal gets lines in batches (log-sink.ts: one write per 100 ms instead
   * of one per line). Short-lived commands keep one write per line.
   */
  batched?: boolean;
}

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const BASE_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** Renders one pino JSON record as a text line: `2026-11-25 12:00:00.123 INFO  [vrrp] message key=value`. */
export function formatTextLine(rec: Record<string, unknown>): string {
  const t = typeof rec.time === 'number' ? new Date(rec.time) : new Date();
  const ts = t.toISOString().replace('T', ' ').replace('Z', '');
  const lvl = (LEVEL_NAMES[rec.level as number] ?? String(rec.level)).padEnd(5);
  const name = rec.name ? ` [${String(rec.name)}]` : '';
  const extras: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (BASE_KEYS.has(k)) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; code?: string };
      extras.push(`err=${JSON.stringify(e.code ? `${e.code}: ${e.message}` : e.message)}`);
      continue;
    }
    extras.push(`${k}=${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`);
  }
  return `${ts} ${lvl}${name} ${String(rec.msg ?? '')}${extras.length ? ' ' + extras.join(' ') : ''}\n`;
}

/** A stream that turns pino's JSON lines into text lines on `out`. */
export function textStream(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          out.write(formatTextLine(JSON.parse(line) as Record<string, unknown>));
        } catch {
          out.write(line + '\n');
        }
      }
      cb();
    },
  });
}

const sinks = new Map<number, BatchedFdSink>();

/** stdout (1) or stderr (2) for a logger: the stream itself, or one batching sink per descriptor per process. */
function stdDestination(fd: 1 | 2, batched: boolean): NodeJS.WritableStream {
  // isatty(fd), not process.stdout.isTTY: that getter would set up Node's stream on the descriptor for nothing
  // LVSK_LOG_BATCH_MS: the batching interval; 0 = one write per line (a process that needs every line at once)
  const ms = Number(process.env.LVSK_LOG_BATCH_MS ?? LOG_FLUSH_MS);
  if (!batched || !(ms > 0) || isatty(fd)) return fd === 2 ? process.stderr : process.stdout;
  let s = sinks.get(fd);
  if (!s) sinks.set(fd, (s = new BatchedFdSink(fd, ms)));
  return s;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const dest = opts.stream ?? stdDestination(opts.console ? 2 : 1, opts.batched ?? false);
  const isTty = Boolean((dest as { isTTY?: boolean }).isTTY);
  const format = opts.format && opts.format !== 'auto' ? opts.format : isTty ? 'text' : 'json';
  const level: LevelWithSilent = opts.level ?? (opts.detail ? 'debug' : 'info');
  const base = opts.name ? { name: opts.name } : { pid: process.pid };
  const pinoOpts = {
    level,
    base,
    // auth_pass and similar secrets never reach logs, whatever object carries them.
    redact: { paths: ['authPass', '*.authPass', '*.*.authPass', 'auth_pass', '*.auth_pass'], censor: '[redacted]' },
  };
  return format === 'text' ? pino(pinoOpts, textStream(dest)) : pino(pinoOpts, dest as pino.DestinationStream);
}
