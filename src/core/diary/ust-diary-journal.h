/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The diary's journal, private to the diary part (ust-diary-writer.c is its one user): a
 * ring of records in memory that outlives the process (ust-journal-memory.h). The thread
 * that hands the writer a step of a call copies it here first, so once the exchange has
 * relayed anything of that call, the step survives a SIGKILL even if the writer thread
 * had not committed it yet; the next exchange on the same data folder finds it and writes
 * it. The writer says how far the database and the text diary have got, and the ring
 * reuses what both hold.
 *
 * A record is opaque bytes with a sequence number that only grows (also across
 * restarts) and a few flags of the caller's. Appending is a copy under a short lock,
 * never a system call. When the ring is full (the disk has refused for a long time) a
 * record is not kept here: the writer still has it in memory, but a crash would lose it. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _UstDiaryJournal UstDiaryJournal;

/* Called for each record left by an earlier exchange, in order. */
typedef void (*UstDiaryJournalFunc) (guint64        seq,
                                     guint32        flags,
                                     gconstpointer  data,
                                     gsize          length,
                                     gpointer       user_data);

/* The journal of the database at @db_path; @layout stamps the records' format (records of
 * another stamp are not read back). NULL when there is none (see ust-journal-memory.h). */
UstDiaryJournal *ust_diary_journal_open         (const char           *db_path,
                                                 gsize                 size,
                                                 guint32               layout,
                                                 GError              **error);
/* With @remove, when everything in it is on the disk. */
void             ust_diary_journal_close        (UstDiaryJournal      *self,
                                                 gboolean              remove);
/* Throws away the journal of @db_path (tests that leave one behind on purpose). */
void             ust_diary_journal_remove       (const char           *db_path);

/* What an earlier exchange left: the records after the text diary's or the database's
 * last done one, in order (no call after the first append). */
guint64          ust_diary_journal_get_db_done  (UstDiaryJournal      *self);
guint64          ust_diary_journal_get_text_done (UstDiaryJournal     *self);
void             ust_diary_journal_foreach_left (UstDiaryJournal      *self,
                                                 guint64               after,
                                                 UstDiaryJournalFunc   func,
                                                 gpointer              user_data);
/* Forgets them (their jobs are appended again as new records). */
void             ust_diary_journal_reset        (UstDiaryJournal      *self,
                                                 guint64               min_seq);

/* Appending, from any thread: reserve() takes the lock and returns where @length bytes
 * go (NULL, lock released, when the ring is full); commit() makes them a record and
 * returns its number. */
gpointer         ust_diary_journal_reserve      (UstDiaryJournal      *self,
                                                 gsize                 length);
guint64          ust_diary_journal_commit       (UstDiaryJournal      *self,
                                                 guint32               flags);
guint64          ust_diary_journal_get_n_skipped (UstDiaryJournal     *self);

/* The writer's progress: every record up to @db_seq is in the database, up to @text_seq
 * in the text diary. */
void             ust_diary_journal_set_done     (UstDiaryJournal      *self,
                                                 guint64               db_seq,
                                                 guint64               text_seq);

G_END_DECLS
