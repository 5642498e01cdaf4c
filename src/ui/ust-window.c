/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ust-confirm.h"
#include "ust-diary-view.h"
#include "ust-phone-details.h"
#include "ust-ui-format.h"
#include "ust-window-private.h"
#include "ust-wire-view.h"

/* The "all addresses" entry of the dropdown. */
#define ANY_ADDRESS "0.0.0.0"
#define TICK_MS 1000

typedef void (*TickFunc) (GtkListItem *list_item);

enum {
  PROP_0,
  PROP_EXCHANGE,
  PROP_SETTINGS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstWindow, ust_window, GTK_TYPE_APPLICATION_WINDOW)

/* Messages ------------------------------------------------------------------ */

static void
set_message (UstWindow  *self,
             const char *message,
             gboolean    is_error)
{
  GtkWidget *label = GTK_WIDGET (self->message_label);

  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (label, message != NULL && *message != '\0');
  if (is_error)
    {
      gtk_widget_add_css_class (label, "error");
      gtk_widget_remove_css_class (label, "ust-note");
    }
  else
    {
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "ust-note");
    }
}

/* Shows @message (a problem and what to do about it) under the status line;
 * NULL hides it. */
void
ust_window_show_message (UstWindow  *self,
                         const char *message)
{
  g_return_if_fail (UST_IS_WINDOW (self));

  set_message (self, message, TRUE);
}

/* Shows @note (something that went well: an export, a copy) on the same
 * line as the messages, without the error colour. */
void
ust_window_show_note (UstWindow  *self,
                      const char *note)
{
  g_return_if_fail (UST_IS_WINDOW (self));

  set_message (self, note, FALSE);
}

/* Addresses ----------------------------------------------------------------- */

const char *
ust_window_get_selected_address (UstWindow *self)
{
  guint selected;

  g_return_val_if_fail (UST_IS_WINDOW (self), NULL);

  selected = gtk_drop_down_get_selected (self->address_dropdown);
  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->addresses->len)
    return NULL;
  return g_ptr_array_index (self->addresses, selected);
}

static guint
find_address (GPtrArray  *addresses,
              const char *address)
{
  for (guint i = 0; address != NULL && i < addresses->len; i++)
    if (g_strcmp0 (g_ptr_array_index (addresses, i), address) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
update_address_lost (UstWindow *self,
                     gboolean   lost)
{
  const char *running = ust_exchange_get_address (self->exchange);
  g_autofree char *message = NULL;

  if (lost == self->address_lost)
    return;
  self->address_lost = lost;
  if (lost)
    {
      message = g_strdup_printf (_("The address %s is no longer on this computer (did the "
                                   "network change?), so phones cannot reach the exchange. "
                                   "Press Stop, choose another address and press Start."),
                                 running);
      ust_window_show_message (self, message);
    }
  else
    {
      ust_window_show_message (self, NULL);
    }
}

static void update_running (UstWindow *self);

/* Lists this computer's addresses again, best first (the order and labels
 * come from ust-net), keeping the current choice when it is still there. An
 * address picked with app.select-address that the list does not have stays
 * as an entry of its own; the running address stays too, marked as gone,
 * when the network took it away. */
void
ust_window_refresh_addresses (UstWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) found = NULL;
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *previous = NULL;
  const char *running = NULL;
  gboolean lost = FALSE;
  guint n_found = 0, selected;

  g_return_if_fail (UST_IS_WINDOW (self));

  previous = g_strdup (ust_window_get_selected_address (self));
  if (ust_exchange_get_running (self->exchange))
    running = ust_exchange_get_address (self->exchange);

  found = ust_net_list_addresses (&error);
  if (found == NULL)
    ust_window_show_message (self, error->message);
  else
    n_found = g_list_model_get_n_items (G_LIST_MODEL (found));

  for (guint i = 0; i < n_found; i++)
    {
      g_autoptr (UstNetAddress) address = g_list_model_get_item (G_LIST_MODEL (found), i);
      const char *label = ust_net_address_get_label (address);

      g_ptr_array_add (addresses, g_strdup (ust_net_address_get_address (address)));
      g_ptr_array_add (labels, g_strdup (label != NULL && *label != '\0'
                                           ? label : ust_net_address_get_address (address)));
    }

  if (self->manual_address != NULL
      && find_address (addresses, self->manual_address) == GTK_INVALID_LIST_POSITION)
    {
      g_ptr_array_add (addresses, g_strdup (self->manual_address));
      g_ptr_array_add (labels, g_strdup (self->manual_address));
    }
  if (running != NULL && find_address (addresses, running) == GTK_INVALID_LIST_POSITION)
    {
      lost = TRUE;
      g_ptr_array_add (addresses, g_strdup (running));
      /* Translators: the address the exchange runs on, after the network took it away. */
      g_ptr_array_add (labels, g_strdup_printf (_("%s — no longer on this computer"), running));
    }
  g_ptr_array_add (addresses, g_strdup (ANY_ADDRESS));
  g_ptr_array_add (labels, g_strdup (_("All addresses (0.0.0.0)")));
  g_ptr_array_add (labels, NULL);

  g_ptr_array_unref (self->addresses);
  self->addresses = g_ptr_array_ref (addresses);
  gtk_string_list_splice (self->address_labels, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->address_labels)),
                          (const char *const *) labels->pdata);

  /* Keep what runs, else what was chosen, else what was used last time,
   * else the best address (ust-net sorts it first). */
  selected = find_address (addresses, running);
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = find_address (addresses, previous);
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = find_address (addresses, ust_settings_get_address (self->settings));
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = 0;
  gtk_drop_down_set_selected (self->address_dropdown, selected);

  update_address_lost (self, lost);
  /* On all addresses, the setup card offers the best one, which may have
   * changed with the network. */
  if (ust_exchange_get_running (self->exchange))
    update_running (self);
  ust_window_actions_update (self);
}

