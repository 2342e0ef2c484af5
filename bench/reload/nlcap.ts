// IPVS requests in an nlmon capture (pcap, LINKTYPE_NETLINK 253): every generic netlink request a process sent to the
// kernel, decoded with our codec, so that ours and keepalived's operations are counted the same way.
import { readPcap } from '../../src/vrrp/pcap';
import { parse } from '../../src/ipvs/codec';
import { IpvsCmd } from '../../src/ipvs/constants';
import { formatAddress } from '../../src/ipvs/address';

const LINKTYPE_NETLINK = 253;
const NETLINK_GENERIC = 16;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
// include/uapi/linux/netlink.h: NLMSG_ERROR 2, NLMSG_DONE 3; linux/genetlink.h: GENL_ID_CTRL 0x10
const CONTROL_TYPES = new Set([1, 2, 3, 4, 0x10]);

export interface IpvsRequest {
  tMs: number;
  /** nlmsg_pid: the sender's port id (libnl: pid + (k << 22); ours: kernel-assigned) */
  portId: number;
  cmd: string;
  dump: boolean;
  /** "vip:port" (or "fwm<mark>") when the request names a service */
  service?: string;
  /** "rip:port" when it names a destination */
  dest?: string;
}

/** Modifying commands: everything a reload may issue to change the table. */
export const MODIFYING = new Set(['NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'FLUSH', 'ZERO', 'SET_CONFIG']);

/** Generic netlink requests (not control family) in an nlmon pcap; the only genl family in use is assumed IPVS. */
export function ipvsRequests(pcap: Buffer): IpvsRequest[] {
  const f = readPcap(pcap);
  if (f.linkType !== LINKTYPE_NETLINK) throw new Error(`capture link type is ${f.linkType}; should be ${LINKTYPE_NETLINK} (nlmon)`);
  const out: IpvsRequest[] = [];
  for (const r of f.records) {
    const d = r.data;
    if (d.length < 32 || d.readUInt16BE(14) !== NETLINK_GENERIC) continue;
    for (let p = 16; p + 16 <= d.length; ) {
      const len = d.readUInt32LE(p);
      if (len < 16 || p + len > d.length) break; // truncated by the snap length
      const type = d.readUInt16LE(p + 4);
      const flags = d.readUInt16LE(p + 6);
      if (flags & NLM_F_REQUEST && !CONTROL_TYPES.has(type) && len >= 20) {
        const req: IpvsRequest = { tMs: r.timestampUs / 1000, portId: d.readUInt32LE(p + 12), cmd: IpvsCmd[d[p + 16]!] ?? `cmd-${d[p + 16]}`, dump: (flags & NLM_F_DUMP) === NLM_F_DUMP };
        try {
          const m = parse(d.subarray(p + 16, p + len));
          const s = m.service;
          if (s?.fwmark) req.service = `fwm${s.fwmark}`;
          else if (s?.addr && s.af !== undefined) req.service = `${formatAddress(s.af, s.addr)}:${s.port}`;
          const dd = m.dest;
          if (dd?.addr) req.dest = `${formatAddress(dd.addrFamily ?? s?.af ?? 2, dd.addr)}:${dd.port}`;
        } catch {
          /* undecodable attributes: counted by command only */
        }
        out.push(req);
      }
      p += (len + 3) & ~3;
    }
  }
  return out;
}

/** The entry a request touches: "svc" or "svc>dest". */
export function entryOf(r: IpvsRequest): string | undefined {
  if (!r.service) return undefined;
  return r.dest ? `${r.service}>${r.dest}` : r.service;
}
