/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the capture check knows of each SIP message, read once with
 * libosip2 (ust-sip.c) into small structs, and the context the rules share:
 * every message, which received message the proxy forwarded as which sent
 * one, the registrations seen, and the findings so far.
 *
 * Private to the capture part: the rules (ust-check-*.c) read it, and
 * ust-capture-check.c builds it, runs them and returns the findings. */

#include <glib.h>

#include "ust-capture.h"
#include "ust-finding.h"
#include "ust-trace.h"

G_BEGIN_DECLS

/* What the rules look at: the top two Vias (ours and the hop before), the
 * top Route and Record-Route, a REGISTER's first Contacts; the counts are
 * of all. Kept small: a capture may hold 100,000 messages. */
#define UST_CHECK_MAX_VIAS     2
#define UST_CHECK_MAX_ROUTES   1
#define UST_CHECK_MAX_CONTACTS 2

typedef struct {
  const char *branch;      /* NULL when none; strings live in the context's chunk */
  const char *host;
  guint       port;        /* 0 when not written */
  const char *received;
  gint        rport;       /* -1: no rport; 0: ";rport" with no value; else its value */
} UstCheckVia;

typedef struct {
  const char *user;
  const char *host;
  guint       port;        /* 0 when not written */
  gboolean    lr;
  gint        expires;     /* a Contact's ;expires, -1 when absent */
} UstCheckUri;

typedef struct {
  UstTraceEntry *entry;
  guint          index;
  gboolean       parsed;
  gboolean       request;
  gboolean       from_proxy;
  gboolean       to_proxy;
  const char    *method;           /* the request's, or the CSeq's for a response */
  guint          status;
  const char    *reason;
  const char    *call_id;
  guint32        cseq;
  const char    *from_tag;
  const char    *to_tag;
  const char    *from_user;
  const char    *to_user;
  UstCheckUri    request_uri;
  guint          n_vias;
  UstCheckVia    vias[UST_CHECK_MAX_VIAS];
  guint          n_routes;
  UstCheckUri    routes[UST_CHECK_MAX_ROUTES];
  guint          n_record_routes;
  UstCheckUri    record_routes[UST_CHECK_MAX_ROUTES];
  guint          n_contacts;
  UstCheckUri    contacts[UST_CHECK_MAX_CONTACTS];
  gint           expires;          /* the Expires header, -1 when absent */
  gint           max_forwards;     /* -1 when absent */
  gint64         content_length;   /* -1 when absent */
  gsize          body_start;
  gsize          body_len;         /* the bytes after the empty line */
  guint          body_hash;
  gint           pair;             /* the other half of a forwarded message, -1 */
} UstCheckMessage;

/* A binding a REGISTER made (RFC 3261 §10.3): who, when, where the
 * REGISTER came from, and the Contact it asked for. */
typedef struct {
  const char      *user;
  guint            index;        /* of the REGISTER */
  UstTraceAddress  source;
  UstTraceAddress  contact;      /* family 0 when the Contact is no IP address */
  gint             expires;      /* the time asked for, -1 when the request did not say */
} UstCheckRegistration;

typedef struct {
  UstCapture       *capture;
  GPtrArray        *entries;
  UstCheckMessage  *messages;
  guint             n_messages;
  UstTraceAddress   proxy;
  gboolean          has_proxy;
  GStringChunk     *strings;
  GPtrArray        *findings;       /* UstFinding* */
  GHashTable       *reported;       /* one finding per rule and transaction */
  GArray           *registrations;  /* UstCheckRegistration, in capture order */
  GHashTable       *by_address;     /* UstTraceAddress* -> GArray of guint (registrations) */
  GHashTable       *by_user;        /* user -> GArray of guint */
  GHashTable       *requests_in;    /* "cseq|method|top branch" -> first request to the proxy */
  GHashTable       *requests_out;   /* the same for requests from the proxy */
} UstCheckContext;

UstCheckContext *ust_check_context_new        (UstCapture             *capture);
void             ust_check_context_free       (UstCheckContext        *ctx);
void             ust_check_add                (UstCheckContext        *ctx,
                                               UstRule                 rule,
                                               const UstCheckMessage  *message,
                                               char                   *detail);
gboolean         ust_check_message_is         (const UstCheckMessage  *message,
                                               const char             *method);
gboolean         ust_check_is_initial         (const UstCheckMessage  *message);
const UstTraceAddress *
                 ust_check_source             (const UstCheckMessage  *message);
const UstTraceAddress *
                 ust_check_destination        (const UstCheckMessage  *message);
char            *ust_check_address_text       (const UstTraceAddress  *address);
gboolean         ust_check_uri_is_proxy       (UstCheckContext        *ctx,
                                               const UstCheckUri      *uri);
gboolean         ust_check_uri_address       (const UstCheckUri      *uri,
                                               UstTraceAddress        *address);
const UstCheckRegistration *
                 ust_check_binding_at        (UstCheckContext        *ctx,
                                               const UstTraceAddress  *address,
                                               guint                   before);
const UstCheckRegistration *
                 ust_check_latest_registration (UstCheckContext      *ctx,
                                               const char             *user,
                                               guint                   before);
const UstCheckMessage *
                 ust_check_request_of        (UstCheckContext        *ctx,
                                               const UstCheckMessage  *response);
const UstCheckMessage *
                 ust_check_find_request      (UstCheckContext        *ctx,
                                               gboolean                to_proxy,
                                               guint32                 cseq,
                                               const char             *method,
                                               const char             *branch);
const char      *ust_check_body               (const UstCheckMessage  *message,
                                               gsize                  *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstCheckContext, ust_check_context_free)

G_END_DECLS
