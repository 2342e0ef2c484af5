// The typed IPC protocol between the lvskeeper parent and its two children (VRRP, checkers): requests with
// ids and timeouts from the parent, replies and unsolicited events from the children, and their validation.

/** Which subsystem a child runs (`--lvsk-child=vrrp|check`), as keepalived's PROG_VRRP / PROG_CHECK. */
export enum ChildRole {
  Vrrp = 'vrrp',
  Checkers = 'check',
}

/** keepalived's order: VRRP first, then checkers (core/main.c children_term[]). */
export const CHILD_ROLES: readonly ChildRole[] = [ChildRole.Vrrp, ChildRole.Checkers];

/** Process names as keepalived logs them (Keepalived_vrrp / Keepalived_healthcheckers). */
export const ROLE_NAME: Record<ChildRole, string> = { [ChildRole.Vrrp]: 'vrrp', [ChildRole.Checkers]: 'checkers' };

export function parseRole(text: string | undefined): ChildRole | undefined {
  return text === ChildRole.Vrrp || text === ChildRole.Checkers ? text : undefined;
}

/** Exit statuses a child uses (keepalived lib/scheduler.h); CONFIG and PERMISSION are permanent, the rest respawn. */
export enum ChildExit {
  Ok = 0,
  Fatal = 1,
  Config = 2,
  MissingPermission = 4,
}

export interface ReloadResult {
  applied: boolean;
  generation: number;
}

/** A child's part of the JSON state (and of the data dump). */
export interface ChildStateView {
  generation: number;
  loadedAt: string;
  subsystems: Record<string, unknown>;
}

/** What each request returns. */
export interface OpResults {
  state: ChildStateView;
  stats: ChildStateView;
  /** Prometheus text of the child's registry */
  metrics: string;
  reload: ReloadResult;
}
export type RequestOp = keyof OpResults;
const OPS: readonly RequestOp[] = ['state', 'stats', 'metrics', 'reload'];

export interface ParentRequest {
  kind: 'request';
  id: number;
  op: RequestOp;
}
export type ParentMessage = ParentRequest;

export interface ChildReady {
  kind: 'ready';
  role: ChildRole;
  pid: number;
  generation: number;
}
export type ChildReply = { kind: 'reply'; id: number; ok: true; result: unknown } | { kind: 'reply'; id: number; ok: false; error: string };
/** Sent before a child stops on a signal sent to it directly (SIGTERM/SIGINT), so the parent does not race to respawn it. */
export interface ChildStopping {
  kind: 'stopping';
  signal: string;
}
/** After a reload the child did on a SIGHUP sent to it directly. */
export interface ChildReloaded {
  kind: 'reloaded';
  result: ReloadResult;
}
export type ChildMessage = ChildReady | ChildReply | ChildStopping | ChildReloaded;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Validates a message received by a child; undefined when it is not one of ours. */
export function parseParentMessage(x: unknown): ParentMessage | undefined {
  if (!isObj(x) || x.kind !== 'request' || !isInt(x.id) || !OPS.includes(x.op as RequestOp)) return undefined;
  return { kind: 'request', id: x.id, op: x.op as RequestOp };
}

function isReload(x: unknown): x is ReloadResult {
  return isObj(x) && typeof x.applied === 'boolean' && isInt(x.generation);
}

/** Validates a message received by the parent; undefined when it is not one of ours. */
export function parseChildMessage(x: unknown): ChildMessage | undefined {
  if (!isObj(x)) return undefined;
  switch (x.kind) {
    case 'ready': {
      const role = parseRole(x.role as string);
      return role && isInt(x.pid) && isInt(x.generation) ? { kind: 'ready', role, pid: x.pid, generation: x.generation } : undefined;
    }
    case 'reply':
      if (!isInt(x.id)) return undefined;
      if (x.ok === true) return { kind: 'reply', id: x.id, ok: true, result: x.result };
      return x.ok === false && typeof x.error === 'string' ? { kind: 'reply', id: x.id, ok: false, error: x.error } : undefined;
    case 'stopping':
      return typeof x.signal === 'string' ? { kind: 'stopping', signal: x.signal } : undefined;
    case 'reloaded':
      return isReload(x.result) ? { kind: 'reloaded', result: x.result } : undefined;
    default:
      return undefined;
  }
}

/** Checks a reply's result against what the op returns. */
export function validResult<O extends RequestOp>(op: O, r: unknown): r is OpResults[O] {
  switch (op) {
    case 'metrics':
      return typeof r === 'string';
    case 'reload':
      return isReload(r);
    default:
      return isObj(r) && isInt(r.generation) && typeof r.loadedAt === 'string' && isObj(r.subsystems);
  }
}

/** JSON-safe copy for the channel (bigint counters become strings, as the status endpoint renders them). */
export function toWire(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
}

export type IpcErrorCode = 'ETIMEDOUT' | 'ECHILDGONE' | 'ESEND' | 'EREMOTE' | 'EPROTO';

export class IpcError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    readonly role: string,
    readonly op: RequestOp,
    message: string,
  ) {
    super(`${op} request to the ${role} child: ${message}`);
    this.name = 'IpcError';
  }
}

interface Pending {
  op: RequestOp;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The parent's side of one child's channel: numbered requests, each answered once or failed by timeout or exit. */
export class IpcRequester {
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly role: string,
    private readonly send: (m: ParentMessage) => boolean,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  request<O extends RequestOp>(op: O, timeoutMs: number): Promise<OpResults[O]> {
    const id = this.next++;
    return new Promise<OpResults[O]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new IpcError('ETIMEDOUT', this.role, op, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      let sent = false;
      try {
        sent = this.send({ kind: 'request', id, op });
      } catch {
        sent = false;
      }
      if (!sent) this.settle(id, new IpcError('ESEND', this.role, op, 'the channel is closed'));
    });
  }

  /** Feeds a reply from the child; false if it answers nothing pending (late after a timeout). */
  handleReply(m: ChildReply): boolean {
    const p = this.pending.get(m.id);
    if (!p) return false;
    if (!m.ok) this.settle(m.id, new IpcError('EREMOTE', this.role, p.op, m.error));
    else if (!validResult(p.op, m.result)) this.settle(m.id, new IpcError('EPROTO', this.role, p.op, 'malformed result'));
    else this.settle(m.id, undefined, m.result);
    return true;
  }

  /** Fails every pending request (the child exited). */
  failAll(message: string): void {
    for (const [id, p] of [...this.pending]) this.settle(id, new IpcError('ECHILDGONE', this.role, p.op, message));
  }

  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }
}
