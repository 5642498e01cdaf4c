/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-ladder"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-ladder.h"
#include "ust-sip-text.h"
#include "ust-sip.h"

struct _UstLadder {
  gint    ref_count;
  char   *call_id;
  GArray *columns;   /* UstLadderColumn */
  GArray *arrows;    /* UstLadderArrow */
};

G_DEFINE_BOXED_TYPE (UstLadder, ust_ladder, ust_ladder_ref, ust_ladder_unref)

/* One address seen in the call, and what the messages say about who is there. */
typedef struct {
  UstTraceAddress address;
  gboolean        is_exchange;
  char           *user;
  guint           user_weight;   /* how sure: 3 Contact, 2 sender's From/To, 1 receiver's */
  gint            group;         /* the column it is drawn in, before ordering */
} Endpoint;

/* Header values ------------------------------------------------------------------------ */

/* The user part of the URI in a From, To or Contact value: "alice" from
 * "\"Alice\" <sip:alice@10.0.0.5:5062>;tag=1", the number from a tel: URI;
 * NULL for "*" or a URI without a user. */
static char *
uri_user (const char *value,
          gsize       len)
{
  const char *end = value + len, *p = value, *uri, *uri_end, *at, *colon;
  gboolean quoted = FALSE;
  const char *open = NULL;

  for (; p < end; p++)
    {
      if (*p == '\\' && quoted)
        p++;
      else if (*p == '"')
        quoted = !quoted;
      else if (*p == '<' && !quoted)
        {
          open = p;
          break;
        }
    }
  if (open != NULL)
    {
      uri = open + 1;
      uri_end = memchr (uri, '>', (gsize) (end - uri));
      if (uri_end == NULL)
        uri_end = end;
    }
  else
    {
      /* RFC 3261 §20: without angle brackets, parameters belong to the header. */
      uri = value;
      uri_end = memchr (uri, ';', len);
      if (uri_end == NULL)
        uri_end = end;
    }

  colon = memchr (uri, ':', (gsize) (uri_end - uri));
  if (colon == NULL)
    return NULL;
  if (colon - uri == 3 && g_ascii_strncasecmp (uri, "tel", 3) == 0)
    {
      const char *number_end = memchr (colon, ';', (gsize) (uri_end - colon));

      return g_utf8_make_valid (colon + 1, (gssize) ((number_end != NULL ? number_end : uri_end)
                                                      - colon - 1));
    }
  at = memchr (colon, '@', (gsize) (uri_end - colon));
  if (at == NULL || at == colon + 1)
    return NULL;
  /* user:password@host (deprecated, §19.1.1): the user only. */
  {
    const char *password = memchr (colon + 1, ':', (gsize) (at - colon - 1));
    const char *user_end = password != NULL ? password : at;
    const char *semicolon = memchr (colon + 1, ';', (gsize) (user_end - colon - 1));

    if (semicolon != NULL)
      user_end = semicolon;   /* user parameters of a telephone-subscriber */
    /* A column's name is drawn: a phone's bytes need not be UTF-8. */
    return g_utf8_make_valid (colon + 1, (gssize) (user_end - colon - 1));
  }
}

static char *
header_user (const UstSipText *text,
             const char       *name,
             char              compact)
{
  UstSipField field;
  gsize end;

  if (!ust_sip_text_find (text, name, compact, &field))
    return NULL;
  end = ust_sip_text_first_value_end (text, &field);
  return uri_user (text->data + field.value_start, end - field.value_start);
}

/* The top Via's branch and the CSeq: a transaction's identity (§17.1.3). */
static char *
transaction_key (const UstSipText *text)
{
  UstSipField field;
  g_autofree char *branch = NULL;
  g_autofree char *cseq = NULL;

  if (ust_sip_text_find (text, "Via", 'v', &field))
    {
      gsize end = ust_sip_text_first_value_end (text, &field);
      gsize param_end, param_value;

      if (ust_sip_text_find_param (text, field.value_start, end, "branch", &param_end,
                                   &param_value)
          && param_value != 0)
        branch = g_strndup (text->data + param_value, param_end - param_value);
    }
  if (ust_sip_text_find (text, "CSeq", '\0', &field))
    cseq = g_strndup (text->data + field.value_start, field.value_end - field.value_start);
  if (branch == NULL || cseq == NULL)
    return NULL;
  return g_strdup_printf ("%s|%s", branch, cseq);
}

