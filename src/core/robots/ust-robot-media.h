/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The media of one robot call: a UDP socket per stream on the exchange's
 * address (and the next port for RTCP, which is read and dropped), the
 * session descriptions that announce them, and what happens to the RTP that
 * arrives. An echo sends every packet back to where it came from (symmetric
 * RTP, RFC 4961: it works behind a NAT and whatever the offer's address),
 * with its own SSRC so that the phone does not take it for a loop; a sink
 * drops it. Sockets live on the thread-default main context. */

#include <gio/gio.h>

#include "ust-robot-sdp.h"

G_BEGIN_DECLS

typedef enum {
  UST_ROBOT_MEDIA_ECHO,
  UST_ROBOT_MEDIA_SINK,
} UstRobotMediaMode;

typedef struct _UstRobotMedia UstRobotMedia;

typedef void (*UstRobotMediaIdleFunc) (gpointer user_data);

UstRobotMedia *ust_robot_media_new         (GInetAddress          *bind_address,
                                            GInetAddress          *fallback_address,
                                            UstRobotMediaMode      mode);
void           ust_robot_media_free        (UstRobotMedia         *self);
void           ust_robot_media_watch_idle  (UstRobotMedia         *self,
                                            guint                  timeout_ms,
                                            UstRobotMediaIdleFunc  func,
                                            gpointer               user_data);
char          *ust_robot_media_answer      (UstRobotMedia         *self,
                                            const UstSdp          *offer,
                                            GError               **error);
char          *ust_robot_media_offer       (UstRobotMedia         *self,
                                            UstSdpDirection        direction,
                                            GError               **error);
void           ust_robot_media_take_answer (UstRobotMedia         *self,
                                            const UstSdp          *answer);
void           ust_robot_media_relay_to    (UstRobotMedia         *self,
                                            UstRobotMedia         *target);
guint          ust_robot_media_n_packets   (UstRobotMedia         *self);

G_END_DECLS
