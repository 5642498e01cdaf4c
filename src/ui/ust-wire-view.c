/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-wire-view"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-change-note.h"
#include "ust-gtk-compat.h"
#include "ust-ladder-drawing.h"
#include "ust-message-diff.h"
#include "ust-pcap.h"
#include "ust-report.h"
#include "ust-wire-row.h"
#include "ust-wire-view.h"

/* How often the list asks the trace for what is new: one batch per tick,
 * never a call per datagram. */
#define POLL_MS 250
/* In a flood (more new messages per poll than a person can read), the list
 * moves on once a second: each poll moves most rows on screen, and the list
 * view builds a widget for each. */
#define FLOOD_ROWS 1000
#define FLOOD_POLL_MS 1000
/* The list keeps the newest this many messages (the trace keeps more). */
#define MAX_ROWS 5000

/* The view --------------------------------------------------------------------------- */

struct _UstWireView
{
  GtkWidget           parent_instance;

  UstExchange        *exchange;
  gboolean            capture;    /* a capture's messages (a proxy's), not the exchange's trace */
  GListStore         *store;
  GtkFilterListModel *filter_model;
  GtkCustomFilter    *filter;
  GtkSingleSelection *selection;
  char               *search;     /* casefolded, NULL for none */
  guint64             last_seq;
  guint               poll_source;
  GSimpleAction      *export_action;
  GSimpleAction      *show_action;
  GtkApplication     *export_app;

  UstTraceEntry      *selected;
  UstLadder          *ladder;

  GtkWidget          *box;
  GtkSearchEntry     *search_entry;
  GtkToggleButton    *pause_button;
  GtkLabel           *count_label;
  GtkColumnView      *trace_view;
  GtkColumnViewColumn *time_column;
  GtkColumnViewColumn *from_column;
  GtkColumnViewColumn *to_column;
  GtkColumnViewColumn *transport_column;
  GtkColumnViewColumn *summary_column;
  GtkColumnViewColumn *call_id_column;
  GtkTextView        *message_text;
  GtkNotebook        *detail_notebook;
  GtkLabel           *ladder_label;
  GtkDrawingArea     *ladder_area;
  GtkLabel           *diff_label;
  GtkLabel           *diff_tab_label;
  GtkTextView        *received_text;
  GtkTextView        *sent_text;
};

G_DEFINE_FINAL_TYPE (UstWireView, ust_wire_view, GTK_TYPE_WIDGET)

/* The ladder, drawn ---------------------------------------------------------------- */

static void
ladder_draw_cb (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  UstWireView *self = user_data;

  ust_ladder_drawing_draw (cr, self->ladder, self->selected);
}

/* Showing a message -------------------------------------------------------------------- */

/* Every entry the list holds, oldest first (borrowed from the rows). */
static GPtrArray *
store_entries (UstWireView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  GPtrArray *entries = g_ptr_array_new_full (n, (GDestroyNotify) ust_trace_entry_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (UstWireRow) row = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      g_ptr_array_add (entries, ust_trace_entry_ref (ust_wire_row_get_entry (row)));
    }
  return entries;
}

static void
text_view_set (GtkTextView *view,
               const char  *text,
               gssize       len)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, len);
}

static void
append_line (GtkTextView *view,
             const char  *text,
             const char  *tag)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  if (tag != NULL)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, text != NULL ? text : "", -1, tag,
                                              NULL);
  else
    gtk_text_buffer_insert (buffer, &end, text != NULL ? text : "", -1);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
}