/* Columns ------------------------------------------------------------------------------- */

static Endpoint *
endpoint_for (GArray                *endpoints,
              const UstTraceAddress *address)
{
  Endpoint endpoint = { 0 };

  for (guint i = 0; i < endpoints->len; i++)
    if (ust_trace_address_equal (&g_array_index (endpoints, Endpoint, i).address, address))
      return &g_array_index (endpoints, Endpoint, i);
  endpoint.address = *address;
  endpoint.group = -1;
  g_array_append_val (endpoints, endpoint);
  return &g_array_index (endpoints, Endpoint, endpoints->len - 1);
}

static void
endpoint_clear (gpointer data)
{
  g_free (((Endpoint *) data)->user);
}

static void
hint (Endpoint *endpoint,
      char     *user,
      guint     weight)
{
  if (user == NULL || user[0] == '\0' || weight <= endpoint->user_weight)
    {
      g_free (user);
      return;
    }
  g_free (endpoint->user);
  endpoint->user = user;
  endpoint->user_weight = weight;
}

/* Who is at the phone's end of one datagram. In a request, From is the
 * sender and To the receiver (§8.1.1.2-3, and §12.2.1.1 inside a dialog);
 * a response keeps the request's From and To, so there To is the sender. */
static void
learn_users (GArray              *endpoints,
             const UstTraceEntry *entry)
{
  gsize len;
  const char *data = ust_trace_entry_get_data (entry, &len);
  gboolean request = ust_trace_entry_get_kind (entry) == UST_TRACE_KIND_REQUEST;
  Endpoint *phone = endpoint_for (endpoints, ust_trace_entry_get_remote (entry));
  UstSipText text;

  if (!ust_sip_text_init (&text, data, len))
    return;
  if (ust_trace_entry_get_direction (entry) == UST_TRACE_RECEIVED)
    {
      hint (phone, header_user (&text, "Contact", 'm'), 3);
      hint (phone, header_user (&text, request ? "From" : "To", request ? 'f' : 't'), 2);
    }
  else
    hint (phone, header_user (&text, request ? "To" : "From", request ? 't' : 'f'), 1);
}

/* Gives every endpoint a group: the exchange is group 0, phones are grouped
 * by host and user, and a phone whose user is unknown joins the only group on
 * its host, if there is one. */
static void
group_endpoints (GArray *endpoints)
{
  gint n_groups = 1;

  for (guint i = 0; i < endpoints->len; i++)
    {
      Endpoint *e = &g_array_index (endpoints, Endpoint, i);

      if (e->is_exchange)
        e->group = 0;
      else if (e->user != NULL)
        {
          for (guint j = 0; j < i && e->group < 0; j++)
            {
              Endpoint *other = &g_array_index (endpoints, Endpoint, j);

              if (!other->is_exchange && other->user != NULL
                  && ust_trace_address_same_host (&e->address, &other->address)
                  && strcmp (e->user, other->user) == 0)
                e->group = other->group;
            }
          if (e->group < 0)
            e->group = n_groups++;
        }
    }

  for (guint i = 0; i < endpoints->len; i++)
    {
      Endpoint *e = &g_array_index (endpoints, Endpoint, i);
      gint same_host = -1;
      gboolean several = FALSE;

      if (e->group >= 0)
        continue;
      for (guint j = 0; j < endpoints->len; j++)
        {
          Endpoint *other = &g_array_index (endpoints, Endpoint, j);

          if (other->is_exchange || other->user == NULL
              || !ust_trace_address_same_host (&e->address, &other->address))
            continue;
          if (same_host >= 0 && same_host != other->group)
            several = TRUE;
          same_host = other->group;
        }
      e->group = same_host >= 0 && !several ? same_host : n_groups++;
    }
}

static void
column_clear (gpointer data)
{
  UstLadderColumn *column = data;

  g_free (column->name);
  g_free (column->host);
  g_free (column->addresses);
}

