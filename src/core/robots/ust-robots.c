/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robots"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ust-robot-source.h"
#include "ust-robot-ua.h"
#include "ust-robots.h"

/* The +sip.instance of each robot (RFC 5626 §4.1): a fixed URN per robot,
 * "ustredna" in hex plus its number, so that a robot registering again on
 * a new port replaces its old binding, and the window can tell robots from
 * phones. */
#define INSTANCE_PREFIX "<urn:uuid:75737472-6564-4e61-a000-0000000000"

/* An echo hangs up after this many T1 without RTP: 60 s with RFC 3261's
 * 500 ms (a test's small T1 shrinks it, as it does timer C). */
#define MEDIA_TIMEOUT_T1 120

static const char *const names[UST_N_ROBOTS] = {
  "echo", "busy", "decline", "noanswer", "hold", "transfer", "conference",
};

static const char *const descriptions[UST_N_ROBOTS] = {
  N_("Answers and sends back everything it hears: you hear yourself, and see yourself in a "
     "video call"),
  N_("Answers “486 Busy Here”"),
  N_("Answers “603 Decline”"),
  N_("Rings until the caller gives up"),
  N_("Answers, puts the caller on hold after 5 seconds and takes the call back 5 seconds later"),
  N_("Answers, and after 3 seconds transfers the caller to another user (REFER)"),
  N_("Answers, and after 3 seconds calls echo as well: one phone in two calls"),
};

typedef struct _Robot Robot;

struct _UstRobots {
  GInetSocketAddress *exchange;     /* where robots send: the exchange (loopback when on all) */
  GInetAddress       *local;        /* where their SIP sockets bind */
  GInetAddress       *media;        /* where their RTP sockets bind */
  char               *domain;
  char               *transfer_to;
  guint               t1;
  Robot              *robots[UST_N_ROBOTS];
};

struct _Robot {
  UstRobots    *owner;
  UstRobotKind  kind;
  UstRobotUa   *ua;
};

/* A robot's state for one call. */
typedef struct {
  Robot        *robot;
  UstRobotCall *call;
  GSource      *timer;
  gboolean      held;         /* hold: the caller is on hold now */
  gboolean      retried;      /* hold: a 491 was tried again once */
  UstRobotCall *partner;      /* conference: the other call */
} RobotCall;

static void
robot_call_free (RobotCall *state)
{
  ust_robot_source_clear (&state->timer);
  g_free (state);
}

static void
later (RobotCall   *state,
       guint        ms,
       GSourceFunc  func)
{
  ust_robot_source_clear (&state->timer);
  state->timer = ust_robot_timer_new (ms, func, state);
}

static RobotCall *
state_of (UstRobotCall *call)
{
  return ust_robot_call_get_data (call);
}

static RobotCall *
attach_state (Robot        *robot,
              UstRobotCall *call)
{
  RobotCall *state = g_new0 (RobotCall, 1);

  state->robot = robot;
  state->call = call;
  ust_robot_call_set_data (call, state, (GDestroyNotify) robot_call_free);
  return state;
}

/* Timers: each runs once and forgets itself first, so that what it does
 * may end the call (and free @state) safely. */
static void
timer_done (RobotCall *state)
{
  g_clear_pointer (&state->timer, g_source_unref);
}

static gboolean
answer_cb (gpointer user_data)
{
  RobotCall *state = user_data;

  timer_done (state);
  ust_robot_call_answer (state->call, UST_ROBOT_MEDIA_ECHO);
  return G_SOURCE_REMOVE;
}

static gboolean
hold_cb (gpointer user_data)
{
  RobotCall *state = user_data;

  timer_done (state);
  /* RFC 3264 §8.4: a=sendonly puts the other side on hold, a=sendrecv
   * takes it back. */
  ust_robot_call_hold (state->call, !state->held);
  return G_SOURCE_REMOVE;
}

static gboolean
transfer_cb (gpointer user_data)
{
  RobotCall *state = user_data;

  timer_done (state);
  ust_robot_call_refer (state->call, state->robot->owner->transfer_to);
  return G_SOURCE_REMOVE;
}

static gboolean
conference_cb (gpointer user_data)
{
  RobotCall *state = user_data;
  UstRobotCall *second;

  timer_done (state);
  second = ust_robot_ua_call (state->robot->ua, names[UST_ROBOT_ECHO], UST_ROBOT_MEDIA_SINK);
  if (second != NULL)
    {
      RobotCall *second_state = attach_state (state->robot, second);

      second_state->partner = state->call;
      state->partner = second;
    }
  return G_SOURCE_REMOVE;
}

/* Events of the robots' calls ------------------------------------------------ */

static void
incoming_cb (UstRobotCall *call,
             gpointer      data)
{
  Robot *robot = data;
  RobotCall *state;

  switch (robot->kind)
    {
    case UST_ROBOT_BUSY:
      ust_robot_call_reject (call, 486);
      return;
    case UST_ROBOT_DECLINE:
      ust_robot_call_reject (call, 603);
      return;
    case UST_ROBOT_NOANSWER:
      /* Rings until CANCEL, or until the proxy's timer C sends one. */
      ust_robot_call_ring (call);
      return;
    default:
      /* The others ring a moment, then answer with an echo, so the caller
       * hears themselves whatever comes next. */
      state = attach_state (robot, call);
      ust_robot_call_ring (call);
      later (state, UST_ROBOT_ANSWER_DELAY_MS, answer_cb);
      return;
    }
}

