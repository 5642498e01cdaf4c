/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-summary"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-call-summary.h"
#include "ust-sip.h"

void
ust_call_summary_free (UstCallSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->call_id);
  g_free (summary->caller);
  g_free (summary->callee);
  g_free (summary->final_reason);
  g_clear_pointer (&summary->invite, ust_trace_entry_unref);
  g_free (summary);
}

static osip_message_t *
parse (UstTraceEntry *entry)
{
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);
  UstSipText text;

  return ust_sip_text_init (&text, data, len) ? ust_sip_parse_head (&text, NULL) : NULL;
}

static gboolean
is_request (UstTraceEntry *entry,
            const char    *method)
{
  g_autofree char *found = NULL;

  if (ust_trace_entry_get_kind (entry) != UST_TRACE_KIND_REQUEST)
    return FALSE;
  found = ust_trace_entry_dup_method (entry);
  return g_strcmp0 (found, method) == 0;
}

/* Whether a response answers an INVITE: its CSeq names the method. */
static gboolean
answers_invite (UstTraceEntry *entry)
{
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);
  UstSipText text;
  UstSipField field;
  gsize i;

  if (!ust_sip_text_init (&text, data, len) || !ust_sip_text_find (&text, "CSeq", '\0', &field))
    return FALSE;
  for (i = field.value_start; i < field.value_end && data[i] != ' ' && data[i] != '\t'; i++)
    ;
  while (i < field.value_end && (data[i] == ' ' || data[i] == '\t'))
    i++;
  return field.value_end - i == 6 && memcmp (data + i, "INVITE", 6) == 0;
}

/* "user@host" of a URI, the host taken from @where when given. */
static char *
user_at (osip_uri_t            *uri,
         const UstTraceAddress *where)
{
  g_autofree char *host = where != NULL ? ust_trace_address_host_to_string (where) : NULL;
  const char *user = uri != NULL && uri->username != NULL ? uri->username : "?";
  g_autofree char *text = NULL;

  if (host == NULL)
    host = g_strdup (uri != NULL && uri->host != NULL ? uri->host : "?");
  text = g_strdup_printf ("%s@%s", user, host);
  return g_utf8_make_valid (text, -1);
}

/* The first INVITE of the call begins it; the responses going back to
 * where it came from say how it went; the BYE's From tag says who hung up. */
static UstCallSummary *
summarize (GPtrArray     *entries,
           guint          first,
           UstTraceEntry *invite)
{
  UstCallSummary *summary = g_new0 (UstCallSummary, 1);
  g_autoptr(osip_message_t) request = parse (invite);
  const UstTraceAddress *caller = ust_trace_entry_get_source (invite);
  const char *call_id = ust_trace_entry_get_call_id (invite);
  g_autofree char *caller_tag = NULL;
  const UstTraceAddress *rang_at = NULL;
  g_autoptr(osip_message_t) forwarded = NULL;

  summary->call_id = g_strdup (call_id);
  summary->invite = ust_trace_entry_ref (invite);
  summary->start = ust_trace_entry_get_time (invite);
  summary->ringing = summary->answered = summary->ended = -1;
  caller_tag = g_strdup (request != NULL ? ust_sip_from_tag (request) : NULL);

  for (guint i = first; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);
      gint64 after = ust_trace_entry_get_time (entry) - summary->start;
      guint code = ust_trace_entry_get_status_code (entry);

      if (strcmp (ust_trace_entry_get_call_id (entry), call_id) != 0)
        continue;
      if (is_request (entry, "INVITE") && rang_at == NULL
          && !ust_trace_address_equal (ust_trace_entry_get_source (entry), caller))
        {
          /* Sent on by the proxy: where it rang, and whom it asked for there. */
          rang_at = ust_trace_entry_get_destination (entry);
          forwarded = parse (entry);
        }
      else if (is_request (entry, "CANCEL") && summary->answered < 0)
        summary->cancelled = TRUE;
      else if (is_request (entry, "BYE") && summary->ended < 0)
        {
          g_autoptr(osip_message_t) bye = parse (entry);

          summary->ended = after;
          summary->ended_by_caller = bye != NULL
                                     && g_strcmp0 (ust_sip_from_tag (bye), caller_tag) == 0;
        }
      else if (code > 100 && ust_trace_address_equal (ust_trace_entry_get_destination (entry),
                                                      caller)
               && answers_invite (entry))
        {
          if (code < 200 && summary->ringing < 0)
            summary->ringing = after;
          else if (code >= 200 && summary->final_code == 0)
            {
              summary->final_code = code;
              summary->final_reason = ust_trace_entry_dup_reason (entry);
              if (code < 300)
                summary->answered = after;
            }
        }
    }
  summary->caller = user_at (request != NULL && request->from != NULL ? request->from->url : NULL,
                             caller);
  summary->callee = user_at (forwarded != NULL && forwarded->req_uri != NULL
                               && forwarded->req_uri->username != NULL ? forwarded->req_uri
                             : request != NULL ? request->req_uri : NULL, rang_at);
  return summary;
}

