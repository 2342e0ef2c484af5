// The CommandEntry of a FastLine (fast-restore.ts): the entry the full parser makes of the same restore line. The
// restore loop does not need it (it goes from FastLine to batch operation); tests compare it with the full parser's.
import { FastLine, fastRestoreLine } from './fast-restore';
import type { FastAddr } from './fast-values';
import { AF_INET6, inetPton4 } from './resolve';
import { CommandEntry, Opt, newEntry } from './spec';

/** parse_service()'s 16 address bytes (union nf_inet_addr) of a fast address, into `out` (zeros when it has none). */
function addrBytes(a: FastAddr, out: Buffer): void {
  // (a fwmark service has a family and no address: -f, -6)
  if (a.af === AF_INET6) a.v6?.copy(out, 0);
  else if (a.af !== 0) inetPton4(a.v4)!.copy(out, 0);
}

export function fastLineEntry(f: FastLine): CommandEntry {
  const e = newEntry();
  e.cmd = f.cmd;
  for (let o = 0; o < 34; o++) if (o < 32 ? f.optsLo & (1 << o) : f.optsHi & (1 << (o - 32))) e.options.add(o as Opt);
  const s = e.svc;
  s.af = f.svc.af;
  s.protocol = f.protocol;
  addrBytes(f.svc, s.addr);
  s.port = f.svc.port;
  s.fwmark = f.fwmark;
  s.schedName = f.schedName;
  s.flags = f.flags;
  s.timeout = f.timeout;
  s.netmask = f.svc.netmask;
  s.peName = f.peName;
  const d = e.dest;
  d.af = f.dest.af;
  addrBytes(f.dest, d.addr);
  d.port = f.dest.port;
  d.fwd = f.fwd;
  d.weight = f.weight;
  d.uThreshold = f.uThreshold;
  d.lThreshold = f.lThreshold;
  d.tunType = f.tunType;
  d.tunPort = f.tunPort;
  d.tunFlags = f.tunFlags;
  return e;
}

/** The fast path as a parser: the CommandEntry of a line in the fast subset, or undefined (see fastRestoreLine). */
export function fastRestoreEntry(args: readonly string[]): CommandEntry | undefined {
  const f = fastRestoreLine(args);
  return f && fastLineEntry(f);
}