/* Chooses @address in the dropdown ("0.0.0.0" or "::" for all addresses).
 * Any numeric address is accepted: one the list does not show is added. */
gboolean
ust_window_select_address (UstWindow  *self,
                           const char *address)
{
  g_autoptr (GInetAddress) inet = NULL;
  guint position;

  g_return_val_if_fail (UST_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not an IP address. Choose one from the list."), address);

      ust_window_show_message (self, message);
      return FALSE;
    }
  if (g_inet_address_get_is_any (inet))
    address = ANY_ADDRESS;

  position = find_address (self->addresses, address);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      g_free (self->manual_address);
      self->manual_address = g_strdup (address);
      ust_window_refresh_addresses (self);
      position = find_address (self->addresses, address);
    }
  gtk_drop_down_set_selected (self->address_dropdown, position);
  return TRUE;
}

/* Start and stop -------------------------------------------------------------- */

void
ust_window_start (UstWindow *self)
{
  g_autoptr (GError) error = NULL;
  const char *address;
  guint port;

  g_return_if_fail (UST_IS_WINDOW (self));

  if (ust_exchange_get_running (self->exchange))
    return;

  address = ust_window_get_selected_address (self);
  if (address == NULL)
    {
      ust_window_show_message (self, _("This computer has no network address to offer the "
                                       "phones. Connect it to a network (Wi-Fi or cable), then "
                                       "press the refresh button next to the address."));
      return;
    }
  port = (guint) gtk_spin_button_get_value_as_int (self->port_spin);

  ust_exchange_set_open (self->exchange, !ust_settings_get_require_registration (self->settings));
  /* The transports ticked in the preferences; a change made while the
   * exchange runs waits for this, the next start (the setup card says so). */
  ust_exchange_set_protocols (self->exchange, ust_window_wanted_protocols (self));
  if (!ust_exchange_start (self->exchange, address, port, &error))
    {
      ust_window_show_message (self, error->message);
      return;
    }
  ust_window_show_message (self, NULL);
  /* What the doctor said was about the exchange as it was. */
  ust_window_clear_advice (self);
  ust_settings_set_address (self->settings, address);
  ust_settings_set_port (self->settings, port);
}

void
ust_window_stop (UstWindow *self)
{
  g_return_if_fail (UST_IS_WINDOW (self));

  ust_exchange_stop (self->exchange);
}

static char *
running_status (const char *address,
                gboolean    all,
                guint       port)
{
  g_autofree char *where = NULL;

  if (all)
    /* Translators: %u is the UDP port, e.g. "Running on all addresses, port 5060". */
    return g_strdup_printf (_("Running on all addresses, port %u"), port);
  where = ust_format_host_port (address, port);
  return g_strdup_printf (_("Running on %s"), where);
}

