/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-sdp"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <osipparser2/sdp_message.h>

#include "ust-sdp.h"

void
ust_sdp_stream_free (UstSdpStream *stream)
{
  if (stream == NULL)
    return;
  g_free (stream->media);
  g_free (stream->address);
  g_free (stream->direction);
  g_array_unref (stream->payload_types);
  g_array_unref (stream->clock_rates);
  g_ptr_array_unref (stream->encodings);
  g_free (stream);
}

/* RFC 3551 §6 table 4, for static types an rtpmap may leave out. */
static guint
static_clock_rate (guint type,
                   const char **encoding)
{
  static const struct { guint type; const char *name; guint rate; } known[] = {
    { 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 }, { 8, "PCMA", 8000 },
    { 9, "G722", 8000 }, { 13, "CN", 8000 }, { 18, "G729", 8000 }, { 34, "H263", 90000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (known[i].type == type)
      {
        *encoding = known[i].name;
        return known[i].rate;
      }
  *encoding = "";
  return 0;
}

/* "a=rtpmap:96 opus/48000/2" for @type in media @m (RFC 4566 §6). */
static guint
rtpmap (sdp_message_t *sdp,
        int            m,
        guint          type,
        char         **encoding)
{
  for (int a = 0; sdp_message_a_att_field_get (sdp, m, a) != NULL; a++)
    {
      const char *value = sdp_message_a_att_value_get (sdp, m, a);
      char *end = NULL;
      guint64 pt;
      const char *slash;

      if (strcmp (sdp_message_a_att_field_get (sdp, m, a), "rtpmap") != 0 || value == NULL)
        continue;
      pt = g_ascii_strtoull (value, &end, 10);
      if (end == value || pt != type)
        continue;
      while (*end == ' ')
        end++;
      slash = strchr (end, '/');
      if (slash == NULL)
        continue;
      *encoding = g_strndup (end, (gsize) (slash - end));
      return (guint) g_ascii_strtoull (slash + 1, NULL, 10);
    }
  return 0;
}

static const char *
direction_of (sdp_message_t *sdp,
              int            m)
{
  static const char *const directions[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

  /* A media-level attribute beats the session's (RFC 3264 §5.1). */
  for (int level = m; ; level = -1)
    {
      for (int a = 0; sdp_message_a_att_field_get (sdp, level, a) != NULL; a++)
        for (guint d = 0; d < G_N_ELEMENTS (directions); d++)
          if (strcmp (sdp_message_a_att_field_get (sdp, level, a), directions[d]) == 0)
            return directions[d];
      if (level == -1)
        return "sendrecv";
    }
}

static UstSdpStream *
read_stream (sdp_message_t *sdp,
             int            m)
{
  UstSdpStream *stream = g_new0 (UstSdpStream, 1);
  const char *address = sdp_message_c_addr_get (sdp, m, 0);
  const char *port = sdp_message_m_port_get (sdp, m);

  if (address == NULL)
    address = sdp_message_c_addr_get (sdp, -1, 0);
  stream->media = g_strdup (sdp_message_m_media_get (sdp, m));
  stream->address = g_strdup (address);
  stream->port = port != NULL ? (guint) MIN (g_ascii_strtoull (port, NULL, 10), 65535) : 0;
  stream->direction = g_strdup (direction_of (sdp, m));
  stream->payload_types = g_array_new (FALSE, FALSE, sizeof (guint));
  stream->clock_rates = g_array_new (FALSE, FALSE, sizeof (guint));
  stream->encodings = g_ptr_array_new_with_free_func (g_free);
  for (int p = 0; sdp_message_m_payload_get (sdp, m, p) != NULL; p++)
    {
      const char *text = sdp_message_m_payload_get (sdp, m, p);
      char *end = NULL;
      guint type = (guint) g_ascii_strtoull (text, &end, 10);
      char *encoding = NULL;
      guint rate;

      if (end == text || type > 127)
        continue;
      rate = rtpmap (sdp, m, type, &encoding);
      if (encoding == NULL)
        {
          const char *known;

          rate = static_clock_rate (type, &known);
          encoding = g_strdup (known);
        }
      g_array_append_val (stream->payload_types, type);
      g_array_append_val (stream->clock_rates, rate);
      g_ptr_array_add (stream->encodings, encoding);
    }
  return stream;
}

/* The body's media streams, UstSdpStream*; empty when it is no SDP. */
GPtrArray *
ust_sdp_read_streams (const char *body,
                      gsize       len)
{
  GPtrArray *streams = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_sdp_stream_free);
  g_autofree char *text = NULL;
  sdp_message_t *sdp = NULL;

  if (body == NULL || len == 0 || memchr (body, '\0', len) != NULL)
    return streams;
  /* libosip2 5.3's sdp_message_parse reads a byte past the end of a body
   * whose last line ends in a lone CR (found by fuzzing the capture
   * reader): every line is given its CRLF (RFC 4566 §5 ends each with one). */
  text = body[len - 1] == '\n' ? g_strndup (body, len)
         : g_strdup_printf ("%.*s%s", (int) len, body, body[len - 1] == '\r' ? "\n" : "\r\n");
  if (sdp_message_init (&sdp) != 0)
    return streams;
  if (sdp_message_parse (sdp, text) == 0)
    for (int m = 0; sdp_message_m_media_get (sdp, m) != NULL; m++)
      g_ptr_array_add (streams, read_stream (sdp, m));
  sdp_message_free (sdp);
  return streams;
}
