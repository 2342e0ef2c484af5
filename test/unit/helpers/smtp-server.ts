// A scripted SMTP server on loopback for alert tests: replies per command and records what it received.
import * as net from 'net';

/** A scripted SMTP server: replies per command, records what it received. */
export function smtpServer(reply: (cmd: string) => string | null, banner: string | null = '220 mx ESMTP\r\n') {
  const received: string[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    let inData = false;
    if (banner) s.write(banner);
    s.on('data', (d) => {
      buf += d.toString();
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          received.push(buf.slice(0, end + 5));
          buf = buf.slice(end + 5);
          inData = false;
          const r = reply('<data>');
          if (r) s.write(r);
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const cmd = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        received.push(cmd);
        if (cmd === 'DATA') inData = true;
        const r = reply(cmd);
        if (r === null) s.destroy();
        else if (r) s.write(r);
      }
    });
    s.on('error', () => undefined);
  });
  return new Promise<{ port: number; received: string[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as net.AddressInfo).port, received, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

/** Replies of a server that accepts everything. */
export const normal = (cmd: string) => (cmd === 'DATA' ? '354 go ahead\r\n' : cmd === 'QUIT' ? '221 bye\r\n' : cmd.startsWith('HELO') ? '250-mx\r\n250 ok\r\n' : '250 ok\r\n');
