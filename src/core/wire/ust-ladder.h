/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The ladder diagram of one call, as data: a column per phone and one for
 * the exchange, and an arrow per datagram in time order. The window draws it;
 * ust_ladder_to_text() prints it for a report.
 *
 * Columns. Every address the exchange received on or sent from is the
 * exchange's column. Any other address is a phone, known by its IP address
 * and its user name, taken from the messages themselves: the Contact of what
 * it sent, else the From of its requests and the To of its responses, else
 * the To of requests sent to it and the From of responses sent to it. A
 * phone that uses several ports (REGISTER from 5060, calls from another) is
 * one column as long as the user name agrees; an address whose user is never
 * named joins the one column on the same IP address, if there is exactly one.
 * Columns are in the order they first appear, so the caller usually comes
 * first, then the exchange, then the callee.
 *
 * Retransmissions. An arrow is marked as one when an earlier datagram of the
 * call went the same way between the same two addresses and either had the
 * same bytes, or had the same transaction key (top Via branch and CSeq) and
 * the same method or status code (RFC 3261 §17: a retransmission repeats the
 * request, or the last response, of one transaction).
 *
 * Custom reason phrases. A response whose reason phrase differs (ignoring
 * case) from the standard phrase of its code (ust_sip_standard_reason())
 * is marked, e.g. "486 OBSADENÉ". */

#include <glib-object.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  char     *name;          /* the user ("alice"), "Exchange" for the exchange, or NULL */
  char     *host;          /* "192.168.1.20" */
  char     *addresses;     /* every address merged here: "192.168.1.20:5062, …:5060" */
  gboolean  is_exchange;
} UstLadderColumn;

typedef struct {
  UstTraceEntry *entry;
  guint          from;             /* column indices */
  guint          to;
  char          *label;            /* "INVITE", "200 POHODKA" (the phrase as sent) */
  gint64         offset;           /* µs after the call's first datagram */
  guint          status_code;      /* 0 for requests */
  gboolean       custom_reason;
  gboolean       retransmission;
} UstLadderArrow;

typedef struct _UstLadder UstLadder;

#define UST_TYPE_LADDER (ust_ladder_get_type ())

GType                  ust_ladder_get_type        (void) G_GNUC_CONST;
UstLadder             *ust_ladder_new_for_call    (GPtrArray       *entries,
                                                   const char      *call_id);
UstLadder             *ust_ladder_ref             (UstLadder       *self);
void                   ust_ladder_unref           (UstLadder       *self);
const char            *ust_ladder_get_call_id     (UstLadder       *self);
guint                  ust_ladder_get_n_columns   (UstLadder       *self);
const UstLadderColumn *ust_ladder_get_column      (UstLadder       *self,
                                                   guint            index);
guint                  ust_ladder_get_n_arrows    (UstLadder       *self);
const UstLadderArrow  *ust_ladder_get_arrow       (UstLadder       *self,
                                                   guint            index);
char                  *ust_ladder_to_text         (UstLadder       *self);
void                   ust_ladder_set_exchange_name (UstLadder     *self,
                                                   const char      *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstLadder, ust_ladder_unref)

G_END_DECLS
