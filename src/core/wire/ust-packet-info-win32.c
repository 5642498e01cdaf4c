/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600 /* WSASendMsg: Windows Vista and later */
#endif

#include "ust-packet-info.h"

#include <string.h>

#include <mswsock.h>

/* Room for one IPv4 or IPv6 packet-info message. */
#define CONTROL_SIZE (WSA_CMSG_SPACE (sizeof (IN6_PKTINFO)))

int
ust_packet_info_enable (intptr_t fd,
                        int      family)
{
  DWORD on = 1;
  int status;

  if (family == AF_INET6)
    status = setsockopt ((SOCKET) fd, IPPROTO_IPV6, IPV6_PKTINFO, (const char *) &on, sizeof on);
  else
    status = setsockopt ((SOCKET) fd, IPPROTO_IP, IP_PKTINFO, (const char *) &on, sizeof on);
  return status == 0 ? 0 : WSAGetLastError ();
}

/* WSARecvMsg is an extension: Winsock hands out its address through a
 * socket. It is the same for every UDP socket, so it is asked for once (two
 * threads asking at once get the same answer). */
static LPFN_WSARECVMSG
find_recvmsg (SOCKET socket)
{
  static LPFN_WSARECVMSG cached = NULL;
  GUID id = WSAID_WSARECVMSG;
  LPFN_WSARECVMSG function = NULL;
  DWORD size = 0;

  if (cached != NULL)
    return cached;
  if (WSAIoctl (socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &function,
                sizeof function, &size, NULL, NULL) != 0)
    return NULL;
  cached = function;
  return function;
}

static void
read_local_address (WSAMSG    *header,
                    UstPacket *packet)
{
  packet->local_length = 0;
  for (WSACMSGHDR *control = WSA_CMSG_FIRSTHDR (header); control != NULL;
       control = WSA_CMSG_NXTHDR (header, control))
    {
      if (control->cmsg_level == IPPROTO_IP && control->cmsg_type == IP_PKTINFO)
        {
          IN_PKTINFO info;

          memcpy (&info, WSA_CMSG_DATA (control), sizeof info);
          memcpy (packet->local, &info.ipi_addr, 4);
          packet->local_length = 4;
        }
      else if (control->cmsg_level == IPPROTO_IPV6 && control->cmsg_type == IPV6_PKTINFO)
        {
          IN6_PKTINFO info;

          memcpy (&info, WSA_CMSG_DATA (control), sizeof info);
          memcpy (packet->local, &info.ipi6_addr, 16);
          packet->local_length = 16;
        }
    }
}

/* One datagram at a time: Windows has no recvmmsg. The socket is
 * non-blocking (GLib makes every socket so). */
int
ust_packet_receive (intptr_t      fd,
                    UstPacket    *packets,
                    unsigned int  n,
                    int          *error)
{
  LPFN_WSARECVMSG recvmsg_function = find_recvmsg ((SOCKET) fd);
  unsigned int received = 0;

  if (recvmsg_function == NULL)
    {
      *error = WSAGetLastError ();
      return -1;
    }

  while (received < n)
    {
      UstPacket *packet = &packets[received];
      union {
        WSACMSGHDR align;
        char       bytes[CONTROL_SIZE];
      } control;
      WSABUF buffer = { (ULONG) packet->size, packet->buffer };
      WSAMSG header = {
        .name = (LPSOCKADDR) &packet->from,
        .namelen = sizeof packet->from,
        .lpBuffers = &buffer,
        .dwBufferCount = 1,
        .Control = { sizeof control.bytes, control.bytes },
      };
      DWORD length = 0;
      int code;

      if (recvmsg_function ((SOCKET) fd, &header, &length, NULL, NULL) == 0)
        {
          packet->length = length;
          packet->truncated = (header.dwFlags & MSG_TRUNC) != 0;
        }
      else if ((code = WSAGetLastError ()) == WSAEMSGSIZE)
        {
          packet->length = length;
          packet->truncated = 1;
        }
      else if (code == WSAECONNRESET)
        continue; /* an ICMP "port unreachable" for an earlier send: not a datagram */
      else
        {
          if (received > 0)
            break;
          *error = code;
          return -1;
        }
      packet->from_length = header.namelen;
      read_local_address (&header, packet);
      received++;
    }
  return (int) received;
}

/* Makes @buffer (CONTROL_SIZE bytes, aligned) @header's one control message. */
static void
set_control (WSAMSG     *header,
             char       *buffer,
             int         level,
             int         type,
             const void *data,
             size_t      size)
{
  WSACMSGHDR *control;

  header->Control = (WSABUF) { WSA_CMSG_SPACE (size), buffer };
  control = WSA_CMSG_FIRSTHDR (header);
  control->cmsg_level = level;
  control->cmsg_type = type;
  control->cmsg_len = WSA_CMSG_LEN (size);
  memcpy (WSA_CMSG_DATA (control), data, size);
}

int
ust_packet_send (intptr_t               fd,
                 const struct sockaddr *to,
                 ust_socklen_t          to_length,
                 const unsigned char   *local,
                 size_t                 local_length,
                 const char            *data,
                 size_t                 length)
{
  union {
    WSACMSGHDR align;
    char       bytes[CONTROL_SIZE];
  } control;
  WSABUF buffer = { (ULONG) length, (char *) data };
  WSAMSG header = {
    .name = (LPSOCKADDR) to,
    .namelen = to_length,
    .lpBuffers = &buffer,
    .dwBufferCount = 1,
  };
  DWORD sent = 0;

  memset (&control, 0, sizeof control);
  if (local_length == 4 && to->sa_family == AF_INET)
    {
      /* On Windows ipi_addr picks the source address. */
      IN_PKTINFO pktinfo = { 0 };

      memcpy (&pktinfo.ipi_addr, local, 4);
      set_control (&header, control.bytes, IPPROTO_IP, IP_PKTINFO, &pktinfo, sizeof pktinfo);
    }
  else if (local_length == 16 && to->sa_family == AF_INET6)
    {
      IN6_PKTINFO pktinfo = { 0 };

      memcpy (&pktinfo.ipi6_addr, local, 16);
      set_control (&header, control.bytes, IPPROTO_IPV6, IPV6_PKTINFO, &pktinfo, sizeof pktinfo);
    }

  if (WSASendMsg ((SOCKET) fd, &header, 0, &sent, NULL, NULL) != 0)
    return WSAGetLastError ();
  return sent == length ? 0 : WSAEMSGSIZE;
}

int
ust_packet_would_block (int error)
{
  return error == WSAEWOULDBLOCK;
}
