/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#define ftruncate(fd, size) _chsize_s ((fd), (size))
#define lseek _lseeki64
#else
#include <unistd.h>
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ust-call-db.h"
#include "ust-call-index.h"
#include "ust-diary-journal.h"
#include "ust-diary-writer.h"

/* One transaction holds at most this many rows, so a long backlog after an
 * outage is written in steps and the readers see progress. */
#define MAX_BATCH          2000
/* While the disk refuses writes, rows wait in memory; beyond this many the
 * oldest are given up so a week-long outage cannot eat the memory. */
#define MAX_PENDING        200000
/* The search index (ust-call-index.c) follows the table in steps, each in a
 * transaction of its own after the calls' commits: once this many rows are
 * behind, or once the oldest has waited INDEX_DELAY_US (a search reads the
 * few rows in between from the table). Small steps cost more per row (~12 µs at 20
 * rows, ~5 µs from a few hundred, ~4 µs from 2,000): each is one FTS5
 * segment to write and merge later. */
#define INDEX_STEP_MIN     2000
#define INDEX_DELAY_US     (1 * G_USEC_PER_SEC)
/* An idle writer building the index of an older diary does it in steps of
 * this many rows (~0.1 s each), and looks at its queue between them; it
 * starts this long after the diary opened, so that a window opening it
 * has the machine to itself. */
#define INDEX_IDLE_STEP    10000
#define INDEX_OPEN_DELAY_US (2 * G_USEC_PER_SEC)
/* The journal's ring (shared memory, ust-diary-journal.h): some 30,000 steps of calls
 * (about 500 bytes each), half a minute of what the writer has not committed yet at 300
 * calls/s. */
#define JOURNAL_SIZE       (16 * 1024 * 1024)
/* Change when Job or UstCallData change: a journal of another format is not read back. */
#define JOURNAL_FORMAT     1

/* Every change to a row gives it the next change number (migration 2 in
 * ust-call-db.c). */
#define NEXT_SEQ "(SELECT IFNULL(MAX(seq), 0) + 1 FROM calls)"

/* A saved call's parties (caller, caller's name, callee) are those of its
 * first save, the INVITE's From and To, as its Call-ID is: they are what the
 * search index holds (migration 4 in ust-call-db.c), and the tracker never
 * changes them. */
static const char upsert_call_sql[] =
  "INSERT INTO calls (" UST_CALL_DB_FIELDS ", seq) "
  "VALUES (" UST_CALL_DB_PARAMS ", " NEXT_SEQ ") "
  "ON CONFLICT (call_id, start_time) DO UPDATE SET "
  "caller_addr = excluded.caller_addr, callee_addr = excluded.callee_addr, "
  "ring_time = excluded.ring_time, answer_time = excluded.answer_time, "
  "end_time = excluded.end_time, state = excluded.state, final_code = excluded.final_code, "
  "final_reason = excluded.final_reason, orig_reason = excluded.orig_reason, "
  "ended_by = excluded.ended_by, video = excluded.video, video_now = excluded.video_now, "
  "on_hold = excluded.on_hold, transfer_to = excluded.transfer_to, "
  "transfer_result = excluded.transfer_result, related_call_id = excluded.related_call_id, "
  "caller_ua = excluded.caller_ua, callee_ua = excluded.callee_ua, seq = excluded.seq";

/* An event needs its call's row; if the call was never saved, the snapshot
 * that came with the event makes one, but never overwrites a saved row. */
static const char ensure_call_sql[] =
  "INSERT INTO calls (" UST_CALL_DB_FIELDS ", seq) "
  "VALUES (" UST_CALL_DB_PARAMS ", " NEXT_SEQ ") "
  "ON CONFLICT (call_id, start_time) DO NOTHING";

/* An event, on the row of its call (which the statement before made sure of):
 * one statement rather than a lookup and an insert. */
static const char insert_event_sql[] =
  "INSERT INTO events (call, time, kind, detail) "
  "SELECT id, ?3, ?4, ?5 FROM calls WHERE call_id = ?1 AND start_time = ?2";

typedef enum {
  JOB_SAVE,
  JOB_EVENT,
  JOB_STEP,    /* a save and an event of the same snapshot */
  JOB_CLEAR,
  JOB_QUIT,
  JOB_BATCH,
} JobKind;

/* A job and every text it carries are one block (job_new): a step of a
 * call costs its producer one malloc and the writer one free, where a copy
 * of each string cost some thirty of each. The texts are never freed on
 * their own. The same block, its pointers made offsets, is the journal's
 * record of the job. */
typedef struct {
  JobKind      kind;
  guint        refs;       /* writer thread: its row and its text line */
  gsize        size;       /* of the block */
  guint64      seq;        /* its journal record, 0 if none */
  gboolean     skip_db;    /* a journal's job the database already holds */
  gboolean     skip_text;  /* … the text diary */
  UstCallData  call;
  gint64       time_us;
  char        *event_kind;
  char        *detail;
  char        *text_line;
  GPtrArray   *batch;      /* JOB_BATCH: Job*, held by one producer for a loop turn */
} Job;

#define JOURNAL_SKIP_DB   (1u << 0)
#define JOURNAL_SKIP_TEXT (1u << 1)

