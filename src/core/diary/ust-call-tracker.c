/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-tracker"

#include "config.h"

#include <string.h>


#include "ust-call-tracker.h"
#include "ust-sip.h"
#include "ust-address-text.h"

/* An ended call stays findable for a while: a NOTIFY with the transfer's
 * outcome may come long after the end (64·T1, like timer J); for a call
 * with no transfer, only the BYE's 200 is still to come, and a busy
 * exchange should not keep thousands of ended calls (about 500 bytes each)
 * for half a minute. */
#define LINGER_US (32 * G_USEC_PER_SEC)
#define LINGER_BRIEFLY_US (5 * G_USEC_PER_SEC)
/* A REFER's new call is expected within this time to be linked to it. */
#define TRANSFER_WINDOW_US (60 * G_USEC_PER_SEC)

typedef struct {
  UstCallRecord *record;
  UstCallData   *data;          /* the record's own, edited in place */
  char          *caller_tag;    /* From tag of the INVITE: tells caller from callee */
  char          *caller_user;
  char          *callee_user;
  guint64        invite_cseq;   /* the initial INVITE's, to tell re-INVITEs apart */
  gboolean       cancel_seen;
  char          *refer_key;     /* "transferee\ttarget" in the tracker's refers */
  gint64         refer_time;
} Call;

struct _UstCallTracker {
  GObject     parent_instance;

  GHashTable *calls;     /* Call-ID → Call* (active, and ended ones lingering) */
  GHashTable *answered;  /* user → the Call* they are in, answered, most recent */
  GHashTable *refers;    /* "transferee\ttarget" → Call* whose REFER asked for that call */
  GQueue      ended;     /* Call-IDs of ended calls in a transfer, oldest first */
  GQueue      ended_briefly;  /* …and of the others */
  GSource    *sweep_source;
  gint64      clock_second;
  char        clock[16];
};

enum {
  CALL_ADDED,
  CALL_EVENT,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstCallTracker, ust_call_tracker, G_TYPE_OBJECT)

static void
call_free (Call *call)
{
  g_clear_object (&call->record);
  g_free (call->caller_tag);
  g_free (call->caller_user);
  g_free (call->callee_user);
  g_free (call->refer_key);
  g_free (call);
}

/* Takes @call out of the index of answered calls: when it ends. */
static void
unindex_answered (UstCallTracker *self,
                  Call           *call)
{
  if (call->caller_user != NULL && g_hash_table_lookup (self->answered, call->caller_user) == call)
    g_hash_table_remove (self->answered, call->caller_user);
  if (call->callee_user != NULL && g_hash_table_lookup (self->answered, call->callee_user) == call)
    g_hash_table_remove (self->answered, call->callee_user);
}

/* Takes @call out of the indexes that point at it, before it is freed. */
static void
unindex_call (UstCallTracker *self,
              Call           *call)
{
  unindex_answered (self, call);
  if (call->refer_key != NULL && g_hash_table_lookup (self->refers, call->refer_key) == call)
    g_hash_table_remove (self->refers, call->refer_key);
}

/* Phones may send bytes that are not UTF-8 (a display name in a Windows
 * code page, say); the diary is shown, searched and exported as text, so
 * what it keeps from the wire is made valid. Takes @text. (Call-IDs and
 * user names used as keys are kept as sent.) */
static char *
as_text (char *text)
{
  char *valid;

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return text;
  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  return valid;
}

static char *
aor_of (osip_uri_t *uri)
{
  if (uri == NULL || uri->host == NULL)
    return NULL;
  if (uri->username == NULL)
    return as_text (g_strdup (uri->host));
  return as_text (g_strdup_printf ("%s@%s", uri->username, uri->host));
}

/* A display name as shown: a quoted-string loses its quotes and its
 * quoted-pairs become the characters they stand for (RFC 3261 §25.1:
 * "\"" is '"', "\\" is '\'). */
