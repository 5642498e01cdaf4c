/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A robot's SIP transactions over UDP (RFC 3261 §17): client transactions
 * retransmit a request until it is answered (timers A/B, E/F), ACK a
 * failure to an INVITE themselves (§17.1.1.3); server transactions answer a
 * retransmitted request with the last response and retransmit a failure to
 * an INVITE until its ACK (timers G/H), and keep a non-INVITE's answer a
 * while for retransmissions (timer J). 2xx to INVITE is the user agent's
 * business (§13.3.1.4), not theirs. Timers run on the thread-default main
 * context; everything is sent through one function. */

#include <glib.h>

#include "ust-sip.h"

G_BEGIN_DECLS

typedef struct _UstRobotTransactions UstRobotTransactions;
typedef struct _UstRobotServerTx UstRobotServerTx;

typedef void (*UstRobotSendFunc)     (const char       *data,
                                      gsize             length,
                                      gpointer          user_data);
/* A response for a client transaction: @response is NULL and @code 408
 * when it timed out (timer B or F). */
typedef void (*UstRobotResponseFunc) (osip_message_t   *response,
                                      const UstSipText *text,
                                      guint             code,
                                      gpointer          user_data);

UstRobotTransactions *ust_robot_transactions_new      (guint                  t1_ms,
                                                       UstRobotSendFunc       send,
                                                       gpointer               send_data);
void                  ust_robot_transactions_free     (UstRobotTransactions  *self);
void                  ust_robot_transactions_send     (UstRobotTransactions  *self,
                                                       const char            *data,
                                                       gsize                  length);
void                  ust_robot_client_start          (UstRobotTransactions  *self,
                                                       const char            *branch,
                                                       const char            *method,
                                                       GString               *request,
                                                       UstRobotResponseFunc   func,
                                                       gpointer               data);
gboolean              ust_robot_client_match          (UstRobotTransactions  *self,
                                                       osip_message_t        *response,
                                                       const UstSipText      *text);
void                  ust_robot_transactions_forget   (UstRobotTransactions  *self,
                                                       gpointer               data);
UstRobotServerTx     *ust_robot_server_find           (UstRobotTransactions  *self,
                                                       const char            *branch,
                                                       const char            *method);
UstRobotServerTx     *ust_robot_server_start          (UstRobotTransactions  *self,
                                                       const char            *branch,
                                                       const char            *method);
gboolean              ust_robot_server_absorb         (UstRobotTransactions  *self,
                                                       osip_message_t        *request);
void                  ust_robot_server_respond        (UstRobotServerTx      *tx,
                                                       guint                  code,
                                                       GString               *response);
guint                 ust_robot_server_get_code       (UstRobotServerTx      *tx);
guint                 ust_robot_transactions_get_t1   (UstRobotTransactions  *self);

G_END_DECLS
