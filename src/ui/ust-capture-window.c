/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-capture-format.h"
#include "ust-capture-window.h"
#include "ust-finding-row.h"
#include "ust-gtk-compat.h"
#include "ust-report.h"

/* The proxy list offers the addresses most messages passed through. */
#define MAX_PROXY_CHOICES 12

struct _UstCaptureWindow
{
  GtkApplicationWindow parent_instance;

  UstCapture          *capture;
  UstCaptureCheck     *check;
  GListStore          *findings;
  GtkSingleSelection  *selection;
  GArray              *endpoints;      /* UstTraceAddress, as the proxy list shows them */
  gboolean             updating;       /* the list is being filled: no re-check */

  GtkLabel            *summary_label;
  GtkLabel            *status_label;
  GtkLabel            *notes_label;
  GtkDropDown         *proxy_dropdown;
  GtkStack            *pages;
  GtkLabel            *findings_label;
  GtkColumnView       *findings_view;
  GtkColumnViewColumn *message_column;
  GtkColumnViewColumn *rule_column;
  GtkColumnViewColumn *section_column;
  GtkColumnViewColumn *explanation_column;
  UstWireView         *wire_view;
  GtkTextView         *media_text;
};

G_DEFINE_FINAL_TYPE (UstCaptureWindow, ust_capture_window, GTK_TYPE_APPLICATION_WINDOW)

/* Cells ------------------------------------------------------------------------------ */

static void
label_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  /* The explanations are sentences: they wrap rather than vanish. */
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_list_item_set_child (item, label);
}

static void
label_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  g_autofree char *value = NULL;

  g_object_get (gtk_list_item_get_item (item), (const char *) user_data, &value, NULL);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), value != NULL ? value : "");
}

static void
column_show (GtkColumnViewColumn *column,
             const char          *property)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (label_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (label_bind_cb), (gpointer) property);
  gtk_column_view_column_set_factory (column, factory);
}

/* Showing the check ------------------------------------------------------------------ */

static void
show_summary (UstCaptureWindow *self)
{
  GPtrArray *notes = ust_capture_get_notes (self->capture);
  const char *path = ust_capture_get_path (self->capture);
  g_autofree char *name = path != NULL ? g_path_get_basename (path) : g_strdup (_("Capture"));
  g_autofree char *summary = NULL;
  g_autofree char *count = NULL;
  guint n = self->check->findings->len;

  gtk_window_set_title (GTK_WINDOW (self), name);
  count = g_strdup_printf (ngettext ("%u SIP message", "%u SIP messages", self->check->n_messages),
                           self->check->n_messages);
  /* Translators: the capture's file name, its link type ("Ethernet"), and
   * "12 SIP messages". */
  summary = g_strdup_printf (_("%s (%s): %s"), name,
                             ust_capture_get_link_type (self->capture) != NULL
                               ? ust_capture_get_link_type (self->capture) : "",
                             count);
  gtk_label_set_text (self->summary_label, summary);

  if (notes->len > 0)
    {
      g_autoptr (GString) text = g_string_new (NULL);

      for (guint i = 0; i < notes->len; i++)
        g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "",
                                (const char *) g_ptr_array_index (notes, i));
      gtk_label_set_text (self->notes_label, text->str);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->notes_label), notes->len > 0);

  if (n == 0)
    gtk_label_set_text (self->findings_label,
                        _("No findings: the proxy kept every rule checked."));
  else
    {
      g_autofree char *heading = g_strdup_printf (ngettext ("%u finding", "%u findings", n), n);

      gtk_label_set_text (self->findings_label, heading);
    }
}

static void
show_media (UstCaptureWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->media_text);
  g_autoptr (GString) text = g_string_new (NULL);

  if (self->check->calls->len == 0)
    g_string_append (text, _("No call in this capture had an SDP offer."));
  else if (!self->check->has_rtp)
    g_string_append_printf (text, "%s\n\n",
                            _("The capture holds no RTP (taken with a SIP-only filter?): the "
                              "audio is not checked."));
  for (guint i = 0; i < self->check->calls->len; i++)
    {
      const UstCallMedia *call = g_ptr_array_index (self->check->calls, i);
      g_autofree char *call_id = g_utf8_make_valid (call->call_id, -1);

      /* Translators: a call: its Call-ID, caller and callee, "answered" or not. */
      g_string_append_printf (text, _("Call %s (%s → %s), %s\n"), call_id,
                              call->caller != NULL ? call->caller : "?",
                              call->callee != NULL ? call->callee : "?",
                              call->answered ? _("answered") : _("not answered"));
      for (guint s = 0; self->check->has_rtp && s < call->streams->len; s++)
        {
          g_autofree char *line = ust_capture_format_stream (g_ptr_array_index (call->streams,
                                                                                s));

          g_string_append_printf (text, "    %s\n", line);
        }
      g_string_append (text, "\n");
    }
  gtk_text_buffer_set_text (buffer, text->str, -1);
}

