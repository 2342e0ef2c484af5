/*
 * lvsk_packet.c - the few socket operations lvskeeper's VRRP needs that Node and raw-socket cannot do.
 *
 * WHY
 *   raw-socket (npm, 1.8) opens AF_INET/AF_INET6 SOCK_RAW sockets and reads them with recvfrom(): no
 *   ancillary data, no socket options beyond a fixed few, no AF_PACKET. VRRP needs:
 *   - gratuitous ARP and unsolicited neighbour advertisements as whole Ethernet frames on one
 *     interface, as keepalived 2.2.7 sends them (vrrp_arp.c / vrrp_ndisc.c: PF_PACKET SOCK_RAW);
 *   - the hop limit of every received IPv6 VRRP packet (RFC 5798 7.1: "MUST verify that the IPv6 Hop
 *     Limit is 255"): a raw IPv6 socket does not deliver the IPv6 header, so the hop limit arrives only
 *     as IPV6_HOPLIMIT ancillary data (IPV6_RECVHOPLIMIT, RFC 3542 6.3), and the destination address
 *     and arrival interface only as IPV6_PKTINFO (IPV6_RECVPKTINFO), which needs recvmsg();
 *   - sending with hop limit 255 from a chosen source address (IPV6_PKTINFO / IP_PKTINFO cmsg).
 *   The IPv4 side is the same code with IP_PKTINFO and IP_RECVTTL (a raw IPv4 socket also delivers the
 *   IP header, so the TTL is in the data too), so the VRRP module uses one API for both families.
 *
 * FUNCTIONS (all synchronous except the receive callback; a "handle" is an opaque external)
 *   packetOpen(ifindex)            -> handle   socket(AF_PACKET, SOCK_RAW, 0) bound to ifindex. Protocol 0:
 *                                             the kernel queues nothing to it (send only).
 *   packetSend(handle, frame)      -> bytes    sendto() of a whole Ethernet frame (destination MAC,
 *                                             source MAC, ethertype, payload) on the bound interface.
 *   ipOpen(options)                -> handle   socket(AF_INET|AF_INET6, SOCK_RAW, protocol), options (all
 *                                             optional except family and protocol):
 *       family 4|6, protocol (112 VRRP, 58 ICMPv6, ...), device (SO_BINDTODEVICE),
 *       bind (local address text; keepalived binds a receive socket to the multicast group),
 *       join {group, ifindex} (IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP), multicastIf (ifindex),
 *       multicastLoop (bool, default kernel), multicastAll (bool; keepalived sets false),
 *       hopLimit (IPV6_UNICAST_HOPS+IPV6_MULTICAST_HOPS / IP_TTL+IP_MULTICAST_TTL),
 *       checksumOffset (IPV6_CHECKSUM: kernel computes on send and verifies on receive; VRRP: 6),
 *       headerIncluded (IPv4 IP_HDRINCL), tos (IP_TOS / IPV6_TCLASS), rcvbuf (SO_RCVBUF),
 *       noReceive (attach a drop-all BPF filter, for send-only sockets, keepalived's
 *       if_setsockopt_no_receive). IPV6_RECVHOPLIMIT+IPV6_RECVPKTINFO / IP_RECVTTL+IP_PKTINFO are always set.
 *   ipStart(handle, cb)                       starts reading on the libuv loop (uv_poll on the fd, loop
 *                                             from napi_get_uv_event_loop). For each datagram:
 *                                             cb(null, data, source, hopLimit, destination, ifindex);
 *                                             hopLimit -1 / destination '' / ifindex 0 when the kernel gave
 *                                             no such ancillary data. A receive error: cb(err).
 *                                             The handle stays alive (and keeps the loop alive) until close.
 *   ipRef(handle, bool)                       uv_ref / uv_unref of the poll handle (no-op before ipStart).
 *   ipSend(handle, data, destination, source, ifindex, hopLimit) -> bytes
 *                                             sendmsg(); source ('' = kernel's choice) and ifindex (0 = none)
 *                                             go in an IPV6_PKTINFO / IP_PKTINFO cmsg, hopLimit (-1 = socket
 *                                             default) in an IPV6_HOPLIMIT / IP_TTL cmsg. ifindex is also the
 *                                             scope of a link-local destination.
 *   close(handle)                             stops the poll (uv_poll_stop + uv_close) and closes the fd;
 *                                             idempotent. A handle that is garbage-collected unclosed and not
 *                                             reading is closed by its finalizer. When the environment ends
 *                                             (process or worker exit) with a handle still reading, an
 *                                             asynchronous cleanup hook closes it before a worker unloads
 *                                             the addon (uv_close's callback lives in this library).
 *
 * ERRORS
 *   A failed system call throws (or passes to the receive callback) an Error whose message is
 *   "<syscall> <CODE>: <strerror> (<context>)" with properties code (errno name from libuv, "EPERM"),
 *   errno (positive, as the rest of lvskeeper), syscall ("socket", "bind", "setsockopt IPV6_CHECKSUM",
 *   "sendto", "sendmsg", "recvmsg", "uv_poll_start", ...). Bad arguments throw TypeError/RangeError with
 *   code ERR_INVALID_ARG (napi_throw_type_error/range_error). Using a closed handle: code EBADF.
 *
 * Build: node-gyp (see README.md). Plain Node-API (node_api.h), version 8; C99; Linux only.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29 /* linux/in6.h, Linux >= 4.20 */
