// What follows a VRRP state change besides notify scripts and FIFOs: SMTP alerts (vrrp_notify.c
// vrrp_smtp_notifier / vrrp_sync_smtp_notifier) and the IPVS sync daemon of `lvs_sync_daemon IF inst NAME`.
import type { Config, VrrpSyncGroup } from '../../config/model';
import type { IpvsClient } from '../../ipvs/client';
import { openKernelClient } from '../../ipvs/kernel-client';
import type { Logger } from '../../util/log';
import { SmtpAlerter } from '../../alert/alerter';
import type { VrrpAlertState } from '../../alert/smtp-message';
import { SyncDaemonController } from './ipvs-syncd';

const ALERT_STATES = new Set<string>(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED']);

export class VrrpStateHooks {
  readonly alerter: SmtpAlerter;
  private config: Config | undefined;
  private syncd: SyncDaemonController | undefined;
  private syncdStarted = false;
  private client: Promise<IpvsClient | undefined> | undefined;
  /** keepalived's last_email_state per instance and group: one mail per state entered */
  private readonly lastEmail = new Map<string, string>();

  constructor(
    private readonly log: Logger,
    private readonly openClient: () => Promise<IpvsClient> = openKernelClient,
  ) {
    this.alerter = new SmtpAlerter(log);
  }

  /** The (new) configuration; on reload `states` gives the current state of each instance. */
  async configure(config: Config, states: (instance: string) => string | undefined = () => undefined): Promise<void> {
    this.config = config;
    this.alerter.configure(config);
    const sd = config.globalDefs.lvsSyncDaemon;
    const driven = sd?.vrrpInstance ? sd : undefined;
    if (this.syncd && (!driven || driven.vrrpInstance !== this.syncd.instance)) {
      await this.syncd.stop();
      this.syncd = undefined;
      this.syncdStarted = false;
    }
    if (!driven) return;
    if (this.syncd) {
      const st = states(driven.vrrpInstance!);
      if (st) await this.syncd.reload(driven, st);
      return;
    }
    this.syncd = new SyncDaemonController(driven, () => this.ipvs(), this.log);
    const st = states(driven.vrrpInstance!);
    if (st) {
      this.syncdStarted = true;
      await this.syncd.init(st);
    }
  }

  /** An instance entered a state (MASTER, BACKUP, FAULT, STOP, DELETED). */
  instanceState(name: string, state: string): void {
    const model = this.config?.vrrpInstances.find((v) => v.name === name);
    if (model?.smtpAlert && ALERT_STATES.has(state) && this.lastEmail.get(`i:${name}`) !== state) {
      this.lastEmail.set(`i:${name}`, state);
      this.alerter.alert({ kind: 'vrrp', instance: name, state: state as VrrpAlertState });
    }
    if (this.syncd && this.syncd.instance === name && state !== 'STOP' && state !== 'DELETED') {
      if (!this.syncdStarted) {
        this.syncdStarted = true;
        void this.syncd.init(state);
      } else void this.syncd.transition(state);
    }
  }

  /** Every member of a sync group is in one state. */
  groupState(group: VrrpSyncGroup, state: string): void {
    const g = this.config?.globalDefs;
    const on = group.smtpAlert ?? g?.smtpAlertVrrp ?? g?.smtpAlert ?? false;
    if (!on || !ALERT_STATES.has(state) || this.lastEmail.get(`g:${group.name}`) === state) return;
    this.lastEmail.set(`g:${group.name}`, state);
    this.alerter.alert({ kind: 'vgroup', group: group.name, state: state as VrrpAlertState });
  }

  /** Shutdown: stop the sync daemon, give queued mails up to waitMs, close the IPVS socket. */
  async stop(waitMs = 1000): Promise<void> {
    await this.syncd?.stop();
    await Promise.race([this.alerter.idle(), new Promise((r) => setTimeout(r, waitMs).unref())]);
    const c = await this.client;
    await c?.close().catch(() => undefined);
  }

  state(): unknown {
    return { smtp: { enabled: this.alerter.enabled, ...this.alerter.counters }, syncDaemon: this.syncd ? { instance: this.syncd.instance, ...this.syncd.counters } : null };
  }

  private ipvs(): Promise<IpvsClient | undefined> {
    this.client ??= this.openClient().catch((e: unknown) => {
      this.log.warn({ err: e }, 'IPVS is not available: lvs_sync_daemon is not started');
      return undefined;
    });
    return this.client;
  }
}