static void
show_check (UstCaptureWindow *self)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->check->findings->len; i++)
    g_ptr_array_add (rows, ust_finding_row_new (g_ptr_array_index (self->check->findings, i)));
  g_list_store_splice (self->findings, 0, g_list_model_get_n_items (G_LIST_MODEL (self->findings)),
                       rows->pdata, rows->len);
  show_summary (self);
  show_media (self);
  ust_wire_view_set_entries (self->wire_view, ust_capture_get_entries (self->capture));
}

/* The proxy list: the likely candidates, the one checked selected. */
static void
fill_proxies (UstCaptureWindow *self)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);
  UstTraceAddress proxy;
  guint selected = GTK_INVALID_LIST_POSITION;
  gboolean has_proxy = ust_capture_get_proxy (self->capture, &proxy);

  g_clear_pointer (&self->endpoints, g_array_unref);
  self->endpoints = ust_capture_list_endpoints (self->capture, MAX_PROXY_CHOICES);
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      const UstTraceAddress *address = &g_array_index (self->endpoints, UstTraceAddress, i);
      g_autofree char *text = ust_trace_address_to_string (address);

      gtk_string_list_append (list, text);
      if (has_proxy && ust_trace_address_equal (address, &proxy))
        selected = i;
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->proxy_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->proxy_dropdown, selected);
  self->updating = FALSE;
}

static void
proxy_selected_cb (UstCaptureWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->proxy_dropdown);

  if (self->updating || self->endpoints == NULL || selected >= self->endpoints->len)
    return;
  ust_capture_window_set_proxy (self, &g_array_index (self->endpoints, UstTraceAddress,
                                                      selected));
}

static void
finding_activated_cb (UstCaptureWindow *self,
                      guint             position)
{
  ust_capture_window_show_finding (self, position);
}

/* The report bundle -------------------------------------------------------------------- */

static void
show_status (UstCaptureWindow *self,
             const char       *text)
{
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && text[0] != '\0');
}

/* The call of the message selected on the messages page, or NULL (the
 * whole capture) on any other page. */
static const char *
report_call (UstCaptureWindow *self)
{
  UstTraceEntry *selected = ust_wire_view_get_selected (self->wire_view);
  const char *call_id;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "messages") != 0
      || selected == NULL)
    return NULL;
  call_id = ust_trace_entry_get_call_id (selected);
  return call_id[0] != '\0' ? call_id : NULL;
}

/* Writes the bundle into @path and says where, or why not. */
gboolean
ust_capture_window_export_report (UstCaptureWindow  *self,
                                  const char        *path,
                                  GError           **error)
{
  UstReportSource source = { 0 };
  g_autofree char *index = NULL;
  g_autofree char *note = NULL;

  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  source.capture = self->capture;
  source.check = self->check;
  source.call_id = report_call (self);
  if (!ust_report_write (path, &source, error))
    {
      show_status (self, (*error)->message);
      return FALSE;
    }
  index = g_build_filename (path, "index.html", NULL);
  /* Translators: %s is the report's index.html. */
  note = g_strdup_printf (_("Report written: %s"), index);
  show_status (self, note);
  return TRUE;
}

static void
report_folder_cb (GFile    *folder,
                  gpointer  user_data)
{
  g_autoptr (UstCaptureWindow) self = user_data;
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;
  g_autoptr (GError) error = NULL;

  if (path != NULL)
    ust_capture_window_export_report (self, path, &error);
}

/* win.export-report: a folder, then the bundle in it. */
static void
export_report_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ust_gtk_compat_choose_folder (GTK_WINDOW (widget), _("Export for Report"), report_folder_cb,
                                g_object_ref (widget));
}

/* win.export-report-to(s), for scripts and tests. */
static void
export_report_to_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  g_autoptr (GError) error = NULL;

  ust_capture_window_export_report (UST_CAPTURE_WINDOW (widget),
                                    g_variant_get_string (parameter, NULL), &error);
}

/* GObject ------------------------------------------------------------------------------- */

static void
ust_capture_window_dispose (GObject *object)
{
  UstCaptureWindow *self = UST_CAPTURE_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_CAPTURE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->findings);
  g_clear_object (&self->capture);
  g_clear_pointer (&self->check, ust_capture_check_free);
  g_clear_pointer (&self->endpoints, g_array_unref);
  G_OBJECT_CLASS (ust_capture_window_parent_class)->dispose (object);
}

static void
ust_capture_window_class_init (UstCaptureWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ust_capture_window_dispose;

  g_type_ensure (UST_TYPE_WIRE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ustredna/Ustredna/ui/"
                                               "ust-capture-window.ui");
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, notes_label);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, proxy_dropdown);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, findings_label);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, findings_view);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, message_column);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, rule_column);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, section_column);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, explanation_column);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, wire_view);
  gtk_widget_class_bind_template_child (widget_class, UstCaptureWindow, media_text);
  gtk_widget_class_bind_template_callback (widget_class, finding_activated_cb);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL, export_report_action);
  gtk_widget_class_install_action (widget_class, "win.export-report-to", "s",
                                   export_report_to_action);
}

