// Generic netlink socket against the host kernel's nlctrl family: lookup, errors, dumps and pipelining.
import t from 'tap';
import { GenlSocket, GENL_ID_CTRL, CtrlAttr, CtrlCmd } from '../../src/netlink/socket';
import { AttrWriter } from '../../src/netlink/message';
import { NetlinkError } from '../../src/netlink/errors';

t.test('resolve nlctrl and a missing family', async (t) => {
  const s = GenlSocket.open();
  t.teardown(() => s.close());
  const f = await s.resolveFamily('nlctrl');
  t.equal(f.id, GENL_ID_CTRL);
  t.equal(f.name, 'nlctrl');
  t.ok(f.mcastGroups.has('notify'));
  const err = await s.resolveFamily('NO-SUCH-FAMILY').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, NetlinkError);
  t.equal((err as NetlinkError).code, 'ENOENT');
  t.equal((err as NetlinkError).errno, 2);
  t.equal((err as NetlinkError).object, 'NO-SUCH-FAMILY');
  t.match((err as NetlinkError).message, /resolve generic netlink family NO-SUCH-FAMILY/);
});

t.test('dump of all families ends at NLMSG_DONE', async (t) => {
  const s = GenlSocket.open();
  t.teardown(() => s.close());
  const parts = await s.dump({ family: GENL_ID_CTRL, cmd: CtrlCmd.GETFAMILY, version: 1, attrs: Buffer.alloc(0), operation: 'dump families' });
  t.ok(parts.length >= 1);
});

t.test('window is bounded by the receive buffer', async (t) => {
  const s = GenlSocket.open({ window: 100000, recvBufferSize: 65536 });
  t.teardown(() => s.close());
  t.ok(s.window < 100000);
  t.ok(s.window >= 1);
});

t.test('5,000 pipelined requests, mixed successes and failures, settle in order', async (t) => {
  const s = GenlSocket.open({ window: 256 });
  t.teardown(() => s.close());
  const reqs = [];
  for (let i = 0; i < 5000; i++) {
    const name = i % 7 === 0 ? `missing-${i}` : 'nlctrl';
    reqs.push({
      family: GENL_ID_CTRL,
      cmd: CtrlCmd.GETFAMILY,
      version: 1,
      attrs: new AttrWriter().string(CtrlAttr.FAMILY_NAME, name).toBuffer(),
      operation: 'get family',
      object: name,
    });
  }
  const res = await s.pipeline(reqs, true);
  t.equal(res.length, 5000);
  let ok = 0;
  let bad = 0;
  res.forEach((r, i) => {
    if (r instanceof NetlinkError) {
      bad++;
      if (i % 7 !== 0) t.fail(`unexpected error at ${i}: ${r.message}`);
      else if (r.code !== 'ENOENT' || r.object !== `missing-${i}`) t.fail(`wrong error at ${i}: ${r.message}`);
    } else {
      ok++;
      if (r.length !== 1) t.fail(`reply count ${r.length} at ${i}`);
    }
  });
  t.equal(bad, Math.ceil(5000 / 7));
  t.equal(ok, 5000 - bad);
  t.equal(s.inFlight, 0);
});

t.test('requests after close fail with ECLOSED', async (t) => {
  const s = GenlSocket.open();
  s.close();
  await t.rejects(s.resolveFamily('nlctrl'), { code: 'ECLOSED' });
});
