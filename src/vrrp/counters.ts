// Per-instance VRRP statistics and the named reasons a received packet is rejected (keepalived vrrp_stats, VRRP-MIB).

/**
 * Why a received packet was not accepted. Each maps to a keepalived 2.2.7 stats field (include/vrrp.h
 * vrrp_stats) or, where keepalived only logs, to its own counter here.
 */
export enum RejectReason {
  /** IP header missing, truncated or not IPv4 (keepalived vrrp_get_header: "packet too short"). */
  IpHeader = 'ip-header',
  /** IP protocol is not 112 (or 51 for AH). */
  IpProtocol = 'ip-protocol',
  /** VRRP message shorter/longer than its Count and version imply, or IP total length wrong (packet_len_err). */
  PacketLength = 'packet-length',
  /** TTL / Hop Limit is not 255 on a multicast instance, or outside a unicast peer's min/max_ttl (ip_ttl_err). */
  IpTtl = 'ip-ttl',
  /** Version field is not the instance's version, or not 2/3 at all (vers_err). */
  Version = 'version',
  /** Type field is not ADVERTISEMENT (invalid_type_rcvd). */
  InvalidType = 'invalid-type',
  /** Checksum does not verify (chk_err). */
  Checksum = 'checksum',
  /** VRID is not this instance's (vrid_err). */
  VridMismatch = 'vrid-mismatch',
  /** v2 auth type not 0/1/2 (invalid_authtype). */
  InvalidAuthType = 'invalid-auth-type',
  /** v2 auth type 2 (IPsec AH): obsolete since RFC 3768, not implemented; counted on its own. */
  AuthAhObsolete = 'auth-ah-obsolete',
  /** v2 auth type differs from the configured one (authtype_mismatch). */
  AuthTypeMismatch = 'auth-type-mismatch',
  /** v2 PASS password differs (auth_failure). */
  AuthFailure = 'auth-failure',
  /** v2 Adver Int differs from ours (advert_interval_err; keepalived drops it and only logs). */
  AdvertInterval = 'advert-interval',
  /** Count IPvX Addrs differs from the configured VIP count (addr_list_err). */
  AddressCount = 'address-count',
  /** A configured VIP is absent from the advert (addr_list_err). */
  AddressList = 'address-list',
  /** Multicast received on a unicast instance or unicast on a multicast one (keepalived counts addr_list_err). */
  DestinationType = 'destination-type',
  /** Unicast source is not a configured unicast_peer (check_unicast_src; keepalived only logs). */
  UnicastSource = 'unicast-source',
  /** Address family of the packet is not the instance's. */
  Family = 'family',
}

export const ALL_REJECT_REASONS: readonly RejectReason[] = Object.values(RejectReason);

/** Per-instance counters. Names follow keepalived's vrrp_stats so `lvskeeper` can print the same statistics. */
export class VrrpCounters {
  advertRcvd = 0;
  advertSent = 0;
  becomeMaster = 0;
  releaseMaster = 0;
  priZeroRcvd = 0;
  priZeroSent = 0;
  readonly rejected: Record<RejectReason, number>;

  constructor() {
    this.rejected = Object.fromEntries(ALL_REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  }

  reject(reason: RejectReason): void {
    this.rejected[reason]++;
  }

  totalRejected(): number {
    let n = 0;
    for (const r of ALL_REJECT_REASONS) n += this.rejected[r];
    return n;
  }

  /** keepalived's aggregate fields (vrrp_print.c / SNMP) computed from the finer reasons. */
  keepalivedView(): Record<string, number> {
    const r = this.rejected;
    return {
      advert_rcvd: this.advertRcvd,
      advert_sent: this.advertSent,
      become_master: this.becomeMaster,
      release_master: this.releaseMaster,
      packet_len_err: r[RejectReason.PacketLength] + r[RejectReason.IpHeader],
      advert_interval_err: r[RejectReason.AdvertInterval],
      ip_ttl_err: r[RejectReason.IpTtl],
      invalid_type_rcvd: r[RejectReason.InvalidType],
      addr_list_err: r[RejectReason.AddressCount] + r[RejectReason.AddressList] + r[RejectReason.DestinationType],
      invalid_authtype: r[RejectReason.InvalidAuthType] + r[RejectReason.AuthAhObsolete],
      authtype_mismatch: r[RejectReason.AuthTypeMismatch],
      auth_failure: r[RejectReason.AuthFailure],
      pri_zero_rcvd: this.priZeroRcvd,
      pri_zero_sent: this.priZeroSent,
      chk_err: r[RejectReason.Checksum],
      vers_err: r[RejectReason.Version],
      vrid_err: r[RejectReason.VridMismatch],
    };
  }

  snapshot(): {
    advertRcvd: number;
    advertSent: number;
    becomeMaster: number;
    releaseMaster: number;
    priZeroRcvd: number;
    priZeroSent: number;
    rejected: Record<RejectReason, number>;
  } {
    return {
      advertRcvd: this.advertRcvd,
      advertSent: this.advertSent,
      becomeMaster: this.becomeMaster,
      releaseMaster: this.releaseMaster,
      priZeroRcvd: this.priZeroRcvd,
      priZeroSent: this.priZeroSent,
      rejected: { ...this.rejected },
    };
  }
}
