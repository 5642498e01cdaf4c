/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Why a proxy changed a line of a message it forwarded, in one line with
 * the rule that makes it ("Max-Forwards decremented — RFC 3261 §16.6 step
 * 3"), for the "What the Exchange Changed" view and for a student's proxy
 * in a capture. A change no rule asks of a proxy gets a note saying so. */

#include <glib.h>

#include "ust-message-diff.h"

G_BEGIN_DECLS

typedef enum {
  UST_CHANGE_BY_EXCHANGE,   /* Ústredňa's own trace: "…through the exchange" */
  UST_CHANGE_BY_PROXY,      /* a capture of someone else's proxy */
} UstChangeVoice;

const char *ust_change_note (const UstMessageDiffLine *line,
                             gboolean                  request,
                             UstChangeVoice            voice);

G_END_DECLS
