/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-sdp"

#include "config.h"

#include <string.h>

#include "ust-robot-sdp.h"

G_DEFINE_QUARK (ust-robot-sdp-error-quark, ust_robot_sdp_error)

static void
media_free (UstSdpMedia *media)
{
  g_free (media->kind);
  g_free (media->proto);
  g_ptr_array_unref (media->formats);
  g_ptr_array_unref (media->attributes);
  g_free (media->address);
  g_free (media);
}

void
ust_sdp_free (UstSdp *sdp)
{
  if (sdp == NULL)
    return;
  g_ptr_array_unref (sdp->media);
  g_free (sdp);
}

/* Says what is wrong (for the log and the 488's phrase) and returns NULL. */
static gpointer
malformed (GError    **error,
           guint       line,
           const char *what)
{
  g_set_error (error, UST_ROBOT_SDP_ERROR, UST_ROBOT_SDP_ERROR_MALFORMED,
               "SDP line %u: %s", line, what);
  return NULL;
}

static gboolean
direction_of (const char      *attribute,
              UstSdpDirection *direction)
{
  static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (attribute, names[i]) == 0)
      {
        *direction = (UstSdpDirection) i;
        return TRUE;
      }
  return FALSE;
}

/* RFC 4566 §5.7: "c=IN IP4 192.168.1.10" (a multicast TTL or count after a
 * slash is allowed by the grammar; the robots take only the address). */
static gboolean
parse_connection (const char  *value,
                  char       **address)
{
  g_auto(GStrv) fields = g_strsplit (value, " ", -1);
  char *slash;

  if (g_strv_length (fields) != 3 || strcmp (fields[0], "IN") != 0
      || (strcmp (fields[1], "IP4") != 0 && strcmp (fields[1], "IP6") != 0)
      || fields[2][0] == '\0')
    return FALSE;
  slash = strchr (fields[2], '/');
  if (slash != NULL)
    *slash = '\0';
  g_free (*address);
  *address = g_strdup (fields[2]);
  return TRUE;
}

/* RFC 4566 §5.14: "m=audio 49170 RTP/AVP 0 8 101". */
static UstSdpMedia *
parse_media (const char *value)
{
  g_auto(GStrv) fields = g_strsplit (value, " ", -1);
  g_autofree char *port_text = NULL;
  UstSdpMedia *media;
  guint64 port;
  char *slash;

  if (g_strv_length (fields) < 4 || fields[0][0] == '\0' || fields[2][0] == '\0')
    return NULL;
  /* "49170/2" (a port count) is allowed; the robots use the first port. */
  port_text = g_strdup (fields[1]);
  slash = strchr (port_text, '/');
  if (slash != NULL)
    *slash = '\0';
  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    return NULL;

  media = g_new0 (UstSdpMedia, 1);
  media->kind = g_strdup (fields[0]);
  media->port = (guint) port;
  media->proto = g_strdup (fields[2]);
  media->formats = g_ptr_array_new_with_free_func (g_free);
  media->attributes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 3; fields[i] != NULL; i++)
    if (fields[i][0] != '\0')
      g_ptr_array_add (media->formats, g_strdup (fields[i]));
  if (media->formats->len == 0)
    {
      media_free (media);
      return NULL;
    }
  return media;
}

/* Reads @text (not necessarily NUL-terminated) line by line. What makes an
 * offer malformed here: no "v=0" first, a line that is not "x=value", an
 * m= line without port, protocol and formats, a c= line that is not "IN
 * IP4|IP6 address", or a stream that is on but has no connection address.
 * Lines the robots do not use are skipped, as RFC 4566 §5 lets a reader. */