static void
arrow_clear (gpointer data)
{
  UstLadderArrow *arrow = data;

  g_clear_pointer (&arrow->entry, ust_trace_entry_unref);
  g_free (arrow->label);
}

/* Columns in order of first appearance; @column_of maps a group to it. */
static void
build_columns (UstLadder *self,
               GPtrArray *call,
               GArray    *endpoints,
               GArray    *column_of)
{
  for (guint i = 0; i < call->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (call, i);
      const UstTraceAddress *ends[2] = { ust_trace_entry_get_source (entry),
                                         ust_trace_entry_get_destination (entry) };

      for (guint k = 0; k < 2; k++)
        {
          Endpoint *e = endpoint_for (endpoints, ends[k]);
          gint *column;
          g_autofree char *where = NULL;

          g_assert (e->group >= 0);
          column = &g_array_index (column_of, gint, e->group);
          where = ust_trace_address_to_string (&e->address);

          if (*column < 0)
            {
              UstLadderColumn new_column = { 0 };

              new_column.is_exchange = e->is_exchange;
              new_column.name = e->is_exchange ? g_strdup (_("Exchange")) : g_strdup (e->user);
              new_column.host = ust_trace_address_host_to_string (&e->address);
              new_column.addresses = g_strdup (where);
              *column = (gint) self->columns->len;
              g_array_append_val (self->columns, new_column);
            }
          else
            {
              UstLadderColumn *existing = &g_array_index (self->columns, UstLadderColumn,
                                                           *column);
              g_auto(GStrv) listed = g_strsplit (existing->addresses, ", ", -1);

              if (!g_strv_contains ((const char * const *) listed, where))
                {
                  char *joined = g_strconcat (existing->addresses, ", ", where, NULL);

                  g_free (existing->addresses);
                  existing->addresses = joined;
                }
              if (existing->name == NULL && e->user != NULL)
                existing->name = g_strdup (e->user);
            }
        }
    }
}

/* Retransmissions ----------------------------------------------------------------- */

static guint
datagram_hash (gconstpointer key)
{
  const UstTraceEntry *entry = key;
  gsize len;
  const guchar *data = (const guchar *) ust_trace_entry_get_data (entry, &len);
  guint32 hash = 2166136261u;

  /* FNV-1a over the bytes; the addresses are compared in datagram_equal. */
  for (gsize i = 0; i < len; i++)
    hash = (hash ^ data[i]) * 16777619u;
  return hash ^ ust_trace_entry_get_direction (entry);
}

static gboolean
datagram_equal (gconstpointer a,
                gconstpointer b)
{
  gsize a_len, b_len;
  const char *a_data = ust_trace_entry_get_data (a, &a_len);
  const char *b_data = ust_trace_entry_get_data (b, &b_len);

  return ust_trace_entry_get_direction (a) == ust_trace_entry_get_direction (b)
         && ust_trace_address_equal (ust_trace_entry_get_source (a),
                                     ust_trace_entry_get_source (b))
         && ust_trace_address_equal (ust_trace_entry_get_destination (a),
                                     ust_trace_entry_get_destination (b))
         && a_len == b_len && memcmp (a_data, b_data, a_len) == 0;
}

static gint
compare_seq (gconstpointer a,
             gconstpointer b)
{
  guint64 sa = ust_trace_entry_get_seq (*(UstTraceEntry **) a);
  guint64 sb = ust_trace_entry_get_seq (*(UstTraceEntry **) b);

  return sa < sb ? -1 : sa > sb;
}

/* The ladder ---------------------------------------------------------------------------- */

/* The SIP datagrams of @call_id in @entries (UstTraceEntry*, from a trace or a
 * capture), ordered by sequence number. */
