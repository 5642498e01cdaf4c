/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture"

#include "config.h"

#include <string.h>

#include "ust-capture.h"
#include "ust-capture-reader.h"
#include "ust-sip-text.h"

struct _UstCapture
{
  GObject            parent_instance;

  char              *path;
  UstCaptureReading  reading;
  gboolean           has_reading;
  GPtrArray         *entries;       /* UstTraceEntry*, in the file's order */
  UstTraceAddress    proxy;
  gboolean           has_proxy;
  GArray            *proxy_extra;   /* UstTraceAddress: the proxy's own TCP connections */
};

G_DEFINE_FINAL_TYPE (UstCapture, ust_capture, G_TYPE_OBJECT)

/* Endpoints are counted by address and port, whatever the transport: a
 * proxy serves UDP and TCP on one port (RFC 3261 §18). */
static guint
endpoint_hash (gconstpointer key)
{
  const UstTraceAddress *address = key;
  guint hash = address->port ^ (guint) address->family << 16;

  for (guint i = 0; i < 16; i++)
    hash = hash * 31 + address->bytes[i];
  return hash;
}

static gboolean
endpoint_equal (gconstpointer a,
                gconstpointer b)
{
  return ust_trace_address_equal (a, b);
}

/* The address most SIP messages came from or went to. */
static gboolean
guess_proxy (GArray          *messages,
             UstTraceAddress *proxy)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (endpoint_hash, endpoint_equal);
  guint best = 0;

  for (guint i = 0; i < messages->len; i++)
    {
      UstCapturedMessage *message = &g_array_index (messages, UstCapturedMessage, i);
      const UstTraceAddress *ends[2] = { &message->source, &message->destination };

      for (guint e = 0; e < 2; e++)
        {
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, ends[e])) + 1;

          g_hash_table_insert (counts, (gpointer) ends[e], GUINT_TO_POINTER (count));
          if (count > best)
            {
              best = count;
              *proxy = *ends[e];
            }
        }
    }
  return best > 0;
}

/* The port in the top Via's sent-by ("SIP/2.0/TCP host:port;…"), or 5060
 * when it has none (RFC 3261 §18.2.1 default), 0 when there is no Via. */
static guint
top_via_port (const char *data,
              gsize       len)
{
  UstSipText text;
  UstSipField field;
  gsize i, end, port = 0;

  if (!ust_sip_text_init (&text, data, len) || !ust_sip_text_find (&text, "Via", 'v', &field))
    return 0;
  end = ust_sip_text_first_value_end (&text, &field);
  i = field.value_start;
  while (i < end && data[i] != ' ' && data[i] != '\t')
    i++;    /* the protocol */
  while (i < end && (data[i] == ' ' || data[i] == '\t'))
    i++;
  if (i < end && data[i] == '[')
    while (i < end && data[i] != ']')
      i++;
  while (i < end && data[i] != ':' && data[i] != ';' && data[i] != ',')
    i++;
  if (i >= end || data[i] != ':')
    return 5060;
  for (i++; i < end && g_ascii_isdigit (data[i]) && port < 65536; i++)
    port = port * 10 + (gsize) (data[i] - '0');
  return (guint) port;
}

/* Whether a request carries more than one Via value: it was forwarded
 * (RFC 3261 §16.6 step 8), so whoever sent it is a proxy. */
static gboolean
forwarded (const char *data,
           gsize       len)
{
  UstSipText text;
  UstSipField field;
  gsize position = 0;
  guint n = 0;

  if (!ust_sip_text_init (&text, data, len))
    return FALSE;
  while (n < 2 && ust_sip_text_next_field (&text, &position, &field))
    if (ust_sip_text_field_is (&text, &field, "Via", 'v'))
      {
        gsize next;

        n++;
        if (ust_sip_text_next_value_start (&text, &field, ust_sip_text_first_value_end (&text,
                                                                                      &field),
                                           &next))
          n++;   /* "Via: a, b" */
      }
  return n >= 2;
}

