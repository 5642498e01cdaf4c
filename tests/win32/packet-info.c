/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Checks src/core/wire/ust-packet-info-win32.c, what "All addresses" rests on
 * under Windows, with no GLib: build-aux/win32-check.sh cross-compiles it
 * with mingw-w64 and runs it under Wine. A socket bound to 0.0.0.0 gets a
 * datagram sent to 127.0.0.3 and must learn that address, then answers from
 * it; the sender must see the answer come from 127.0.0.3 and the right port,
 * though the routes alone would send from 127.0.0.1. (Wine 8 receives the
 * local address but ignores it on sending: under Wine the answer's address
 * is reported, and only its port checked.)
 *
 * Exit status: 0 when all of that holds, 1 otherwise. */

#include <stdio.h>
#include <string.h>

#include "ust-packet-info.h"

static int
fail (const char *what,
      int         code)
{
  printf ("packet-info: FAIL: %s (error %d)\n", what, code);
  return 1;
}

static SOCKET
udp_socket (unsigned long address,
            unsigned short *port)
{
  struct sockaddr_in bound = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (address) };
  int length = sizeof bound;
  u_long non_blocking = 1;
  SOCKET s = socket (AF_INET, SOCK_DGRAM, IPPROTO_UDP);

  if (s == INVALID_SOCKET || bind (s, (struct sockaddr *) &bound, sizeof bound) != 0
      || getsockname (s, (struct sockaddr *) &bound, &length) != 0)
    return INVALID_SOCKET;
  ioctlsocket (s, FIONBIO, &non_blocking);
  *port = ntohs (bound.sin_port);
  return s;
}

static int
running_under_wine (void)
{
  HMODULE ntdll = GetModuleHandleA ("ntdll.dll");

  return ntdll != NULL && GetProcAddress (ntdll, "wine_get_version") != NULL;
}

/* Waits up to two seconds for one datagram on @exchange. */
static int
receive_one (SOCKET     exchange,
             UstPacket *packet,
             int       *code)
{
  for (int tries = 0; tries < 200; tries++)
    {
      int n = ust_packet_receive ((intptr_t) exchange, packet, 1, code);

      if (n > 0)
        return n;
      if (!ust_packet_would_block (*code))
        return -1;
      Sleep (10);
    }
  *code = WSAETIMEDOUT;
  return -1;
}

int
main (void)
{
  WSADATA wsa;
  unsigned short exchange_port = 0, phone_port = 0;
  SOCKET exchange, phone;
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (0x7f000003) };
  struct sockaddr_in from;
  int from_length = sizeof from;
  const unsigned char phoned[4] = { 127, 0, 0, 3 };
  char buffer[1500];
  UstPacket packet = { .buffer = buffer, .size = sizeof buffer };
  char reply[64];
  int code = 0;

  if ((code = WSAStartup (MAKEWORD (2, 2), &wsa)) != 0)
    return fail ("WSAStartup", code);
  exchange = udp_socket (INADDR_ANY, &exchange_port);
  phone = udp_socket (INADDR_LOOPBACK, &phone_port);
  if (exchange == INVALID_SOCKET || phone == INVALID_SOCKET)
    return fail ("bind", WSAGetLastError ());
  if ((code = ust_packet_info_enable ((intptr_t) exchange, AF_INET)) != 0)
    return fail ("IP_PKTINFO", code);

  to.sin_port = htons (exchange_port);
  if (sendto (phone, "OPTIONS", 7, 0, (struct sockaddr *) &to, sizeof to) != 7)
    return fail ("sendto", WSAGetLastError ());
  if (receive_one (exchange, &packet, &code) < 0)
    return fail ("receive", code);
  if (packet.length != 7 || memcmp (buffer, "OPTIONS", 7) != 0)
    return fail ("the datagram arrived changed", 0);
  if (packet.local_length != 4 || memcmp (packet.local, phoned, 4) != 0)
    return fail ("the local address is not 127.0.0.3", (int) packet.local_length);
  printf ("packet-info: a datagram to 127.0.0.3:%u arrived with its local address\n",
          exchange_port);

  if ((code = ust_packet_send ((intptr_t) exchange, (struct sockaddr *) &packet.from,
                               packet.from_length, packet.local, packet.local_length, "200", 3))
      != 0)
    return fail ("WSASendMsg", code);
  for (int tries = 0; tries < 200; tries++)
    {
      int n = recvfrom (phone, reply, sizeof reply, 0, (struct sockaddr *) &from, &from_length);

      if (n == 3)
        {
          if (ntohs (from.sin_port) != exchange_port)
            return fail ("the answer came from another port", 0);
          if (from.sin_addr.s_addr != to.sin_addr.s_addr)
            {
              if (!running_under_wine ())
                return fail ("the answer came from another address", 0);
              printf ("packet-info: under Wine the answer came from %s, not 127.0.0.3 "
                      "(Wine ignores IP_PKTINFO on sending)\n", inet_ntoa (from.sin_addr));
            }
          else
            printf ("packet-info: the answer came from 127.0.0.3:%u\n", exchange_port);
          closesocket (exchange);
          closesocket (phone);
          WSACleanup ();
          return 0;
        }
      Sleep (10);
    }
  return fail ("no answer", WSAETIMEDOUT);
}
