/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-provisioning"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "ust-provisioning.h"

/* A GET of a small document needs little: a phone's request is a few
 * hundred bytes. Larger header sections get 431 (RFC 6585 §5); beyond
 * 64 KiB libsoup itself drops the connection. */
#define MAX_HEADER_BYTES 8192

/* RFC 6585 §5; libsoup 3.2 has no name for it. */
#define STATUS_HEADER_FIELDS_TOO_LARGE 431

/* Phones that connect at once (a class scanning together): the kernel
 * keeps this many waiting. */
#define LISTEN_BACKLOG 64

struct _UstProvisioning {
  GObject             parent_instance;

  SoupServer         *server;
  GSocketService     *service;     /* our own listener: see incoming_cb */
  UstProvisioningKey  key;
  guint               port;
  char               *domain;
  guint               sip_ports[UST_N_PROTOCOLS];
  guint               expires;
};

enum {
  SERVED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstProvisioning, ust_provisioning, G_TYPE_OBJECT)

/* Numeric, without brackets; an IPv4 address reached through an IPv6
 * socket (::ffff:192.168.1.10) as the IPv4 address it is. */
static char *
host_of (GSocketAddress *address)
{
  GInetAddress *inet;
  const guint8 *bytes;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  bytes = g_inet_address_to_bytes (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
      && memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
  return g_inet_address_to_string (inet);
}

/* One request per connection: a phone fetches one document. And libsoup
 * 3.2 leaks a connection the client closes while it is idle (fixed in 3.3,
 * GNOME/libsoup d20c6601); one it closes itself after answering it frees. */
static void
close_after (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

static void
refuse (SoupServerMessage *msg,
        guint              status)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, status,
                                  status == STATUS_HEADER_FIELDS_TOO_LARGE
                                    ? "Request Header Fields Too Large" : NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, NULL, 0);
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
    soup_message_headers_replace (headers, "Allow", "GET, HEAD");
  /* Whatever body is still coming is read and dropped, not kept. */
  if (status != SOUP_STATUS_NOT_FOUND)
    soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  close_after (msg);
}

/* Before the body is read: only GET and HEAD, without a body, with a small
 * header section. What a document request never has is refused here. */
static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gsize header_bytes = 0;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    header_bytes += strlen (name) + strlen (value) + 4;

  if (header_bytes > MAX_HEADER_BYTES)
    refuse (msg, STATUS_HEADER_FIELDS_TOO_LARGE);
  else if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED
           || soup_message_headers_get_content_length (headers) > 0)
    refuse (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  else if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    refuse (msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

/* "/provisioning/alice.xml" → "alice", or NULL. libsoup's handlers match
 * by prefix, so the whole path is checked here. */
static char *
user_of_path (const char *path)
{
  const char *prefix = "/provisioning/";
  const char *suffix = ".xml";
  gsize n = strlen (path);
  g_autofree char *user = NULL;

  if (!g_str_has_prefix (path, prefix) || !g_str_has_suffix (path, suffix)
      || n <= strlen (prefix) + strlen (suffix))
    return NULL;
  user = g_strndup (path + strlen (prefix), n - strlen (prefix) - strlen (suffix));
  return ust_lpconfig_user_is_valid (user) ? g_steal_pointer (&user) : NULL;
}

static void
served (UstProvisioning   *self,
        SoupServerMessage *msg,
        const char        *user,
        guint              status)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree char *peer = host_of (remote);
  const char *agent = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "User-Agent");

  g_signal_emit (self, signals[SERVED], 0, user, peer, agent, status);
}

static void
document_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  UstProvisioning *self = user_data;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *document = NULL;
  const char *transport = query != NULL ? g_hash_table_lookup (query, "transport") : NULL;
  const char *token = query != NULL ? g_hash_table_lookup (query, "token") : NULL;
  UstProtocol protocol = UST_PROTOCOL_UDP;
  UstLpconfigAccount account = { 0 };
  gsize length;

  if (soup_server_message_get_status (msg) != 0)
    return;

  /* An unknown path, a wrong token, a transport the exchange does not
   * serve: all the same 404, which tells a guesser nothing. */
  user = user_of_path (path);
  if (user == NULL || !ust_provisioning_token_matches (&self->key, user, token)
      || (transport != NULL && !ust_protocol_from_text (transport, &protocol))
      || self->sip_ports[protocol] == 0)
    {
      refuse (msg, SOUP_STATUS_NOT_FOUND);
      if (user != NULL)
        served (self, msg, user, SOUP_STATUS_NOT_FOUND);
      return;
    }

  /* The phone reached us at this address, so it can reach the exchange
   * there too: on all addresses, each phone gets the one it used. */
  host = host_of (soup_server_message_get_local_address (msg));
  account.user = user;
  account.host = host;
  account.domain = self->domain != NULL ? self->domain : host;
  account.port = self->sip_ports[protocol];
  account.protocol = protocol;
  account.expires = self->expires;
  document = ust_lpconfig_document (&account);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  close_after (msg);
  length = strlen (document);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&document), length);
  served (self, msg, user, SOUP_STATUS_OK);
}

