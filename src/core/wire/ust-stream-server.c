/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-stream-server"

#include "config.h"

#include <gio/gnetworking.h>

#include "ust-address-text.h"
#include "ust-stream-server.h"

#define DEFAULT_MAX_CONNECTIONS 1000
#define DEFAULT_STALL_SECONDS 30
#define DEFAULT_IDLE_SECONDS 300
/* GLib listens with a backlog of 10: a burst of phones connecting at once
 * would wait a second per dropped SYN (TECH-NOTES-2 §1). */
#define LISTEN_BACKLOG 1024

struct _UstStreamServer {
  GSocket              *listeners[UST_N_PROTOCOLS];
  GSource              *accept_sources[UST_N_PROTOCOLS];
  guint                 ports[UST_N_PROTOCOLS];
  GTlsCertificate      *certificate;
  GHashTable           *streams;       /* guint64* id -> UstStream* */
  GHashTable           *by_remote;     /* "protocol|host:port" -> UstStream*, for reuse */
  GPtrArray            *dead;          /* closed streams, freed from the loop */
  GSource              *free_source;
  GSource              *sweep_source;
  guint64               next_id;
  guint                 max_connections;
  gint64                stall_us;
  gint64                idle_us;
  UstStreamMessageFunc  message;
  UstStreamNoteFunc     note;
  UstStreamClosedFunc   closed;
  gpointer              handler_data;
  UstStreamKeepFunc     keep;
  gpointer              keep_data;
};

static const UstStreamCallbacks stream_callbacks;

static char *
remote_key (UstProtocol     protocol,
            GSocketAddress *remote)
{
  g_autofree char *text = ust_address_text_format (remote);

  return g_strdup_printf ("%d|%s", protocol, text);
}

static void
add_stream (UstStreamServer *self,
            UstStream       *stream)
{
  guint64 *id = g_new (guint64, 1);
  GSocketAddress *remote = ust_stream_get_remote (stream);

  *id = ust_stream_get_id (stream);
  g_hash_table_insert (self->streams, id, stream);
  if (remote != NULL)
    g_hash_table_replace (self->by_remote, remote_key (ust_stream_get_protocol (stream), remote),
                          stream);
}

static void
forget_stream (UstStreamServer *self,
               UstStream       *stream)
{
  guint64 id = ust_stream_get_id (stream);
  GSocketAddress *remote = ust_stream_get_remote (stream);

  g_hash_table_remove (self->streams, &id);
  if (remote != NULL)
    {
      g_autofree char *key = remote_key (ust_stream_get_protocol (stream), remote);

      if (g_hash_table_lookup (self->by_remote, key) == stream)
        g_hash_table_remove (self->by_remote, key);
    }
}

static gboolean
free_dead_cb (gpointer user_data)
{
  UstStreamServer *self = user_data;

  g_clear_pointer (&self->free_source, g_source_unref);
  g_ptr_array_set_size (self->dead, 0);
  return G_SOURCE_REMOVE;
}

/* A stream that closed itself is freed from the loop, never from inside
 * its own callbacks. */
static void
stream_closed_cb (UstStream *stream,
                  gpointer   user_data)
{
  UstStreamServer *self = user_data;

  forget_stream (self, stream);
  g_ptr_array_add (self->dead, stream);
  if (self->closed != NULL)
    self->closed (self, ust_stream_get_id (stream), ust_stream_get_established (stream),
                  self->handler_data);
  if (self->free_source == NULL)
    {
      self->free_source = g_idle_source_new ();
      g_source_set_callback (self->free_source, free_dead_cb, self, NULL);
      g_source_attach (self->free_source, g_main_context_get_thread_default ());
    }
}

static void
stream_message_cb (UstStream  *stream,
                   const char *data,
                   gsize       len,
                   const char *frame_error,
                   gpointer    user_data)
{
  UstStreamServer *self = user_data;

  if (self->message != NULL)
    self->message (self, stream, data, len, frame_error, self->handler_data);
}

static void
report (UstStreamServer *self,
        GSocketAddress  *remote,
        UstProtocol      protocol,
        UstStreamNote    what,
        const char      *detail)
{
  if (self->note != NULL && remote != NULL)
    self->note (self, remote, protocol, what, detail, self->handler_data);
}

