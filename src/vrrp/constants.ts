// VRRP protocol numbers and fixed values (RFC 3768 section 5, RFC 5798 section 5, keepalived include/vrrp.h 2.2.7).

/** IP protocol number of VRRP (RFC 5798 5.1.1.4 / IANA). */
export const IPPROTO_VRRP = 112;
/** IP protocol number of IPsec AH (RFC 2402), used by the obsolete VRRPv2 auth type 2. */
export const IPPROTO_AH = 51;

/** IPv4 multicast group for VRRP (RFC 5798 5.1.1.2). */
export const VRRP_MCAST_GROUP4 = '224.0.0.18';
/** IPv6 multicast group for VRRP (RFC 5798 5.1.2.2). */
export const VRRP_MCAST_GROUP6 = 'ff02::12';

/** TTL / Hop Limit that adverts are sent with and must be received with (RFC 5798 5.1.1.3, 7.1). */
export const VRRP_TTL = 255;

export enum VrrpVersion {
  V2 = 2,
  V3 = 3,
}

/** Type field (RFC 5798 5.2.2): only ADVERTISEMENT exists. */
export enum VrrpType {
  Advertisement = 1,
}

/** VRRPv2 Auth Type (RFC 3768 5.3.6; RFC 2338 5.3.6 defined 1 and 2, RFC 3768 removed them). */
export enum AuthType {
  None = 0,
  /** Simple text password (RFC 2338 5.3.6.2), what keepalived calls PASS. */
  Pass = 1,
  /** IP Authentication Header (RFC 2338 5.3.6.3), obsolete: RFC 3768 removed it, keepalived deprecates it. */
  Ah = 2,
}

export const PRIORITY_STOP = 0; // RFC 5798 5.2.4: current master stops participating
export const PRIORITY_OWNER = 255; // RFC 5798 5.2.4: IPvX address owner
export const PRIORITY_DEFAULT = 100; // RFC 5798 5.2.4 default for backups

/** VRRP fixed header length (both versions). */
export const VRRP_HEADER_LEN = 8;
/** VRRPv2 authentication data length (RFC 3768 5.3.10). */
export const VRRP_AUTH_LEN = 8;
/** Max Advertise Interval is a 12-bit field in centiseconds (RFC 5798 5.2.7). */
export const V3_MAX_ADVERT_INTERVAL_CS = 0x0fff;
/** Number of adverts missed before the master is declared down (RFC 5798 6.1; keepalived down_timer_adverts). */
export const DOWN_TIMER_ADVERTS = 3;
