// keepalived's defaults that the command line falls back on.
import * as os from 'os';

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

/** keepalived's default config id: the node name up to its first dot. */
export function configIdDefault(): string {
  return os.hostname().split('.')[0];
}