static void
stream_note_cb (UstStream     *stream,
                UstStreamNote  what,
                const char    *detail,
                gpointer       user_data)
{
  report (user_data, ust_stream_get_remote (stream), ust_stream_get_protocol (stream), what,
          detail);
}

static const UstStreamCallbacks stream_callbacks = {
  .message = stream_message_cb,
  .note = stream_note_cb,
  .closed = stream_closed_cb,
};

/* Listening --------------------------------------------------------------- */

static void
accept_one (UstStreamServer *self,
            UstProtocol      protocol,
            GSocket         *socket)
{
  UstStream *stream;

  if (protocol == UST_PROTOCOL_TLS && self->certificate == NULL)
    {
      g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);

      report (self, remote, protocol, UST_STREAM_NOTE_TLS_OFF, NULL);
      g_socket_close (socket, NULL);
      return;
    }
  if (g_hash_table_size (self->streams) >= self->max_connections)
    {
      g_debug ("Refused a connection: %u are open already", self->max_connections);
      g_socket_close (socket, NULL);
      return;
    }
  stream = ust_stream_new_accepted (socket, protocol,
                                    protocol == UST_PROTOCOL_TLS ? self->certificate : NULL,
                                    ++self->next_id, &stream_callbacks, self);
  add_stream (self, stream);
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  UstStreamServer *self = user_data;
  UstProtocol protocol = listener == self->listeners[UST_PROTOCOL_TLS] ? UST_PROTOCOL_TLS
                                                                         : UST_PROTOCOL_TCP;

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Accept failed: %s", error->message);
          break;
        }
      accept_one (self, protocol, socket);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
listen_on (UstStreamServer     *self,
           UstProtocol          protocol,
           GInetSocketAddress  *address,
           GError             **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (address));

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  if (family == G_SOCKET_FAMILY_IPV6
      && g_inet_address_get_is_any (g_inet_socket_address_get_address (address)))
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);
  /* SO_REUSEADDR (GLib sets no SO_REUSEPORT on TCP): a restart binds again
   * while the last run's connections linger in TIME_WAIT. */
  if (!g_socket_bind (socket, G_SOCKET_ADDRESS (address), TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;

  self->ports[protocol] = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->accept_sources[protocol] = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_sources[protocol], G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (self->accept_sources[protocol], g_main_context_get_thread_default ());
  self->listeners[protocol] = g_steal_pointer (&socket);
  return TRUE;
}

/* Limits ----------------------------------------------------------------- */

/* Closes connections that began a message and stopped, and idle ones
 * nobody needs. */
void
ust_stream_server_sweep (UstStreamServer *self)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      UstStream *stream = value;
      gint64 partial = ust_stream_get_partial_since (stream);

      if (partial != 0 && now - partial > self->stall_us)
        g_ptr_array_add (doomed, stream);
      else if (now - ust_stream_get_last_active (stream) > self->idle_us
               && (self->keep == NULL || !self->keep (ust_stream_get_id (stream),
                                                      self->keep_data)))
        g_ptr_array_add (doomed, stream);
    }
  for (guint i = 0; i < doomed->len; i++)
    {
      UstStream *stream = g_ptr_array_index (doomed, i);

      g_debug ("Closing connection %" G_GUINT64_FORMAT ": stalled or idle",
               ust_stream_get_id (stream));
      forget_stream (self, stream);
      ust_stream_free (stream);
    }
}

static gboolean
sweep_cb (gpointer user_data)
{
  ust_stream_server_sweep (user_data);
  return G_SOURCE_CONTINUE;
}

/* Public ------------------------------------------------------------------- */

