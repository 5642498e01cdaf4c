/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Session descriptions (RFC 4566) as the robots need them: an offer read
 * into its media lines, strictly enough that a malformed one can be turned
 * down with 488 (RFC 3261 §13.3.1.3), and nothing the robots do not use.
 * Plain text in, plain structures out. */

#include <glib.h>

G_BEGIN_DECLS

#define UST_ROBOT_SDP_ERROR (ust_robot_sdp_error_quark ())

typedef enum {
  UST_ROBOT_SDP_ERROR_MALFORMED,
} UstRobotSdpError;

/* Which way media flows, from the describing side's point of view
 * (RFC 3264 §6.1). */
typedef enum {
  UST_SDP_SENDRECV,
  UST_SDP_SENDONLY,
  UST_SDP_RECVONLY,
  UST_SDP_INACTIVE,
} UstSdpDirection;

/* One m= line and what belongs to it. */
typedef struct {
  char            *kind;        /* "audio", "video", … */
  guint            port;        /* 0: the stream is off */
  char            *proto;       /* "RTP/AVP", "RTP/AVPF", "RTP/SAVP", … */
  GPtrArray       *formats;     /* char*: payload type numbers as text */
  GPtrArray       *attributes;  /* char*: the a= lines, without "a=" */
  char            *address;     /* the connection address (c=), its own or the session's */
  UstSdpDirection  direction;   /* its own a= line, or the session's */
} UstSdpMedia;

typedef struct {
  GPtrArray *media;             /* UstSdpMedia* */
} UstSdp;

GQuark          ust_robot_sdp_error_quark (void);
UstSdp         *ust_sdp_parse             (const char        *text,
                                           gsize              len,
                                           GError           **error);
void            ust_sdp_free              (UstSdp            *sdp);
const char     *ust_sdp_media_rtpmap      (const UstSdpMedia *media,
                                           const char        *format);
const char     *ust_sdp_media_fmtp        (const UstSdpMedia *media,
                                           const char        *format);
const char     *ust_sdp_direction_name    (UstSdpDirection    direction);
UstSdpDirection ust_sdp_direction_answer  (UstSdpDirection    offered);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstSdp, ust_sdp_free)

G_END_DECLS
