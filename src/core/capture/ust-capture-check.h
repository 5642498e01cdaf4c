/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The proxy in a capture checked against RFC 3261 and its friends: every
 * finding (ust-finding.h), in the order of the messages, and per call the
 * media its SDP announced with what the capture shows of it (RTP packets
 * each way, loss, jitter). */

#include "ust-capture.h"
#include "ust-finding.h"
#include "ust-rtp-stream.h"

G_BEGIN_DECLS

typedef struct {
  UstTraceAddress source;
  UstTraceAddress destination;   /* where the SDP asked for it */
  guint32         ssrc;
  char           *codec;         /* "PCMU/8000", from the SDP's payload type */
  UstRtpStats     stats;         /* packets 0: announced, never seen */
} UstMediaStream;

typedef struct {
  char          *call_id;
  char          *caller;         /* user names from From and To */
  char          *callee;
  UstTraceEntry *offer;          /* the INVITE with the SDP offer */
  UstTraceEntry *answer;         /* the response with the SDP answer, or NULL */
  gboolean       answered;       /* a 2xx came */
  GPtrArray     *streams;        /* UstMediaStream*: caller → callee first, then back */
} UstCallMedia;

typedef struct {
  GPtrArray *findings;           /* UstFinding* */
  GPtrArray *calls;              /* UstCallMedia* */
  gboolean   has_rtp;            /* any RTP in the capture (a "port 5060" capture has none) */
  guint      n_messages;
} UstCaptureCheck;

UstCaptureCheck *ust_capture_check        (UstCapture      *capture);
void             ust_capture_check_free   (UstCaptureCheck *check);
void             ust_call_media_free      (UstCallMedia    *call);
void             ust_media_stream_free    (UstMediaStream  *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCaptureCheck, ust_capture_check_free)

G_END_DECLS
