/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared between ust-proxy.c (requests) and ust-proxy-response.c
 * (responses, CANCEL, timers). */

#include "ust-proxy.h"
#include "ust-sip.h"
#include "ust-sip-text.h"
#include "ust-timer-queue.h"
#include "ust-transaction.h"

G_BEGIN_DECLS

/* Our branches: the magic cookie, 'u', a hash of what identifies the request
 * (for loop detection, §16.6 step 8), a dot and a unique part. */
#define UST_BRANCH_PREFIX "z9hG4bKu"
#define UST_BRANCH_HASH_LEN 8

struct _UstProxy {
  GObject              parent_instance;

  UstTransport        *transport;
  UstRegistrar        *registrar;
  UstReasonTable      *reasons;
  UstCallTracker      *tracker;      /* optional: the call diary's source */
  UstTransactionTable *transactions;
  UstTimerQueue       *timers;

  char                *bare_host;    /* the bound address, without brackets, for comparisons;
                                      * Via and Record-Route use the UstLocalAddress a
                                      * datagram came in or goes out at */
  guint                port;
  char                *domain;
  gboolean             any;          /* bound to all addresses: host is "0.0.0.0" or "[::]" */
  gboolean             open;
  guint                t1, t2, t4;
  guint                timer_c;      /* §16.6 step 11, in milliseconds */

  char                 instance[8];  /* random per run: branches and tags stay unique */
  guint64              counter;
  char                *out;          /* scratch for outgoing messages */
  UstProxyStats        stats;
  guint                event_signal;
};

/* ust-proxy.c */
gboolean ust_proxy_send          (UstProxy       *self,
                                  const UstLocalAddress *from,
                                  GSocketAddress *to,
                                  const char     *data,
                                  gsize           len);
gboolean ust_proxy_wants_events  (UstProxy       *self);
void     ust_proxy_emit_event    (UstProxy       *self,
                                  const char     *format,
                                  ...) G_GNUC_PRINTF (2, 3);
gboolean ust_proxy_is_our_via    (UstProxy       *self,
                                  osip_via_t     *via);
GSocketAddress *ust_proxy_via_destination (osip_via_t *via);
void     ust_proxy_new_branch    (UstProxy       *self,
                                  guint32         hash,
                                  char           *buffer,
                                  gsize           size);
void     ust_proxy_respond_to_server (UstProxy   *self,
                                  UstServerTxn   *server,
                                  guint           code,
                                  const char     *phrase);

/* ust-proxy-response.c */
void     ust_proxy_handle_response (UstProxy       *self,
                                  osip_message_t *response,
                                  const UstSipText *text,
                                  GSocketAddress *source);
void     ust_proxy_start_client  (UstProxy       *self,
                                  UstClientTxn   *client);
void     ust_proxy_cancel_branches (UstProxy     *self,
                                  UstServerTxn   *server,
                                  UstClientTxn   *except);
void     ust_proxy_server_final_sent (UstProxy   *self,
                                  UstServerTxn   *server);
gboolean ust_proxy_send_to_server (UstProxy      *self,
                                  UstServerTxn   *server,
                                  const char     *data,
                                  gsize           len,
                                  guint           code);

G_END_DECLS
