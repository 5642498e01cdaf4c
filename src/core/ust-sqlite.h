/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Process-wide SQLite settings, shared by the call diary and the
 * registrations: call ust_sqlite_init() before a store opens a connection. */

#include <glib.h>

G_BEGIN_DECLS

void ust_sqlite_init (void);

G_END_DECLS
