/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-change-note"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-change-note.h"

/* The header a line belongs to, lower case, compact forms expanded
 * (RFC 3261 §7.3.3); "" for the start line, NULL for a body or folded line. */
static char *
header_of (const char *line,
           gboolean    start)
{
  static const char *const compact[][2] = {
    { "v", "via" }, { "f", "from" }, { "t", "to" }, { "i", "call-id" }, { "m", "contact" },
    { "l", "content-length" }, { "c", "content-type" },
  };
  gsize end = 0;
  char *name;

  if (start)
    return g_strdup ("");
  if (line == NULL || line[0] == ' ' || line[0] == '\t')
    return NULL;
  while (line[end] != '\0' && line[end] != ':' && line[end] != ' ' && line[end] != '\t')
    end++;
  if (line[end] == '\0')
    return NULL;   /* a body line has no colon after a token, or is empty */
  name = g_ascii_strdown (line, (gssize) end);
  for (guint i = 0; i < G_N_ELEMENTS (compact); i++)
    if (g_str_equal (name, compact[i][0]))
      {
        g_free (name);
        return g_strdup (compact[i][1]);
      }
  return name;
}

static gboolean
gained (const UstMessageDiffLine *line,
        const char               *param)
{
  return line->sent != NULL && strstr (line->sent, param) != NULL
         && (line->received == NULL || strstr (line->received, param) == NULL);
}

/* Max-Forwards one lower (§16.6 step 3), or something else. */
static const char *
max_forwards_note (const UstMessageDiffLine *line)
{
  const char *r = line->received != NULL ? strchr (line->received, ':') : NULL;
  const char *s = line->sent != NULL ? strchr (line->sent, ':') : NULL;

  if (line->kind == UST_MESSAGE_DIFF_ADDED)
    return _("Max-Forwards added, as the request had none — RFC 3261 §16.6 step 3");
  if (line->kind == UST_MESSAGE_DIFF_CHANGED && r != NULL && s != NULL
      && g_ascii_strtoll (s + 1, NULL, 10) == g_ascii_strtoll (r + 1, NULL, 10) - 1)
    return _("Max-Forwards decremented — RFC 3261 §16.6 step 3");
  return _("Max-Forwards changed by more than one: a proxy takes one off — RFC 3261 §16.6 "
           "step 3");
}

static const char *
request_note (const UstMessageDiffLine *line,
              const char               *header,
              UstChangeVoice            voice)
{
  gboolean exchange = voice == UST_CHANGE_BY_EXCHANGE;

  if (header[0] == '\0')
    return _("Request-URI replaced by where the user is registered — RFC 3261 §16.5, §16.6 "
             "step 2");
  if (g_str_equal (header, "max-forwards"))
    return max_forwards_note (line);
  if (g_str_equal (header, "via") && line->kind == UST_MESSAGE_DIFF_ADDED)
    return exchange ? _("Via added, so the response comes back through the exchange — RFC 3261 "
                        "§16.6 step 8")
                    : _("Via added, so the response comes back through the proxy — RFC 3261 "
                        "§16.6 step 8");
  if (g_str_equal (header, "via") && (gained (line, "received=") || gained (line, "rport=")))
    return _("received/rport filled in with where the request came from — RFC 3581 §4, RFC 3261 "
             "§18.2.1");
  if (g_str_equal (header, "record-route") && line->kind == UST_MESSAGE_DIFF_ADDED)
    return exchange ? _("Record-Route added so the ACK and BYE come back through the exchange — "
                        "RFC 3261 §16.6 step 4")
                    : _("Record-Route added so the ACK and BYE come back through the proxy — "
                        "RFC 3261 §16.6 step 4");
  if (g_str_equal (header, "route") && line->kind != UST_MESSAGE_DIFF_ADDED)
    return exchange ? _("The exchange's own Route taken off: it was this hop — RFC 3261 §16.4")
                    : _("The proxy's own Route taken off: it was this hop — RFC 3261 §16.4");
  return NULL;
}

static const char *
response_note (const UstMessageDiffLine *line,
               const char               *header,
               UstChangeVoice            voice)
{
  if (header[0] == '\0')
    return _("Reason phrase replaced: the code is what counts, the phrase is free text — "
             "RFC 3261 §21");
  if (g_str_equal (header, "via") && line->kind == UST_MESSAGE_DIFF_REMOVED)
    return voice == UST_CHANGE_BY_EXCHANGE
             ? _("The exchange's Via taken off the top — RFC 3261 §16.7 step 3")
             : _("The proxy's Via taken off the top — RFC 3261 §16.7 step 3");
  return NULL;
}

/* The note for one line of a received/sent pair; NULL for a line that
 * stayed the same. @request: the pair is a request (else a response). */
const char *
ust_change_note (const UstMessageDiffLine *line,
                 gboolean                  request,
                 UstChangeVoice            voice)
{
  g_autofree char *header = NULL;
  const char *note;

  g_return_val_if_fail (line != NULL, NULL);

  if (line->kind == UST_MESSAGE_DIFF_SAME)
    return NULL;
  header = header_of (line->received != NULL ? line->received : line->sent,
                      line->received_line == 1 || line->sent_line == 1);
  note = header == NULL ? NULL
         : request ? request_note (line, header, voice) : response_note (line, header, voice);
  if (note != NULL)
    return note;
  /* §16.6 step 1: the proxy works on a copy of what it received; anything
   * it touches beyond the steps above is a change of its own. */
  return _("A proxy passes this line on as it came — RFC 3261 §16.6 step 1");
}