/* More addresses of the proxy: a connection it opened comes from another
 * port of its address, and its requests carry its Via naming the port it
 * listens on; bound to all addresses, it forwards from each of them on the
 * same port (with its own Via on top of the phone's). */
static void
add_proxy_connection (UstCapture            *self,
                      const UstTraceAddress *source,
                      const char            *data,
                      gsize                  len)
{
  if (ust_capture_is_proxy (self, source) || (len >= 4 && memcmp (data, "SIP/", 4) == 0))
    return;
  if (source->port == self->proxy.port && source->family == self->proxy.family)
    {
      if (top_via_port (data, len) == self->proxy.port && forwarded (data, len))
        g_array_append_val (self->proxy_extra, *source);
      return;
    }
  if (!ust_protocol_is_stream (source->protocol)
      || !ust_trace_address_same_host (source, &self->proxy))
    return;
  if (top_via_port (data, len) == self->proxy.port)
    g_array_append_val (self->proxy_extra, *source);
}

static void
find_proxy_connections (UstCapture *self)
{
  g_array_set_size (self->proxy_extra, 0);
  for (guint i = 0; i < self->entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (self->entries, i);
      gsize len;
      const char *data = ust_trace_entry_get_data (entry, &len);

      add_proxy_connection (self, ust_trace_entry_get_source (entry), data, len);
    }
}

/* The same messages, "sent" when the proxy sent them. */
static void
set_directions (UstCapture *self)
{
  GPtrArray *entries = g_ptr_array_new_full (self->entries->len,
                                             (GDestroyNotify) ust_trace_entry_unref);

  if (self->has_proxy)
    find_proxy_connections (self);
  for (guint i = 0; i < self->entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (self->entries, i);
      const UstTraceAddress *source = ust_trace_entry_get_source (entry);
      UstTraceDirection direction = ust_capture_is_proxy (self, source) ? UST_TRACE_SENT
                                                                        : UST_TRACE_RECEIVED;
      gsize len;
      const char *data = ust_trace_entry_get_data (entry, &len);

      if (direction == ust_trace_entry_get_direction (entry))
        g_ptr_array_add (entries, ust_trace_entry_ref (entry));
      else
        g_ptr_array_add (entries, ust_trace_entry_new (ust_trace_entry_get_seq (entry),
                                                       ust_trace_entry_get_time (entry),
                                                       direction, source,
                                                       ust_trace_entry_get_destination (entry),
                                                       data, len));
    }
  g_ptr_array_unref (self->entries);
  self->entries = entries;
}

static void
ust_capture_finalize (GObject *object)
{
  UstCapture *self = UST_CAPTURE (object);

  g_free (self->path);
  if (self->has_reading)
    ust_capture_reading_clear (&self->reading);
  g_ptr_array_unref (self->entries);
  g_array_unref (self->proxy_extra);

  G_OBJECT_CLASS (ust_capture_parent_class)->finalize (object);
}

static void
ust_capture_class_init (UstCaptureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ust_capture_finalize;
}

static void
ust_capture_init (UstCapture *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_trace_entry_unref);
  self->proxy_extra = g_array_new (FALSE, FALSE, sizeof (UstTraceAddress));
}

/* Entries numbered from 1 in the file's order, made once the proxy is
 * known so each is made once (a capture may hold 100,000). */
static UstCapture *
capture_from_reading (const char        *path,
                      UstCaptureReading *reading)
{
  UstCapture *self = g_object_new (UST_TYPE_CAPTURE, NULL);
  GArray *messages = reading->messages;
  const char *arena = (const char *) reading->arena->data;

  self->path = g_strdup (path);
  self->reading = *reading;
  self->has_reading = TRUE;
  self->has_proxy = guess_proxy (messages, &self->proxy);
  for (guint i = 0; self->has_proxy && i < messages->len; i++)
    {
      const UstCapturedMessage *message = &g_array_index (messages, UstCapturedMessage, i);

      add_proxy_connection (self, &message->source, arena + message->offset, message->len);
    }
  g_ptr_array_set_size (self->entries, 0);
  for (guint i = 0; i < messages->len; i++)
    {
      const UstCapturedMessage *message = &g_array_index (messages, UstCapturedMessage, i);
      UstTraceDirection direction = ust_capture_is_proxy (self, &message->source)
                                      ? UST_TRACE_SENT : UST_TRACE_RECEIVED;

      g_ptr_array_add (self->entries,
                       ust_trace_entry_new (i + 1, message->time, direction, &message->source,
                                            &message->destination, arena + message->offset,
                                            message->len));
    }
  /* The bytes live in the entries now. */
  g_byte_array_unref (self->reading.arena);
  self->reading.arena = g_byte_array_new ();
  return self;
}