UstLadder *
ust_ladder_new_for_call (GPtrArray  *entries,
                         const char *call_id)
{
  UstLadder *self;
  g_autoptr(GPtrArray) call = NULL;
  g_autoptr(GArray) endpoints = NULL;
  g_autoptr(GArray) column_of = NULL;
  g_autoptr(GHashTable) seen_bytes = NULL;
  g_autoptr(GHashTable) seen_keys = NULL;
  gint max_group = 0;

  g_return_val_if_fail (entries != NULL, NULL);
  g_return_val_if_fail (call_id != NULL, NULL);

  self = g_new0 (UstLadder, 1);
  self->ref_count = 1;
  self->call_id = g_strdup (call_id);
  self->columns = g_array_new (FALSE, TRUE, sizeof (UstLadderColumn));
  g_array_set_clear_func (self->columns, column_clear);
  self->arrows = g_array_new (FALSE, TRUE, sizeof (UstLadderArrow));
  g_array_set_clear_func (self->arrows, arrow_clear);

  call = ust_trace_filter_call (entries, call_id);
  for (guint i = call->len; i-- > 0;)
    {
      UstTraceKind kind = ust_trace_entry_get_kind (g_ptr_array_index (call, i));

      if (kind != UST_TRACE_KIND_REQUEST && kind != UST_TRACE_KIND_RESPONSE)
        g_ptr_array_remove_index (call, i);
    }
  g_ptr_array_sort (call, compare_seq);
  if (call->len == 0)
    return self;

  /* Which addresses are the exchange, and who is at the others. */
  endpoints = g_array_new (FALSE, TRUE, sizeof (Endpoint));
  g_array_set_clear_func (endpoints, endpoint_clear);
  for (guint i = 0; i < call->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (call, i);
      const UstTraceAddress *ours = ust_trace_entry_get_direction (entry) == UST_TRACE_RECEIVED
                                      ? ust_trace_entry_get_destination (entry)
                                      : ust_trace_entry_get_source (entry);

      endpoint_for (endpoints, ours)->is_exchange = TRUE;
    }
  for (guint i = 0; i < call->len; i++)
    learn_users (endpoints, g_ptr_array_index (call, i));
  group_endpoints (endpoints);

  for (guint i = 0; i < endpoints->len; i++)
    max_group = MAX (max_group, g_array_index (endpoints, Endpoint, i).group);
  column_of = g_array_sized_new (FALSE, FALSE, sizeof (gint), (guint) max_group + 1);
  for (gint g = 0; g <= max_group; g++)
    {
      gint none = -1;

      g_array_append_val (column_of, none);
    }
  build_columns (self, call, endpoints, column_of);

  seen_bytes = g_hash_table_new (datagram_hash, datagram_equal);
  seen_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < call->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (call, i);
      UstLadderArrow arrow = { 0 };
      gsize len;
      const char *data = ust_trace_entry_get_data (entry, &len);
      UstSipText text;
      g_autofree char *key = NULL;

      arrow.entry = ust_trace_entry_ref (entry);
      arrow.from = (guint) g_array_index (column_of, gint,
        endpoint_for (endpoints, ust_trace_entry_get_source (entry))->group);
      arrow.to = (guint) g_array_index (column_of, gint,
        endpoint_for (endpoints, ust_trace_entry_get_destination (entry))->group);
      arrow.label = ust_trace_entry_dup_summary (entry);
      arrow.offset = ust_trace_entry_get_time (entry)
                     - ust_trace_entry_get_time (g_ptr_array_index (call, 0));
      arrow.status_code = ust_trace_entry_get_status_code (entry);
      if (arrow.status_code != 0)
        {
          g_autofree char *reason = ust_trace_entry_dup_reason (entry);

          arrow.custom_reason = g_ascii_strcasecmp (reason,
                                                    ust_sip_standard_reason (arrow.status_code))
                                != 0;
        }

      /* Same bytes the same way, or the same transaction's same message. */
      if (g_hash_table_contains (seen_bytes, entry))
        arrow.retransmission = TRUE;
      else
        g_hash_table_add (seen_bytes, entry);
      if (ust_sip_text_init (&text, data, len) && (key = transaction_key (&text)) != NULL)
        {
          g_autofree char *method = ust_trace_entry_dup_method (entry);
          g_autofree char *source = ust_trace_address_to_string (ust_trace_entry_get_source (entry));
          g_autofree char *destination =
            ust_trace_address_to_string (ust_trace_entry_get_destination (entry));
          char *full = g_strdup_printf ("%d|%s|%s|%s|%u|%s", ust_trace_entry_get_direction (entry),
                                        source, destination, key, arrow.status_code,
                                        method != NULL ? method : "");

          if (g_hash_table_contains (seen_keys, full))
            {
              arrow.retransmission = TRUE;
              g_free (full);
            }
          else
            g_hash_table_add (seen_keys, full);
        }
      g_array_append_val (self->arrows, arrow);
    }
  return self;
}