/* Listens as @config says. On failure, @failed says which port it was. */
UstStreamServer *
ust_stream_server_new (const UstStreamServerConfig  *config,
                       UstProtocol                  *failed,
                       GError                      **error)
{
  UstStreamServer *self = g_new0 (UstStreamServer, 1);

  self->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->by_remote = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dead = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_stream_free);
  self->max_connections = config->max_connections > 0 ? config->max_connections
                                                      : DEFAULT_MAX_CONNECTIONS;
  self->stall_us = (gint64) (config->stall_seconds > 0 ? config->stall_seconds
                                                       : DEFAULT_STALL_SECONDS) * G_USEC_PER_SEC;
  self->idle_us = (gint64) (config->idle_seconds > 0 ? config->idle_seconds
                                                     : DEFAULT_IDLE_SECONDS) * G_USEC_PER_SEC;
  if (config->certificate != NULL)
    self->certificate = g_object_ref (config->certificate);

  *failed = UST_PROTOCOL_TCP;
  if (config->tcp_address != NULL
      && !listen_on (self, UST_PROTOCOL_TCP, config->tcp_address, error))
    {
      ust_stream_server_free (self);
      return NULL;
    }
  *failed = UST_PROTOCOL_TLS;
  if (config->tls_address != NULL
      && !listen_on (self, UST_PROTOCOL_TLS, config->tls_address, error))
    {
      ust_stream_server_free (self);
      return NULL;
    }

  self->sweep_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->sweep_source, sweep_cb, self, NULL);
  g_source_attach (self->sweep_source, g_main_context_get_thread_default ());
  return self;
}

void
ust_stream_server_free (UstStreamServer *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self == NULL)
    return;
  for (guint i = 0; i < UST_N_PROTOCOLS; i++)
    {
      if (self->accept_sources[i] != NULL)
        {
          g_source_destroy (self->accept_sources[i]);
          g_source_unref (self->accept_sources[i]);
        }
      if (self->listeners[i] != NULL)
        {
          g_socket_close (self->listeners[i], NULL);
          g_object_unref (self->listeners[i]);
        }
    }
  if (self->sweep_source != NULL)
    {
      g_source_destroy (self->sweep_source);
      g_source_unref (self->sweep_source);
    }
  if (self->free_source != NULL)
    {
      g_source_destroy (self->free_source);
      g_source_unref (self->free_source);
    }
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ust_stream_free (value);
  g_hash_table_unref (self->streams);
  g_hash_table_unref (self->by_remote);
  g_ptr_array_unref (self->dead);
  g_clear_object (&self->certificate);
  g_free (self);
}

void
ust_stream_server_set_handlers (UstStreamServer      *self,
                                UstStreamMessageFunc  message,
                                UstStreamNoteFunc     note,
                                UstStreamClosedFunc   closed,
                                gpointer              user_data)
{
  self->message = message;
  self->note = note;
  self->closed = closed;
  self->handler_data = user_data;
}

void
ust_stream_server_set_keeper (UstStreamServer   *self,
                              UstStreamKeepFunc  keep,
                              gpointer           user_data)
{
  self->keep = keep;
  self->keep_data = user_data;
}

/* The open connection number @id, or NULL once it has closed. */
UstStream *
ust_stream_server_lookup (UstStreamServer *self,
                          guint64          id)
{
  return id != 0 ? g_hash_table_lookup (self->streams, &id) : NULL;
}

/* A connection to @to over @protocol: an open one there (§18.1.1: reuse
 * it), or a new one from our address @from. */
UstStream *
ust_stream_server_connect (UstStreamServer  *self,
                           GSocketAddress   *to,
                           GInetAddress     *from,
                           UstProtocol       protocol,
                           GError          **error)
{
  g_autofree char *key = remote_key (protocol, to);
  UstStream *stream = g_hash_table_lookup (self->by_remote, key);

  if (stream != NULL)
    return stream;
  if (g_hash_table_size (self->streams) >= self->max_connections)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                   "%u connections are open already", self->max_connections);
      return NULL;
    }
  stream = ust_stream_new_outgoing (to, from, protocol, ++self->next_id, &stream_callbacks, self,
                                    error);
  if (stream != NULL)
    add_stream (self, stream);
  return stream;
}

/* The port @protocol listens on, or 0. */
guint
ust_stream_server_get_port (UstStreamServer *self,
                            UstProtocol      protocol)
{
  return self->ports[protocol];
}

guint
ust_stream_server_get_n_connections (UstStreamServer *self)
{
  return g_hash_table_size (self->streams);
}