/* Opens @path (pcap or pcapng). A damaged file gives what could be read,
 * with a note; NULL only when it is no capture. */
UstCapture *
ust_capture_open (const char  *path,
                  GError     **error)
{
  UstCaptureReading reading;

  g_return_val_if_fail (path != NULL, NULL);

  if (!ust_capture_read_file (path, &reading, error))
    {
      ust_capture_reading_clear (&reading);
      return NULL;
    }
  return capture_from_reading (path, &reading);
}

UstCapture *
ust_capture_new_from_memory (const guint8  *data,
                             gsize          len,
                             GError       **error)
{
  UstCaptureReading reading;

  if (!ust_capture_read_memory (data, len, &reading, error))
    {
      ust_capture_reading_clear (&reading);
      return NULL;
    }
  return capture_from_reading (NULL, &reading);
}

/* A capture of the exchange's own trace: @proxy is the exchange (NULL to
 * keep the entries' own directions and guess the address). */
UstCapture *
ust_capture_new_for_entries (GPtrArray             *entries,
                             const UstTraceAddress *proxy)
{
  UstCapture *self;

  g_return_val_if_fail (entries != NULL, NULL);

  self = g_object_new (UST_TYPE_CAPTURE, NULL);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (self->entries, ust_trace_entry_ref (g_ptr_array_index (entries, i)));
  if (proxy != NULL)
    {
      self->proxy = *proxy;
      self->has_proxy = TRUE;
      set_directions (self);
    }
  else
    {
      /* The exchange's address is where its sent messages came from. */
      for (guint i = 0; i < entries->len && !self->has_proxy; i++)
        if (ust_trace_entry_get_direction (g_ptr_array_index (entries, i)) == UST_TRACE_SENT)
          {
            self->proxy = *ust_trace_entry_get_source (g_ptr_array_index (entries, i));
            self->has_proxy = TRUE;
          }
    }
  return self;
}

const char *
ust_capture_get_path (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), NULL);
  return self->path;
}

/* UstTraceEntry*, in the file's order; borrowed. */
GPtrArray *
ust_capture_get_entries (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), NULL);
  return self->entries;
}

gboolean
ust_capture_get_proxy (UstCapture      *self,
                       UstTraceAddress *proxy)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), FALSE);

  if (self->has_proxy && proxy != NULL)
    *proxy = self->proxy;
  return self->has_proxy;
}

/* The user's choice of proxy; the entries' directions follow it. */
void
ust_capture_set_proxy (UstCapture            *self,
                       const UstTraceAddress *proxy)
{
  g_return_if_fail (UST_IS_CAPTURE (self));
  g_return_if_fail (proxy != NULL);

  self->proxy = *proxy;
  self->has_proxy = TRUE;
  set_directions (self);
}

typedef struct {
  UstTraceAddress address;
  guint           count;
} Endpoint;

static gint
endpoint_compare (gconstpointer a,
                  gconstpointer b)
{
  const Endpoint *x = a, *y = b;

  return x->count != y->count ? (x->count > y->count ? -1 : 1) : 0;
}

/* The addresses SIP came from or went to, most messages first, at most
 * @max (UstTraceAddress): the candidates for the proxy. */
