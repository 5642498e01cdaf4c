/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The transports a phone may pick (RFC 3261 §18; TLS per §26.2), as Via
 * spells them and as URIs' "transport" parameter does. */

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  UST_PROTOCOL_UDP,
  UST_PROTOCOL_TCP,
  UST_PROTOCOL_TLS,
} UstProtocol;

#define UST_N_PROTOCOLS 3

const char *ust_protocol_to_via      (UstProtocol  protocol);
const char *ust_protocol_to_param    (UstProtocol  protocol);
gboolean    ust_protocol_from_text   (const char  *text,
                                      UstProtocol *protocol);
gboolean    ust_protocol_is_stream   (UstProtocol  protocol);

G_END_DECLS