static void
show_diff (UstWireView   *self,
           GPtrArray     *entries,
           UstTraceEntry *entry)
{
  UstTraceEntry *pair = entry != NULL ? ust_message_diff_find_pair (entries, entry) : NULL;
  UstTraceEntry *received, *sent;
  g_autoptr (GPtrArray) lines = NULL;
  const char *rdata, *sdata;
  gsize rlen, slen;

  text_view_set (self->received_text, "", 0);
  text_view_set (self->sent_text, "", 0);
  if (pair == NULL)
    {
      gtk_label_set_text (self->diff_label,
                          entry == NULL ? ""
                          : _("The exchange made this message itself, or the other half of it "
                              "is no longer in the list."));
      return;
    }
  gtk_label_set_text (self->diff_label,
                      self->capture ? _("Left: as received. Right: as the proxy sent it. Under "
                                        "each change, the rule behind it.")
                                    : _("Left: as received. Right: as the exchange sent it. "
                                        "Under each change, the rule behind it."));
  received = ust_trace_entry_get_direction (entry) == UST_TRACE_RECEIVED ? entry : pair;
  sent = received == entry ? pair : entry;
  rdata = ust_trace_entry_get_data (received, &rlen);
  sdata = ust_trace_entry_get_data (sent, &slen);
  lines = ust_message_diff_lines (rdata, (gssize) rlen, sdata, (gssize) slen);
  for (guint i = 0; i < lines->len; i++)
    {
      const UstMessageDiffLine *line = g_ptr_array_index (lines, i);
      const char *tag = line->kind == UST_MESSAGE_DIFF_CHANGED ? "changed"
                        : line->kind == UST_MESSAGE_DIFF_ADDED ? "added"
                        : line->kind == UST_MESSAGE_DIFF_REMOVED ? "removed" : NULL;
      /* The teaching note goes under the change on the sent side, with an
       * empty line on the other so both sides stay level. */
      const char *note = ust_change_note (line, ust_trace_entry_get_kind (received)
                                                  == UST_TRACE_KIND_REQUEST,
                                          self->capture ? UST_CHANGE_BY_PROXY
                                                        : UST_CHANGE_BY_EXCHANGE);

      append_line (self->received_text, line->received,
                   line->kind == UST_MESSAGE_DIFF_ADDED ? NULL : tag);
      append_line (self->sent_text, line->sent,
                   line->kind == UST_MESSAGE_DIFF_REMOVED ? NULL : tag);
      if (note != NULL)
        {
          g_autofree char *shown = g_strdup_printf ("    ↳ %s", note);

          append_line (self->received_text, "", "note");
          append_line (self->sent_text, shown, "note");
        }
    }
}

static void
update_ladder_size (UstWireView *self)
{
  int width, height;

  ust_ladder_drawing_get_size (self->ladder, &width, &height);
  gtk_drawing_area_set_content_width (self->ladder_area, width);
  gtk_drawing_area_set_content_height (self->ladder_area, height);
  gtk_widget_queue_draw (GTK_WIDGET (self->ladder_area));
}

static void
show_entry (UstWireView   *self,
            UstTraceEntry *entry)
{
  g_autoptr (GPtrArray) entries = store_entries (self);
  const char *call_id;

  if (entry != NULL)
    ust_trace_entry_ref (entry);
  g_clear_pointer (&self->selected, ust_trace_entry_unref);
  self->selected = entry;

  if (entry == NULL)
    {
      text_view_set (self->message_text, "", 0);
      g_clear_pointer (&self->ladder, ust_ladder_unref);
      gtk_label_set_text (self->ladder_label, _("Select a message to see the ladder of its call."));
      show_diff (self, entries, NULL);
      update_ladder_size (self);
      return;
    }

  {
    gsize len;
    const char *data = ust_trace_entry_get_data (entry, &len);
    g_autofree char *valid = g_utf8_make_valid (data, (gssize) len);

    text_view_set (self->message_text, valid, -1);
  }

  call_id = ust_trace_entry_get_call_id (entry);
  g_clear_pointer (&self->ladder, ust_ladder_unref);
  if (call_id != NULL && call_id[0] != '\0')
    {
      g_autofree char *label = NULL;
      g_autofree char *shown = g_utf8_make_valid (call_id, -1);

      self->ladder = ust_ladder_new_for_call (entries, call_id);
      if (self->capture)
        ust_ladder_set_exchange_name (self->ladder, _("Proxy"));
      /* Translators: the heading of the ladder diagram; %s is a Call-ID. */
      label = g_strdup_printf (_("Call %s"), shown);
      gtk_label_set_text (self->ladder_label, label);
    }
  else
    gtk_label_set_text (self->ladder_label, _("This message belongs to no call."));
  show_diff (self, entries, entry);
  update_ladder_size (self);
}

static void
selection_changed_cb (UstWireView *self)
{
  UstWireRow *row = gtk_single_selection_get_selected_item (self->selection);

  if (row != NULL && ust_wire_row_get_entry (row) != self->selected)
    show_entry (self, ust_wire_row_get_entry (row));
}

