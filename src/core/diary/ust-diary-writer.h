/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The call store's writer thread, private to the diary part: UstCallStore
 * is its one user. Any thread hands it the steps of calls, copied into
 * jobs, and never waits; the thread owns the disk. It creates calls.db and
 * brings its schema up to date, commits what is queued in batches, appends
 * the text diary (calls.txt), and while the disk refuses it keeps the jobs
 * in memory and tries again every retry interval. Each job is first copied
 * into the journal (ust-diary-journal.h), so a killed exchange's last steps
 * are written by the next one to start on the same data folder.
 *
 * It calls nothing of the store's: what the store must hear (a batch was
 * committed, writing started to fail) comes through the notify function. */

#include <gio/gio.h>

#include "ust-call-record.h"

G_BEGIN_DECLS

typedef enum {
  UST_DIARY_WRITER_COMMITTED,  /* a batch is in the database */
  UST_DIARY_WRITER_FAILING,    /* a file started to refuse: @message says which and why */
  UST_DIARY_WRITER_RESUMED,    /* it takes writes again, and has what was kept */
} UstDiaryWriterEvent;

/* Called on the writer thread, or for a failed start on the thread that
 * started it; FAILING and RESUMED once per file each time. */
typedef void (*UstDiaryWriterNotify) (UstDiaryWriterEvent  event,
                                      const char          *message,
                                      gpointer             user_data);

typedef struct _UstDiaryWriter UstDiaryWriter;

UstDiaryWriter *ust_diary_writer_new                (const char            *path,
                                                     const char            *text_path,
                                                     guint                  retry_ms,
                                                     UstDiaryWriterNotify   notify,
                                                     gpointer               user_data);
void            ust_diary_writer_free               (UstDiaryWriter        *self);
guint           ust_diary_writer_get_retry_interval (UstDiaryWriter        *self);
void            ust_diary_writer_set_retry_interval (UstDiaryWriter        *self,
                                                     guint                  retry_ms);
gboolean        ust_diary_writer_is_ready           (UstDiaryWriter        *self);

gboolean        ust_diary_writer_start              (UstDiaryWriter        *self,
                                                     GError               **error);
void            ust_diary_writer_stop               (UstDiaryWriter        *self);
gboolean        ust_diary_writer_flush              (UstDiaryWriter        *self,
                                                     guint                  timeout_ms);

/* Never block; callable from any thread. */
void            ust_diary_writer_save_call          (UstDiaryWriter        *self,
                                                     const UstCallData     *data);
void            ust_diary_writer_add_event          (UstDiaryWriter        *self,
                                                     const UstCallData     *call,
                                                     gint64                 time_us,
                                                     const char            *kind,
                                                     const char            *detail,
                                                     const char            *text_line);
void            ust_diary_writer_save_step          (UstDiaryWriter        *self,
                                                     const UstCallData     *call,
                                                     gint64                 time_us,
                                                     const char            *kind,
                                                     const char            *detail,
                                                     const char            *text_line);
void            ust_diary_writer_clear              (UstDiaryWriter        *self);
void            ust_diary_writer_begin_batch        (UstDiaryWriter        *self);
void            ust_diary_writer_end_batch          (UstDiaryWriter        *self);

G_END_DECLS
