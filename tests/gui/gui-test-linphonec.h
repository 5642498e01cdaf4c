/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* linphonec (Debian's linphone-cli: the liblinphone of Linphone Desktop
 * and Android) as a phone of the window's exchange, for the window tests:
 * a private rc file in its own folder under gui_test_tmp_dir, driven on its
 * stdin, its output collected on the main context. tests/e2e/e2e_tests.py
 * drives it the same way (and says why: TECH-NOTES-2 §4). */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _GuiTestLinphonec GuiTestLinphonec;

gboolean          gui_test_need_linphonec         (void);
GuiTestLinphonec *gui_test_linphonec_start        (const char       *user,
                                                   const char       *uuid,
                                                   guint             sip_port);
void              gui_test_linphonec_wait_registered (GuiTestLinphonec *self);
void              gui_test_linphonec_kill         (GuiTestLinphonec *self);
void              gui_test_linphonec_free         (GuiTestLinphonec *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GuiTestLinphonec, gui_test_linphonec_free)

G_END_DECLS
