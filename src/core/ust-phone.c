/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-phone"

#include "config.h"

#include "ust-phone.h"
#include "ust-phone-private.h"
#include "ust-robots.h"

struct _UstPhone {
  GObject parent_instance;

  char   *user;
  char   *source;
  char   *contact;
  char   *user_agent;
  gint64  expires_at;
  char   *transport;
  char   *instance;
  char   *earlier;
  gboolean robot;
};

enum {
  PROP_0,
  PROP_USER,
  PROP_SOURCE,
  PROP_CONTACT,
  PROP_USER_AGENT,
  PROP_EXPIRES_AT,
  PROP_TRANSPORT,
  PROP_INSTANCE,
  PROP_EARLIER,
  PROP_ROBOT,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstPhone, ust_phone, G_TYPE_OBJECT)

static void
ust_phone_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  UstPhone *self = UST_PHONE (object);

  switch (prop_id)
    {
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_CONTACT:
      g_value_set_string (value, self->contact);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    case PROP_TRANSPORT:
      g_value_set_string (value, self->transport);
      break;
    case PROP_INSTANCE:
      g_value_set_string (value, self->instance);
      break;
    case PROP_EARLIER:
      g_value_set_string (value, self->earlier);
      break;
    case PROP_ROBOT:
      g_value_set_boolean (value, self->robot);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_phone_finalize (GObject *object)
{
  UstPhone *self = UST_PHONE (object);

  g_free (self->user);
  g_free (self->source);
  g_free (self->contact);
  g_free (self->user_agent);
  g_free (self->transport);
  g_free (self->instance);
  g_free (self->earlier);

  G_OBJECT_CLASS (ust_phone_parent_class)->finalize (object);
}

static void
ust_phone_class_init (UstPhoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = ust_phone_get_property;
  object_class->finalize = ust_phone_finalize;

  properties[PROP_USER] = g_param_spec_string ("user", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_CONTACT] = g_param_spec_string ("contact", NULL, NULL, NULL, flags);
  properties[PROP_USER_AGENT] = g_param_spec_string ("user-agent", NULL, NULL, NULL, flags);
  properties[PROP_EXPIRES_AT] = g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0,
                                                    flags);
  /* "UDP", "TCP" or "TLS": how the phone registered. */
  properties[PROP_TRANSPORT] = g_param_spec_string ("transport", NULL, NULL, NULL, flags);
  /* Its +sip.instance (RFC 5626), or NULL: one phone, however often it moves. */
  properties[PROP_INSTANCE] = g_param_spec_string ("instance", NULL, NULL, NULL, flags);
  /* Where it registered from before, newest first ("addr:port (UDP), …"), or NULL. */
  properties[PROP_EARLIER] = g_param_spec_string ("earlier", NULL, NULL, NULL, flags);
  /* One of the exchange's own robot phones (ust-robots.h). */
  properties[PROP_ROBOT] = g_param_spec_boolean ("robot", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_phone_init (UstPhone *self)
{
}

/* A snapshot of @binding: bindings belong to the core's thread, phones to
 * the window's. */
UstPhone *
ust_phone_new_from_binding (const UstBinding *binding)
{
  UstPhone *self = g_object_new (UST_TYPE_PHONE, NULL);

  self->user = g_strdup (binding->aor);
  self->source = g_strdup (binding->source_text);
  self->contact = g_strdup (binding->contact_uri);
  self->user_agent = g_strdup (binding->user_agent);
  self->expires_at = binding->expires_at;
  self->transport = g_strdup (ust_protocol_to_via (binding->protocol));
  self->instance = g_strdup (binding->instance);
  self->earlier = g_strdup (binding->earlier);
  self->robot = ust_robots_is_robot_instance (binding->instance);
  return self;
}

const char *
ust_phone_get_user (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->user;
}

const char *
ust_phone_get_source (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->source;
}

const char *
ust_phone_get_contact (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->contact;
}

const char *
ust_phone_get_user_agent (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->user_agent;
}

gint64
ust_phone_get_expires_at (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), 0);
  return self->expires_at;
}

const char *
ust_phone_get_transport (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->transport;
}

const char *
ust_phone_get_instance (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->instance;
}

const char *
ust_phone_get_earlier (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->earlier;
}

gboolean
ust_phone_get_robot (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), FALSE);
  return self->robot;
}