#endif

#define RECV_BUF_SIZE 65536
#define RECV_BATCH 64 /* datagrams per readable event before yielding to the loop */

enum sock_kind { KIND_PACKET = 1, KIND_IP = 2 };
enum poll_state { POLL_NONE = 0, POLL_ACTIVE, POLL_CLOSING, POLL_CLOSED };

typedef struct {
  int kind;
  int fd;
  int family; /* AF_INET / AF_INET6 for KIND_IP; AF_PACKET for KIND_PACKET */
  int ifindex; /* KIND_PACKET: bound interface */
  napi_env env;
  enum poll_state poll_state;
  bool finalized;
  uv_poll_t poll;
  napi_ref self_ref; /* strong while reading: the handle cannot be collected */
  napi_ref cb_ref;
  napi_async_context async_ctx;
  bool delivering; /* inside napi_make_callback: close() defers napi_async_destroy */
  napi_async_cleanup_hook_handle cleanup; /* registered while the poll handle exists */
  unsigned char *rbuf;
} lvsk_sock;

/* ---------- errors ---------- */

static napi_value make_sys_error(napi_env env, int err, const char *syscall, const char *context) {
  const char *code = uv_err_name(-err);
  char msg[256];
  snprintf(msg, sizeof msg, "%s %s: %s%s%s%s", syscall, code, strerror(err), context && *context ? " (" : "",
           context ? context : "", context && *context ? ")" : "");
  napi_value jcode, jmsg, e, v;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_error(env, jcode, jmsg, &e);
  napi_create_int32(env, err, &v);
  napi_set_named_property(env, e, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "syscall", v);
  return e;
}

static void throw_sys(napi_env env, int err, const char *syscall, const char *context) {
  napi_throw(env, make_sys_error(env, err, syscall, context));
}