static void
update_running (UstWindow *self)
{
  gboolean running = ust_exchange_get_running (self->exchange);
  GtkWidget *button = GTK_WIDGET (self->start_button);

  if (running)
    {
      const char *bound = ust_exchange_get_address (self->exchange);
      g_autoptr (GInetAddress) bound_inet = g_inet_address_new_from_string (bound);
      gboolean all = bound_inet != NULL && g_inet_address_get_is_any (bound_inet);
      g_autofree char *status = running_status (bound, all, ust_exchange_get_port (self->exchange));

      gtk_label_set_text (self->status_label, status);
      gtk_button_set_label (self->start_button, _("Stop"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.stop");
      gtk_widget_remove_css_class (button, "suggested-action");
      gtk_widget_add_css_class (button, "destructive-action");
    }
  else
    {
      gtk_label_set_text (self->status_label, _("Stopped"));
      gtk_button_set_label (self->start_button, _("Start"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.start");
      gtk_widget_remove_css_class (button, "destructive-action");
      gtk_widget_add_css_class (button, "suggested-action");
    }
  ust_window_setup_update (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_dropdown), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), !running);

  /* Once stopped, an address that went away is no longer a problem, and
   * its entry can go. */
  if (!running && self->address_lost)
    ust_window_refresh_addresses (self);
  ust_window_actions_update (self);
}

/* The application's actions follow this window once it belongs to one. */
static void
application_notify_cb (UstWindow  *self,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  ust_window_actions_update (self);
}

static void
exchange_notify_cb (UstWindow  *self,
                    GParamSpec *pspec,
                    GObject    *exchange)
{
  update_running (self);
}

/* The transport doctor: a phone knocked on a door that is closed. */
static void
advice_cb (UstWindow   *self,
           const char  *host,
           const char  *text,
           UstExchange *exchange)
{
  ust_window_add_advice (self, host, text);
}

/* Transports ticked or unticked in the preferences: the card says they
 * apply at the next start. */
static void
settings_protocols_cb (UstWindow  *self,
                       GParamSpec *pspec,
                       GObject    *settings)
{
  ust_window_setup_update (self);
}

static void
store_error_cb (UstWindow  *self,
                const char *message,
                GObject    *store)
{
  ust_window_show_message (self, message);
}

/* The diary's file takes writes again: the error gives way to a note saying so. */
static void
store_resumed_cb (UstWindow  *self,
                  const char *message,
                  GObject    *store)
{
  ust_window_show_note (self, message);
}

/* Cells that tick ------------------------------------------------------------------ */

static gboolean
tick_cb (gpointer user_data)
{
  UstWindow *self = user_data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->ticking);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ((TickFunc) value) (key);
  return G_SOURCE_CONTINUE;
}

static void
tick_phone_expires (GtkListItem *list_item)
{
  UstPhone *phone = gtk_list_item_get_item (list_item);
  gint64 left;
  g_autofree char *text = NULL;

  if (phone == NULL)
    return;
  left = ust_phone_get_expires_at (phone) - g_get_real_time ();
  text = ust_format_elapsed (left);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
}

static void
tick_call_duration (GtkListItem *list_item)
{
  UstCallRecord *record = gtk_list_item_get_item (list_item);
  const UstCallData *data;
  g_autofree char *text = NULL;

  if (record == NULL)
    return;
  data = ust_call_record_get_data (record);
  text = ust_format_elapsed (g_get_real_time () - data->start_time);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
}

static GtkWidget *
cell_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  return label;
}

static void
ticking_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *label = cell_label_new ();

  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
ticking_notify_cb (GtkListItem *list_item,
                   GParamSpec  *pspec,
                   GObject     *item)
{
  TickFunc tick = g_object_get_data (G_OBJECT (list_item), "ust-tick");

  tick (list_item);
}

static void
ticking_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 UstWindow                *self)
{
  TickFunc tick = g_object_get_data (G_OBJECT (factory), "ust-tick");
  const char *signal = g_object_get_data (G_OBJECT (factory), "ust-tick-signal");

  g_hash_table_insert (self->ticking, list_item, tick);
  tick (list_item);
  /* A row of active calls shows another call when an earlier one ends: its
   * time restarts then, not at the next tick. */
  if (signal != NULL)
    {
      gulong handler = g_signal_connect_object (gtk_list_item_get_item (list_item), signal,
                                                G_CALLBACK (ticking_notify_cb), list_item,
                                                G_CONNECT_SWAPPED);

      g_object_set_data (G_OBJECT (list_item), "ust-tick", tick);
      g_object_set_data (G_OBJECT (list_item), "ust-tick-handler", GSIZE_TO_POINTER (handler));
    }
}