static char *
unquote (const char *text)
{
  gsize len;
  GString *out;

  if (text == NULL)
    return NULL;
  len = strlen (text);
  if (len < 2 || text[0] != '"' || text[len - 1] != '"')
    return as_text (g_strdup (text));

  out = g_string_sized_new (len);
  for (const char *p = text + 1; p < text + len - 1; p++)
    {
      if (*p == '\\' && p + 1 < text + len - 1)
        p++;
      g_string_append_c (out, *p);
    }
  return as_text (g_string_free (out, FALSE));
}

/* The diary's text, in the seed's format:
 *   TIME: [18:40:22] CALL ID: prG~Rdjz29 CALLING phone@192.168.1.173 FROM PC@192.168.1.173 */
static char *
format_line (const UstCallData *call,
             const char        *clock,
             const char        *kind,
             const char        *detail)
{
  const char *callee = call->callee != NULL ? call->callee : "?";
  const char *caller = call->caller != NULL ? call->caller : "?";
  /* Appends, not printf: a line is made for every step of every call, and
   * two printf calls cost more than the rest of the step's bookkeeping. */
  GString *line = g_string_sized_new (160);
  gboolean between = FALSE;

  g_string_append (line, "TIME: [");
  g_string_append (line, clock);
  g_string_append (line, "] CALL ID: ");
  g_string_append (line, call->call_id);
  if (g_str_equal (kind, "calling") || g_str_equal (kind, "cancelled")
      || g_str_equal (kind, "rejected"))
    g_string_append (line, " CALLING ");
  else if (g_str_equal (kind, "ringing"))
    g_string_append (line, " RINGING ");
  else
    {
      g_string_append (line, " CALL BETWEEN ");
      between = TRUE;
    }
  g_string_append (line, callee);
  g_string_append (line, between ? " AND " : " FROM ");
  g_string_append (line, caller);

  if (g_str_equal (kind, "cancelled"))
    g_string_append (line, " CANCELLED");
  else if (g_str_equal (kind, "rejected"))
    {
      g_string_append (line, " REJECTED ");
      g_string_append (line, detail != NULL ? detail : "(null)");
    }
  else if (between)
    {
      /* "video-on" → " VIDEO ON" */
      g_string_append_c (line, ' ');
      for (const char *k = kind; *k != '\0'; k++)
        g_string_append_c (line, *k == '-' ? ' ' : g_ascii_toupper (*k));
      if (detail != NULL)
        {
          g_string_append_c (line, ' ');
          g_string_append (line, detail);
        }
    }
  return g_string_free (line, FALSE);
}

char *
ust_call_tracker_format_line (const UstCallData *call,
                              gint64             time,
                              const char        *kind,
                              const char        *detail)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  g_autofree char *clock = g_date_time_format (when, "%H:%M:%S");

  return format_line (call, clock, kind, detail);
}

/* Local time "HH:MM:SS", recomputed once a second rather than per event. */
static const char *
clock_text (UstCallTracker *self,
            gint64          time)
{
  gint64 second = time / G_USEC_PER_SEC;

  if (second != self->clock_second)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (second);
      g_autofree char *text = g_date_time_format (when, "%H:%M:%S");

      g_strlcpy (self->clock, text, sizeof self->clock);
      self->clock_second = second;
    }
  return self->clock;
}

/* Hands a snapshot to the record (for bound views) and tells listeners. */
static void
emit_event (UstCallTracker *self,
            Call           *call,
            gint64          time,
            const char     *kind,
            const char     *detail)
{
  g_autofree char *line = NULL;
  g_autofree char *valid = detail != NULL && !g_utf8_validate (detail, -1, NULL)
                             ? g_utf8_make_valid (detail, -1) : NULL;
  UstCallChange event = { call->record, time, kind, valid != NULL ? valid : detail, NULL };

  ust_call_record_changed (call->record);
  if (!g_signal_has_handler_pending (self, signals[CALL_EVENT], 0, FALSE))
    return;
  event.line = line = format_line (call->data, clock_text (self, time), kind, event.detail);
  g_signal_emit (self, signals[CALL_EVENT], 0, &event);
}

/* A call that was asked to transfer (REFER) waits for the NOTIFY with the
 * outcome, which belongs to its dialog. */
