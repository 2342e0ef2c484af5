// The checkers + IPVS subsystem with its real checkers against real TCP and HTTP servers on loopback, and the fake
// IPVS kernel: servers going down and coming back show up as IPVS transitions within a few delay loops.
import t from 'tap';
import net from 'node:net';
import http from 'node:http';
import { Writable } from 'node:stream';
import { LvsSubsystem } from '../../src/daemon/lvs-subsystem';
import { Metrics } from '../../src/daemon/metrics';
import { parseDaemonArgs } from '../../src/cli/args';
import { createLogger } from '../../src/util/log';
import { createFakeClient } from '../../src/ipvs/fake-client';
import { readTable } from '../../src/lvs/reconciler';
import { parseConfig } from '../../src/config/index';
import type { BatchOp } from '../../src/ipvs/client';

async function listen(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return (server.address() as net.AddressInfo).port;
}

async function close(server: net.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  await new Promise<void>((res) => server.close(() => res()));
}

async function until(what: string, cond: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

t.test('real TCP and HTTP servers going down and up', async (t) => {
  const tcpConns = new Set<net.Socket>();
  const mkTcp = () =>
    net.createServer((s) => {
      tcpConns.add(s);
      s.on('close', () => tcpConns.delete(s));
      s.end();
    });
  let tcp = mkTcp();
  const tcpPort = await listen(tcp);
  let status = 200;
  const web = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
  const webPort = await listen(web);
  t.teardown(async () => {
    if (tcp.listening) await close(tcp);
    if (web.listening) await close(web);
  });

  const text = `
virtual_server 10.10.0.1 80 {
  delay_loop 0.2
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 ${tcpPort} {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 127.0.0.1 ${webPort} {
    weight 3
    inhibit_on_failure
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 1
      retry 0
    }
  }
}
`;
  const loader = {
    readFile: (f: string) => {
      if (f.endsWith('lvs.conf')) return text;
      throw Object.assign(new Error(`${f} not found`), { code: 'ENOENT' });
    },
    glob: (p: string) => (p.endsWith('lvs.conf') ? ['/lvs.conf'] : []),
    cwd: () => '/',
    env: () => undefined,
  };
  const { config: parsed, diagnostics } = parseConfig('/lvs.conf', loader as never);
  t.same(diagnostics.filter((d) => d.severity === 'error'), []);
  const config = parsed!;

  const client = createFakeClient();
  const calls: string[] = [];
  const orig = client.applyBatch.bind(client);
  client.applyBatch = async (ops: BatchOp[]) => {
    for (const o of ops) calls.push(`${o.op}${'dest' in o ? ` ${o.dest.port}` : ''}${'config' in o && 'weight' in o.config ? ` w${o.config.weight}` : ''}`);
    return orig(ops);
  };
  const lines: string[] = [];
  const log = createLogger({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }), format: 'json' });
  const ctx = { log, args: parseDaemonArgs([]), metrics: new Metrics() };
  const sub = new LvsSubsystem({ openClient: async () => client, scheduler: { random: () => 0 }, resyncMs: 1000 });
  await sub.start(config, ctx);
  t.teardown(() => sub.stop(ctx));

  const pool = async () => {
    const tb = await readTable(client);
    const s = tb.get('TCP 10.10.0.1:80');
    return Object.fromEntries([...(s?.dests.values() ?? [])].map((d) => [d.key.port, d.config.weight]));
  };
  t.same(await pool(), { [tcpPort]: 2, [webPort]: 3 }, 'both in the pool at start (no alpha)');
  await until('first checks', async () => (sub.state() as any).virtualServers[0].realServers.every((r: any) => r.checkers[0].hasRun));

  await close(tcp);
  await until('TCP real server removed', async () => !((await pool())[tcpPort] !== undefined));
  t.same(await pool(), { [webPort]: 3 });
  const st = sub.state() as any;
  t.equal(st.virtualServers[0].realServers[0].alive, false);
  t.match(st.virtualServers[0].realServers[0].checkers[0].last.message, /refused|ECONNREFUSED|connect/i);

  tcp = mkTcp();
  await listen(tcp, tcpPort);
  await until('TCP real server back', async () => (await pool())[tcpPort] === 2);

  status = 503;
  await until('HTTP real server inhibited', async () => (await pool())[webPort] === 0);
  t.equal((await pool())[tcpPort], 2);
  status = 200;
  await until('HTTP real server enabled', async () => (await pool())[webPort] === 3);

  t.same(calls, ['addService', `addDestination ${tcpPort} w2`, `addDestination ${webPort} w3`, `deleteDestination ${tcpPort}`, `addDestination ${tcpPort} w2`, `updateDestination ${webPort} w0`, `updateDestination ${webPort} w3`]);
});
