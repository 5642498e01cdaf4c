/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* IP fragments put back together, as a receiving host does (RFC 791 §3.2
 * for IPv4, RFC 8200 §4.5 for IPv6). A 1,800-byte video INVITE over UDP on
 * an Ethernet LAN leaves the phone as two fragments, and a capture holds
 * them as two frames: only the first carries the UDP header, only the
 * whole datagram is a SIP message.
 *
 * Fragments may come in any order and repeated. A set is finished when the
 * last piece (More Fragments clear) is in and no hole is left; then the
 * whole payload is handed back. Sets never finished are dropped after 30 s
 * of capture time (Linux's ipfrag_time) or when they would hold more than
 * the memory cap; overlapping pieces that differ drop the set (RFC 5722
 * forbids them for IPv6, and a capture with them was forged or damaged).
 * Each loss is counted so the capture's notes can say so. */

#include <glib.h>

G_BEGIN_DECLS

/* An IPv4 or IPv6 header's identity of a fragment set. */
typedef struct {
  guint8  family;        /* 4 or 6 */
  guint8  protocol;      /* what the whole payload is: 17 UDP, 6 TCP */
  guint32 id;            /* IPv4: 16 bits; IPv6: the Fragment header's 32 */
  guint8  source[16];
  guint8  destination[16];
} UstIpFragmentKey;

typedef struct {
  guint64 reassembled;   /* datagrams made whole */
  guint64 timed_out;     /* sets dropped after 30 s with a hole */
  guint64 overlapping;   /* sets dropped for pieces that disagree */
  guint64 too_large;     /* sets over 65,535 bytes or the memory cap */
} UstIpReassemblyStats;

typedef struct _UstIpReassembly UstIpReassembly;

UstIpReassembly *ust_ip_reassembly_new       (void);
void             ust_ip_reassembly_free      (UstIpReassembly            *self);
GBytes          *ust_ip_reassembly_add       (UstIpReassembly            *self,
                                              const UstIpFragmentKey     *key,
                                              gint64                      time,
                                              guint                       offset,
                                              gboolean                    more,
                                              const guint8               *data,
                                              gsize                       len);
void             ust_ip_reassembly_finish    (UstIpReassembly            *self);
guint            ust_ip_reassembly_pending   (UstIpReassembly            *self);
const UstIpReassemblyStats *
                 ust_ip_reassembly_get_stats (UstIpReassembly            *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstIpReassembly, ust_ip_reassembly_free)

G_END_DECLS
