/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-ua"

#include "config.h"

#include <string.h>

#include "ust-robot-message.h"
#include "ust-robot-source.h"
#include "ust-robot-ua-private.h"

/* The robots re-register like a phone: ten minutes, refreshed halfway. */
#define REGISTER_EXPIRES 600
#define REGISTER_RETRY_MS (30 * 1000)
#define MAX_DATAGRAM 65535

static void register_send (UstRobotUa *self);

static void
send_text (const char *data,
           gsize       length,
           gpointer    user_data)
{
  UstRobotUa *self = user_data;
  g_autoptr(GError) error = NULL;

  if (g_socket_send_to (self->socket, self->exchange, data, length, NULL, &error) < 0)
    g_debug ("robot %s: %s", self->user, error->message);
}

static gboolean
receive_cb (GSocket      *socket,
            GIOCondition  condition,
            gpointer      user_data)
{
  UstRobotUa *self = user_data;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      g_autoptr(osip_message_t) message = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *data = g_malloc (MAX_DATAGRAM + 1);
      gssize length = g_socket_receive_from (socket, &source, data, MAX_DATAGRAM, NULL, NULL);
      UstSipText text;

      if (length < 0)
        break;
      data[length] = '\0';
      /* A robot is reached through the exchange only, as a phone behind
       * it would be. */
      if (!g_inet_address_equal (
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (source)),
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->exchange)))
          || g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (source))
               != g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->exchange)))
        continue;
      if (!ust_sip_text_init (&text, data, (gsize) length))
        continue;
      message = ust_sip_parse_text (&text, &error);
      if (message == NULL)
        {
          g_debug ("robot %s: %s", self->user, error->message);
          continue;
        }
      if (message->status_code != 0)
        ust_robot_calls_take_response (self, message, &text);
      else if (message->sip_method != NULL)
        ust_robot_calls_take_request (self, message, &text);
    }
  return G_SOURCE_CONTINUE;
}

/* Registration ---------------------------------------------------------------- */

static gboolean
register_timer_cb (gpointer user_data)
{
  UstRobotUa *self = user_data;

  g_clear_pointer (&self->reg_timer, g_source_unref);
  register_send (self);
  return G_SOURCE_REMOVE;
}

static void
register_later (UstRobotUa *self,
                guint       ms)
{
  ust_robot_source_clear (&self->reg_timer);
  self->reg_timer = ust_robot_timer_new (ms, register_timer_cb, self);
}

static void
register_response_cb (osip_message_t   *response,
                      const UstSipText *text,
                      guint             code,
                      gpointer          user_data)
{
  UstRobotUa *self = user_data;
  const char *min_expires;
  guint64 seconds = 0;

  if (code < 200)
    return;
  self->registered = code < 300;
  if (self->registered)
    {
      /* Refreshed halfway, as phones do. */
      register_later (self, self->reg_expires * 1000 / 2);
      return;
    }
  /* §10.2.8: 423 says how long it must at least be. */
  min_expires = response != NULL ? ust_sip_header_value (response, "min-expires") : NULL;
  if (code == 423 && min_expires != NULL && ust_sip_parse_uint (min_expires, 86400, &seconds)
      && seconds > self->reg_expires)
    {
      self->reg_expires = (guint) seconds;
      register_send (self);
      return;
    }
  g_debug ("robot %s: REGISTER got %u; trying again later", self->user, code);
  register_later (self, REGISTER_RETRY_MS);
}

static GString *
register_request (UstRobotUa *self,
                  guint       expires,
                  const char *branch)
{
  g_autofree char *uri = g_strdup_printf ("sip:%s", self->domain);
  GString *request = ust_robot_request_head (self->host, self->port, "REGISTER", uri, branch);

  /* §10.2: one Call-ID for all of this robot's registrations, CSeq going
   * up; +sip.instance makes it one phone whatever its port (RFC 5626). */
  g_string_append_printf (request, "From: <sip:%s@%s>;tag=%s\r\nTo: <sip:%s@%s>\r\n"
                          "Call-ID: %s\r\nCSeq: %u REGISTER\r\n"
                          "Contact: <sip:%s@%s:%u>;+sip.instance=\"%s\"\r\nExpires: %u\r\n"
                          "User-Agent: " ROBOT_AGENT "\r\n",
                          self->user, self->domain, self->reg_tag, self->user, self->domain,
                          self->reg_call_id, ++self->reg_cseq, self->user, self->host,
                          self->port, self->instance, expires);
  ust_robot_message_end (request, NULL, NULL);
  return request;
}