static void
confirmed_cb (UstRobotCall *call,
              gpointer      data)
{
  Robot *robot = data;
  RobotCall *state = state_of (call);

  if (state == NULL)
    return;
  if (ust_robot_call_is_outgoing (call))
    {
      /* The conference's second call is up: the first caller's voice goes
       * on into it. */
      if (state->partner != NULL && ust_robot_call_get_media (state->partner) != NULL)
        ust_robot_media_relay_to (ust_robot_call_get_media (state->partner),
                                  ust_robot_call_get_media (call));
      return;
    }
  switch (robot->kind)
    {
    case UST_ROBOT_HOLD:
      later (state, UST_ROBOT_HOLD_AFTER_MS, hold_cb);
      break;
    case UST_ROBOT_TRANSFER:
      later (state, UST_ROBOT_TRANSFER_AFTER_MS, transfer_cb);
      break;
    case UST_ROBOT_CONFERENCE:
      later (state, UST_ROBOT_CONFERENCE_AFTER_MS, conference_cb);
      break;
    default:
      break;
    }
}

static void
answered_cb (UstRobotCall *call,
             const char   *method,
             guint         code,
             gpointer      data)
{
  Robot *robot = data;
  RobotCall *state = state_of (call);

  if (state == NULL || robot->kind != UST_ROBOT_HOLD || strcmp (method, "INVITE") != 0)
    return;
  if (code >= 200 && code < 300)
    {
      state->held = !state->held;
      state->retried = FALSE;
      /* On hold: back after the same while. Resumed: that was the show. */
      if (state->held)
        later (state, UST_ROBOT_HOLD_AFTER_MS, hold_cb);
    }
  else if (code == 491 && !state->retried)
    {
      /* §14.1: both sides re-INVITEd at once; try again a little later. */
      state->retried = TRUE;
      later (state, 2100 + (guint) g_random_int_range (0, 1900), hold_cb);
    }
}

static void
notified_cb (UstRobotCall *call,
             guint         code,
             gboolean      last,
             gpointer      data)
{
  /* RFC 5589 §6.1: once the transferee's new call is up, the transferor
   * hangs up. A failed transfer leaves the caller with the echo. */
  if (last && code >= 200 && code < 300)
    ust_robot_call_hangup (call);
}

static void
ended_cb (UstRobotCall *call,
          gpointer      data)
{
  RobotCall *state = state_of (call);
  UstRobotCall *partner;

  if (state == NULL || state->partner == NULL)
    return;
  partner = g_steal_pointer (&state->partner);
  if (state_of (partner) != NULL)
    state_of (partner)->partner = NULL;
  if (!ust_robot_call_is_outgoing (call))
    /* The caller left the conference: the second call ends too. */
    ust_robot_call_hangup (partner);
  else if (ust_robot_call_get_media (partner) != NULL)
    ust_robot_media_relay_to (ust_robot_call_get_media (partner), NULL);
}

static const UstRobotUaEvents events = {
  .incoming = incoming_cb,
  .confirmed = confirmed_cb,
  .answered = answered_cb,
  .notified = notified_cb,
  .ended = ended_cb,
};

/* The robots ------------------------------------------------------------------ */

static Robot *
robot_new (UstRobots    *owner,
           UstRobotKind  kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *instance = g_strdup_printf (INSTANCE_PREFIX "%02u>", (guint) kind + 1);
  UstRobotUaConfig config = { 0 };
  Robot *robot = g_new0 (Robot, 1);

  robot->owner = owner;
  robot->kind = kind;
  config.user = names[kind];
  config.domain = owner->domain;
  config.local = owner->local;
  config.exchange = owner->exchange;
  config.media = owner->media;
  config.instance = instance;
  config.t1 = owner->t1;
  config.media_timeout = MEDIA_TIMEOUT_T1 * owner->t1;
  robot->ua = ust_robot_ua_new (&config, &events, robot, &error);
  if (robot->ua == NULL)
    {
      g_warning ("The robot %s cannot start: %s", names[kind], error->message);
      g_free (robot);
      return NULL;
    }
  return robot;
}

static void
robot_free (Robot *robot)
{
  if (robot == NULL)
    return;
  ust_robot_ua_free (robot->ua);
  g_free (robot);
}

/* The robots' addresses follow the exchange's: on one address, the same
 * one; on all addresses, SIP over loopback (always there) and RTP on all,
 * each call's SDP naming the address toward its caller. */
