/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-diary-view"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ust-call-columns.h"
#include "ust-call-details.h"
#include "ust-call-model.h"
#include "ust-diary-view.h"
#include "ust-ui-format.h"

/* Sorting by a column reads every row of the diary, and the diary model is
 * lazy (it reads pages from SQLite as they scroll into view); above this
 * many calls the diary stays in its own order, newest first. */
#define DIARY_SORT_LIMIT 5000
/* How often the diary follows the store: a new call shows within about a
 * second on the Call Diary tab; behind another tab the diary is not seen,
 * and refreshes that nobody sees are what a flood of calls costs most. */
#define DIARY_REFRESH_MS 500
#define DIARY_HIDDEN_REFRESH_MS 3000

/* The diary columns shown until the person picks others. */
static const char *const default_diary_columns[] = {
  "start_time", "caller", "callee", "disposition", "final_code", "final_reason",
  "talk_s", "total_s", "ended_by", "call_id",
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_SETTINGS,
  PROP_N_CALLS,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

struct _UstDiaryView
{
  GtkWidget           parent_instance;

  /* Template children. */
  GtkWidget          *box;
  GtkSearchEntry     *search_entry;
  GtkLabel           *diary_count;
  GtkBox             *columns_box;
  GtkCheckButton     *excel_check;
  GtkColumnView      *diary_view;
  GtkLabel           *sort_hint;

  UstCallStore       *store;
  UstSettings        *settings;
  GBinding           *excel_binding;     /* weak: the settings ↔ the check button */

  /* Lazy model (searched in SQLite) → sort (when small) → selection. */
  UstCallModel       *diary_model;
  GtkSortListModel   *diary_sort;
  UstCallSearch      *search;            /* NULL when not searching */
  gboolean            diary_sortable;
  guint               n_calls_notified;  /* the count ::notify last announced */
};

G_DEFINE_FINAL_TYPE (UstDiaryView, ust_diary_view, GTK_TYPE_WIDGET)

/* Cells ------------------------------------------------------------------------------ */

static GtkWidget *
cell_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  return label;
}

/* The disposition column's format function, whose words get translated. */
static UstCallColumnFormat outcome_format;

/* A diary cell's text: the column table's text, with times in local time
 * for reading rather than ISO 8601 for machines, and outcomes in words. */
static char *
diary_cell_text (const UstCallColumn *column,
                 const UstCallData   *data)
{
  g_autofree char *text = column->format (data);

  if (column->format == outcome_format)
    return g_strdup (ust_call_outcome_label (text));
  if (column->kind == UST_CALL_COLUMN_TIME && *text != '\0')
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_iso8601 (text, NULL);

      if (when != NULL)
        {
          g_autoptr (GDateTime) local = g_date_time_to_local (when);

          return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
        }
    }
  return g_steal_pointer (&text);
}

static void
diary_cell_update (GtkListItem *list_item)
{
  const UstCallColumn *column = g_object_get_data (G_OBJECT (list_item), "ust-column");
  UstCallRecord *record = gtk_list_item_get_item (list_item);
  g_autofree char *text = NULL;

  if (record == NULL)
    return;
  text = diary_cell_text (column, ust_call_record_get_data (record));
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
}

static void
diary_record_notify_cb (GtkListItem *list_item,
                        GParamSpec  *pspec,
                        GObject     *record)
{
  diary_cell_update (list_item);
}

static void
diary_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                const UstCallColumn      *column)
{
  GtkWidget *label = cell_label_new ();

  if (column->kind == UST_CALL_COLUMN_NUMBER)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
    }
  g_object_set_data (G_OBJECT (list_item), "ust-column", (gpointer) column);
  gtk_list_item_set_child (list_item, label);
}

static void
diary_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               const UstCallColumn      *column)
{
  GObject *record = gtk_list_item_get_item (list_item);
  gulong handler;

  diary_cell_update (list_item);
  /* A call still going on is saved again as it changes. */
  handler = g_signal_connect_object (record, "notify", G_CALLBACK (diary_record_notify_cb),
                                     list_item, G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (list_item), "ust-notify", GSIZE_TO_POINTER (handler));
}