static void
register_send (UstRobotUa *self)
{
  g_autofree char *branch = ust_robot_new_branch ();

  ust_robot_client_start (self->transactions, branch, "REGISTER",
                          register_request (self, self->reg_expires, branch),
                          register_response_cb, self);
}

/* Public ------------------------------------------------------------------------- */

/* Binds the robot's socket and registers it. */
UstRobotUa *
ust_robot_ua_new (const UstRobotUaConfig  *config,
                  const UstRobotUaEvents  *events,
                  gpointer                 data,
                  GError                 **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) where = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *host = NULL;
  g_autofree char *suffix = NULL;
  UstRobotUa *self;

  g_return_val_if_fail (config != NULL && config->user != NULL, NULL);

  socket = g_socket_new (g_inet_address_get_family (config->local), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  where = g_inet_socket_address_new (config->local, 0);
  if (!g_socket_bind (socket, where, FALSE, error))
    return NULL;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return NULL;

  self = g_new0 (UstRobotUa, 1);
  self->user = g_strdup (config->user);
  self->domain = g_strdup (config->domain);
  self->instance = g_strdup (config->instance);
  host = g_inet_address_to_string (config->local);
  self->host = g_inet_address_get_family (config->local) == G_SOCKET_FAMILY_IPV6
                 ? g_strdup_printf ("[%s]", host) : g_steal_pointer (&host);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->socket = g_steal_pointer (&socket);
  self->exchange = g_object_ref (G_SOCKET_ADDRESS (config->exchange));
  self->local_address = g_object_ref (config->local);
  self->media_address = g_object_ref (config->media);
  self->media_timeout = config->media_timeout;
  self->transactions = ust_robot_transactions_new (config->t1, send_text, self);
  self->calls = g_hash_table_new (g_str_hash, g_str_equal);
  if (events != NULL)
    self->events = *events;
  self->data = data;

  suffix = ust_robot_random_hex (8);
  self->reg_call_id = g_strdup_printf ("%s-%s@%s", self->user, suffix, self->host);
  self->reg_tag = ust_robot_random_hex (4);
  self->reg_expires = REGISTER_EXPIRES;

  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (receive_cb), self, NULL);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  register_send (self);
  return self;
}

/* The robot goes: its calls are hung up (BYE, or 480 to one ringing), it
 * unregisters (Expires: 0), and its socket closes. Nothing waits for the
 * answers. */
void
ust_robot_ua_free (UstRobotUa *self)
{
  g_autofree char *branch = NULL;
  GString *unregister;

  if (self == NULL)
    return;

  ust_robot_calls_end_all (self);

  branch = ust_robot_new_branch ();
  unregister = register_request (self, 0, branch);
  send_text (unregister->str, unregister->len, self);
  g_string_free (unregister, TRUE);

  ust_robot_source_clear (&self->reg_timer);
  ust_robot_source_clear (&self->source);
  ust_robot_transactions_free (self->transactions);
  g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_hash_table_unref (self->calls);
  g_clear_object (&self->exchange);
  g_clear_object (&self->local_address);
  g_clear_object (&self->media_address);
  g_free (self->user);
  g_free (self->domain);
  g_free (self->instance);
  g_free (self->host);
  g_free (self->reg_call_id);
  g_free (self->reg_tag);
  g_free (self);
}

guint
ust_robot_ua_get_port (UstRobotUa *self)
{
  return self->port;
}

gboolean
ust_robot_ua_is_registered (UstRobotUa *self)
{
  return self->registered;
}
