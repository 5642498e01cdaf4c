/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The rules of the capture check, one file per kind, each adding findings
 * to the context (ust-capture-message.h). ust-capture-check.c runs them. */

#include "ust-capture-check.h"
#include "ust-capture-message.h"

G_BEGIN_DECLS

/* ust-check-forwarding.c: Via, Max-Forwards, Record-Route, what a forwarded
 * message must keep, where it goes (RFC 3261 §16.5–16.7, RFC 3581). */
void ust_check_forwarding   (UstCheckContext *ctx);
/* ust-check-transactions.c: 100 Trying, CANCEL, ACK, retransmissions, the
 * proxy answering for a phone, in-dialog requests around it, reason
 * phrases (§9, §16.7, §16.10, §17). */
void ust_check_transactions (UstCheckContext *ctx);
/* ust-check-registrar.c: the REGISTER answer, where a registered phone is
 * reached (§10.3, RFC 5626). */
void ust_check_registrar    (UstCheckContext *ctx);
/* ust-check-media.c: per call, the SDP offer and answer and the RTP each
 * way (RFC 3264, RFC 3550); UstCallMedia*. */
GPtrArray *ust_check_media  (UstCheckContext *ctx,
                             gboolean        *has_rtp);

G_END_DECLS