static void
ticking_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   UstWindow                *self)
{
  GObject *item = gtk_list_item_get_item (list_item);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "ust-tick-handler"));

  g_hash_table_remove (self->ticking, list_item);
  if (item != NULL && handler != 0)
    g_signal_handler_disconnect (item, handler);
  g_object_set_data (G_OBJECT (list_item), "ust-tick-handler", NULL);
}

/* @tick writes the cell's text every second, and whenever the row's item
 * emits @signal (a detailed "notify", or NULL for none). */
static GtkListItemFactory *
ticking_factory_new (UstWindow  *self,
                     TickFunc    tick,
                     const char *signal)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data (G_OBJECT (factory), "ust-tick", tick);
  g_object_set_data (G_OBJECT (factory), "ust-tick-signal", (gpointer) signal);
  g_signal_connect (factory, "setup", G_CALLBACK (ticking_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (ticking_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (ticking_unbind_cb), self);
  return factory;
}

/* Cells bound to a property ------------------------------------------------------ */

/* A label showing @expression of the row's item; the expression watches the
 * item, so a record updated in place updates its cells. */
static void
expression_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     GtkExpression            *expression)
{
  GtkWidget *label = cell_label_new ();

  gtk_list_item_set_child (list_item, label);
  gtk_expression_bind (gtk_expression_ref (expression), label, "label", list_item);
}

/* @expression (evaluated on the list item) shows in a label; the factory
 * takes it. */
static GtkListItemFactory *
expression_factory_new (GtkExpression *expression)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data_full (G_OBJECT (factory), "ust-expression", expression,
                          (GDestroyNotify) gtk_expression_unref);
  g_signal_connect (factory, "setup", G_CALLBACK (expression_setup_cb), expression);
  return factory;
}

static GtkExpression *
item_expression (void)
{
  return gtk_property_expression_new (GTK_TYPE_LIST_ITEM, NULL, "item");
}

static GtkListItemFactory *
property_factory_new (GType       type,
                      const char *property)
{
  return expression_factory_new (gtk_property_expression_new (type, item_expression (), property));
}

static char *
state_label_cb (GObject    *this,
                const char *state,
                gpointer    user_data)
{
  return g_strdup (ust_call_state_label (state));
}

static GtkListItemFactory *
state_factory_new (void)
{
  GtkExpression *state = gtk_property_expression_new (UST_TYPE_CALL_RECORD, item_expression (),
                                                       "state");

  return expression_factory_new (gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 1, &state,
                                                              G_CALLBACK (state_label_cb),
                                                              NULL, NULL));
}

/* Live views ---------------------------------------------------------------------- */

static void
phones_changed_cb (UstWindow  *self,
                   guint       position,
                   guint       removed,
                   guint       added,
                   GListModel *phones)
{
  guint n = g_list_model_get_n_items (phones);
  g_autofree char *heading = NULL;

  if (n == 0)
    heading = g_strdup (_("Registered phones"));
  else
    /* Translators: the heading above the list of phones, with how many there are. */
    heading = g_strdup_printf (_("Registered phones (%u)"), n);
  gtk_label_set_text (self->phones_heading, heading);
  gtk_widget_set_visible (GTK_WIDGET (self->phones_empty), n == 0);
}

static void
calls_changed_cb (UstWindow  *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *calls)
{
  guint n = g_list_model_get_n_items (calls);
  g_autofree char *heading = NULL;

  if (n == 0)
    heading = g_strdup (_("Active calls"));
  else
    heading = g_strdup_printf (_("Active calls (%u)"), n);
  gtk_label_set_text (self->calls_heading, heading);
  gtk_widget_set_visible (GTK_WIDGET (self->calls_empty), n == 0);
}

static GtkSorter *
property_sorter_new (GType       type,
                     const char *property)
{
  return GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (type, NULL, property)));
}