/* One summary per call (a Call-ID with an INVITE), in the order the calls
 * began. @entries: a capture's or the trace's, in time order. */
GPtrArray *
ust_call_summaries (GPtrArray *entries)
{
  GPtrArray *summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_call_summary_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (entries != NULL, summaries);

  ust_sip_init ();
  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);
      const char *call_id = ust_trace_entry_get_call_id (entry);

      if (call_id[0] == '\0' || g_hash_table_contains (seen, call_id)
          || !is_request (entry, "INVITE"))
        continue;
      g_hash_table_add (seen, (gpointer) call_id);
      g_ptr_array_add (summaries, summarize (entries, i, entry));
    }
  return summaries;
}

static char *
seconds (gint64 us)
{
  /* Translators: a time in seconds with one decimal, e.g. "0.4 s" ("0,4 s"). */
  return g_strdup_printf (_("%.1f s"), us / (double) G_USEC_PER_SEC);
}

/* "Call from alice@10.0.0.5 to bob@10.0.0.7: 180 after 0.4 s, answered
 * after 3.1 s, ended by the caller (BYE)". */
char *
ust_call_summary_caption (const UstCallSummary *summary)
{
  GString *text = g_string_new (NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (summary != NULL, NULL);

  if (summary->ringing >= 0)
    {
      g_autofree char *when = seconds (summary->ringing);

      /* Translators: the first 18x came this long after the INVITE. */
      g_ptr_array_add (parts, g_strdup_printf (_("180 after %s"), when));
    }
  if (summary->answered >= 0)
    {
      g_autofree char *when = seconds (summary->answered);

      g_ptr_array_add (parts, g_strdup_printf (_("answered after %s"), when));
      if (summary->ended >= 0)
        g_ptr_array_add (parts, g_strdup (summary->ended_by_caller
                                            ? _("ended by the caller (BYE)")
                                            : _("ended by the callee (BYE)")));
      else
        g_ptr_array_add (parts, g_strdup (_("not ended in the capture")));
    }
  else if (summary->cancelled)
    g_ptr_array_add (parts, g_strdup (_("cancelled by the caller (CANCEL)")));
  else if (summary->final_code >= 300)
    {
      g_autofree char *reason = g_utf8_make_valid (summary->final_reason != NULL
                                                     ? summary->final_reason : "", -1);

      /* Translators: the final answer to the INVITE, e.g. "486 Busy Here". */
      g_ptr_array_add (parts, g_strdup_printf (_("answered %u %s"), summary->final_code,
                                               reason));
    }
  else
    g_ptr_array_add (parts, g_strdup (_("no final answer in the capture")));

  /* Translators: "Call from alice@10.0.0.5 to bob@10.0.0.7: " and what happened. */
  g_string_append_printf (text, _("Call from %s to %s: "), summary->caller, summary->callee);
  for (guint i = 0; i < parts->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                            (const char *) g_ptr_array_index (parts, i));
  return g_string_free (text, FALSE);
}