/* Selects @entry in the list if it shows there, and shows it in any case. */
static void
select_entry (UstWireView   *self,
              UstTraceEntry *entry)
{
  GListModel *model = G_LIST_MODEL (self->filter_model);
  guint n = g_list_model_get_n_items (model);

  show_entry (self, entry);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (UstWireRow) row = g_list_model_get_item (model, i);

      if (ust_wire_row_get_entry (row) == entry)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

static void
ladder_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   UstWireView     *self)
{
  int index = ust_ladder_drawing_arrow_at (self->ladder, y);

  if (index >= 0)
    {
      UstTraceEntry *entry = ust_ladder_get_arrow (self->ladder, (guint) index)->entry;

      select_entry (self, entry);
    }
}

/* The list ---------------------------------------------------------------------------- */

static void
update_count (UstWireView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  guint all = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *text = NULL;

  if (shown == all)
    text = g_strdup_printf (ngettext ("%u message", "%u messages", all), all);
  else
    /* Translators: shown after a search, e.g. "12 of 340 messages". */
    text = g_strdup_printf (ngettext ("%u of %u message", "%u of %u messages", all), shown, all);
  gtk_label_set_text (self->count_label, text);
}

void
ust_wire_view_refresh (UstWireView *self)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  guint n_store, n_drop;
  UstTrace *trace;

  g_return_if_fail (UST_IS_WIRE_VIEW (self));
  if (self->exchange == NULL)
    return;
  trace = ust_exchange_get_trace (self->exchange);
  if (trace == NULL)
    return;
  /* The trace was cleared, or restarted: start over. */
  if (ust_trace_get_last_seq (trace) < self->last_seq)
    {
      self->last_seq = 0;
      g_list_store_remove_all (self->store);
    }
  entries = ust_trace_get_since (trace, self->last_seq);
  if (entries == NULL || entries->len == 0)
    return;

  rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = entries->len > MAX_ROWS ? entries->len - MAX_ROWS : 0; i < entries->len; i++)
    g_ptr_array_add (rows, ust_wire_row_new (g_ptr_array_index (entries, i)));
  self->last_seq = ust_trace_entry_get_seq (g_ptr_array_index (entries, entries->len - 1));

  n_store = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  n_drop = n_store + rows->len > MAX_ROWS ? n_store + rows->len - MAX_ROWS : 0;
  g_list_store_splice (self->store, 0, n_drop, NULL, 0);
  g_list_store_splice (self->store, n_store - n_drop, 0, rows->pdata, rows->len);
  update_count (self);
}

static gboolean
poll_cb (gpointer user_data)
{
  UstWireView *self = user_data;
  guint64 before = self->last_seq;

  if (!gtk_toggle_button_get_active (self->pause_button))
    ust_wire_view_refresh (self);
  self->poll_source = g_timeout_add (self->last_seq > before + FLOOD_ROWS ? FLOOD_POLL_MS : POLL_MS,
                                     poll_cb, self);
  return G_SOURCE_REMOVE;
}

/* The list follows the trace only while it is on screen: at 1,000 calls/s
 * the exchange records 13,000 messages a second, and making rows for a
 * hidden tab would cost the window most of its time. The ring keeps them;
 * showing the tab reads the newest at once. */
static void
update_polling (UstWireView *self)
{
  gboolean poll = self->exchange != NULL && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (poll == (self->poll_source != 0))
    return;
  if (poll)
    {
      ust_wire_view_refresh (self);
      self->poll_source = g_timeout_add (POLL_MS, poll_cb, self);
    }
  else
    {
      g_clear_handle_id (&self->poll_source, g_source_remove);
    }
}

static void
ust_wire_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ust_wire_view_parent_class)->map (widget);
  update_polling (UST_WIRE_VIEW (widget));
}

static void
ust_wire_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ust_wire_view_parent_class)->unmap (widget);
  update_polling (UST_WIRE_VIEW (widget));
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  UstWireView *self = user_data;

  if (self->search == NULL)
    return TRUE;
  return ust_wire_row_matches (item, self->search);
}

static void
search_changed_cb (UstWireView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_clear_pointer (&self->search, g_free);
  if (text != NULL && text[0] != '\0')
    self->search = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

static void
pause_toggled_cb (UstWireView *self)
{
  if (!gtk_toggle_button_get_active (self->pause_button))
    ust_wire_view_refresh (self);
}

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
label_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  const char *property = user_data;
  g_autofree char *value = NULL;

  g_object_get (gtk_list_item_get_item (item), property, &value, NULL);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), value != NULL ? value : "");
}

