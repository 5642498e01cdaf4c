/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "ust-journal-memory.h"

struct _UstJournalMemory {
  char     *name;
  int       fd;
  gpointer  base;
  gsize     size;
};

static gboolean
fail (GError     **error,
      const char  *what,
      const char  *name)
{
  int saved_errno = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s", what, name,
               g_strerror (saved_errno));
  return FALSE;
}

UstJournalMemory *
ust_journal_memory_open (const char  *name,
                         gsize        size,
                         gboolean    *created,
                         GError     **error)
{
  g_autofree UstJournalMemory *self = g_new0 (UstJournalMemory, 1);
  struct stat st;
  int rc;

  g_return_val_if_fail (name != NULL && name[0] == '/', NULL);

  self->fd = shm_open (name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->fd < 0)
    {
      fail (error, "shm_open", name);
      return NULL;
    }
  /* One exchange per data folder writes its diary; a second one goes without. The lock
   * goes with the process, so a killed exchange's successor gets it. */
  if (flock (self->fd, LOCK_EX | LOCK_NB) != 0)
    {
      fail (error, "flock", name);
      close (self->fd);
      return NULL;
    }
  if (fstat (self->fd, &st) != 0)
    goto failed_stat;
  *created = st.st_size == 0;
  if ((gsize) st.st_size != size)
    {
      /* A new object, or one of another size (another version): start afresh. The
       * pages are reserved now, so a full /dev/shm is found here and not by a SIGBUS
       * on the proxy's thread later. */
      *created = TRUE;
      if (ftruncate (self->fd, 0) != 0 || ftruncate (self->fd, (off_t) size) != 0)
        goto failed_size;
      rc = posix_fallocate (self->fd, 0, (off_t) size);
      if (rc != 0)
        {
          errno = rc;
          goto failed_size;
        }
    }
  /* MAP_POPULATE: the pages are there from the start (no fault on the proxy's thread, and
   * the resident size does not creep up as the ring fills). */
  self->base = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, self->fd, 0);
  if (self->base == MAP_FAILED)
    {
      fail (error, "mmap", name);
      close (self->fd);
      return NULL;
    }
  self->size = size;
  self->name = g_strdup (name);
  return g_steal_pointer (&self);

failed_stat:
  fail (error, "fstat", name);
  close (self->fd);
  return NULL;

failed_size:
  fail (error, "allocating", name);
  shm_unlink (name);
  close (self->fd);
  return NULL;
}

gpointer
ust_journal_memory_get (UstJournalMemory *self)
{
  return self->base;
}

void
ust_journal_memory_close (UstJournalMemory *self,
                          gboolean          remove)
{
  if (self == NULL)
    return;
  munmap (self->base, self->size);
  if (remove)
    shm_unlink (self->name);
  close (self->fd);   /* and with it the lock */
  g_free (self->name);
  g_free (self);
}

void
ust_journal_memory_remove (const char *name)
{
  shm_unlink (name);
}
