/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <string.h>

#include "ust-diary-journal.h"
#include "ust-journal-memory.h"

#ifdef G_OS_UNIX
#include <unistd.h>
#endif

#define JOURNAL_MAGIC  0x4e4a5355u   /* "USJN" */
#define HEADER_SIZE    4096
#define RECORD_READY   0x59444552u   /* "REDY": written in full */
#define RECORD_WRAP    0x50415257u   /* "WRAP": the next record is at the start */

#define ALIGN8(n) (((n) + 7) & ~(gsize) 7)

/* At the start of the shared memory. The producer's fields change under the journal's
 * lock; the writer's (the two "done") are atomics. */
typedef struct {
  guint32 magic;
  guint32 layout;
  guint64 size;        /* bytes of the ring after the header */
  guint64 tail;        /* the oldest record kept (an offset into the ring) */
  guint64 head;        /* where the next record goes */
  guint64 last_seq;    /* the last number given */
  guint64 db_done;     /* every record up to this one is in the database */
  guint64 text_done;   /* … and up to this one in the text diary */
} Header;

typedef struct {
  guint32 state;       /* 0 while being written, RECORD_READY or RECORD_WRAP */
  guint32 flags;
  guint64 length;      /* bytes after this head */
  guint64 seq;
} RecordHead;

G_STATIC_ASSERT (sizeof (Header) <= HEADER_SIZE);
G_STATIC_ASSERT (sizeof (RecordHead) == 24);

struct _UstDiaryJournal {
  UstJournalMemory *memory;
  Header           *header;
  guint8           *ring;
  gsize             ring_size;
  GMutex            lock;
  RecordHead       *reserved;    /* between reserve() and commit(), under the lock */
  gsize             reserved_length;
  guint64           skipped;     /* records the full ring could not take */
};

static RecordHead *
record_at (UstDiaryJournal *self,
           guint64          offset)
{
  return (RecordHead *) (self->ring + offset);
}

static void
header_init (UstDiaryJournal *self,
             guint32          layout)
{
  Header *h = self->header;

  memset (h, 0, sizeof *h);
  h->magic = JOURNAL_MAGIC;
  h->layout = layout;
  h->size = self->ring_size;
  /* Numbers only grow, also past a reboot (which loses the ring but not the database,
   * where the writer notes the last number it committed): start from the clock. */
  h->last_seq = (guint64) g_get_real_time ();
  h->db_done = h->text_done = h->last_seq;
  record_at (self, 0)->state = 0;
}

/* Where the database lives decides the name: one journal per data folder and user. */
static char *
journal_name (const char *db_path)
{
  g_autofree char *canonical = g_canonicalize_filename (db_path, NULL);
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);

#ifdef G_OS_UNIX
  return g_strdup_printf ("/ustredna-diary-%u-%.32s", (guint) getuid (), digest);
#else
  return g_strdup_printf ("/ustredna-diary-%.32s", digest);
#endif
}

UstDiaryJournal *
ust_diary_journal_open (const char  *db_path,
                        gsize        size,
                        guint32      layout,
                        GError     **error)
{
  g_autofree char *name = journal_name (db_path);
  UstDiaryJournal *self;
  UstJournalMemory *memory;
  gboolean created = FALSE;

  g_return_val_if_fail (db_path != NULL, NULL);
  g_return_val_if_fail (size > HEADER_SIZE * 4, NULL);

  memory = ust_journal_memory_open (name, size, &created, error);
  if (memory == NULL)
    return NULL;

  self = g_new0 (UstDiaryJournal, 1);
  self->memory = memory;
  self->header = ust_journal_memory_get (memory);
  self->ring = (guint8 *) self->header + HEADER_SIZE;
  self->ring_size = size - HEADER_SIZE;
  g_mutex_init (&self->lock);

  if (created || self->header->magic != JOURNAL_MAGIC || self->header->layout != layout
      || self->header->size != self->ring_size || self->header->tail >= self->ring_size
      || self->header->head >= self->ring_size)
    {
      if (!created)
        g_debug ("The diary journal %s is of another version: started afresh", name);
      header_init (self, layout);
    }
  return self;
}