UstLadder *
ust_ladder_ref (UstLadder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ust_ladder_unref (UstLadder *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_array_unref (self->columns);
  g_array_unref (self->arrows);
  g_free (self->call_id);
  g_free (self);
}

const char *
ust_ladder_get_call_id (UstLadder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->call_id;
}

guint
ust_ladder_get_n_columns (UstLadder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->columns->len;
}

/* The exchange's column is "Exchange"; a capture of another proxy calls it
 * by that proxy's name (@name). */
void
ust_ladder_set_exchange_name (UstLadder  *self,
                              const char *name)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  for (guint i = 0; i < self->columns->len; i++)
    {
      UstLadderColumn *column = &g_array_index (self->columns, UstLadderColumn, i);

      if (column->is_exchange)
        {
          g_free (column->name);
          column->name = g_strdup (name);
        }
    }
}

const UstLadderColumn *
ust_ladder_get_column (UstLadder *self,
                       guint      index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->columns->len, NULL);

  return &g_array_index (self->columns, UstLadderColumn, index);
}

guint
ust_ladder_get_n_arrows (UstLadder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->arrows->len;
}

const UstLadderArrow *
ust_ladder_get_arrow (UstLadder *self,
                      guint      index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->arrows->len, NULL);

  return &g_array_index (self->arrows, UstLadderArrow, index);
}

/* Plain text ------------------------------------------------------------------------------ */

#define TIME_WIDTH 12   /* "   12.345 s " */

/* A line of @width characters; text is placed by character, not by byte, so
 * "486 OBSADENÉ" lines up in a monospace font. */
typedef struct {
  gunichar *cells;
  guint     width;
} Canvas;

static void
canvas_reset (Canvas *canvas)
{
  for (guint i = 0; i < canvas->width; i++)
    canvas->cells[i] = ' ';
}

static void
canvas_put (Canvas     *canvas,
            guint       at,
            const char *text,
            guint       max)
{
  g_autofree char *valid = NULL;
  guint n = 0;

  /* Stepping by character needs UTF-8; anything else would step past the end. */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  for (const char *p = text; *p != '\0' && at + n < canvas->width && n < max;
       p = g_utf8_next_char (p), n++)
    {
      if (n + 1 == max && *g_utf8_next_char (p) != '\0')
        {
          canvas->cells[at + n] = 0x2026;   /* … */
          break;
        }
      canvas->cells[at + n] = g_utf8_get_char (p);
    }
}

static void
canvas_put_centered (Canvas     *canvas,
                     guint       center,
                     const char *text,
                     guint       max)
{
  g_autofree char *valid = g_utf8_validate (text, -1, NULL) ? NULL : g_utf8_make_valid (text, -1);
  guint len = MIN ((guint) g_utf8_strlen (valid != NULL ? valid : text, -1), max);

  canvas_put (canvas, center >= len / 2 ? center - len / 2 : 0, text, max);
}

static void
canvas_append (Canvas  *canvas,
               GString *out)
{
  guint end = canvas->width;
  g_autofree char *utf8 = NULL;

  while (end > 0 && canvas->cells[end - 1] == ' ')
    end--;
  utf8 = g_ucs4_to_utf8 (canvas->cells, end, NULL, NULL, NULL);
  g_string_append (out, utf8 != NULL ? utf8 : "");
}

/* A monospace ladder for a report: a header with each column's name and
 * address, then one line per datagram with its time after the first, e.g.
 *
 *       0.000 s         |----- INVITE ----->|                   |
 *       0.001 s         |<--- 100 Trying ---|                   |
 *
 * Notes after an arrow say "retransmission" or which reason phrase is the
 * standard one. */
