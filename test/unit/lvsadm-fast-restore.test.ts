// lvsadm -R's fast paths against the full ones, on generated valid and near-valid lines: the fast path gives the
// very CommandEntry of parseOptions + checkEntry and the same batch operation (or declines), a whole restore with and
// without the fast path prints, exits and programs the same, and readRestoreLines' plain-line split equals
// config_stream_read()'s scan.
import t from 'tap';
import * as assert from 'assert';
import fc from 'fast-check';
import { createFakeClient } from '../../src/ipvs/fake-client';
import type { IpvsClient } from '../../src/ipvs/client';
import { LvsadmExit } from '../../src/lvsadm/errors';
import { fastRestoreEntry } from '../../src/lvsadm/fast-entry';
import { fastLineOp, fastRestoreLine } from '../../src/lvsadm/fast-restore';
import { usageText, versionText } from '../../src/lvsadm/help';
import { LvsadmDeps, entryToOp, main } from '../../src/lvsadm/main';
import { CommandEntry, checkEntry, parseOptions } from '../../src/lvsadm/options';
import { TABLE } from '../../src/lvsadm/popt-table';
import { Resolver } from '../../src/lvsadm/resolve';
import { readRestoreLines } from '../../src/lvsadm/restore';

const resolver = new Resolver({
  hostsText: '127.0.0.1 localhost\n10.0.1.1 web1\n255.255.255.0 mask24\n::1 ip6-localhost\n',
  servicesText: 'http 80/tcp www\ndomain 53/udp\nhttp-alt 8080/tcp\nsip 5060/sctp\n',
});

type Outcome = { entry: CommandEntry } | { error: string } | { exit: number; stderr: string };

function fullParse(args: string[], posix: boolean): Outcome {
  try {
    const r = parseOptions(['lvsadm', ...args], { resolver, posixMeHarder: posix }, usageText, versionText);
    if (r.kind === 'popt-error') return { error: r.message };
    return { entry: checkEntry(r.entry) };
  } catch (e) {
    if (e instanceof LvsadmExit) return { exit: e.status, stderr: e.stderr };
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------
// Line generators: the canonical forms ipvsadm -S writes, and the same with odd values and tokens.

const octet = fc.integer({ min: 0, max: 255 }).map(String);
const v4 = fc.tuple(octet, octet, octet, octet).map((p) => p.join('.'));
const v6 = fc.ipV6();
const port = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map(String),
  fc.constantFrom('80', '0', '65535', '65536', '080', '00000080'),
  fc.constantFrom('http', 'www', '', '+80', '1e3', '0x50'),
);
const oddAddr = fc.constantFrom('web1', 'localhost', 'nohost', '010.0.0.1', '1.2.3', '1.2.3.256', '0x0a.0.0.1', '1.2.3.4.5', '1234', '::', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '[::1]', '[zz]:80', '[::1]x80', '!#:+', '1.2.3.4 ', 'a.b.c.d');
const service = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(v4, port).map(([a, p]) => `${a}:${p}`) },
  { weight: 1, arbitrary: v4 },
  { weight: 2, arbitrary: fc.tuple(v6, port).map(([a, p]) => `[${a}]:${p}`) },
  { weight: 1, arbitrary: v6 },
  { weight: 1, arbitrary: fc.tuple(oddAddr, fc.option(port)).map(([a, p]) => (p === null ? a : `${a}:${p}`)) },
);
const num = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '1', '360', '2678400', '2678401', '999999999', '1234567890', '2147483647', '2147483648', '+5', '0x10', '5a', '007', '-1', ' 5', '') },
);
/** present half of the time */
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 2 });
const sched = fc.constantFrom('rr', 'wrr', 'wlc', 'lc', 'sh', 'mh', 'x'.repeat(20), 'fo', '-x');
const schedFlags = fc.constantFrom('flag-1', 'flag-1,flag-2', 'flag-3,flag-3', 'sh-port', 'sh-fallback,sh-port', 'mh-port', ',', 'flag-9', 'flag-1,,flag-3', 'x'.repeat(130));
const mask = fc.oneof(v4, fc.constantFrom('255.255.255.0', '64', '0', '128', '129', '255.255.255.256', '0xffffff00', 'mask24', '64x'));
const anyValue = fc.oneof(service, num, sched, schedFlags, mask, fc.constantFrom('ipip', 'gue', 'gre', 'sip', '-m', '--', '-', 'foo'));

