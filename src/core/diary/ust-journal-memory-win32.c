/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <gio/gio.h>

#include "ust-journal-memory.h"

/* Windows frees a named mapping with its last handle, so a journal there would vanish with
 * a crashed exchange: the diary goes without one (as it did before the journal). A file
 * mapping in the data folder could do it; not done yet. */
UstJournalMemory *
ust_journal_memory_open (const char  *name,
                         gsize        size,
                         gboolean    *created,
                         GError     **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "no shared memory that outlives the process on Windows");
  return NULL;
}

gpointer
ust_journal_memory_get (UstJournalMemory *self)
{
  return NULL;
}

void
ust_journal_memory_close (UstJournalMemory *self,
                          gboolean          remove)
{
}

void
ust_journal_memory_remove (const char *name)
{
}
