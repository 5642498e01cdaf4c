/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-format"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-capture-format.h"

/* "18:40:22.123" in local time, as the diary shows times. */
char *
ust_capture_format_time (gint64 time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);

  if (when == NULL)
    return g_strdup ("?");
  return g_strdup_printf ("%02d:%02d:%02d.%03d", g_date_time_get_hour (when),
                          g_date_time_get_minute (when), g_date_time_get_second (when),
                          (int) (time % G_USEC_PER_SEC / 1000));
}

/* Entries are made valid UTF-8 for display; the bytes stay as sent. */
static char *
summary_of (UstTraceEntry *entry)
{
  g_autofree char *summary = ust_trace_entry_dup_summary (entry);

  return g_utf8_make_valid (summary, -1);
}

static char *
direction_of (UstTraceEntry *entry)
{
  g_autofree char *from = ust_trace_address_to_string (ust_trace_entry_get_source (entry));
  g_autofree char *to = ust_trace_address_to_string (ust_trace_entry_get_destination (entry));

  return g_strdup_printf ("%s → %s", from, to);
}

/* Four lines: the message, the rule with its section, what exactly, and
 * what it does to a phone. */
char *
ust_capture_format_finding (const UstFinding *finding)
{
  GString *text = g_string_new (NULL);

  if (finding->entry != NULL)
    {
      g_autofree char *time = ust_capture_format_time (ust_trace_entry_get_time (finding->entry));
      g_autofree char *where = direction_of (finding->entry);
      g_autofree char *summary = summary_of (finding->entry);

      g_string_append_printf (text, "#%" G_GUINT64_FORMAT "  %s  %s  %s\n",
                              ust_trace_entry_get_seq (finding->entry), time, where, summary);
    }
  /* Translators: a rule and the RFC section that makes it, e.g. "Via not
   * added to a forwarded request — RFC 3261 §16.6 step 8". */
  g_string_append_printf (text, _("    %s — %s\n"), ust_rule_get_title (finding->rule),
                          ust_rule_get_section (finding->rule));
  if (finding->detail != NULL)
    g_string_append_printf (text, "    %s\n", finding->detail);
  g_string_append_printf (text, "    %s\n", ust_rule_get_consequence (finding->rule));
  return g_string_free (text, FALSE);
}

/* "127.0.0.1:40000 → 127.0.0.1:6000  PCMU/8000  250 packets, 2 lost
 * (0.8%), jitter 1.3 ms" */
char *
ust_capture_format_stream (const UstMediaStream *stream)
{
  g_autofree char *from = ust_trace_address_to_string (&stream->source);
  g_autofree char *to = ust_trace_address_to_string (&stream->destination);

  if (stream->stats.packets == 0)
    /* Translators: %s is the address the SDP asked for RTP at. */
    return g_strdup_printf (_("→ %s  no RTP in the capture"), to);
  return g_strdup_printf (
    /* Translators: an RTP stream: from → to, codec, packets, lost packets,
     * loss in percent, jitter in milliseconds (RFC 3550). */
    g_dngettext (GETTEXT_PACKAGE, "%s → %s  %s  %u packet, %d lost (%.1f%%), jitter %.1f ms",
                 "%s → %s  %s  %u packets, %d lost (%.1f%%), jitter %.1f ms",
                 stream->stats.packets),
    from, to, stream->codec != NULL ? stream->codec : "?", stream->stats.packets,
    MAX (stream->stats.lost, 0), stream->stats.loss_percent, stream->stats.jitter_ms);
}

static void
append_header (GString    *text,
               UstCapture *capture,
               guint       n_messages)
{
  UstTraceAddress proxy;
  GPtrArray *notes = ust_capture_get_notes (capture);
  const char *path = ust_capture_get_path (capture);

  if (path != NULL)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_string_append_printf (text, _("Capture: %s (%s)\n"), name,
                              ust_capture_get_link_type (capture) != NULL
                                ? ust_capture_get_link_type (capture) : "");
    }
  g_string_append_printf (text,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "%u SIP message in %u packets",
                                       "%u SIP messages in %u packets", n_messages),
                          n_messages, (guint) ust_capture_get_n_packets (capture));
  if (ust_capture_get_n_tcp (capture) > 0)
    g_string_append_printf (text, _(", %u from TCP streams"),
                            (guint) ust_capture_get_n_tcp (capture));
  if (ust_capture_get_n_fragmented (capture) > 0)
    g_string_append_printf (text, _(", %u put together from IP fragments"),
                            (guint) ust_capture_get_n_fragmented (capture));
  g_string_append (text, "\n");
  if (ust_capture_get_proxy (capture, &proxy))
    {
      g_autofree char *where = ust_trace_address_to_string (&proxy);

      g_string_append_printf (text, _("Proxy checked: %s\n"), where);
    }
  for (guint i = 0; i < notes->len; i++)
    g_string_append_printf (text, _("Note: %s\n"), (const char *) g_ptr_array_index (notes, i));
}

