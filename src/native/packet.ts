// Typed loader and wrappers for native/lvsk_packet.node: AF_PACKET frame sockets and raw IPv4/IPv6 sockets with hop limit and pktinfo.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The build command, for error messages (native/README.md). */
export const BUILD_COMMAND = 'npx node-gyp rebuild -C native --nodedir="$(node -p "require(\'path\').resolve(process.execPath, \'../..\')")"';

/** Opaque handle of the addon (a Node-API external). */
type Handle = { readonly __lvskPacketHandle: unique symbol };

/** The raw addon surface (see the header of native/lvsk_packet.c). */
export interface PacketAddon {
  packetOpen(ifindex: number): Handle;
  packetSend(h: Handle, frame: Buffer): number;
  ipOpen(options: IpSocketOptions): Handle;
  ipStart(h: Handle, cb: (err: NativeSysError | null, data?: Buffer, source?: string, hopLimit?: number, destination?: string, ifindex?: number) => void): void;
  ipRef(h: Handle, on: boolean): void;
  ipSend(h: Handle, data: Buffer, destination: string, source: string, ifindex: number, hopLimit: number): number;
  close(h: Handle): void;
}

/** What the addon throws for a failed system call. */
interface NativeSysError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
}

/** The addon was not built (or not for this Node); `code` ENATIVE_NOT_BUILT. */
export class NativeNotBuiltError extends Error {
  override readonly name = 'NativeNotBuiltError';
  readonly code = 'ENATIVE_NOT_BUILT';
  constructor(readonly tried: string[], override readonly cause?: Error) {
    super(
      `native addon lvsk_packet.node is not built (looked in ${tried.join(', ')})` +
        (cause ? `: ${cause.message}` : '') +
        `; build it with: ${BUILD_COMMAND}`,
    );
  }
}

/**
 * A failed socket operation. `code` is the errno name ("EPERM", "ENODEV") or ERR_INVALID_ARG for a bad
 * argument; `errno` is positive; `syscall` names the call ("sendto", "setsockopt IPV6_ADD_MEMBERSHIP");
 * `operation` and `object` say what lvskeeper was doing ("send gratuitous ARP", "eth0").
 */
export class PacketSocketError extends Error {
  override readonly name = 'PacketSocketError';
  readonly code: string;
  readonly errno?: number;
  readonly syscall?: string;
  constructor(
    readonly operation: string,
    readonly object: string,
    cause: NativeSysError,
  ) {
    super(`${operation} ${object}: ${cause.message}`);
    this.code = cause.code ?? 'EUNKNOWN';
    if (typeof cause.errno === 'number') this.errno = cause.errno;
    if (cause.syscall) this.syscall = cause.syscall;
  }
}

/** Candidate locations: from src/native (ts at test time) and dist/src/native (compiled). Overridable for tests. */
export function addonPaths(): string[] {
  const env = process.env.LVSK_PACKET_ADDON;
  const rel = 'native/build/Release/lvsk_packet.node';
  return [...(env ? [env] : []), path.resolve(__dirname, '../..', rel), path.resolve(__dirname, '../../..', rel)];
}

let cached: PacketAddon | undefined;

/** Loads the addon from the first existing path (no caching); throws NativeNotBuiltError when none loads. */
export function loadAddonFrom(tried: string[]): PacketAddon {
  const found = tried.find((p) => existsSync(p));
  if (!found) throw new NativeNotBuiltError(tried);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(found) as PacketAddon;
  } catch (e) {
    throw new NativeNotBuiltError([found], e as Error);
  }
}

/** Loads the addon once; throws NativeNotBuiltError with the build command when it is missing. */
export function loadPacketAddon(): PacketAddon {
  cached ??= loadAddonFrom(addonPaths());
  return cached;
}

/** True when the addon can be loaded (tests skip on false). */
export function nativeAvailable(): boolean {
  try {
    loadPacketAddon();
    return true;
  } catch {
    return false;
  }
}

function wrap<T>(operation: string, object: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const err = e as NativeSysError;
    if (err && typeof err.code === 'string') throw new PacketSocketError(operation, object, err);
    throw e;
  }
}

/** A send-only AF_PACKET SOCK_RAW socket bound to one interface: whole Ethernet frames out, nothing in. */
export class PacketSocket {
  private handle: Handle | undefined;

  private constructor(
    private readonly addon: PacketAddon,
    handle: Handle,
    readonly ifindex: number,
    readonly name: string,
  ) {
    this.handle = handle;
  }

