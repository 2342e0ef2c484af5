// The status endpoint: JSON state (secrets redacted), Prometheus metrics including IPVS counters
// collected at scrape time, read-only methods, listen address parsing.
import t from 'tap';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Metrics } from '../../src/daemon/metrics';
import { parseListen, startStatusServer, redact } from '../../src/daemon/status';

function get(target: { host?: string; port?: number; socketPath?: string }, urlPath: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path: urlPath, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('parseListen', async (t) => {
  t.same(parseListen('127.0.0.1:9201'), { kind: 'tcp', host: '127.0.0.1', port: 9201 });
  t.same(parseListen('[::1]:80'), { kind: 'tcp', host: '::1', port: 80 });
  t.same(parseListen(':9201'), { kind: 'tcp', host: '127.0.0.1', port: 9201 });
  t.same(parseListen('/run/lvsk.sock'), { kind: 'unix', path: '/run/lvsk.sock' });
  t.same(parseListen('off'), { kind: 'off' });
  t.throws(() => parseListen('nonsense'), /status listen address is "nonsense"; should be/);
  t.throws(() => parseListen('1.2.3.4:70000'), /port is 70000; should be 0-65535/);
});

t.test('redact removes secrets at any depth', async (t) => {
  t.same(redact({ a: { authPass: 'x', b: [{ password: 'y', c: 1 }] }, n: 5n }), { a: { authPass: '[redacted]', b: [{ password: '[redacted]', c: 1 }] }, n: '5' });
});

t.test('tcp endpoint serves state and metrics', async (t) => {
  const metrics = new Metrics();
  metrics.vrrpTransition('VI_1', 'BACKUP', 'MASTER');
  metrics.vrrpAdvertsSent.inc({ instance: 'VI_1' }, 3);
  metrics.setIpvsSource(async () => ({
    services: [{ id: 'TCP 10.0.0.1:80', conns: 7, inpkts: 70, outpkts: 60, inbytes: 7000n, outbytes: 9000n, dests: [{ id: '10.0.1.1:80', weight: 2, activeConns: 1, inactiveConns: 3, conns: 7, inbytes: 7000n, outbytes: 9000n }] }],
  }));
  const srv = await startStatusServer({ listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, metrics, state: () => ({ vrrp: { VI_1: { state: 'MASTER', authPass: 'secret99' } } }) });
  t.ok(srv);
  t.teardown(() => srv!.close());
  const [host, port] = srv!.address().split(':');
  const target = { host, port: Number(port) };
  const st = await get(target, '/state');
  t.equal(st.status, 200);
  t.equal(st.type, 'application/json');
  t.same(JSON.parse(st.body), { vrrp: { VI_1: { state: 'MASTER', authPass: '[redacted]' } } });
  t.notMatch(st.body, /secret99/);
  const m = await get(target, '/metrics');
  t.equal(m.status, 200);
  t.match(m.body, /lvskeeper_vrrp_state\{instance="VI_1"\} 2/);
  t.match(m.body, /lvskeeper_vrrp_transitions_total\{instance="VI_1",from="BACKUP",to="MASTER"\} 1/);
  t.match(m.body, /lvskeeper_vrrp_adverts_sent_total\{instance="VI_1"\} 3/);
  t.match(m.body, /lvskeeper_ipvs_service_connections\{virtual_server="TCP 10.0.0.1:80"\} 7/);
  t.match(m.body, /lvskeeper_ipvs_real_server_weight\{virtual_server="TCP 10.0.0.1:80",real_server="10.0.1.1:80"\} 2/);
  t.equal((await get(target, '/state', 'POST')).status, 405, 'read-only');
  t.equal((await get(target, '/nope')).status, 404);
});

t.test('unix socket endpoint', async (t) => {
  const p = path.join(os.tmpdir(), `lvsk-status-${process.pid}.sock`);
  const srv = await startStatusServer({ listen: { kind: 'unix', path: p }, metrics: new Metrics(), state: () => ({ ok: true }) });
  t.teardown(() => srv!.close());
  const st = await get({ socketPath: p }, '/state');
  t.same(JSON.parse(st.body), { ok: true });
});

t.test('off means no server', async (t) => {
  t.equal(await startStatusServer({ listen: { kind: 'off' }, metrics: new Metrics(), state: () => ({}) }), undefined);
});
