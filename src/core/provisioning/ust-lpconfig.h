/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What a phone is given when it scans the setup card's code: Linphone's
 * remote provisioning (an XML "lpconfig" document that Linphone fetches
 * from a URL and merges into its configuration), and that URL, which
 * carries a token per user so that only the codes the exchange showed are
 * served. Plain functions: no socket, no state. */

#include <glib.h>

#include "ust-protocol.h"

G_BEGIN_DECLS

/* The password the documents give: the exchange asks for none, but some
 * phones will not save an account without one. */
#define UST_LPCONFIG_PASSWORD "1234"

/* How long a provisioned phone's registration lasts (RFC 3261 §10.2.1.1:
 * the phone asks, the registrar may shorten it). Ten minutes: a phone
 * that was switched off leaves the list soon. */
#define UST_LPCONFIG_EXPIRES 600

/* The key the tokens are made with: random for each run of the exchange. */
#define UST_PROVISIONING_KEY_SIZE 32

typedef struct {
  guint8 bytes[UST_PROVISIONING_KEY_SIZE];
} UstProvisioningKey;

/* One account, as the document describes it. */
typedef struct {
  const char  *user;       /* "alice" */
  const char  *domain;     /* the host part of the phone's address: a name or the address */
  const char  *host;       /* where the exchange is, numeric: "192.168.1.10", "fd00::2" */
  guint        port;       /* the exchange's port for @protocol */
  UstProtocol  protocol;
  guint        expires;    /* seconds */
} UstLpconfigAccount;

gboolean  ust_lpconfig_user_is_valid    (const char               *user);
char     *ust_lpconfig_document         (const UstLpconfigAccount *account);
void      ust_provisioning_key_generate (UstProvisioningKey       *key);
char     *ust_provisioning_token        (const UstProvisioningKey *key,
                                         const char               *user);
gboolean  ust_provisioning_token_matches (const UstProvisioningKey *key,
                                         const char               *user,
                                         const char               *token);
char     *ust_provisioning_path         (const char               *user);
char     *ust_provisioning_url          (const UstProvisioningKey *key,
                                         const char               *host,
                                         guint                     port,
                                         const char               *user,
                                         UstProtocol               protocol);

G_END_DECLS
