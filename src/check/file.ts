// FILE_CHECK: the number in a tracked file drives the real server's weight or puts it in FAULT (down), applied on every
// change of the file (keepalived trackers/track_file.c, check/check_file.c).

import fs from 'node:fs';
import path from 'node:path';
import { CheckerKind, CheckResult, failResult, okResult, performanceNow, TargetOf } from './types';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/**
 * C strtol(buf, NULL, 0) on 64-bit Linux: leading space, sign, 0x/0X hex, 0 octal, else decimal; stops at the first
 * invalid character; no digits = 0. Returns undefined on overflow (ERANGE).
 */
export function strtol0(s: string): number | undefined {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-';
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  let v = 0n;
  const b = BigInt(base);
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * b + BigInt(d);
    if (v > 0x8000000000000000n) return undefined;
  }
  if (neg) v = -v;
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) return undefined;
  return Number(v);
}

/**
 * track_file.c process_track_file(): the first 127 bytes as a number; a missing or empty file is 0; a number outside
 * INT32_MIN..INT32_MAX+1 is ignored (undefined: keep the previous value).
 */
export function readTrackedFile(p: string): number | undefined {
  let text: string;
  try {
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(127);
      const n = fs.readSync(fd, buf, 0, 127, null);
      text = buf.toString('latin1', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
  if (text.length === 0) return 0;
  const v = strtol0(text);
  if (v === undefined || v < INT32_MIN || v > INT32_MAX + 1) return undefined;
  return v;
}

/**
 * track_file.c update_track_file_status(): weight 0 -> non-zero value is FAULT (reverse: zero is FAULT); otherwise the
 * offset value x weight x (reverse ? -1 : 1), clamped to int32, is FAULT when it reaches INT32_MIN (IPVS_WEIGHT_FAULT).
 */
export function fileStatus(value: number, weight: number, reverse: boolean): { fault: boolean; weightDelta: number } {
  if (weight === 0) {
    const fault = reverse ? value === 0 : value !== 0;
    return { fault, weightDelta: 0 };
  }
  let p = value * weight * (reverse ? -1 : 1);
  if (p < INT32_MIN) p = INT32_MIN;
  if (p > INT32_MAX) p = INT32_MAX;
  return p === INT32_MIN ? { fault: true, weightDelta: 0 } : { fault: false, weightDelta: p };
}

const lastValue = new Map<string, number>();

export async function checkFile(target: TargetOf<CheckerKind.File>, _signal: AbortSignal): Promise<CheckResult> {
  return probeFile(target);
}

/** Synchronous read and verdict; the scheduler uses it for the initial state (keepalived knows it at startup). */
export function probeFile(target: TargetOf<CheckerKind.File>): CheckResult {
  const started = performanceNow();
  const f = target.file;
  const read = readTrackedFile(f.path);
  const value = read ?? lastValue.get(f.path) ?? 0;
  lastValue.set(f.path, value);
  const s = fileStatus(value, f.weight ?? 1, !!f.reverse);
  return s.fault
    ? failResult(`tracked file ${f.path} value ${value}: FAULT`, started)
    : okResult(`tracked file ${f.path} value ${value}`, started, { weightDelta: s.weightDelta });
}

/**
 * Watch the file's directory, as keepalived's inotify watch (IN_CLOSE_WRITE | IN_DELETE | IN_MOVE on the name).
 * Returns a function that stops watching.
 */
export function watchTrackedFile(p: string, onChange: () => void): () => void {
  const dir = path.dirname(p);
  const base = path.basename(p);
  let w: fs.FSWatcher | undefined;
  try {
    w = fs.watch(dir, { persistent: false }, (_ev, name) => {
      if (name === null || name.toString() === base) onChange();
    });
    w.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  return () => w?.close();
}

/** The plugin entry point: check(target, signal). */
export { checkFile as check };
