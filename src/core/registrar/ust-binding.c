/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-binding"

#include "config.h"

#include <string.h>

#include "ust-binding.h"
#include "ust-address-text.h"

G_DEFINE_BOXED_TYPE (UstBinding, ust_binding, ust_binding_ref, ust_binding_unref)

UstBinding *
ust_binding_new (const char     *aor,
                 const char     *contact_uri,
                 const char     *contact_key,
                 GSocketAddress *source,
                 const char     *source_text)
{
  UstBinding *self = g_new0 (UstBinding, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->aor = g_strdup (aor);
  self->contact_uri = g_strdup (contact_uri);
  self->contact_key = g_strdup (contact_key);
  self->source = g_object_ref (source);
  self->source_text = source_text != NULL ? g_strdup (source_text)
                                          : ust_address_text_format (source);
  self->protocol = UST_PROTOCOL_UDP;
  self->q = 1.0;
  return self;
}

UstBinding *
ust_binding_ref (UstBinding *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ust_binding_unref (UstBinding *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->aor);
  g_free (self->contact_uri);
  g_free (self->contact_key);
  g_clear_object (&self->source);
  g_free (self->source_text);
  g_free (self->instance);
  g_free (self->earlier);
  g_free (self->call_id);
  g_free (self->user_agent);
  g_free (self);
}

/* Rounded up, so a binding with 0.4 s left still shows as live. */
gint64
ust_binding_get_seconds_left (const UstBinding *self,
                              gint64            now)
{
  g_return_val_if_fail (self != NULL, 0);

  if (self->expires_at <= now)
    return 0;
  return (self->expires_at - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}