static void
column_set_property (GtkColumnViewColumn *column,
                     const char          *property)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (label_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (label_bind_cb), (gpointer) property);
  gtk_column_view_column_set_factory (column, factory);
}

/* Exporting ----------------------------------------------------------------------------- */

gboolean
ust_wire_view_export_ladder (UstWireView  *self,
                             const char   *path,
                             GError      **error)
{
  g_return_val_if_fail (UST_IS_WIRE_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_str_has_suffix (path, ".pcap"))
    {
      /* The selected call's messages, or everything when none is selected:
       * a capture Wireshark opens, with no capture driver needed. */
      g_autoptr (GPtrArray) entries = store_entries (self);
      g_autoptr (GPtrArray) call = NULL;

      if (self->ladder != NULL)
        call = ust_trace_filter_call (entries, ust_ladder_get_call_id (self->ladder));
      return ust_pcap_write_entries (path, call != NULL ? call : entries, error);
    }

  if (self->ladder == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Select a message of a call first."));
      return FALSE;
    }

  if (!g_str_has_suffix (path, ".png") && !g_str_has_suffix (path, ".svg"))
    {
      g_autofree char *text = ust_ladder_to_text (self->ladder);

      return g_file_set_contents (path, text, -1, error);
    }

  return ust_ladder_drawing_save (self->ladder, path, error);
}

static void
export_chosen_cb (GFile    *file,
                  gpointer  user_data)
{
  g_autoptr (UstWireView) self = user_data;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    return;
  if (!ust_wire_view_export_ladder (self, path, &error))
    gtk_label_set_text (self->ladder_label, error->message);
}

static void
export_with_dialog (UstWireView *self,
                    const char  *extension)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean capture = g_str_equal (extension, "pcap");
  g_autofree char *name = g_strdup_printf ("%s.%s", capture ? "capture" : "ladder", extension);

  /* A capture without a selected call holds every message in the list. */
  if (self->ladder == NULL && !capture)
    {
      gtk_label_set_text (self->ladder_label, _("Select a message of a call first."));
      return;
    }
  ust_gtk_compat_save_file (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                            capture ? _("Save the Capture") : _("Export the Ladder"), name,
                            export_chosen_cb, g_object_ref (self));
}

static void
export_png_clicked_cb (UstWireView *self)
{
  export_with_dialog (self, "png");
}

static void
export_svg_clicked_cb (UstWireView *self)
{
  export_with_dialog (self, "svg");
}

static void
export_text_clicked_cb (UstWireView *self)
{
  export_with_dialog (self, "txt");
}

static void
export_pcap_clicked_cb (UstWireView *self)
{
  export_with_dialog (self, "pcap");
}

/* app.export-ladder-to(s), for scripts and tests. */
static void
export_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  UstWireView *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ust_wire_view_export_ladder (self, g_variant_get_string (parameter, NULL), &error))
    g_printerr ("%s\n", error->message);
}

/* The report bundle of the selected message's call (src/report/): the
 * exchange's own trace, with its diary rows; a capture's, with nothing
 * more (its window exports findings too). */
gboolean
ust_wire_view_export_report (UstWireView  *self,
                             const char   *path,
                             GError      **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (UstCapture) capture = NULL;
  g_autofree char *diary = NULL;
  UstReportSource source = { 0 };

  g_return_val_if_fail (UST_IS_WIRE_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->ladder == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Select a message of a call first."));
      return FALSE;
    }
  entries = store_entries (self);
  capture = ust_capture_new_for_entries (entries, NULL);
  source.capture = capture;
  source.call_id = ust_ladder_get_call_id (self->ladder);
  source.own_exchange = !self->capture;
  if (self->exchange != NULL && ust_exchange_get_data_dir (self->exchange) != NULL)
    diary = g_build_filename (ust_exchange_get_data_dir (self->exchange), "calls.db", NULL);
  source.diary_db = diary;
  return ust_report_write (path, &source, error);
}

static void
report_folder_cb (GFile    *folder,
                  gpointer  user_data)
{
  g_autoptr (UstWireView) self = user_data;
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    return;
  if (!ust_wire_view_export_report (self, path, &error))
    gtk_label_set_text (self->ladder_label, error->message);
  else
    {
      g_autofree char *index = g_build_filename (path, "index.html", NULL);
      g_autofree char *note = g_strdup_printf (_("Report written: %s"), index);

      gtk_label_set_text (self->ladder_label, note);
    }
}