GArray *
ust_capture_list_endpoints (UstCapture *self,
                            guint       max)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (endpoint_hash, endpoint_equal, NULL,
                                                         g_free);
  g_autoptr(GArray) sorted = g_array_new (FALSE, FALSE, sizeof (Endpoint));
  GArray *out = g_array_new (FALSE, FALSE, sizeof (UstTraceAddress));
  GHashTableIter iter;
  Endpoint *endpoint;

  g_return_val_if_fail (UST_IS_CAPTURE (self), out);

  for (guint i = 0; i < self->entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (self->entries, i);
      const UstTraceAddress *ends[2] = { ust_trace_entry_get_source (entry),
                                         ust_trace_entry_get_destination (entry) };

      for (guint e = 0; e < 2; e++)
        {
          endpoint = g_hash_table_lookup (counts, ends[e]);
          if (endpoint == NULL)
            {
              endpoint = g_new0 (Endpoint, 1);
              endpoint->address = *ends[e];
              g_hash_table_insert (counts, &endpoint->address, endpoint);
            }
          endpoint->count++;
        }
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &endpoint))
    g_array_append_val (sorted, *endpoint);
  g_array_sort (sorted, endpoint_compare);
  for (guint i = 0; i < sorted->len && i < max; i++)
    g_array_append_val (out, g_array_index (sorted, Endpoint, i).address);
  return out;
}

/* Whether @address is the proxy: its address and port (any transport), or
 * one of the TCP connections it opened. */
gboolean
ust_capture_is_proxy (UstCapture            *self,
                      const UstTraceAddress *address)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), FALSE);

  if (!self->has_proxy)
    return FALSE;
  if (ust_trace_address_equal (address, &self->proxy))
    return TRUE;
  for (guint i = 0; i < self->proxy_extra->len; i++)
    if (ust_trace_address_equal (address, &g_array_index (self->proxy_extra, UstTraceAddress, i)))
      return TRUE;
  return FALSE;
}

/* UstRtpStream*, borrowed; empty for the exchange's own trace. */
GPtrArray *
ust_capture_get_rtp_streams (UstCapture *self)
{
  static GPtrArray *none;

  g_return_val_if_fail (UST_IS_CAPTURE (self), NULL);

  if (self->has_reading)
    return self->reading.rtp_streams;
  if (g_once_init_enter (&none))
    g_once_init_leave (&none, g_ptr_array_new ());
  return none;
}

/* Translated sentences on what could not be read; borrowed. */
GPtrArray *
ust_capture_get_notes (UstCapture *self)
{
  static GPtrArray *none;

  g_return_val_if_fail (UST_IS_CAPTURE (self), NULL);

  if (self->has_reading)
    return self->reading.notes;
  if (g_once_init_enter (&none))
    g_once_init_leave (&none, g_ptr_array_new ());
  return none;
}

const char *
ust_capture_get_link_type (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), NULL);
  return self->has_reading ? self->reading.link_type : NULL;
}

guint64
ust_capture_get_n_packets (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), 0);
  return self->has_reading ? self->reading.n_packets : self->entries->len;
}

guint64
ust_capture_get_n_fragmented (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), 0);
  return self->has_reading ? self->reading.n_fragments : 0;
}

guint64
ust_capture_get_n_tcp (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), 0);
  return self->has_reading ? self->reading.n_tcp_messages : 0;
}

/* What TCP reassembly had to mend: segments sent again, segments that
 * came early, bytes never captured. */
void
ust_capture_get_tcp_repairs (UstCapture *self,
                             guint64    *retransmitted,
                             guint64    *out_of_order,
                             guint64    *gap_bytes)
{
  g_return_if_fail (UST_IS_CAPTURE (self));

  *retransmitted = self->has_reading ? self->reading.n_tcp_retransmitted : 0;
  *out_of_order = self->has_reading ? self->reading.n_tcp_out_of_order : 0;
  *gap_bytes = self->has_reading ? self->reading.n_tcp_gap_bytes : 0;
}

gboolean
ust_capture_is_damaged (UstCapture *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE (self), FALSE);
  return self->has_reading && self->reading.damaged;
}