void
ust_diary_journal_close (UstDiaryJournal *self,
                         gboolean         remove)
{
  if (self == NULL)
    return;
  ust_journal_memory_close (self->memory, remove);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
ust_diary_journal_remove (const char *db_path)
{
  g_autofree char *name = journal_name (db_path);

  ust_journal_memory_remove (name);
}

guint64
ust_diary_journal_get_db_done (UstDiaryJournal *self)
{
  return __atomic_load_n (&self->header->db_done, __ATOMIC_ACQUIRE);
}

guint64
ust_diary_journal_get_text_done (UstDiaryJournal *self)
{
  return __atomic_load_n (&self->header->text_done, __ATOMIC_ACQUIRE);
}

guint64
ust_diary_journal_get_n_skipped (UstDiaryJournal *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->skipped;
  g_mutex_unlock (&self->lock);
  return n;
}

/* Walks the records from the tail in order: each READY one with a number above the one
 * before it (what follows the last one is an older lap's, or nothing). A killed writer of
 * a record left it without READY: it was never handed on, so nothing of it was relayed. */
void
ust_diary_journal_foreach_left (UstDiaryJournal     *self,
                                guint64              after,
                                UstDiaryJournalFunc  func,
                                gpointer             user_data)
{
  guint64 offset = self->header->tail;
  guint64 previous = 0;
  gboolean wrapped = FALSE;

  for (;;)
    {
      RecordHead *record;

      if (offset > self->ring_size - sizeof (RecordHead))
        break;
      record = record_at (self, offset);
      if (record->state == RECORD_WRAP && !wrapped)
        {
          wrapped = TRUE;
          offset = 0;
          continue;
        }
      if (record->state != RECORD_READY || record->seq <= previous
          || record->length > self->ring_size - offset - sizeof (RecordHead)
          || (wrapped && offset >= self->header->tail))
        break;
      if (record->seq > after)
        func (record->seq, record->flags, record + 1, record->length, user_data);
      previous = record->seq;
      offset += ALIGN8 (sizeof (RecordHead) + record->length);
    }
}

void
ust_diary_journal_reset (UstDiaryJournal *self,
                         guint64          min_seq)
{
  Header *h = self->header;

  g_mutex_lock (&self->lock);
  h->tail = h->head = 0;
  record_at (self, 0)->state = 0;
  h->last_seq = MAX (h->last_seq, min_seq);
  __atomic_store_n (&h->db_done, h->last_seq, __ATOMIC_RELEASE);
  __atomic_store_n (&h->text_done, h->last_seq, __ATOMIC_RELEASE);
  g_mutex_unlock (&self->lock);
}

/* Gives back the records both the database and the text diary hold. */
static void
reclaim (UstDiaryJournal *self)
{
  Header *h = self->header;
  guint64 done = MIN (ust_diary_journal_get_db_done (self), ust_diary_journal_get_text_done (self));

  while (h->tail != h->head)
    {
      RecordHead *record = record_at (self, h->tail);

      if (record->state == RECORD_WRAP)
        h->tail = 0;
      else if (record->state == RECORD_READY && record->seq <= done)
        h->tail += ALIGN8 (sizeof (RecordHead) + record->length);
      else
        break;
    }
  /* Empty: start again at the beginning, where a record has the most room. */
  if (h->tail == h->head && h->head != 0)
    {
      h->tail = h->head = 0;
      record_at (self, 0)->state = 0;
    }
}

gpointer
ust_diary_journal_reserve (UstDiaryJournal *self,
                           gsize            length)
{
  Header *h;
  gsize need = ALIGN8 (sizeof (RecordHead) + length);
  guint64 at;

  g_mutex_lock (&self->lock);
  h = self->header;
  reclaim (self);

  /* A record always leaves room for a head after it, so a WRAP mark fits there. */
  if (h->head >= h->tail && h->head + need + sizeof (RecordHead) <= self->ring_size)
    at = h->head;
  else if (h->head >= h->tail && need + sizeof (RecordHead) < h->tail)
    at = 0;
  else if (h->head < h->tail && h->head + need + sizeof (RecordHead) < h->tail)
    at = h->head;
  else
    {
      self->skipped++;
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  self->reserved = record_at (self, at);
  self->reserved->state = 0;
  self->reserved_length = length;
  if (at == 0 && h->head != 0)
    {
      /* Mark the jump only once the record at the start is no longer READY. */
      __atomic_store_n (&record_at (self, h->head)->state, RECORD_WRAP, __ATOMIC_RELEASE);
      h->head = 0;
    }
  return self->reserved + 1;
}

guint64
ust_diary_journal_commit (UstDiaryJournal *self,
                          guint32          flags)
{
  Header *h = self->header;
  RecordHead *record = self->reserved;
  guint64 seq = ++h->last_seq;

  record->flags = flags;
  record->length = self->reserved_length;
  record->seq = seq;
  /* Whatever reads the ring later (after a kill) sees READY only on a whole record. */
  __atomic_store_n (&record->state, RECORD_READY, __ATOMIC_RELEASE);
  h->head = (guint64) ((guint8 *) record - self->ring)
            + ALIGN8 (sizeof (RecordHead) + self->reserved_length);
  record_at (self, h->head)->state = 0;
  self->reserved = NULL;
  g_mutex_unlock (&self->lock);
  return seq;
}

void
ust_diary_journal_set_done (UstDiaryJournal *self,
                            guint64          db_seq,
                            guint64          text_seq)
{
  Header *h = self->header;

  if (db_seq > ust_diary_journal_get_db_done (self))
    __atomic_store_n (&h->db_done, db_seq, __ATOMIC_RELEASE);
  if (text_seq > ust_diary_journal_get_text_done (self))
    __atomic_store_n (&h->text_done, text_seq, __ATOMIC_RELEASE);
}