static void
diary_unbind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 const UstCallColumn      *column)
{
  GObject *record = gtk_list_item_get_item (list_item);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "ust-notify"));

  if (record != NULL && handler != 0)
    g_signal_handler_disconnect (record, handler);
  g_object_set_data (G_OBJECT (list_item), "ust-notify", NULL);
}

static char *
diary_sort_text_cb (UstCallRecord *record,
                    gpointer       user_data)
{
  const UstCallColumn *column = user_data;

  return column->format (ust_call_record_get_data (record));
}

static double
diary_sort_number_cb (UstCallRecord *record,
                      gpointer       user_data)
{
  const UstCallColumn *column = user_data;
  g_autofree char *text = column->format (ust_call_record_get_data (record));

  /* Empty cells ("did not happen") sort before every number. */
  return *text == '\0' ? -1.0 : g_ascii_strtod (text, NULL);
}

static GtkSorter *
diary_sorter_new (const UstCallColumn *column)
{
  GtkExpression *expression;

  if (column->kind == UST_CALL_COLUMN_NUMBER)
    {
      expression = gtk_cclosure_expression_new (G_TYPE_DOUBLE, NULL, 0, NULL,
                                                G_CALLBACK (diary_sort_number_cb),
                                                (gpointer) column, NULL);
      return GTK_SORTER (gtk_numeric_sorter_new (expression));
    }
  /* ISO 8601 times sort as text. */
  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (diary_sort_text_cb),
                                            (gpointer) column, NULL);
  return GTK_SORTER (gtk_string_sorter_new (expression));
}

static void
update_diary_sorting (UstDiaryView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->diary_model));
  gboolean sortable = n <= DIARY_SORT_LIMIT;
  GtkSorter *sorter = sortable ? gtk_column_view_get_sorter (self->diary_view) : NULL;
  GListModel *columns;
  g_autofree char *hint = NULL;

  /* While a search runs, its result is on the way as one change of any
   * size: sorted, GTK would read every row of it before this could say it
   * is too many (search_changed_cb). */
  if (ust_call_model_get_searching (self->diary_model))
    sorter = NULL;
  if (gtk_sort_list_model_get_sorter (self->diary_sort) != sorter)
    gtk_sort_list_model_set_sorter (self->diary_sort, sorter);

  if (sortable == self->diary_sortable)
    return;
  self->diary_sortable = sortable;

  columns = gtk_column_view_get_columns (self->diary_view);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      gtk_column_view_column_set_sorter (column,
                                         sortable ? g_object_get_data (G_OBJECT (column),
                                                                       "ust-sorter")
                                                  : NULL);
    }

  if (sortable)
    hint = g_strdup (_("Newest calls first; click a column title to sort by it. Double-click a "
                       "call to see everything that happened in it."));
  else
    hint = g_strdup_printf (_("Newest calls first. Sorting by column is off for more than %u "
                              "calls: search to narrow the list. Double-click a call to see "
                              "everything that happened in it."),
                            DIARY_SORT_LIMIT);
  gtk_label_set_text (self->sort_hint, hint);
}

static void
diary_count_changed_cb (UstDiaryView *self)
{
  guint shown, total;
  g_autofree char *text = NULL;

  if (self->diary_model == NULL)
    return;
  shown = g_list_model_get_n_items (G_LIST_MODEL (self->diary_model));
  total = ust_call_model_get_n_calls (self->diary_model);
  if (ust_call_model_get_searching (self->diary_model))
    /* Translators: shown while a search of the call diary runs. */
    text = g_strdup_printf (ngettext ("Searching %u call…", "Searching %u calls…", total),
                            total);
  else if (self->search != NULL)
    /* Translators: how many calls match the search, out of how many in the diary. */
    text = g_strdup_printf (ngettext ("%u of %u call", "%u of %u calls", total), shown, total);
  else
    text = g_strdup_printf (ngettext ("%u call", "%u calls", total), total);
  gtk_label_set_text (self->diary_count, text);
  update_diary_sorting (self);
  if (total != self->n_calls_notified)
    {
      self->n_calls_notified = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CALLS]);
    }
}

