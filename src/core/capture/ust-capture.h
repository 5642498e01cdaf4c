/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A capture opened for checking: its SIP messages as trace entries (so the
 * ladder and "what the proxy changed" work on them as on the exchange's own
 * trace), its RTP streams, the notes on what could not be read, and which
 * address is the proxy being checked.
 *
 * The proxy is the address most SIP passes through, unless the user names
 * it. Messages it sent are "sent", all others "received", as if the capture
 * had been taken by the proxy itself; a proxy's TCP connections from other
 * ports (to phones it calls over TCP) count as the proxy when their requests
 * carry its Via. A capture of a session through Ústredňa itself opens the
 * same way: Ústredňa is then the proxy. */

#include <gio/gio.h>

#include "ust-rtp-stream.h"
#include "ust-trace.h"

G_BEGIN_DECLS

#define UST_TYPE_CAPTURE (ust_capture_get_type ())
G_DECLARE_FINAL_TYPE (UstCapture, ust_capture, UST, CAPTURE, GObject)

UstCapture *ust_capture_open             (const char             *path,
                                          GError                **error);
UstCapture *ust_capture_new_from_memory  (const guint8           *data,
                                          gsize                   len,
                                          GError                **error);
UstCapture *ust_capture_new_for_entries  (GPtrArray              *entries,
                                          const UstTraceAddress  *proxy);
const char *ust_capture_get_path         (UstCapture             *self);
GPtrArray  *ust_capture_get_entries      (UstCapture             *self);
gboolean    ust_capture_get_proxy        (UstCapture             *self,
                                          UstTraceAddress        *proxy);
void        ust_capture_set_proxy        (UstCapture             *self,
                                          const UstTraceAddress  *proxy);
GArray     *ust_capture_list_endpoints   (UstCapture             *self,
                                          guint                   max);
gboolean    ust_capture_is_proxy         (UstCapture             *self,
                                          const UstTraceAddress  *address);
GPtrArray  *ust_capture_get_rtp_streams  (UstCapture             *self);
GPtrArray  *ust_capture_get_notes        (UstCapture             *self);
const char *ust_capture_get_link_type    (UstCapture             *self);
guint64     ust_capture_get_n_packets    (UstCapture             *self);
guint64     ust_capture_get_n_fragmented (UstCapture             *self);
guint64     ust_capture_get_n_tcp        (UstCapture             *self);
void        ust_capture_get_tcp_repairs  (UstCapture             *self,
                                          guint64                *retransmitted,
                                          guint64                *out_of_order,
                                          guint64                *gap_bytes);
gboolean    ust_capture_is_damaged       (UstCapture             *self);

G_END_DECLS
