// Classic pcap reader (tcpdump format, both byte orders, usec/nsec) and link-layer decoding (Ethernet, VLAN, Linux cooked v1/v2).

export enum LinkType {
  Ethernet = 1,
  LinuxSll = 113,
  LinuxSll2 = 276,
}

export enum EtherType {
  Ipv4 = 0x0800,
  Arp = 0x0806,
  Vlan = 0x8100,
  QinQ = 0x88a8,
  Ipv6 = 0x86dd,
}

export interface PcapRecord {
  /** 0-based index of the record in the file (tcpdump's frame number minus 1). */
  index: number;
  /** capture time in microseconds since the epoch */
  timestampUs: number;
  originalLength: number;
  data: Buffer;
}

export interface PcapFile {
  linkType: number;
  snapLength: number;
  nanosecond: boolean;
  records: PcapRecord[];
}

export class PcapError extends Error {
  readonly code = 'EPCAP';
  constructor(message: string) {
    super(message);
    this.name = 'PcapError';
  }
}

/** Reads a whole classic pcap file held in memory. Throws PcapError on a malformed file. */
export function readPcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw new PcapError(`pcap length is ${buf.length}; should be at least 24 (global header)`);
  const magicBE = buf.readUInt32BE(0);
  let le: boolean;
  let nanosecond: boolean;
  if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    le = false;
    nanosecond = magicBE === 0xa1b23c4d;
  } else if (magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1) {
    le = true;
    nanosecond = magicBE === 0x4d3cb2a1;
  } else {
    throw new PcapError(`pcap magic is 0x${magicBE.toString(16)}; should be 0xa1b2c3d4 or 0xa1b23c4d in either byte order (pcapng is not supported)`);
  }
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const snapLength = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw new PcapError(`pcap record ${records.length} header at offset ${off} is truncated`);
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    off += 16;
    if (off + incl > buf.length) throw new PcapError(`pcap record ${records.length} length is ${incl}; should be at most the ${buf.length - off} bytes left`);
    records.push({
      index: records.length,
      timestampUs: sec * 1e6 + (nanosecond ? Math.floor(frac / 1000) : frac),
      originalLength: orig,
      data: buf.subarray(off, off + incl),
    });
    off += incl;
  }
  return { linkType, snapLength, nanosecond, records };
}

export interface LinkFrame {
  etherType: number;
  srcMac?: string;
  dstMac?: string;
  vlan?: number[];
  payload: Buffer;
}

const mac = (b: Buffer, off: number): string =>
  Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

/** Strips the link-layer header of one record. Returns undefined for an unsupported or short frame. */
export function decodeLink(linkType: number, data: Buffer): LinkFrame | undefined {
  let etherType: number;
  let off: number;
  let srcMac: string | undefined;
  let dstMac: string | undefined;
  if (linkType === LinkType.Ethernet) {
    if (data.length < 14) return undefined;
    dstMac = mac(data, 0);
    srcMac = mac(data, 6);
    etherType = data.readUInt16BE(12);
    off = 14;
  } else if (linkType === LinkType.LinuxSll) {
    // packet type(2) arphrd(2) addr len(2) addr(8) protocol(2)
    if (data.length < 16) return undefined;
    const alen = data.readUInt16BE(4);
    if (alen === 6) srcMac = mac(data, 6);
    etherType = data.readUInt16BE(14);
    off = 16;
  } else if (linkType === LinkType.LinuxSll2) {
    // protocol(2) reserved(2) ifindex(4) arphrd(2) packet type(1) addr len(1) addr(8)
    if (data.length < 20) return undefined;
    etherType = data.readUInt16BE(0);
    if (data[11] === 6) srcMac = mac(data, 12);
    off = 20;
  } else {
    return undefined;
  }
  const vlan: number[] = [];
  while (etherType === EtherType.Vlan || etherType === EtherType.QinQ) {
    if (data.length < off + 4) return undefined;
    vlan.push(data.readUInt16BE(off) & 0x0fff);
    etherType = data.readUInt16BE(off + 2);
    off += 4;
  }
  const frame: LinkFrame = { etherType, payload: data.subarray(off) };
  if (srcMac) frame.srcMac = srcMac;
  if (dstMac) frame.dstMac = dstMac;
  if (vlan.length) frame.vlan = vlan;
  return frame;
}