static void
export_report_clicked_cb (UstWireView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->ladder == NULL)
    {
      gtk_label_set_text (self->ladder_label, _("Select a message of a call first."));
      return;
    }
  ust_gtk_compat_choose_folder (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                _("Export for Report"), report_folder_cb, g_object_ref (self));
}

static void install_action (UstWireView *self);

/* Public ----------------------------------------------------------------------------------- */

void
ust_wire_view_set_exchange (UstWireView *self,
                            UstExchange *exchange)
{
  g_return_if_fail (UST_IS_WIRE_VIEW (self));

  install_action (self);
  if (!g_set_object (&self->exchange, exchange))
    return;
  self->last_seq = 0;
  g_list_store_remove_all (self->store);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  update_polling (self);
}

/* Shows @entries (UstTraceEntry*, a capture's messages with the proxy's
 * as "sent") instead of the exchange's trace: all of them, no polling, and
 * the diff's notes speak of "the proxy". */
void
ust_wire_view_set_entries (UstWireView *self,
                           GPtrArray   *entries)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (UST_IS_WIRE_VIEW (self));
  g_return_if_fail (entries != NULL);

  g_clear_handle_id (&self->poll_source, g_source_remove);
  g_clear_object (&self->exchange);
  self->capture = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), FALSE);
  gtk_label_set_text (self->diff_tab_label, _("What the Proxy Changed"));
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (rows, ust_wire_row_new (g_ptr_array_index (entries, i)));
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       rows->pdata, rows->len);
  update_count (self);
  show_entry (self, NULL);
}

/* Shows @entry in its call's ladder (the arrow picked out), with its text
 * and what the proxy changed in it a tab away, and selects its row when
 * the search shows it. */
void
ust_wire_view_select_entry (UstWireView   *self,
                            UstTraceEntry *entry)
{
  g_return_if_fail (UST_IS_WIRE_VIEW (self));
  g_return_if_fail (entry != NULL);

  select_entry (self, entry);
  gtk_notebook_set_current_page (self->detail_notebook, 1);   /* the ladder */
}

GListModel *
ust_wire_view_get_model (UstWireView *self)
{
  g_return_val_if_fail (UST_IS_WIRE_VIEW (self), NULL);
  return G_LIST_MODEL (self->selection);
}

void
ust_wire_view_select (UstWireView *self,
                      guint        position)
{
  g_return_if_fail (UST_IS_WIRE_VIEW (self));
  gtk_single_selection_set_selected (self->selection, position);
  selection_changed_cb (self);
}

UstTraceEntry *
ust_wire_view_get_selected (UstWireView *self)
{
  g_return_val_if_fail (UST_IS_WIRE_VIEW (self), NULL);
  return self->selected;
}

/* GtkWidget ---------------------------------------------------------------------------------- */

/* The detail notebook's pages, as in ust-wire-view.ui. */
#define LADDER_PAGE 1

/* app.show-on-wire TEXT: the Wire tab, searched for TEXT, its first match
 * selected so the ladder of its call shows. For scripts that show the
 * window at work (build-aux/screenshot.sh) and for tests. */
static void
show_on_wire_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 UstWireView   *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), g_variant_get_string (parameter, NULL));
  /* Now, not after the entry's typing delay. */
  search_changed_cb (self);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-page", "s", "wire");
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    ust_wire_view_select (self, 0);
  gtk_notebook_set_current_page (self->detail_notebook, LADDER_PAGE);
}

/* app.export-ladder-to and app.show-on-wire, once the window knows its
 * application. */
static void
install_action (UstWireView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                             : NULL;

  if (app != NULL && self->export_app == NULL
      && g_action_map_lookup_action (G_ACTION_MAP (app), "export-ladder-to") == NULL)
    {
      self->export_action = g_simple_action_new ("export-ladder-to", G_VARIANT_TYPE_STRING);
      g_signal_connect_object (self->export_action, "activate", G_CALLBACK (export_action_cb),
                               self, 0);
      g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (self->export_action));
      self->show_action = g_simple_action_new ("show-on-wire", G_VARIANT_TYPE_STRING);
      g_signal_connect_object (self->show_action, "activate", G_CALLBACK (show_on_wire_cb),
                               self, 0);
      g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (self->show_action));
      g_set_weak_pointer (&self->export_app, app);
    }
}

