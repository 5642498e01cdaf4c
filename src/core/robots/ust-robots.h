/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Robot phones: built-in users inside the exchange that answer like a
 * phone would, so that one student can try every scenario of the lab
 * alone. Each is a user agent of its own (ust-robot-ua.h) that registers at
 * the exchange, so its calls cross the proxy, the wire trace, the ladder
 * and the diary exactly as a phone's. What each does:
 *
 *   echo        answers and sends back every RTP packet (audio and video)
 *   busy        486 Busy Here
 *   decline     603 Decline
 *   noanswer    rings until the caller gives up (or the proxy's timer C)
 *   hold        answers, holds the caller after 5 s, resumes 5 s later
 *   transfer    answers, blind-transfers the caller after 3 s (REFER)
 *   conference  answers, calls echo as well after 3 s: one phone in two calls
 *
 * Lives on the thread-default main context, beside the proxy. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  UST_ROBOT_ECHO,
  UST_ROBOT_BUSY,
  UST_ROBOT_DECLINE,
  UST_ROBOT_NOANSWER,
  UST_ROBOT_HOLD,
  UST_ROBOT_TRANSFER,
  UST_ROBOT_CONFERENCE,
} UstRobotKind;

#define UST_N_ROBOTS 7
#define UST_ROBOTS_ALL ((1u << UST_N_ROBOTS) - 1)
#define UST_ROBOT_BIT(kind) (1u << (kind))

/* Where the transfer robot sends its callers unless told otherwise. */
#define UST_ROBOT_DEFAULT_TRANSFER_TO "echo"

/* The timings of the scenarios, in milliseconds. */
#define UST_ROBOT_ANSWER_DELAY_MS 500
#define UST_ROBOT_HOLD_AFTER_MS 5000
#define UST_ROBOT_TRANSFER_AFTER_MS 3000
#define UST_ROBOT_CONFERENCE_AFTER_MS 3000

typedef struct {
  GInetSocketAddress *exchange;     /* the exchange's UDP address (any: all addresses) */
  const char         *domain;       /* or NULL: the exchange's address */
  guint               robots;       /* UST_ROBOT_BIT()s of those on */
  const char         *transfer_to;  /* or NULL: UST_ROBOT_DEFAULT_TRANSFER_TO */
  guint               timer_t1;     /* ms; 0: 500 */
} UstRobotsConfig;

typedef struct _UstRobots UstRobots;

UstRobots  *ust_robots_new               (const UstRobotsConfig  *config);
void        ust_robots_free              (UstRobots              *self);
void        ust_robots_set_enabled       (UstRobots              *self,
                                          guint                   robots);
guint       ust_robots_get_enabled       (UstRobots              *self);
void        ust_robots_set_transfer_to   (UstRobots              *self,
                                          const char             *user);
gboolean    ust_robots_all_registered    (UstRobots              *self);

const char *ust_robot_name               (UstRobotKind            kind);
const char *ust_robot_describe           (UstRobotKind            kind);
gboolean    ust_robot_from_name          (const char             *name,
                                          UstRobotKind           *kind);
gboolean    ust_robots_parse             (const char             *text,
                                          guint                  *robots,
                                          GError                **error);
char       *ust_robots_to_text           (guint                   robots);
gboolean    ust_robots_is_robot_instance (const char             *instance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UstRobots, ust_robots_free)

G_END_DECLS
