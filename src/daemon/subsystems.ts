// Which subsystems run for the given flags (-P VRRP only, -C checkers only), as keepalived decides.
import type { DaemonArgs } from '../cli/args';
import type { Subsystem } from './subsystem';

export async function subsystemsFor(args: DaemonArgs): Promise<Subsystem[]> {
  const out: Subsystem[] = [];
  if (!args.checkOnly) out.push((await import('./vrrp-subsystem')).createVrrpSubsystem());
  if (!args.vrrpOnly) out.push(new (await import('./lvs-subsystem')).LvsSubsystem());
  return out;
}