/* The texts job_new() packs after the Job. */
static const gsize job_texts[] = {
  G_STRUCT_OFFSET (Job, call.call_id),
  G_STRUCT_OFFSET (Job, call.caller),
  G_STRUCT_OFFSET (Job, call.caller_name),
  G_STRUCT_OFFSET (Job, call.callee),
  G_STRUCT_OFFSET (Job, call.caller_addr),
  G_STRUCT_OFFSET (Job, call.callee_addr),
  G_STRUCT_OFFSET (Job, call.final_reason),
  G_STRUCT_OFFSET (Job, call.orig_reason),
  G_STRUCT_OFFSET (Job, call.transfer_to),
  G_STRUCT_OFFSET (Job, call.transfer_result),
  G_STRUCT_OFFSET (Job, call.related_call_id),
  G_STRUCT_OFFSET (Job, call.caller_ua),
  G_STRUCT_OFFSET (Job, call.callee_ua),
  G_STRUCT_OFFSET (Job, event_kind),
  G_STRUCT_OFFSET (Job, detail),
  G_STRUCT_OFFSET (Job, text_line),
};

/* The writer thread's connection and its statements, prepared once. */
typedef struct {
  sqlite3      *db;
  sqlite3_stmt *upsert_call;
  sqlite3_stmt *ensure_call;
  sqlite3_stmt *insert_event;
  sqlite3_stmt *begin;
  sqlite3_stmt *commit;
  UstCallIndex *index;
  gint64        index_behind;   /* rows the search index lags, as of the last commit */
  gint64        index_since;    /* monotonic µs since when it has lagged; 0 = it does not */
  gboolean      index_broken;   /* a step failed for a reason other than the disk's */
  sqlite3_stmt *set_journal_seq;
  guint64       journal_seq;    /* the last journal record the file holds */
} Writer;

struct _UstDiaryWriter {
  char                 *path;
  char                 *text_path;
  UstDiaryWriterNotify  notify;
  gpointer              notify_data;
  guint                 retry_ms;       /* atomic */

  GAsyncQueue          *queue;          /* Job*, to the writer thread */
  GThread              *thread;
  Writer               *writer;         /* handed from start() to the thread */
  gboolean              open_failed;
  gint                  stopped;        /* atomic */
  gint                  ready;          /* atomic: the database has the current schema */
  GPtrArray            *held;           /* Job*, between begin_batch and end_batch */
  UstDiaryJournal      *journal;        /* NULL when there is none */
  gboolean              all_written;    /* the thread ended with nothing left */
  guint64               taken_seq;      /* writer thread: the last record taken */
  gint                  failing;        /* atomic: a file refuses */

  GMutex                lock;           /* guards the counts and their condition */
  GCond                 written_cond;
  guint64               submitted;
  guint64               written;        /* jobs committed or given up, in queue order */
};

static Job *
job_new (JobKind            kind,
         const UstCallData *call,
         const char        *event_kind,
         const char        *detail,
         const char        *text_line)
{
  Job head = { .kind = kind, .refs = 1 };
  gsize lengths[G_N_ELEMENTS (job_texts)];
  gsize size = sizeof (Job);
  Job *job;
  char *next;

  if (call != NULL)
    head.call = *call;
  head.event_kind = (char *) event_kind;
  head.detail = (char *) detail;
  head.text_line = (char *) text_line;
  for (guint i = 0; i < G_N_ELEMENTS (job_texts); i++)
    {
      const char *text = G_STRUCT_MEMBER (const char *, &head, job_texts[i]);

      lengths[i] = text != NULL ? strlen (text) + 1 : 0;
      size += lengths[i];
    }

  job = g_malloc (size);
  head.size = size;
  *job = head;
  next = (char *) (job + 1);
  for (guint i = 0; i < G_N_ELEMENTS (job_texts); i++)
    {
      if (lengths[i] == 0)
        continue;
      memcpy (next, G_STRUCT_MEMBER (const char *, &head, job_texts[i]), lengths[i]);
      G_STRUCT_MEMBER (char *, job, job_texts[i]) = next;
      next += lengths[i];
    }
  return job;
}

static void
job_free (Job *job)
{
  if (job == NULL)
    return;  /* a batch's entries are taken out one by one */
  if (--job->refs > 0)
    return;
  g_clear_pointer (&job->batch, g_ptr_array_unref);
  g_free (job);
}