#define CHECK_NAPI(call)                                                                       \
  do {                                                                                         \
    if ((call) != napi_ok) {                                                                   \
      bool pending_ = false;                                                                   \
      napi_is_exception_pending(env, &pending_);                                               \
      if (!pending_) napi_throw_error(env, "ERR_NAPI", "Node-API call failed: " #call);        \
      return NULL;                                                                             \
    }                                                                                          \
  } while (0)

/* ---------- handles ---------- */

static void sock_free_if_done(lvsk_sock *s) {
  if (s->finalized && (s->poll_state == POLL_NONE || s->poll_state == POLL_CLOSED)) {
    free(s->rbuf);
    free(s);
  }
}

static void on_poll_closed(uv_handle_t *h) {
  lvsk_sock *s = (lvsk_sock *)h->data;
  s->poll_state = POLL_CLOSED;
  /* Only now may a worker's environment finish tearing down (and unload this addon). */
  if (s->cleanup) {
    napi_remove_async_cleanup_hook(s->cleanup);
    s->cleanup = NULL;
  }
  sock_free_if_done(s);
}

/* Stops reading and closes the fd; releases the references that kept the handle alive. Idempotent. */
static void sock_close(napi_env env, lvsk_sock *s) {
  if (s->poll_state == POLL_ACTIVE) {
    uv_poll_stop(&s->poll);
    s->poll_state = POLL_CLOSING;
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
    if (s->cb_ref) napi_delete_reference(env, s->cb_ref);
    if (s->self_ref) napi_delete_reference(env, s->self_ref);
    if (s->async_ctx && !s->delivering) {
      napi_async_destroy(env, s->async_ctx);
      s->async_ctx = NULL;
    }
    s->cb_ref = NULL;
    s->self_ref = NULL;
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

/*
 * Environment teardown (worker exit, process exit) with the poll handle still open: close it. This is an
 * asynchronous cleanup hook (Node-API 8) because a worker unloads the addon after its cleanup: the
 * uv_close callback must have run by then, and on_poll_closed signals that by removing the hook.
 */
static void async_cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg) {
  lvsk_sock *s = (lvsk_sock *)arg;
  s->cleanup = handle;
  sock_close(s->env, s); /* no-op if close() already started closing the poll handle */
}

static void sock_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  lvsk_sock *s = (lvsk_sock *)data;
  /* A reading handle is closed by async_cleanup_hook before this runs at teardown; otherwise it is
   * garbage that was never closed. */
  if (s->poll_state == POLL_ACTIVE) {
    uv_poll_stop(&s->poll);
    s->poll_state = POLL_CLOSING;
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  s->finalized = true;
  sock_free_if_done(s);
}

static napi_value wrap_sock(napi_env env, lvsk_sock *s) {
  napi_value ext;
  if (napi_create_external(env, s, sock_finalize, NULL, &ext) != napi_ok) {
    close(s->fd);
    free(s->rbuf);
    free(s);
    napi_throw_error(env, "ERR_NAPI", "napi_create_external failed");
    return NULL;
  }
  return ext;
}

static lvsk_sock *get_sock(napi_env env, napi_value v, int kind) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok ||
      !p || ((lvsk_sock *)p)->kind != kind) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", kind == KIND_PACKET ? "handle is not a packet socket" : "handle is not an IP socket");
    return NULL;
  }
  lvsk_sock *s = (lvsk_sock *)p;
  if (s->fd < 0) {
    throw_sys(env, EBADF, "use", "socket is closed");
    return NULL;
  }
  return s;
}

/* ---------- argument helpers ---------- */

static bool get_int_arg(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    char m[128];
    snprintf(m, sizeof m, "%s should be a number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG", m);
    return false;
  }
  if (d != (double)(int64_t)d || d < (double)min || d > (double)max) {
    char m[160];
    snprintf(m, sizeof m, "%s is %g; should be an integer in %lld..%lld", what, d, (long long)min, (long long)max);
    napi_throw_range_error(env, "ERR_INVALID_ARG", m);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

/* Copies a JS string into buf; false (with a pending exception) if it is not a string or too long. */
static bool get_str_arg(napi_env env, napi_value v, const char *what, char *buf, size_t size) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    char m[128];
    snprintf(m, sizeof m, "%s should be a string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG", m);
    return false;
  }
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  if (len >= size) {
    char m[128];
    snprintf(m, sizeof m, "%s is %zu bytes long; should be shorter than %zu", what, len, size);
    napi_throw_range_error(env, "ERR_INVALID_ARG", m);
    return false;
  }
  napi_get_value_string_utf8(env, v, buf, size, &len);
  return true;
}

/* Looks up obj[name]; *present=false when undefined or null. */
static bool get_prop(napi_env env, napi_value obj, const char *name, napi_value *out, bool *present) {
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return false;
  napi_typeof(env, *out, &t);
  *present = !(t == napi_undefined || t == napi_null);
  return true;
}

static bool get_opt_int(napi_env env, napi_value obj, const char *name, int64_t min, int64_t max, int64_t *out, bool *present) {
  napi_value v;
  if (!get_prop(env, obj, name, &v, present)) return false;
  return !*present || get_int_arg(env, v, name, min, max, out);
}

static bool get_opt_bool(napi_env env, napi_value obj, const char *name, bool *out, bool *present) {
  napi_value v;
  napi_valuetype t;
  if (!get_prop(env, obj, name, &v, present)) return false;
  if (!*present) return true;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) {
    char m[128];
    snprintf(m, sizeof m, "%s should be a boolean", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG", m);
    return false;
  }
  return napi_get_value_bool(env, v, out) == napi_ok;
}

