/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Server and client transactions of a stateful proxy (RFC 3261 §17), with
 * the RFC 6026 "Accepted" state for INVITE 2xx. The proxy logic that pairs
 * them (§16) lives in ust-proxy.c; this file owns the table, the keys and
 * the lifetimes. */

#include <gio/gio.h>
#include <osipparser2/osip_parser.h>

#include "ust-timer-queue.h"
#include "ust-transport.h"

G_BEGIN_DECLS

typedef enum {
  UST_TXN_TRYING,
  UST_TXN_PROCEEDING,
  UST_TXN_COMPLETED,
  UST_TXN_CONFIRMED,
  UST_TXN_ACCEPTED,
} UstTxnState;

/* §16.7: the best final response so far among a request's branches. Only
 * a forked or failed request needs one, so it is apart from the
 * transaction, which stays small for the 32 s it lives after a 2xx. */
typedef struct {
  char           *text;           /* ready to send, or NULL for an outcome of our own */
  gsize           len;
  guint           code;
  char           *orig_phrase;    /* its phrase as the callee sent it */
  GSocketAddress *source;         /* the branch it came from, for the diary */
  UstProtocol     protocol;
} UstBestResponse;

/* Timer G (§17.2.1): only a non-2xx final to an INVITE over UDP has it. */
typedef struct {
  guint           ms;
  UstTimer        timer;
} UstResendTimer;

typedef struct _UstServerTxn UstServerTxn;
typedef struct _UstClientTxn UstClientTxn;
typedef struct _UstTransactionTable UstTransactionTable;

struct _UstServerTxn {
  char           *key;
  gboolean        invite;
  UstTxnState     state;
  GSocketAddress *source;         /* responses go back here (RFC 3581) */
  const UstLocalAddress *local;   /* ...from where the request arrived */
  UstProtocol     protocol;       /* ...the same way (§18.2.2) */
  guint64         connection;     /* ...on its connection, for TCP and TLS */
  char           *request;        /* as received; dropped once a final is sent */
  gsize           request_len;
  char           *response;       /* the last response sent, for retransmissions */
  gsize           response_len;
  guint           response_code;
  GPtrArray      *branches;       /* UstClientTxn*, borrowed */
  guint           pending;        /* branches without a final response */
  UstBestResponse *best;          /* NULL until a branch ends without a 2xx */
  gboolean        cancelled;
  UstResendTimer *resend;         /* G, NULL when not needed */
  UstTimer        lifetime_timer; /* H, I, J, L */
  char            to_tag[20];
  gpointer        owner;
};

struct _UstClientTxn {
  char           *key;            /* branch + ' ' + method */
  gboolean        invite;
  gboolean        local_cancel;   /* a CANCEL we generated: no server transaction */
  UstTxnState     state;
  UstServerTxn   *server;         /* NULL once the server transaction ended */
  GSocketAddress *destination;
  const UstLocalAddress *local;   /* our address it is sent from, as in its Via */
  UstProtocol     protocol;       /* as in its Via */
  guint64         connection;     /* TCP, TLS: the connection it went on */
  char           *request;        /* as forwarded: retransmissions, CANCEL and ACK */
  gsize           request_len;
  char           *ack;            /* the hop-by-hop ACK for a non-2xx final */
  gsize           ack_len;
  guint           last_code;
  gboolean        cancel_pending;
  guint           retransmit_ms;
  UstTimer        retransmit_timer;  /* A, E */
  UstTimer        timeout_timer;     /* B, F */
  UstTimer        timer_c;           /* §16.6 step 11 */
  UstTimer        lifetime_timer;    /* D, K */
  gpointer        owner;
};

UstTransactionTable *ust_transaction_table_new     (void);
void                 ust_transaction_table_free    (UstTransactionTable *table);
guint                ust_transaction_table_n_server (UstTransactionTable *table);
guint                ust_transaction_table_n_client (UstTransactionTable *table);

gboolean      ust_server_txn_key       (osip_message_t      *request,
                                        const char          *method,
                                        char                *buffer,
                                        gsize                size);
UstServerTxn *ust_server_txn_lookup    (UstTransactionTable *table,
                                        const char          *key);
UstServerTxn *ust_server_txn_new       (UstTransactionTable *table,
                                        const char          *key,
                                        gboolean             invite,
                                        GSocketAddress      *source);
void          ust_server_txn_destroy   (UstTransactionTable *table,
                                        UstServerTxn        *txn);
void          ust_server_txn_set_response (UstServerTxn     *txn,
                                        const char          *data,
                                        gsize                len,
                                        guint                code);
void          ust_server_txn_drop_request (UstServerTxn     *txn);
UstBestResponse *ust_server_txn_ensure_best (UstServerTxn   *txn);
UstResendTimer  *ust_server_txn_ensure_resend (UstServerTxn *txn);

UstClientTxn *ust_client_txn_lookup    (UstTransactionTable *table,
                                        const char          *branch,
                                        const char          *method);
UstClientTxn *ust_client_txn_new       (UstTransactionTable *table,
                                        UstServerTxn        *server,
                                        const char          *branch,
                                        const char          *method,
                                        GSocketAddress      *destination,
                                        const char          *data,
                                        gsize                len);
void          ust_client_txn_destroy   (UstTransactionTable *table,
                                        UstClientTxn        *txn);
GPtrArray    *ust_client_txns_on_connection (UstTransactionTable *table,
                                        guint64              connection);

G_END_DECLS
