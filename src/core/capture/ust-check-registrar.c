/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-check-registrar"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-check.h"

/* The registrar's answer (RFC 3261 §10.3) and how the proxy then reaches a
 * registered phone. */

static gboolean
removes_bindings (const UstCheckMessage *request)
{
  if (request->expires == 0)
    return TRUE;
  for (guint i = 0; i < request->n_contacts && i < UST_CHECK_MAX_CONTACTS; i++)
    if (request->contacts[i].host == NULL || request->contacts[i].expires != 0)
      return FALSE;   /* "Contact: *" (no URI) goes with Expires: 0 */
  return request->n_contacts > 0;
}

/* §10.3 step 8: the 200 lists every binding the user now has, each with
 * its expiry (a Contact ;expires, or the Expires header). */
static void
check_register_answer (UstCheckContext       *ctx,
                       const UstCheckMessage *response)
{
  const UstCheckMessage *request = ust_check_request_of (ctx, response);
  gboolean expiry = response->expires >= 0;

  if (request == NULL || request->n_contacts == 0 || removes_bindings (request))
    return;
  if (response->n_contacts == 0)
    {
      ust_check_add (ctx, UST_RULE_REGISTER_NO_CONTACT, response, NULL);
      return;
    }
  for (guint i = 0; i < response->n_contacts && i < UST_CHECK_MAX_CONTACTS; i++)
    expiry = expiry || response->contacts[i].expires >= 0;
  if (!expiry)
    ust_check_add (ctx, UST_RULE_REGISTER_NO_EXPIRES, response, NULL);
}

static gboolean
starts_call (const UstCheckMessage *message)
{
  return ust_check_is_initial (message)
         && (ust_check_message_is (message, "INVITE") || ust_check_message_is (message, "MESSAGE")
             || ust_check_message_is (message, "SUBSCRIBE")
             || ust_check_message_is (message, "REFER"));
}

/* A phone is reached where its last REGISTER came from (RFC 5626 §5.3,
 * RFC 3581 §4): its Contact may be a private address behind NAT, or an
 * old one from before the phone moved. */
static void
check_reached_at (UstCheckContext       *ctx,
                  const UstCheckMessage *sent)
{
  const UstTraceAddress *where = ust_check_destination (sent);
  const UstCheckRegistration *binding = ust_check_binding_at (ctx, where, sent->index);
  const UstCheckRegistration *latest;
  g_autofree char *to = NULL;
  g_autofree char *from = NULL;

  if (binding == NULL || ust_trace_address_equal (&binding->source, where))
    return;
  latest = ust_check_latest_registration (ctx, binding->user, sent->index);
  if (latest == NULL || ust_trace_address_equal (&latest->source, where))
    return;
  to = ust_check_address_text (where);
  from = ust_check_address_text (&latest->source);
  ust_check_add (ctx, UST_RULE_STALE_CONTACT, sent,
                 g_strdup_printf (_("Sent to %s, %s's Contact; the phone's REGISTER came from "
                                    "%s."), to, binding->user, from));
}

void
ust_check_registrar (UstCheckContext *ctx)
{
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (!message->parsed || !message->from_proxy)
        continue;
      if (!message->request && message->status / 100 == 2
          && ust_check_message_is (message, "REGISTER"))
        check_register_answer (ctx, message);
      else if (starts_call (message))
        check_reached_at (ctx, message);
    }
}
