/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One RTP stream in a capture: the packets of one SSRC from one address to
 * another (RFC 3550 §3), and what a report says of it: packets, loss and
 * interarrival jitter as RFC 3550 §6.4.1 and appendix A.8 compute them. */

#include <glib.h>

#include "ust-trace.h"

G_BEGIN_DECLS

typedef struct {
  gint64  time;          /* arrival in the capture, µs */
  guint32 timestamp;     /* the RTP timestamp */
  guint16 seq;
  guint8  payload_type;
  guint8  marker;
} UstRtpPacket;

typedef struct {
  UstTraceAddress source;
  UstTraceAddress destination;
  guint32         ssrc;
  GArray         *packets;      /* UstRtpPacket, in capture order */
} UstRtpStream;

typedef struct {
  guint   packets;
  guint   expected;      /* from the highest and lowest sequence numbers (A.3) */
  gint    lost;          /* expected − received; negative with duplicates */
  double  loss_percent;
  double  jitter_ms;     /* the last value of the A.8 estimate */
  double  max_jitter_ms;
  gint64  first_time;
  gint64  last_time;
  guint8  payload_type;  /* of the first packet */
} UstRtpStats;

UstRtpStream *ust_rtp_stream_new           (const UstTraceAddress *source,
                                            const UstTraceAddress *destination,
                                            guint32                ssrc);
void          ust_rtp_stream_free          (UstRtpStream          *self);
void          ust_rtp_stream_add           (UstRtpStream          *self,
                                            const UstRtpPacket    *packet);
void          ust_rtp_stream_compute       (const UstRtpStream    *self,
                                            guint                  clock_rate,
                                            UstRtpStats           *stats);
guint         ust_rtp_clock_rate_for_type  (guint                  payload_type);

G_END_DECLS
