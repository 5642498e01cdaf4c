/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, struct in6_pktinfo */
#endif

#include "ust-packet-info.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/uio.h>

#define BATCH_MAX 64

/* Room for one IPv4 or IPv6 packet-info message. */
#define CONTROL_SIZE (CMSG_SPACE (sizeof (struct in6_pktinfo)))

int
ust_packet_info_enable (intptr_t fd,
                        int      family)
{
  int on = 1;
  int status;

  if (family == AF_INET6)
    status = setsockopt ((int) fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  else
    status = setsockopt ((int) fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  return status == 0 ? 0 : errno;
}

static void
read_local_address (struct msghdr *header,
                    UstPacket     *packet)
{
  packet->local_length = 0;
  for (struct cmsghdr *control = CMSG_FIRSTHDR (header); control != NULL;
       control = CMSG_NXTHDR (header, control))
    {
      if (control->cmsg_level == IPPROTO_IP && control->cmsg_type == IP_PKTINFO)
        {
          struct in_pktinfo info;

          memcpy (&info, CMSG_DATA (control), sizeof info);
          memcpy (packet->local, &info.ipi_addr, 4);
          packet->local_length = 4;
        }
      else if (control->cmsg_level == IPPROTO_IPV6 && control->cmsg_type == IPV6_PKTINFO)
        {
          struct in6_pktinfo info;

          memcpy (&info, CMSG_DATA (control), sizeof info);
          memcpy (packet->local, &info.ipi6_addr, 16);
          packet->local_length = 16;
        }
    }
}

int
ust_packet_receive (intptr_t      fd,
                    UstPacket    *packets,
                    unsigned int  n,
                    int          *error)
{
  struct mmsghdr headers[BATCH_MAX];
  struct iovec vectors[BATCH_MAX];
  /* Aligned for struct cmsghdr, as CMSG_FIRSTHDR expects. */
  union {
    struct cmsghdr align;
    char           bytes[CONTROL_SIZE];
  } controls[BATCH_MAX];
  int received;

  if (n > BATCH_MAX)
    n = BATCH_MAX;
  for (unsigned int i = 0; i < n; i++)
    {
      vectors[i] = (struct iovec) { packets[i].buffer, packets[i].size };
      headers[i] = (struct mmsghdr) {
        .msg_hdr = {
          .msg_name = &packets[i].from,
          .msg_namelen = sizeof packets[i].from,
          .msg_iov = &vectors[i],
          .msg_iovlen = 1,
          .msg_control = controls[i].bytes,
          .msg_controllen = sizeof controls[i].bytes,
        },
      };
    }

  do
    received = recvmmsg ((int) fd, headers, n, MSG_DONTWAIT, NULL);
  while (received < 0 && errno == EINTR);
  if (received < 0)
    {
      *error = errno;
      return -1;
    }

  for (int i = 0; i < received; i++)
    {
      packets[i].length = headers[i].msg_len;
      packets[i].truncated = (headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      packets[i].from_length = headers[i].msg_hdr.msg_namelen;
      read_local_address (&headers[i].msg_hdr, &packets[i]);
    }
  return received;
}

/* Makes @buffer (CONTROL_SIZE bytes, aligned) @header's one control message. */
static void
set_control (struct msghdr *header,
             char          *buffer,
             int            level,
             int            type,
             const void    *data,
             size_t         size)
{
  struct cmsghdr *control;

  header->msg_control = buffer;
  header->msg_controllen = CMSG_SPACE (size);
  control = CMSG_FIRSTHDR (header);
  control->cmsg_level = level;
  control->cmsg_type = type;
  control->cmsg_len = CMSG_LEN (size);
  memcpy (CMSG_DATA (control), data, size);
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
    struct cmsghdr align;
    char           bytes[CONTROL_SIZE];
  } control;
  struct iovec vector = { (void *) data, length };
  struct msghdr header = {
    .msg_name = (void *) to,
    .msg_namelen = to_length,
    .msg_iov = &vector,
    .msg_iovlen = 1,
  };
  ssize_t sent;

  memset (&control, 0, sizeof control);
  if (local_length == 4 && to->sa_family == AF_INET)
    {
      /* ipi_spec_dst picks the source address; an interface index of 0
       * leaves the route to the kernel. */
      struct in_pktinfo pktinfo = { 0 };

      memcpy (&pktinfo.ipi_spec_dst, local, 4);
      set_control (&header, control.bytes, IPPROTO_IP, IP_PKTINFO, &pktinfo, sizeof pktinfo);
    }
  else if (local_length == 16 && to->sa_family == AF_INET6)
    {
      struct in6_pktinfo pktinfo = { 0 };

      memcpy (&pktinfo.ipi6_addr, local, 16);
      set_control (&header, control.bytes, IPPROTO_IPV6, IPV6_PKTINFO, &pktinfo, sizeof pktinfo);
    }

  do
    sent = sendmsg ((int) fd, &header, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return errno;
  return (size_t) sent == length ? 0 : EMSGSIZE;
}

int
ust_packet_would_block (int error)
{
  return error == EAGAIN || error == EWOULDBLOCK;
}
