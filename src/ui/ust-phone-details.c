/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-phone-details"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-phone-details.h"
#include "ust-ui-format.h"

struct _UstPhoneDetails {
  GtkWindow  parent_instance;

  GtkLabel  *heading;
  GtkLabel  *user_value;
  GtkLabel  *source_value;
  GtkLabel  *contact_value;
  GtkLabel  *agent_value;
  GtkLabel  *instance_value;
  GtkLabel  *expires_value;
  GtkWidget *flows_title;
  GtkLabel  *flows_value;
  GtkLabel  *earlier_value;

  UstPhone  *phone;
};

enum {
  PROP_0,
  PROP_PHONE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstPhoneDetails, ust_phone_details, GTK_TYPE_WINDOW)

/* "a, b, c" (how the registrar lists addresses) as one per line. */
static char *
one_per_line (const char *list)
{
  g_auto (GStrv) parts = g_strsplit (list, ", ", -1);

  return g_strjoinv ("\n", parts);
}

static void
set_text (GtkLabel   *label,
          const char *text,
          const char *none)
{
  gtk_label_set_text (label, text != NULL && *text != '\0' ? text : none);
}

/* How long the registration lasts: the phone must register again before
 * then, or it drops off the list. */
static char *
expires_text (UstPhone *phone)
{
  gint64 expires_at = ust_phone_get_expires_at (phone);
  g_autofree char *when = ust_format_local_time (expires_at);
  g_autofree char *left = ust_format_elapsed (expires_at - g_get_real_time ());

  /* Translators: until when a phone is registered, and how long that is from now. */
  return g_strdup_printf (_("%s (%s left)"), when, left);
}

static void
fill_where (UstPhoneDetails *self)
{
  UstPhone *phone = self->phone;
  g_autofree char *source = g_strdup_printf ("%s (%s)", ust_phone_get_source (phone),
                                             ust_phone_get_transport (phone));
  gboolean several = ust_phone_get_n_flows (phone) > 1;

  gtk_label_set_text (self->source_value, source);
  set_text (self->contact_value, ust_phone_get_contact (phone), "");
  /* RFC 5626: a phone registered over two networks at once has a flow
   * (a binding) on each; calls go to the newest. */
  gtk_widget_set_visible (self->flows_title, several);
  gtk_widget_set_visible (GTK_WIDGET (self->flows_value), several);
  if (several)
    {
      g_autofree char *flows = one_per_line (ust_phone_get_flows (phone));

      gtk_label_set_text (self->flows_value, flows);
    }
  if (ust_phone_get_earlier (phone) != NULL)
    {
      g_autofree char *earlier = one_per_line (ust_phone_get_earlier (phone));

      gtk_label_set_text (self->earlier_value, earlier);
    }
  else
    gtk_label_set_text (self->earlier_value, _("none since the exchange started"));
}

static void
ust_phone_details_constructed (GObject *object)
{
  UstPhoneDetails *self = UST_PHONE_DETAILS (object);
  const char *user;
  g_autofree char *title = NULL;
  g_autofree char *expires = NULL;

  G_OBJECT_CLASS (ust_phone_details_parent_class)->constructed (object);

  g_assert (self->phone != NULL);
  user = ust_phone_get_user (self->phone);
  /* Translators: the title of a registered phone's details window; %s is its user name. */
  title = g_strdup_printf (_("Registered phone: %s"), user);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_label_set_text (self->heading, title);

  gtk_label_set_text (self->user_value, user);
  set_text (self->agent_value, ust_phone_get_user_agent (self->phone), _("not given"));
  set_text (self->instance_value, ust_phone_get_instance (self->phone),
            _("none: the phone sent no +sip.instance"));
  expires = expires_text (self->phone);
  gtk_label_set_text (self->expires_value, expires);
  fill_where (self);
}

static void
ust_phone_details_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  UstPhoneDetails *self = UST_PHONE_DETAILS (object);

  switch (prop_id)
    {
    case PROP_PHONE:
      g_value_set_object (value, self->phone);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_phone_details_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  UstPhoneDetails *self = UST_PHONE_DETAILS (object);

  switch (prop_id)
    {
    case PROP_PHONE:
      self->phone = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_phone_details_dispose (GObject *object)
{
  UstPhoneDetails *self = UST_PHONE_DETAILS (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_PHONE_DETAILS);
  g_clear_object (&self->phone);

  G_OBJECT_CLASS (ust_phone_details_parent_class)->dispose (object);
}

static void
ust_phone_details_class_init (UstPhoneDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ust_phone_details_constructed;
  object_class->get_property = ust_phone_details_get_property;
  object_class->set_property = ust_phone_details_set_property;
  object_class->dispose = ust_phone_details_dispose;

  /* A snapshot: the list gets new phones when a registration changes, and
   * the details keep the one they were opened with. */
  properties[PROP_PHONE] =
    g_param_spec_object ("phone", NULL, NULL, UST_TYPE_PHONE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/ustredna/Ustredna/ui/ust-phone-details.ui");
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, heading);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, user_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, source_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, contact_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, agent_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, instance_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, expires_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, flows_title);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, flows_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneDetails, earlier_value);
}

static void
ust_phone_details_init (UstPhoneDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

UstPhoneDetails *
ust_phone_details_new (GtkWindow *parent,
                       UstPhone  *phone)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (UST_IS_PHONE (phone), NULL);

  return g_object_new (UST_TYPE_PHONE_DETAILS,
                       "transient-for", parent,
                       "phone", phone,
                       NULL);
}

UstPhone *
ust_phone_details_get_phone (UstPhoneDetails *self)
{
  g_return_val_if_fail (UST_IS_PHONE_DETAILS (self), NULL);

  return self->phone;
}