type Part = string[];
const svcPart: fc.Arbitrary<Part> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom('-t', '-u', '--sctp-service', '--tcp-service', '--udp-service'), service).map(([o, s]) => [o, s]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('-f', '--fwmark-service'), num, fc.boolean()).map(([o, m, six]) => (six ? [o, m, '-6'] : [o, m])) },
);
const svcOpts: fc.Arbitrary<Part[]> = fc.tuple(
  maybe(sched.map((s) => ['-s', s])),
  maybe(fc.option(fc.oneof(num, fc.constantFrom('0', '1', '2678400', '2678401'))).map((p) => (p === null ? ['-p'] : ['-p', p]))),
  maybe(mask.map((m) => ['-M', m])),
  maybe(fc.constantFrom(['--pe', 'sip'], ['--pe', 'x'.repeat(20)])),
  maybe(fc.constantFrom(['-o'], ['--ops'])),
  maybe(fc.constant(['-6'])),
  maybe(schedFlags.map((b) => ['-b', b])),
).map((l) => l.filter((x): x is string[] => x !== null));
const csum: fc.Arbitrary<string[]> = fc.constantFrom(['--tun-nocsum'], ['--tun-csum'], ['--tun-remcsum']);
/** tunnel options as -S writes them per type, or odd mixes */
const tunnel: fc.Arbitrary<Part[]> = fc.oneof(
  fc.constant([['--tun-type', 'ipip']] as Part[]),
  fc.tuple(fc.oneof(num, fc.constantFrom('0', '1', '6080', '65535', '65536')), csum).map(([p, c]) => [['--tun-type', 'gue'], ['--tun-port', p], c]),
  csum.map((c) => [['--tun-type', 'gre'], c]),
  fc.tuple(maybe(fc.constantFrom('ipip', 'gue', 'gre', 'vxlan')), maybe(num), maybe(csum), maybe(csum)).map(([ty, p, c1, c2]) =>
    [ty && ['--tun-type', ty], p && ['--tun-port', p], c1, c2].filter((x): x is string[] => !!x),
  ),
);
const destOpts: fc.Arbitrary<Part[]> = fc
  .tuple(
    service.map((s) => ['-r', s]),
    maybe(fc.constantFrom(['-m'], ['-g'], ['-i'], ['--masquerading'], ['--gatewaying'], ['--ipip'])),
    maybe(fc.oneof(num, fc.constantFrom('2147483647', '2147483648')).map((w) => ['-w', w])),
    maybe(num.map((w) => ['-x', w])),
    maybe(num.map((w) => ['-y', w])),
    fc.oneof(fc.constant([]), tunnel),
  )
  .map(([r, fwd, w, x, y, tun]) => {
    const l = [r, fwd, w, x, y].filter((v): v is string[] => v !== null);
    // tunnel options mostly with -i, where they are legal
    return fwd && (fwd[0] === '-i' || fwd[0] === '--ipip') ? [...l, ...tun] : tun.length && r[1].length % 4 === 0 ? [...l, ...tun] : l;
  });

const shuffled = (parts: Part[]) => fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length });

/** A well-formed line of the -S grammar (values may still be out of range or names). */
const wellFormed: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('-A', '-E', '--add-service', '--edit-service'), svcPart, svcOpts).chain(([c, s, o]) => shuffled([s, ...o]).map((p) => [c, ...p.flat()])),
  fc.tuple(fc.constantFrom('-D', '--delete-service'), svcPart).map(([c, s]) => [c, ...s]),
  fc.tuple(fc.constantFrom('-a', '-e', '--add-server', '--edit-server'), svcPart, destOpts).chain(([c, s, o]) => shuffled([s, ...o]).map((p) => [c, ...p.flat()])),
  fc.tuple(fc.constantFrom('-d', '--delete-server'), svcPart, service).map(([c, s, r]) => [c, ...s, '-r', r]),
  fc.tuple(fc.constantFrom('-a', '-e'), svcPart, service, tunnel).chain(([c, s, r, tun]) => shuffled([s, ['-r', r], ['-i'], ...tun]).map((p) => [c, ...p.flat()])),
);

const allTokens = [...new Set(TABLE.flatMap((o) => [o.shortName && `-${o.shortName}`, o.longName && `--${o.longName}`].filter((x): x is string => !!x)))];
const oddToken = fc.oneof(fc.constantFrom(...allTokens), fc.constantFrom('-', '--', 'foo', '-tx', '-Ln', '--tcp-service=1.2.3.4:80', '-t=1.2.3.4:80', '--nope', '!#:+', '-A', '-a'), anyValue);