static gboolean
in_transfer (Call *call)
{
  return call->refer_key != NULL || call->data->transfer_to != NULL;
}

static void
mark_ended (UstCallTracker *self,
            Call           *call)
{
  g_queue_push_tail (in_transfer (call) ? &self->ended : &self->ended_briefly,
                     g_strdup (call->data->call_id));
}

/* Frees the calls of @ended (oldest first) that ended more than @linger
 * ago. A call in a transfer may have moved to the long queue since. */
static void
sweep_queue (UstCallTracker *self,
             GQueue         *ended,
             gint64          linger,
             gint64          now)
{
  while (!g_queue_is_empty (ended))
    {
      const char *call_id = g_queue_peek_head (ended);
      Call *call = g_hash_table_lookup (self->calls, call_id);

      if (call != NULL && ust_call_data_is_active (call->data))
        {
          g_free (g_queue_pop_head (ended));
          continue;
        }
      if (call != NULL && call->data->end_time + linger > now)
        break;
      if (call != NULL && ended == &self->ended_briefly && in_transfer (call))
        {
          g_queue_push_tail (&self->ended, g_queue_pop_head (ended));
          continue;
        }
      if (call != NULL)
        unindex_call (self, call);
      g_hash_table_remove (self->calls, call_id);
      g_free (g_queue_pop_head (ended));
    }
}

static gboolean
sweep_cb (gpointer user_data)
{
  UstCallTracker *self = user_data;
  gint64 now = g_get_real_time ();

  sweep_queue (self, &self->ended, LINGER_US, now);
  sweep_queue (self, &self->ended_briefly, LINGER_BRIEFLY_US, now);
  return G_SOURCE_CONTINUE;
}

/* Requests ----------------------------------------------------------------- */

/* The whole Call-ID as on the wire: "number@host" or "number". */
static void
call_id_key (osip_message_t *message,
             char           *buffer,
             gsize           size)
{
  gsize n = g_strlcpy (buffer, message->call_id->number, size);

  if (message->call_id->host != NULL && n + 1 < size)
    {
      buffer[n] = '@';
      g_strlcpy (buffer + n + 1, message->call_id->host, size - n - 1);
    }
}

static Call *
find_call (UstCallTracker *self,
           osip_message_t *message)
{
  char key[512];

  if (message->call_id == NULL || message->call_id->number == NULL)
    return NULL;
  call_id_key (message, key, sizeof key);
  return g_hash_table_lookup (self->calls, key);
}

/* The call a REFER asked for: the transferee calling the Refer-To target
 * soon after. */
static Call *
find_transfer_origin (UstCallTracker *self,
                      const char     *caller_user,
                      const char     *callee_user,
                      gint64          now)
{
  g_autofree char *key = g_strdup_printf ("%s\t%s", caller_user, callee_user);
  Call *call = g_hash_table_lookup (self->refers, key);

  if (call == NULL || now - call->refer_time >= TRANSFER_WINDOW_US)
    return NULL;
  return call;
}

static void
link_transfer (UstCallTracker *self,
               Call           *call,
               osip_message_t *request,
               gint64          now)
{
  const char *replaces = ust_sip_header_value (request, "replaces");
  Call *origin;

  /* Attended transfer (RFC 3891): Replaces names the call being replaced. */
  if (replaces != NULL)
    {
      const char *semicolon = strchr (replaces, ';');

      call->data->related_call_id = semicolon != NULL
                                     ? g_strstrip (g_strndup (replaces, semicolon - replaces))
                                     : g_strstrip (g_strdup (replaces));
      return;
    }

  /* Blind transfer (RFC 3515): the transferee calls the target. */
  origin = find_transfer_origin (self, call->caller_user, call->callee_user, now);
  if (origin != NULL)
    call->data->related_call_id = g_strdup (origin->data->call_id);
}

/* "192.168.1.23:5060 (UDP)": where a phone is, and by which transport, as
 * the diary's address columns show it. */
