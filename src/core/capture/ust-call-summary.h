/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One call of a capture in a sentence, for a report: who called whom, when
 * it rang, when it was answered and who hung up ("Call from phone@… to
 * notebook@…: 180 after 0.4 s, answered after 3.1 s, ended by the caller
 * (BYE)"), in the language of the messages catalogue. */

#include <glib.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  char          *call_id;
  char          *caller;          /* "alice@10.0.0.5": From's user at the caller's address */
  char          *callee;          /* "bob@10.0.0.7": the Request-URI's user where it rang */
  UstTraceEntry *invite;
  gint64         start;           /* the INVITE's time, µs */
  gint64         ringing;         /* µs after start to the first 18x, -1 for none */
  gint64         answered;        /* to the 2xx, -1 */
  gint64         ended;           /* to the BYE, -1 */
  guint          final_code;      /* the final response the caller got, 0 for none */
  char          *final_reason;
  gboolean       cancelled;
  gboolean       ended_by_caller; /* the BYE carried the INVITE's From tag (§12.2.1.1) */
} UstCallSummary;

GPtrArray *ust_call_summaries         (GPtrArray            *entries);
char      *ust_call_summary_caption   (const UstCallSummary *summary);
void       ust_call_summary_free      (UstCallSummary       *summary);

G_END_DECLS