/** A well-formed line with up to three edits: a token replaced, inserted, duplicated or dropped. */
const nearValid: fc.Arbitrary<string[]> = fc
  .tuple(wellFormed, fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'dup', 'drop'), oddToken), { maxLength: 3 }))
  .map(([line, edits]) => {
    const l = [...line];
    for (const [at, kind, tok] of edits) {
      const k = at % (l.length + 1);
      if (kind === 'replace' && k < l.length) l[k] = tok;
      else if (kind === 'insert') l.splice(k, 0, tok);
      else if (kind === 'dup' && k < l.length) l.splice(k, 0, l[k]);
      else if (kind === 'drop' && k < l.length && l.length > 1) l.splice(k, 1);
    }
    return l;
  });

const restoreLine = fc.oneof({ weight: 2, arbitrary: wellFormed }, { weight: 2, arbitrary: nearValid }, { weight: 1, arbitrary: fc.array(oddToken, { minLength: 1, maxLength: 8 }) });

// ------------------------------------------------------------------------------------------------

t.test('fast entries equal the full parser\'s; declined lines are anything', async (t) => {
  let accepted = 0;
  let total = 0;
  const byKind = new Map<string, number>();
  const kindOf = (e: CommandEntry) => `cmd ${e.cmd} af ${e.svc.af}${e.svc.fwmark ? ' fwmark' : ''}${e.dest.af ? ` dest af ${e.dest.af} fwd ${e.dest.fwd}` : ''}`;
  fc.assert(
    fc.property(restoreLine, (args) => {
      total++;
      const fast = fastRestoreEntry(args);
      if (fast === undefined) return;
      accepted++;
      byKind.set(kindOf(fast), (byKind.get(kindOf(fast)) ?? 0) + 1);
      for (const posix of [false, true]) {
        const full = fullParse(args, posix);
        assert.ok('entry' in full, `fast path took ${JSON.stringify(args)}; the full parser gives ${JSON.stringify(full)}`);
        assert.deepStrictEqual(fast, full.entry, JSON.stringify(args));
      }
      // and the restore loop's operation is the full path's
      const full = fullParse(args, false) as { entry: CommandEntry };
      assert.deepStrictEqual(fastLineOp(fastRestoreLine(args)!), entryToOp(full.entry), `operation of ${JSON.stringify(args)}`);
    }),
    { numRuns: 20000 },
  );
  t.comment([...byKind].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
  t.ok(byKind.size >= 30, `${byKind.size} kinds of accepted entries`);
  t.ok(accepted > total / 10, `fast path took ${accepted} of ${total} generated lines`);
  t.ok(accepted < total, 'and declined some');
});

t.test('the fast path takes the canonical lines and what ipvsadm -S writes', async (t) => {
  const lines = [
    '-A -t 10.0.0.1:80 -s wrr',
    '-a -t 10.0.0.1:80 -r 10.200.0.1:8080 -m -w 1',
    '-A -u [2001:db8::1]:53 -s wlc -p 360 -M 64 -o',
    '-a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g -w 0 -x 100 -y 10',
    '-A -f 7 -s sh -b sh-port',
    '-A -f 8 -6 -s rr -p 30',
    '-a -f 7 -r 10.0.2.1:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
    '-a -f 7 -r 10.0.2.2:0 -i -w 1 --tun-type gre --tun-nocsum',
    '-A -t 192.168.1.1:443 -s wlc -p 100 -M 255.255.255.0 --pe sip',
    '-D -t 10.0.0.1:80',
    '-d -t 10.0.0.1:80 -r 10.200.0.1:8080',
    '-e -t 10.0.0.1:80 -r 10.200.0.1 -w 5',
    '-E --sctp-service 10.0.0.1:80 -s rr',
  ];
  for (const l of lines) {
    const args = l.split(' ');
    const fast = fastRestoreEntry(args);
    t.ok(fast, l);
    const full = fullParse(args, false);
    t.ok('entry' in full && assert.deepStrictEqual(fast, full.entry) === undefined, `${l}: same entry`);
  }
  for (const l of ['-A -t web1:80', '-A -t 10.0.0.1:http', '-A -t 10.0.0.1', '-C', '-A -t10.0.0.1:80', '-A --tcp-service=10.0.0.1:80', '-A -t 10.0.0.1:80 foo', '-a -t 10.0.0.1:80 -r 10.0.0.2 -m -m']) {
    t.equal(fastRestoreEntry(l.split(' ')), undefined, `declines ${l}`);
  }
});

/** A valid table as commands: services of every kind with valid options, and valid destinations of them. */
const validTable: fc.Arbitrary<string[][]> = (() => {
  // (ipvsadm -S prints a fwmark with %d: one over INT_MAX comes out negative, which -R refuses)
  const mark = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 0x7fffffff }));
  const int = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 0x7fffffff }));
  const p16 = fc.integer({ min: 0, max: 65535 });
  const svc = fc.oneof(
    fc.tuple(fc.constantFrom('-t', '-u', '--sctp-service'), v4, p16).map(([o, a, p]) => ({ args: [o, `${a}:${p}`], v6: false, udp: o === '-u', fw: false, port: p })),
    fc.tuple(fc.constantFrom('-t', '-u', '--sctp-service'), v6, p16).map(([o, a, p]) => ({ args: [o, `[${a}]:${p}`], v6: true, udp: o === '-u', fw: false, port: p })),
    fc.tuple(mark, fc.boolean()).map(([m, six]) => ({ args: six ? ['-f', String(m), '-6'] : ['-f', String(m)], v6: six, udp: false, fw: true, port: 1 })),
  );
  const schedAndFlags = fc.oneof(
    fc.constantFrom([], ['-s', 'rr'], ['-s', 'wrr'], ['-s', 'lc']),
    fc.constantFrom(['-s', 'sh', '-b', 'sh-port'], ['-s', 'sh', '-b', 'sh-fallback,sh-port'], ['-s', 'mh', '-b', 'mh-fallback'], ['-s', 'rr', '-b', 'flag-1,flag-3']),
  );
  const service = fc
    .tuple(svc, schedAndFlags, fc.option(fc.integer({ min: 1, max: 2678400 })), fc.boolean(), fc.integer({ min: 1, max: 128 }), v4, fc.boolean(), fc.boolean())
    .map(([s, sf, persist, mask, m6, m4, pe, ops]) => {
      const l = ['-A', ...s.args, ...sf];
      if (persist !== null || s.port === 0) l.push('-p', String(persist ?? 360));
      if (mask) l.push('-M', s.v6 ? String(m6) : m4);
      if (pe) l.push('--pe', 'sip');
      if (ops && (s.udp || s.fw)) l.push('-o');
      return { s, line: l };
    });
  const tunnel = fc.oneof(
    fc.constant(['--tun-type', 'ipip']),
    fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('--tun-nocsum', '--tun-csum', '--tun-remcsum')).map(([p, c]) => ['--tun-type', 'gue', '--tun-port', String(p), c]),
    fc.constantFrom('--tun-nocsum', '--tun-csum').map((c) => ['--tun-type', 'gre', c]),
    fc.constant([]),
  );
  const dest = (s: { v6: boolean }) =>
    fc
      .tuple(fc.constantFrom('-m', '-g', '-i'), fc.boolean(), v4, v6, fc.option(p16), int, fc.option(int), fc.option(int), tunnel)
      .map(([fwd, other, a4, a6, p, w, x, y, tun]) => {
        const six = fwd === '-i' && other ? !s.v6 : s.v6;
        const addr = six ? (p === null ? a6 : `[${a6}]:${p}`) : p === null ? a4 : `${a4}:${p}`;
        const l = ['-r', six && p === null ? a6 : addr, fwd, '-w', String(w)];
        if (x !== null) l.push('-x', String(x));
        if (y !== null) l.push('-y', String(y));
        if (fwd === '-i') l.push(...tun);
        return l;
      });
  return fc
    .array(service.chain(({ s, line }) => fc.array(dest(s), { maxLength: 4 }).map((ds) => [line, ...ds.map((d) => ['-a', ...s.args, ...d])])), { minLength: 1, maxLength: 6 })
    .map((groups) => groups.flat());
})();