static char *
address_text (GSocketAddress *address,
              UstProtocol     protocol)
{
  g_autofree char *where = ust_address_text_format (address);

  return g_strdup_printf ("%s (%s)", where, ust_protocol_to_via (protocol));
}

static void
start_call (UstCallTracker *self,
            osip_message_t *request,
            GSocketAddress *source,
            UstProtocol     protocol)
{
  gint64 now = g_get_real_time ();
  Call *call = g_new0 (Call, 1);
  char call_id[512];
  guint64 cseq = 0;
  UstSipMedia media;

  call->record = ust_call_record_new (NULL);
  call->data = ust_call_record_edit_data (call->record);
  ust_sip_parse_uint (request->cseq->number, G_MAXUINT64, &cseq);
  call->invite_cseq = cseq;
  call->caller_tag = g_strdup (ust_sip_from_tag (request));
  call->caller_user = g_strdup (request->from->url->username);
  call->callee_user = g_strdup (request->req_uri->username != NULL ? request->req_uri->username
                                                                   : request->to->url->username);

  call_id_key (request, call_id, sizeof call_id);
  call->data->call_id = g_strdup (call_id);
  call->data->caller = aor_of (request->from->url);
  call->data->caller_name = unquote (request->from->displayname);
  call->data->callee = aor_of (request->to->url);
  call->data->caller_addr = address_text (source, protocol);
  call->data->caller_ua = as_text (g_strdup (ust_sip_header_value (request, "user-agent")));
  call->data->start_time = now;
  call->data->state = UST_CALL_SETUP;
  if (ust_sip_mentions_video (request) && ust_sip_read_media (request, &media))
    call->data->video = call->data->video_now = media.video;

  link_transfer (self, call, request, now);
  g_hash_table_replace (self->calls, call->data->call_id, call);

  g_signal_emit (self, signals[CALL_ADDED], 0, call->record);
  emit_event (self, call, now, "calling", NULL);
}

/* A re-INVITE (or UPDATE) in the dialog: video on/off, hold/resume. */
static void
update_media (UstCallTracker *self,
              Call           *call,
              osip_message_t *request)
{
  gint64 now = g_get_real_time ();
  UstSipMedia media;

  if (!ust_sip_read_media (request, &media))
    return;
  if (media.video != call->data->video_now)
    {
      call->data->video_now = media.video;
      call->data->video = call->data->video || media.video;
      emit_event (self, call, now, media.video ? "video-on" : "video-off", NULL);
    }
  if (media.hold != call->data->on_hold)
    {
      call->data->on_hold = media.hold;
      emit_event (self, call, now, media.hold ? "hold" : "resume", NULL);
    }
}

static void
end_call (UstCallTracker *self,
          Call           *call,
          UstEndedBy      ended_by)
{
  gint64 now = g_get_real_time ();

  call->data->state = UST_CALL_ENDED;
  call->data->end_time = now;
  call->data->ended_by = ended_by;
  /* Out of the conference index only: a REFER's new call often comes after
   * the transferor hung up, and the link to it must still be made. The
   * refers entry goes when the sweep frees the call. */
  unindex_answered (self, call);
  mark_ended (self, call);
  emit_event (self, call, now, "ended", NULL);
}

static void
record_refer (UstCallTracker *self,
              Call           *call,
              osip_message_t *request)
{
  const char *refer_to = ust_sip_header_value (request, "refer-to");
  g_autoptr(osip_from_t) target = NULL;

  if (refer_to == NULL)
    return;
  g_free (call->data->transfer_to);
  call->data->transfer_to = NULL;
  if (call->refer_key != NULL && g_hash_table_lookup (self->refers, call->refer_key) == call)
    g_hash_table_remove (self->refers, call->refer_key);
  g_clear_pointer (&call->refer_key, g_free);

  /* Refer-To has the shape of a From header (name-addr with parameters). */
  target = ust_sip_parse_name_addr (refer_to);
  if (target != NULL && target->url != NULL)
    {
      call->data->transfer_to = aor_of (target->url);
      /* The REFER's recipient is the one who places the new call. */
      call->refer_key = g_strdup_printf ("%s\t%s", request->to->url->username,
                                         target->url->username);
      g_hash_table_replace (self->refers, call->refer_key, call);
    }
  else
    call->data->transfer_to = as_text (g_strdup (refer_to));
  call->refer_time = g_get_real_time ();
  emit_event (self, call, call->refer_time, "transfer",
              call->data->transfer_to != NULL ? call->data->transfer_to : refer_to);
}