char *
ust_ladder_to_text (UstLadder *self)
{
  GString *out;
  Canvas canvas;
  guint spacing = 20, n;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out, "Call-ID: %s\n", self->call_id);
  n = self->columns->len;
  if (n == 0 || self->arrows->len == 0)
    return g_string_free (out, FALSE);
  {
    const UstLadderArrow *first = &g_array_index (self->arrows, UstLadderArrow, 0);
    gint64 time = ust_trace_entry_get_time (first->entry);
    g_autoptr(GDateTime) start = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
    g_autofree char *when = start != NULL ? g_date_time_format (start, "%Y-%m-%d %H:%M:%S")
                                          : NULL;

    if (when != NULL)
      g_string_append_printf (out, "%s: %s.%03d\n", _("First datagram"), when,
                              (int) (time % G_USEC_PER_SEC / 1000));
  }

  for (guint i = 0; i < self->arrows->len; i++)
    {
      const UstLadderArrow *arrow = &g_array_index (self->arrows, UstLadderArrow, i);
      guint span = arrow->from > arrow->to ? arrow->from - arrow->to : arrow->to - arrow->from;

      if (span > 0)
        spacing = MAX (spacing, ((guint) g_utf8_strlen (arrow->label, -1) + 8 + span - 1) / span);
    }
  for (guint c = 0; c < n; c++)
    {
      const UstLadderColumn *column = &g_array_index (self->columns, UstLadderColumn, c);

      spacing = MAX (spacing, (guint) g_utf8_strlen (column->addresses, -1) + 2);
      if (column->name != NULL)
        spacing = MAX (spacing, (guint) g_utf8_strlen (column->name, -1) + 2);
    }
  spacing = MIN (spacing, 48);

  canvas.width = TIME_WIDTH + n * spacing;
  canvas.cells = g_new (gunichar, canvas.width);

#define CENTER(c) (TIME_WIDTH + (c) * spacing + spacing / 2)
  /* The header: names, then addresses (all of them if they fit). */
  canvas_reset (&canvas);
  for (guint c = 0; c < n; c++)
    {
      const UstLadderColumn *column = &g_array_index (self->columns, UstLadderColumn, c);

      canvas_put_centered (&canvas, CENTER (c), column->name != NULL ? column->name : "?",
                           spacing - 1);
    }
  canvas_append (&canvas, out);
  g_string_append_c (out, '\n');
  canvas_reset (&canvas);
  for (guint c = 0; c < n; c++)
    {
      const UstLadderColumn *column = &g_array_index (self->columns, UstLadderColumn, c);
      const char *where = (guint) g_utf8_strlen (column->addresses, -1) < spacing
                            ? column->addresses : column->host;

      canvas_put_centered (&canvas, CENTER (c), where, spacing - 1);
    }
  canvas_append (&canvas, out);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < self->arrows->len; i++)
    {
      const UstLadderArrow *arrow = &g_array_index (self->arrows, UstLadderArrow, i);
      guint from = CENTER (arrow->from), to = CENTER (arrow->to);
      guint lo = MIN (from, to), hi = MAX (from, to);
      char time[32];
      g_autofree char *label = g_strdup_printf (" %s ", arrow->label);

      canvas_reset (&canvas);
      g_snprintf (time, sizeof time, "%9.3f s", (double) arrow->offset / G_USEC_PER_SEC);
      canvas_put (&canvas, 0, time, TIME_WIDTH);
      for (guint c = 0; c < n; c++)
        canvas.cells[CENTER (c)] = '|';
      if (lo == hi)
        {
          /* To itself: only a misconfigured exchange does that. */
          canvas_put (&canvas, lo + 1, "<-", 2);
          canvas_put (&canvas, lo + 3, label, spacing);
        }
      else
        {
          for (guint x = lo + 1; x < hi; x++)
            canvas.cells[x] = '-';
          if (to > from)
            canvas.cells[hi - 1] = '>';
          else
            canvas.cells[lo + 1] = '<';
          if (hi - lo > 6)
            canvas_put_centered (&canvas, (lo + hi) / 2, label, hi - lo - 5);
        }
      canvas_append (&canvas, out);

      if (arrow->retransmission)
        g_string_append_printf (out, "   (%s)", _("retransmission"));
      if (arrow->custom_reason)
        g_string_append_printf (out, "   (%s: %u %s)", _("standard phrase"), arrow->status_code,
                                ust_sip_standard_reason (arrow->status_code));
      g_string_append_c (out, '\n');
    }
#undef CENTER

  g_free (canvas.cells);
  return g_string_free (out, FALSE);
}
