// VRRPv2 authentication data (RFC 2338 5.3.6/5.3.10, RFC 3768 5.3.6): none, simple password (PASS), obsolete AH.

import { timingSafeEqual } from 'node:crypto';
import { AuthType, VRRP_AUTH_LEN } from './constants';

/**
 * The 8 authentication data bytes for a password: keepalived (vrrp_parser.c vrrp_auth_pass_handler) copies at
 * most 8 bytes of the configured string and zero-pads the rest. Longer passwords are truncated (keepalived
 * warns "Truncating auth_pass to 8 characters").
 */
export function passwordBytes(password: string): Buffer {
  const out = Buffer.alloc(VRRP_AUTH_LEN);
  Buffer.from(password, 'utf8').copy(out, 0, 0, VRRP_AUTH_LEN);
  return out;
}

/** Authentication data for an auth type: zeros except for PASS (RFC 3768 5.3.10: "MUST be set to zero on transmission"). */
export function authDataFor(type: AuthType, password: string | undefined): Buffer {
  if (type === AuthType.Pass) return passwordBytes(password ?? '');
  return Buffer.alloc(VRRP_AUTH_LEN);
}

/** Constant-time compare of received auth data with the configured password (keepalived memcmp_constant_time). */
export function passwordMatches(received: Uint8Array, password: string): boolean {
  if (received.length !== VRRP_AUTH_LEN) return false;
  return timingSafeEqual(Buffer.from(received), passwordBytes(password));
}

export function authTypeName(type: number): string {
  switch (type) {
    case AuthType.None:
      return '0 (none)';
    case AuthType.Pass:
      return '1 (PASS)';
    case AuthType.Ah:
      return '2 (AH)';
    default:
      return `${type} (unknown)`;
  }
}

/** Printable form of auth data for logs: the password bytes up to the first NUL, never more than 8 chars. */
export function describeAuthData(data: Uint8Array): string {
  const end = data.indexOf(0);
  return JSON.stringify(Buffer.from(data.subarray(0, end < 0 ? data.length : end)).toString('latin1'));
}