/* Parses address text of the socket's family into a (zeroed) sockaddr; false + TypeError if invalid. */
static bool parse_addr(napi_env env, int family, const char *text, const char *what, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    *len = sizeof *a;
    if (inet_pton(AF_INET6, text, &a->sin6_addr) == 1) return true;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    *len = sizeof *a;
    if (inet_pton(AF_INET, text, &a->sin_addr) == 1) return true;
  }
  char m[200];
  snprintf(m, sizeof m, "%s is '%s'; should be an IPv%d address", what, text, family == AF_INET6 ? 6 : 4);
  napi_throw_type_error(env, "ERR_INVALID_ARG", m);
  return false;
}

static bool set_int_opt(napi_env env, int fd, int level, int opt, int val, const char *name) {
  if (setsockopt(fd, level, opt, &val, sizeof val) < 0) {
    char sc[64];
    snprintf(sc, sizeof sc, "setsockopt %s", name);
    throw_sys(env, errno, sc, NULL);
    return false;
  }
  return true;
}

/* ---------- AF_PACKET ---------- */

static napi_value packet_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t ifindex;
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "packetOpen(ifindex) needs an interface index");
    return NULL;
  }
  if (!get_int_arg(env, argv[0], "ifindex", 1, INT32_MAX, &ifindex)) return NULL;

  /* Protocol 0: no frames are queued to this socket; the ethertype of each frame is given to sendto. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw_sys(env, errno, "socket", "AF_PACKET SOCK_RAW");
    return NULL;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int e = errno;
    char ctx[48];
    snprintf(ctx, sizeof ctx, "ifindex %d", (int)ifindex);
    close(fd);
    throw_sys(env, e, "bind", ctx);
    return NULL;
  }
  lvsk_sock *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    throw_sys(env, ENOMEM, "calloc", NULL);
    return NULL;
  }
  s->kind = KIND_PACKET;
  s->fd = fd;
  s->family = AF_PACKET;
  s->ifindex = (int)ifindex;
  s->env = env;
  return wrap_sock(env, s);
}

static napi_value packet_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool isbuf = false;
  void *data;
  size_t len;
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "packetSend(handle, frame) needs two arguments");
    return NULL;
  }
  lvsk_sock *s = get_sock(env, argv[0], KIND_PACKET);
  if (!s) return NULL;
  napi_is_buffer(env, argv[1], &isbuf);
  if (!isbuf) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "frame should be a Buffer");
    return NULL;
  }
  CHECK_NAPI(napi_get_buffer_info(env, argv[1], &data, &len));
  if (len < ETH_HLEN) {
    char m[96];
    snprintf(m, sizeof m, "frame is %zu bytes; should be at least %d (an Ethernet header)", len, ETH_HLEN);
    napi_throw_range_error(env, "ERR_INVALID_ARG", m);
    return NULL;
  }
  const unsigned char *f = (const unsigned char *)data;
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = s->ifindex;
  /* skb->protocol: the frame's ethertype (for an 802.1Q-tagged frame, ETH_P_8021Q), as keepalived sets it. */
  memcpy(&sll.sll_protocol, f + 12, 2);
  sll.sll_halen = ETH_ALEN;
  memcpy(sll.sll_addr, f, ETH_ALEN);
  ssize_t n = sendto(s->fd, data, len, 0, (struct sockaddr *)&sll, sizeof sll);
  if (n < 0) {
    char ctx[48];
    snprintf(ctx, sizeof ctx, "ifindex %d", s->ifindex);
    throw_sys(env, errno, "sendto", ctx);
    return NULL;
  }
  napi_value r;
  napi_create_int64(env, (int64_t)n, &r);
  return r;
}

/* ---------- raw IPv4 / IPv6 ---------- */

