// Kernel tier (issue 4): after real traffic through an IPVS NAT service to real servers in namespaces, lvsadm's
// listings with non-zero counters (--stats, --rate, --exact --stats, -c, plain -L) equal ipvsadm 1.31's byte for byte.
// The kernel folds counters and rates every 2 s and -c's expiry ticks every second, so each pair is read back to back
// (one shell, lvsadm then ipvsadm) and retried until both reads fall in the same tick.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { VmTopology, NET, LVSADM } from '../helpers/vm-topology';

const SKIP = process.env.LVSK_KERNEL
  ? false
  : 'LVSK_KERNEL is not set: runs inside the kernel-tier VM (make test-kernel / bash test/kernel/run.sh)';

const TRIES = 8;

interface Pair {
  lvsadm: { out: string; err: string; status: string };
  ipvsadm: { out: string; err: string; status: string };
}

/** Columns of the service line (first line starting with TCP) of a listing, as numbers where they are. */
function serviceRow(listing: string): string[] {
  const line = listing.split('\n').find((l) => l.startsWith('TCP'));
  return line ? line.trim().split(/\s+/).slice(2) : [];
}

t.test('lvsadm and ipvsadm list the same counters after NAT traffic', { skip: SKIP, timeout: 600000 }, async (t) => {
  const topo = VmTopology.create({ mode: 'NAT', directors: 1, realServers: 2 });
  t.teardown(() => topo.close());
  const d = topo.directors[0]!;
  // no daemon here: the director is programmed by hand with ipvsadm, as an operator would
  d.ns.exec('ip', ['addr', 'add', `${NET.vip}/32`, 'dev', 'eth0']);
  d.ns.exec('ip', ['addr', 'add', `${NET.gatewayVip}/32`, 'dev', 'eth1']);
  d.ns.exec('ipvsadm', ['-R'], [`-A -t ${NET.vip}:80 -s rr`, ...topo.realServers.map((r) => `-a -t ${NET.vip}:80 -r ${r.address}:${r.port} -m -w 1`), ''].join('\n'));
  await Promise.all(topo.realServers.map((r) => topo.startRealServer(r)));
  const client = await topo.startClient();

  const files = (n: string): string => path.join(topo.dir, `pair.${n}`);
  const script = `"$0" "${LVSADM}" "$@" >${files('lo')} 2>${files('le')}; echo $? >${files('ls')}; ipvsadm "$@" >${files('io')} 2>${files('ie')}; echo $? >${files('is')}`;
  const read = (n: string): string => fs.readFileSync(files(n), 'utf8');
  const pair = (args: string[]): Pair => {
    const r = d.ns.run('sh', ['-c', script, process.execPath, ...args], { timeoutMs: 120000 });
    if (r.status !== 0) throw new Error(`pair ${args.join(' ')}: sh exited ${r.status}: ${r.stderr}`);
    return {
      lvsadm: { out: read('lo'), err: read('le'), status: read('ls').trim() },
      ipvsadm: { out: read('io'), err: read('ie'), status: read('is').trim() },
    };
  };
  const compare = (args: string[], check: (p: Pair) => void): void => {
    let p: Pair | undefined;
    let tries = 0;
    while (tries < TRIES) {
      tries++;
      p = pair(args);
      if (p.lvsadm.out === p.ipvsadm.out && p.lvsadm.err === p.ipvsadm.err && p.lvsadm.status === p.ipvsadm.status) break;
    }
    t.equal(p!.lvsadm.out, p!.ipvsadm.out, `lvsadm ${args.join(' ')}: stdout byte for byte as ipvsadm's (read ${tries} time(s))`);
    t.equal(p!.lvsadm.err, p!.ipvsadm.err, `lvsadm ${args.join(' ')}: same stderr`);
    t.equal(p!.lvsadm.status, p!.ipvsadm.status, `lvsadm ${args.join(' ')}: same exit status`);
    check(p!);
  };

  // -c first, with few entries whose expiry ticks in the same phase: /proc/net/ip_vs_conn shows each entry's seconds
  // to expiry, which count down at the phase of the entry's last packet; with many entries (the request loop's
  // TIME_WAITs) some entry ticks between any two reads. Three keep-alive connections, then one more request on two of
  // them and a close of the third at the same moment: two ESTABLISHED entries and one TIME_WAIT, ticking together.
  for (const id of ['k1', 'k2', 'k3']) {
    const r = await client.open(id);
    t.ok(r.ok, `keep-alive connection ${id} through the VIP answered`, { r });
  }
  await new Promise((r) => setTimeout(r, 1000));
  const again = [client.get('k1'), client.get('k2')];
  client.closeConn('k3');
  t.ok((await Promise.all(again)).every((r) => r.ok), 'k1 and k2 answered again');
  await new Promise((r) => setTimeout(r, 1000));
  compare(['-Lnc'], (p) => {
    t.equal(p.ipvsadm.out.split('\n').filter((l) => l.includes('ESTABLISHED')).length, 2, 'two ESTABLISHED entries');
    t.match(p.ipvsadm.out, /TIME_WAIT|CLOSE_WAIT|FIN_WAIT/, 'and the closed one');
  });

  // a few seconds of new connections (counters, rates, InActConn)
  client.startLoop(150, 5000);
  await client.nextRequests(30, 120000);
  await client.stopLoop();
  const failed = client.requests.filter((r) => !r.ok);
  t.equal(failed.length, 0, `${client.requests.length} requests through the NAT service, none failed`, { failed: failed.slice(0, 5) });
  // let the estimator fold the per-CPU counters into the totals (every 2 s)
  await new Promise((r) => setTimeout(r, 2500));

  const modes: [string[], (p: Pair) => void][] = [
    [['-Ln', '--rate'], (p) => {
      const [cps, inpps, outpps, inbps, outbps] = serviceRow(p.ipvsadm.out);
      t.ok(Number(inpps) > 0 && Number(outpps) > 0 && Number(inbps) > 0 && Number(outbps) > 0, `rates are non-zero (CPS ${cps}, InPPS ${inpps}, OutPPS ${outpps}, InBPS ${inbps}, OutBPS ${outbps})`);
    }],
    [['-Ln', '--stats'], (p) => {
      const [conns, inpkts, outpkts, inbytes, outbytes] = serviceRow(p.ipvsadm.out);
      t.ok([conns, inpkts, outpkts, inbytes, outbytes].every((v) => v !== undefined && v !== '0'), `service counters are non-zero (${[conns, inpkts, outpkts, inbytes, outbytes].join(' ')})`);
      const dests = p.ipvsadm.out.split('\n').filter((l) => l.includes('->') && !l.includes('RemoteAddress'));
      t.equal(dests.length, 2, 'both real servers listed');
      t.ok(dests.every((l) => l.trim().split(/\s+/)[2] !== '0'), 'each real server counted connections');
    }],
    [['-Ln', '--exact', '--stats'], (p) => {
      const conns = Number(serviceRow(p.ipvsadm.out)[0]);
      t.ok(conns >= 33, `exact connection count ${conns} covers the requests and the three keep-alive connections`);
    }],
    [['-Ln'], (p) => {
      t.ok(p.ipvsadm.out.split('\n').some((l) => /->.*Masq\s+1\s+[1-9]\d*\s+[1-9]/.test(l)), 'ActiveConn and InActConn are non-zero for a real server');
    }],
  ];
  for (const [args, check] of modes) compare(args, check);
  client.closeConn('k1');
  client.closeConn('k2');
});
