# lvsk_packet.node: AF_PACKET frames and raw IPv4/IPv6 with ancillary data; lvsk_sockopt.node: checker sockets
# with SO_MARK / SO_BINDTODEVICE (see README.md).
{
  "targets": [
    {
      "target_name": "lvsk_packet",
      "sources": ["lvsk_packet.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu99", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      "target_name": "lvsk_sockopt",
      "sources": ["lvsk_sockopt.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu99", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
