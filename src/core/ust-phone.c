/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-phone"

#include "config.h"

#include "ust-phone.h"
#include "ust-phone-private.h"

struct _UstPhone {
  GObject parent_instance;

  char   *user;
  char   *source;
  char   *contact;
  char   *user_agent;
  gint64  expires_at;
  guint   n_flows;
  char   *flows;
  char   *transport;
  char   *instance;
  char   *earlier;
};

enum {
  PROP_0,
  PROP_USER,
  PROP_SOURCE,
  PROP_CONTACT,
  PROP_USER_AGENT,
  PROP_EXPIRES_AT,
  PROP_N_FLOWS,
  PROP_FLOWS,
  PROP_TRANSPORT,
  PROP_INSTANCE,
  PROP_EARLIER,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstPhone, ust_phone, G_TYPE_OBJECT)

/* "192.168.1.23:5060 (UDP)", as the registrar writes a binding's earlier
 * addresses and the diary its address columns. */
static char *
flow_text (const UstBinding *binding)
{
  return g_strdup_printf ("%s (%s)", binding->source_text, ust_protocol_to_via (binding->protocol));
}

/* Whether @entry is one of the comma-separated entries of @list (a whole
 * one: 10.0.0.1:5060 is not in 110.0.0.1:5060). */
static gboolean
list_has (const char *list,
          const char *entry)
{
  g_auto (GStrv) parts = g_strsplit (list, ", ", -1);

  return g_strv_contains ((const char *const *) parts, entry);
}

/* Adds @text's comma-separated entries that @list lacks, at its end. */
static void
append_missing (GString    *list,
                const char *text)
{
  g_auto (GStrv) parts = NULL;

  if (text == NULL)
    return;
  parts = g_strsplit (text, ", ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (!list_has (list->str, parts[i]))
      g_string_append_printf (list, "%s%s", list->len > 0 ? ", " : "", parts[i]);
}

/* Another binding of the same phone (an older one: phones are made from a
 * phone's newest binding): one more flow, the later expiry, and the places
 * it was before. */
static void
add_flow (UstPhone         *self,
          const UstBinding *binding)
{
  g_autoptr (GString) flows = g_string_new (self->flows);
  g_autoptr (GString) earlier = g_string_new (self->earlier);
  g_autofree char *here = flow_text (binding);

  self->n_flows++;
  append_missing (flows, here);
  g_free (self->flows);
  self->flows = g_string_free (g_steal_pointer (&flows), FALSE);
  self->expires_at = MAX (self->expires_at, binding->expires_at);

  append_missing (earlier, binding->earlier);
  g_free (self->earlier);
  self->earlier = earlier->len > 0 ? g_string_free (g_steal_pointer (&earlier), FALSE) : NULL;
}

static gpointer
copy_binding (gconstpointer binding,
              gpointer      user_data)
{
  return ust_binding_ref ((UstBinding *) binding);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const UstBinding *ba = *(UstBinding **) a, *bb = *(UstBinding **) b;

  if (ba->registered_at != bb->registered_at)
    return ba->registered_at > bb->registered_at ? -1 : 1;
  return g_strcmp0 (ba->contact_uri, bb->contact_uri);
}

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
    case PROP_N_FLOWS:
      g_value_set_uint (value, self->n_flows);
      break;
    case PROP_FLOWS:
      g_value_set_string (value, self->flows);
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
  g_free (self->flows);
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
  /* How many bindings (RFC 5626 flows: one per reg-id) the phone has, and
   * where each of them is, newest first ("addr:port (UDP), …"). */
  properties[PROP_N_FLOWS] = g_param_spec_uint ("n-flows", NULL, NULL, 1, G_MAXUINT, 1, flags);
  properties[PROP_FLOWS] = g_param_spec_string ("flows", NULL, NULL, NULL, flags);
  /* "UDP", "TCP" or "TLS": how the phone registered. */
  properties[PROP_TRANSPORT] = g_param_spec_string ("transport", NULL, NULL, NULL, flags);
  /* Its +sip.instance (RFC 5626), or NULL: one phone, however often it moves. */
  properties[PROP_INSTANCE] = g_param_spec_string ("instance", NULL, NULL, NULL, flags);
  /* Where it registered from before, newest first ("addr:port (UDP), …"), or NULL. */
  properties[PROP_EARLIER] = g_param_spec_string ("earlier", NULL, NULL, NULL, flags);
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

  self->n_flows = 1;
  self->flows = flow_text (binding);
  self->user = g_strdup (binding->aor);
  self->source = g_strdup (binding->source_text);
  self->contact = g_strdup (binding->contact_uri);
  self->user_agent = g_strdup (binding->user_agent);
  self->expires_at = binding->expires_at;
  self->transport = g_strdup (ust_protocol_to_via (binding->protocol));
  self->instance = g_strdup (binding->instance);
  self->earlier = g_strdup (binding->earlier);
  return self;
}

/* The window's list: one phone per binding, except that bindings with the
 * same +sip.instance for the same user are one phone (RFC 5626 §4.1): a
 * phone registered over two networks at once (two reg-ids, two flows) is
 * one row, shown where it registered last. The registrar already keeps
 * one binding per instance and reg-id. */
GPtrArray *
ust_phone_list_new (GPtrArray *bindings)
{
  /* The copy takes the array's free function: it holds references too. */
  g_autoptr (GPtrArray) newest_first = g_ptr_array_copy (bindings, copy_binding, NULL);
  g_autoptr (GHashTable) by_instance = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              NULL);
  GPtrArray *phones = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_sort (newest_first, compare_newest_first);
  for (guint i = 0; i < newest_first->len; i++)
    {
      const UstBinding *binding = g_ptr_array_index (newest_first, i);
      g_autofree char *key = NULL;
      UstPhone *phone;

      if (binding->instance == NULL)
        {
          g_ptr_array_add (phones, ust_phone_new_from_binding (binding));
          continue;
        }
      key = g_strdup_printf ("%s\n%s", binding->aor, binding->instance);
      phone = g_hash_table_lookup (by_instance, key);
      if (phone != NULL)
        {
          add_flow (phone, binding);
          continue;
        }
      phone = ust_phone_new_from_binding (binding);
      g_ptr_array_add (phones, phone);
      g_hash_table_insert (by_instance, g_steal_pointer (&key), phone);
    }
  return phones;
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

guint
ust_phone_get_n_flows (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), 0);
  return self->n_flows;
}

const char *
ust_phone_get_flows (UstPhone *self)
{
  g_return_val_if_fail (UST_IS_PHONE (self), NULL);
  return self->flows;
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
