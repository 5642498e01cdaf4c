/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-ip-reassembly"

#include "config.h"

#include <string.h>

#include "ust-ip-reassembly.h"

/* Linux's net.ipv4.ipfrag_time: a set not finished by then never will be. */
#define TIMEOUT_US       (30 * G_USEC_PER_SEC)
/* An IP payload is at most 65,535 bytes (RFC 791's Total Length). */
#define MAX_DATAGRAM     65535
/* All unfinished sets together; the oldest go first beyond this. */
#define MEMORY_CAP       (32u << 20)

typedef struct {
  guint   offset;
  guint   len;
  guint8 *data;
} Piece;

typedef struct {
  UstIpFragmentKey key;
  gint64           first_time;
  GArray          *pieces;      /* Piece, sorted by offset */
  guint            total;       /* the whole payload's length, once the last piece is in */
  gboolean         have_last;
  gsize            held;
  GList           *link;        /* in the age queue */
} Set;

struct _UstIpReassembly {
  GHashTable          *sets;    /* UstIpFragmentKey* (inside the Set) -> Set* */
  GQueue               age;     /* Set*, oldest first */
  gsize                held;
  UstIpReassemblyStats stats;
};

static guint
key_hash (gconstpointer data)
{
  const UstIpFragmentKey *key = data;
  guint hash = key->id * 2654435761u ^ key->protocol ^ (guint) key->family << 8;

  for (guint i = 0; i < 16; i++)
    hash = hash * 31 + key->source[i] + key->destination[i] * 7u;
  return hash;
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  const UstIpFragmentKey *x = a, *y = b;

  return x->family == y->family && x->protocol == y->protocol && x->id == y->id
         && memcmp (x->source, y->source, 16) == 0
         && memcmp (x->destination, y->destination, 16) == 0;
}

static void
set_free (Set *set)
{
  for (guint i = 0; i < set->pieces->len; i++)
    g_free (g_array_index (set->pieces, Piece, i).data);
  g_array_unref (set->pieces);
  g_free (set);
}

static void
drop_set (UstIpReassembly *self,
          Set             *set)
{
  g_queue_delete_link (&self->age, set->link);
  self->held -= set->held;
  g_hash_table_remove (self->sets, &set->key);
  set_free (set);
}

UstIpReassembly *
ust_ip_reassembly_new (void)
{
  UstIpReassembly *self = g_new0 (UstIpReassembly, 1);

  self->sets = g_hash_table_new (key_hash, key_equal);
  g_queue_init (&self->age);
  return self;
}

void
ust_ip_reassembly_free (UstIpReassembly *self)
{
  if (self == NULL)
    return;
  while (!g_queue_is_empty (&self->age))
    drop_set (self, g_queue_peek_head (&self->age));
  g_hash_table_unref (self->sets);
  g_free (self);
}

/* Sets begun more than 30 s (of capture time) before @now. */
static void
expire (UstIpReassembly *self,
        gint64           now)
{
  while (!g_queue_is_empty (&self->age))
    {
      Set *oldest = g_queue_peek_head (&self->age);

      if (now - oldest->first_time <= TIMEOUT_US)
        break;
      self->stats.timed_out++;
      drop_set (self, oldest);
    }
}

/* Whether [offset, offset + len) may join @set: a repeated piece is
 * ignored (*duplicate), one that overlaps another with different bytes
 * spoils the set. Bytes that agree are a resend cut differently. */
static gboolean
fits (Set          *set,
      guint         offset,
      const guint8 *data,
      guint         len,
      gboolean     *duplicate)
{
  *duplicate = FALSE;
  for (guint i = 0; i < set->pieces->len; i++)
    {
      const Piece *piece = &g_array_index (set->pieces, Piece, i);
      guint start = MAX (offset, piece->offset);
      guint end = MIN (offset + len, piece->offset + piece->len);

      if (start >= end)
        continue;
      if (memcmp (data + (start - offset), piece->data + (start - piece->offset),
                  end - start) != 0)
        return FALSE;
      if (start == offset && end == offset + len)
        *duplicate = TRUE;    /* nothing new in it */
    }
  return TRUE;
}