static void
diary_items_changed_cb (UstDiaryView *self,
                        guint         position,
                        guint         removed,
                        guint         added,
                        GListModel   *model)
{
  diary_count_changed_cb (self);
}

/* The states whose outcome, in the words the diary shows (translated),
 * contains @text: the search itself knows only the untranslated ones. */
static guint
outcome_states (const char *text)
{
  guint states = 0;

  for (UstCallState state = UST_CALL_SETUP; state <= UST_CALL_TIMED_OUT; state++)
    {
      UstCallData data = { .state = state };

      if (ust_call_search_text_contains (ust_call_outcome_label (ust_call_disposition (&data)),
                                         text))
        states |= 1u << state;
    }
  return states;
}

/* The search runs in SQLite (UstCallModel with a UstCallSearch): the
 * count and the rows come when it is done, without reading the diary row
 * by row here. */
static void
search_changed_cb (UstDiaryView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (self->search != NULL && g_strcmp0 (ust_call_search_get_text (self->search), stripped) == 0)
    return;
  g_clear_object (&self->search);
  if (*stripped != '\0')
    self->search = ust_call_search_new (stripped, outcome_states (stripped));
  if (self->diary_model == NULL)
    return;
  /* The list is about to be replaced in one change (now, or when the search
   * is done): unsorted until then, or GTK would sort all of it, a whole diary
   * when the search is cleared. The sort comes back for a short list. */
  gtk_sort_list_model_set_sorter (self->diary_sort, NULL);
  ust_call_model_set_search (self->diary_model, self->search);
  diary_count_changed_cb (self);
}

static void
diary_activate_cb (UstDiaryView  *self,
                   guint          position,
                   GtkColumnView *view)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
  g_autoptr (UstCallRecord) record = g_list_model_get_item (model, position);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  UstCallDetails *details;

  if (record == NULL)
    return;
  details = ust_call_details_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->store,
                                  record);
  gtk_window_present (GTK_WINDOW (details));
}

