// MISC_CHECK (scripts: exit codes, misc_dynamic, timeout SIGTERM->SIGKILL, no stray processes, uid/gid, argument parsing)
// and FILE_CHECK (keepalived's number parsing, weight/reverse semantics, change notifications).
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkMisc, judgeExit, miscArgv, parseMiscPath, splitQuotedEscaped, targetArgv } from '../../src/check/misc';
import { checkFile, fileStatus, probeFile, readTrackedFile, strtol0, watchTrackedFile } from '../../src/check/file';
import { CheckerKind, makeTiming, MiscCheckOptions, TargetOf } from '../../src/check/types';
import { CheckScheduler } from '../../src/check/scheduler';
import { RealServerAggregator } from '../../src/check/aggregate';

const FIX = path.join(__dirname, '../fixtures/check');
const q = (s: string) => s;
function miscT(misc: MiscCheckOptions): TargetOf<CheckerKind.Misc> {
  return { kind: CheckerKind.Misc, misc, timing: makeTiming(CheckerKind.Misc) };
}
/** Running (not gone and not a zombie waiting for whichever ancestor reaps orphans). */
const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('misc_path parsing as keepalived (quoted/escaped, first word only)', async (t) => {
  t.same(splitQuotedEscaped(`a "b c" 'd "e' f\\ g`), ['a', 'b c', 'd "e', 'f g']);
  t.same(splitQuotedEscaped('x\\x41\\101\\n\\cA'), ['xAA\n\x01']);
  t.same(parseMiscPath('"/bin/check arg1 \'arg 2\'"'), ['/bin/check', 'arg1', 'arg 2']);
  t.same(parseMiscPath('/bin/check ignored'), ['/bin/check'], 'unquoted extra words are not arguments');
  t.throws(() => parseMiscPath(''), { code: 'EMISCPATH' });
  t.same(miscArgv(`/usr/local/bin/script.sh arg1 "arg 2"`), ['/usr/local/bin/script.sh', 'arg1', 'arg 2']);
  t.same(targetArgv({ miscPath: 'ignored', argv: ['/bin/x', 'y z'] }), ['/bin/x', 'y z']);
  t.throws(() => miscArgv('  '), { code: 'EMISCPATH' });
  t.throws(() => splitQuotedEscaped('"open'), { code: 'EQUOTE' });
  t.same(judgeExit(0, null, false, false), { ok: true, message: 'succeeded' });
  t.equal(judgeExit(5, null, false, false).ok, false, 'non-dynamic: any non-zero fails');
  t.same(judgeExit(5, null, true, false), { ok: true, weight: 3, message: 'succeeded (exit 5, weight 3)' });
  t.equal(judgeExit(1, null, true, false).ok, false);
  t.equal(judgeExit(null, 'SIGSEGV', true, false).ok, false);
});

t.test('MISC_CHECK runs scripts', async (t) => {
  let r = await checkMisc(miscT({ miscPath: q(`${FIX}/exit-with.sh 0`) }), AbortSignal.timeout(5000));
  t.equal(r.ok, true, r.message);
  r = await checkMisc(miscT({ miscPath: q(`${FIX}/exit-with.sh 1`) }), AbortSignal.timeout(5000));
  t.equal(r.ok, false);
  t.match(r.message, /exited with status 1/);
  r = await checkMisc(miscT({ miscPath: q(`${FIX}/exit-with.sh 27`), miscDynamic: true }), AbortSignal.timeout(5000));
  t.equal(r.ok, true);
  t.equal(r.weight, 25);
  r = await checkMisc(miscT({ miscPath: q('/nonexistent/script') }), AbortSignal.timeout(5000));
  t.equal(r.ok, false);
  t.match(r.message, /ENOENT/);
});

t.test('MISC_CHECK as uid/gid', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-misc-'));
  fs.chmodSync(dir, 0o777);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  const r = await checkMisc(miscT({ miscPath: q(`${FIX}/whoami.sh ${out} 'a b' c`), uid: 65534, gid: 65534 }), AbortSignal.timeout(5000));
  t.equal(r.ok, true, r.message);
  t.equal(fs.readFileSync(out, 'utf8').trim(), '65534 65534 2 a b c');
});

t.test('MISC_CHECK timeout: SIGTERM, then SIGKILL for the whole process group', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-misc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // a script that exits on SIGTERM
  const pf = path.join(dir, 'p1');
  let t0 = Date.now();
  let r = await checkMisc(miscT({ miscPath: q(`${FIX}/term-ok.sh ${pf}`) }), AbortSignal.timeout(300));
  t.equal(r.ok, false);
  t.equal(r.timedOut, true);
  t.equal(r.message, 'timed out');
  t.ok(Date.now() - t0 < 1500, 'terminated by SIGTERM');
  const p1 = Number(fs.readFileSync(pf, 'utf8'));
  t.notOk(alive(p1));
  // a script that ignores SIGTERM and has a grandchild
  const pf2 = path.join(dir, 'p2');
  t0 = Date.now();
  r = await checkMisc(miscT({ miscPath: q(`${FIX}/ignore-term.sh ${pf2}`) }), AbortSignal.timeout(300));
  const took = Date.now() - t0;
  t.equal(r.ok, false);
  t.ok(took >= 2000 && took < 4000, `SIGKILL after 2 s (took ${took} ms)`);
  const [pid, grandchild] = fs.readFileSync(pf2, 'utf8').trim().split(' ').map(Number);
  await sleep(100);
  t.notOk(alive(pid!), 'script killed');
  t.notOk(alive(grandchild!), 'grandchild killed');
});

