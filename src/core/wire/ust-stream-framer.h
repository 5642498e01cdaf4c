/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Cuts a SIP byte stream (TCP or TLS) into messages, RFC 3261 §18.3: a
 * message is its header section, up to the empty line, and as many bytes of
 * body as its Content-Length says, which a stream must carry. Between
 * messages, a double CRLF is a keep-alive ping to answer with one CRLF
 * (RFC 5626 §3.5.1) and a lone CRLF is skipped.
 *
 * Pure logic, no sockets: the connection pushes what it read and takes
 * frames until there are none. A frame's bytes stay valid until the next
 * push or next call. */

#include <glib.h>

G_BEGIN_DECLS

/* The largest message a stream may carry: a video INVITE is 3-4 KB. */
#define UST_STREAM_MAX_MESSAGE (64 * 1024)

typedef enum {
  UST_FRAME_NONE,      /* no whole frame yet: read more */
  UST_FRAME_MESSAGE,   /* one message */
  UST_FRAME_PING,      /* a double-CRLF keep-alive: answer "\r\n" */
  UST_FRAME_ERROR,     /* the stream cannot be framed any further: close it */
} UstFrameKind;

typedef enum {
  UST_FRAME_ERROR_NONE,
  UST_FRAME_ERROR_TOO_LARGE,       /* over UST_STREAM_MAX_MESSAGE */
  UST_FRAME_ERROR_NO_LENGTH,       /* no Content-Length (§18.3: a stream must have it) */
  UST_FRAME_ERROR_BAD_LENGTH,      /* Content-Length is not a number */
  UST_FRAME_ERROR_NOT_SIP,         /* the bytes do not start a SIP message */
} UstFrameError;

typedef struct {
  UstFrameKind  kind;
  const char   *data;       /* MESSAGE: the message; ERROR: the header section when one was
                             * found (for a 400 to a request), else NULL */
  gsize         len;
  UstFrameError error;
} UstFrame;

typedef struct {
  GByteArray *buffer;
  gsize       start;        /* first byte not yet framed */
  gsize       scanned;      /* bytes after @start already searched for the empty line */
  gsize       max_message;
  gboolean    failed;
} UstStreamFramer;

void         ust_stream_framer_init        (UstStreamFramer *self,
                                            gsize            max_message);
void         ust_stream_framer_clear       (UstStreamFramer *self);
void         ust_stream_framer_push        (UstStreamFramer *self,
                                            const char      *data,
                                            gsize            len);
void         ust_stream_framer_next        (UstStreamFramer *self,
                                            UstFrame        *frame);
gsize        ust_stream_framer_pending     (const UstStreamFramer *self);
const char  *ust_frame_error_to_string     (UstFrameError    error);

G_END_DECLS