/* RFC 3515 §2.4.5: the NOTIFY body is a sipfrag whose status line is the
 * new call's progress, e.g. "SIP/2.0 200 OK". */
static void
record_notify (UstCallTracker *self,
               Call           *call,
               osip_message_t *request)
{
  const char *event = ust_sip_header_value (request, "event");
  osip_body_t *body = NULL;
  g_autofree char *status = NULL;
  const char *end;

  if (event == NULL || !g_str_has_prefix (event, "refer"))
    return;
  if (osip_message_get_body (request, 0, &body) < 0 || body == NULL || body->body == NULL)
    return;

  end = strpbrk (body->body, "\r\n");
  status = end != NULL ? g_strndup (body->body, end - body->body) : g_strdup (body->body);
  g_strstrip (status);
  if (g_str_has_prefix (status, "SIP/2.0 "))
    memmove (status, status + 8, strlen (status + 8) + 1);
  if (*status == '\0' || g_strcmp0 (status, call->data->transfer_result) == 0)
    return;

  g_free (call->data->transfer_result);
  call->data->transfer_result = as_text (g_strdup (status));
  emit_event (self, call, g_get_real_time (), "transfer-result", status);
}

void
ust_call_tracker_request (UstCallTracker *self,
                          osip_message_t *request,
                          GSocketAddress *source,
                          UstProtocol     protocol)
{
  const char *method = request->sip_method;
  Call *call;

  g_return_if_fail (UST_IS_CALL_TRACKER (self));

  call = find_call (self, request);
  if (call == NULL)
    {
      if (strcmp (method, "INVITE") == 0 && ust_sip_to_tag (request) == NULL)
        start_call (self, request, source, protocol);
      return;
    }

  if (strcmp (method, "INVITE") == 0 || strcmp (method, "UPDATE") == 0)
    {
      if (call->data->state == UST_CALL_ANSWERED)
        update_media (self, call, request);
    }
  else if (strcmp (method, "CANCEL") == 0)
    call->cancel_seen = TRUE;
  else if (strcmp (method, "BYE") == 0)
    {
      if (call->data->state == UST_CALL_ANSWERED)
        end_call (self, call, g_strcmp0 (ust_sip_from_tag (request), call->caller_tag) == 0
                                ? UST_ENDED_BY_CALLER : UST_ENDED_BY_CALLEE);
    }
  else if (strcmp (method, "REFER") == 0)
    record_refer (self, call, request);
  else if (strcmp (method, "NOTIFY") == 0)
    record_notify (self, call, request);
}

/* Responses ---------------------------------------------------------------- */

/* One phone in two answered calls at once mixes them: a conference. */
static void
link_conference (UstCallTracker *self,
                 Call           *call)
{
  const char *users[] = { call->caller_user, call->callee_user };

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      Call *other;

      if (users[i] == NULL)
        continue;
      other = g_hash_table_lookup (self->answered, users[i]);
      if (other != NULL && other != call && other->data->state == UST_CALL_ANSWERED
          && call->data->related_call_id == NULL)
        call->data->related_call_id = g_strdup (other->data->call_id);
      g_hash_table_replace (self->answered, g_strdup (users[i]), call);
    }
}

static UstCallState
failure_state (Call    *call,
               guint    code,
               gboolean local)
{
  if (code == 487 && call->cancel_seen)
    return UST_CALL_CANCELLED;
  if (code == 486 || code == 600)
    return UST_CALL_BUSY;
  if (code == 603)
    return UST_CALL_DECLINED;
  if (local && (code == 404 || code == 480))
    return UST_CALL_NOT_FOUND;
  if (local && code == 408)
    return UST_CALL_TIMED_OUT;
  return UST_CALL_FAILED;
}

