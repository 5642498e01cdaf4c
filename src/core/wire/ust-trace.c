/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-trace"

#include "config.h"

#include <string.h>

#include "ust-trace.h"

/* Entries live in blocks. The ring carves the entries it records one after
 * the other out of 64 KiB blocks: no malloc or free per datagram, and the
 * copies go to consecutive memory, which the processor fetches ahead (a
 * 20,000-message ring is far larger than its caches). A block's reference
 * count covers all of its entries: one reference for each entry still in the
 * ring, one for the ring's current block, and one for each reference taken
 * on any of its entries; so an entry a reader holds keeps its whole block. An
 * entry made on its own (ust_trace_entry_new) has a block of its own. */
typedef struct {
  gint  ref_count;   /* atomic: entries cross threads */
  gsize size;        /* bytes of data[] */
  gsize used;        /* the recording thread's, under the trace's lock */
  char  data[];
} Block;

#define BLOCK_SIZE      (64 * 1024 - sizeof (Block) - 64)   /* room for malloc's own header */
#define BLOCK_MAX_ENTRY (BLOCK_SIZE / 4)                     /* larger ones get a block of their own */
#define ENTRY_ALIGN     8

struct _UstTraceEntry {
  Block            *block;
  guint8            direction;      /* UstTraceDirection */
  guint8            kind;           /* UstTraceKind */
  guint16           status_code;    /* responses only */
  guint32           first_line_len; /* line ending excluded */
  guint64           seq;
  gint64            time;           /* wall clock, µs since 1970 */
  UstTraceAddress   source;
  UstTraceAddress   destination;
  gsize             len;
  gsize             size;           /* of the whole block, for the byte budget */
  const char       *call_id;        /* points into data[], after the bytes */
  char              data[];         /* the bytes, NUL, the Call-ID, NUL */
};

G_DEFINE_BOXED_TYPE (UstTraceEntry, ust_trace_entry, ust_trace_entry_ref, ust_trace_entry_unref)

typedef struct {
  guint            id;
  UstTraceSinkFunc func;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Sink;

/* What the ring keeps of each entry, so that dropping the oldest touches
 * only this array and not the entry's long-cold memory. */
typedef struct {
  UstTraceEntry *entry;
  Block         *block;
  gsize          size;
} Slot;

struct _UstTrace {
  GObject         parent_instance;

  /* Everything below is guarded by the lock: the core thread records, any
   * other thread reads. */
  GMutex          lock;
  Slot           *ring;         /* capacity slots, circular */
  Block          *block;        /* where the next entries go, or NULL */
  guint           capacity;
  guint           head;         /* slot of the oldest entry */
  guint           count;
  gsize           bytes;        /* sum of ust_trace_entry_get_size() in the ring */
  gsize           byte_budget;
  guint64         next_seq;     /* starts at 1: "after 0" means everything */
  GArray         *sinks;        /* Sink */
  guint           next_sink_id;
};

enum {
  PROP_0,
  PROP_CAPACITY,
  PROP_BYTE_BUDGET,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstTrace, ust_trace, G_TYPE_OBJECT)

/* Addresses ------------------------------------------------------------------------ */

gboolean
ust_trace_address_from_socket_address (UstTraceAddress *address,
                                       GSocketAddress  *socket_address)
{
  GInetSocketAddress *inet;
  GInetAddress *host;
  gsize size;

  memset (address, 0, sizeof *address);
  if (!G_IS_INET_SOCKET_ADDRESS (socket_address))
    return FALSE;

  inet = G_INET_SOCKET_ADDRESS (socket_address);
  host = g_inet_socket_address_get_address (inet);
  size = g_inet_address_get_native_size (host);
  if (size != 4 && size != 16)
    return FALSE;
  address->family = size == 4 ? 4 : 6;
  address->port = g_inet_socket_address_get_port (inet);
  memcpy (address->bytes, g_inet_address_to_bytes (host), size);
  return TRUE;
}

/* "192.168.1.10:5060" or "[fd00::2]:5060"; for tests and tools. */
gboolean
ust_trace_address_parse (UstTraceAddress *address,
                         const char      *text)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *colon;
  guint64 port;

  memset (address, 0, sizeof *address);
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      host = g_strndup (text + 1, (gsize) (close - text - 1));
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL)
        return FALSE;
      host = g_strndup (text, (gsize) (colon - text));
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    return FALSE;
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    return FALSE;
  address->family = g_inet_address_get_native_size (inet) == 4 ? 4 : 6;
  address->port = (guint16) port;
  memcpy (address->bytes, g_inet_address_to_bytes (inet), g_inet_address_get_native_size (inet));
  return TRUE;
}