t.test('every line of ipvsadm -Sn (lvsadm\'s) takes the fast path, with the full parser\'s entry', async (t) => {
  let lines = 0;
  await fc.assert(
    fc.asyncProperty(validTable, async (input) => {
      const c = createFakeClient();
      for (const l of input) await run(c, l, '', false);
      const saved = (await run(c, ['-Sn'], '', false)).stdout;
      for (const line of readRestoreLines(saved)) {
        lines++;
        const fast = fastRestoreEntry(line.args);
        assert.ok(fast, `fast path declines ${line.args.join(' ')}`);
        const full = fullParse(line.args, false);
        assert.ok('entry' in full);
        assert.deepStrictEqual(fast, full.entry, line.args.join(' '));
        assert.deepStrictEqual(fastLineOp(fastRestoreLine(line.args)!), entryToOp(full.entry), `operation of ${line.args.join(' ')}`);
      }
    }),
    { numRuns: 300 },
  );
  t.ok(lines > 1000, `${lines} saved lines`);
});

interface Run {
  stdout: string;
  stderr: string;
  status: number;
}

async function run(client: IpvsClient, args: string[], input: string, fast: boolean, batchSize?: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const deps: LvsadmDeps = {
    openClient: async () => Object.assign(Object.create(client) as IpvsClient, { close: async () => undefined }),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readStdin: async () => input,
    readFile: () => null,
    resolver,
    env: {},
    modprobe: () => undefined,
    uid: 0,
    restoreFastPath: fast,
    batchSize,
  };
  const status = await main(['lvsadm', ...args], deps);
  return { stdout, stderr, status };
}

