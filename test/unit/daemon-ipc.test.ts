// The parent/child IPC protocol: message validation both ways, result checks, wire encoding, and the requester
// (answers by id, timeouts, closed channel, remote errors, malformed results, failing everything on exit).
import t from 'tap';
import { ChildRole, IpcError, IpcRequester, ParentMessage, parseChildMessage, parseParentMessage, parseRole, toWire, validResult } from '../../src/daemon/ipc';

t.test('roles', async (t) => {
  t.equal(parseRole('vrrp'), ChildRole.Vrrp);
  t.equal(parseRole('check'), ChildRole.Checkers);
  t.equal(parseRole('bfd'), undefined);
  t.equal(parseRole(undefined), undefined);
});

t.test('parent messages', async (t) => {
  t.same(parseParentMessage({ kind: 'request', id: 3, op: 'metrics' }), { kind: 'request', id: 3, op: 'metrics' });
  t.same(parseParentMessage({ kind: 'request', id: 3, op: 'reload', extra: 1 }), { kind: 'request', id: 3, op: 'reload' }, 'extra fields dropped');
  for (const bad of [null, 'x', [], { kind: 'request', id: -1, op: 'state' }, { kind: 'request', id: 1.5, op: 'state' }, { kind: 'request', id: 1, op: 'shutdown' }, { kind: 'reply', id: 1, op: 'state' }])
    t.equal(parseParentMessage(bad), undefined, JSON.stringify(bad));
});

t.test('child messages', async (t) => {
  t.same(parseChildMessage({ kind: 'ready', role: 'vrrp', pid: 10, generation: 1 }), { kind: 'ready', role: ChildRole.Vrrp, pid: 10, generation: 1 });
  t.equal(parseChildMessage({ kind: 'ready', role: 'bfd', pid: 10, generation: 1 }), undefined);
  t.same(parseChildMessage({ kind: 'reply', id: 1, ok: true, result: 'x' }), { kind: 'reply', id: 1, ok: true, result: 'x' });
  t.same(parseChildMessage({ kind: 'reply', id: 1, ok: false, error: 'boom' }), { kind: 'reply', id: 1, ok: false, error: 'boom' });
  t.equal(parseChildMessage({ kind: 'reply', id: 1, ok: false }), undefined, 'an error needs its text');
  t.same(parseChildMessage({ kind: 'stopping', signal: 'SIGTERM' }), { kind: 'stopping', signal: 'SIGTERM' });
  t.same(parseChildMessage({ kind: 'reloaded', result: { applied: false, generation: 2 } }), { kind: 'reloaded', result: { applied: false, generation: 2 } });
  t.equal(parseChildMessage({ kind: 'reloaded', result: { applied: 'yes', generation: 2 } }), undefined);
  t.equal(parseChildMessage({ kind: 'hello' }), undefined);
  t.equal(parseChildMessage(42), undefined);
});

t.test('results are checked against the op', async (t) => {
  t.ok(validResult('metrics', '# HELP x\n'));
  t.notOk(validResult('metrics', {}));
  t.ok(validResult('reload', { applied: true, generation: 3 }));
  t.notOk(validResult('reload', { applied: true }));
  t.ok(validResult('state', { generation: 1, loadedAt: 'now', subsystems: {} }));
  t.notOk(validResult('stats', { generation: 1, subsystems: {} }));
});

t.test('toWire turns bigints into strings', async (t) => {
  t.same(toWire({ a: 5n, b: [1n], c: 'x' }), { a: '5', b: ['1'], c: 'x' });
  t.equal(toWire(undefined), undefined);
});

function pair(send: (m: ParentMessage) => boolean = () => true): { r: IpcRequester; sent: ParentMessage[] } {
  const sent: ParentMessage[] = [];
  const r = new IpcRequester('vrrp', (m) => {
    sent.push(m);
    return send(m);
  });
  return { r, sent };
}

t.test('a reply answers its request by id', async (t) => {
  const { r, sent } = pair();
  const a = r.request('metrics', 10_000);
  const b = r.request('reload', 10_000);
  t.same(sent.map((m) => [m.id, m.op]), [[1, 'metrics'], [2, 'reload']]);
  t.equal(r.inFlight, 2);
  t.ok(r.handleReply({ kind: 'reply', id: 2, ok: true, result: { applied: true, generation: 2 } }));
  t.ok(r.handleReply({ kind: 'reply', id: 1, ok: true, result: 'text' }));
  t.equal(await a, 'text');
  t.same(await b, { applied: true, generation: 2 });
  t.notOk(r.handleReply({ kind: 'reply', id: 1, ok: true, result: 'late' }), 'a second answer is ignored');
  t.equal(r.inFlight, 0);
});

t.test('errors: timeout, closed channel, remote, malformed, child gone', async (t) => {
  const { r } = pair();
  const err = await r.request('state', 5).catch((e: unknown) => e);
  t.ok(err instanceof IpcError);
  t.match(err, { code: 'ETIMEDOUT', role: 'vrrp', op: 'state', message: /no answer within 5 ms/ });
  t.notOk(r.handleReply({ kind: 'reply', id: 1, ok: true, result: {} }), 'a late reply after the timeout');

  const closed = pair(() => false).r;
  await t.rejects(closed.request('state', 1000), { code: 'ESEND' });
  const throwing = pair(() => {
    throw new Error('channel closed');
  }).r;
  await t.rejects(throwing.request('state', 1000), { code: 'ESEND' });

  const p = r.request('reload', 10_000);
  r.handleReply({ kind: 'reply', id: 2, ok: false, error: 'disk on fire' });
  await t.rejects(p, { code: 'EREMOTE', message: 'reload request to the vrrp child: disk on fire' });

  const q = r.request('metrics', 10_000);
  r.handleReply({ kind: 'reply', id: 3, ok: true, result: 42 });
  await t.rejects(q, { code: 'EPROTO' });

  const x = r.request('state', 10_000);
  const y = r.request('stats', 10_000);
  r.failAll('exited due to signal SIGKILL');
  await t.rejects(x, { code: 'ECHILDGONE', message: /SIGKILL/ });
  await t.rejects(y, { code: 'ECHILDGONE' });
  t.equal(r.inFlight, 0);
});

t.test('the internal --lvsk-child flag', async (t) => {
  const { parseDaemonArgs, USAGE } = await import('../../src/cli/args');
  t.equal(parseDaemonArgs(['-n', '--lvsk-child=check']).lvskChild, 'check');
  t.equal(parseDaemonArgs(['--lvsk-child', 'vrrp']).lvskChild, 'vrrp');
  t.notMatch(USAGE, /lvsk-child/, 'not in the help users see');
  const { runDaemon } = await import('../../src/daemon/main');
  let err = '';
  const ew = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: unknown }).write = (s: string) => ((err += s), true);
  try {
    t.equal(await runDaemon(parseDaemonArgs(['-n', '--lvsk-child=bfd'])), 1);
  } finally {
    (process.stderr as unknown as { write: unknown }).write = ew;
  }
  t.match(err, /--lvsk-child is "bfd"; should be vrrp or check/);
});
