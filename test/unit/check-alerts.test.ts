// Checker-side SMTP alerts: keepalived's rules for real-server, quorum and shutdown mails (check_*.c, ipwrapper.c),
// delivered to a scripted SMTP server on loopback.
import t from 'tap';
import { Writable } from 'stream';
import { build } from './helpers/model';
import { normal, smtpServer } from './helpers/smtp-server';
import { CheckAlerts } from '../../src/daemon/check-alerts';
import { createLogger } from '../../src/util/log';
import { formatVs } from '../../src/alert/smtp-message';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }), format: 'json' });

function config(port: number, globalExtra = '') {
  const { config, diagnostics } = build(`global_defs {
  notification_email {
    ops@example.org
  }
  notification_email_from lb@example.org
  smtp_server 127.0.0.1 ${port}
  router_id lb1
${globalExtra}
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_kind NAT
  quorum 2
  hysteresis 1
  smtp_alert
  real_server 10.0.0.2 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 10.0.0.3 8080 {
    weight 1
    smtp_alert false
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server fwmark 7 {
  lb_kind DR
  real_server 10.0.0.4 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`);
  if (diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(diagnostics));
  return config;
}

const subjects = (received: string[]) =>
  received
    .filter((m) => m.includes('Subject:'))
    .map((m) => {
      const subject = /Subject: (.*)\r\n/.exec(m)![1];
      const body = m.split('\r\n\r\n')[1]!.split('\r\n')[0];
      return `${subject} | ${body}`;
    });

t.test('real-server, quorum and shutdown mails', async (t) => {
  const srv = await smtpServer(normal);
  t.teardown(srv.close);
  const cfg = config(srv.port);
  const [vs, fw] = cfg.virtualServers;
  const a = new CheckAlerts(log);
  a.configure(cfg);
  const rs2 = { address: '10.0.0.2', port: 8080, smtpAlert: vs.realServers[0].smtpAlert };
  const rs3 = { address: '10.0.0.3', port: 8080, smtpAlert: vs.realServers[1].smtpAlert };
  t.equal(rs2.smtpAlert, true, 'real servers default to smtp_alert on (keepalived backwards compatibility)');
  t.equal(rs3.smtpAlert, false);
  a.seed('rs2', true);
  a.checker('rs2', vs, rs2, 'TCP_CHECK', false, false);
  a.checker('rs3', vs, rs3, 'TCP_CHECK', false, false);
  a.quorum(vs, false, 1);
  a.checker('rs2', vs, rs2, 'TCP_CHECK', true, true);
  a.quorum(vs, true, 2);
  a.shut(vs, rs2, false);
  a.vsShut(vs);
  a.checker('rs4', fw, { address: '10.0.0.4', port: 80, smtpAlert: true }, 'HTTP_GET', false, false);
  await a.alerter.idle();
  t.same(subjects(srv.received), [
    '[lb1] Realserver [10.0.0.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - DOWN | => TCP CHECK failed on service <=',
    '[lb1] Virtualserver [10.0.0.1]:tcp:80 - DOWN | => Lost quorum 2+1=1 <= 1 <=',
    '[lb1] Realserver [10.0.0.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - UP | => TCP CHECK succeed on service <=',
    '[lb1] Virtualserver [10.0.0.1]:tcp:80 - UP | => Gained quorum 2+1=3 <= 2 <=',
    '[lb1] Realserver [10.0.0.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - DOWN | => Removing <=',
    '[lb1] Virtualserver [10.0.0.1]:tcp:80 - DOWN | => Shutting down <=',
    // real servers mail on their own smtp_alert (default on), whatever the virtual server's (check_data.c)
    '[lb1] Realserver [10.0.0.4]:none:80 of virtual server FWM 7 - DOWN | => CHECK failed on service : HTTP request failed <=',
  ]);
  t.equal(formatVs(fw), 'FWM 7');
});

t.test('no_checker_emails: only real-server state changes mail', async (t) => {
  const srv = await smtpServer(normal);
  t.teardown(srv.close);
  const cfg = config(srv.port, '  no_checker_emails');
  const vs = cfg.virtualServers[0];
  const a = new CheckAlerts(log);
  a.configure(cfg);
  const rs2 = { address: '10.0.0.2', port: 8080, smtpAlert: true };
  a.seed('rs2', true);
  a.checker('rs2', vs, rs2, 'TCP_CHECK', false, true); // a second checker of the server still up: no mail
  a.checker('rs2', vs, rs2, 'HTTP_GET', false, false);
  await a.alerter.idle();
  t.same(subjects(srv.received), ['[lb1] Realserver [10.0.0.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - DOWN | => CHECK failed on service : HTTP request failed <=']);
});

t.test('without smtp_server nothing is queued', async (t) => {
  const { config: cfg } = build('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  smtp_alert\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n');
  const a = new CheckAlerts(log);
  a.configure(cfg);
  a.checker('x', cfg.virtualServers[0], { address: '10.0.0.2', port: 80, smtpAlert: true }, 'TCP_CHECK', false, false);
  t.equal(a.alerter.counters.queued, 0);
});