t.test('a restore prints, exits and programs the same with and without the fast path', async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(restoreLine, { minLength: 1, maxLength: 12 }), fc.constantFrom(undefined, 1, 3), async (lines, batchSize) => {
      runs++;
      const input = lines.map((l) => l.join(' ')).join('\n') + '\n';
      const a = createFakeClient();
      const b = createFakeClient();
      const ra = await run(a, ['-R'], input, true, batchSize);
      const rb = await run(b, ['-R'], input, false, batchSize);
      assert.deepStrictEqual(ra, rb, input);
      assert.deepStrictEqual(await run(a, ['-Sn'], '', true), await run(b, ['-Sn'], '', false), `state after ${input}`);
    }),
    { numRuns: 400 },
  );
  t.equal(runs, 400);
});

t.test('readRestoreLines: the plain-line split equals config_stream_read()\'s scan', async (t) => {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('-A', '-t', '1.2.3.4:80', 'ipvsadm', 'x', '#', 'ipvsadmx') },
    { weight: 6, arbitrary: fc.constantFrom(' ', '\n') },
    { weight: 2, arbitrary: fc.constantFrom('  ', '\t', '\r', '\r\n', ' \n', '\n\n', ' \t ') },
    { weight: 1, arbitrary: fc.constantFrom('a'.repeat(4095), 'b'.repeat(4096), 'c'.repeat(5000)) },
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const text = parts.join('');
      assert.deepStrictEqual(readRestoreLines(text, true), readRestoreLines(text, false), JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
  // texts made of plain lines only (the reader's whole-text shortcut), with and without "ipvsadm" tokens
  const token = fc.constantFrom('-A', '-t', '1.2.3.4:80', 'ipvsadm', 'x', 'a'.repeat(4095), 'b'.repeat(4100));
  const plainLine = fc.array(token, { maxLength: 6 }).map((l) => l.join(' '));
  fc.assert(
    fc.property(fc.array(plainLine, { maxLength: 12 }), fc.boolean(), (lines, lastNewline) => {
      const text = lines.join('\n') + (lastNewline ? '\n' : '');
      assert.deepStrictEqual(readRestoreLines(text, true), readRestoreLines(text, false), JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
  const rules = Array.from({ length: 50 }, (_, i) => `-a -t 10.0.0.${i}:80 -r 10.1.0.${i}:80 -m -w ${i}`).join('\n') + '\n';
  t.same(readRestoreLines(rules, true), readRestoreLines(rules, false), 'a rules file');
});

t.test('the version warning (help.ts, loaded lazily) is printed for a kernel older than IPVS 1.1.4 only', async (t) => {
  const { versionWarning } = await import('../../src/lvsadm/help');
  for (const [versionCode, warned] of [[0x010103, true], [0x010104, false], [0x010201, false]] as const) {
    const c = createFakeClient();
    const client = Object.assign(Object.create(c) as IpvsClient, { info: async () => ({ version: '', versionCode, connTableSize: 4096 }) });
    const r = await run(client, ['-Sn'], '', true);
    t.equal(r.stderr, warned ? versionWarning(versionCode) : '', `version 0x${versionCode.toString(16)}`);
    if (warned) t.match(r.stderr, /^Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version 1\.1\.3\n/);
  }
});