UstRobots *
ust_robots_new (const UstRobotsConfig *config)
{
  UstRobots *self;
  GInetAddress *address;
  guint port;

  g_return_val_if_fail (config != NULL && config->exchange != NULL, NULL);

  self = g_new0 (UstRobots, 1);
  address = g_inet_socket_address_get_address (config->exchange);
  port = g_inet_socket_address_get_port (config->exchange);
  if (g_inet_address_get_is_any (address))
    self->local = g_inet_address_new_loopback (g_inet_address_get_family (address));
  else
    self->local = g_object_ref (address);
  self->exchange = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (self->local, (guint16) port));
  self->media = g_object_ref (address);
  if (config->domain != NULL)
    self->domain = g_strdup (config->domain);
  else
    {
      g_autofree char *host = g_inet_address_to_string (self->local);

      self->domain = g_inet_address_get_family (self->local) == G_SOCKET_FAMILY_IPV6
                       ? g_strdup_printf ("[%s]", host) : g_steal_pointer (&host);
    }
  self->t1 = config->timer_t1 > 0 ? config->timer_t1 : 500;
  ust_robots_set_transfer_to (self, config->transfer_to);
  ust_robots_set_enabled (self, config->robots);
  return self;
}

/* Every robot hangs up and unregisters (ust_robot_ua_free). */
void
ust_robots_free (UstRobots *self)
{
  if (self == NULL)
    return;
  ust_robots_set_enabled (self, 0);
  g_clear_object (&self->exchange);
  g_clear_object (&self->local);
  g_clear_object (&self->media);
  g_free (self->domain);
  g_free (self->transfer_to);
  g_free (self);
}

/* Switches robots on and off while the exchange runs: one switched off
 * hangs up its calls and unregisters. */
void
ust_robots_set_enabled (UstRobots *self,
                        guint      robots)
{
  g_return_if_fail (self != NULL);

  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    {
      gboolean on = (robots & UST_ROBOT_BIT (kind)) != 0;

      if (on && self->robots[kind] == NULL)
        self->robots[kind] = robot_new (self, kind);
      else if (!on && self->robots[kind] != NULL)
        g_clear_pointer (&self->robots[kind], robot_free);
    }
}

guint
ust_robots_get_enabled (UstRobots *self)
{
  guint robots = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    if (self->robots[kind] != NULL)
      robots |= UST_ROBOT_BIT (kind);
  return robots;
}

/* Whom the transfer robot sends its callers to (NULL: echo). */
void
ust_robots_set_transfer_to (UstRobots  *self,
                            const char *user)
{
  g_return_if_fail (self != NULL);

  g_free (self->transfer_to);
  self->transfer_to = g_strdup (user != NULL && *user != '\0' ? user
                                                              : UST_ROBOT_DEFAULT_TRANSFER_TO);
}

/* Whether every robot that is on has its registration (for tests and for
 * a status line). */
gboolean
ust_robots_all_registered (UstRobots *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    if (self->robots[kind] != NULL && !ust_robot_ua_is_registered (self->robots[kind]->ua))
      return FALSE;
  return TRUE;
}

/* Names ------------------------------------------------------------------------- */

const char *
ust_robot_name (UstRobotKind kind)
{
  g_return_val_if_fail (kind < UST_N_ROBOTS, NULL);
  return names[kind];
}

/* What the robot does, translated, for the preferences and --help. */
const char *
ust_robot_describe (UstRobotKind kind)
{
  g_return_val_if_fail (kind < UST_N_ROBOTS, NULL);
  return _(descriptions[kind]);
}

gboolean
ust_robot_from_name (const char   *name,
                     UstRobotKind *kind)
{
  for (UstRobotKind k = 0; k < UST_N_ROBOTS; k++)
    if (name != NULL && g_ascii_strcasecmp (name, names[k]) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

/* "echo,busy" (commas or spaces), "all" or "none". */
gboolean
ust_robots_parse (const char  *text,
                  guint       *robots,
                  GError     **error)
{
  g_auto(GStrv) words = NULL;
  guint result = 0;

  g_return_val_if_fail (text != NULL && robots != NULL, FALSE);

  words = g_strsplit_set (text, ", ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      UstRobotKind kind;

      if (words[i][0] == '\0')
        continue;
      if (g_ascii_strcasecmp (words[i], "all") == 0)
        result |= UST_ROBOTS_ALL;
      else if (g_ascii_strcasecmp (words[i], "none") == 0)
        continue;
      else if (ust_robot_from_name (words[i], &kind))
        result |= UST_ROBOT_BIT (kind);
      else
        {
          g_autofree char *all = ust_robots_to_text (UST_ROBOTS_ALL);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("There is no robot called “%s”; the robots are %s"), words[i], all);
          return FALSE;
        }
    }
  *robots = result;
  return TRUE;
}

/* "echo,busy,…" in the robots' order; "" for none. */
char *
ust_robots_to_text (guint robots)
{
  GString *text = g_string_new (NULL);

  for (UstRobotKind kind = 0; kind < UST_N_ROBOTS; kind++)
    if (robots & UST_ROBOT_BIT (kind))
      g_string_append_printf (text, "%s%s", text->len > 0 ? "," : "", names[kind]);
  return g_string_free (text, FALSE);
}

/* Whether a binding's +sip.instance is one of the robots'. */
gboolean
ust_robots_is_robot_instance (const char *instance)
{
  return instance != NULL && g_str_has_prefix (instance, INSTANCE_PREFIX);
}
