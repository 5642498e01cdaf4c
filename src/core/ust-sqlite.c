/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-sqlite"

#include "config.h"

#include <sqlite3.h>

#include "ust-sqlite.h"

/* Settings only take before SQLite initializes itself, which the first
 * connection does. The registrar's and the diary's stores may not use this
 * part of the core, so what assembles them calls this first: UstExchange
 * when it is made, ustredna-server in main(). */
void
ust_sqlite_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      /* No memory statistics: with them every allocation and free SQLite
       * makes takes one global lock (the diary writer makes thousands a
       * second), and nothing here reads them. */
      int rc = sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);

      if (rc != SQLITE_OK)
        g_debug ("SQLite was already initialized (%s); its memory statistics stay on",
                 sqlite3_errstr (rc));
      g_once_init_leave (&done, 1);
    }
}
