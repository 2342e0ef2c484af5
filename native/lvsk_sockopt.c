/*
 * lvsk_sockopt.c - opens a checker socket with the connect options Node cannot set.
 *
 * WHY
 *   keepalived's health checkers set SO_MARK (checker `fwmark`) and SO_BINDTODEVICE (checker `bind_if`) on
 *   their TCP and UDP sockets before bind() and connect() (keepalived 2.2.7 core/layer4.c
 *   socket_bind_connect / udp_bind_connect). Node has no setsockopt() and creates its sockets lazily inside
 *   connect(), so there is no moment to set them. This addon creates the socket, sets the options, binds it
 *   when asked, and hands the file descriptor to Node, which wraps it (net.Socket({fd}) then connect();
 *   dgram bind({fd})). Everything after that is plain Node. It does nothing else and shares no code or state
 *   with lvsk_packet.c.
 *
 * FUNCTION
 *   open(options) -> fd      socket(AF_INET|AF_INET6, SOCK_STREAM|SOCK_DGRAM | SOCK_NONBLOCK|SOCK_CLOEXEC)
 *     options.family    4 | 6                         (required)
 *     options.type      "tcp" | "udp"                 (required)
 *     options.mark      SO_MARK, 0..2^32-1            (needs CAP_NET_ADMIN)
 *     options.device    SO_BINDTODEVICE, interface name (needs CAP_NET_RAW before Linux 5.7)
 *     options.address   bind() address text (IPv4 or IPv6 literal); absent with port: the wildcard address
 *     options.port      bind() port
 *     options.scopeId   sin6_scope_id for a link-local bind address
 *   A TCP socket that is bound also gets SO_REUSEADDR, as libuv gives Node's own TCP sockets.
 *   The descriptor belongs to the caller (Node closes it with the socket that wraps it). On any error the
 *   socket is closed and nothing leaks.
 *
 * ERRORS
 *   A failed system call throws an Error "<syscall> <CODE>: <strerror>" with properties code (errno name,
 *   "EPERM"), errno (positive) and syscall ("socket", "setsockopt SO_MARK", "setsockopt SO_BINDTODEVICE",
 *   "bind"). Bad arguments throw TypeError/RangeError with code ERR_INVALID_ARG and an "is X; should be Y"
 *   message.
 *
 * Build: node-gyp, target lvsk_sockopt in native/binding.gyp. Plain Node-API (node_api.h) version 8; C99;
 * Linux only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#define CHECK(env, call)                                                                  \
  do {                                                                                    \
    if ((call) != napi_ok) {                                                              \
      napi_throw_error((env), "ERR_NAPI", "Node-API call failed: " #call);                \
      return NULL;                                                                        \
    }                                                                                     \
  } while (0)

/* Throws Error(code, errno, syscall) for a failed system call. */
static void throw_sys(napi_env env, const char *syscall, int err) {
  char msg[256];
  const char *code = uv_err_name(-err);
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, code, strerror(err));
  napi_value m, c, e, no, sc;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok) return;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c) != napi_ok) return;
  if (napi_create_error(env, c, m, &e) != napi_ok) return;
  napi_create_int32(env, err, &no);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, e, "code", c);
  napi_set_named_property(env, e, "errno", no);
  napi_set_named_property(env, e, "syscall", sc);
  napi_throw(env, e);
}

/* Reads property `name`; *present = 0 when absent or undefined. */
static napi_status get_opt(napi_env env, napi_value obj, const char *name, napi_value *out, int *present) {
  bool has = false;
  napi_status s = napi_has_named_property(env, obj, name, &has);
  if (s != napi_ok) return s;
  *present = 0;
  if (!has) return napi_ok;
  s = napi_get_named_property(env, obj, name, out);
  if (s != napi_ok) return s;
  napi_valuetype t;
  s = napi_typeof(env, *out, &t);
  if (s != napi_ok) return s;
  *present = t != napi_undefined && t != napi_null;
  return napi_ok;
}

static int get_string(napi_env env, napi_value v, char *buf, size_t len, const char *what) {
  size_t got = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s is not a string; should be a string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG", msg);
    return -1;
  }
  if (napi_get_value_string_utf8(env, v, buf, len, &got) != napi_ok) return -1;
  if (got >= len - 1) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s is %zu bytes or longer; should be shorter than %zu", what, got, len - 1);
    napi_throw_range_error(env, "ERR_INVALID_ARG", msg);
    return -1;
  }
  return 0;
}

