/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The one place that knows libosip2: start-up, parsing, the traps of its
 * serializer, and the small helpers the proxy and the registrar share. */

#include <glib.h>
#include <osipparser2/osip_parser.h>

#include "ust-sip-arena.h"
#include "ust-sip-text.h"

G_BEGIN_DECLS

#define UST_SIP_ERROR (ust_sip_error_quark ())

typedef enum {
  UST_SIP_ERROR_PARSE,
  UST_SIP_ERROR_SERIALIZE,
  UST_SIP_ERROR_TRUNCATED,
} UstSipError;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (osip_message_t, ust_sip_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (osip_from_t, osip_from_free)

/* What the call diary wants to know of an SDP body. */
typedef struct {
  gboolean video;  /* an m=video line with a port */
  gboolean hold;   /* the audio is sendonly, inactive or sent to 0.0.0.0 */
} UstSipMedia;

GQuark          ust_sip_error_quark            (void);
void            ust_sip_init                   (void);
osip_message_t *ust_sip_parse                  (const char      *data,
                                                gsize            len,
                                                GError         **error);
osip_message_t *ust_sip_parse_text             (const UstSipText *text,
                                                GError          **error);
osip_message_t *ust_sip_parse_head             (const UstSipText *text,
                                                GError          **error);
gsize           ust_sip_content_length         (const UstSipText *text);
const char     *ust_sip_diagnose               (const UstSipText *text);
char           *ust_sip_to_string              (osip_message_t  *message,
                                                gsize           *len,
                                                GError         **error);
osip_message_t *ust_sip_response_new           (osip_message_t  *request,
                                                guint            code,
                                                const char      *reason,
                                                const char      *to_tag);
void            ust_sip_add_header             (osip_message_t  *message,
                                                const char      *name,
                                                const char      *value);
void            ust_sip_fix_top_via            (osip_message_t  *request,
                                                const char      *host,
                                                guint            port);
const char     *ust_sip_header_value           (osip_message_t  *message,
                                                const char      *name);
const char     *ust_sip_via_branch             (osip_via_t      *via);
guint           ust_sip_via_port               (osip_via_t      *via);
guint           ust_sip_uri_port               (osip_uri_t      *uri);
gboolean        ust_sip_parse_uint             (const char      *text,
                                                guint64          max,
                                                guint64         *value);
const char     *ust_sip_to_tag                 (osip_message_t  *message);
const char     *ust_sip_from_tag               (osip_message_t  *message);
char           *ust_sip_uri_to_string          (osip_uri_t      *uri);
const char     *ust_sip_standard_reason        (guint            code);
char           *ust_sip_request_from_invite    (osip_message_t  *invite,
                                                const char      *method,
                                                osip_to_t       *to,
                                                gsize           *len);
void            ust_sip_remove_top_routes      (osip_message_t  *request,
                                                guint            n);
void            ust_sip_set_reason_phrase      (osip_message_t  *message,
                                                const char      *phrase);
osip_from_t    *ust_sip_parse_name_addr        (const char      *text);
gboolean        ust_sip_read_media             (osip_message_t  *message,
                                                UstSipMedia     *media);
gboolean        ust_sip_mentions_video         (osip_message_t  *message);

G_END_DECLS
