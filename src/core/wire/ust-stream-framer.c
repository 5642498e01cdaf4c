/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-stream-framer"

#include "config.h"

#include <string.h>

#include "ust-sip.h"
#include "ust-sip-text.h"
#include "ust-stream-framer.h"

void
ust_stream_framer_init (UstStreamFramer *self,
                        gsize            max_message)
{
  memset (self, 0, sizeof *self);
  self->buffer = g_byte_array_new ();
  self->max_message = max_message > 0 ? max_message : UST_STREAM_MAX_MESSAGE;
}

void
ust_stream_framer_clear (UstStreamFramer *self)
{
  g_clear_pointer (&self->buffer, g_byte_array_unref);
}

/* Bytes read but not yet a whole frame: a connection that keeps some for
 * long has stalled half way through a message. */
gsize
ust_stream_framer_pending (const UstStreamFramer *self)
{
  return self->buffer->len - self->start;
}

void
ust_stream_framer_push (UstStreamFramer *self,
                        const char      *data,
                        gsize            len)
{
  /* Drop what was framed before, so the buffer holds at most one message
   * and what follows it. */
  if (self->start > 0)
    {
      g_byte_array_remove_range (self->buffer, 0, (guint) self->start);
      self->start = 0;
    }
  g_byte_array_append (self->buffer, (const guint8 *) data, (guint) len);
}

const char *
ust_frame_error_to_string (UstFrameError error)
{
  switch (error)
    {
    case UST_FRAME_ERROR_TOO_LARGE:
      return "Message too large for a stream (over 64 KB)";
    case UST_FRAME_ERROR_NO_LENGTH:
      return "Missing Content-Length (required on TCP and TLS, RFC 3261 §18.3)";
    case UST_FRAME_ERROR_BAD_LENGTH:
      return "Content-Length is not a number";
    case UST_FRAME_ERROR_NOT_SIP:
      return "Not a SIP message";
    case UST_FRAME_ERROR_NONE:
    default:
      return "";
    }
}

/* Where the header section ends (the first byte of the body), or 0 when
 * the empty line has not arrived yet. Bare LF line endings are taken too,
 * as libosip2 takes them. */
static gsize
find_body_start (const char *data,
                 gsize       len,
                 gsize       from)
{
  for (gsize i = from; i + 1 < len; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
        return i + 3;
    }
  return 0;
}

/* The first line of a message is "SIP/2.0 ..." or "METHOD SP Request-URI
 * SP SIP/2.0" with a method made of token characters (§25.1); anything
 * else (TLS records, binary junk, another protocol) is not SIP. Only the
 * bytes present are judged. */
static gboolean
looks_like_sip (const char *data,
                gsize       len)
{
  const char *newline;
  gsize i, line_len;

  if (len >= 4 && memcmp (data, "SIP/", 4) == 0)
    return TRUE;
  for (i = 0; i < len && i < 32; i++)
    {
      char c = data[i];

      if (c == ' ')
        break;
      if (!(g_ascii_isalnum (c) || strchr ("-.!%*_+`'~", c) != NULL))
        return FALSE;
    }
  if (i == len)
    return TRUE;  /* a method still arriving */
  if (i == 0 || i == 32)
    return FALSE;

  /* Once the request line is whole, it must end in the SIP version. */
  newline = memchr (data, '\n', len);
  if (newline == NULL)
    return len < 8192;
  line_len = (gsize) (newline - data);
  if (line_len > 0 && data[line_len - 1] == '\r')
    line_len--;
  return line_len > 8 && g_ascii_strncasecmp (data + line_len - 8, " SIP/2.0", 8) == 0;
}

static void
fail (UstStreamFramer *self,
      UstFrame        *frame,
      UstFrameError    error,
      const char      *head,
      gsize            head_len)
{
  self->failed = TRUE;
  frame->kind = UST_FRAME_ERROR;
  frame->error = error;
  frame->data = head;
  frame->len = head_len;
}

void
ust_stream_framer_next (UstStreamFramer *self,
                        UstFrame        *frame)
{
  const char *data = (const char *) self->buffer->data + self->start;
  gsize len = self->buffer->len - self->start;
  UstSipText text;
  UstSipField field;
  gsize body_start;
  guint64 content_length;

  memset (frame, 0, sizeof *frame);
  if (self->failed)
    {
      frame->kind = UST_FRAME_ERROR;
      return;
    }

  /* RFC 5626 §3.5.1: "\r\n\r\n" is a ping; a lone "\r\n" (a pong, or the
   * CRLF some phones put before a message, §7.5) is skipped. */
  while (len >= 2 && data[0] == '\r' && data[1] == '\n')
    {
      if (len >= 4 && data[2] == '\r' && data[3] == '\n')
        {
          self->start += 4;
          frame->kind = UST_FRAME_PING;
          return;
        }
      /* A ping may arrive in pieces: wait before calling it a lone CRLF. */
      if (len == 2 || (len == 3 && data[2] == '\r'))
        return;
      self->start += 2;
      self->scanned = 0;
      data += 2;
      len -= 2;
    }
  if (len == 0 || (len == 1 && data[0] == '\r'))
    return;

  if (!looks_like_sip (data, MIN (len, self->max_message)))
    {
      fail (self, frame, UST_FRAME_ERROR_NOT_SIP, NULL, 0);
      return;
    }

  /* Searching again from the start on every read would cost a byte-a-read
   * sender quadratic time: go on from where the last search ended. */
  body_start = find_body_start (data, MIN (len, self->max_message),
                                self->scanned > 3 ? self->scanned - 3 : 0);
  if (body_start == 0)
    {
      self->scanned = MIN (len, self->max_message);
      if (len >= self->max_message)
        fail (self, frame, UST_FRAME_ERROR_TOO_LARGE, NULL, 0);
      return;
    }

  /* The header section is whole: Content-Length says where the body ends. */
  if (!ust_sip_text_init (&text, data, body_start))
    {
      fail (self, frame, UST_FRAME_ERROR_NOT_SIP, NULL, 0);
      return;
    }
  if (!ust_sip_text_find (&text, "Content-Length", 'l', &field))
    {
      fail (self, frame, UST_FRAME_ERROR_NO_LENGTH, data, body_start);
      return;
    }
  {
    char value[24];
    gsize value_len = field.value_end - field.value_start;

    if (value_len == 0 || value_len >= sizeof value)
      {
        fail (self, frame, UST_FRAME_ERROR_BAD_LENGTH, data, body_start);
        return;
      }
    memcpy (value, data + field.value_start, value_len);
    value[value_len] = '\0';
    if (!ust_sip_parse_uint (value, G_MAXUINT32, &content_length))
      {
        fail (self, frame, UST_FRAME_ERROR_BAD_LENGTH, data, body_start);
        return;
      }
  }
  if (body_start + content_length > self->max_message)
    {
      fail (self, frame, UST_FRAME_ERROR_TOO_LARGE, data, body_start);
      return;
    }
  if (len < body_start + content_length)
    return;

  frame->kind = UST_FRAME_MESSAGE;
  frame->data = data;
  frame->len = body_start + (gsize) content_length;
  self->start += frame->len;
  self->scanned = 0;
}