static int get_u32(napi_env env, napi_value v, double max, uint32_t *out, const char *what) {
  double d;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      d < 0 || d > max || d != (double)(uint64_t)d) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s is not an integer in 0..%.0f; should be", what, max);
    napi_throw_range_error(env, "ERR_INVALID_ARG", msg);
    return -1;
  }
  *out = (uint32_t)d;
  return 0;
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  int present;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) CHECK(env, napi_typeof(env, argv[0], &t));
  if (t != napi_object) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "options is not an object; should be {family, type, ...}");
    return NULL;
  }
  napi_value o = argv[0];

  uint32_t family = 0;
  CHECK(env, get_opt(env, o, "family", &v, &present));
  if (!present || get_u32(env, v, 6, &family, "options.family") || (family != 4 && family != 6)) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_range_error(env, "ERR_INVALID_ARG", "options.family is not 4 or 6; should be 4 or 6");
    return NULL;
  }
  char type[8];
  CHECK(env, get_opt(env, o, "type", &v, &present));
  if (!present) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "options.type is missing; should be \"tcp\" or \"udp\"");
    return NULL;
  }
  if (get_string(env, v, type, sizeof type, "options.type")) return NULL;
  int stype;
  if (!strcmp(type, "tcp")) stype = SOCK_STREAM;
  else if (!strcmp(type, "udp")) stype = SOCK_DGRAM;
  else {
    napi_throw_range_error(env, "ERR_INVALID_ARG", "options.type is not \"tcp\" or \"udp\"; should be one of them");
    return NULL;
  }

  int has_mark = 0, has_dev = 0, has_addr = 0, has_port = 0;
  uint32_t mark = 0, port = 0, scope = 0;
  char dev[IFNAMSIZ + 1], addr[INET6_ADDRSTRLEN + 1];
  CHECK(env, get_opt(env, o, "mark", &v, &has_mark));
  if (has_mark && get_u32(env, v, 4294967295.0, &mark, "options.mark")) return NULL;
  CHECK(env, get_opt(env, o, "device", &v, &has_dev));
  if (has_dev && get_string(env, v, dev, sizeof dev, "options.device")) return NULL;
  CHECK(env, get_opt(env, o, "address", &v, &has_addr));
  if (has_addr && get_string(env, v, addr, sizeof addr, "options.address")) return NULL;
  CHECK(env, get_opt(env, o, "port", &v, &has_port));
  if (has_port && get_u32(env, v, 65535, &port, "options.port")) return NULL;
  CHECK(env, get_opt(env, o, "scopeId", &v, &present));
  if (present && get_u32(env, v, 4294967295.0, &scope, "options.scopeId")) return NULL;

  struct sockaddr_storage ss;
  socklen_t sslen = 0;
  memset(&ss, 0, sizeof ss);
  if (has_addr || has_port) {
    if (family == 4) {
      struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
      sin->sin_family = AF_INET;
      sin->sin_port = htons((uint16_t)port);
      if (has_addr && inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
        napi_throw_type_error(env, "ERR_INVALID_ARG", "options.address is not an IPv4 literal; should be one for family 4");
        return NULL;
      }
      sslen = sizeof *sin;
    } else {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons((uint16_t)port);
      sin6->sin6_scope_id = scope;
      if (has_addr && inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1) {
        napi_throw_type_error(env, "ERR_INVALID_ARG", "options.address is not an IPv6 literal; should be one for family 6");
        return NULL;
      }
      sslen = sizeof *sin6;
    }
  }

  int fd = socket(family == 4 ? AF_INET : AF_INET6, stype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_sys(env, "socket", errno);
    return NULL;
  }
  /* keepalived's order: SO_MARK, SO_BINDTODEVICE, then bind() (layer4.c socket_bind_connect) */
  if (has_mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
    int e = errno;
    close(fd);
    throw_sys(env, "setsockopt SO_MARK", e);
    return NULL;
  }
  if (has_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0) {
    int e = errno;
    close(fd);
    throw_sys(env, "setsockopt SO_BINDTODEVICE", e);
    return NULL;
  }
  /* Node's own TCP sockets bind with SO_REUSEADDR (libuv uv__tcp_bind); do the same so bind_port behaves alike */
  int one = 1;
  if (sslen && stype == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    throw_sys(env, "setsockopt SO_REUSEADDR", e);
    return NULL;
  }
  if (sslen && bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
    int e = errno;
    close(fd);
    throw_sys(env, "bind", e);
    return NULL;
  }
  napi_value res;
  CHECK(env, napi_create_int32(env, fd, &res));
  return res;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(env, napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_socket, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "open", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
