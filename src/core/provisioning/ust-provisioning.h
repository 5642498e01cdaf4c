/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The setup documents' web server (libsoup 3): a phone that scanned the
 * setup card's code fetches /provisioning/USER.xml?token=… from it and
 * gets its account (ust-lpconfig.h). It serves nothing else, only while
 * the exchange runs, on the exchange's address; each URL's token is the
 * user's own, made with a key random for each run. Everything else is 404,
 * and requests too large for a GET of a small document are refused.
 *
 * Lives on the main context that was thread-default when it was made (the
 * exchange's), like the transport. */

#include <gio/gio.h>

#include "ust-lpconfig.h"

G_BEGIN_DECLS

#define UST_TYPE_PROVISIONING (ust_provisioning_get_type ())
G_DECLARE_FINAL_TYPE (UstProvisioning, ust_provisioning, UST, PROVISIONING, GObject)

/* Where the exchange is, as the documents describe it. */
typedef struct {
  GInetAddress *address;                   /* the exchange's (any: all addresses) */
  guint         port;                      /* HTTP; 0 picks a free one */
  const char   *domain;                    /* or NULL: the address the phone used */
  guint         sip_ports[UST_N_PROTOCOLS]; /* 0: that transport is off */
  guint         expires;                   /* 0: UST_LPCONFIG_EXPIRES */
} UstProvisioningConfig;

UstProvisioning          *ust_provisioning_new      (const UstProvisioningConfig  *config,
                                                     GError                      **error);
void                      ust_provisioning_close    (UstProvisioning              *self);
guint                     ust_provisioning_get_port (UstProvisioning              *self);
const UstProvisioningKey *ust_provisioning_get_key  (UstProvisioning              *self);

G_END_DECLS
