/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-sniff"

#include "config.h"

#include <string.h>

#include "ust-capture-sniff.h"

#define SIP_VERSION     "SIP/2.0"
#define SIP_VERSION_LEN 7
/* A start line longer than this is not one a phone sends. */
#define MAX_START_LINE  4096

/* RFC 3261 §25.1 allows any token as a method; every method a phone sends
 * is upper-case letters (INVITE … PUBLISH), and asking for that keeps the
 * end of a body ("…a=sendrecv") from passing for one after a TCP gap. */
#define MAX_METHOD 16

/* "SIP/2.0 200 …" (§7.2) or "METHOD uri SIP/2.0" (§7.1), up to the end of
 * the first line, which must be in @data. */
gboolean
ust_capture_sniff_sip (const guint8 *data,
                       gsize         len)
{
  gsize end = 0, i = 0;

  while (end < len && end < MAX_START_LINE && data[end] != '\n')
    end++;
  if (end == len || end == MAX_START_LINE)
    return FALSE;
  if (end > 0 && data[end - 1] == '\r')
    end--;

  if (end >= SIP_VERSION_LEN + 4 && memcmp (data, SIP_VERSION " ", SIP_VERSION_LEN + 1) == 0)
    return g_ascii_isdigit (data[8]) && g_ascii_isdigit (data[9]) && g_ascii_isdigit (data[10]);

  while (i < end && i <= MAX_METHOD && data[i] >= 'A' && data[i] <= 'Z')
    i++;
  if (i < 2 || i > MAX_METHOD || i >= end || data[i] != ' ')
    return FALSE;
  /* Request-URI, then the version at the very end. */
  return end > i + 1 + SIP_VERSION_LEN + 1
         && memcmp (data + end - SIP_VERSION_LEN - 1, " " SIP_VERSION, SIP_VERSION_LEN + 1) == 0;
}

/* The offset of the first line in @data that starts a SIP message (at 0 or
 * after a line feed), or @len when there is none yet. */
gsize
ust_capture_find_sip_start (const guint8 *data,
                            gsize         len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && data[i - 1] != '\n')
        continue;
      if (ust_capture_sniff_sip (data + i, len - i))
        return i;
    }
  return len;
}

/* Only CR and LF: a keep-alive (RFC 5626 §4.4.1), not a message. */
gboolean
ust_capture_sniff_keepalive (const guint8 *data,
                             gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != '\r' && data[i] != '\n' && data[i] != ' ')
      return FALSE;
  return TRUE;
}

/* RFC 3550 §5.1: version 2, a 12-byte fixed header plus the CSRCs. Payload
 * types 72–76 with the marker bit are RTCP's packet types 200–204 (RFC 5761
 * §4), sent on the same port when rtcp-mux is used. */
gboolean
ust_capture_sniff_rtp (const guint8 *data,
                       gsize         len,
                       UstRtpHeader *header)
{
  guint csrc;

  if (len < 12 || data[0] >> 6 != 2)
    return FALSE;
  csrc = data[0] & 0x0f;
  if (len < 12 + 4 * (gsize) csrc)
    return FALSE;
  if (data[1] >= 200 && data[1] <= 204)
    return FALSE;
  header->marker = (data[1] & 0x80) != 0;
  header->payload_type = data[1] & 0x7f;
  header->seq = (guint16) (data[2] << 8 | data[3]);
  header->timestamp = (guint32) data[4] << 24 | (guint32) data[5] << 16
                      | (guint32) data[6] << 8 | data[7];
  header->ssrc = (guint32) data[8] << 24 | (guint32) data[9] << 16
                 | (guint32) data[10] << 8 | data[11];
  return TRUE;
}

/* A TLS record header (RFC 8446 §5.1): content type 20–23, version 3.x. */
gboolean
ust_capture_sniff_tls (const guint8 *data,
                       gsize         len)
{
  return len >= 5 && data[0] >= 20 && data[0] <= 23 && data[1] == 3 && data[2] <= 4;
}
