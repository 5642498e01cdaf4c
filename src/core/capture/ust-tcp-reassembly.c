/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-tcp-reassembly"

#include "config.h"

#include <string.h>

#include "ust-capture-sniff.h"
#include "ust-stream-framer.h"
#include "ust-tcp-reassembly.h"

/* Bytes that may wait behind a hole before the hole is given up on: far
 * more than any window a phone opens, so only a segment the capture never
 * saw makes a stream skip. */
#define WAIT_CAP        (1u << 20)
/* While looking for a start line, a partial line longer than this is not one. */
#define HUNT_CAP        8192

typedef struct {
  guint32  seq;
  gint64   time;
  gsize    len;
  guint8  *data;
} Segment;

typedef struct {
  UstTraceAddress  source;
  UstTraceAddress  destination;
} FlowKey;

typedef struct {
  FlowKey          key;
  gboolean         synced;
  guint32          next;        /* the sequence number of the next byte to take */
  GList           *waiting;     /* Segment*, early ones, by sequence number */
  gsize            waiting_bytes;
  UstStreamFramer  framer;
  gboolean         hunting;     /* looking for a SIP start line before framing */
  gboolean         line_start;  /* the hunt buffer starts a line (the stream's first byte) */
  GByteArray      *hunt;
  gboolean         tls;
} Direction;

struct _UstTcpReassembly {
  GHashTable            *directions;   /* FlowKey* -> Direction* */
  UstTcpMessageFunc      func;
  gpointer               user_data;
  UstTcpReassemblyStats  stats;
};

static guint
flow_hash (gconstpointer data)
{
  const guint8 *bytes = data;
  guint hash = 5381;

  for (gsize i = 0; i < sizeof (FlowKey); i++)
    hash = hash * 33 + bytes[i];
  return hash;
}

static gboolean
flow_equal (gconstpointer a,
            gconstpointer b)
{
  return memcmp (a, b, sizeof (FlowKey)) == 0;
}

static void
segment_free (Segment *segment)
{
  g_free (segment->data);
  g_free (segment);
}

static void
direction_reset (Direction *dir)
{
  g_list_free_full (g_steal_pointer (&dir->waiting), (GDestroyNotify) segment_free);
  dir->waiting_bytes = 0;
  ust_stream_framer_clear (&dir->framer);
  ust_stream_framer_init (&dir->framer, 0);
  g_byte_array_set_size (dir->hunt, 0);
  dir->hunting = TRUE;
  dir->synced = FALSE;
  dir->tls = FALSE;
}

static void
direction_free (Direction *dir)
{
  g_list_free_full (dir->waiting, (GDestroyNotify) segment_free);
  ust_stream_framer_clear (&dir->framer);
  g_byte_array_unref (dir->hunt);
  g_free (dir);
}

UstTcpReassembly *
ust_tcp_reassembly_new (UstTcpMessageFunc func,
                        gpointer          user_data)
{
  UstTcpReassembly *self = g_new0 (UstTcpReassembly, 1);

  self->directions = g_hash_table_new_full (flow_hash, flow_equal, NULL,
                                            (GDestroyNotify) direction_free);
  self->func = func;
  self->user_data = user_data;
  return self;
}

void
ust_tcp_reassembly_free (UstTcpReassembly *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->directions);
  g_free (self);
}

static void
emit (UstTcpReassembly *self,
      Direction        *dir,
      gint64            time,
      const char       *data,
      gsize             len)
{
  self->stats.messages++;
  self->func (&dir->key.source, &dir->key.destination, time, data, len, self->user_data);
}

/* Takes every whole message the framer has; FALSE when it needs more
 * bytes. A stream that cannot be framed further (not SIP, no
 * Content-Length) goes back to hunting, one byte on, and TRUE says so. A
 * header section without Content-Length is still handed out, since a proxy
 * that forgets it on TCP is exactly what a student must see (§18.3,
 * §20.14). */
