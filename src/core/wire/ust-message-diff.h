/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* "What the exchange changed": a message as it arrived beside the same
 * message as the exchange forwarded it, line by line.
 *
 * ust_message_diff_find_pair() finds the other half of a forwarded message
 * in a trace. A proxy forwarding a request pushes its own Via on top, so the
 * received request's top Via becomes the sent one's second (RFC 3261 §16.6
 * step 8); relaying a response it pops its Via, so the received response's
 * second Via is the sent one's top (§16.7 step 9). The pair therefore shares
 * the Call-ID, the CSeq, the method or status code, and the branch of the
 * Via below ours. Messages the exchange made itself (100 Trying, CANCEL, the
 * ACK for a non-2xx, its own replies) have no pair.
 *
 * ust_message_diff_lines() lines both texts up (longest common subsequence
 * of lines) and calls each line the same, added, removed or changed; a
 * changed line is a removed and an added line of the same header (or both
 * start lines) that are most alike, e.g. Max-Forwards 70 → 69, the
 * Request-URI, or the sender's Via gaining received/rport. */

#include <glib.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef enum {
  UST_MESSAGE_DIFF_SAME,
  UST_MESSAGE_DIFF_ADDED,     /* only in the sent message */
  UST_MESSAGE_DIFF_REMOVED,   /* only in the received message */
  UST_MESSAGE_DIFF_CHANGED,   /* in both, edited */
} UstMessageDiffKind;

/* One row of a side-by-side view: received on the left, sent on the right. */
typedef struct {
  UstMessageDiffKind kind;
  char              *received;       /* the line without its line ending; NULL if ADDED */
  char              *sent;           /* NULL if REMOVED */
  guint              received_line;  /* 1-based line numbers, 0 when absent */
  guint              sent_line;
} UstMessageDiffLine;

UstTraceEntry *ust_message_diff_find_pair  (GPtrArray          *entries,
                                            UstTraceEntry      *entry);
GPtrArray     *ust_message_diff_lines      (const char         *received,
                                            gssize              received_len,
                                            const char         *sent,
                                            gssize              sent_len);
GPtrArray     *ust_message_diff_entries    (UstTraceEntry      *a,
                                            UstTraceEntry      *b);
char          *ust_message_diff_to_text    (GPtrArray          *lines);
void           ust_message_diff_line_free  (UstMessageDiffLine *line);

G_END_DECLS
