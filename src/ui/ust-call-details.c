/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-call-details"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-call-columns.h"
#include "ust-call-details.h"
#include "ust-ui-format.h"

struct _UstCallDetails {
  GtkWindow      parent_instance;

  GtkLabel      *heading;
  GtkGrid       *fields_grid;
  GtkGrid       *events_grid;
  GtkLabel      *events_message;

  UstCallStore  *store;
  UstCallRecord *record;
  guint          n_events;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_RECORD,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstCallDetails, ust_call_details, GTK_TYPE_WINDOW)

static GtkWidget *
value_label_new (const char *text,
                 gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

/* Every field of the column table that has a value, in the table's order
 * (the CSV's), titled as in the diary view. */
static void
fill_fields (UstCallDetails *self)
{
  const UstCallData *data = ust_call_record_get_data (self->record);
  const UstCallColumn *columns;
  guint n_columns, row = 0;

  columns = ust_call_columns (&n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      g_autofree char *text = columns[i].format (data);
      GtkWidget *title, *value;

      if (*text == '\0')
        continue;
      if (columns[i].kind == UST_CALL_COLUMN_TIME)
        {
          g_autoptr (GDateTime) when = g_date_time_new_from_iso8601 (text, NULL);

          if (when != NULL)
            {
              g_autoptr (GDateTime) local = g_date_time_to_local (when);

              g_free (text);
              text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
            }
        }
      else if (g_strcmp0 (columns[i].name, "disposition") == 0)
        {
          char *label = g_strdup (ust_call_outcome_label (text));

          g_free (text);
          text = label;
        }
      title = value_label_new (ust_call_column_get_title (&columns[i]), TRUE);
      gtk_label_set_xalign (GTK_LABEL (title), 1);
      gtk_label_set_selectable (GTK_LABEL (title), FALSE);
      value = value_label_new (text, FALSE);
      gtk_widget_set_hexpand (value, TRUE);
      gtk_grid_attach (self->fields_grid, title, 0, (int) row, 1, 1);
      gtk_grid_attach (self->fields_grid, value, 1, (int) row, 1, 1);
      row++;
    }
}

/* The events as the diary stored them: time, what, details. */
static void
fill_events (UstCallDetails *self)
{
  const UstCallData *data = ust_call_record_get_data (self->record);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;

  events = ust_call_store_fetch_events (self->store, data->call_id, data->start_time, &error);
  if (events == NULL)
    {
      gtk_label_set_text (self->events_message, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->events_message), TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->events_message), "error");
      return;
    }
  if (events->len == 0)
    {
      gtk_label_set_text (self->events_message,
                          _("The diary holds no events for this call yet."));
      gtk_widget_set_visible (GTK_WIDGET (self->events_message), TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->events_message), "dim-label");
    }

  for (guint i = 0; i < events->len; i++)
    {
      UstCallEvent *event = g_ptr_array_index (events, i);
      g_autofree char *time = ust_format_clock_time (event->time_us);
      GtkWidget *time_label = value_label_new (time, TRUE);
      GtkWidget *kind_label = value_label_new (event->kind != NULL ? event->kind : "", FALSE);
      GtkWidget *detail_label = value_label_new (event->detail != NULL ? event->detail : "",
                                                 FALSE);

      gtk_widget_add_css_class (time_label, "numeric");
      gtk_widget_add_css_class (kind_label, "ust-event-kind");
      gtk_widget_set_hexpand (detail_label, TRUE);
      gtk_grid_attach (self->events_grid, time_label, 0, (int) i, 1, 1);
      gtk_grid_attach (self->events_grid, kind_label, 1, (int) i, 1, 1);
      gtk_grid_attach (self->events_grid, detail_label, 2, (int) i, 1, 1);
    }
  self->n_events = events->len;
}

static void
ust_call_details_constructed (GObject *object)
{
  UstCallDetails *self = UST_CALL_DETAILS (object);
  const UstCallData *data;
  g_autofree char *heading = NULL;
  g_autofree char *title = NULL;
  g_autofree char *when = NULL;

  G_OBJECT_CLASS (ust_call_details_parent_class)->constructed (object);

  g_assert (self->store != NULL && self->record != NULL);
  data = ust_call_record_get_data (self->record);
  when = ust_format_local_time (data->start_time);
  /* Translators: the heading of a call's details: caller, callee, when. */
  heading = g_strdup_printf (_("%s → %s, %s"), data->caller != NULL ? data->caller : "?",
                             data->callee != NULL ? data->callee : "?", when);
  gtk_label_set_text (self->heading, heading);
  /* Translators: the title of a call's details window: caller → callee. */
  title = g_strdup_printf (_("Call %s → %s"), data->caller != NULL ? data->caller : "?",
                           data->callee != NULL ? data->callee : "?");
  gtk_window_set_title (GTK_WINDOW (self), title);

  fill_fields (self);
  fill_events (self);
}

static void
ust_call_details_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  UstCallDetails *self = UST_CALL_DETAILS (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_details_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  UstCallDetails *self = UST_CALL_DETAILS (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_RECORD:
      self->record = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_call_details_dispose (GObject *object)
{
  UstCallDetails *self = UST_CALL_DETAILS (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_CALL_DETAILS);
  g_clear_object (&self->store);
  g_clear_object (&self->record);

  G_OBJECT_CLASS (ust_call_details_parent_class)->dispose (object);
}

static void
ust_call_details_class_init (UstCallDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ust_call_details_constructed;
  object_class->get_property = ust_call_details_get_property;
  object_class->set_property = ust_call_details_set_property;
  object_class->dispose = ust_call_details_dispose;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, UST_TYPE_CALL_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL, UST_TYPE_CALL_RECORD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/ustredna/Ustredna/ui/ust-call-details.ui");
  gtk_widget_class_bind_template_child (widget_class, UstCallDetails, heading);
  gtk_widget_class_bind_template_child (widget_class, UstCallDetails, fields_grid);
  gtk_widget_class_bind_template_child (widget_class, UstCallDetails, events_grid);
  gtk_widget_class_bind_template_child (widget_class, UstCallDetails, events_message);
}

static void
ust_call_details_init (UstCallDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

UstCallDetails *
ust_call_details_new (GtkWindow     *parent,
                      UstCallStore  *store,
                      UstCallRecord *record)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (UST_IS_CALL_STORE (store), NULL);
  g_return_val_if_fail (UST_IS_CALL_RECORD (record), NULL);

  return g_object_new (UST_TYPE_CALL_DETAILS,
                       "transient-for", parent,
                       "store", store,
                       "record", record,
                       NULL);
}

UstCallRecord *
ust_call_details_get_record (UstCallDetails *self)
{
  g_return_val_if_fail (UST_IS_CALL_DETAILS (self), NULL);

  return self->record;
}

guint
ust_call_details_get_n_events (UstCallDetails *self)
{
  g_return_val_if_fail (UST_IS_CALL_DETAILS (self), 0);

  return self->n_events;
}
