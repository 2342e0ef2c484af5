// The daemon's SMTP alerter: formats keepalived's alert mails and sends them one at a time in the background,
// with a bounded queue; each outcome is logged and counted, never thrown.
import type { Config } from '../config/index';
import type { Logger } from '../util/log';
import { Alert, SmtpSettings, formatAlert, formatData, smtpSettings } from './smtp-message';
import { SendRequest, SendResult, sendMail } from './smtp-send';

/** Mails waiting beyond this are dropped (and counted): a dead mail server must not grow memory. */
export const MAX_QUEUED = 256;

export interface AlerterCounters {
  queued: number;
  sent: number;
  failed: number;
  dropped: number;
}

export class SmtpAlerter {
  private settings: SmtpSettings | undefined;
  private readonly queue: SendRequest[] = [];
  private running: Promise<void> | undefined;
  readonly counters: AlerterCounters = { queued: 0, sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly log: Logger,
    private readonly send: (r: SendRequest) => Promise<SendResult> = sendMail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Takes the mail settings of a (new) configuration; without smtp_server or notification_email nothing is sent. */
  configure(config: Config): void {
    this.settings = smtpSettings(config);
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** Queues one alert. The caller decides whether the object has smtp_alert set, as keepalived's callers do. */
  alert(a: Alert): void {
    const s = this.settings;
    if (!s) return;
    // vrrp_notify.c: no_email_faults suppresses mails for FAULT transitions of instances and groups.
    if ((a.kind === 'vrrp' || a.kind === 'vgroup') && a.state === 'FAULT' && s.noEmailFaults) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.counters.dropped++;
      this.log.warn({ queued: this.queue.length }, 'SMTP alert queue full; alert dropped');
      return;
    }
    const { subject, body } = formatAlert(a, s.routerId);
    this.queue.push({ server: s.server, timeout: s.connectTimeout, heloName: s.heloName, from: s.from, to: s.to, data: formatData(s, subject, body, this.now()) });
    this.counters.queued++;
    this.log.debug({ subject }, 'SMTP alert queued');
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let r = this.queue.shift(); r; r = this.queue.shift()) {
      const res = await this.send(r).catch((e: unknown): SendResult => ({ ok: false, stage: 'connect', reason: String(e) }));
      const server = `[${r.server.address}]:${r.server.port}`;
      if (res.ok) {
        this.counters.sent++;
        this.log.info({ server }, 'SMTP alert successfully sent');
      } else {
        this.counters.failed++;
        this.log.warn({ server, stage: res.stage, reason: res.reason }, 'SMTP alert could not be sent');
      }
    }
  }
}