t.test('FILE_CHECK number parsing and status (track_file.c)', async (t) => {
  t.equal(strtol0('42\n'), 42);
  t.equal(strtol0('  -7abc'), -7);
  t.equal(strtol0('0x1F'), 31);
  t.equal(strtol0('010'), 8);
  t.equal(strtol0('09'), 0, 'octal stops at 9');
  t.equal(strtol0('abc'), 0);
  t.equal(strtol0('0x'), 0);
  t.equal(strtol0('99999999999999999999'), undefined);
  t.same(fileStatus(0, 0, false), { fault: false, weightDelta: 0 });
  t.same(fileStatus(3, 0, false), { fault: true, weightDelta: 0 });
  t.same(fileStatus(0, 0, true), { fault: true, weightDelta: 0 });
  t.same(fileStatus(5, 10, false), { fault: false, weightDelta: 50 });
  t.same(fileStatus(5, 10, true), { fault: false, weightDelta: -50 });
  t.same(fileStatus(-2147483648, 1, false), { fault: true, weightDelta: 0 });
  t.same(fileStatus(-300000000, 10, false), { fault: true, weightDelta: 0 }, 'clamped to IPVS_WEIGHT_FAULT');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-file-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'weight');
  t.equal(readTrackedFile(f), 0, 'missing file is 0');
  fs.writeFileSync(f, '');
  t.equal(readTrackedFile(f), 0);
  fs.writeFileSync(f, '17\n');
  t.equal(readTrackedFile(f), 17);
  fs.writeFileSync(f, '4294967296');
  t.equal(readTrackedFile(f), undefined, 'out of int32 range is ignored');
  fs.writeFileSync(f, '2147483648');
  t.equal(readTrackedFile(f), 2147483648, 'INT32_MAX + 1 is accepted');

  const target: TargetOf<CheckerKind.File> = { kind: CheckerKind.File, file: { path: f, weight: 2 }, timing: makeTiming(CheckerKind.File) };
  fs.writeFileSync(f, '3');
  let r = await checkFile(target, new AbortController().signal);
  t.same([r.ok, r.weightDelta], [true, 6]);
  fs.writeFileSync(f, '4294967296');
  r = await checkFile(target, new AbortController().signal);
  t.same([r.ok, r.weightDelta], [true, 6], 'invalid value keeps the previous one');
  fs.writeFileSync(f, '-1073741824');
  r = await checkFile(target, new AbortController().signal);
  t.equal(r.ok, false);
});

t.test('FILE_CHECK through the scheduler with a real file watch', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsk-file-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'rs1');
  fs.writeFileSync(f, '0');
  let changes = 0;
  const stop = watchTrackedFile(f, () => changes++);
  fs.writeFileSync(f, '1');
  await sleep(100);
  t.ok(changes > 0, 'watch fires');
  stop();

  const s = new CheckScheduler({ checkers: { [CheckerKind.File]: checkFile as never }, watchFile: watchTrackedFile, probeFile });
  const agg = new RealServerAggregator();
  agg.attach(s);
  agg.addRealServer('rs1', 10);
  s.add('f', { kind: CheckerKind.File, file: { path: f, weight: 5 }, timing: makeTiming(CheckerKind.File, { delayLoopMs: 60000 }) });
  const st = s.status('f')!;
  t.same([st.up, st.hasRun, st.weightDelta], [true, true, 5], 'file read when the checker is added');
  agg.addChecker('rs1', 'f', st.up, st);
  t.equal(agg.weight('rs1'), 15);
  s.start();
  t.teardown(() => s.stop());
  await sleep(100);
  t.equal(agg.weight('rs1'), 15);
  // a second checker on a file already in FAULT starts down
  const g = path.join(dir, 'rs2');
  fs.writeFileSync(g, '1');
  s.add('g', { kind: CheckerKind.File, file: { path: g, weight: 0 }, timing: makeTiming(CheckerKind.File) });
  t.equal(s.status('g')!.up, false);
  fs.writeFileSync(f, '4');
  await sleep(200);
  t.equal(agg.weight('rs1'), 30);
  fs.writeFileSync(f, '-2147483648');
  await sleep(200);
  t.equal(agg.isAlive('rs1'), false);
  fs.rmSync(f);
  await sleep(200);
  t.equal(agg.isAlive('rs1'), true, 'deleted file = 0');
  t.equal(agg.weight('rs1'), 10);
});
