// BFD keywords (keepalived/bfd/bfd_parser.c init_bfd_keywords, v2.2.7): recognised, not implemented by lvskeeper.
import { type KeywordTable, unsupported } from './table';

const BFD = 'BFD is not implemented';

/** Keywords inside `bfd_instance NAME { ... }`; listed so that their use is recognised, not reported as unknown. */
export const BFD_INSTANCE_KEYWORDS: string[] = [
  'source_ip', 'neighbor_ip', 'neighbour_ip', 'min_rx', 'min_tx', 'idle_tx', 'multiplier', 'passive', 'ttl',
  'hoplimit', 'max_hops', 'weight', 'vrrp', 'checker',
];

export const BFD_ROOT_KEYWORDS: KeywordTable = [
  unsupported('bfd_instance', 'NAME { neighbor_ip ADDR; ... }', BFD, { block: 'keywords' }),
];
