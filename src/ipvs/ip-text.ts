// IPv4 and IPv6 address text validation with node:net's isIPv4/isIPv6 answers, without loading node:net (which
// brings Node's whole streams stack: ~25 internal modules, a noticeable part of lvsadm's start under emulation).
// Equivalence with node:net is a property test (test/unit/ipvs-ip-text.test.ts).

/** Dotted quad, each part 0-255 without leading zeros (node:net isIPv4). */
const V4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
/** node:net accepts a zone index after '%' made of these characters */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

export function isIPv4Text(s: string): boolean {
  return V4.test(s);
}

/**
 * RFC 4291 section 2.2 text forms: eight 16-bit hex groups, or fewer with one "::" standing for at least one zero
 * group, the last 32 bits optionally as a dotted quad (which must end the address); then an optional "%zone".
 */
export function isIPv6Text(s: string): boolean {
  let addr = s;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (!ZONE.test(s.slice(pct + 1))) return false;
    addr = s.slice(0, pct);
  }
  const dbl = addr.indexOf('::');
  if (dbl >= 0 && addr.indexOf('::', dbl + 1) >= 0) return false;
  const head = dbl >= 0 ? addr.slice(0, dbl) : addr;
  const tail = dbl >= 0 ? addr.slice(dbl + 2) : '';
  const groups = head === '' && dbl >= 0 ? [] : head.split(':');
  if (dbl >= 0 && tail !== '') groups.push(...tail.split(':'));
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    // a dotted quad only as the very end of the text (not before a "::" that ends it)
    const last = i === groups.length - 1 && (dbl < 0 || tail !== '');
    if (last && g.includes('.')) {
      if (!V4.test(g)) return false;
      count += 2;
    } else if (HEX_GROUP.test(g)) count++;
    else return false;
  }
  return dbl >= 0 ? count <= 7 : count === 8;
}
