/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP over TCP put back together from a capture's segments (RFC 9293
 * §3.4: bytes are numbered, the receiver orders them), then cut into
 * messages by Content-Length with the exchange's own stream framer
 * (RFC 3261 §18.3).
 *
 * Each direction of each connection is followed on its own. A segment that
 * repeats bytes already taken (a retransmission) gives only what is new; one
 * that comes early waits until the hole before it is filled. A hole that is
 * never filled (the capture lost a segment) is skipped at the end, or when
 * too much waits behind it, and the stream picks up again at the next SIP
 * start line. A connection followed from its middle (no SYN in the capture)
 * starts at its first SIP start line. Encrypted (TLS) streams are counted
 * and left alone. */

#include <glib.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  guint64 messages;         /* SIP messages cut from streams */
  guint64 retransmitted;    /* segments whose bytes had all been taken already */
  guint64 out_of_order;     /* segments that waited for an earlier one */
  guint64 gaps;             /* holes skipped (bytes the capture does not have) */
  guint64 gap_bytes;
  guint64 unframed;         /* times a stream was not SIP and had to resynchronise */
  guint64 tls_streams;      /* directions that were TLS */
} UstTcpReassemblyStats;

/* One message, with the time of the segment that completed it. @data is
 * valid only during the call. */
typedef void (*UstTcpMessageFunc) (const UstTraceAddress *source,
                                   const UstTraceAddress *destination,
                                   gint64                 time,
                                   const char            *data,
                                   gsize                  len,
                                   gpointer               user_data);

typedef struct _UstTcpReassembly UstTcpReassembly;

#define UST_TCP_FLAG_FIN 0x01
#define UST_TCP_FLAG_SYN 0x02
#define UST_TCP_FLAG_RST 0x04

UstTcpReassembly *ust_tcp_reassembly_new       (UstTcpMessageFunc       func,
                                                gpointer                user_data);
void              ust_tcp_reassembly_free      (UstTcpReassembly       *self);
void              ust_tcp_reassembly_add       (UstTcpReassembly       *self,
                                                const UstTraceAddress  *source,
                                                const UstTraceAddress  *destination,
                                                gint64                  time,
                                                guint32                 seq,
                                                guint8                  flags,
                                                const guint8           *payload,
                                                gsize                   len);
void              ust_tcp_reassembly_finish    (UstTcpReassembly       *self);
const UstTcpReassemblyStats *
                  ust_tcp_reassembly_get_stats (UstTcpReassembly       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstTcpReassembly, ust_tcp_reassembly_free)

G_END_DECLS