static void
append_media (GString         *text,
              UstCaptureCheck *check)
{
  if (check->calls->len == 0)
    return;
  g_string_append_printf (text, "\n%s\n", _("Media:"));
  if (!check->has_rtp)
    g_string_append_printf (text, "  %s\n",
                            _("The capture holds no RTP (taken with a SIP-only filter?): the "
                              "audio is not checked."));
  for (guint i = 0; i < check->calls->len; i++)
    {
      const UstCallMedia *call = g_ptr_array_index (check->calls, i);
      g_autofree char *call_id = g_utf8_make_valid (call->call_id, -1);

      /* Translators: a call in the media section: its Call-ID, the caller's
       * and the callee's user names, then "answered" or "not answered". */
      g_string_append_printf (text, _("  Call %s (%s → %s), %s\n"), call_id,
                              call->caller != NULL ? call->caller : "?",
                              call->callee != NULL ? call->callee : "?",
                              call->answered ? _("answered") : _("not answered"));
      for (guint s = 0; check->has_rtp && s < call->streams->len; s++)
        {
          g_autofree char *line = ust_capture_format_stream (g_ptr_array_index (call->streams, s));

          g_string_append_printf (text, "    %s\n", line);
        }
    }
}

char *
ust_capture_format_text (UstCapture      *capture,
                         UstCaptureCheck *check)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (UST_IS_CAPTURE (capture) && check != NULL, NULL);

  append_header (text, capture, check->n_messages);
  g_string_append (text, "\n");
  if (check->findings->len == 0)
    g_string_append_printf (text, "%s\n", _("No findings: the proxy kept every rule checked."));
  else
    g_string_append_printf (text,
                            g_dngettext (GETTEXT_PACKAGE, "%u finding:\n", "%u findings:\n",
                                         check->findings->len),
                            check->findings->len);
  for (guint i = 0; i < check->findings->len; i++)
    {
      g_autofree char *finding = ust_capture_format_finding (g_ptr_array_index (check->findings,
                                                                                i));

      g_string_append_printf (text, "\n%s", finding);
    }
  append_media (text, check);
  return g_string_free (text, FALSE);
}

/* JSON ------------------------------------------------------------------------------- */

/* RFC 8259 §7: quotes, backslashes and control characters escaped; the
 * text is made valid UTF-8 first (wire bytes may not be). */
static void
append_json_string (GString    *json,
                    const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    {
      g_string_append (json, "null");
      return;
    }
  valid = g_utf8_make_valid (value, -1);
  g_string_append_c (json, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (json, "\\%c", c);
      else if (c == '\n')
        g_string_append (json, "\\n");
      else if (c == '\r')
        g_string_append (json, "\\r");
      else if (c == '\t')
        g_string_append (json, "\\t");
      else if (c < 0x20)
        g_string_append_printf (json, "\\u%04x", c);
      else
        g_string_append_c (json, (char) c);
    }
  g_string_append_c (json, '"');
}

static void
append_json_member (GString    *json,
                    const char *name,
                    const char *value,
                    gboolean    last)
{
  append_json_string (json, name);
  g_string_append_c (json, ':');
  append_json_string (json, value);
  if (!last)
    g_string_append_c (json, ',');
}

static void
append_json_address (GString               *json,
                     const char            *name,
                     const UstTraceAddress *address)
{
  g_autofree char *text = ust_trace_address_to_string (address);

  append_json_member (json, name, text, FALSE);
}

/* UTC, ISO 8601 with microseconds: the same in every time zone. */
static char *
iso_time (gint64 time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);

  if (when == NULL)
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", g_date_time_get_year (when),
                          g_date_time_get_month (when), g_date_time_get_day_of_month (when),
                          g_date_time_get_hour (when), g_date_time_get_minute (when),
                          g_date_time_get_second (when), (int) (time % G_USEC_PER_SEC));
}