/* A phone's details, with where it was before: the list shows it once. */
static void
phones_activate_cb (UstWindow     *self,
                    guint          position,
                    GtkColumnView *view)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
  g_autoptr (UstPhone) phone = g_list_model_get_item (model, position);

  if (phone != NULL)
    gtk_window_present (GTK_WINDOW (ust_phone_details_new (GTK_WINDOW (self), phone)));
}

static void
setup_phones_view (UstWindow *self)
{
  GListModel *phones = ust_exchange_get_phones (self->exchange);
  GtkSorter *sorter = gtk_column_view_get_sorter (self->phones_view);
  struct {
    GtkColumnViewColumn *column;
    const char          *property;
  } text_columns[] = {
    { self->phone_user_column, "user" },
    { self->phone_source_column, "source" },
    { self->phone_contact_column, "contact" },
    { self->phone_agent_column, "user-agent" },
  };
  g_autoptr (GtkListItemFactory) expires = NULL;
  g_autoptr (GtkSorter) expires_sorter = NULL;
  GtkSortListModel *sorted;

  for (guint i = 0; i < G_N_ELEMENTS (text_columns); i++)
    {
      g_autoptr (GtkListItemFactory) factory =
        property_factory_new (UST_TYPE_PHONE, text_columns[i].property);
      g_autoptr (GtkSorter) column_sorter =
        property_sorter_new (UST_TYPE_PHONE, text_columns[i].property);

      gtk_column_view_column_set_factory (text_columns[i].column, factory);
      gtk_column_view_column_set_sorter (text_columns[i].column, column_sorter);
    }
  expires = ticking_factory_new (self, tick_phone_expires, NULL);
  gtk_column_view_column_set_factory (self->phone_expires_column, expires);
  expires_sorter = GTK_SORTER (gtk_numeric_sorter_new (
    gtk_property_expression_new (UST_TYPE_PHONE, NULL, "expires-at")));
  gtk_column_view_column_set_sorter (self->phone_expires_column, expires_sorter);

  /* A few dozen phones at most: sorting them on every batch is cheap. */
  sorted = gtk_sort_list_model_new (g_object_ref (phones), g_object_ref (sorter));
  gtk_column_view_set_model (self->phones_view,
                             GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (sorted))));
  gtk_column_view_sort_by_column (self->phones_view, self->phone_user_column,
                                  GTK_SORT_ASCENDING);

  g_signal_connect_object (phones, "items-changed", G_CALLBACK (phones_changed_cb), self,
                           G_CONNECT_SWAPPED);
  phones_changed_cb (self, 0, 0, 0, phones);
  g_signal_connect_object (self->phones_view, "activate", G_CALLBACK (phones_activate_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
setup_calls_view (UstWindow *self)
{
  GListModel *calls = ust_exchange_get_active_calls (self->exchange);
  g_autoptr (GtkListItemFactory) caller = property_factory_new (UST_TYPE_CALL_RECORD, "caller");
  g_autoptr (GtkListItemFactory) callee = property_factory_new (UST_TYPE_CALL_RECORD, "callee");
  g_autoptr (GtkListItemFactory) state = state_factory_new ();
  g_autoptr (GtkListItemFactory) duration =
    ticking_factory_new (self, tick_call_duration, "notify::start-time");

  gtk_column_view_column_set_factory (self->call_caller_column, caller);
  gtk_column_view_column_set_factory (self->call_callee_column, callee);
  gtk_column_view_column_set_factory (self->call_state_column, state);
  gtk_column_view_column_set_factory (self->call_duration_column, duration);

  /* The exchange's order: a call keeps its row while it is up, and a new
   * call takes the row of one that ended (see ust-exchange.c). */
  gtk_column_view_set_model (self->calls_view,
                             GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (calls))));

  g_signal_connect_object (calls, "items-changed", G_CALLBACK (calls_changed_cb), self,
                           G_CONNECT_SWAPPED);
  calls_changed_cb (self, 0, 0, 0, calls);
}

/* Export --------------------------------------------------------------------------- */

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (UstWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *note = ust_diary_view_export_finish (UST_DIARY_VIEW (source), result, &error);

  self->exports_running--;
  if (note == NULL)
    ust_window_show_message (self, error->message);
  else
    ust_window_show_note (self, note);
  ust_window_actions_update (self);
}

/* Writes the whole diary to @path, oldest call first, on a worker thread;
 * the message line says where it went, or what went wrong. */
