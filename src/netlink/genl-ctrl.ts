// Generic netlink controller (family "nlctrl", include/uapi/linux/genetlink.h): ids and the pure parse of a
// CTRL_CMD_NEWFAMILY reply (family id, version, multicast groups).
import { constants as osConstants } from 'os';
import { NetlinkError } from './errors';
import { attrMap, getString, getU16, getU32, parseAttrs } from './message';

export const NETLINK_GENERIC = 16;
export const GENL_ID_CTRL = 0x10;

export enum CtrlCmd {
  GETFAMILY = 3,
}
export enum CtrlAttr {
  FAMILY_ID = 1,
  FAMILY_NAME = 2,
  VERSION = 3,
  HDRSIZE = 4,
  MAXATTR = 5,
  OPS = 6,
  MCAST_GROUPS = 7,
}
export enum CtrlAttrMcastGrp {
  NAME = 1,
  ID = 2,
}

export interface FamilyInfo {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  /** multicast group name -> group id, for a monitoring socket's addMembership */
  mcastGroups: Map<string, number>;
}

/** Pure parse of a CTRL_CMD_NEWFAMILY reply's attributes. */
export function parseFamilyReply(attrs: Buffer): FamilyInfo {
  const m = attrMap(attrs);
  const id = m.get(CtrlAttr.FAMILY_ID);
  if (!id) throw new NetlinkError('resolve generic netlink family', osConstants.errno.EPROTO, undefined, 'EPROTO', 'reply has no CTRL_ATTR_FAMILY_ID');
  const groups = new Map<string, number>();
  const g = m.get(CtrlAttr.MCAST_GROUPS);
  if (g) {
    for (const grp of parseAttrs(g)) {
      const gm = attrMap(grp.data);
      const gname = gm.get(CtrlAttrMcastGrp.NAME);
      const gid = gm.get(CtrlAttrMcastGrp.ID);
      if (gname && gid) groups.set(getString(gname), getU32(gid));
    }
  }
  return {
    id: getU16(id),
    name: m.has(CtrlAttr.FAMILY_NAME) ? getString(m.get(CtrlAttr.FAMILY_NAME)!) : '',
    version: m.has(CtrlAttr.VERSION) ? getU32(m.get(CtrlAttr.VERSION)!) : 0,
    hdrsize: m.has(CtrlAttr.HDRSIZE) ? getU32(m.get(CtrlAttr.HDRSIZE)!) : 0,
    maxattr: m.has(CtrlAttr.MAXATTR) ? getU32(m.get(CtrlAttr.MAXATTR)!) : 0,
    mcastGroups: groups,
  };
}