/* A phone connected: libsoup reads its request from here on. */
static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  UstProvisioning *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (local == NULL || remote == NULL)
    return TRUE;
  soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, NULL);
  return TRUE;
}

static void
ust_provisioning_dispose (GObject *object)
{
  UstProvisioning *self = UST_PROVISIONING (object);

  ust_provisioning_close (self);
  g_clear_object (&self->service);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (ust_provisioning_parent_class)->dispose (object);
}

static void
ust_provisioning_finalize (GObject *object)
{
  UstProvisioning *self = UST_PROVISIONING (object);

  g_free (self->domain);

  G_OBJECT_CLASS (ust_provisioning_parent_class)->finalize (object);
}

static void
ust_provisioning_class_init (UstProvisioningClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ust_provisioning_dispose;
  object_class->finalize = ust_provisioning_finalize;

  /* A phone asked for a user's document (the first string), from an
   * address (the second), with a User-Agent (or NULL); the HTTP status it
   * got: 200, or 404 for a wrong token or transport. */
  signals[SERVED] = g_signal_new ("served", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING,
                                  G_TYPE_STRING, G_TYPE_UINT);
}

static void
ust_provisioning_init (UstProvisioning *self)
{
}

static char *
listen_error (GInetAddress *address,
              guint         port,
              GError       *error)
{
  g_autofree char *host = g_inet_address_to_string (address);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    return g_strdup_printf (_("The phone-setup web server cannot use port %u on %s: it is "
                              "already in use. Choose another port for it."),
                            port, host);
  return g_strdup_printf (_("The phone-setup web server cannot listen on %s port %u: %s"), host,
                          port, error->message);
}

/* Listens on @config's address (all addresses when the exchange has them
 * all) at once; on failure @error says what the user can do. */
UstProvisioning *
ust_provisioning_new (const UstProvisioningConfig  *config,
                      GError                      **error)
{
  g_autoptr(UstProvisioning) self = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) listen_failure = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (config != NULL && G_IS_INET_ADDRESS (config->address), NULL);

  self = g_object_new (UST_TYPE_PROVISIONING, NULL);
  ust_provisioning_key_generate (&self->key);
  self->domain = g_strdup (config->domain);
  memcpy (self->sip_ports, config->sip_ports, sizeof self->sip_ports);
  self->expires = config->expires > 0 ? config->expires : UST_LPCONFIG_EXPIRES;

  /* The trailing space makes libsoup add its own name and version. */
  self->server = soup_server_new ("server-header", "Ustredna/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->server, "/", early_cb, self, NULL);
  soup_server_add_handler (self->server, "/", document_cb, self, NULL);

  /* Accepted here and handed to the server: libsoup 3.2's own listener
   * leaks the GSocket of every connection it accepts (fixed in 3.4,
   * GNOME/libsoup b545d5f0), and Debian 12 has 3.2. */
  self->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), LISTEN_BACKLOG);
  address = g_inet_socket_address_new (config->address, (guint16) config->port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                      &listen_failure))
    {
      g_autofree char *message = listen_error (config->address, config->port, listen_failure);

      g_set_error_literal (error, listen_failure->domain, listen_failure->code, message);
      return NULL;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return g_steal_pointer (&self);
}

/* Stops listening and drops the connections; safe to call twice. */
void
ust_provisioning_close (UstProvisioning *self)
{
  g_return_if_fail (UST_IS_PROVISIONING (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
    }
  if (self->server != NULL)
    soup_server_disconnect (self->server);
}

guint
ust_provisioning_get_port (UstProvisioning *self)
{
  g_return_val_if_fail (UST_IS_PROVISIONING (self), 0);
  return self->port;
}

/* What URLs are made with (ust_provisioning_url()); the key is copied by
 * whoever shows codes on another thread. */
const UstProvisioningKey *
ust_provisioning_get_key (UstProvisioning *self)
{
  g_return_val_if_fail (UST_IS_PROVISIONING (self), NULL);
  return &self->key;
}