static UstEndedBy
failure_ended_by (UstCallState state,
                  gboolean     local)
{
  switch (state)
    {
    case UST_CALL_CANCELLED:
      return UST_ENDED_BY_CALLER;
    case UST_CALL_TIMED_OUT:
      return UST_ENDED_BY_TIMEOUT;
    default:
      return local ? UST_ENDED_BY_EXCHANGE : UST_ENDED_BY_CALLEE;
    }
}

static void
finish_failed (UstCallTracker *self,
               Call           *call,
               guint           code,
               const char     *phrase_sent,
               const char     *phrase_received,
               gboolean        local)
{
  gint64 now = g_get_real_time ();
  g_autofree char *detail = g_strdup_printf ("%u %s", code, phrase_sent ? phrase_sent : "");

  call->data->state = failure_state (call, code, local);
  call->data->ended_by = failure_ended_by (call->data->state, local);
  call->data->final_code = code;
  call->data->final_reason = as_text (g_strdup (phrase_sent));
  call->data->orig_reason = as_text (g_strdup (phrase_received));
  call->data->end_time = now;
  mark_ended (self, call);
  emit_event (self, call, now, call->data->state == UST_CALL_CANCELLED ? "cancelled" : "rejected",
              g_strstrip (detail));
}

static gboolean
is_initial_invite (Call           *call,
                   osip_message_t *message)
{
  guint64 cseq = 0;

  return message->cseq != NULL && g_strcmp0 (message->cseq->method, "INVITE") == 0
         && ust_sip_parse_uint (message->cseq->number, G_MAXUINT64, &cseq)
         && cseq == call->invite_cseq;
}

void
ust_call_tracker_response (UstCallTracker *self,
                           osip_message_t *response,
                           const char     *phrase_sent,
                           GSocketAddress *source,
                           UstProtocol     protocol)
{
  guint code = (guint) response->status_code;
  gint64 now = g_get_real_time ();
  Call *call;

  g_return_if_fail (UST_IS_CALL_TRACKER (self));

  call = find_call (self, response);
  if (call == NULL || !is_initial_invite (call, response) || !ust_call_data_is_active (call->data))
    return;

  /* The callee is the phone behind the final answer: with forking, the
   * provisional that filled these may have come from another of its phones. */
  if (code >= 200 && !(code < 300 && call->data->state == UST_CALL_ANSWERED))
    {
      g_clear_pointer (&call->data->callee_addr, g_free);
      g_clear_pointer (&call->data->callee_ua, g_free);
    }
  if (call->data->callee_addr == NULL && source != NULL)
    call->data->callee_addr = address_text (source, protocol);
  if (call->data->callee_ua == NULL)
    {
      const char *agent = ust_sip_header_value (response, "server");

      if (agent == NULL)
        agent = ust_sip_header_value (response, "user-agent");
      call->data->callee_ua = as_text (g_strdup (agent));
    }

  if (code >= 180 && code < 200)
    {
      if (call->data->state == UST_CALL_SETUP)
        {
          call->data->state = UST_CALL_RINGING;
          call->data->ring_time = now;
          emit_event (self, call, now, "ringing", NULL);
        }
    }
  else if (code >= 200 && code < 300)
    {
      if (call->data->state == UST_CALL_ANSWERED)
        return;
      call->data->state = UST_CALL_ANSWERED;
      call->data->answer_time = now;
      call->data->final_code = code;
      call->data->final_reason = as_text (g_strdup (phrase_sent));
      call->data->orig_reason = as_text (g_strdup (response->reason_phrase));
      link_conference (self, call);
      emit_event (self, call, now, "started", NULL);
    }
  else if (code >= 300)
    {
      finish_failed (self, call, code, phrase_sent, response->reason_phrase, FALSE);
    }
}

