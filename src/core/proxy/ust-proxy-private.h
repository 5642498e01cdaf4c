/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the proxy's files. They call each other in one direction only:
 * ust-proxy.c (requests, routing) → ust-proxy-client.c (branches, their
 * responses, CANCEL) → ust-proxy-server.c (responses to the caller, server
 * transaction timers) → ust-proxy-common.c (events, sending, our addresses). */

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

/* Room for the largest datagram plus what a proxy adds to it. */
#define OUT_SIZE (UST_MAX_DATAGRAM + UST_SIP_EDIT_ARENA)

/* What one incoming request needs on its way through. */
typedef struct {
  osip_message_t   *request;
  const UstSipText *text;
  GSocketAddress   *source;
  const UstLocalAddress *local;     /* where it arrived: our answers leave from there */
  UstProtocol       protocol;       /* how it arrived */
  guint64           connection;     /* TCP, TLS: on which connection */
  const char       *method;
  gsize             message_end;    /* bytes past the declared body are dropped */
  UstSipEdit        edit;           /* the edits every forwarded copy shares */
  guint32           loop_hash;
  gboolean          out_of_dialog;
} Incoming;

/* ust-proxy-common.c: what every side uses */
gboolean        ust_proxy_wants_events      (UstProxy              *self);
void            ust_proxy_emit_event        (UstProxy              *self,
                                             const char            *format,
                                             ...) G_GNUC_PRINTF (2, 3);
gboolean        ust_proxy_send              (UstProxy              *self,
                                             UstPeer               *to,
                                             const char            *data,
                                             gsize                  len);
gboolean        ust_proxy_is_our_port       (UstProxy              *self,
                                             guint                  port);
UstProtocol     ust_proxy_uri_protocol      (osip_uri_t            *uri);
guint           ust_proxy_uri_port          (osip_uri_t            *uri);
gboolean        ust_proxy_host_is_ours      (UstProxy              *self,
                                             const char            *host);
gboolean        ust_proxy_is_our_via        (UstProxy              *self,
                                             osip_via_t            *via);
GSocketAddress *ust_proxy_address_from_host (const char            *host,
                                             guint                  port);
GSocketAddress *ust_proxy_via_destination   (osip_via_t            *via,
                                             UstProtocol           *protocol);

/* ust-proxy-server.c: the server side (§17.2), responses of our own */
void     ust_proxy_respond           (UstProxy     *self,
                                      Incoming     *in,
                                      UstServerTxn *server,
                                      guint         code,
                                      const char   *phrase,
                                      const char   *extra);
void     ust_proxy_respond_to_server (UstProxy     *self,
                                      UstServerTxn *server,
                                      guint         code,
                                      const char   *phrase);
void     ust_proxy_edit_sender_via   (Incoming     *in,
                                      UstSipEdit   *edit);
gboolean ust_proxy_respond_raw       (UstProxy         *self,
                                      const UstSipText *text,
                                      const UstPeer    *to,
                                      guint             code,
                                      const char       *phrase);
gboolean ust_proxy_send_to_server    (UstProxy     *self,
                                      UstServerTxn *server,
                                      const char   *data,
                                      gsize         len,
                                      guint         code);
void     ust_proxy_server_final_sent (UstProxy     *self,
                                      UstServerTxn *server);
void     ust_proxy_resend_to_server  (UstProxy     *self,
                                      UstServerTxn *server);

/* ust-proxy-client.c: the client side (§16.7, §17.1), branches and CANCEL */
void     ust_proxy_start_client      (UstProxy         *self,
                                      UstClientTxn     *client);
void     ust_proxy_cancel_branches   (UstProxy         *self,
                                      UstServerTxn     *server,
                                      UstClientTxn     *except);
void     ust_proxy_connection_failed (UstProxy         *self,
                                      guint64           connection);
void     ust_proxy_handle_response   (UstProxy         *self,
                                      osip_message_t   *response,
                                      const UstSipText *text,
                                      const UstPeer    *from);

G_END_DECLS