static napi_value ip_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  napi_valuetype t;
  bool present, b;
  int64_t n, family, protocol;
  char text[INET6_ADDRSTRLEN + 1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "ipOpen(options) needs an options object");
    return NULL;
  }
  napi_value o = argv[0];
  if (!get_opt_int(env, o, "family", 4, 6, &family, &present)) return NULL;
  if (!present || (family != 4 && family != 6)) {
    napi_throw_range_error(env, "ERR_INVALID_ARG", "family should be 4 or 6");
    return NULL;
  }
  if (!get_opt_int(env, o, "protocol", 1, 255, &protocol, &present)) return NULL;
  if (!present) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "protocol should be an IP protocol number 1..255");
    return NULL;
  }
  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = socket(af, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, (int)protocol);
  if (fd < 0) {
    char ctx[48];
    snprintf(ctx, sizeof ctx, "AF_INET%s SOCK_RAW protocol %d", af == AF_INET6 ? "6" : "", (int)protocol);
    throw_sys(env, errno, "socket", ctx);
    return NULL;
  }
  lvsk_sock *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    throw_sys(env, ENOMEM, "calloc", NULL);
    return NULL;
  }
  s->kind = KIND_IP;
  s->fd = fd;
  s->family = af;
  s->env = env;
  napi_value handle = wrap_sock(env, s);
  if (!handle) return NULL;
  /* From here on, a failure closes the socket and throws. */
