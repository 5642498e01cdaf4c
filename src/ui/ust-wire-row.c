/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-wire-row"

#include "config.h"

#include <string.h>

#include "ust-wire-row.h"

enum {
  PROP_0,
  PROP_TIME,
  PROP_FROM,
  PROP_TO,
  PROP_TRANSPORT,
  PROP_SUMMARY,
  PROP_CALL_ID,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

struct _UstWireRow
{
  GObject        parent_instance;
  UstTraceEntry *entry;
  char          *time;
  char          *from;
  char          *to;
  char          *summary;
  char          *call_id;
  char          *haystack;   /* casefolded, for the search */
};

G_DEFINE_FINAL_TYPE (UstWireRow, ust_wire_row, G_TYPE_OBJECT)

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (time == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (time, "%H:%M:%S");
  return g_strdup_printf ("%s.%03d", seconds, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

/* The texts a row shows, made the first time they are asked for: a flood
 * puts thousands of messages a second in the list, and only the rows on
 * screen (or a search) read them. */
static void
ensure_texts (UstWireRow *self)
{
  UstTraceEntry *entry = self->entry;
  const char *call_id;
  g_autofree char *joined = NULL;

  if (self->haystack != NULL)
    return;
  call_id = ust_trace_entry_get_call_id (entry);
  self->time = format_time (ust_trace_entry_get_time (entry));
  self->from = ust_trace_address_to_string (ust_trace_entry_get_source (entry));
  self->to = ust_trace_address_to_string (ust_trace_entry_get_destination (entry));
  self->summary = ust_trace_entry_dup_summary (entry);
  /* Shown and case-folded: a phone's Call-ID need not be UTF-8. */
  self->call_id = g_utf8_make_valid (call_id != NULL ? call_id : "", -1);
  if (self->summary == NULL)
    self->summary = g_strdup ("");
  joined = g_strjoin ("\n", self->from != NULL ? self->from : "", self->to != NULL ? self->to : "",
                      ust_protocol_to_via (ust_trace_entry_get_protocol (entry)), self->summary,
                      self->call_id, NULL);
  self->haystack = g_utf8_casefold (joined, -1);
}

static void
ust_wire_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  UstWireRow *self = UST_WIRE_ROW (object);

  ensure_texts (self);
  switch (prop_id)
    {
    case PROP_TIME:
      g_value_set_string (value, self->time);
      break;
    case PROP_FROM:
      g_value_set_string (value, self->from);
      break;
    case PROP_TO:
      g_value_set_string (value, self->to);
      break;
    case PROP_TRANSPORT:
      /* As Via spells it (RFC 3261 §18): "UDP", "TCP" or "TLS". */
      g_value_set_string (value, ust_protocol_to_via (ust_trace_entry_get_protocol (self->entry)));
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_CALL_ID:
      g_value_set_string (value, self->call_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_wire_row_finalize (GObject *object)
{
  UstWireRow *self = UST_WIRE_ROW (object);

  g_clear_pointer (&self->entry, ust_trace_entry_unref);
  g_free (self->time);
  g_free (self->from);
  g_free (self->to);
  g_free (self->summary);
  g_free (self->call_id);
  g_free (self->haystack);
  G_OBJECT_CLASS (ust_wire_row_parent_class)->finalize (object);
}

static void
ust_wire_row_class_init (UstWireRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_wire_row_get_property;
  object_class->finalize = ust_wire_row_finalize;

  /* Read-only: a row shows one datagram, which never changes. */
  properties[PROP_TIME] =
    g_param_spec_string ("time", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FROM] =
    g_param_spec_string ("from", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TO] =
    g_param_spec_string ("to", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALL_ID] =
    g_param_spec_string ("call-id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_wire_row_init (UstWireRow *self)
{
}

UstWireRow *
ust_wire_row_new (UstTraceEntry *entry)
{
  UstWireRow *self;

  g_return_val_if_fail (entry != NULL, NULL);

  self = g_object_new (UST_TYPE_WIRE_ROW, NULL);
  self->entry = ust_trace_entry_ref (entry);
  return self;
}

UstTraceEntry *
ust_wire_row_get_entry (UstWireRow *self)
{
  g_return_val_if_fail (UST_IS_WIRE_ROW (self), NULL);
  return self->entry;
}

gboolean
ust_wire_row_matches (UstWireRow *self,
                      const char *needle)
{
  g_return_val_if_fail (UST_IS_WIRE_ROW (self), FALSE);
  g_return_val_if_fail (needle != NULL, FALSE);

  ensure_texts (self);
  return strstr (self->haystack, needle) != NULL;
}