static gboolean
in_default_columns (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (default_diary_columns); i++)
    if (strcmp (name, default_diary_columns[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
add_diary_column (UstDiaryView        *self,
                  const UstCallColumn *column,
                  gboolean             visible)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkColumnViewColumn) view_column = NULL;
  GtkWidget *check;

  g_assert (column != NULL);

  g_signal_connect (factory, "setup", G_CALLBACK (diary_setup_cb), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (diary_bind_cb), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (diary_unbind_cb), (gpointer) column);
  view_column = gtk_column_view_column_new (ust_call_column_get_title (column),
                                            g_object_ref (factory));
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_column_set_visible (view_column, visible);
  /* Set on the column only while the diary is small (update_diary_sorting). */
  g_object_set_data_full (G_OBJECT (view_column), "ust-sorter", diary_sorter_new (column),
                          g_object_unref);
  gtk_column_view_append_column (self->diary_view, view_column);

  check = gtk_check_button_new_with_label (ust_call_column_get_title (column));
  g_object_bind_property (view_column, "visible", check, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (self->columns_box, check);
}

/* The diary follows the store quickly while its tab shows, slowly behind
 * another one, and catches up the moment it is shown. The window's stack
 * maps only the page it shows, so "mapped" is "its tab shows". */
static void
update_refresh (UstDiaryView *self)
{
  gboolean shown = gtk_widget_get_mapped (GTK_WIDGET (self));

  if (self->diary_model == NULL)
    return;
  ust_call_model_set_refresh_interval (self->diary_model,
                                       shown ? DIARY_REFRESH_MS : DIARY_HIDDEN_REFRESH_MS);
  if (shown)
    ust_call_model_refresh (self->diary_model);
}

/* The model chain ------------------------------------------------------------------ */

static void
clear_models (UstDiaryView *self)
{
  if (self->diary_model != NULL)
    g_signal_handlers_disconnect_by_data (self->diary_model, self);
  if (self->diary_view != NULL)
    gtk_column_view_set_model (self->diary_view, NULL);
  g_clear_object (&self->diary_sort);
  g_clear_object (&self->diary_model);
}

static void
setup_models (UstDiaryView *self)
{
  GtkSingleSelection *selection;
  /* A store set again keeps the search and the sorting the view had. */
  GtkSorter *sorter = self->diary_sortable ? gtk_column_view_get_sorter (self->diary_view) : NULL;

  self->diary_model = ust_call_model_new (self->store);
  if (self->search != NULL)
    ust_call_model_set_search (self->diary_model, self->search);
  self->diary_sort = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->diary_model)),
                                              sorter != NULL ? g_object_ref (sorter) : NULL);
  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->diary_sort)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_column_view_set_model (self->diary_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  g_signal_connect_object (self->diary_model, "items-changed",
                           G_CALLBACK (diary_items_changed_cb), self, G_CONNECT_SWAPPED);
  /* "Searching…" while it runs; the total changes under a search that
   * shows none of the new calls. */
  g_signal_connect_object (self->diary_model, "notify::searching",
                           G_CALLBACK (diary_count_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->diary_model, "notify::n-calls",
                           G_CALLBACK (diary_count_changed_cb), self, G_CONNECT_SWAPPED);
  update_refresh (self);
  diary_count_changed_cb (self);
}

/* One column per entry of the column table, the same table the CSV export
 * writes, so the window and the file always agree. The columns shown at
 * first come first, in the order a person reads a call. */
static void
add_diary_columns (UstDiaryView *self)
{
  const UstCallColumn *columns;
  guint n_columns;

  columns = ust_call_columns (&n_columns);
  for (guint i = 0; i < G_N_ELEMENTS (default_diary_columns); i++)
    add_diary_column (self, ust_call_column_find (default_diary_columns[i]), TRUE);
  for (guint i = 0; i < n_columns; i++)
    if (!in_default_columns (columns[i].name))
      add_diary_column (self, &columns[i], FALSE);
}

/* Export ----------------------------------------------------------------------------- */

typedef struct {
  UstCallStore *store;
  char         *db_path;
  char         *csv_path;
  gboolean      excel;
} Export;

static void
export_free (Export *export)
{
  g_object_unref (export->store);
  g_free (export->db_path);
  g_free (export->csv_path);
  g_free (export);
}

static void
export_thread_cb (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Export *export = task_data;
  GError *error = NULL;

  /* Calls that just ended are on their way to the disk: let them land. */
  ust_call_store_flush (export->store, 2000);
  if (ust_call_store_export_csv (export->db_path, export->csv_path, 0, 0, export->excel, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* GtkWidget ---------------------------------------------------------------------------- */

static void
ust_diary_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ust_diary_view_parent_class)->map (widget);
  update_refresh (UST_DIARY_VIEW (widget));
}

static void
ust_diary_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ust_diary_view_parent_class)->unmap (widget);
  update_refresh (UST_DIARY_VIEW (widget));
}

