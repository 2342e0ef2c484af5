// SMTP alerts of the checkers process (keepalived check_*.c and ipwrapper.c): a real server's checker going up or
// down, a virtual server gaining or losing quorum, a real server removed at reload or shut down with omega.
import type { Config, VirtualServer } from '../config/model';
import type { Logger } from '../util/log';
import { SmtpAlerter } from '../alert/alerter';
import { AlertChecker, formatTrio, formatVs } from '../alert/smtp-message';

interface RsRef {
  address: string;
  port: number;
  smtpAlert: boolean;
}

export class CheckAlerts {
  readonly alerter: SmtpAlerter;
  private noCheckerEmails = false;
  /** real-server aliveness as last seen here, for keepalived's rs_was_alive */
  private readonly alive = new Map<string, boolean>();

  constructor(log: Logger) {
    this.alerter = new SmtpAlerter(log);
  }

  configure(config: Config): void {
    this.alerter.configure(config);
    this.noCheckerEmails = config.globalDefs.noCheckerEmails;
  }

  /** The real server's aliveness without a mail (start, reload). */
  seed(rsId: string, alive: boolean | undefined): void {
    if (alive !== undefined) this.alive.set(rsId, alive);
  }

  forget(rsId: string): void {
    this.alive.delete(rsId);
  }

  /**
   * One checker changed state; `rsAlive` is the real server's state after it. keepalived mails when the real server
   * changed, or on every checker change unless no_checker_emails (check_tcp.c and the other checkers).
   */
  checker(rsId: string, vs: VirtualServer, rs: RsRef, kind: string, checkerUp: boolean, rsAlive: boolean): void {
    const was = this.alive.get(rsId);
    this.alive.set(rsId, rsAlive);
    if (!rs.smtpAlert || !this.alerter.enabled) return;
    if (was === rsAlive && this.noCheckerEmails) return;
    this.alerter.alert({ kind: 'rs', rs: formatTrio(rs.address, vs.protocol, rs.port), vs: formatVs(vs), up: rsAlive, checker: kind as AlertChecker, checkerUp });
  }

  /** ipwrapper.c do_vs_notifies(): "=> Gained quorum q+h=threshold <= sum <=" and the other three texts. */
  quorum(vs: VirtualServer, up: boolean, sum: number, init = false): void {
    if (!vs.smtpAlert || !this.alerter.enabled) return;
    const q = vs.quorum;
    const h = vs.hysteresis;
    const threshold = up ? q + h : q - h;
    const what = up ? (init ? 'Starting with quorum up' : 'Gained quorum') : init ? 'Starting with quorum down' : 'Lost quorum';
    this.alerter.alert({ kind: 'vs', vs: formatVs(vs), up, message: `=> ${what} ${q}+${h}=${threshold} <= ${sum} <=` });
  }

  /** ipwrapper.c clear_service_rs(): an alive real server removed at reload, or at shutdown with omega. */
  shut(vs: VirtualServer, rs: RsRef, stopping: boolean): void {
    if (!rs.smtpAlert || !this.alerter.enabled) return;
    this.alerter.alert({ kind: 'rs-shut', rs: formatTrio(rs.address, vs.protocol, rs.port), vs: formatVs(vs), stopping });
  }

  /** A VS shutting down with omega: "=> Shutting down <=". */
  vsShut(vs: VirtualServer): void {
    if (!vs.smtpAlert || !this.alerter.enabled) return;
    this.alerter.alert({ kind: 'vs', vs: formatVs(vs), up: false, message: '=> Shutting down <=' });
  }
}
