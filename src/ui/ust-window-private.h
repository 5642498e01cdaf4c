/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by ust-window.c (widgets and views), ust-window-actions.c (what
 * the window can do, and when) and ust-window-setup.c (the phone-setup
 * card and the transport doctor's lines). */

#include "ust-diary-view.h"
#include "ust-net-interfaces.h"
#include "ust-window.h"

G_BEGIN_DECLS

struct _UstWindow {
  GtkApplicationWindow  parent_instance;

  /* Template children. */
  GtkDropDown          *address_dropdown;
  GtkSpinButton        *port_spin;
  GtkButton            *start_button;
  GtkLabel             *status_label;
  GtkLabel             *message_label;
  GtkStack             *stack;
  GtkRevealer          *doctor_revealer;
  GtkWidget            *doctor_list;
  GtkLabel             *server_value;
  GtkLabel             *port_value;
  GtkLabel             *transport_value;
  GtkLabel             *fingerprint_title;
  GtkLabel             *fingerprint_value;
  GtkWidget            *fingerprint_copy;
  GtkLabel             *tls_problem_label;
  GtkLabel             *example_value;
  GtkLabel             *setup_hint;
  GtkLabel             *phones_heading;
  GtkLabel             *phones_empty;
  GtkColumnView        *phones_view;
  GtkColumnViewColumn  *phone_user_column;
  GtkColumnViewColumn  *phone_source_column;
  GtkColumnViewColumn  *phone_contact_column;
  GtkColumnViewColumn  *phone_agent_column;
  GtkColumnViewColumn  *phone_expires_column;
  GtkLabel             *calls_heading;
  GtkLabel             *calls_empty;
  GtkColumnView        *calls_view;
  GtkColumnViewColumn  *call_caller_column;
  GtkColumnViewColumn  *call_callee_column;
  GtkColumnViewColumn  *call_state_column;
  GtkColumnViewColumn  *call_duration_column;
  UstDiaryView         *diary_page;

  /* The exchange and what the window remembers. */
  UstExchange          *exchange;
  UstSettings          *settings;

  /* The address dropdown: labels shown, and the address behind each. */
  GtkStringList        *address_labels;
  GPtrArray            *addresses;
  char                 *manual_address;    /* from app.select-address, not listed */
  UstNetWatcher        *net_watcher;
  gboolean              address_lost;

  /* Cells that change with the clock (time left, call duration): only the
   * rows on screen are bound, so a tick costs what is visible. */
  GHashTable           *ticking;           /* GtkListItem* → tick function */
  guint                 tick_source;

  guint                 exports_running;
  gboolean              close_confirmed;
  GtkWindow            *close_confirm;
};

void ust_window_class_actions_init (UstWindowClass *klass);
void ust_window_actions_update     (UstWindow      *self);
void ust_window_show_note          (UstWindow      *self,
                                    const char     *note);
void ust_window_copy_setting       (UstWindow      *self,
                                    const char     *which);
void ust_window_export             (UstWindow      *self);
void ust_window_clear_diary        (UstWindow      *self);

/* ust-window-setup.c */
guint ust_window_wanted_protocols  (UstWindow      *self);
void ust_window_setup_update       (UstWindow      *self);
void ust_window_add_advice         (UstWindow      *self,
                                    const char     *host,
                                    const char     *text);
void ust_window_clear_advice       (UstWindow      *self);

G_END_DECLS
