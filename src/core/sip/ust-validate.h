/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The checks of RFC 3261 §16.3 and §8.2 that libosip2 leaves to us: it
 * parses messages with no Call-ID or with "CSeq: abc OPTIONS" happily. */

#include <glib.h>
#include <osipparser2/osip_parser.h>

G_BEGIN_DECLS

typedef struct {
  guint       code;    /* 0 when the request is acceptable */
  const char *phrase;  /* names the problem, for the reason phrase */
  char       *unsupported;  /* for 420: the option tags we lack */
} UstValidation;

gboolean ust_validate_request     (osip_message_t *request,
                                   UstValidation  *result);
void     ust_validation_clear     (UstValidation  *result);
gboolean ust_validate_response    (osip_message_t *response);
gboolean ust_parse_max_forwards   (osip_message_t *request,
                                   gboolean       *present,
                                   guint          *value);

G_END_DECLS
