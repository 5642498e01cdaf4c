/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One robot phone's user agent (RFC 3261 §8, §12–15): its own UDP socket on
 * the exchange's address, registered at the exchange like any phone, and
 * talking to it only, as to an outbound proxy, so every message it sends or
 * gets crosses the exchange's proxy, trace, ladder and diary. It answers
 * and places calls (dialogs with their tags, CSeq, Contact, route set),
 * sends re-INVITE, REFER and BYE in them, and answers what comes in them;
 * what it decides (ring, answer, reject, hold, transfer) is the caller's,
 * through UstRobotUaEvents. Lives on the thread-default main context. */

#include <gio/gio.h>

#include "ust-robot-media.h"
#include "ust-robot-sdp.h"

G_BEGIN_DECLS

typedef struct _UstRobotUa UstRobotUa;
typedef struct _UstRobotCall UstRobotCall;

typedef struct {
  const char         *user;           /* "echo" */
  const char         *domain;         /* the host part of its address of record */
  GInetAddress       *local;          /* where its SIP socket binds */
  GInetSocketAddress *exchange;       /* where it sends everything */
  GInetAddress       *media;          /* where its RTP sockets bind */
  const char         *instance;       /* its +sip.instance, "<urn:uuid:…>" */
  guint               t1;             /* ms; 0: 500 */
  guint               media_timeout;  /* ms without RTP before an answered call is hung up */
} UstRobotUaConfig;

/* What happens to a robot's calls; each gets the @data given to
 * ust_robot_ua_new(). */
typedef struct {
  /* A new INVITE: ring, answer or reject it (now or later). */
  void (*incoming)  (UstRobotCall *call, gpointer data);
  /* The call is up: the ACK came, or our INVITE was answered and ACKed. */
  void (*confirmed) (UstRobotCall *call, gpointer data);
  /* The final response to a re-INVITE or REFER we sent in the call. */
  void (*answered)  (UstRobotCall *call, const char *method, guint code, gpointer data);
  /* A NOTIFY about our REFER (RFC 3515 §2.4.5): the new call's status
   * code, and whether it is the last one. */
  void (*notified)  (UstRobotCall *call, guint code, gboolean last, gpointer data);
  /* The call is over; it is freed when this returns. */
  void (*ended)     (UstRobotCall *call, gpointer data);
} UstRobotUaEvents;

UstRobotUa    *ust_robot_ua_new            (const UstRobotUaConfig  *config,
                                            const UstRobotUaEvents  *events,
                                            gpointer                 data,
                                            GError                 **error);
void           ust_robot_ua_free           (UstRobotUa              *self);
guint          ust_robot_ua_get_port       (UstRobotUa              *self);
gboolean       ust_robot_ua_is_registered  (UstRobotUa              *self);
UstRobotCall  *ust_robot_ua_call           (UstRobotUa              *self,
                                            const char              *user,
                                            UstRobotMediaMode        mode);

UstRobotUa    *ust_robot_call_get_ua       (UstRobotCall            *call);
gboolean       ust_robot_call_is_outgoing  (UstRobotCall            *call);
UstRobotMedia *ust_robot_call_get_media    (UstRobotCall            *call);
void           ust_robot_call_set_data     (UstRobotCall            *call,
                                            gpointer                 data,
                                            GDestroyNotify           destroy);
gpointer       ust_robot_call_get_data     (UstRobotCall            *call);
void           ust_robot_call_ring         (UstRobotCall            *call);
void           ust_robot_call_reject       (UstRobotCall            *call,
                                            guint                    code);
void           ust_robot_call_answer       (UstRobotCall            *call,
                                            UstRobotMediaMode        mode);
void           ust_robot_call_hold         (UstRobotCall            *call,
                                            gboolean                 hold);
void           ust_robot_call_refer        (UstRobotCall            *call,
                                            const char              *user);
void           ust_robot_call_hangup       (UstRobotCall            *call);

G_END_DECLS