static void
ust_diary_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  UstDiaryView *self = UST_DIARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_N_CALLS:
      g_value_set_uint (value, ust_diary_view_get_n_calls (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_diary_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  UstDiaryView *self = UST_DIARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      ust_diary_view_set_store (self, g_value_get_object (value));
      break;
    case PROP_SETTINGS:
      ust_diary_view_set_settings (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_diary_view_dispose (GObject *object)
{
  UstDiaryView *self = UST_DIARY_VIEW (object);

  if (self->excel_binding != NULL)
    g_binding_unbind (self->excel_binding);
  g_clear_weak_pointer (&self->excel_binding);
  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_DIARY_VIEW);
  clear_models (self);
  g_clear_object (&self->search);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ust_diary_view_parent_class)->dispose (object);
}


static void
ust_diary_view_class_init (UstDiaryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ust_diary_view_get_property;
  object_class->set_property = ust_diary_view_set_property;
  object_class->dispose = ust_diary_view_dispose;
  widget_class->map = ust_diary_view_map;
  widget_class->unmap = ust_diary_view_unmap;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, UST_TYPE_CALL_STORE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, UST_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_CALLS] =
    g_param_spec_uint ("n-calls", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  outcome_format = ust_call_column_find ("disposition")->format;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ustredna/Ustredna/ui/ust-diary-view.ui");
  gtk_widget_class_bind_template_child (widget_class, UstDiaryView, box);
  gtk_widget_class_bind_template_child (widget_class, UstDiaryView, columns_box);
  gtk_widget_class_bind_template_child (widget_class, UstDiaryView, sort_hint);
  /* Internal children: a template that embeds the view may name them. */
  gtk_widget_class_bind_template_child_internal (widget_class, UstDiaryView, search_entry);
  gtk_widget_class_bind_template_child_internal (widget_class, UstDiaryView, diary_count);
  gtk_widget_class_bind_template_child_internal (widget_class, UstDiaryView, excel_check);
  gtk_widget_class_bind_template_child_internal (widget_class, UstDiaryView, diary_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, diary_activate_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ust_diary_view_init (UstDiaryView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_diary_columns (self);
}

/* Public ------------------------------------------------------------------------------- */

UstCallStore *
ust_diary_view_get_store (UstDiaryView *self)
{
  g_return_val_if_fail (UST_IS_DIARY_VIEW (self), NULL);

  return self->store;
}

/* The diary shown is @store's. */
void
ust_diary_view_set_store (UstDiaryView *self,
                          UstCallStore *store)
{
  g_return_if_fail (UST_IS_DIARY_VIEW (self));
  g_return_if_fail (store == NULL || UST_IS_CALL_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  clear_models (self);
  if (store != NULL)
    setup_models (self);
  else if (self->n_calls_notified != 0)
    {
      self->n_calls_notified = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CALLS]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

UstSettings *
ust_diary_view_get_settings (UstDiaryView *self)
{
  g_return_val_if_fail (UST_IS_DIARY_VIEW (self), NULL);

  return self->settings;
}

void
ust_diary_view_set_settings (UstDiaryView *self,
                             UstSettings  *settings)
{
  g_return_if_fail (UST_IS_DIARY_VIEW (self));
  g_return_if_fail (settings == NULL || UST_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->excel_binding != NULL)
    g_binding_unbind (self->excel_binding);
  g_clear_weak_pointer (&self->excel_binding);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_set_weak_pointer (&self->excel_binding,
                        g_object_bind_property (settings, "excel-csv", self->excel_check, "active",
                                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTINGS]);
}

/* Every call in the diary, whatever the search shows. */
guint
ust_diary_view_get_n_calls (UstDiaryView *self)
{
  g_return_val_if_fail (UST_IS_DIARY_VIEW (self), 0);

  if (self->diary_model == NULL)
    return 0;
  return ust_call_model_get_n_calls (self->diary_model);
}

void
ust_diary_view_focus_search (UstDiaryView *self)
{
  g_return_if_fail (UST_IS_DIARY_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
ust_diary_view_export_async (UstDiaryView        *self,
                             const char          *path,
                             gboolean             excel,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Export *export;

  g_return_if_fail (UST_IS_DIARY_VIEW (self));
  g_return_if_fail (self->store != NULL);
  g_return_if_fail (path != NULL);

  export = g_new0 (Export, 1);
  export->store = g_object_ref (self->store);
  export->db_path = g_strdup (ust_call_store_get_path (self->store));
  export->csv_path = g_strdup (path);
  export->excel = excel;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, ust_diary_view_export_async);
  g_task_set_task_data (task, export, (GDestroyNotify) export_free);
  g_task_run_in_thread (task, export_thread_cb);
}

char *
ust_diary_view_export_finish (UstDiaryView  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  Export *export;

  g_return_val_if_fail (UST_IS_DIARY_VIEW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  export = g_task_get_task_data (G_TASK (result));
  return g_strdup_printf (export->excel ? _("Call diary exported for Excel to %s")
                                        : _("Call diary exported to %s"),
                          export->csv_path);
}
