/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The robots' SIP as text (private to src/core/robots/): requests and
 * responses are written out line by line, as a student would read them;
 * what a received message says is read from its parsed form (the sip part)
 * or, where it must be copied as sent (Via, To, Record-Route), from its
 * raw header lines. */

#include <glib.h>

#include "ust-robot-sdp.h"
#include "ust-sip.h"

G_BEGIN_DECLS

/* What a robot takes; UPDATE, REFER and SUBSCRIBE get 405 with this list
 * (RFC 3261 §21.4.6). */
#define ROBOT_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, INFO, MESSAGE"
/* User-Agent and Server of every robot: the diary shows it as the phone. */
#define ROBOT_AGENT "Ustredna/" PACKAGE_VERSION " robot"

char      *ust_robot_random_hex    (guint              n_bytes);
char      *ust_robot_new_branch    (void);
char      *ust_robot_call_key      (const char        *call_id,
                                    const char        *tag);
char      *ust_robot_raw_value     (const UstSipText  *text,
                                    const char        *name,
                                    char               compact);
GPtrArray *ust_robot_raw_values    (const UstSipText  *text,
                                    const char        *name);
char      *ust_robot_contact_uri   (osip_message_t    *message);
guint32    ust_robot_cseq_number   (osip_message_t    *message);
void       ust_robot_message_end   (GString           *message,
                                    const char        *content_type,
                                    const char        *body);
GString   *ust_robot_response_head (const UstSipText  *request,
                                    guint              code,
                                    const char        *reason,
                                    const char        *add_tag,
                                    gboolean           record_route);
GString   *ust_robot_request_head  (const char        *host,
                                    guint              port,
                                    const char        *method,
                                    const char        *uri,
                                    const char        *branch);
char      *ust_robot_warning       (const char        *host,
                                    const char        *text);
gboolean   ust_robot_read_offer    (const char        *host,
                                    osip_message_t    *message,
                                    UstSdp           **offer,
                                    guint             *status,
                                    char             **extra);
UstSdp    *ust_robot_answer_of     (osip_message_t    *response);

G_END_DECLS