char *
ust_trace_address_host_to_string (const UstTraceAddress *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address->family != 4 && address->family != 6)
    return g_strdup ("?");
  inet = g_inet_address_new_from_bytes (address->bytes, address->family == 4
                                                          ? G_SOCKET_FAMILY_IPV4
                                                          : G_SOCKET_FAMILY_IPV6);
  return g_inet_address_to_string (inet);
}

char *
ust_trace_address_to_string (const UstTraceAddress *address)
{
  g_autofree char *host = ust_trace_address_host_to_string (address);

  if (address->family == 6)
    return g_strdup_printf ("[%s]:%u", host, address->port);
  return g_strdup_printf ("%s:%u", host, address->port);
}

gboolean
ust_trace_address_same_host (const UstTraceAddress *a,
                             const UstTraceAddress *b)
{
  return a->family == b->family
         && memcmp (a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

gboolean
ust_trace_address_equal (const UstTraceAddress *a,
                         const UstTraceAddress *b)
{
  return a->port == b->port && ust_trace_address_same_host (a, b);
}

/* Entries ----------------------------------------------------------------------------- */

static inline gboolean
is_lws (char c)
{
  return c == ' ' || c == '\t';
}

/* "Call-ID" in any case; | 0x20 lowers ASCII letters and keeps '-'. */
static inline gboolean
is_call_id_name (const char *p)
{
  static const char name[] = "call-id";

  for (guint i = 0; i < 7; i++)
    if ((p[i] | 0x20) != name[i])
      return FALSE;
  return TRUE;
}

/* The Call-ID is found by a scan of the header lines (full or compact name,
 * RFC 3261 §7.3.3), stopping at the first one or at the empty line: the
 * message is not parsed here, libosip2 does that later if the proxy wants it.
 * A folded Call-ID (legal, never seen) keeps only its first line. */
static gboolean
find_call_id (const char *data,
              gsize       len,
              gsize      *start,
              gsize      *end)
{
  const char *stop = data + len;
  const char *p = memchr (data, '\n', len);

  if (p == NULL)
    return FALSE;
  for (p++; p < stop;)
    {
      const char *nl = memchr (p, '\n', (gsize) (stop - p));
      const char *line_end = nl != NULL ? nl : stop;
      const char *q;

      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      if (line_end == p)
        return FALSE;   /* the empty line: no Call-ID in the headers */

      q = NULL;
      if (line_end - p > 7 && is_call_id_name (p))
        q = p + 7;
      else if ((p[0] == 'i' || p[0] == 'I') && line_end - p > 1
               && (p[1] == ':' || is_lws (p[1])))
        q = p + 1;
      if (q != NULL)
        {
          while (q < line_end && is_lws (*q))
            q++;
          if (q < line_end && *q == ':')
            {
              const char *v = q + 1, *e = line_end;

              while (v < e && is_lws (*v))
                v++;
              while (e > v && is_lws (e[-1]))
                e--;
              *start = (gsize) (v - data);
              *end = (gsize) (e - data);
              return TRUE;
            }
        }
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return FALSE;
}

/* ABNF strings are case-insensitive (RFC 3261 §25.1), but senders write
 * "SIP/2.0": try that first. */
static inline gboolean
is_sip_version (const char *p,
                const char *version)
{
  return memcmp (p, version, 8) == 0 || g_ascii_strncasecmp (p, version, 8) == 0;
}

static void
classify (UstTraceEntry *self)
{
  const char *data = self->data;
  const char *nl = memchr (data, '\n', self->len);
  gsize line = nl != NULL ? (gsize) (nl - data) : self->len;
  gsize i;

  if (line > 0 && data[line - 1] == '\r')
    line--;
  self->first_line_len = (guint32) MIN (line, G_MAXUINT32);

  for (i = 0; i < self->len && (data[i] == '\r' || data[i] == '\n' || data[i] == ' '); i++)
    ;
  if (i == self->len)
    {
      self->kind = UST_TRACE_KIND_KEEPALIVE;
      return;
    }

  /* RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase. */
  if (line >= 11 && is_sip_version (data, "SIP/2.0 ")
      && g_ascii_isdigit (data[8]) && g_ascii_isdigit (data[9]) && g_ascii_isdigit (data[10]))
    {
      self->kind = UST_TRACE_KIND_RESPONSE;
      self->status_code = (guint16) ((data[8] - '0') * 100 + (data[9] - '0') * 10 + data[10] - '0');
      return;
    }

  /* §7.1: Request-Line = Method SP Request-URI SP SIP-Version. */
  if (line > 8 && is_sip_version (data + line - 8, " SIP/2.0")
      && memchr (data, ' ', line - 8) != NULL)
    self->kind = UST_TRACE_KIND_REQUEST;
  else
    self->kind = UST_TRACE_KIND_OTHER;
}

static Block *
block_new (gsize size)
{
  Block *block = g_malloc (sizeof (Block) + size);

  block->ref_count = 1;
  block->size = size;
  block->used = 0;
  return block;
}

static inline void
block_unref (Block *block)
{
  if (g_atomic_int_dec_and_test (&block->ref_count))
    g_free (block);
}

/* The header, the bytes, then the Call-ID, each followed by a NUL so the
 * window may use them as strings; rounded up so the next entry is aligned. */
static inline gsize
entry_size (gsize len,
            gsize id_len)
{
  gsize size = sizeof (UstTraceEntry) + len + 1 + id_len + 1;

  return (size + ENTRY_ALIGN - 1) & ~(gsize) (ENTRY_ALIGN - 1);
}

static void
entry_fill (UstTraceEntry         *self,
            Block                 *block,
            gsize                  size,
            guint64                seq,
            gint64                 time,
            UstTraceDirection      direction,
            const UstTraceAddress *source,
            const UstTraceAddress *destination,
            const char            *data,
            gsize                  len,
            gsize                  id_start,
            gsize                  id_end)
{
  char *id;

  self->block = block;
  self->size = size;
  self->direction = (guint8) direction;
  self->kind = UST_TRACE_KIND_OTHER;
  self->status_code = 0;
  self->seq = seq;
  self->time = time;
  self->source = *source;
  self->destination = *destination;
  self->len = len;
  if (len > 0)
    memcpy (self->data, data, len);
  self->data[len] = '\0';
  id = self->data + len + 1;
  memcpy (id, data + id_start, id_end - id_start);
  id[id_end - id_start] = '\0';
  self->call_id = id;
  classify (self);
}

/* An entry on its own, e.g. read from a capture or made by a test. */
UstTraceEntry *
ust_trace_entry_new (guint64                seq,
                     gint64                 time,
                     UstTraceDirection      direction,
                     const UstTraceAddress *source,
                     const UstTraceAddress *destination,
                     const char            *data,
                     gsize                  len)
{
  gsize id_start = 0, id_end = 0, size;
  Block *block;

  g_return_val_if_fail (source != NULL && destination != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > 0)
    find_call_id (data, len, &id_start, &id_end);
  size = entry_size (len, id_end - id_start);
  block = block_new (size);
  block->used = size;
  entry_fill ((UstTraceEntry *) (gpointer) block->data, block, size, seq, time, direction, source,
              destination, data, len, id_start, id_end);
  return (UstTraceEntry *) (gpointer) block->data;
}

UstTraceEntry *
ust_trace_entry_ref (UstTraceEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->block->ref_count);
  return self;
}

void
ust_trace_entry_unref (UstTraceEntry *self)
{
  g_return_if_fail (self != NULL);

  block_unref (self->block);
}

guint64
ust_trace_entry_get_seq (const UstTraceEntry *self)
{
  return self->seq;
}

gint64
ust_trace_entry_get_time (const UstTraceEntry *self)
{
  return self->time;
}

UstTraceDirection
ust_trace_entry_get_direction (const UstTraceEntry *self)
{
  return self->direction;
}

const UstTraceAddress *
ust_trace_entry_get_source (const UstTraceEntry *self)
{
  return &self->source;
}

const UstTraceAddress *
ust_trace_entry_get_destination (const UstTraceEntry *self)
{
  return &self->destination;
}

/* The other end: the sender of what we received, the receiver of what we sent. */
const UstTraceAddress *
ust_trace_entry_get_remote (const UstTraceEntry *self)
{
  return self->direction == UST_TRACE_RECEIVED ? &self->source : &self->destination;
}

/* NUL-terminated, but a datagram may hold NULs of its own: use @len. */
const char *
ust_trace_entry_get_data (const UstTraceEntry *self,
                          gsize               *len)
{
  if (len != NULL)
    *len = self->len;
  return self->data;
}

gsize
ust_trace_entry_get_len (const UstTraceEntry *self)
{
  return self->len;
}

/* What the entry takes in its block; the ring's byte budget counts this. */
gsize
ust_trace_entry_get_size (const UstTraceEntry *self)
{
  return self->size;
}

/* "" when the datagram has none (a keep-alive, junk). */
const char *
ust_trace_entry_get_call_id (const UstTraceEntry *self)
{
  return self->call_id;
}

/* UDP, TCP or TLS (as the exchange read it, decrypted). */
UstProtocol
ust_trace_entry_get_protocol (const UstTraceEntry *self)
{
  return (UstProtocol) self->source.protocol;
}

UstTraceKind
ust_trace_entry_get_kind (const UstTraceEntry *self)
{
  return self->kind;
}

guint
ust_trace_entry_get_status_code (const UstTraceEntry *self)
{
  return self->status_code;
}

const char *
ust_trace_entry_get_first_line (const UstTraceEntry *self,
                                gsize               *len)
{
  *len = self->first_line_len;
  return self->data;
}

/* "INVITE", or NULL for anything but a request. */
char *
ust_trace_entry_dup_method (const UstTraceEntry *self)
{
  const char *space;

  if (self->kind != UST_TRACE_KIND_REQUEST)
    return NULL;
  space = memchr (self->data, ' ', self->first_line_len);
  /* Shown in the window and drawn: a phone's bytes need not be UTF-8. */
  return g_utf8_make_valid (self->data, space != NULL ? (gssize) (space - self->data) : 0);
}

/* The reason phrase as sent ("" if empty), or NULL for anything but a
 * response. */
char *
ust_trace_entry_dup_reason (const UstTraceEntry *self)
{
  gsize i = 11;

  if (self->kind != UST_TRACE_KIND_RESPONSE)
    return NULL;
  while (i < self->first_line_len && is_lws (self->data[i]))
    i++;
  return g_utf8_make_valid (self->data + i, (gssize) (self->first_line_len - i));
}

/* "INVITE" or "200 POHODKA": what an arrow of a ladder is labelled with. */
char *
ust_trace_entry_dup_summary (const UstTraceEntry *self)
{
  g_autofree char *reason = NULL;

  switch ((UstTraceKind) self->kind)
    {
    case UST_TRACE_KIND_REQUEST:
      return ust_trace_entry_dup_method (self);
    case UST_TRACE_KIND_RESPONSE:
      reason = ust_trace_entry_dup_reason (self);
      return reason[0] != '\0' ? g_strdup_printf ("%u %s", self->status_code, reason)
                               : g_strdup_printf ("%u", self->status_code);
    case UST_TRACE_KIND_KEEPALIVE:
      return g_strdup ("keep-alive");
    case UST_TRACE_KIND_OTHER:
    default:
      return g_strdup_printf ("%" G_GSIZE_FORMAT " bytes", self->len);
    }
}

/* The ring ------------------------------------------------------------------------------ */

static inline Slot *
slot (UstTrace *self,
      guint     index)
{
  return &self->ring[(self->head + index) % self->capacity];
}

/* Drops the oldest entry. Called with the lock held; freeing a block (once
 * in a few hundred entries) is cheap enough to do there. */
static void
evict_oldest (UstTrace *self)
{
  Slot *oldest = &self->ring[self->head];

  self->head = (self->head + 1) % self->capacity;
  self->count--;
  self->bytes -= oldest->size;
  block_unref (oldest->block);
  *oldest = (Slot) { NULL };
}

/* Keeps the newest entries within both limits; the newest one always stays,
 * even if it alone is over the byte budget. */
static void
enforce_limits (UstTrace *self)
{
  while (self->count > 1 && self->bytes > self->byte_budget)
    evict_oldest (self);
}

static void
resize_locked (UstTrace *self,
               guint     capacity)
{
  Slot *ring;

  while (self->count > capacity)
    evict_oldest (self);
  ring = g_new0 (Slot, capacity);
  for (guint i = 0; i < self->count; i++)
    ring[i] = *slot (self, i);
  g_free (self->ring);
  self->ring = ring;
  self->capacity = capacity;
  self->head = 0;
}

static void
sink_clear (gpointer data)
{
  Sink *sink = data;

  if (sink->destroy != NULL)
    sink->destroy (sink->user_data);
}

static void
ust_trace_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  UstTrace *self = UST_TRACE (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      g_value_set_uint (value, ust_trace_get_capacity (self));
      break;
    case PROP_BYTE_BUDGET:
      g_value_set_uint64 (value, ust_trace_get_byte_budget (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_trace_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  UstTrace *self = UST_TRACE (object);

  switch (prop_id)
    {
    case PROP_CAPACITY:
      ust_trace_set_capacity (self, g_value_get_uint (value));
      break;
    case PROP_BYTE_BUDGET:
      ust_trace_set_byte_budget (self, (gsize) g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_trace_finalize (GObject *object)
{
  UstTrace *self = UST_TRACE (object);

  while (self->count > 0)
    evict_oldest (self);
  g_clear_pointer (&self->block, block_unref);
  g_free (self->ring);
  g_array_unref (self->sinks);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ust_trace_parent_class)->finalize (object);
}

static void
ust_trace_class_init (UstTraceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_trace_get_property;
  object_class->set_property = ust_trace_set_property;
  object_class->finalize = ust_trace_finalize;

  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL, 1, G_MAXUINT, UST_TRACE_DEFAULT_CAPACITY,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BYTE_BUDGET] =
    g_param_spec_uint64 ("byte-budget", NULL, NULL, 1, G_MAXUINT64, UST_TRACE_DEFAULT_BYTE_BUDGET,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_trace_init (UstTrace *self)
{
  g_mutex_init (&self->lock);
  self->capacity = UST_TRACE_DEFAULT_CAPACITY;
  self->byte_budget = UST_TRACE_DEFAULT_BYTE_BUDGET;
  self->ring = g_new0 (Slot, self->capacity);
  self->next_seq = 1;
  self->next_sink_id = 1;
  self->sinks = g_array_new (FALSE, FALSE, sizeof (Sink));
  g_array_set_clear_func (self->sinks, sink_clear);
}

/* 0 for either limit means the default. */
UstTrace *
ust_trace_new (guint capacity,
               gsize byte_budget)
{
  UstTrace *self = g_object_new (UST_TYPE_TRACE, NULL);

  if (capacity > 0)
    ust_trace_set_capacity (self, capacity);
  if (byte_budget > 0)
    ust_trace_set_byte_budget (self, byte_budget);
  return self;
}

/* Room for @size bytes in the current block, or in a new one; returns the
 * block, with a reference for the ring's slot. Called with the lock held. */
static Block *
reserve (UstTrace *self,
         gsize     size)
{
  Block *block;

  if (size > BLOCK_MAX_ENTRY)
    {
      block = block_new (size);
      block->used = size;
      return block;
    }
  if (self->block == NULL || self->block->used + size > self->block->size)
    {
      g_clear_pointer (&self->block, block_unref);
      self->block = block_new (BLOCK_SIZE);
    }
  block = self->block;
  block->used += size;
  g_atomic_int_inc (&block->ref_count);
  return block;
}

/* Records one datagram and returns its sequence number. The Call-ID is
 * found before the lock is taken; under it, the copy into the ring's block,
 * the stamp, the slot and the sinks: a few hundred nanoseconds. */
guint64
ust_trace_record (UstTrace              *self,
                  UstTraceDirection      direction,
                  const UstTraceAddress *source,
                  const UstTraceAddress *destination,
                  const char            *data,
                  gsize                  len)
{
  UstTraceEntry *entry;
  gsize id_start = 0, id_end = 0, size;
  Block *block;
  Slot *free_slot;
  guint64 seq;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);
  g_return_val_if_fail (data != NULL || len == 0, 0);

  if (len > 0)
    find_call_id (data, len, &id_start, &id_end);
  size = entry_size (len, id_end - id_start);

  g_mutex_lock (&self->lock);
  if (self->count == self->capacity)
    evict_oldest (self);
  block = reserve (self, size);
  entry = (UstTraceEntry *) (gpointer) (block->data + block->used - size);
  /* The time is read under the lock so that times follow sequence numbers
   * (unless the wall clock itself is set back). */
  seq = self->next_seq++;
  entry_fill (entry, block, size, seq, g_get_real_time (), direction, source, destination, data,
              len, id_start, id_end);
  free_slot = &self->ring[(self->head + self->count) % self->capacity];
  *free_slot = (Slot) { entry, block, size };
  self->count++;
  self->bytes += size;
  enforce_limits (self);
  for (guint i = 0; i < self->sinks->len; i++)
    {
      Sink *sink = &g_array_index (self->sinks, Sink, i);

      sink->func (entry, sink->user_data);
    }
  g_mutex_unlock (&self->lock);
  return seq;
}

/* The entries with a sequence number above @after_seq, oldest first, each
 * with a reference the array drops. If the first one's number is above
 * @after_seq + 1, the ring dropped some before the reader came back. */
GPtrArray *
ust_trace_get_since (UstTrace *self,
                     guint64   after_seq)
{
  GPtrArray *entries;
  guint64 first;
  guint skip;

  g_return_val_if_fail (UST_IS_TRACE (self), NULL);

  g_mutex_lock (&self->lock);
  first = self->next_seq - self->count;
  skip = after_seq >= first ? (guint) MIN (after_seq - first + 1, self->count) : 0;
  entries = g_ptr_array_new_full (self->count - skip, (GDestroyNotify) ust_trace_entry_unref);
  for (guint i = skip; i < self->count; i++)
    {
      Slot *s = slot (self, i);

      g_atomic_int_inc (&s->block->ref_count);
      g_ptr_array_add (entries, s->entry);
    }
  g_mutex_unlock (&self->lock);
  return entries;
}

/* The number of the newest entry ever recorded, 0 before the first. */
guint64
ust_trace_get_last_seq (UstTrace *self)
{
  guint64 seq;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  seq = self->next_seq - 1;
  g_mutex_unlock (&self->lock);
  return seq;
}

/* The number of the oldest entry still in the ring (last + 1 when empty). */
guint64
ust_trace_get_first_seq (UstTrace *self)
{
  guint64 seq;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  seq = self->next_seq - self->count;
  g_mutex_unlock (&self->lock);
  return seq;
}

guint
ust_trace_get_n_entries (UstTrace *self)
{
  guint count;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  count = self->count;
  g_mutex_unlock (&self->lock);
  return count;
}

gsize
ust_trace_get_n_bytes (UstTrace *self)
{
  gsize bytes;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  bytes = self->bytes;
  g_mutex_unlock (&self->lock);
  return bytes;
}

guint
ust_trace_get_capacity (UstTrace *self)
{
  guint capacity;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  capacity = self->capacity;
  g_mutex_unlock (&self->lock);
  return capacity;
}

void
ust_trace_set_capacity (UstTrace *self,
                        guint     capacity)
{
  g_return_if_fail (UST_IS_TRACE (self));
  g_return_if_fail (capacity > 0);

  g_mutex_lock (&self->lock);
  if (capacity == self->capacity)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  resize_locked (self, capacity);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPACITY]);
}

gsize
ust_trace_get_byte_budget (UstTrace *self)
{
  gsize budget;

  g_return_val_if_fail (UST_IS_TRACE (self), 0);

  g_mutex_lock (&self->lock);
  budget = self->byte_budget;
  g_mutex_unlock (&self->lock);
  return budget;
}

void
ust_trace_set_byte_budget (UstTrace *self,
                           gsize     byte_budget)
{
  g_return_if_fail (UST_IS_TRACE (self));
  g_return_if_fail (byte_budget > 0);

  g_mutex_lock (&self->lock);
  if (byte_budget == self->byte_budget)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->byte_budget = byte_budget;
  enforce_limits (self);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTE_BUDGET]);
}

/* Empties the ring; sequence numbers go on from where they were, so a
 * reader's "after N" stays meaningful. */
void
ust_trace_clear (UstTrace *self)
{
  g_return_if_fail (UST_IS_TRACE (self));

  g_mutex_lock (&self->lock);
  while (self->count > 0)
    evict_oldest (self);
  self->head = 0;
  g_mutex_unlock (&self->lock);
}

/* Returns an id for ust_trace_remove_sink(). @destroy runs when the sink is
 * removed or the trace finalized. */
guint
ust_trace_add_sink (UstTrace         *self,
                    UstTraceSinkFunc  func,
                    gpointer          user_data,
                    GDestroyNotify    destroy)
{
  Sink sink = { 0, func, user_data, destroy };

  g_return_val_if_fail (UST_IS_TRACE (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  g_mutex_lock (&self->lock);
  sink.id = self->next_sink_id++;
  g_array_append_val (self->sinks, sink);
  g_mutex_unlock (&self->lock);
  return sink.id;
}

void
ust_trace_remove_sink (UstTrace *self,
                       guint     id)
{
  Sink removed = { 0 };

  g_return_if_fail (UST_IS_TRACE (self));

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->sinks->len; i++)
    if (g_array_index (self->sinks, Sink, i).id == id)
      {
        removed = g_array_index (self->sinks, Sink, i);
        /* Not through the clear function: @destroy runs after the lock is
         * released, since it may wait for a writer thread. */
        g_array_set_clear_func (self->sinks, NULL);
        g_array_remove_index (self->sinks, i);
        g_array_set_clear_func (self->sinks, sink_clear);
        break;
      }
  g_mutex_unlock (&self->lock);

  if (removed.id == 0)
    g_warning ("No trace sink with id %u", id);
  else if (removed.destroy != NULL)
    removed.destroy (removed.user_data);
}

/* The entries of one call (same Call-ID), in the order given, with new
 * references. */
GPtrArray *
ust_trace_filter_call (GPtrArray  *entries,
                       const char *call_id)
{
  GPtrArray *call = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_trace_entry_unref);

  g_return_val_if_fail (entries != NULL, call);
  g_return_val_if_fail (call_id != NULL, call);

  for (guint i = 0; i < entries->len; i++)
    {
      UstTraceEntry *entry = g_ptr_array_index (entries, i);

      if (entry->call_id[0] != '\0' && strcmp (entry->call_id, call_id) == 0)
        g_ptr_array_add (call, ust_trace_entry_ref (entry));
    }
  return call;
}