static gboolean
frame_all (UstTcpReassembly *self,
           Direction        *dir,
           gint64            time)
{
  for (;;)
    {
      UstFrame frame;
      const guint8 *rest;
      gsize rest_len, skip;

      ust_stream_framer_next (&dir->framer, &frame);
      if (frame.kind == UST_FRAME_NONE)
        return FALSE;
      if (frame.kind == UST_FRAME_MESSAGE)
        {
          emit (self, dir, time, frame.data, frame.len);
          continue;
        }
      if (frame.kind == UST_FRAME_PING)
        continue;

      self->stats.unframed++;
      skip = 1;
      if (frame.error == UST_FRAME_ERROR_NO_LENGTH && frame.data != NULL)
        {
          emit (self, dir, time, frame.data, frame.len);
          skip = frame.len;
        }
      rest = dir->framer.buffer->data + dir->framer.start;
      rest_len = dir->framer.buffer->len - dir->framer.start;
      skip = MIN (skip, rest_len);
      g_byte_array_set_size (dir->hunt, 0);
      g_byte_array_append (dir->hunt, rest + skip, (guint) (rest_len - skip));
      ust_stream_framer_clear (&dir->framer);
      ust_stream_framer_init (&dir->framer, 0);
      dir->hunting = TRUE;
      dir->line_start = skip > 1;
      return TRUE;
    }
}

/* Drops bytes up to the next SIP start line and hands the rest to the
 * framer: TRUE when it found one. */
static gboolean
hunt (UstTcpReassembly *self,
      Direction        *dir)
{
  gsize start;

  if (dir->hunt->len == 0)
    return FALSE;
  if (!dir->tls && ust_capture_sniff_tls (dir->hunt->data, dir->hunt->len))
    {
      dir->tls = TRUE;
      self->stats.tls_streams++;
    }
  if (dir->tls)
    {
      g_byte_array_set_size (dir->hunt, 0);
      return FALSE;
    }

  /* After a hole, the first bytes are the middle of something: only a line
   * that begins after a line feed can start a message. */
  start = 0;
  if (!dir->line_start)
    {
      while (start < dir->hunt->len && dir->hunt->data[start] != '\n')
        start++;
      if (start < dir->hunt->len)
        {
          start++;
          dir->line_start = TRUE;
        }
      g_byte_array_remove_range (dir->hunt, 0, (guint) start);
    }
  start = ust_capture_find_sip_start (dir->hunt->data, dir->hunt->len);
  if (start == dir->hunt->len)
    {
      /* Keep only the last, unfinished line: a start line may be in it. */
      gsize keep_from = 0;

      for (gsize i = dir->hunt->len; i > 0; i--)
        if (dir->hunt->data[i - 1] == '\n')
          {
            keep_from = i;
            break;
          }
      g_byte_array_remove_range (dir->hunt, 0, (guint) keep_from);
      if (dir->hunt->len > HUNT_CAP)
        g_byte_array_set_size (dir->hunt, 0);
      return FALSE;
    }
  dir->hunting = FALSE;
  ust_stream_framer_push (&dir->framer, (const char *) dir->hunt->data + start,
                          dir->hunt->len - start);
  g_byte_array_set_size (dir->hunt, 0);
  return TRUE;
}

/* Hunting and framing take turns until the bytes run out. */
static void
process (UstTcpReassembly *self,
         Direction        *dir,
         gint64            time)
{
  for (;;)
    {
      if (dir->hunting && !hunt (self, dir))
        return;
      if (!frame_all (self, dir, time))
        return;
    }
}

/* Bytes in stream order. */
static void
take (UstTcpReassembly *self,
      Direction        *dir,
      gint64            time,
      const guint8     *data,
      gsize             len)
{
  dir->next += (guint32) len;
  if (dir->tls)
    return;
  if (dir->hunting)
    g_byte_array_append (dir->hunt, data, (guint) len);
  else
    ust_stream_framer_push (&dir->framer, (const char *) data, len);
  process (self, dir, time);
}

/* Takes the waiting segments that now join the stream; a message they
 * complete is as late as the segment that filled the hole (@time). */
static void
drain (UstTcpReassembly *self,
       Direction        *dir,
       gint64            time)
{
  while (dir->waiting != NULL)
    {
      Segment *segment = dir->waiting->data;
      gint32 ahead = (gint32) (segment->seq - dir->next);

      if (ahead > 0)
        return;
      dir->waiting = g_list_delete_link (dir->waiting, dir->waiting);
      dir->waiting_bytes -= segment->len;
      if ((gint64) ahead + (gint64) segment->len > 0)
        take (self, dir, MAX (time, segment->time), segment->data - ahead, segment->len + ahead);
      segment_free (segment);
    }
}

