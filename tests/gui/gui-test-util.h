/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the window's test programs (tests/gui, tests/i18n/test-window-sk.c)
 * share: one application with its window per program, its actions, free
 * loopback ports and sipp phones driven against its exchange. The waits on
 * the main context are ust-test-util's. Everything here is named gui_test_
 * so that a test's own names cannot collide with it. */

#include <gio/gio.h>
#include <gtk/gtk.h>

#include "ust-application.h"
#include "ust-test-util.h"
#include "ust-window.h"

/* sipp's own -timeout: a scenario that hangs fails rather than waits. */
#define GUI_TEST_SIPP_TIMEOUT "20s"
/* How long the window may take to show what a test waits for. */
#define GUI_TEST_WAIT_MS      10000
/* How long a sipp phone may take to end; longer than GUI_TEST_SIPP_TIMEOUT. */
#define GUI_TEST_SIPP_WAIT_MS 40000

/* Set up by gui_test_start() (gui_test_make_home() and gui_test_open_app()). */
extern UstApplication *gui_test_app;
extern UstWindow      *gui_test_window;
extern char           *gui_test_tmp_dir;

gboolean     gui_test_action_enabled    (const char   *name);
void         gui_test_activate          (const char   *name,
                                         GVariant     *parameter);
UstExchange *gui_test_exchange          (void);
guint        gui_test_free_port         (GSocket     **keep);

const char  *gui_test_sipp_program      (void);
gboolean     gui_test_need_sipp         (void);
GSubprocess *gui_test_sipp_spawn        (const char   *label,
                                         GPtrArray    *argv);
GSubprocess *gui_test_sipp_start        (const char   *label,
                                         const char   *scenario,
                                         guint         port,
                                         gboolean      to_exchange,
                                         ...) G_GNUC_NULL_TERMINATED;
gboolean     gui_test_sipp_exited       (gpointer      data);
void         gui_test_sipp_watch        (GSubprocess  *process);
void         gui_test_sipp_finish       (GSubprocess  *process,
                                         const char   *label);
void         gui_test_sipp_register     (const char   *user,
                                         guint         port);
void         gui_test_sipp_call         (guint         talk_ms,
                                         GSubprocess **callee,
                                         GSubprocess **caller);

void         gui_test_start_on_loopback (void);
void         gui_test_make_home         (const char   *folder);
void         gui_test_open_app          (const char   *id_suffix);
void         gui_test_start             (int          *argc,
                                         char       ***argv,
                                         const char   *folder,
                                         const char   *id_suffix);
int          gui_test_finish            (int           status,
                                         gboolean      keep);
