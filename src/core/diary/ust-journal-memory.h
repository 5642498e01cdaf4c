/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Memory that outlives the process: the diary journal's ring (ust-diary-journal.c)
 * lives in a named shared-memory object, so what the proxy's thread copied into it is
 * still there after a SIGKILL or a crash, for the next exchange on the same data folder to
 * find. Not a file on the disk: writing to it never waits for the disk and never fails
 * for a full one (the pages are reserved when it is made). It does not survive a reboot;
 * the database's own last commits may not either (synchronous=NORMAL).
 *
 * Per operating system behind this header: ust-journal-memory-unix.c (POSIX shm_open,
 * one exchange at a time by flock), ust-journal-memory-win32.c (none yet: a named
 * mapping ends with its last handle, so there is nothing to find after a crash). */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _UstJournalMemory UstJournalMemory;

/* Opens (or makes, zero-filled) the object called @name of @size bytes and maps it.
 * @created says which. NULL with @error when this system has none, or when another
 * process holds it (another exchange on the same data folder). */
UstJournalMemory *ust_journal_memory_open   (const char        *name,
                                             gsize              size,
                                             gboolean          *created,
                                             GError           **error);
gpointer          ust_journal_memory_get    (UstJournalMemory  *self);
/* Unmaps it; with @remove, the object goes too (everything in it is on the disk). */
void              ust_journal_memory_close  (UstJournalMemory  *self,
                                             gboolean           remove);
void              ust_journal_memory_remove (const char        *name);

G_END_DECLS
