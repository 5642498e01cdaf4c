/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The media an SDP body offers or answers (RFC 4566, RFC 3264): per m=
 * line its kind, the address and port the phone wants RTP on, the payload
 * types with their clock rates, and the direction. libosip2's SDP parser
 * reads it; callers get plain GLib data. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char   *media;          /* "audio", "video" */
  char   *address;        /* the m= line's c=, else the session's; NULL when none */
  guint   port;           /* 0: the stream is refused or disabled (RFC 3264 §6) */
  char   *direction;      /* "sendrecv" (the default), "sendonly", "recvonly", "inactive" */
  GArray *payload_types;  /* guint, in the m= line's order of preference */
  GArray *clock_rates;    /* guint, one per payload type; 0 when neither rtpmap nor RFC 3551 says */
  GPtrArray *encodings;   /* char*, "PCMU", "opus", or "" */
} UstSdpStream;

GPtrArray *ust_sdp_read_streams (const char *body,
                                 gsize       len);
void       ust_sdp_stream_free  (UstSdpStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstSdpStream, ust_sdp_stream_free)

G_END_DECLS