void
ust_window_export_to (UstWindow  *self,
                      const char *path,
                      gboolean    excel)
{
  g_return_if_fail (UST_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  self->exports_running++;
  ust_window_actions_update (self);
  ust_diary_view_export_async (self->diary_page, path, excel, export_done_cb,
                               g_object_ref (self));
}

/* Screenshots (for the README and build-aux/screenshot.sh) ----------------------- */

/* Renders the window as it is on screen into a PNG, with the window's own
 * renderer (TECH-NOTES §6). The window must be mapped. */
gboolean
ust_window_save_screenshot (UstWindow   *self,
                            const char  *path,
                            GError     **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_return_val_if_fail (UST_IS_WINDOW (self), FALSE);

  if (!gtk_widget_get_mapped (widget) || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The window is not on screen yet"));
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The window drew nothing"));
      return FALSE;
    }
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the image %s"), path);
      return FALSE;
    }
  return TRUE;
}

/* Closing --------------------------------------------------------------------------- */

static void
close_answer_cb (gboolean accepted,
                 gpointer user_data)
{
  UstWindow *self = user_data;

  self->close_confirm = NULL;
  if (!accepted)
    return;
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

/* Closing the window stops the exchange; with calls going on, it asks
 * first, since stopping ends them. */
static gboolean
ust_window_close_request (GtkWindow *window)
{
  UstWindow *self = UST_WINDOW (window);
  guint n_calls = g_list_model_get_n_items (ust_exchange_get_active_calls (self->exchange));

  if (!self->close_confirmed && ust_exchange_get_running (self->exchange) && n_calls > 0)
    {
      g_autofree char *body = g_strdup_printf (
        ngettext ("%u call is still going on. Closing the window stops the exchange and ends it.",
                  "%u calls are still going on. Closing the window stops the exchange and ends "
                  "them.",
                  n_calls),
        n_calls);

      if (self->close_confirm == NULL)
        self->close_confirm = ust_confirm (window, _("Stop the exchange?"), body,
                                           _("_Stop and Close"), close_answer_cb, self);
      else
        gtk_window_present (self->close_confirm);
      return TRUE;
    }

  ust_exchange_stop (self->exchange);
  return GTK_WINDOW_CLASS (ust_window_parent_class)->close_request (window);
}

/* GObject ----------------------------------------------------------------------------- */

static void
ust_window_constructed (GObject *object)
{
  UstWindow *self = UST_WINDOW (object);
  GtkAdjustment *port = gtk_spin_button_get_adjustment (self->port_spin);

  G_OBJECT_CLASS (ust_window_parent_class)->constructed (object);

  g_assert (self->exchange != NULL && self->settings != NULL);

  g_object_bind_property (self->settings, "port", port, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  setup_phones_view (self);
  setup_calls_view (self);
  /* Clearing the diary is possible once it holds a call. */
  g_signal_connect_object (self->diary_page, "notify::n-calls",
                           G_CALLBACK (ust_window_actions_update), self, G_CONNECT_SWAPPED);
  ust_diary_view_set_settings (self->diary_page, self->settings);
  ust_diary_view_set_store (self->diary_page, ust_exchange_get_store (self->exchange));
  g_signal_connect_object (ust_exchange_get_store (self->exchange), "error",
                           G_CALLBACK (store_error_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ust_exchange_get_store (self->exchange), "resumed",
                           G_CALLBACK (store_resumed_cb), self, G_CONNECT_SWAPPED);
  ust_wire_view_set_exchange (UST_WIRE_VIEW (gtk_widget_get_template_child (
                                GTK_WIDGET (self), UST_TYPE_WINDOW, "wire_view")), self->exchange);

  g_signal_connect_object (self->exchange, "notify::running", G_CALLBACK (exchange_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->exchange, "notify::address", G_CALLBACK (exchange_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->exchange, "notify::port", G_CALLBACK (exchange_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->exchange, "advice", G_CALLBACK (advice_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "notify::tcp", G_CALLBACK (settings_protocols_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "notify::tls", G_CALLBACK (settings_protocols_cb),
                           self, G_CONNECT_SWAPPED);

  self->net_watcher = ust_net_watcher_new ();
  g_signal_connect_object (self->net_watcher, "changed",
                           G_CALLBACK (ust_window_refresh_addresses), self, G_CONNECT_SWAPPED);
  ust_window_refresh_addresses (self);

  update_running (self);
  self->tick_source = g_timeout_add (TICK_MS, tick_cb, self);
}

static void
ust_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  UstWindow *self = UST_WINDOW (object);

  switch (prop_id)
    {
    case PROP_EXCHANGE:
      g_value_set_object (value, self->exchange);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  UstWindow *self = UST_WINDOW (object);

  switch (prop_id)
    {
    case PROP_EXCHANGE:
      self->exchange = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_window_dispose (GObject *object)
{
  UstWindow *self = UST_WINDOW (object);

  /* Stop ticking before the views go: their cells are in the table. */
  g_clear_handle_id (&self->tick_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_WINDOW);
  g_hash_table_remove_all (self->ticking);

  g_clear_object (&self->net_watcher);
  g_clear_object (&self->exchange);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ust_window_parent_class)->dispose (object);
}

static void
ust_window_finalize (GObject *object)
{
  UstWindow *self = UST_WINDOW (object);

  g_hash_table_unref (self->ticking);
  g_ptr_array_unref (self->addresses);
  g_clear_object (&self->address_labels);
  g_free (self->manual_address);

  G_OBJECT_CLASS (ust_window_parent_class)->finalize (object);
}

static void
ust_window_class_init (UstWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = ust_window_constructed;
  object_class->get_property = ust_window_get_property;
  object_class->set_property = ust_window_set_property;
  object_class->dispose = ust_window_dispose;
  object_class->finalize = ust_window_finalize;
  window_class->close_request = ust_window_close_request;

  properties[PROP_EXCHANGE] =
    g_param_spec_object ("exchange", NULL, NULL, UST_TYPE_EXCHANGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, UST_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ustredna/Ustredna/ui/ust-window.ui");
  gtk_widget_class_bind_template_child (widget_class, UstWindow, address_dropdown);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, doctor_revealer);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, doctor_list);
  g_type_ensure (UST_TYPE_DIARY_VIEW);
  g_type_ensure (UST_TYPE_WIRE_VIEW);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, diary_page);
  gtk_widget_class_bind_template_child_full (widget_class, "wire_view", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, server_value);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, port_value);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, transport_value);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, fingerprint_title);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, fingerprint_value);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, fingerprint_copy);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, tls_problem_label);
  gtk_widget_class_bind_template_child_full (widget_class, "password_value", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, example_value);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, setup_hint);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phones_heading);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phones_empty);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phones_view);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phone_user_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phone_source_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phone_contact_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phone_agent_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, phone_expires_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, calls_heading);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, calls_empty);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, calls_view);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, call_caller_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, call_callee_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, call_state_column);
  gtk_widget_class_bind_template_child (widget_class, UstWindow, call_duration_column);
  /* The diary's own parts, named in the template through UstDiaryView's
   * internal children, so that what finds the window's parts by name (the
   * GUI and translation tests) finds these too. The window does not use them. */
  gtk_widget_class_bind_template_child_full (widget_class, "search_entry", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "diary_count", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "excel_check", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "diary_view", FALSE, 0);

  ust_window_class_actions_init (klass);
}

static void
ust_window_init (UstWindow *self)
{
  self->ticking = g_hash_table_new (NULL, NULL);
  self->addresses = g_ptr_array_new_with_free_func (g_free);
  self->address_labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drop_down_set_model (self->address_dropdown, G_LIST_MODEL (self->address_labels));
  g_signal_connect (self, "notify::application", G_CALLBACK (application_notify_cb), NULL);
  g_signal_connect_swapped (self->address_dropdown, "notify::selected",
                            G_CALLBACK (ust_window_actions_update), self);
}

UstWindow *
ust_window_new (GtkApplication *application,
                UstExchange    *exchange,
                UstSettings    *settings)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (UST_IS_EXCHANGE (exchange), NULL);
  g_return_val_if_fail (UST_IS_SETTINGS (settings), NULL);

  return g_object_new (UST_TYPE_WINDOW,
                       "application", application,
                       "exchange", exchange,
                       "settings", settings,
                       NULL);
}

UstExchange *
ust_window_get_exchange (UstWindow *self)
{
  g_return_val_if_fail (UST_IS_WINDOW (self), NULL);

  return self->exchange;
}