static void
insert_piece (Set          *set,
              guint         offset,
              const guint8 *data,
              guint         len)
{
  Piece piece = { offset, len, g_memdup2 (data, len) };
  guint at = 0;

  while (at < set->pieces->len && g_array_index (set->pieces, Piece, at).offset <= offset)
    at++;
  g_array_insert_val (set->pieces, at, piece);
  set->held += len;
}

/* The whole payload when the pieces cover 0 .. total with no hole. */
static GBytes *
try_complete (Set *set)
{
  guint8 *whole;
  guint covered = 0;

  if (!set->have_last)
    return NULL;
  for (guint i = 0; i < set->pieces->len; i++)
    {
      const Piece *piece = &g_array_index (set->pieces, Piece, i);

      if (piece->offset > covered)
        return NULL;
      covered = MAX (covered, piece->offset + piece->len);
    }
  if (covered < set->total)
    return NULL;

  whole = g_malloc (MAX (set->total, 1));
  for (guint i = 0; i < set->pieces->len; i++)
    {
      const Piece *piece = &g_array_index (set->pieces, Piece, i);
      guint len = MIN (piece->len, set->total - MIN (piece->offset, set->total));

      memcpy (whole + piece->offset, piece->data, len);
    }
  return g_bytes_new_take (whole, set->total);
}

static Set *
find_or_make_set (UstIpReassembly        *self,
                  const UstIpFragmentKey *key,
                  gint64                  time)
{
  Set *set = g_hash_table_lookup (self->sets, key);

  if (set != NULL)
    return set;
  set = g_new0 (Set, 1);
  set->key = *key;
  set->first_time = time;
  set->pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  g_queue_push_tail (&self->age, set);
  set->link = self->age.tail;
  g_hash_table_insert (self->sets, &set->key, set);
  return set;
}

/* Adds the fragment of @key at byte @offset of the whole payload (@more:
 * the More Fragments flag). Returns the whole payload once it is complete
 * (a new reference), else NULL. @time, the capture's clock in µs, moves the
 * 30-second limit on. */
GBytes *
ust_ip_reassembly_add (UstIpReassembly        *self,
                       const UstIpFragmentKey *key,
                       gint64                  time,
                       guint                   offset,
                       gboolean                more,
                       const guint8           *data,
                       gsize                   len)
{
  Set *set;
  gboolean duplicate;
  GBytes *whole;

  g_return_val_if_fail (self != NULL && key != NULL, NULL);

  expire (self, time);
  set = find_or_make_set (self, key, time);

  if ((gsize) offset + len > MAX_DATAGRAM || (set->have_last && offset + len > set->total)
      || (!more && set->have_last && offset + len != set->total))
    {
      self->stats.too_large++;
      drop_set (self, set);
      return NULL;
    }
  if (!fits (set, offset, data, (guint) len, &duplicate))
    {
      self->stats.overlapping++;
      drop_set (self, set);
      return NULL;
    }
  if (!more)
    {
      set->have_last = TRUE;
      set->total = offset + (guint) len;
      /* A piece already in beyond the end: the set contradicts itself. */
      for (guint i = 0; i < set->pieces->len; i++)
        {
          const Piece *piece = &g_array_index (set->pieces, Piece, i);

          if (piece->offset + piece->len > set->total)
            {
              self->stats.overlapping++;
              drop_set (self, set);
              return NULL;
            }
        }
    }
  if (duplicate)
    return NULL;

  insert_piece (set, offset, data, (guint) len);
  self->held += len;
  while (self->held > MEMORY_CAP && !g_queue_is_empty (&self->age))
    {
      Set *oldest = g_queue_peek_head (&self->age);

      self->stats.too_large++;
      if (oldest == set)
        {
          drop_set (self, set);
          return NULL;
        }
      drop_set (self, oldest);
    }

  whole = try_complete (set);
  if (whole != NULL)
    {
      self->stats.reassembled++;
      drop_set (self, set);
    }
  return whole;
}

/* The capture has ended: what is still waiting never will be finished. */
void
ust_ip_reassembly_finish (UstIpReassembly *self)
{
  g_return_if_fail (self != NULL);

  while (!g_queue_is_empty (&self->age))
    {
      self->stats.timed_out++;
      drop_set (self, g_queue_peek_head (&self->age));
    }
}

guint
ust_ip_reassembly_pending (UstIpReassembly *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->sets);
}

const UstIpReassemblyStats *
ust_ip_reassembly_get_stats (UstIpReassembly *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->stats;
}
