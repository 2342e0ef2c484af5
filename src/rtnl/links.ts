// Interfaces: list them, find one by name, and read their administrative and carrier state.
import { Rtnl } from './socket';

export interface LinkInfo {
  index: number;
  name: string;
  /** administratively up (IFF_UP) */
  up: boolean;
  /** carrier present / operationally running (IFF_RUNNING) */
  running: boolean;
  mac?: string;
  mtu?: number;
}

export function macText(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  return Array.from(b)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join(':');
}

interface RawLink {
  data: { index?: number; flags?: { up?: true; running?: true; lowerUp?: true } };
  attrs: { ifname?: string; address?: Buffer; mtu?: number };
}

export function toLinkInfo(m: RawLink): LinkInfo {
  return {
    index: m.data.index ?? 0,
    name: m.attrs.ifname ?? '',
    up: Boolean(m.data.flags?.up),
    running: Boolean(m.data.flags?.running),
    mac: macText(m.attrs.address),
    mtu: m.attrs.mtu,
  };
}

export async function listLinks(rt: Rtnl): Promise<LinkInfo[]> {
  const msgs = await rt.call('list links', 'all', (s) => s.getLinks());
  return msgs.map((m) => toLinkInfo(m as unknown as RawLink));
}

export async function linkByName(rt: Rtnl, name: string): Promise<LinkInfo | undefined> {
  return (await listLinks(rt)).find((l) => l.name === name);
}