static void
writer_close (Writer *writer)
{
  if (writer == NULL)
    return;
  ust_call_index_free (writer->index);
  sqlite3_finalize (writer->upsert_call);
  sqlite3_finalize (writer->ensure_call);
  sqlite3_finalize (writer->insert_event);
  sqlite3_finalize (writer->begin);
  sqlite3_finalize (writer->commit);
  sqlite3_finalize (writer->set_journal_seq);
  sqlite3_close (writer->db);
  g_free (writer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Writer, writer_close)

static gboolean
writer_prepare (Writer  *writer,
                int     *rc)
{
  unsigned int flags = SQLITE_PREPARE_PERSISTENT;

  return (*rc = sqlite3_prepare_v3 (writer->db, upsert_call_sql, -1, flags,
                                    &writer->upsert_call, NULL)) == SQLITE_OK
         && (*rc = sqlite3_prepare_v3 (writer->db, ensure_call_sql, -1, flags,
                                       &writer->ensure_call, NULL)) == SQLITE_OK
         && (*rc = sqlite3_prepare_v3 (writer->db, insert_event_sql, -1, flags,
                                       &writer->insert_event, NULL)) == SQLITE_OK
         && (*rc = sqlite3_prepare_v3 (writer->db, "BEGIN IMMEDIATE", -1, flags,
                                       &writer->begin, NULL)) == SQLITE_OK
         && (*rc = sqlite3_prepare_v3 (writer->db, "COMMIT", -1, flags,
                                       &writer->commit, NULL)) == SQLITE_OK
         && (*rc = sqlite3_prepare_v3 (writer->db, "UPDATE journal SET seq = ?1 WHERE id = 0",
                                       -1, flags, &writer->set_journal_seq, NULL)) == SQLITE_OK
         && (writer->index = ust_call_index_new (writer->db, rc)) != NULL;
}

/* Notes how far the search index lags after a commit; a new lag starts its
 * clock. A lag that cannot be read is taken as none: the next commit looks
 * again. */
static void
index_look (Writer *writer)
{
  gint64 behind = 0;

  if (writer->index_broken || ust_call_index_behind (writer->index, &behind) != SQLITE_OK)
    behind = 0;
  writer->index_behind = behind;
  if (behind == 0)
    writer->index_since = 0;
  else if (writer->index_since == 0)
    writer->index_since = g_get_monotonic_time ();
}

static gboolean
read_journal_seq (Writer *writer,
                  int    *rc)
{
  sqlite3_stmt *stmt = NULL;

  *rc = sqlite3_prepare_v2 (writer->db, "SELECT seq FROM journal WHERE id = 0", -1, &stmt, NULL);
  if (*rc == SQLITE_OK && (*rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      writer->journal_seq = (guint64) sqlite3_column_int64 (stmt, 0);
      *rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return *rc == SQLITE_OK;
}

/* Creates the folder and the database if needed, sets the connection up and
 * brings the schema up to date. Runs on the thread that calls start() and, on
 * later retries, on the writer thread. */
static Writer *
writer_open (const char  *path,
             GError     **error)
{
  g_autoptr (Writer) writer = g_new0 (Writer, 1);
  g_autofree char *dir = g_path_get_dirname (path);
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the folder “%s” for the call diary: %s. Check the "
                     "data folder setting; calls are kept in memory until then."),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  /* NOMUTEX: one thread at a time uses the connection (the one that opens it,
   * then the writer thread), so SQLite need not lock it on every call: a
   * row binds 23 values and each bind took the lock. */
  rc = sqlite3_open_v2 (path, &writer->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    goto failed;
  sqlite3_busy_timeout (writer->db, UST_CALL_DB_BUSY_TIMEOUT_MS);

  /* SQLite falls back to read-only without an error when the file cannot be
   * opened for writing; only this tells. */
  if (sqlite3_db_readonly (writer->db, "main") == 1)
    {
      rc = SQLITE_READONLY;
      goto failed;
    }

  /* The first statement reads the header: a file that is not a database
   * fails here with SQLITE_NOTADB and is left untouched. TECH-NOTES §7: WAL
   * with synchronous=NORMAL survives a crash of the process (a commit is in
   * the WAL file once COMMIT returns) and costs ~20 µs a row. */
  rc = sqlite3_exec (writer->db,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = ON;",
                     NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    goto failed;

  if (ust_call_db_migrate (writer->db, path, error) != SQLITE_OK)
    return NULL;

  if (!writer_prepare (writer, &rc) || !read_journal_seq (writer, &rc))
    goto failed;
  /* An older diary upgraded just now has its whole index to build. */
  index_look (writer);
  if (writer->index_behind >= INDEX_STEP_MIN)
    writer->index_since = g_get_monotonic_time () + INDEX_OPEN_DELAY_US;

  return g_steal_pointer (&writer);

failed:
  ust_call_db_set_storage_error (error, path, rc,
                                 writer->db != NULL ? sqlite3_errmsg (writer->db)
                                                    : sqlite3_errstr (rc));
  return NULL;
}

/* Every statement has all its parameters bound before each step, so the
 * bindings are not cleared (that costs a pass over the 23 of a call). */
static int
step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int
insert_event (Writer *writer,
              Job    *job)
{
  sqlite3_stmt *stmt = writer->insert_event;
  int rc;

  ust_call_db_bind_text (stmt, 1, job->call.call_id);
  sqlite3_bind_int64 (stmt, 2, job->call.start_time);
  sqlite3_bind_int64 (stmt, 3, job->time_us);
  ust_call_db_bind_text (stmt, 4, job->event_kind);
  ust_call_db_bind_text (stmt, 5, job->detail);
  rc = step_done (stmt);
  /* No row for the call: the statement before was refused. */
  if (rc == SQLITE_OK && sqlite3_changes (writer->db) != 1)
    return SQLITE_CONSTRAINT;
  return rc;
}

static int
run_job (Writer *writer,
         Job    *job)
{
  int rc;

  switch (job->kind)
    {
    case JOB_SAVE:
      ust_call_db_bind_call (writer->upsert_call, &job->call);
      return step_done (writer->upsert_call);

    case JOB_EVENT:
      ust_call_db_bind_call (writer->ensure_call, &job->call);
      rc = step_done (writer->ensure_call);
      return rc == SQLITE_OK ? insert_event (writer, job) : rc;

    case JOB_STEP:
      ust_call_db_bind_call (writer->upsert_call, &job->call);
      rc = step_done (writer->upsert_call);
      return rc == SQLITE_OK ? insert_event (writer, job) : rc;

    case JOB_CLEAR:
      rc = sqlite3_exec (writer->db, "DELETE FROM events; DELETE FROM calls;", NULL, NULL,
                         NULL);
      return rc == SQLITE_OK ? ust_call_index_clear (writer->index) : rc;

    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }
}

/* Calls are told apart by Call-ID and start time, as the table's UNIQUE
 * key does. */
static guint
call_key_hash (gconstpointer key)
{
  const UstCallData *call = key;

  return g_str_hash (call->call_id) ^ (guint) call->start_time;
}

static gboolean
call_key_equal (gconstpointer a,
                gconstpointer b)
{
  const UstCallData *ca = a, *cb = b;

  return ca->start_time == cb->start_time && g_str_equal (ca->call_id, cb->call_id);
}

static gboolean
has_snapshot (const Job *job)
{
  return job->kind == JOB_SAVE || job->kind == JOB_STEP;
}

/* The jobs of one transaction, from @link on, up to a JOB_CLEAR (which
 * starts the next run) or @n jobs: how many they are, and, in @last, for
 * each call, its last job that carries a snapshot. */
static guint
find_last_snapshots (GList      *link,
                     guint       n,
                     GHashTable *last)
{
  guint count = 0;

  g_hash_table_remove_all (last);
  for (; count < n && link != NULL; count++, link = link->next)
    {
      Job *job = link->data;

      if (job->kind == JOB_CLEAR)
        return count == 0 ? 1 : count;
      if (has_snapshot (job))
        g_hash_table_insert (last, &job->call, job);
    }
  return count;
}

/* In a run's @last: the call's row is written. */
static Job row_written;

/* Runs @job of a run whose last snapshots are in @last. A call whose
 * steps arrive together (at thousands of calls a second, its INVITE,
 * ringing, answer and end often do) has its row written once, with its
 * latest snapshot, at its first job; each event still gets its row.
 * Rewriting the call's row at every step was half of the writer's work. */
static int
run_coalesced (Writer     *writer,
               Job        *job,
               GHashTable *last)
{
  Job *latest = job->kind != JOB_CLEAR ? g_hash_table_lookup (last, &job->call) : NULL;
  int rc;

  if (latest == NULL)
    return run_job (writer, job);
  if (latest != &row_written)
    {
      ust_call_db_bind_call (writer->upsert_call, &latest->call);
      rc = step_done (writer->upsert_call);
      if (rc != SQLITE_OK)
        return rc;
      g_hash_table_insert (last, &latest->call, &row_written);
    }
  return job->kind == JOB_SAVE ? SQLITE_OK : insert_event (writer, job);
}

static void
mark_written (UstDiaryWriter *self,
              guint           n)
{
  if (n == 0)
    return;
  g_mutex_lock (&self->lock);
  self->written += n;
  g_cond_broadcast (&self->written_cond);
  g_mutex_unlock (&self->lock);
}

/* Takes one job from the queue into the writer's lists. Returns TRUE for the
 * job that asks the thread to stop. */
static gboolean
take_job (UstDiaryWriter *self,
          Job            *job,
          GQueue         *pending,
          GQueue         *pending_text)
{
  if (job->kind == JOB_QUIT)
    {
      job_free (job);
      return TRUE;
    }
  if (job->kind == JOB_BATCH)
    {
      gboolean quit = FALSE;

      for (guint i = 0; i < job->batch->len; i++)
        quit = take_job (self, g_steal_pointer (&job->batch->pdata[i]), pending, pending_text)
               || quit;
      job_free (job);
      return quit;
    }

  self->taken_seq = MAX (self->taken_seq, job->seq);

  /* The text line goes its own way: the text diary is written even while
   * the database refuses, and the other way round. */
  if (job->text_line != NULL && !job->skip_text)
    {
      job->refs++;
      g_queue_push_tail (pending_text, job);
      if (pending_text->length > MAX_PENDING)
        job_free (g_queue_pop_head (pending_text));
    }

  /* A step an earlier exchange left in the journal, already in the file. */
  if (job->skip_db)
    {
      job_free (job);
      mark_written (self, 1);
      return FALSE;
    }

  g_queue_push_tail (pending, job);
  if (pending->length > MAX_PENDING)
    {
      job_free (g_queue_pop_head (pending));
      mark_written (self, 1);
      g_debug ("Call diary backlog full: dropped the oldest row");
    }
  return FALSE;
}

static gboolean
take_available (UstDiaryWriter *self,
                GQueue         *pending,
                GQueue         *pending_text)
{
  Job *job;

  while ((job = g_async_queue_try_pop (self->queue)) != NULL)
    if (take_job (self, job, pending, pending_text))
      return TRUE;
  return FALSE;
}

/* Collects jobs until @deadline (monotonic µs): the wait between retries. */
static gboolean
take_until (UstDiaryWriter *self,
            gint64          deadline,
            GQueue         *pending,
            GQueue         *pending_text)
{
  for (;;)
    {
      gint64 remaining = deadline - g_get_monotonic_time ();
      Job *job;

      if (remaining <= 0)
        return FALSE;
      job = g_async_queue_timeout_pop (self->queue, (guint64) remaining);
      if (job != NULL && take_job (self, job, pending, pending_text))
        return TRUE;
    }
}

/* Waits for the next job, at most until @deadline (monotonic µs; 0: as long
 * as it takes): the search index may be due before a job comes. */
static gboolean
take_next (UstDiaryWriter *self,
           gint64          deadline,
           GQueue         *pending,
           GQueue         *pending_text)
{
  gint64 remaining;
  Job *job;

  if (deadline == 0)
    job = g_async_queue_pop (self->queue);
  else if ((remaining = deadline - g_get_monotonic_time ()) > 0)
    job = g_async_queue_timeout_pop (self->queue, (guint64) remaining);
  else
    job = g_async_queue_try_pop (self->queue);
  return job != NULL && take_job (self, job, pending, pending_text);
}

/* When the index should take its next step (monotonic µs), 0 for never:
 * at once when many rows wait (a busy exchange, or an older diary to
 * build), else when the oldest has waited INDEX_DELAY_US. */
static gint64
index_due (const Writer *writer)
{
  if (writer == NULL || writer->index_behind == 0)
    return 0;
  if (writer->index_behind >= INDEX_STEP_MIN)
    return writer->index_since;
  return writer->index_since + INDEX_DELAY_US;
}

/* One step of the search index, in a transaction of its own after the
 * calls' own commits: whatever happens to the index, the diary is written.
 * An index that cannot be written is left as it is (searches read the rows
 * above its mark from the table) until the connection is opened again. */
static void
index_step (UstDiaryWriter *self,
            Writer         *writer)
{
  int rc = step_done (writer->begin);

  if (rc == SQLITE_OK)
    rc = ust_call_index_step (writer->index, INDEX_IDLE_STEP);
  if (rc == SQLITE_OK)
    rc = step_done (writer->commit);
  if (rc == SQLITE_OK)
    {
      index_look (writer);
      return;
    }
  sqlite3_exec (writer->db, "ROLLBACK", NULL, NULL, NULL);
  if (ust_call_db_is_storage_error (rc) && (rc & 0xff) != SQLITE_CORRUPT)
    {
      /* Busy, full, read-only: the calls' own writes will say so; the
       * next commit of calls looks again. */
      g_debug ("Search index of %s: %s", self->path, sqlite3_errmsg (writer->db));
      writer->index_behind = 0;
      writer->index_since = 0;
      return;
    }
  g_warning ("The search index of the call diary %s cannot be updated (%s); searching it "
             "reads the calls one by one instead", self->path, sqlite3_errmsg (writer->db));
  writer->index_behind = 0;
  writer->index_since = 0;
  writer->index_broken = TRUE;
}

/* Appends the pending lines to the text diary in one write per batch. A full disk may take
 * part of it: that part is cut off again, so the file never holds half a line, and the
 * whole batch stays pending for the next try. The lines are with the OS when this
 * returns TRUE, so a killed process does not lose them. */
static gboolean
write_text (UstDiaryWriter  *self,
            int             *fd,
            GQueue          *lines,
            GError         **error)
{
  g_autoptr (GString) batch = g_string_new (NULL);
  gint64 before;
  gsize done = 0;
  int saved_errno;

  if (*fd < 0)
    {
      *fd = g_open (self->text_path, O_WRONLY | O_APPEND | O_CREAT | O_BINARY, 0644);
      if (*fd < 0)
        goto failed;
    }
  before = lseek (*fd, 0, SEEK_END);
  if (before < 0)
    goto failed;

  for (GList *link = lines->head; link != NULL; link = link->next)
    {
      const Job *job = link->data;

      g_string_append (batch, job->text_line);
      g_string_append_c (batch, '\n');
    }
  while (done < batch->len)
    {
      gssize n = write (*fd, batch->str + done, batch->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto cut_off;
      done += (gsize) n;
    }
  g_queue_clear_full (lines, (GDestroyNotify) job_free);
  return TRUE;

cut_off:
  saved_errno = errno;
  if (done > 0 && ftruncate (*fd, before) != 0)
    g_debug ("Could not cut a part-written batch off %s: %s", self->text_path,
             g_strerror (errno));
  errno = saved_errno != 0 ? saved_errno : ENOSPC;

failed:
  saved_errno = errno;
  if (saved_errno == ENOSPC)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 _("The disk holding the text diary “%s” is full. Free some space; lines are "
                   "kept in memory until then."), self->text_path);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("The text diary “%s” cannot be written: %s. Check that its folder exists "
                   "and can be written; lines are kept in memory until then."),
                 self->text_path, g_strerror (saved_errno));
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  return FALSE;
}

/* Writes everything pending, MAX_BATCH rows per transaction, and commits
 * each at once. On a storage error the transaction is rolled back, the rows
 * stay pending and the connection is dropped: the retry opens the file
 * afresh, which also picks up a damaged file the user has moved aside. */
static gboolean
write_pending (UstDiaryWriter  *self,
               Writer         **writer,
               GQueue          *pending,
               gboolean        *committed,
               guint64         *db_done,
               GError         **error)
{
  g_autoptr(GHashTable) last = g_hash_table_new (call_key_hash, call_key_equal);
  int rc = SQLITE_OK;

  if (*writer == NULL)
    {
      *writer = writer_open (self->path, error);
      if (*writer == NULL)
        return FALSE;
      g_atomic_int_set (&self->ready, 1);
    }

  while (pending->length > 0)
    {
      guint n = MIN (pending->length, MAX_BATCH);
      GList *link = pending->head;
      guint64 last_seq = 0;
      guint run = 0;

      rc = step_done ((*writer)->begin);
      if (rc != SQLITE_OK)
        goto failed;

      for (guint i = 0; i < n; i++, link = link->next, run--)
        {
          Job *job = link->data;

          last_seq = MAX (last_seq, job->seq);
          if (run == 0)
            run = find_last_snapshots (link, n - i, last);
          rc = run_coalesced (*writer, job, last);
          if (rc == SQLITE_OK)
            continue;
          if (ust_call_db_is_storage_error (rc))
            goto rollback;
          g_warning ("The call diary %s refused call %s (%s); it is left out",
                     self->path, job->call.call_id, sqlite3_errmsg ((*writer)->db));
        }

      /* The journal's records up to here are in the file once this commits: after a
       * crash, the next exchange writes only those above. */
      if (last_seq > 0)
        {
          sqlite3_bind_int64 ((*writer)->set_journal_seq, 1, (gint64) last_seq);
          rc = step_done ((*writer)->set_journal_seq);
          if (rc != SQLITE_OK)
            goto rollback;
        }

      rc = step_done ((*writer)->commit);
      if (rc != SQLITE_OK)
        goto rollback;

      if (last_seq > 0)
        *db_done = (*writer)->journal_seq = last_seq;
      for (guint i = 0; i < n; i++)
        job_free (g_queue_pop_head (pending));
      mark_written (self, n);
      /* Even a batch of events only: the reader's snapshot must move on for
       * a call's history to show them. */
      *committed = TRUE;
    }
  index_look (*writer);
  return TRUE;

rollback:
  ust_call_db_set_storage_error (error, self->path, rc, sqlite3_errmsg ((*writer)->db));
  sqlite3_exec ((*writer)->db, "ROLLBACK", NULL, NULL, NULL);
  g_clear_pointer (writer, writer_close);
  return FALSE;

failed:
  ust_call_db_set_storage_error (error, self->path, rc, sqlite3_errmsg ((*writer)->db));
  g_clear_pointer (writer, writer_close);
  return FALSE;
}

/* The writer thread: waits for jobs, takes everything queued, writes it as
 * one transaction and commits. While the disk refuses, it keeps the rows,
 * reports the trouble once, and tries again every retry interval. The
 * UstDiaryWriter outlives the thread: stop() joins it. */
static gpointer
writer_thread_func (gpointer user_data)
{
  UstDiaryWriter *self = user_data;
  Writer *writer = g_steal_pointer (&self->writer);
  GQueue pending = G_QUEUE_INIT;
  GQueue pending_text = G_QUEUE_INIT;
  int text = -1;
  gboolean db_failing = self->open_failed;
  gboolean text_failing = FALSE;
  guint64 db_done = 0;
  gint64 retry_at = g_get_monotonic_time () + (gint64) g_atomic_int_get (&self->retry_ms) * 1000;
  gboolean quit = FALSE;

  while (!quit)
    {
      g_autoptr (GError) db_error = NULL;
      g_autoptr (GError) text_error = NULL;
      gboolean committed = FALSE;

      if ((db_failing && pending.length > 0) || (text_failing && pending_text.length > 0))
        quit = take_until (self, retry_at, &pending, &pending_text);
      else
        quit = take_next (self, db_failing ? 0 : index_due (writer), &pending, &pending_text);
      if (!quit)
        quit = take_available (self, &pending, &pending_text);

      /* With nothing to write, nothing is learnt about a file. */
      if (pending_text.length > 0)
        {
          if (write_text (self, &text, &pending_text, &text_error))
            {
              if (text_failing)
                {
                  g_autofree char *message =
                    g_strdup_printf (_("The text diary “%s” can be written again; the lines "
                                       "kept in memory are in it now."), self->text_path);

                  self->notify (UST_DIARY_WRITER_RESUMED, message, self->notify_data);
                }
              text_failing = FALSE;
            }
          else if (!text_failing)
            {
              text_failing = TRUE;
              self->notify (UST_DIARY_WRITER_FAILING, text_error->message, self->notify_data);
            }
        }
      /* Said at once: opening the database may wait for its lock. */
      if (self->journal != NULL && pending_text.length == 0)
        ust_diary_journal_set_done (self->journal, 0, self->taken_seq);

      if (pending.length > 0)
        {
          if (write_pending (self, &writer, &pending, &committed, &db_done, &db_error))
            {
              if (db_failing)
                {
                  g_autofree char *message =
                    g_strdup_printf (_("The call diary “%s” can be written again; the calls "
                                       "kept in memory are in it now."), self->path);

                  self->notify (UST_DIARY_WRITER_RESUMED, message, self->notify_data);
                }
              db_failing = FALSE;
            }
          else if (!db_failing)
            {
              db_failing = TRUE;
              self->notify (UST_DIARY_WRITER_FAILING, db_error->message, self->notify_data);
            }
          else
            g_debug ("Call diary still failing: %s", db_error->message);
        }

      /* What both files hold, the journal may reuse: everything taken is written when
       * nothing is pending. */
      if (self->journal != NULL)
        ust_diary_journal_set_done (self->journal,
                                    pending.length == 0 ? self->taken_seq : db_done, 0);

      g_atomic_int_set (&self->failing, db_failing || text_failing);
      if (committed)
        self->notify (UST_DIARY_WRITER_COMMITTED, NULL, self->notify_data);
      /* The calls are written; the search index follows them when due, a
       * step at a time, so jobs that came meanwhile go first. */
      if (!quit && !db_failing && index_due (writer) != 0
          && index_due (writer) <= g_get_monotonic_time ())
        index_step (self, writer);
      if (db_failing || text_failing)
        retry_at = g_get_monotonic_time () + (gint64) g_atomic_int_get (&self->retry_ms) * 1000;
    }

  /* Stopping: what could not be written is given up (the journal keeps it
   * for the next start); flush() waiters learn it through the written count. */
  self->all_written = pending.length == 0 && pending_text.length == 0;
  mark_written (self, pending.length);
  g_queue_clear_full (&pending, (GDestroyNotify) job_free);
  g_queue_clear_full (&pending_text, (GDestroyNotify) job_free);
  if (text >= 0)
    close (text);
  writer_close (writer);
  return NULL;
}

static void submit (UstDiaryWriter *self,
                    Job            *job);

static guint32
journal_layout (void)
{
  return (guint32) sizeof (Job) | (guint32) G_N_ELEMENTS (job_texts) << 16
         | (guint32) JOURNAL_FORMAT << 24;
}

/* Copies @job into the journal, its texts' pointers made offsets into the block; a full
 * ring leaves it out (seq 0). A copy under a short lock: no system call. */
static void
journal_job (UstDiaryWriter *self,
             Job            *job)
{
  guint8 *copy = ust_diary_journal_reserve (self->journal, job->size);

  if (copy == NULL)
    return;
  memcpy (copy, job, job->size);
  for (guint i = 0; i < G_N_ELEMENTS (job_texts); i++)
    {
      const char *text = G_STRUCT_MEMBER (const char *, job, job_texts[i]);

      G_STRUCT_MEMBER (guintptr, copy, job_texts[i]) =
        text != NULL ? (guintptr) (text - (const char *) job) : 0;
    }
  ((Job *) copy)->batch = NULL;
  job->seq = ust_diary_journal_commit (self->journal,
                                       (job->skip_db ? JOURNAL_SKIP_DB : 0)
                                       | (job->skip_text ? JOURNAL_SKIP_TEXT : 0));
}

/* A job again from its journal record, or NULL for a record that does not hold one
 * (checked, not trusted: it was left by another process). */
static Job *
job_from_record (gconstpointer data,
                 gsize         length)
{
  g_autofree Job *job = NULL;

  if (length < sizeof (Job))
    return NULL;
  job = g_malloc (length);
  memcpy (job, data, length);
  if (job->size != length
      || (job->kind != JOB_SAVE && job->kind != JOB_EVENT && job->kind != JOB_STEP))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (job_texts); i++)
    {
      guintptr offset = G_STRUCT_MEMBER (guintptr, job, job_texts[i]);
      char *text = (char *) job + offset;

      if (offset != 0
          && (offset < sizeof (Job) || offset >= length
              || memchr (text, '\0', length - offset) == NULL))
        return NULL;
      G_STRUCT_MEMBER (char *, job, job_texts[i]) = offset != 0 ? text : NULL;
    }
  job->refs = 1;
  job->batch = NULL;
  job->seq = 0;
  return g_steal_pointer (&job);
}

typedef struct {
  GPtrArray *jobs;
  guint64    db_done;
  guint64    text_done;
} Replay;

static void
replay_record_cb (guint64        seq,
                  guint32        flags,
                  gconstpointer  data,
                  gsize          length,
                  gpointer       user_data)
{
  Replay *replay = user_data;
  Job *job = job_from_record (data, length);

  if (job == NULL)
    {
      g_debug ("Call diary journal: record %" G_GUINT64_FORMAT " is not a step of a call", seq);
      return;
    }
  job->skip_db = (flags & JOURNAL_SKIP_DB) != 0 || seq <= replay->db_done;
  job->skip_text = (flags & JOURNAL_SKIP_TEXT) != 0 || seq <= replay->text_done
                   || job->text_line == NULL;
  if (job->skip_db && job->skip_text)
    job_free (job);
  else
    g_ptr_array_add (replay->jobs, job);
}

/* What an exchange that died left in the journal goes first in the queue: the steps the
 * database (it says exactly which: the journal table) or the text diary did not get. */
static void
journal_replay (UstDiaryWriter *self,
                Writer         *writer)
{
  Replay replay = { g_ptr_array_new (), 0, 0 };

  replay.db_done = writer != NULL ? writer->journal_seq
                                  : ust_diary_journal_get_db_done (self->journal);
  replay.text_done = ust_diary_journal_get_text_done (self->journal);
  ust_diary_journal_foreach_left (self->journal, MIN (replay.db_done, replay.text_done),
                                  replay_record_cb, &replay);
  /* Its records are copied out; appended again as new ones, they are kept until written. */
  ust_diary_journal_reset (self->journal, replay.db_done);
  if (replay.jobs->len > 0)
    g_message ("Call diary: %u steps of calls that an exchange stopped before writing are "
               "written now", replay.jobs->len);
  for (guint i = 0; i < replay.jobs->len; i++)
    submit (self, g_ptr_array_index (replay.jobs, i));
  g_ptr_array_unref (replay.jobs);
}

static void
submit (UstDiaryWriter *self,
        Job            *job)
{
  /* After stop() nobody would write it. */
  if (g_atomic_int_get (&self->stopped))
    {
      g_debug ("Call diary closed: %s dropped", job->call.call_id);
      job_free (job);
      return;
    }
  /* In the journal before anything of the call goes further. */
  if (self->journal != NULL && job->kind != JOB_CLEAR)
    journal_job (self, job);
  /* A held job is counted when its batch is handed over (end_batch). */
  if (self->held != NULL)
    {
      g_ptr_array_add (self->held, job);
      return;
    }
  g_mutex_lock (&self->lock);
  self->submitted++;
  g_mutex_unlock (&self->lock);
  g_async_queue_push (self->queue, job);
}

/* @path is the database file and @text_path the text diary beside it;
 * nothing touches the disk until start(). @notify tells the owner what
 * happened (see ust-diary-writer.h). */
UstDiaryWriter *
ust_diary_writer_new (const char           *path,
                      const char           *text_path,
                      guint                 retry_ms,
                      UstDiaryWriterNotify  notify,
                      gpointer              user_data)
{
  UstDiaryWriter *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (text_path != NULL, NULL);
  g_return_val_if_fail (notify != NULL, NULL);

  self = g_new0 (UstDiaryWriter, 1);
  self->path = g_strdup (path);
  self->text_path = g_strdup (text_path);
  self->retry_ms = retry_ms;
  self->notify = notify;
  self->notify_data = user_data;
  self->queue = g_async_queue_new_full ((GDestroyNotify) job_free);
  g_mutex_init (&self->lock);
  g_cond_init (&self->written_cond);
  return self;
}

/* Stops the thread if it still runs (see stop()), then drops what is left. */
void
ust_diary_writer_free (UstDiaryWriter *self)
{
  if (self == NULL)
    return;

  ust_diary_writer_stop (self);
  writer_close (self->writer);
  if (self->held != NULL)
    {
      g_ptr_array_set_free_func (self->held, (GDestroyNotify) job_free);
      g_ptr_array_unref (self->held);
    }
  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->written_cond);
  g_free (self->path);
  g_free (self->text_path);
  g_free (self);
}

guint
ust_diary_writer_get_retry_interval (UstDiaryWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return (guint) g_atomic_int_get (&self->retry_ms);
}

/* How long the thread waits before trying again a file that refused; read
 * by the thread each time it sets a retry. */
void
ust_diary_writer_set_retry_interval (UstDiaryWriter *self,
                                     guint           retry_ms)
{
  g_return_if_fail (self != NULL);

  g_atomic_int_set (&self->retry_ms, retry_ms);
}

/* TRUE once the database has the current schema, so a reader may open it. */
gboolean
ust_diary_writer_is_ready (UstDiaryWriter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return g_atomic_int_get (&self->ready);
}

/* Creates the folder and the database, brings the schema up to date (here,
 * on the calling thread, so the caller learns at once whether the diary can
 * be written) and starts the thread. On failure the thread runs all the
 * same: it keeps the jobs in memory and tries again every retry interval;
 * the error is also handed to the notify function, once. */
gboolean
ust_diary_writer_start (UstDiaryWriter  *self,
                        GError         **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->thread == NULL && !g_atomic_int_get (&self->stopped), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->writer = writer_open (self->path, &local_error);
  self->open_failed = self->writer == NULL;
  g_atomic_int_set (&self->failing, self->open_failed);
  if (self->writer != NULL)
    g_atomic_int_set (&self->ready, 1);
  else
    self->notify (UST_DIARY_WRITER_FAILING, local_error->message, self->notify_data);

  /* Without a journal (Windows, no shared memory, another exchange on this folder) the
   * diary works as before it had one: a step not yet committed is lost with the process. */
  {
    g_autoptr (GError) journal_error = NULL;

    self->journal = ust_diary_journal_open (self->path, JOURNAL_SIZE, journal_layout (),
                                            &journal_error);
    if (self->journal != NULL)
      journal_replay (self, self->writer);
    else
      g_debug ("Call diary %s without a journal: %s", self->path, journal_error->message);
  }

  self->thread = g_thread_new ("ust-call-store", writer_thread_func, self);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Writes what is queued (one last try if the file is refusing) and stops
 * the thread. Later jobs are dropped. */
void
ust_diary_writer_stop (UstDiaryWriter *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_get (&self->stopped))
    return;
  ust_diary_writer_end_batch (self);
  g_atomic_int_set (&self->stopped, TRUE);

  if (self->thread != NULL)
    {
      g_async_queue_push (self->queue, job_new (JOB_QUIT, NULL, NULL, NULL, NULL));
      g_thread_join (g_steal_pointer (&self->thread));
    }
  /* What the disk refused stays in the journal for the next exchange on this folder. */
  ust_diary_journal_close (g_steal_pointer (&self->journal), self->all_written);
}

/* Waits until every job handed over so far is committed, at most
 * @timeout_ms. Returns FALSE if it is not (the file is refusing, or the
 * time ran out). */
gboolean
ust_diary_writer_flush (UstDiaryWriter *self,
                        guint           timeout_ms)
{
  gint64 deadline;
  guint64 target;
  gboolean done;

  g_return_val_if_fail (self != NULL, FALSE);

  ust_diary_writer_end_batch (self);
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  /* A file that refuses gets one more try, not the whole time (a stop would hang). */
  if (g_atomic_int_get (&self->failing))
    deadline = MIN (deadline, g_get_monotonic_time ()
                              + (gint64) (g_atomic_int_get (&self->retry_ms) + 500) * 1000);
  g_mutex_lock (&self->lock);
  target = self->submitted;
  while (self->written < target && self->thread != NULL)
    if (!g_cond_wait_until (&self->written_cond, &self->lock, deadline))
      break;
  done = self->written >= target;
  g_mutex_unlock (&self->lock);
  return done;
}

void
ust_diary_writer_save_call (UstDiaryWriter    *self,
                            const UstCallData *data)
{
  g_return_if_fail (self != NULL);

  submit (self, job_new (JOB_SAVE, data, NULL, NULL, NULL));
}

void
ust_diary_writer_add_event (UstDiaryWriter    *self,
                            const UstCallData *call,
                            gint64             time_us,
                            const char        *kind,
                            const char        *detail,
                            const char        *text_line)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = job_new (JOB_EVENT, call, kind, detail, text_line);
  job->time_us = time_us;
  submit (self, job);
}