UstSdp *
ust_sdp_parse (const char  *text,
               gsize        len,
               GError     **error)
{
  g_autoptr(UstSdp) sdp = g_new0 (UstSdp, 1);
  g_autofree char *copy = g_strndup (text, len);
  g_auto(GStrv) lines = NULL;
  g_autofree char *session_address = NULL;
  UstSdpDirection session_direction = UST_SDP_SENDRECV;
  UstSdpMedia *current = NULL;
  gboolean seen_version = FALSE;
  guint number = 0;

  g_return_val_if_fail (text != NULL, NULL);

  sdp->media = g_ptr_array_new_with_free_func ((GDestroyNotify) media_free);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize n = strlen (line);
      char type;
      const char *value;

      number++;
      if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
      if (n == 0)
        {
          /* Only the end may be empty. */
          for (guint j = i + 1; lines[j] != NULL; j++)
            if (lines[j][0] != '\0' && strcmp (lines[j], "\r") != 0)
              return malformed (error, number, "an empty line");
          break;
        }
      if (n < 2 || line[1] != '=' || !g_ascii_islower (line[0]))
        return malformed (error, number, "not of the form x=value");
      type = line[0];
      value = line + 2;

      if (!seen_version)
        {
          if (type != 'v' || strcmp (value, "0") != 0)
            return malformed (error, number, "the first line must be v=0");
          seen_version = TRUE;
          continue;
        }

      switch (type)
        {
        case 'm':
          current = parse_media (value);
          if (current == NULL)
            return malformed (error, number, "an m= line needs media, port, protocol and "
                                             "formats");
          current->direction = session_direction;
          g_ptr_array_add (sdp->media, current);
          break;
        case 'c':
          if (!parse_connection (value, current != NULL ? &current->address : &session_address))
            return malformed (error, number, "a c= line must be IN IP4|IP6 address");
          break;
        case 'a':
          if (current != NULL)
            {
              if (!direction_of (value, &current->direction))
                g_ptr_array_add (current->attributes, g_strdup (value));
            }
          else if (direction_of (value, &session_direction))
            {
              /* Session-level direction: the default for every stream. */
            }
          break;
        default:
          break;
        }
    }

  if (!seen_version)
    return malformed (error, number, "the description is empty");
  if (sdp->media->len == 0)
    return malformed (error, number, "there is no m= line");
  for (guint i = 0; i < sdp->media->len; i++)
    {
      UstSdpMedia *media = g_ptr_array_index (sdp->media, i);

      if (media->address == NULL)
        media->address = g_strdup (session_address);
      if (media->address == NULL && media->port != 0)
        return malformed (error, number, "a stream has no c= line");
    }
  return g_steal_pointer (&sdp);
}

/* The value of "a=NAME:FORMAT rest" for @format: the rest, or NULL. */
static const char *
format_attribute (const UstSdpMedia *media,
                  const char        *name,
                  const char        *format)
{
  gsize name_len = strlen (name), format_len = strlen (format);

  for (guint i = 0; i < media->attributes->len; i++)
    {
      const char *attribute = g_ptr_array_index (media->attributes, i);

      if (strncmp (attribute, name, name_len) == 0 && attribute[name_len] == ':'
          && strncmp (attribute + name_len + 1, format, format_len) == 0
          && attribute[name_len + 1 + format_len] == ' ')
        return attribute + name_len + 1 + format_len + 1;
    }
  return NULL;
}

/* "PCMU/8000" for a=rtpmap:0 PCMU/8000, or NULL. */
const char *
ust_sdp_media_rtpmap (const UstSdpMedia *media,
                      const char        *format)
{
  return format_attribute (media, "rtpmap", format);
}

const char *
ust_sdp_media_fmtp (const UstSdpMedia *media,
                    const char        *format)
{
  return format_attribute (media, "fmtp", format);
}

const char *
ust_sdp_direction_name (UstSdpDirection direction)
{
  static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

  return names[direction];
}

/* RFC 3264 §6.1: the answer's direction mirrors the offer's. */
UstSdpDirection
ust_sdp_direction_answer (UstSdpDirection offered)
{
  switch (offered)
    {
    case UST_SDP_SENDONLY:
      return UST_SDP_RECVONLY;
    case UST_SDP_RECVONLY:
      return UST_SDP_SENDONLY;
    default:
      return offered;
    }
}
