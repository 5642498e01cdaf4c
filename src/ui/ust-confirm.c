/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-confirm"

#include "config.h"

#include "ust-confirm.h"

enum {
  PROP_0,
  PROP_HEADING,
  PROP_BODY,
  PROP_ACCEPT_LABEL,
  N_PROPS,
};

enum {
  ANSWERED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

struct _UstConfirm {
  GtkWindow  parent_instance;

  GtkLabel  *heading_label;
  GtkLabel  *body_label;
  GtkButton *cancel_button;
  GtkButton *accept_button;

  gboolean   answered;
};

G_DEFINE_FINAL_TYPE (UstConfirm, ust_confirm, GTK_TYPE_WINDOW)

/* The heading is the window's title too. */
static void
set_heading (UstConfirm *self,
             const char *heading)
{
  if (g_strcmp0 (heading, gtk_label_get_label (self->heading_label)) == 0)
    return;
  gtk_label_set_label (self->heading_label, heading);
  gtk_window_set_title (GTK_WINDOW (self), heading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEADING]);
}

static void
set_body (UstConfirm *self,
          const char *body)
{
  if (g_strcmp0 (body, gtk_label_get_label (self->body_label)) == 0)
    return;
  gtk_label_set_label (self->body_label, body);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
}

/* With a mnemonic ("_Clear"). */
static void
set_accept_label (UstConfirm *self,
                  const char *label)
{
  if (g_strcmp0 (label, gtk_button_get_label (self->accept_button)) == 0)
    return;
  gtk_button_set_label (self->accept_button, label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCEPT_LABEL]);
}

/* Answers once, whichever way out came first. */
static gboolean
take_answer (UstConfirm *self)
{
  if (self->answered)
    return FALSE;
  self->answered = TRUE;
  return TRUE;
}

static void
accept_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  UstConfirm *self = UST_CONFIRM (widget);

  if (!take_answer (self))
    return;
  /* Gone before the answer acts: the answer may close the parent, which
   * takes this window with it. The object outlives the parent, though (the
   * reference keeps it for the signal, GTK keeps it while the action runs),
   * and GTK 4.8 lets go of a destroyed window's parent only when the window
   * is freed, after the parent: so it lets go now, once off the screen. */
  g_object_ref (self);
  gtk_window_destroy (GTK_WINDOW (self));
  gtk_window_set_transient_for (GTK_WINDOW (self), NULL);
  g_signal_emit (self, signals[ANSWERED], 0, TRUE);
  g_object_unref (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

/* Cancel, Escape and the close button all end here. */
static gboolean
ust_confirm_close_request (GtkWindow *window)
{
  UstConfirm *self = UST_CONFIRM (window);

  if (take_answer (self))
    g_signal_emit (self, signals[ANSWERED], 0, FALSE);
  return GTK_WINDOW_CLASS (ust_confirm_parent_class)->close_request (window);
}

static void
ust_confirm_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  UstConfirm *self = UST_CONFIRM (object);

  switch (prop_id)
    {
    case PROP_HEADING:
      g_value_set_string (value, gtk_label_get_label (self->heading_label));
      break;
    case PROP_BODY:
      g_value_set_string (value, gtk_label_get_label (self->body_label));
      break;
    case PROP_ACCEPT_LABEL:
      g_value_set_string (value, gtk_button_get_label (self->accept_button));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_confirm_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  UstConfirm *self = UST_CONFIRM (object);

  switch (prop_id)
    {
    case PROP_HEADING:
      set_heading (self, g_value_get_string (value));
      break;
    case PROP_BODY:
      set_body (self, g_value_get_string (value));
      break;
    case PROP_ACCEPT_LABEL:
      set_accept_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_confirm_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), UST_TYPE_CONFIRM);

  G_OBJECT_CLASS (ust_confirm_parent_class)->dispose (object);
}

static void
ust_confirm_class_init (UstConfirmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = ust_confirm_get_property;
  object_class->set_property = ust_confirm_set_property;
  object_class->dispose = ust_confirm_dispose;
  window_class->close_request = ust_confirm_close_request;

  properties[PROP_HEADING] =
    g_param_spec_string ("heading", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BODY] =
    g_param_spec_string ("body", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ACCEPT_LABEL] =
    g_param_spec_string ("accept-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* TRUE for the accept button, FALSE for every other way out. */
  signals[ANSWERED] = g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, g_cclosure_marshal_VOID__BOOLEAN, G_TYPE_NONE, 1,
                                    G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ustredna/Ustredna/ui/ust-confirm.ui");
  gtk_widget_class_bind_template_child (widget_class, UstConfirm, heading_label);
  gtk_widget_class_bind_template_child (widget_class, UstConfirm, body_label);
  gtk_widget_class_bind_template_child (widget_class, UstConfirm, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, UstConfirm, accept_button);

  gtk_widget_class_install_action (widget_class, "confirm.accept", NULL, accept_action);
  gtk_widget_class_install_action (widget_class, "confirm.cancel", NULL, cancel_action);
  /* Escape answers "no", as it does in every other dialog. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "confirm.cancel", NULL);
}

static void
ust_confirm_init (UstConfirm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The safe answer has the focus, so Enter does not destroy anything. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->cancel_button));
}

UstConfirm *
ust_confirm_new (GtkWindow  *parent,
                 const char *heading,
                 const char *body,
                 const char *accept_label)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (UST_TYPE_CONFIRM,
                       "transient-for", parent,
                       "heading", heading,
                       "body", body,
                       "accept-label", accept_label,
                       NULL);
}

typedef struct {
  UstConfirmFunc func;
  gpointer       user_data;
} Answer;

static void
answered_cb (UstConfirm *self,
             gboolean    accepted,
             Answer     *answer)
{
  answer->func (accepted, answer->user_data);
}

static void
answer_free (gpointer  data,
             GClosure *closure)
{
  g_free (data);
}

/* For callers that only want the answer: shows the question at once. */
GtkWindow *
ust_confirm (GtkWindow      *parent,
             const char     *heading,
             const char     *body,
             const char     *accept_label,
             UstConfirmFunc  func,
             gpointer        user_data)
{
  UstConfirm *self;
  Answer *answer;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = ust_confirm_new (parent, heading, body, accept_label);
  answer = g_new (Answer, 1);
  answer->func = func;
  answer->user_data = user_data;
  g_signal_connect_data (self, "answered", G_CALLBACK (answered_cb), answer, answer_free, 0);

  gtk_window_present (GTK_WINDOW (self));
  return GTK_WINDOW (self);
}