void
ust_call_tracker_local_response (UstCallTracker *self,
                                 osip_message_t *request,
                                 guint           code,
                                 const char     *phrase_sent)
{
  Call *call;

  g_return_if_fail (UST_IS_CALL_TRACKER (self));

  if (code < 300)
    return;
  call = find_call (self, request);
  if (call == NULL || !is_initial_invite (call, request) || !ust_call_data_is_active (call->data))
    return;
  finish_failed (self, call, code, phrase_sent, NULL, TRUE);
}

/* The exchange stops: the calls still up end here, so the diary has them. */
void
ust_call_tracker_shutdown (UstCallTracker *self)
{
  g_autoptr(GList) calls = NULL;

  g_return_if_fail (UST_IS_CALL_TRACKER (self));

  calls = g_hash_table_get_values (self->calls);
  for (GList *l = calls; l != NULL; l = l->next)
    {
      Call *call = l->data;

      if (call->data->state == UST_CALL_ANSWERED)
        end_call (self, call, UST_ENDED_BY_EXCHANGE);
      else if (ust_call_data_is_active (call->data))
        finish_failed (self, call, 503, "Exchange stopped", NULL, TRUE);
    }
}

/* The calls not yet ended, as UstCallRecord references. */
GPtrArray *
ust_call_tracker_list_active (UstCallTracker *self)
{
  GPtrArray *active = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  Call *call;

  g_return_val_if_fail (UST_IS_CALL_TRACKER (self), active);

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (ust_call_data_is_active (call->data))
      g_ptr_array_add (active, g_object_ref (call->record));
  return active;
}

UstCallRecord *
ust_call_tracker_lookup (UstCallTracker *self,
                         const char     *call_id)
{
  Call *call;

  g_return_val_if_fail (UST_IS_CALL_TRACKER (self), NULL);

  call = g_hash_table_lookup (self->calls, call_id);
  return call != NULL ? call->record : NULL;
}

/* GObject ------------------------------------------------------------------ */

static void
ust_call_tracker_dispose (GObject *object)
{
  UstCallTracker *self = UST_CALL_TRACKER (object);

  if (self->sweep_source != NULL)
    {
      g_source_destroy (self->sweep_source);
      g_clear_pointer (&self->sweep_source, g_source_unref);
    }

  G_OBJECT_CLASS (ust_call_tracker_parent_class)->dispose (object);
}

static void
ust_call_tracker_finalize (GObject *object)
{
  UstCallTracker *self = UST_CALL_TRACKER (object);

  g_queue_clear_full (&self->ended, g_free);
  g_queue_clear_full (&self->ended_briefly, g_free);
  g_hash_table_unref (self->answered);
  g_hash_table_unref (self->refers);
  g_hash_table_unref (self->calls);

  G_OBJECT_CLASS (ust_call_tracker_parent_class)->finalize (object);
}

static void
ust_call_tracker_class_init (UstCallTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ust_call_tracker_dispose;
  object_class->finalize = ust_call_tracker_finalize;

  /* A new call appeared (its record then changes in place). */
  signals[CALL_ADDED] = g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, UST_TYPE_CALL_RECORD);

  /* One step of a call, as a UstCallChange* valid during the emission. A plain
   * pointer with a C marshaller: several per call, at thousands of calls a
   * second, GValue marshalling would cost more than the tracking. */
  signals[CALL_EVENT] = g_signal_new ("call-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, g_cclosure_marshal_VOID__POINTER,
                                      G_TYPE_NONE, 1, G_TYPE_POINTER);
  g_signal_set_va_marshaller (signals[CALL_EVENT], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__POINTERv);
}

static void
ust_call_tracker_init (UstCallTracker *self)
{
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) call_free);
  self->answered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->refers = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->ended);
  g_queue_init (&self->ended_briefly);
  self->sweep_source = g_timeout_source_new_seconds (5);
  g_source_set_callback (self->sweep_source, sweep_cb, self, NULL);
  g_source_set_static_name (self->sweep_source, "UstCallTracker sweep");
  g_source_attach (self->sweep_source, g_main_context_get_thread_default ());
}

UstCallTracker *
ust_call_tracker_new (void)
{
  return g_object_new (UST_TYPE_CALL_TRACKER, NULL);
}
