/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The part of ustredna-server that differs per OS: stopping cleanly on Ctrl+C. Implemented
 * in ust-server-unix.c (SIGINT, SIGTERM) and ust-server-win32.c (console control events). */

#include <glib.h>

G_BEGIN_DECLS

void ust_server_add_quit_handlers (GMainLoop *loop);

G_END_DECLS
