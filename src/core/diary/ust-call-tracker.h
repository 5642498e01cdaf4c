/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Follows every INVITE dialog the proxy relays, from its INVITE to its end,
 * and tells listeners about each step ("call-event") so the diary can store
 * and show it. Fed by the proxy with the messages it has already parsed; it
 * sees each message once (retransmissions never reach it). */

#include <gio/gio.h>
#include <osipparser2/osip_parser.h>

#include "ust-call-record.h"
#include "ust-protocol.h"

G_BEGIN_DECLS

/* What "call-event" carries. Kinds: calling, ringing, started, ended,
 * cancelled, rejected, video-on, video-off, hold, resume, transfer,
 * transfer-result. */
typedef struct {
  UstCallRecord *record;
  gint64         time;    /* wall-clock microseconds */
  const char    *kind;
  const char    *detail;  /* "486 Busy Here", a transfer target, or NULL */
  const char    *line;    /* the diary's text line */
} UstCallChange;

#define UST_TYPE_CALL_TRACKER (ust_call_tracker_get_type ())
G_DECLARE_FINAL_TYPE (UstCallTracker, ust_call_tracker, UST, CALL_TRACKER, GObject)

UstCallTracker *ust_call_tracker_new               (void);
void            ust_call_tracker_request           (UstCallTracker *self,
                                                    osip_message_t *request,
                                                    GSocketAddress *source,
                                                    UstProtocol     protocol);
void            ust_call_tracker_response          (UstCallTracker *self,
                                                    osip_message_t *response,
                                                    const char     *phrase_sent,
                                                    GSocketAddress *source,
                                                    UstProtocol     protocol);
void            ust_call_tracker_local_response    (UstCallTracker *self,
                                                    osip_message_t *request,
                                                    guint           code,
                                                    const char     *phrase_sent);
void            ust_call_tracker_shutdown          (UstCallTracker *self);
GPtrArray      *ust_call_tracker_list_active       (UstCallTracker *self);
UstCallRecord  *ust_call_tracker_lookup            (UstCallTracker *self,
                                                    const char     *call_id);
char           *ust_call_tracker_format_line       (const UstCallData *call,
                                                    gint64          time,
                                                    const char     *kind,
                                                    const char     *detail);

G_END_DECLS