static gint
segment_compare (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const Segment *x = a, *y = b;
  guint32 base = GPOINTER_TO_UINT (user_data);
  guint32 dx = x->seq - base, dy = y->seq - base;

  return dx < dy ? -1 : dx > dy ? 1 : 0;
}

static void
wait_for_hole (Direction    *dir,
               guint32       seq,
               gint64        time,
               const guint8 *data,
               gsize         len)
{
  Segment *segment;

  for (GList *l = dir->waiting; l != NULL; l = l->next)
    {
      Segment *other = l->data;

      if (other->seq == seq && other->len >= len)
        return;   /* the same early segment again */
    }
  segment = g_new0 (Segment, 1);
  segment->seq = seq;
  segment->time = time;
  segment->len = len;
  segment->data = g_memdup2 (data, len);
  dir->waiting = g_list_insert_sorted_with_data (dir->waiting, segment, segment_compare,
                                                 GUINT_TO_POINTER (dir->next));
  dir->waiting_bytes += len;
}

/* The capture never had the bytes before the first waiting segment: go on
 * from there, at the next start line. */
static void
skip_hole (UstTcpReassembly *self,
           Direction        *dir)
{
  Segment *first = dir->waiting->data;

  self->stats.gaps++;
  self->stats.gap_bytes += first->seq - dir->next;
  dir->next = first->seq;
  ust_stream_framer_clear (&dir->framer);
  ust_stream_framer_init (&dir->framer, 0);
  g_byte_array_set_size (dir->hunt, 0);
  dir->hunting = TRUE;
  dir->line_start = FALSE;
  drain (self, dir, first->time);
}

static Direction *
lookup (UstTcpReassembly      *self,
        const UstTraceAddress *source,
        const UstTraceAddress *destination)
{
  FlowKey key;
  Direction *dir;

  memset (&key, 0, sizeof key);
  key.source = *source;
  key.destination = *destination;
  dir = g_hash_table_lookup (self->directions, &key);
  if (dir != NULL)
    return dir;
  dir = g_new0 (Direction, 1);
  dir->key = key;
  dir->hunt = g_byte_array_new ();
  dir->hunting = TRUE;
  ust_stream_framer_init (&dir->framer, 0);
  g_hash_table_insert (self->directions, &dir->key, dir);
  return dir;
}

/* One segment of the direction @source → @destination: its sequence
 * number, its flags (UST_TCP_FLAG_*) and its payload. */
void
ust_tcp_reassembly_add (UstTcpReassembly      *self,
                        const UstTraceAddress *source,
                        const UstTraceAddress *destination,
                        gint64                 time,
                        guint32                seq,
                        guint8                 flags,
                        const guint8          *payload,
                        gsize                  len)
{
  Direction *dir;
  gint32 ahead;

  g_return_if_fail (self != NULL);

  dir = lookup (self, source, destination);
  if (flags & UST_TCP_FLAG_SYN)
    {
      /* A new connection on the same ports starts over (RFC 9293 §3.4.1:
       * the SYN takes one sequence number). */
      if (dir->synced && seq + 1 != dir->next)
        direction_reset (dir);
      if (!dir->synced)
        {
          dir->synced = TRUE;
          dir->next = seq + 1;
          dir->line_start = TRUE;
        }
      seq++;
    }
  if (len == 0)
    return;
  if (!dir->synced)
    {
      /* Followed from its middle: start at the first segment seen, which
       * often starts a message (the capture began between two). */
      dir->synced = TRUE;
      dir->next = seq;
      dir->line_start = TRUE;
    }

  ahead = (gint32) (seq - dir->next);
  if ((gint64) ahead + (gint64) len <= 0)
    {
      self->stats.retransmitted++;
      return;
    }
  if (ahead <= 0)
    {
      take (self, dir, time, payload - ahead, len + ahead);
      drain (self, dir, time);
      return;
    }
  self->stats.out_of_order++;
  wait_for_hole (dir, seq, time, payload, len);
  if (dir->waiting_bytes > WAIT_CAP)
    skip_hole (self, dir);
}

/* The end of the capture: holes that were never filled are skipped, so
 * what came after them is still read. */
void
ust_tcp_reassembly_finish (UstTcpReassembly *self)
{
  GHashTableIter iter;
  Direction *dir;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->directions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &dir))
    while (dir->waiting != NULL)
      skip_hole (self, dir);
}

const UstTcpReassemblyStats *
ust_tcp_reassembly_get_stats (UstTcpReassembly *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->stats;
}