/* A save and an event in one job that holds one copy of @call. */
void
ust_diary_writer_save_step (UstDiaryWriter    *self,
                            const UstCallData *call,
                            gint64             time_us,
                            const char        *kind,
                            const char        *detail,
                            const char        *text_line)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = job_new (JOB_STEP, call, kind, detail, text_line);
  job->time_us = time_us;
  submit (self, job);
}

void
ust_diary_writer_clear (UstDiaryWriter *self)
{
  g_return_if_fail (self != NULL);

  submit (self, job_new (JOB_CLEAR, NULL, NULL, NULL, NULL));
}

/* Between begin and end, what one producer thread submits is held and then
 * handed to the writer in one piece: the proxy's thread pays one queue push
 * (and at most one wake-up of the writer) per main-loop turn, not several
 * per call. Only for a single producer thread. */
void
ust_diary_writer_begin_batch (UstDiaryWriter *self)
{
  g_return_if_fail (self != NULL);

  if (self->held == NULL)
    self->held = g_ptr_array_new ();
}

void
ust_diary_writer_end_batch (UstDiaryWriter *self)
{
  Job *job;

  g_return_if_fail (self != NULL);

  if (self->held == NULL)
    return;
  if (self->held->len == 0)
    {
      g_clear_pointer (&self->held, g_ptr_array_unref);
      return;
    }
  g_mutex_lock (&self->lock);
  self->submitted += self->held->len;
  g_mutex_unlock (&self->lock);
  job = job_new (JOB_BATCH, NULL, NULL, NULL, NULL);
  job->batch = g_steal_pointer (&self->held);
  g_ptr_array_set_free_func (job->batch, (GDestroyNotify) job_free);
  g_async_queue_push (self->queue, job);
}
