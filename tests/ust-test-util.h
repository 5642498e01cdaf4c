/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What every test program needs and none should copy: bounded waits on the
 * default main context, waits for a diary row to reach the disk, and the
 * removal of a test's temporary folder, and what to do when a program the
 * test needs is missing. */

#include <glib.h>

G_BEGIN_DECLS

/* Whether what a test waits for has happened yet; called from the loop in
 * ust_test_spin_until(), on the test's own thread. */
typedef gboolean (*UstTestCondition) (gpointer data);

gboolean ust_test_flag_is_set     (gpointer         flag);
gboolean ust_test_spin_until      (UstTestCondition condition,
                                   gpointer         data,
                                   guint            timeout_ms);
void     ust_test_spin            (guint            milliseconds);
gboolean ust_test_wait_committed  (const char      *db_path,
                                   const char      *call_id,
                                   guint            timeout_ms);
gboolean ust_test_remove_tree     (const char      *path);
void     ust_test_missing         (const char      *what);

G_END_DECLS
