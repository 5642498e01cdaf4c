/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <gtk/gtk.h>

#include "ust-application.h"
#include "ust-test-util.h"
#include "ust-window.h"

#define SIPP_TIMEOUT "20s"
#define WAIT_MS 10000
#define SIPP_WAIT_MS 40000

/* Set up by each test program's main(). */
extern UstApplication *app;
extern UstWindow *window;
extern char *tmp_dir;

gboolean action_enabled (const char *name);
void activate (const char *name, GVariant *parameter);
UstExchange * exchange (void);
guint free_port (GSocket **keep);
const char * sipp_program (void);
gboolean need_sipp (void);
GSubprocess * sipp_spawn (const char *label, GPtrArray *argv);
GSubprocess * sipp_start (const char *label, const char *scenario, guint port, gboolean to_exchange, ...);
gboolean sipp_exited (gpointer data);
void sipp_watch (GSubprocess *process);
void sipp_finish (GSubprocess *process, const char *label);
void sipp_register (const char *user, guint port);
void sipp_call (guint talk_ms, GSubprocess **callee, GSubprocess **caller);
void start_on_loopback (void);
void gui_test_make_home (const char *folder);
void gui_test_open_app (const char *id_suffix);
void gui_test_start (int *argc, char ***argv, const char *folder,
                     const char *id_suffix);
int gui_test_finish (int status, gboolean keep);
