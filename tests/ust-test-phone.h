/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A "phone" for the unit tests that run the proxy on real sockets: a plain
 * UDP socket on a loopback address, sending text to the exchange and
 * reading what comes back while the test's main context runs the proxy. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GSocket        *socket;
  GSocketAddress *address;   /* its own, with the port it got */
  GSocketAddress *exchange;  /* where it sends to */
  char           *host;      /* its own address, e.g. "127.0.0.2" */
  guint           port;
} UstTestPhone;

void  ust_test_phone_init    (UstTestPhone   *phone,
                              const char     *host,
                              GSocketAddress *exchange);
void  ust_test_phone_clear   (UstTestPhone   *phone);
void  ust_test_phone_send    (UstTestPhone   *phone,
                              const char     *text);
void  ust_test_phone_send_to (UstTestPhone   *phone,
                              GSocketAddress *to,
                              const char     *text);
char *ust_test_phone_receive (UstTestPhone   *phone,
                              guint           timeout_ms,
                              char          **from);
char *ust_test_phone_register (UstTestPhone  *phone,
                               const char    *user);

G_END_DECLS
