/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A checked capture as text for a person (ustredna-server --analyse) and as
 * JSON for a script (--json): what was read, the proxy, the notes, every
 * finding (message, rule, RFC section, consequence) and each call's media. */

#include "ust-capture.h"
#include "ust-capture-check.h"

G_BEGIN_DECLS

char *ust_capture_format_text    (UstCapture       *capture,
                                  UstCaptureCheck  *check);
char *ust_capture_format_json    (UstCapture       *capture,
                                  UstCaptureCheck  *check);
char *ust_capture_format_finding (const UstFinding *finding);
char *ust_capture_format_stream  (const UstMediaStream *stream);
char *ust_capture_format_time    (gint64            time);

G_END_DECLS