  /** `name` is only for error messages (the interface name). */
  static open(ifindex: number, name = `ifindex ${ifindex}`): PacketSocket {
    const addon = loadPacketAddon();
    return new PacketSocket(addon, wrap('open packet socket on', name, () => addon.packetOpen(ifindex)), ifindex, name);
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  /** Sends one frame (destination MAC, source MAC, ethertype, payload); returns the bytes sent. */
  send(frame: Buffer, operation = 'send frame on'): number {
    const h = this.handle;
    if (!h) throw new PacketSocketError(operation, this.name, Object.assign(new Error('socket is closed'), { code: 'EBADF', errno: 9 }));
    return wrap(operation, this.name, () => this.addon.packetSend(h, frame));
  }

  close(): void {
    if (this.handle) this.addon.close(this.handle);
    this.handle = undefined;
  }
}

export interface IpSocketOptions {
  family: 4 | 6;
  /** IP protocol: 112 VRRP, 58 ICMPv6, 51 AH, ... */
  protocol: number;
  /** SO_BINDTODEVICE */
  device?: string;
  /** bind() to this local address (keepalived binds a multicast receive socket to the group) */
  bind?: string;
  /** scope of a link-local/multicast IPv6 bind address */
  bindIfindex?: number;
  /** IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP */
  join?: { group: string; ifindex: number };
  /** IP_MULTICAST_IF / IPV6_MULTICAST_IF (ifindex) */
  multicastIf?: number;
  multicastLoop?: boolean;
  /** IP_MULTICAST_ALL / IPV6_MULTICAST_ALL; keepalived sets false */
  multicastAll?: boolean;
  /** default hop limit / TTL for unicast and multicast (VRRP: 255) */
  hopLimit?: number;
  /** IPV6_CHECKSUM offset: the kernel fills in and verifies the checksum (VRRP: 6) */
  checksumOffset?: number;
  /** IPv4 IP_HDRINCL: the data sent starts with the IPv4 header */
  headerIncluded?: boolean;
  /** IP_TOS / IPV6_TCLASS (keepalived: 0xc0) */
  tos?: number;
  /** SO_RCVBUF */
  rcvbuf?: number;
  /** drop-all socket filter: a send-only socket */
  noReceive?: boolean;
}

export interface ReceivedDatagram {
  /** IPv4: the whole datagram from the IP header on; IPv6: the payload after the IPv6 header(s). */
  data: Buffer;
  source: string;
  /** IPv6 hop limit (IPV6_HOPLIMIT) / IPv4 TTL (IP_TTL); undefined if the kernel gave none. */
  hopLimit?: number;
  /** Destination address of the IP header (IPV6_PKTINFO / IP_PKTINFO ipi_addr). */
  destination?: string;
  /** Arrival interface (pktinfo). */
  ifindex?: number;
}

export interface IpSendOptions {
  /** source address (IPV6_PKTINFO / IP_PKTINFO); default: the kernel's choice */
  source?: string;
  /** outgoing interface (pktinfo) and scope of a link-local destination */
  ifindex?: number;
  /** per-packet hop limit / TTL (IPV6_HOPLIMIT / IP_TTL cmsg); default: the socket's */
  hopLimit?: number;
}

/**
 * A raw IPv4/IPv6 socket read on the libuv loop. Events: 'message' (ReceivedDatagram), 'error'
 * (PacketSocketError). Reading starts when the first 'message' listener is added; from then on the
 * socket keeps the process alive until close() (or unref()).
 */
export class IpSocket extends EventEmitter {
  private handle: Handle | undefined;
  private reading = false;
  private refed = true;
  readonly label: string;

  private constructor(
    private readonly addon: PacketAddon,
    handle: Handle,
    readonly options: Readonly<IpSocketOptions>,
  ) {
    super();
    this.handle = handle;
    this.label = `IPv${options.family} protocol ${options.protocol}${options.device ? ` on ${options.device}` : ''}`;
    this.on('newListener', (ev: string) => {
      if (ev === 'message' && !this.reading) queueMicrotask(() => this.start());
    });
  }

  static open(options: IpSocketOptions): IpSocket {
    const addon = loadPacketAddon();
    const label = `IPv${options.family} protocol ${options.protocol}${options.device ? ` on ${options.device}` : ''}`;
    return new IpSocket(addon, wrap('open raw socket', label, () => addon.ipOpen(options)), options);
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  /** Starts reading (also done automatically by the first 'message' listener). */
  start(): void {
    const h = this.handle;
    if (!h || this.reading) return;
    this.reading = true;
    wrap('read from', this.label, () =>
      this.addon.ipStart(h, (err, data, source, hopLimit, destination, ifindex) => {
        if (err) {
          this.emit('error', new PacketSocketError('receive on', this.label, err));
          return;
        }
        const msg: ReceivedDatagram = { data: data as Buffer, source: source as string };
        if (hopLimit !== undefined && hopLimit >= 0) msg.hopLimit = hopLimit;
        if (destination) msg.destination = destination;
        if (ifindex) msg.ifindex = ifindex;
        this.emit('message', msg);
      }),
    );
    if (!this.refed) this.addon.ipRef(h, false);
  }

  send(data: Buffer, destination: string, o: IpSendOptions = {}): number {
    const h = this.handle;
    if (!h) throw new PacketSocketError('send to', destination, Object.assign(new Error('socket is closed'), { code: 'EBADF', errno: 9 }));
    return wrap(`send ${this.label} to`, destination, () =>
      this.addon.ipSend(h, data, destination, o.source ?? '', o.ifindex ?? 0, o.hopLimit ?? -1),
    );
  }

  /** Keep the process alive while reading (the default). */
  ref(): this {
    this.refed = true;
    if (this.handle) this.addon.ipRef(this.handle, true);
    return this;
  }

  /** Let the process exit even though this socket is reading. */
  unref(): this {
    this.refed = false;
    if (this.handle) this.addon.ipRef(this.handle, false);
    return this;
  }

  close(): void {
    if (!this.handle) return;
    this.addon.close(this.handle);
    this.handle = undefined;
    this.emit('close');
  }
}