#define FAIL()                     \
  do {                             \
    sock_close(env, s);     \
    return NULL;                   \
  } while (0)
  bool v6 = af == AF_INET6;

  /* Ancillary data on receive: always on. */
  if (v6) {
    if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")) FAIL();
    if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")) FAIL();
  } else {
    if (!set_int_opt(env, fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL")) FAIL();
    if (!set_int_opt(env, fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO")) FAIL();
  }

  if (!get_opt_bool(env, o, "noReceive", &b, &present)) FAIL();
  if (present && b) {
    struct sock_filter code[1] = {BPF_STMT(BPF_RET | BPF_K, 0)}; /* drop every packet */
    struct sock_fprog prog = {1, code};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
      throw_sys(env, errno, "setsockopt SO_ATTACH_FILTER", NULL);
      FAIL();
    }
  }
  if (!get_opt_int(env, o, "rcvbuf", 0, INT32_MAX, &n, &present)) FAIL();
  if (present && !set_int_opt(env, fd, SOL_SOCKET, SO_RCVBUF, (int)n, "SO_RCVBUF")) FAIL();

  if (!get_opt_bool(env, o, "multicastAll", &b, &present)) FAIL();
  if (present && !set_int_opt(env, fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, b ? 1 : 0,
                              v6 ? "IPV6_MULTICAST_ALL" : "IP_MULTICAST_ALL"))
    FAIL();

  if (!get_opt_bool(env, o, "headerIncluded", &b, &present)) FAIL();
  if (present && b) {
    if (v6) {
      napi_throw_type_error(env, "ERR_INVALID_ARG", "headerIncluded is IPv4 only (IP_HDRINCL)");
      FAIL();
    }
    if (!set_int_opt(env, fd, IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL")) FAIL();
  }

  if (!get_opt_int(env, o, "checksumOffset", -1, 65534, &n, &present)) FAIL();
  if (present) {
    if (!v6) {
      napi_throw_type_error(env, "ERR_INVALID_ARG", "checksumOffset is IPv6 only (IPV6_CHECKSUM)");
      FAIL();
    }
    if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_CHECKSUM, (int)n, "IPV6_CHECKSUM")) FAIL();
  }

  if (!get_opt_int(env, o, "hopLimit", 0, 255, &n, &present)) FAIL();
  if (present) {
    if (v6) {
      if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, (int)n, "IPV6_UNICAST_HOPS")) FAIL();
      if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, (int)n, "IPV6_MULTICAST_HOPS")) FAIL();
    } else {
      if (n == 0) {
        napi_throw_range_error(env, "ERR_INVALID_ARG", "hopLimit is 0; should be 1..255 for IPv4 (IP_TTL)");
        FAIL();
      }
      if (!set_int_opt(env, fd, IPPROTO_IP, IP_TTL, (int)n, "IP_TTL")) FAIL();
      if (!set_int_opt(env, fd, IPPROTO_IP, IP_MULTICAST_TTL, (int)n, "IP_MULTICAST_TTL")) FAIL();
    }
  }

  if (!get_opt_int(env, o, "tos", 0, 255, &n, &present)) FAIL();
  if (present && !set_int_opt(env, fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS, (int)n, v6 ? "IPV6_TCLASS" : "IP_TOS"))
    FAIL();

  if (!get_opt_bool(env, o, "multicastLoop", &b, &present)) FAIL();
  if (present && !set_int_opt(env, fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, b ? 1 : 0,
                              v6 ? "IPV6_MULTICAST_LOOP" : "IP_MULTICAST_LOOP"))
    FAIL();

  if (!get_opt_int(env, o, "multicastIf", 1, INT32_MAX, &n, &present)) FAIL();
  if (present) {
    if (v6) {
      if (!set_int_opt(env, fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)n, "IPV6_MULTICAST_IF")) FAIL();
    } else {
      struct ip_mreqn m;
      memset(&m, 0, sizeof m);
      m.imr_ifindex = (int)n;
      if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0) {
        throw_sys(env, errno, "setsockopt IP_MULTICAST_IF", NULL);
        FAIL();
      }
    }
  }

  if (!get_prop(env, o, "device", &v, &present)) FAIL();
  if (present) {
    char dev[IFNAMSIZ];
    if (!get_str_arg(env, v, "device", dev, sizeof dev)) FAIL();
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0) {
      throw_sys(env, errno, "setsockopt SO_BINDTODEVICE", dev);
      FAIL();
    }
  }

  if (!get_prop(env, o, "join", &v, &present)) FAIL();
  if (present) {
    napi_value g;
    bool gp;
    int64_t jif = 0;
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!get_prop(env, v, "group", &g, &gp)) FAIL();
    if (!gp) {
      napi_throw_type_error(env, "ERR_INVALID_ARG", "join.group should be a multicast address");
      FAIL();
    }
    if (!get_str_arg(env, g, "join.group", text, sizeof text)) FAIL();
    if (!parse_addr(env, af, text, "join.group", &ss, &sl)) FAIL();
    if (!get_opt_int(env, v, "ifindex", 0, INT32_MAX, &jif, &gp)) FAIL();
    int rc;
    if (v6) {
      struct ipv6_mreq m;
      m.ipv6mr_multiaddr = ((struct sockaddr_in6 *)&ss)->sin6_addr;
      m.ipv6mr_interface = (unsigned)jif;
      rc = setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof m);
    } else {
      struct ip_mreqn m;
      memset(&m, 0, sizeof m);
      m.imr_multiaddr = ((struct sockaddr_in *)&ss)->sin_addr;
      m.imr_ifindex = (int)jif;
      rc = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m);
    }
    if (rc < 0) {
      char ctx[96];
      snprintf(ctx, sizeof ctx, "%s on ifindex %d", text, (int)jif);
      throw_sys(env, errno, v6 ? "setsockopt IPV6_ADD_MEMBERSHIP" : "setsockopt IP_ADD_MEMBERSHIP", ctx);
      FAIL();
    }
  }

  if (!get_prop(env, o, "bind", &v, &present)) FAIL();
  if (present) {
    struct sockaddr_storage ss;
    socklen_t sl;
    int64_t bif = 0;
    bool bp;
    if (!get_str_arg(env, v, "bind", text, sizeof text)) FAIL();
    if (!parse_addr(env, af, text, "bind", &ss, &sl)) FAIL();
    /* a link-local / multicast IPv6 bind address needs a scope: bindIfindex */
    if (!get_opt_int(env, o, "bindIfindex", 0, INT32_MAX, &bif, &bp)) FAIL();
    if (v6 && bp) ((struct sockaddr_in6 *)&ss)->sin6_scope_id = (uint32_t)bif;
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
      throw_sys(env, errno, "bind", text);
      FAIL();
    }
  }
#undef FAIL
  return handle;
}

/* Delivers one datagram or an error to the JS callback (inside a handle scope, with async context). */
static void deliver(lvsk_sock *s, napi_value *argv, size_t argc) {
  napi_env env = s->env;
  napi_value cb, recv, result;
  if (!s->cb_ref || napi_get_reference_value(env, s->cb_ref, &cb) != napi_ok || !cb) return;
  napi_get_global(env, &recv); /* napi_make_callback needs an object receiver */
  s->delivering = true;
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, argc, argv, &result);
  s->delivering = false;
  if (s->poll_state != POLL_ACTIVE && s->async_ctx) { /* closed by the callback */
    napi_async_destroy(env, s->async_ctx);
    s->async_ctx = NULL;
  }
  if (st == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc); /* to process 'uncaughtException', as for any event callback */
  }
}

