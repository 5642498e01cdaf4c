/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Datagrams with the local address they were sent to, for a socket bound to
 * all addresses (0.0.0.0 or ::). The exchange must name itself in Via and
 * Record-Route by an address the phone can reach, and answer from the
 * address the phone sent to: with a wildcard bind only the kernel knows
 * that, per datagram (IP_PKTINFO / IPV6_PKTINFO on Linux and Windows alike).
 *
 * Plain C with no GLib: ust-packet-info-unix.c and ust-packet-info-win32.c
 * can be built into a small program with mingw-w64 and checked under Wine
 * (build-aux/win32-check.sh). ust-transport.c is the only user. */

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef int ust_socklen_t;
#else
#include <sys/socket.h>
typedef socklen_t ust_socklen_t;
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define UST_PACKET_ADDRESS_MAX 16 /* an IPv6 address; IPv4 uses 4 bytes */

typedef struct {
  /* Filled in by the caller. */
  char                    *buffer;
  size_t                   size;
  /* Filled in by ust_packet_receive(). */
  size_t                   length;        /* bytes received */
  int                      truncated;     /* the datagram was larger than @size */
  struct sockaddr_storage  from;
  ust_socklen_t            from_length;
  unsigned char            local[UST_PACKET_ADDRESS_MAX]; /* where it was sent to */
  size_t                   local_length;  /* 4, 16, or 0 if the system did not say */
} UstPacket;

/* Asks the kernel to report each datagram's local address. @family is
 * AF_INET or AF_INET6. Returns 0, or the system's error code. */
int  ust_packet_info_enable  (intptr_t                fd,
                              int                     family);

/* Receives up to @n datagrams without blocking. Returns how many (at least
 * one), or -1 with the system's error code in @error: check it with
 * ust_packet_would_block(). */
int  ust_packet_receive      (intptr_t                fd,
                              UstPacket              *packets,
                              unsigned int            n,
                              int                    *error);

/* Sends @data to @to from the local address @local (4 or 16 bytes), so that
 * a reply leaves from the address the phone sent its request to. Returns 0,
 * or the system's error code. */
int  ust_packet_send         (intptr_t                fd,
                              const struct sockaddr  *to,
                              ust_socklen_t           to_length,
                              const unsigned char    *local,
                              size_t                  local_length,
                              const char             *data,
                              size_t                  length);

int  ust_packet_would_block  (int                     error);

#ifdef __cplusplus
}
#endif