static void
append_json_finding (GString          *json,
                     const UstFinding *finding)
{
  g_string_append_c (json, '{');
  if (finding->entry != NULL)
    {
      g_autofree char *time = iso_time (ust_trace_entry_get_time (finding->entry));
      g_autofree char *summary = summary_of (finding->entry);

      g_string_append_printf (json, "\"message\":%" G_GUINT64_FORMAT ",",
                              ust_trace_entry_get_seq (finding->entry));
      append_json_member (json, "time", time, FALSE);
      append_json_address (json, "from", ust_trace_entry_get_source (finding->entry));
      append_json_address (json, "to", ust_trace_entry_get_destination (finding->entry));
      append_json_member (json, "summary", summary, FALSE);
    }
  append_json_member (json, "call_id", finding->call_id, FALSE);
  append_json_member (json, "rule", ust_rule_get_id (finding->rule), FALSE);
  append_json_member (json, "title", ust_rule_get_title (finding->rule), FALSE);
  append_json_member (json, "rfc", ust_rule_get_section (finding->rule), FALSE);
  append_json_member (json, "detail", finding->detail, FALSE);
  append_json_member (json, "consequence", ust_rule_get_consequence (finding->rule), TRUE);
  g_string_append_c (json, '}');
}

static void
append_json_call (GString            *json,
                  const UstCallMedia *call)
{
  g_string_append_c (json, '{');
  append_json_member (json, "call_id", call->call_id, FALSE);
  append_json_member (json, "caller", call->caller, FALSE);
  append_json_member (json, "callee", call->callee, FALSE);
  g_string_append_printf (json, "\"answered\":%s,\"streams\":[",
                          call->answered ? "true" : "false");
  for (guint i = 0; i < call->streams->len; i++)
    {
      const UstMediaStream *stream = g_ptr_array_index (call->streams, i);
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (json, i > 0 ? ",{" : "{");
      if (stream->stats.packets > 0)
        append_json_address (json, "from", &stream->source);
      append_json_address (json, "to", &stream->destination);
      append_json_member (json, "codec", stream->codec, FALSE);
      g_string_append_printf (json, "\"ssrc\":%u,\"packets\":%u,\"lost\":%d,", stream->ssrc,
                              stream->stats.packets, MAX (stream->stats.lost, 0));
      g_string_append_printf (json, "\"loss_percent\":%s,",
                              g_ascii_formatd (number, sizeof number, "%.2f",
                                               stream->stats.loss_percent));
      g_string_append_printf (json, "\"jitter_ms\":%s}",
                              g_ascii_formatd (number, sizeof number, "%.2f",
                                               stream->stats.jitter_ms));
    }
  g_string_append (json, "]}");
}

char *
ust_capture_format_json (UstCapture      *capture,
                         UstCaptureCheck *check)
{
  GString *json = g_string_new ("{");
  GPtrArray *notes = ust_capture_get_notes (capture);
  UstTraceAddress proxy;

  g_return_val_if_fail (UST_IS_CAPTURE (capture) && check != NULL, NULL);

  append_json_member (json, "file", ust_capture_get_path (capture), FALSE);
  append_json_member (json, "link_type", ust_capture_get_link_type (capture), FALSE);
  g_string_append_printf (json, "\"packets\":%" G_GUINT64_FORMAT ",\"sip_messages\":%u,"
                          "\"tcp_messages\":%" G_GUINT64_FORMAT ",\"reassembled\":%"
                          G_GUINT64_FORMAT ",\"damaged\":%s,\"has_rtp\":%s,",
                          ust_capture_get_n_packets (capture), check->n_messages,
                          ust_capture_get_n_tcp (capture), ust_capture_get_n_fragmented (capture),
                          ust_capture_is_damaged (capture) ? "true" : "false",
                          check->has_rtp ? "true" : "false");
  {
    guint64 retransmitted, out_of_order, gap_bytes;

    ust_capture_get_tcp_repairs (capture, &retransmitted, &out_of_order, &gap_bytes);
    g_string_append_printf (json, "\"tcp\":{\"retransmitted\":%" G_GUINT64_FORMAT
                            ",\"out_of_order\":%" G_GUINT64_FORMAT ",\"gap_bytes\":%"
                            G_GUINT64_FORMAT "},", retransmitted, out_of_order, gap_bytes);
  }
  if (ust_capture_get_proxy (capture, &proxy))
    append_json_address (json, "proxy", &proxy);
  g_string_append (json, "\"notes\":[");
  for (guint i = 0; i < notes->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      append_json_string (json, g_ptr_array_index (notes, i));
    }
  g_string_append (json, "],\"findings\":[");
  for (guint i = 0; i < check->findings->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      append_json_finding (json, g_ptr_array_index (check->findings, i));
    }
  g_string_append (json, "],\"calls\":[");
  for (guint i = 0; i < check->calls->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      append_json_call (json, g_ptr_array_index (check->calls, i));
    }
  g_string_append (json, "]}\n");
  return g_string_free (json, FALSE);
}
