/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What happened on the wire: every datagram the exchange received or sent,
 * with its time, both addresses and its Call-ID, in a bounded ring.
 *
 * Recording is the transport's business and costs the proxy one copy of the
 * bytes (into the ring's own blocks: no malloc per datagram) and a scan of
 * the header lines up to the Call-ID: no libosip2, no disk. Each datagram
 * becomes a UstTraceEntry, immutable and refcounted, with a sequence number
 * that only grows. Observers on other threads never slow the proxy down:
 *
 *  - a window asks for "everything after seq N" (ust_trace_get_since()), which
 *    takes the trace's lock just long enough to take a reference on each new
 *    entry;
 *  - a writer thread (the pcap writer) adds a sink, a function called with each
 *    new entry on the recording thread, which only pushes it onto its queue.
 *
 * The ring keeps the newest entries within both a message count and a byte
 * budget (what each entry takes: its bytes, Call-ID and bookkeeping). Entries
 * it drops stay alive while anybody holds a reference; a reference on one
 * entry keeps the 64 KiB block it was recorded in. Any thread may record
 * and read. */

#include <gio/gio.h>

#include "ust-protocol.h"

G_BEGIN_DECLS

/* The default ring: 20,000 messages or 64 MiB, whichever is reached first. */
#define UST_TRACE_DEFAULT_CAPACITY    20000
#define UST_TRACE_DEFAULT_BYTE_BUDGET ((gsize) 64 << 20)

typedef enum {
  UST_TRACE_RECEIVED,
  UST_TRACE_SENT,
} UstTraceDirection;

/* What the first line says, found when the entry is made. */
typedef enum {
  UST_TRACE_KIND_OTHER,       /* not SIP, or cut short */
  UST_TRACE_KIND_KEEPALIVE,   /* only CR, LF and spaces (RFC 5626 §4.4.1) */
  UST_TRACE_KIND_REQUEST,
  UST_TRACE_KIND_RESPONSE,
} UstTraceKind;

/* An IPv4 or IPv6 address and port, as raw bytes: copying one costs
 * nothing and it can go straight into a pcap header. */
typedef struct {
  guint8  family;      /* 4, 6, or 0 when unknown */
  guint8  protocol;    /* UstProtocol the message went by: UDP (0), TCP or TLS */
  guint16 port;
  guint8  bytes[16];   /* network order; IPv4 uses the first 4 */
} UstTraceAddress;

gboolean ust_trace_address_from_socket_address (UstTraceAddress       *address,
                                                GSocketAddress        *socket_address);
gboolean ust_trace_address_parse               (UstTraceAddress       *address,
                                                const char            *text);
char    *ust_trace_address_to_string           (const UstTraceAddress *address);
char    *ust_trace_address_host_to_string      (const UstTraceAddress *address);
gboolean ust_trace_address_equal               (const UstTraceAddress *a,
                                                const UstTraceAddress *b);
gboolean ust_trace_address_same_host           (const UstTraceAddress *a,
                                                const UstTraceAddress *b);

/* One datagram. Immutable once made; share it with ust_trace_entry_ref(). */
typedef struct _UstTraceEntry UstTraceEntry;

#define UST_TYPE_TRACE_ENTRY (ust_trace_entry_get_type ())

GType                  ust_trace_entry_get_type        (void) G_GNUC_CONST;
UstTraceEntry         *ust_trace_entry_new             (guint64                seq,
                                                        gint64                 time,
                                                        UstTraceDirection      direction,
                                                        const UstTraceAddress *source,
                                                        const UstTraceAddress *destination,
                                                        const char            *data,
                                                        gsize                  len);
UstTraceEntry         *ust_trace_entry_ref             (UstTraceEntry         *self);
void                   ust_trace_entry_unref           (UstTraceEntry         *self);
guint64                ust_trace_entry_get_seq         (const UstTraceEntry   *self);
gint64                 ust_trace_entry_get_time        (const UstTraceEntry   *self);
UstTraceDirection      ust_trace_entry_get_direction   (const UstTraceEntry   *self);
const UstTraceAddress *ust_trace_entry_get_source      (const UstTraceEntry   *self);
const UstTraceAddress *ust_trace_entry_get_destination (const UstTraceEntry   *self);
const UstTraceAddress *ust_trace_entry_get_remote      (const UstTraceEntry   *self);
const char            *ust_trace_entry_get_data        (const UstTraceEntry   *self,
                                                        gsize                 *len);
gsize                  ust_trace_entry_get_len         (const UstTraceEntry   *self);
gsize                  ust_trace_entry_get_size        (const UstTraceEntry   *self);
const char            *ust_trace_entry_get_call_id     (const UstTraceEntry   *self);
UstTraceKind           ust_trace_entry_get_kind        (const UstTraceEntry   *self);
UstProtocol            ust_trace_entry_get_protocol    (const UstTraceEntry   *self);
guint                  ust_trace_entry_get_status_code (const UstTraceEntry   *self);
const char            *ust_trace_entry_get_first_line  (const UstTraceEntry   *self,
                                                        gsize                 *len);
char                  *ust_trace_entry_dup_method      (const UstTraceEntry   *self);
char                  *ust_trace_entry_dup_reason      (const UstTraceEntry   *self);
char                  *ust_trace_entry_dup_summary     (const UstTraceEntry   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstTraceEntry, ust_trace_entry_unref)

/* Called on the recording thread, in sequence order, with the trace's lock
 * held: take a reference and return at once (push it onto a queue); never
 * call back into the trace. */
typedef void (*UstTraceSinkFunc) (UstTraceEntry *entry,
                                  gpointer       user_data);

#define UST_TYPE_TRACE (ust_trace_get_type ())
G_DECLARE_FINAL_TYPE (UstTrace, ust_trace, UST, TRACE, GObject)

UstTrace  *ust_trace_new             (guint                  capacity,
                                      gsize                  byte_budget);
guint64    ust_trace_record          (UstTrace              *self,
                                      UstTraceDirection      direction,
                                      const UstTraceAddress *source,
                                      const UstTraceAddress *destination,
                                      const char            *data,
                                      gsize                  len);
GPtrArray *ust_trace_get_since       (UstTrace              *self,
                                      guint64                after_seq);
guint64    ust_trace_get_last_seq    (UstTrace              *self);
guint64    ust_trace_get_first_seq   (UstTrace              *self);
guint      ust_trace_get_n_entries   (UstTrace              *self);
gsize      ust_trace_get_n_bytes     (UstTrace              *self);
guint      ust_trace_get_capacity    (UstTrace              *self);
void       ust_trace_set_capacity    (UstTrace              *self,
                                      guint                  capacity);
gsize      ust_trace_get_byte_budget (UstTrace              *self);
void       ust_trace_set_byte_budget (UstTrace              *self,
                                      gsize                  byte_budget);
void       ust_trace_clear           (UstTrace              *self);
guint      ust_trace_add_sink        (UstTrace              *self,
                                      UstTraceSinkFunc       func,
                                      gpointer               user_data,
                                      GDestroyNotify         destroy);
void       ust_trace_remove_sink     (UstTrace              *self,
                                      guint                  id);

GPtrArray *ust_trace_filter_call     (GPtrArray             *entries,
                                      const char            *call_id);

G_END_DECLS
