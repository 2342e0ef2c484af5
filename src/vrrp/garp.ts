// Gratuitous ARP frames for virtual IPv4 addresses (RFC 5798 6.4.2 / RFC 5227 3), as keepalived vrrp_arp.c sends them.

import { AddressFamily, ipv4ToString, writeAddress } from './addr';

export const ETH_P_ARP = 0x0806;
export const ARPHRD_ETHER = 1;
export const ETH_P_IP = 0x0800;

export enum ArpOp {
  Request = 1,
  Reply = 2,
}

export class MacError extends Error {
  readonly code = 'EVRRPMAC';
  constructor(readonly mac: string) {
    super(`MAC address is ${JSON.stringify(mac)}; should be six hex bytes separated by ':'`);
    this.name = 'MacError';
  }
}

export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new MacError(mac);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function macToString(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The virtual router MAC 00-00-5E-00-01-{VRID} (IPv4) / 00-00-5E-00-02-{VRID} (IPv6), RFC 5798 7.3. */
export function virtualRouterMac(vrid: number, family: AddressFamily): string {
  return `00:00:5e:00:0${family === AddressFamily.Inet ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

export interface GratuitousArp {
  /** source MAC: the interface's, or the virtual router MAC with use_vmac */
  mac: string;
  /** the virtual IPv4 address being announced */
  address: string;
}

/**
 * A 42-byte Ethernet frame: broadcast destination, ARP request whose sender and target protocol addresses are
 * both the VIP and whose target hardware address is the broadcast address (keepalived vrrp_arp.c
 * send_gratuitous_arp_immediate; see the golden captures).
 */
export function formatGratuitousArp(g: GratuitousArp): Buffer {
  const f = Buffer.alloc(42);
  const mac = macToBytes(g.mac);
  f.fill(0xff, 0, 6);
  mac.copy(f, 6);
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(ARPHRD_ETHER, 14);
  f.writeUInt16BE(ETH_P_IP, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(ArpOp.Request, 20);
  mac.copy(f, 22);
  writeAddress(g.address, AddressFamily.Inet, f, 28);
  f.fill(0xff, 32, 38);
  writeAddress(g.address, AddressFamily.Inet, f, 38);
  return f;
}

export interface ArpPacket {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** Decodes an Ethernet/IPv4 ARP payload (after the Ethernet header). */
export function parseArp(b: Buffer): { ok: true; arp: ArpPacket; gratuitous: boolean } | { ok: false; detail: string } {
  if (b.length < 28) return { ok: false, detail: `ARP length is ${b.length}; should be at least 28` };
  if (b.readUInt16BE(0) !== ARPHRD_ETHER || b.readUInt16BE(2) !== ETH_P_IP || b[4] !== 6 || b[5] !== 4) {
    return { ok: false, detail: `ARP hardware/protocol is ${b.readUInt16BE(0)}/0x${b.readUInt16BE(2).toString(16)}; should be Ethernet/IPv4` };
  }
  const arp: ArpPacket = {
    op: b.readUInt16BE(6),
    senderMac: macToString(b, 8),
    senderIp: ipv4ToString(b, 14),
    targetMac: macToString(b, 18),
    targetIp: ipv4ToString(b, 24),
  };
  return { ok: true, arp, gratuitous: arp.senderIp === arp.targetIp };
}