static void on_readable(uv_poll_t *h, int status, int events) {
  lvsk_sock *s = (lvsk_sock *)h->data;
  napi_env env = s->env;
  napi_handle_scope scope;
  (void)events;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  if (status < 0) {
    napi_value argv[1] = {make_sys_error(env, -status, "uv_poll", NULL)};
    deliver(s, argv, 1);
    napi_close_handle_scope(env, scope);
    return;
  }
  for (int i = 0; i < RECV_BATCH && s->poll_state == POLL_ACTIVE && s->fd >= 0; i++) {
    struct sockaddr_storage from;
    union {
      struct cmsghdr align;
      unsigned char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) + 64];
    } cbuf;
    struct iovec iov = {s->rbuf, RECV_BUF_SIZE};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.buf;
    msg.msg_controllen = sizeof cbuf.buf;
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      napi_value argv[1] = {make_sys_error(env, errno, "recvmsg", NULL)};
      deliver(s, argv, 1);
      break;
    }
    int hop = -1, ifindex = 0;
    char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
    if (s->family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, src, sizeof src);
    } else {
      inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, src, sizeof src);
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&hop, CMSG_DATA(c), sizeof hop);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        inet_ntop(AF_INET6, &pi.ipi6_addr, dst, sizeof dst);
        ifindex = (int)pi.ipi6_ifindex;
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        memcpy(&hop, CMSG_DATA(c), sizeof hop);
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        inet_ntop(AF_INET, &pi.ipi_addr, dst, sizeof dst); /* header destination address */
        ifindex = pi.ipi_ifindex;
      }
    }
    napi_handle_scope inner;
    napi_open_handle_scope(env, &inner);
    napi_value argv[6];
    void *copy;
    napi_get_null(env, &argv[0]);
    napi_create_buffer_copy(env, (size_t)n, s->rbuf, &copy, &argv[1]);
    napi_create_string_utf8(env, src, NAPI_AUTO_LENGTH, &argv[2]);
    napi_create_int32(env, hop, &argv[3]);
    napi_create_string_utf8(env, dst, NAPI_AUTO_LENGTH, &argv[4]);
    napi_create_int32(env, ifindex, &argv[5]);
    deliver(s, argv, 6);
    napi_close_handle_scope(env, inner);
  }
  napi_close_handle_scope(env, scope);
}

static napi_value ip_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  napi_valuetype t;
  uv_loop_t *loop;
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "ipStart(handle, callback) needs two arguments");
    return NULL;
  }
  lvsk_sock *s = get_sock(env, argv[0], KIND_IP);
  if (!s) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "callback should be a function");
    return NULL;
  }
  if (s->poll_state != POLL_NONE) {
    napi_throw_error(env, "ERR_ALREADY_STARTED", "ipStart: the socket is already reading");
    return NULL;
  }
  if (!s->rbuf && !(s->rbuf = malloc(RECV_BUF_SIZE))) {
    throw_sys(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  CHECK_NAPI(napi_get_uv_event_loop(env, &loop));
  int rc = uv_poll_init(loop, &s->poll, s->fd);
  if (rc < 0) {
    throw_sys(env, -rc, "uv_poll_init", NULL);
    return NULL;
  }
  s->poll.data = s;
  s->poll_state = POLL_ACTIVE;
  rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    s->poll_state = POLL_CLOSING;
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
    throw_sys(env, -rc, "uv_poll_start", NULL);
    return NULL;
  }
  CHECK_NAPI(napi_create_reference(env, argv[1], 1, &s->cb_ref));
  CHECK_NAPI(napi_create_reference(env, argv[0], 1, &s->self_ref));
  CHECK_NAPI(napi_create_string_utf8(env, "lvsk_packet.ip", NAPI_AUTO_LENGTH, &name));
  CHECK_NAPI(napi_async_init(env, NULL, name, &s->async_ctx));
  CHECK_NAPI(napi_add_async_cleanup_hook(env, async_cleanup_hook, s, &s->cleanup));
  return NULL;
}

