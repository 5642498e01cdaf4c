/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by ust-robot-ua.c (the robot's socket, what comes in, its
 * registration) and ust-robot-call.c (its calls: dialogs and what is
 * said in them), private to src/core/robots/. */

#include "ust-robot-transaction.h"
#include "ust-robot-ua.h"

G_BEGIN_DECLS

struct _UstRobotUa {
  char                 *user;
  char                 *domain;
  char                 *instance;
  char                 *host;       /* ours, as Via and Contact say it */
  guint                 port;
  GSocket              *socket;
  GSource              *source;
  GSocketAddress       *exchange;
  GInetAddress         *local_address;
  GInetAddress         *media_address;
  guint                 media_timeout;
  UstRobotTransactions *transactions;
  GHashTable           *calls;      /* key → UstRobotCall* */
  UstRobotUaEvents      events;
  gpointer              data;

  char                 *reg_call_id;
  char                 *reg_tag;
  guint32               reg_cseq;
  guint                 reg_expires;
  gboolean              registered;
  GSource              *reg_timer;
};

/* ust-robot-call.c */
void ust_robot_calls_take_request  (UstRobotUa       *self,
                                    osip_message_t   *message,
                                    const UstSipText *text);
void ust_robot_calls_take_response (UstRobotUa       *self,
                                    osip_message_t   *message,
                                    const UstSipText *text);
void ust_robot_calls_end_all       (UstRobotUa       *self);

G_END_DECLS
