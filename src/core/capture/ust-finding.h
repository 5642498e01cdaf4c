/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the check of a capture found: a message, the rule it breaks, the
 * section of the RFC that makes the rule, and one sentence on what that
 * does to a phone. The rules are one table (ust-finding.c), so the window,
 * the text and the JSON output, and the report all say the same. */

#include <glib-object.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef enum {
  UST_RULE_ROUTED_BY_TO,
  UST_RULE_NO_RECORD_ROUTE,
  UST_RULE_RECORD_ROUTE_NO_LR,
  UST_RULE_RECORD_ROUTE_WRONG_PORT,
  UST_RULE_BYPASS,
  UST_RULE_ANSWERED_FOR_PHONE,
  UST_RULE_VIA_NOT_ADDED,
  UST_RULE_VIA_NOT_REMOVED,
  UST_RULE_RECEIVED_MISSING,
  UST_RULE_RPORT_NOT_FILLED,
  UST_RULE_RESPONSE_NOT_TO_SOURCE,
  UST_RULE_RELAYED_100,
  UST_RULE_CANCEL_NOT_RELAYED,
  UST_RULE_CANCEL_WRONG_BRANCH,
  UST_RULE_ACK_NOT_ABSORBED,
  UST_RULE_MAX_FORWARDS,
  UST_RULE_BODY_CHANGED,
  UST_RULE_TAG_CHANGED,
  UST_RULE_CALL_ID_CHANGED,
  UST_RULE_CONTENT_LENGTH,
  UST_RULE_STALE_CONTACT,
  UST_RULE_REGISTER_NO_CONTACT,
  UST_RULE_REGISTER_NO_EXPIRES,
  UST_RULE_RETRANSMISSION_AS_NEW,
  UST_RULE_REASON_TYPO,
  UST_RULE_NO_AUDIO,
  UST_RULE_ONE_WAY_AUDIO,
  UST_RULE_CODEC_MISMATCH,
  UST_N_RULES
} UstRule;

const char *ust_rule_get_id          (UstRule rule);
const char *ust_rule_get_title       (UstRule rule);
const char *ust_rule_get_section     (UstRule rule);
const char *ust_rule_get_consequence (UstRule rule);

typedef struct {
  UstRule        rule;
  UstTraceEntry *entry;     /* the message (NULL for a call's media) */
  char          *detail;    /* what exactly, e.g. "Max-Forwards 70 stayed 70"; may be NULL */
  char          *call_id;
} UstFinding;

#define UST_TYPE_FINDING (ust_finding_get_type ())

GType       ust_finding_get_type (void) G_GNUC_CONST;
UstFinding *ust_finding_new      (UstRule        rule,
                                  UstTraceEntry *entry,
                                  const char    *call_id,
                                  char          *detail);
UstFinding *ust_finding_copy     (const UstFinding *finding);
void        ust_finding_free     (UstFinding    *finding);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstFinding, ust_finding_free)

G_END_DECLS