static napi_value ip_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool on = true;
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "ipRef(handle, bool) needs two arguments");
    return NULL;
  }
  lvsk_sock *s = get_sock(env, argv[0], KIND_IP);
  if (!s) return NULL;
  CHECK_NAPI(napi_get_value_bool(env, argv[1], &on));
  if (s->poll_state == POLL_ACTIVE) {
    if (on)
      uv_ref((uv_handle_t *)&s->poll);
    else
      uv_unref((uv_handle_t *)&s->poll);
  }
  return NULL;
}

static napi_value ip_send(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  bool isbuf = false;
  void *data;
  size_t len;
  int64_t ifindex, hop;
  char dtext[INET6_ADDRSTRLEN + 1], stext[INET6_ADDRSTRLEN + 1];
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "ipSend(handle, data, destination, source, ifindex, hopLimit) needs six arguments");
    return NULL;
  }
  lvsk_sock *s = get_sock(env, argv[0], KIND_IP);
  if (!s) return NULL;
  napi_is_buffer(env, argv[1], &isbuf);
  if (!isbuf) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "data should be a Buffer");
    return NULL;
  }
  CHECK_NAPI(napi_get_buffer_info(env, argv[1], &data, &len));
  if (!get_str_arg(env, argv[2], "destination", dtext, sizeof dtext)) return NULL;
  if (!get_str_arg(env, argv[3], "source", stext, sizeof stext)) return NULL;
  if (!get_int_arg(env, argv[4], "ifindex", 0, INT32_MAX, &ifindex)) return NULL;
  if (!get_int_arg(env, argv[5], "hopLimit", -1, 255, &hop)) return NULL;

  struct sockaddr_storage to, from;
  socklen_t tolen, fromlen;
  if (!parse_addr(env, s->family, dtext, "destination", &to, &tolen)) return NULL;
  bool have_src = stext[0] != 0;
  if (have_src && !parse_addr(env, s->family, stext, "source", &from, &fromlen)) return NULL;
  union {
    struct cmsghdr align;
    unsigned char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
  } cbuf;
  memset(&cbuf, 0, sizeof cbuf);
  struct iovec iov = {data, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &to;
  msg.msg_namelen = tolen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf.buf;
  size_t clen = 0;
  struct cmsghdr *c = (struct cmsghdr *)cbuf.buf;
  if (s->family == AF_INET6) {
    if (ifindex) ((struct sockaddr_in6 *)&to)->sin6_scope_id = (uint32_t)ifindex;
    if (have_src || ifindex) {
      struct in6_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      if (have_src) pi.ipi6_addr = ((struct sockaddr_in6 *)&from)->sin6_addr;
      pi.ipi6_ifindex = (unsigned)ifindex;
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      clen += CMSG_SPACE(sizeof pi);
    }
  } else if (have_src || ifindex) {
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    if (have_src) pi.ipi_spec_dst = ((struct sockaddr_in *)&from)->sin_addr;
    pi.ipi_ifindex = (int)ifindex;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    clen += CMSG_SPACE(sizeof pi);
  }
  if (hop >= 0) {
    int h = (int)hop;
    c = (struct cmsghdr *)(cbuf.buf + clen);
    c->cmsg_level = s->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    c->cmsg_type = s->family == AF_INET6 ? IPV6_HOPLIMIT : IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof h);
    memcpy(CMSG_DATA(c), &h, sizeof h);
    clen += CMSG_SPACE(sizeof h);
  }
  msg.msg_controllen = clen;
  if (!clen) msg.msg_control = NULL;
  ssize_t n = sendmsg(s->fd, &msg, 0);
  if (n < 0) {
    char ctx[2 * INET6_ADDRSTRLEN + 16];
    snprintf(ctx, sizeof ctx, "%s%s%s", dtext, have_src ? " from " : "", have_src ? stext : "");
    throw_sys(env, errno, "sendmsg", ctx);
    return NULL;
  }
  napi_value r;
  napi_create_int64(env, (int64_t)n, &r);
  return r;
}

/* ---------- close / module ---------- */

static napi_value sock_close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype t;
  void *p = NULL;
  CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external || napi_get_value_external(env, argv[0], &p) != napi_ok || !p) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "close(handle): not a handle");
    return NULL;
  }
  sock_close(env, (lvsk_sock *)p);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"packetOpen", NULL, packet_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"packetSend", NULL, packet_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ipOpen", NULL, ip_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ipStart", NULL, ip_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ipRef", NULL, ip_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ipSend", NULL, ip_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, sock_close_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
