/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What a payload in a capture looks like, by its first bytes: a SIP start
 * line (RFC 3261 §7.1, §7.2), a CRLF keep-alive, an RTP packet (RFC 3550
 * §5.1), a TLS record. Only looks: the SIP parser decides later. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint8  payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
} UstRtpHeader;

gboolean ust_capture_sniff_sip        (const guint8 *data,
                                       gsize         len);
gsize    ust_capture_find_sip_start   (const guint8 *data,
                                       gsize         len);
gboolean ust_capture_sniff_keepalive  (const guint8 *data,
                                       gsize         len);
gboolean ust_capture_sniff_rtp        (const guint8 *data,
                                       gsize         len,
                                       UstRtpHeader *header);
gboolean ust_capture_sniff_tls        (const guint8 *data,
                                       gsize         len);

G_END_DECLS