static void
ust_capture_window_init (UstCaptureWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->findings = g_list_store_new (UST_TYPE_FINDING_ROW);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->findings)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_column_view_set_model (self->findings_view, GTK_SELECTION_MODEL (self->selection));
  column_show (self->message_column, "message");
  column_show (self->rule_column, "rule");
  column_show (self->section_column, "section");
  column_show (self->explanation_column, "explanation");
  g_signal_connect_object (self->proxy_dropdown, "notify::selected",
                           G_CALLBACK (proxy_selected_cb), self, G_CONNECT_SWAPPED);
}

/* Takes @check. */
UstCaptureWindow *
ust_capture_window_new (GtkApplication  *application,
                        UstCapture      *capture,
                        UstCaptureCheck *check)
{
  UstCaptureWindow *self;

  g_return_val_if_fail (UST_IS_CAPTURE (capture), NULL);
  g_return_val_if_fail (check != NULL, NULL);

  self = g_object_new (UST_TYPE_CAPTURE_WINDOW, "application", application, NULL);
  self->capture = g_object_ref (capture);
  self->check = check;
  fill_proxies (self);
  show_check (self);
  /* The findings first: they are what the person came for. */
  gtk_stack_set_visible_child_name (self->pages, "findings");
  return self;
}

/* Opening, off the window's thread ------------------------------------------------------ */

typedef struct {
  UstCapture      *capture;
  UstCaptureCheck *check;
} Opened;

static void
opened_free (Opened *opened)
{
  g_clear_object (&opened->capture);
  g_clear_pointer (&opened->check, ust_capture_check_free);
  g_free (opened);
}

/* Reading and checking 100,000 messages takes about a second: not on the
 * thread that draws the windows. */
static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  Opened *opened = g_new0 (Opened, 1);

  opened->capture = ust_capture_open (task_data, &error);
  if (opened->capture == NULL)
    {
      opened_free (opened);
      g_task_return_error (task, error);
      return;
    }
  opened->check = ust_capture_check (opened->capture);
  g_task_return_pointer (task, opened, (GDestroyNotify) opened_free);
}

/* Opens @path in a new window; _finish() gives it, shown, or the reason it
 * is no capture. */
void
ust_capture_window_open_async (GtkApplication      *application,
                               const char          *path,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (GTK_IS_APPLICATION (application));
  g_return_if_fail (path != NULL);

  task = g_task_new (application, cancellable, callback, user_data);
  g_task_set_source_tag (task, ust_capture_window_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

UstCaptureWindow *
ust_capture_window_open_finish (GAsyncResult  *result,
                                GError       **error)
{
  Opened *opened;
  UstCaptureWindow *self;

  g_return_val_if_fail (G_IS_TASK (result), NULL);

  opened = g_task_propagate_pointer (G_TASK (result), error);
  if (opened == NULL)
    return NULL;
  self = ust_capture_window_new (GTK_APPLICATION (g_task_get_source_object (G_TASK (result))),
                                 opened->capture, g_steal_pointer (&opened->check));
  opened_free (opened);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

/* Public -------------------------------------------------------------------------------- */

UstCapture *
ust_capture_window_get_capture (UstCaptureWindow *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), NULL);
  return self->capture;
}

UstCaptureCheck *
ust_capture_window_get_check (UstCaptureWindow *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), NULL);
  return self->check;
}

/* UstFindingRow items, as the list shows them. */
GListModel *
ust_capture_window_get_findings (UstCaptureWindow *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), NULL);
  return G_LIST_MODEL (self->findings);
}

UstWireView *
ust_capture_window_get_wire_view (UstCaptureWindow *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), NULL);
  return self->wire_view;
}

/* "findings", "messages" or "media". */
const char *
ust_capture_window_get_page (UstCaptureWindow *self)
{
  g_return_val_if_fail (UST_IS_CAPTURE_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->pages);
}

/* The message of finding @position, in the messages page: its ladder with
 * the arrow picked out, its text and what the proxy changed in it. */
void
ust_capture_window_show_finding (UstCaptureWindow *self,
                                 guint             position)
{
  g_autoptr (UstFindingRow) row = NULL;
  const UstFinding *finding;

  g_return_if_fail (UST_IS_CAPTURE_WINDOW (self));

  row = g_list_model_get_item (G_LIST_MODEL (self->findings), position);
  if (row == NULL)
    return;
  finding = ust_finding_row_get_finding (row);
  if (finding->entry == NULL)
    return;
  gtk_stack_set_visible_child_name (self->pages, "messages");
  ust_wire_view_select_entry (self->wire_view, finding->entry);
}

/* Checks the capture again with @proxy as the proxy. */
void
ust_capture_window_set_proxy (UstCaptureWindow      *self,
                              const UstTraceAddress *proxy)
{
  UstTraceAddress current;

  g_return_if_fail (UST_IS_CAPTURE_WINDOW (self));
  g_return_if_fail (proxy != NULL);

  if (ust_capture_get_proxy (self->capture, &current) && ust_trace_address_equal (&current, proxy))
    return;
  ust_capture_set_proxy (self->capture, proxy);
  g_clear_pointer (&self->check, ust_capture_check_free);
  self->check = ust_capture_check (self->capture);
  fill_proxies (self);
  show_check (self);
}