static void
ust_wire_view_root (GtkWidget *widget)
{
  GtkRoot *root;

  GTK_WIDGET_CLASS (ust_wire_view_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  /* A window is often given its application only after it was built. */
  if (GTK_IS_WINDOW (root))
    g_signal_connect_object (root, "notify::application", G_CALLBACK (install_action), widget,
                             G_CONNECT_SWAPPED);
  install_action (UST_WIRE_VIEW (widget));
}

static void
ust_wire_view_unroot (GtkWidget *widget)
{
  UstWireView *self = UST_WIRE_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root != NULL)
    g_signal_handlers_disconnect_by_func (root, install_action, self);
  if (self->export_app != NULL)
    {
      g_action_map_remove_action (G_ACTION_MAP (self->export_app), "export-ladder-to");
      g_action_map_remove_action (G_ACTION_MAP (self->export_app), "show-on-wire");
    }
  g_clear_weak_pointer (&self->export_app);
  g_clear_object (&self->export_action);
  g_clear_object (&self->show_action);
  GTK_WIDGET_CLASS (ust_wire_view_parent_class)->unroot (widget);
}

static void
ust_wire_view_dispose (GObject *object)
{
  UstWireView *self = UST_WIRE_VIEW (object);

  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (self->export_app != NULL)
    {
      g_action_map_remove_action (G_ACTION_MAP (self->export_app), "export-ladder-to");
      g_action_map_remove_action (G_ACTION_MAP (self->export_app), "show-on-wire");
    }
  g_clear_weak_pointer (&self->export_app);
  g_clear_object (&self->export_action);
  g_clear_object (&self->show_action);
  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_WIRE_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->exchange);
  g_clear_pointer (&self->selected, ust_trace_entry_unref);
  g_clear_pointer (&self->ladder, ust_ladder_unref);
  G_OBJECT_CLASS (ust_wire_view_parent_class)->dispose (object);
}

static void
ust_wire_view_finalize (GObject *object)
{
  UstWireView *self = UST_WIRE_VIEW (object);

  g_free (self->search);
  G_OBJECT_CLASS (ust_wire_view_parent_class)->finalize (object);
}

static void
ust_wire_view_class_init (UstWireViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ust_wire_view_dispose;
  object_class->finalize = ust_wire_view_finalize;
  widget_class->root = ust_wire_view_root;
  widget_class->unroot = ust_wire_view_unroot;
  widget_class->map = ust_wire_view_map;
  widget_class->unmap = ust_wire_view_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ustredna/Ustredna/ui/ust-wire-view.ui");
  gtk_widget_class_bind_template_child (widget_class, UstWireView, box);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, detail_notebook);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, count_label);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, trace_view);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, time_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, from_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, to_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, transport_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, summary_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, call_id_column);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, message_text);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, ladder_label);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, ladder_area);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, diff_label);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, diff_tab_label);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, received_text);
  gtk_widget_class_bind_template_child (widget_class, UstWireView, sent_text);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_png_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_pcap_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_svg_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_text_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_report_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
add_diff_tags (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);

  gtk_text_buffer_create_tag (buffer, "changed", "background", "#fce8b2", NULL);
  gtk_text_buffer_create_tag (buffer, "added", "background", "#c8f0c8", NULL);
  gtk_text_buffer_create_tag (buffer, "removed", "background", "#f6c6c6", NULL);
  gtk_text_buffer_create_tag (buffer, "note", "style", PANGO_STYLE_ITALIC, "foreground",
                              "#3a5f8a", NULL);
}

static void
ust_wire_view_init (UstWireView *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = g_list_store_new (UST_TYPE_WIRE_ROW);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filter_model = gtk_filter_list_model_new (G_LIST_MODEL (self->store),
                                                  GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filter_model));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->trace_view, GTK_SELECTION_MODEL (self->selection));

  column_set_property (self->time_column, "time");
  column_set_property (self->from_column, "from");
  column_set_property (self->to_column, "to");
  column_set_property (self->transport_column, "transport");
  column_set_property (self->summary_column, "summary");
  column_set_property (self->call_id_column, "call-id");

  gtk_drawing_area_set_draw_func (self->ladder_area, ladder_draw_cb, self, NULL);
  click = gtk_gesture_click_new ();
  g_signal_connect_object (click, "pressed", G_CALLBACK (ladder_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->ladder_area), GTK_EVENT_CONTROLLER (click));

  add_diff_tags (self->received_text);
  add_diff_tags (self->sent_text);
  show_entry (self, NULL);
  update_count (self);
}
