/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-protocol"

#include "config.h"

#include "ust-protocol.h"

static const char *const via_names[] = { "UDP", "TCP", "TLS" };
static const char *const param_names[] = { "udp", "tcp", "tls" };

/* "UDP" as in "SIP/2.0/UDP" (§20.42). */
const char *
ust_protocol_to_via (UstProtocol protocol)
{
  g_return_val_if_fail (protocol < UST_N_PROTOCOLS, "UDP");
  return via_names[protocol];
}

/* "udp" as in ";transport=udp" (§19.1.1). */
const char *
ust_protocol_to_param (UstProtocol protocol)
{
  g_return_val_if_fail (protocol < UST_N_PROTOCOLS, "udp");
  return param_names[protocol];
}

/* Either spelling, any case (transport tokens are case-insensitive). */
gboolean
ust_protocol_from_text (const char  *text,
                        UstProtocol *protocol)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < UST_N_PROTOCOLS; i++)
    if (g_ascii_strcasecmp (text, param_names[i]) == 0)
      {
        *protocol = (UstProtocol) i;
        return TRUE;
      }
  return FALSE;
}

/* §18.3: streams frame messages by Content-Length; datagrams are messages. */
gboolean
ust_protocol_is_stream (UstProtocol protocol)
{
  return protocol != UST_PROTOCOL_UDP;
}
