/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-proxy"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ust-address-text.h"
#include "ust-proxy-private.h"
#include "ust-validate.h"

#define KEY_SIZE 512

enum {
  PROP_0,
  PROP_DOMAIN,
  PROP_OPEN,
  PROP_TIMER_T1,
  N_PROPS,
};

enum {
  EVENT,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstProxy, ust_proxy, G_TYPE_OBJECT)

/* Requests and routing (RFC 3261 §16.3–§16.6): validation, retransmissions,
 * the registrar, loose routing, and the forwarded copies. What the exchange
 * answers itself is built in ust-proxy-server.c; the branches and their
 * responses are ust-proxy-client.c's. */

static guint32
fnv1a (guint32     hash,
       const char *data,
       gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      hash ^= (guchar) data[i];
      hash *= 16777619u;
    }
  return hash;
}

static guint32
fnv1a_str (guint32     hash,
           const char *text)
{
  /* A separator keeps ("ab","c") and ("a","bc") apart. */
  if (text != NULL)
    hash = fnv1a (hash, text, strlen (text));
  return fnv1a (hash, "\n", 1);
}

/* RFC 3261 §16.6 step 8: the branch carries a hash of what identifies the
 * request so that a request coming back unchanged is recognised as a loop
 * (§16.3 step 4). The top Via is left out: it differs on every pass. */
static guint32
loop_hash (osip_message_t   *request,
           const UstSipText *text)
{
  guint32 hash = 2166136261u;
  gsize start, end;

  if (ust_sip_text_request_uri (text, &start, &end))
    hash = fnv1a (hash, text->data + start, end - start);
  hash = fnv1a_str (hash, ust_sip_from_tag (request));
  hash = fnv1a_str (hash, ust_sip_to_tag (request));
  hash = fnv1a_str (hash, request->call_id->number);
  hash = fnv1a_str (hash, request->call_id->host);
  hash = fnv1a_str (hash, request->cseq->number);
  return hash;
}

static void
new_branch (UstProxy *self,
            guint32   hash,
            char     *buffer,
            gsize     size)
{
  g_snprintf (buffer, size, UST_BRANCH_PREFIX "%08x.%s%" G_GINT64_MODIFIER "x", hash,
              self->instance, ++self->counter);
}

static gboolean
is_ip_literal (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  char bare[64];
  gsize len = strlen (host);

  if (len > 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof bare)
    {
      memcpy (bare, host + 1, len - 2);
      bare[len - 2] = '\0';
      host = bare;
    }
  return g_hostname_is_ip_address (host);
}

/* The exchange's own addresses: its IP with or without our port (phones
 * register "alice@192.168.1.10" as well as "alice@192.168.1.10:5060"), the
 * --domain, and any host name at all: the exchange does no DNS, so a name
 * can only mean a domain a student typed for it. */
static gboolean
uri_is_ours (UstProxy   *self,
             osip_uri_t *uri)
{
  if (uri == NULL || uri->host == NULL)
    return FALSE;
  if (uri->port != NULL && !ust_proxy_is_our_port (self, ust_sip_uri_port (uri)))
    return FALSE;
  return ust_proxy_host_is_ours (self, uri->host) || !is_ip_literal (uri->host);
}

/* Where a request goes: an address, the transport, and for TCP and TLS the
 * connection to use while it is open. */
typedef struct {
  GSocketAddress *destination;
  char           *uri;         /* new Request-URI, or NULL to keep it */
  UstProtocol     protocol;
  guint64         connection;
} Target;

static void
target_clear (Target *target)
{
  g_clear_object (&target->destination);
  g_clear_pointer (&target->uri, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Target, target_clear)

/* The address in a binding's Contact URI (its "host:port" key), or NULL
 * when it is not an IP address. */
static GSocketAddress *
contact_address (UstBinding *binding)
{
  const char *key = binding->contact_key;
  const char *colon = key != NULL ? strrchr (key, ':') : NULL;
  g_autofree char *host = NULL;
  guint64 port;

  if (colon == NULL || !ust_sip_parse_uint (colon + 1, 65535, &port))
    return NULL;
  host = g_strndup (key, (gsize) (colon - key));
  return ust_proxy_address_from_host (host, (guint) port);
}

/* A registered phone is reached the way its REGISTER came: from where it
 * came (whatever its Contact says: NAT, VPN, several adapters), over the
 * same transport, on the same connection while it is open (RFC 5626 §5.3).
 * Once a TCP or TLS connection is gone, its source port is gone with it
 * (an ephemeral port): a new connection goes to the Contact (issue 15). */
static void
target_from_binding (UstProxy   *self,
                     Target     *target,
                     UstBinding *binding)
{
  target->protocol = binding->protocol;
  target->connection = binding->connection;
  if (ust_protocol_is_stream (binding->protocol)
      && !ust_transport_has_connection (self->transport, binding->connection))
    {
      GSocketAddress *contact = contact_address (binding);

      target->connection = 0;
      if (contact != NULL)
        {
          target->destination = contact;
          return;
        }
    }
  target->destination = g_object_ref (binding->source);
}

/* One of our own sockets: a request sent there would come straight back
 * (§16.3 step 4 would catch it one lap later; it is refused before). */
static gboolean
destination_is_ours (UstProxy *self,
                     Target   *target)
{
  char host[64];
  guint port;

  return target->destination != NULL
         && ust_address_text_host (target->destination, host, sizeof host, &port, NULL)
         && ust_proxy_is_our_port (self, port) && ust_proxy_host_is_ours (self, host);
}

/* Where to send a request for @uri (a Route or the Request-URI): a
 * registered phone as above; anything else must be an IP address, as there
 * is no DNS here, reached by the URI's transport (§19.1.2). */
static gboolean
next_hop (UstProxy   *self,
          osip_uri_t *uri,
          Target     *target)
{
  guint port = ust_proxy_uri_port (uri);
  UstBinding *binding = ust_registrar_find_by_contact (self->registrar, uri->host, port);

  if (binding != NULL)
    {
      target_from_binding (self, target, binding);
      return TRUE;
    }
  target->destination = ust_proxy_address_from_host (uri->host, port);
  target->protocol = ust_proxy_uri_protocol (uri);
  target->connection = 0;
  return target->destination != NULL;
}

/* Responses the exchange sends itself ------------------------------------- */

static char *
min_expires_line (Incoming *in,
                  guint     seconds)
{
  return g_strdup_printf ("Min-Expires: %u%s", seconds, in->text->eol);
}

static char *
contact_lines (Incoming  *in,
               GPtrArray *contacts)
{
  GString *lines = g_string_new (NULL);

  for (guint i = 0; contacts != NULL && i < contacts->len; i++)
    {
      g_string_append (lines, "Contact: ");
      g_string_append (lines, g_ptr_array_index (contacts, i));
      g_string_append (lines, in->text->eol);
    }
  return g_string_free (lines, FALSE);
}

/* The methods the exchange handles or relays: its Allow header field.
 * NULL-terminated for g_strjoinv(). */
static const char *const known_methods[] = {
  "INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "REFER", "NOTIFY",
  "SUBSCRIBE", "MESSAGE", "INFO", "UPDATE", "PRACK", "PUBLISH", NULL,
};

static char *
allow_line (Incoming *in)
{
  g_autofree char *methods = g_strjoinv (", ", (char **) known_methods);

  return g_strdup_printf ("Allow: %s%s", methods, in->text->eol);
}

static gboolean
is_known_method (const char *method)
{
  /* Method names are case-sensitive (RFC 3261 §7.1). */
  for (guint i = 0; known_methods[i] != NULL; i++)
    if (strcmp (method, known_methods[i]) == 0)
      return TRUE;
  return FALSE;
}

static char *
capability_lines (Incoming *in)
{
  const char *eol = in->text->eol;
  g_autofree char *allow = allow_line (in);

  return g_strdup_printf ("%s"
                          "Accept: application/sdp%s"
                          "Server: Ustredna/" PACKAGE_VERSION "%s", allow, eol, eol);
}

static void
edit_sender_via (Incoming *in)
{
  ust_proxy_edit_sender_via (in, &in->edit);
}

/* How many of the first Route entries name this proxy: one, or two when
 * the dialog was record-routed between two of our addresses (RFC 5658). */
static guint
count_our_routes (UstProxy       *self,
                  osip_message_t *request)
{
  guint n = 0;

  while (n < 2)
    {
      osip_route_t *route = osip_list_get (&request->routes, (int) n);

      if (route == NULL || !uri_is_ours (self, route->url) || route->url->username != NULL)
        break;
      n++;
    }
  return n;
}

/* RFC 3261 §16.4: if the first Route names this proxy, it is ours to remove
 * (loose routing); the request then follows the rest of the route set. The
 * values may share a header line or have a line each: a line loses the
 * values removed, or goes when none is left. */
static void
edit_remove_our_route (UstProxy *self,
                       Incoming *in)
{
  const UstSipText *text = in->text;
  guint remaining = count_our_routes (self, in->request);
  guint n = remaining;
  UstSipField field;
  gsize position = 0;

  while (remaining > 0 && ust_sip_text_next_field (text, &position, &field))
    {
      UstSipField rest = field;
      gboolean whole_line = FALSE;

      if (!ust_sip_text_field_is (text, &field, "Route", '\0'))
        continue;
      while (remaining > 0)
        {
          gsize value_end = ust_sip_text_first_value_end (text, &rest);

          remaining--;
          if (!ust_sip_text_next_value_start (text, &field, value_end, &rest.value_start))
            {
              whole_line = TRUE;
              break;
            }
        }
      if (whole_line)
        ust_sip_edit_splice (&in->edit, field.start, field.end - field.start, NULL, 0);
      else
        ust_sip_edit_splice (&in->edit, field.value_start, rest.value_start - field.value_start,
                             NULL, 0);
    }

  ust_sip_remove_top_routes (in->request, n);
}

/* RFC 3261 §16.6 step 3: decrement Max-Forwards, or add it with 70. */
static void
edit_max_forwards (Incoming *in,
                   guint     max_forwards,
                   gboolean  present)
{
  UstSipField field;

  if (present && ust_sip_text_find (in->text, "Max-Forwards", '\0', &field))
    ust_sip_edit_splicef (&in->edit, field.value_start, field.value_end - field.value_start,
                          "%u", max_forwards - 1);
  else
    ust_sip_edit_splicef (&in->edit, in->text->headers_start, 0, "Max-Forwards: 70%s",
                          in->text->eol);
}

/* RFC 3261 §16.6 step 4: record-route dialog-creating requests so that the
 * whole dialog (ACK, BYE, re-INVITE, REFER, NOTIFY…) follows the exchange. */
static gboolean
creates_dialog (Incoming *in)
{
  const char *m = in->method;

  return in->out_of_dialog && (strcmp (m, "INVITE") == 0 || strcmp (m, "SUBSCRIBE") == 0
                               || strcmp (m, "REFER") == 0 || strcmp (m, "NOTIFY") == 0);
}

static void
splice_record_route (UstProxy              *self,
                     Incoming              *in,
                     UstSipEdit            *edit,
                     const UstLocalAddress *local,
                     UstProtocol            protocol)
{
  if (protocol == UST_PROTOCOL_UDP)
    ust_sip_edit_splicef (edit, in->text->headers_start, 0, "Record-Route: <sip:%s:%u;lr>%s",
                          local->host, local->port, in->text->eol);
  else
    ust_sip_edit_splicef (edit, in->text->headers_start, 0,
                          "Record-Route: <sip:%s:%u;transport=%s;lr>%s", local->host,
                          ust_transport_get_port (self->transport, protocol),
                          ust_protocol_to_param (protocol), in->text->eol);
}

/* §16.6 step 4: our Record-Route, naming the address and transport the
 * next hop reaches us by (@out, @protocol). When the request arrived at
 * another of our addresses (bound to all, between two networks) or by
 * another transport (a UDP phone calling a TCP one), the phone behind us
 * must reach us the way it did: two entries, the outgoing one on top
 * (RFC 5658 §3.2). */
static void
edit_record_route (UstProxy              *self,
                   Incoming              *in,
                   UstSipEdit            *edit,
                   const UstLocalAddress *out,
                   UstProtocol            protocol)
{
  splice_record_route (self, in, edit, out, protocol);
  if (in->local != NULL && (in->local != out || in->protocol != protocol))
    splice_record_route (self, in, edit, in->local, in->protocol);
}

/* Builds one forwarded copy into self->out: the shared edits, our
 * Record-Route for a dialog, our Via on top (§16.6 step 8) naming @out, our
 * address the copy leaves from, and, when @new_uri is set, the new
 * Request-URI (§16.6 step 2). Returns its length, or 0. */
static gsize
build_forward (UstProxy              *self,
               Incoming              *in,
               const UstLocalAddress *out,
               UstProtocol            protocol,
               const char            *branch,
               const char            *new_uri)
{
  UstSipEdit edit = in->edit;
  UstSipField via;
  gsize via_at = in->text->headers_start, start, end;

  if (creates_dialog (in))
    edit_record_route (self, in, &edit, out, protocol);
  if (ust_sip_text_find (in->text, "Via", 'v', &via))
    via_at = via.start;
  ust_sip_edit_splicef (&edit, via_at, 0, "Via: SIP/2.0/%s %s:%u;branch=%s;rport%s",
                        ust_protocol_to_via (protocol), out->host,
                        ust_transport_get_port (self->transport, protocol), branch,
                        in->text->eol);
  if (new_uri != NULL && ust_sip_text_request_uri (in->text, &start, &end))
    ust_sip_edit_splice (&edit, start, end - start, new_uri, -1);

  return ust_sip_edit_apply (&edit, in->text, in->message_end, self->out, OUT_SIZE);
}

/* Forwards without keeping state: ACK for 2xx (end to end, §16.11) and a
 * CANCEL that matches nothing. The branch is derived from the incoming one
 * so that a retransmission goes out identical. */
static void
forward_stateless (UstProxy *self,
                   Incoming *in,
                   Target   *target)
{
  const char *incoming_branch = ust_sip_via_branch (osip_list_get (&in->request->vias, 0));
  const UstLocalAddress *out = ust_transport_local_for (self->transport, target->destination,
                                                        in->local);
  UstPeer to = { target->destination, out, target->protocol, target->connection };
  char branch[64];
  gsize len;

  g_snprintf (branch, sizeof branch, UST_BRANCH_PREFIX "%08x.s%08x", in->loop_hash,
              fnv1a_str (2166136261u, incoming_branch));
  len = build_forward (self, in, out, target->protocol, branch, NULL);
  if (len == 0)
    return;

  if (ust_proxy_wants_events (self))
    {
      g_autofree char *where = ust_address_text_format (target->destination);

      ust_proxy_emit_event (self, "%s %s → %s", in->method, in->request->call_id->number,
                            where);
    }
  if (ust_proxy_send (self, &to, self->out, len))
    self->stats.requests_forwarded++;
}

/* RFC 3261 §16.6: one client transaction per target, in parallel. */
static void
forward_stateful (UstProxy     *self,
                  Incoming     *in,
                  UstServerTxn *server,
                  GArray       *targets)
{
  for (guint i = 0; i < targets->len; i++)
    {
      Target *target = &g_array_index (targets, Target, i);
      const UstLocalAddress *out;
      char branch[64];
      UstClientTxn *client;
      gsize len;

      out = ust_transport_local_for (self->transport, target->destination, in->local);
      new_branch (self, in->loop_hash, branch, sizeof branch);
      len = build_forward (self, in, out, target->protocol, branch, target->uri);
      if (len == 0)
        continue;

      client = ust_client_txn_new (self->transactions, server, branch, in->method,
                                   target->destination, self->out, len);
      client->local = out;
      client->protocol = target->protocol;
      client->connection = target->connection;
      server->pending++;
      if (ust_proxy_wants_events (self))
        {
          g_autofree char *where = ust_address_text_format (target->destination);

          ust_proxy_emit_event (self, "%s %s → %s %s", in->method, in->request->call_id->number,
                                where, target->uri != NULL ? target->uri : "");
        }
      self->stats.requests_forwarded++;
      ust_proxy_start_client (self, client);
    }

  if (server->pending == 0)
    ust_proxy_respond (self, in, server, 500, "Could not forward the request", NULL);
}

/* Request processing ------------------------------------------------------ */

/* §16.3 step 4: one of the Vias is ours with the hash this request would get
 * again: it went round in a circle. A different hash is a legal spiral. */
static gboolean
is_loop (UstProxy *self,
         Incoming *in)
{
  char expected[UST_BRANCH_HASH_LEN + 1];

  g_snprintf (expected, sizeof expected, "%08x", in->loop_hash);
  for (int i = 0; ; i++)
    {
      osip_via_t *via = osip_list_get (&in->request->vias, i);
      const char *branch;

      if (via == NULL)
        return FALSE;
      branch = ust_sip_via_branch (via);
      if (branch != NULL && g_str_has_prefix (branch, UST_BRANCH_PREFIX)
          && ust_proxy_is_our_via (self, via)
          && strncmp (branch + strlen (UST_BRANCH_PREFIX), expected, UST_BRANCH_HASH_LEN) == 0)
        return TRUE;
    }
}

static gboolean
caller_is_registered (UstProxy       *self,
                      osip_message_t *request)
{
  g_autoptr(GPtrArray) bindings = NULL;
  const char *user = request->from->url->username;

  bindings = ust_registrar_lookup (self->registrar, user);
  return bindings != NULL;
}

static gboolean
supports_outbound (osip_message_t *request)
{
  for (int i = 0; ; i++)
    {
      osip_header_t *header = NULL;

      if (osip_message_header_get_byname (request, "supported", i, &header) < 0
          || header == NULL)
        return FALSE;
      if (header->hvalue != NULL && strstr (header->hvalue, "outbound") != NULL)
        return TRUE;
    }
}

static void
handle_register (UstProxy     *self,
                 Incoming     *in,
                 UstServerTxn *server)
{
  UstRegisterResult result;

  ust_registrar_handle_register (self->registrar, in->request, in->source, in->protocol,
                                 in->connection, &result);
  if (result.code == 423)
    {
      g_autofree char *extra = min_expires_line (in, result.min_expires);

      ust_proxy_respond (self, in, server, 423, result.phrase, extra);
    }
  else
    {
      g_autofree char *contacts = contact_lines (in, result.contacts);
      g_autofree char *extra = NULL;

      /* RFC 5626 §6: a registrar that supports outbound says so when the
       * phone asked for it (Supported: outbound and a reg-id). */
      if (result.code == 200 && result.outbound && supports_outbound (in->request))
        extra = g_strdup_printf ("%sRequire: outbound%s", contacts, in->text->eol);
      ust_proxy_respond (self, in, server, result.code, result.phrase,
                         extra != NULL ? extra : contacts);
    }

  if (result.code == 200 && ust_proxy_wants_events (self))
    {
      g_autofree char *where = ust_address_text_format (in->source);
      ust_proxy_emit_event (self, "REGISTER %s from %s: %u binding(s)",
                            in->request->to->url->username, where,
                            result.contacts != NULL ? result.contacts->len : 0);
    }
  ust_register_result_clear (&result);
}

/* §16.6: a request never goes twice to one place. Two bindings can lead to
 * the same transport, address and port (a phone that changed its Contact
 * behind one NAT, bindings kept from an older registrations file): the
 * phone would get the same request twice on two branches and answer the
 * second 482 (§8.2.2.2). The newest binding wins (@bindings are newest
 * first within a q). */
static gboolean
leads_to_same_place (GArray     *targets,
                     UstBinding *binding)
{
  for (guint i = 0; i < targets->len; i++)
    {
      Target *target = &g_array_index (targets, Target, i);
      char host[64], other_host[64];
      guint port, other_port;

      if (target->protocol != binding->protocol
          || !ust_address_text_host (target->destination, host, sizeof host, &port, NULL)
          || !ust_address_text_host (binding->source, other_host, sizeof other_host, &other_port,
                                     NULL))
        continue;
      if (port == other_port && g_strcmp0 (host, other_host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* RFC 3261 §19.1.1 (table 1): a Request-URI has no headers. A Contact may
 * carry them (RFC 4475 §3.1.2.13 registers one), so the Request-URI made
 * from it ends before its '?' (the first after the user part: a user part
 * may hold a '?', but no headers hold an unescaped '@'). */
static char *
uri_without_headers (const char *uri)
{
  const char *at = strchr (uri, '@');
  const char *question = strchr (at != NULL ? at : uri, '?');

  return question != NULL ? g_strndup (uri, (gsize) (question - uri)) : g_strdup (uri);
}

/* §16.5: for our own domain, the targets are the user's live bindings. */
static gboolean
targets_from_registrar (UstProxy     *self,
                        Incoming     *in,
                        UstServerTxn *server,
                        GArray       *targets)
{
  const char *user = in->request->req_uri->username;
  g_autoptr(GPtrArray) bindings = NULL;

  bindings = ust_registrar_lookup (self->registrar, user);
  if (bindings == NULL)
    {
      if (ust_registrar_is_known (self->registrar, user))
        ust_proxy_respond (self, in, server, 480, "Not registered now", NULL);
      else
        ust_proxy_respond (self, in, server, 404, "No such user", NULL);
      return FALSE;
    }

  for (guint i = 0; i < bindings->len; i++)
    {
      UstBinding *binding = g_ptr_array_index (bindings, i);
      Target target = { NULL, NULL, UST_PROTOCOL_UDP, 0 };

      if (leads_to_same_place (targets, binding))
        continue;
      target.uri = uri_without_headers (binding->contact_uri);
      target_from_binding (self, &target, binding);
      if (destination_is_ours (self, &target))
        {
          /* A binding that leads back to us (registered by a third party
           * with our own address): never a branch. */
          target_clear (&target);
          continue;
        }
      g_array_append_val (targets, target);
    }
  if (targets->len == 0)
    {
      ust_proxy_respond (self, in, server, 482, "Loop: the request would come back to the exchange",
                         NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
handle_to_exchange (UstProxy     *self,
                    Incoming     *in,
                    UstServerTxn *server,
                    GArray       *targets)
{
  const char *user = in->request->req_uri->username;

  if (strcmp (in->method, "REGISTER") == 0)
    {
      handle_register (self, in, server);
      return FALSE;
    }
  if (user == NULL || *user == '\0')
    {
      if (strcmp (in->method, "OPTIONS") == 0)
        {
          g_autofree char *extra = capability_lines (in);

          ust_proxy_respond (self, in, server, 200, NULL, extra);
        }
      else if (!is_known_method (in->method))
        {
          /* RFC 3261 §8.2.1: addressed to the exchange itself, the exchange is
           * the UAS, and a method it does not understand gets 501 with the
           * ones it does (RFC 4475 §3.1.1.5: RE%47IST%45R is not REGISTER). */
          g_autofree char *extra = allow_line (in);

          ust_proxy_respond (self, in, server, 501, NULL, extra);
        }
      else
        ust_proxy_respond (self, in, server, 404, "No user name in Request-URI", NULL);
      return FALSE;
    }
  return targets_from_registrar (self, in, server, targets);
}

/* Decides where the request goes (§16.4, §16.5); answers it and returns
 * FALSE when it goes nowhere. */
static gboolean
route_request (UstProxy     *self,
               Incoming     *in,
               UstServerTxn *server,
               GArray       *targets)
{
  osip_route_t *route = osip_list_get (&in->request->routes, 0);
  osip_uri_t *uri = in->request->req_uri;
  Target target = { NULL, NULL, UST_PROTOCOL_UDP, 0 };

  /* The exchange is not an open relay: a call must come from a phone that
   * registered here (REGISTER and OPTIONS to us are always answered). */
  if (in->out_of_dialog && !self->open && strcmp (in->method, "REGISTER") != 0
      && !(strcmp (in->method, "OPTIONS") == 0 && uri_is_ours (self, uri) && uri->username == NULL)
      && !caller_is_registered (self, in->request))
    {
      ust_proxy_respond (self, in, server, 403, "Caller not registered", NULL);
      return FALSE;
    }

  if (route != NULL)
    {
      /* §16.6 step 7: the next hop is the first remaining Route. */
      next_hop (self, route->url, &target);
    }
  else if (strcmp (in->method, "REGISTER") == 0 || uri_is_ours (self, uri))
    {
      return handle_to_exchange (self, in, server, targets);
    }
  else
    {
      next_hop (self, uri, &target);
    }

  if (target.destination == NULL)
    {
      ust_proxy_respond (self, in, server, 404, "Unknown domain", NULL);
      return FALSE;
    }
  if (destination_is_ours (self, &target))
    {
      target_clear (&target);
      ust_proxy_respond (self, in, server, 482, "Loop: the request would come back to the exchange",
                         NULL);
      return FALSE;
    }
  g_array_append_val (targets, target);
  return TRUE;
}

/* §17.2.1: an ACK for a non-2xx final ends our server transaction; an ACK for
 * a 2xx travels end to end (§13.2.2.4) like any in-dialog request. */
static void
handle_ack (UstProxy *self,
            Incoming *in)
{
  char key[KEY_SIZE];
  UstServerTxn *server = NULL;
  osip_route_t *route;
  g_auto(Target) target = { NULL, NULL, UST_PROTOCOL_UDP, 0 };
  guint max_forwards;
  gboolean present;
  UstValidation validation;

  if (!ust_validate_request (in->request, &validation))
    {
      ust_validation_clear (&validation);
      return;  /* nothing is ever sent in answer to an ACK */
    }
  if (ust_server_txn_key (in->request, "INVITE", key, sizeof key))
    server = ust_server_txn_lookup (self->transactions, key);
  if (server != NULL && server->state != UST_TXN_ACCEPTED)
    {
      if (server->state == UST_TXN_COMPLETED)
        {
          server->state = UST_TXN_CONFIRMED;
          ust_proxy_server_final_sent (self, server);
        }
      self->stats.retransmissions_absorbed++;
      return;
    }

  if (!ust_parse_max_forwards (in->request, &present, &max_forwards) || max_forwards == 0)
    return;
  edit_sender_via (in);
  edit_remove_our_route (self, in);
  edit_max_forwards (in, max_forwards, present);

  route = osip_list_get (&in->request->routes, 0);
  if (route != NULL)
    next_hop (self, route->url, &target);
  else if (!uri_is_ours (self, in->request->req_uri))
    next_hop (self, in->request->req_uri, &target);
  else
    {
      /* An ACK to a user of ours (a 2xx retransmission race): use the
       * registrar like the INVITE did. */
      g_autoptr(GPtrArray) bindings = ust_registrar_lookup (self->registrar,
                                                            in->request->req_uri->username);
      if (bindings != NULL)
        target_from_binding (self, &target, g_ptr_array_index (bindings, 0));
    }

  if (target.destination != NULL && !destination_is_ours (self, &target))
    forward_stateless (self, in, &target);
}

/* §9.2 and §16.10: a CANCEL answers itself with 200 and cancels the
 * branches of the INVITE it names; the 487 comes from the callee. */
static void
handle_cancel (UstProxy     *self,
               Incoming     *in,
               UstServerTxn *cancel_server)
{
  char key[KEY_SIZE];
  UstServerTxn *invite = NULL;
  osip_route_t *route;
  g_auto(Target) target = { NULL, NULL, UST_PROTOCOL_UDP, 0 };

  if (ust_server_txn_key (in->request, "INVITE", key, sizeof key))
    invite = ust_server_txn_lookup (self->transactions, key);

  if (invite != NULL)
    {
      ust_proxy_respond (self, in, cancel_server, 200, NULL, NULL);
      if (invite->state == UST_TXN_PROCEEDING || invite->state == UST_TXN_TRYING)
        {
          invite->cancelled = TRUE;
          ust_proxy_cancel_branches (self, invite, NULL);
        }
      return;
    }

  /* No such INVITE here: forward it statelessly (§16.10). */
  ust_server_txn_destroy (self->transactions, cancel_server);
  edit_sender_via (in);
  edit_remove_our_route (self, in);
  route = osip_list_get (&in->request->routes, 0);
  if (route != NULL)
    next_hop (self, route->url, &target);
  else if (!uri_is_ours (self, in->request->req_uri))
    next_hop (self, in->request->req_uri, &target);
  if (target.destination != NULL && destination_is_ours (self, &target))
    ust_proxy_respond (self, in, NULL, 482, "Loop: the request would come back to the exchange",
                       NULL);
  else if (target.destination != NULL)
    forward_stateless (self, in, &target);
  else
    ust_proxy_respond (self, in, NULL, 481, "No such call", NULL);
}

static UstServerTxn *
new_server_txn (UstProxy   *self,
                Incoming   *in,
                const char *key)
{
  UstServerTxn *server;

  server = ust_server_txn_new (self->transactions, key, strcmp (in->method, "INVITE") == 0,
                               in->source);
  server->local = in->local;
  server->protocol = in->protocol;
  server->connection = in->connection;
  server->owner = self;
  server->request = g_memdup2 (in->text->data, in->message_end);
  server->request_len = in->message_end;
  return server;
}

/* §17.2.1 and §17.2.2: a retransmitted request gets the last response again
 * and is never forwarded twice. */
static gboolean
absorb_retransmission (UstProxy   *self,
                       Incoming   *in,
                       const char *key)
{
  UstServerTxn *server = ust_server_txn_lookup (self->transactions, key);

  if (server == NULL)
    return FALSE;
  self->stats.retransmissions_absorbed++;
  if (server->response != NULL && server->state != UST_TXN_ACCEPTED)
    ust_proxy_resend_to_server (self, server);
  ust_proxy_emit_event (self, "%s %s retransmitted: absorbed", in->method,
                        in->request->call_id->number);
  return TRUE;
}

static void
handle_request (UstProxy         *self,
                osip_message_t   *request,
                const UstSipText *text,
                const UstPeer    *peer)
{
  Incoming in = {
    request, text, peer->address, peer->local, peer->protocol, peer->connection,
    request->sip_method, text->len,
  };
  g_autoptr(GArray) targets = NULL;
  UstValidation validation;
  UstServerTxn *server;
  char key[KEY_SIZE];
  guint max_forwards;
  gboolean present;
  guint64 content_length;

  ust_sip_edit_init (&in.edit);
  if (request->content_length != NULL
      && ust_sip_parse_uint (request->content_length->value, G_MAXUINT32, &content_length)
      && text->body_start + content_length < text->len)
    in.message_end = text->body_start + (gsize) content_length;

  if (MSG_IS_ACK (request))
    {
      if (request->call_id != NULL && request->cseq != NULL && request->req_uri != NULL)
        {
          in.out_of_dialog = FALSE;
          in.loop_hash = loop_hash (request, text);
          handle_ack (self, &in);
        }
      return;
    }

  if (!ust_validate_request (request, &validation))
    {
      if (validation.code == 420)
        {
          g_autofree char *extra = g_strdup_printf ("Unsupported: %s%s", validation.unsupported,
                                                    text->eol);

          ust_proxy_respond (self, &in, NULL, 420, validation.phrase, extra);
        }
      else if (osip_list_size (&request->vias) > 0)
        ust_proxy_respond (self, &in, NULL, validation.code, validation.phrase, NULL);
      ust_validation_clear (&validation);
      return;
    }

  if (!ust_server_txn_key (request, in.method, key, sizeof key))
    return;
  if (absorb_retransmission (self, &in, key))
    return;

  server = new_server_txn (self, &in, key);
  in.loop_hash = loop_hash (request, text);
  in.out_of_dialog = ust_sip_to_tag (request) == NULL;
  if (self->tracker != NULL)
    ust_call_tracker_request (self->tracker, request, peer->address, peer->protocol);

  if (MSG_IS_CANCEL (request))
    {
      handle_cancel (self, &in, server);
      return;
    }

  /* §16.2 and §17.2.1: an INVITE gets 100 Trying at once, so the caller
   * stops retransmitting while the call is routed. */
  if (server->invite)
    ust_proxy_respond (self, &in, server, 100, NULL, NULL);

  /* §16.3 step 3: Max-Forwards 0 ends here, except an OPTIONS to us. */
  ust_parse_max_forwards (request, &present, &max_forwards);
  if (max_forwards == 0
      && !(MSG_IS_OPTIONS (request) && uri_is_ours (self, request->req_uri)))
    {
      ust_proxy_respond (self, &in, server, 483, NULL, NULL);
      return;
    }
  if (is_loop (self, &in))
    {
      ust_proxy_respond (self, &in, server, 482, NULL, NULL);
      return;
    }

  edit_remove_our_route (self, &in);

  targets = g_array_new (FALSE, TRUE, sizeof (Target));
  g_array_set_clear_func (targets, (GDestroyNotify) target_clear);
  if (!route_request (self, &in, server, targets))
    return;

  edit_sender_via (&in);
  edit_max_forwards (&in, max_forwards, present);
  forward_stateful (self, &in, server, targets);
}

/* A message the stream could not frame (no Content-Length on TCP…), or a
 * datagram cut short: when its header section names who to answer, a
 * request gets 400 with what is wrong (RFC 3261 §8.2, §18.3), and shows up
 * in the trace like any answer. */
static void
answer_broken (UstProxy      *self,
               const char    *data,
               gsize          len,
               const UstPeer *peer,
               const char    *problem)
{
  g_autoptr(osip_message_t) head = NULL;
  UstSipText text;
  Incoming in = { 0 };

  if (!ust_sip_text_init (&text, data, len))
    return;
  head = ust_sip_parse_head (&text, NULL);
  if (head == NULL)
    {
      /* libosip2 cannot read even the header section: answer from the raw
       * lines, naming the header it stumbled on. */
      ust_proxy_respond_raw (self, &text, peer, 400, ust_sip_diagnose (&text));
      return;
    }
  if (!MSG_IS_REQUEST (head) || MSG_IS_ACK (head)
      || osip_list_size (&head->vias) == 0 || head->from == NULL || head->to == NULL
      || head->call_id == NULL || head->cseq == NULL)
    return;
  in.request = head;
  in.text = &text;
  in.source = peer->address;
  in.local = peer->local;
  in.protocol = peer->protocol;
  in.connection = peer->connection;
  in.method = head->sip_method;
  in.message_end = text.body_start;
  ust_proxy_respond (self, &in, NULL, 400, problem, NULL);
}

static void
message_cb (UstTransport  *transport,
            const char    *data,
            gsize          len,
            const UstPeer *peer,
            const char    *frame_error,
            gpointer       user_data)
{
  UstProxy *self = user_data;
  g_autoptr(osip_message_t) message = NULL;
  g_autoptr(GError) error = NULL;
  UstSipText text = { 0 };
  gsize i;

  self->stats.datagrams_received++;

  if (frame_error != NULL)
    {
      self->stats.datagrams_dropped++;
      answer_broken (self, data, len, peer, frame_error);
      return;
    }

  /* RFC 5626 §4.4.1: CRLF keep-alives are not messages; ignore silently. */
  for (i = 0; i < len && (data[i] == '\r' || data[i] == '\n' || data[i] == ' '); i++)
    ;
  if (i == len)
    return;

  if (ust_sip_text_init (&text, data, len))
    message = ust_sip_parse_text (&text, &error);
  if (message == NULL)
    {
      g_autofree char *where = ust_address_text_format (peer->address);

      self->stats.datagrams_dropped++;
      ust_proxy_emit_event (self, "Dropped %" G_GSIZE_FORMAT " bytes from %s: %s", len, where,
                            error != NULL ? error->message : "no header section");
      if (g_error_matches (error, UST_SIP_ERROR, UST_SIP_ERROR_TRUNCATED))
        {
          if (peer->protocol == UST_PROTOCOL_UDP)
            ust_transport_advise_cut_short (self->transport, peer->address,
                                            len - text.body_start,
                                            ust_sip_content_length (&text));
          answer_broken (self, data, len, peer, error->message);
        }
      else if (message == NULL && text.data != NULL)
        {
          /* §8.2, §16.3: nothing that can be answered is dropped silently;
           * the 400 names what libosip2 could not read. */
          ust_proxy_respond_raw (self, &text, peer, 400, ust_sip_diagnose (&text));
        }
      return;
    }

  if (MSG_IS_REQUEST (message))
    handle_request (self, message, &text, peer);
  else
    ust_proxy_handle_response (self, message, &text, peer);
}

static void
connection_failed_cb (guint64  connection,
                      gpointer user_data)
{
  ust_proxy_connection_failed (user_data, connection);
}

/* An idle TCP or TLS connection stays open while a phone is registered on
 * it: the phone (behind NAT) is reached by no other way. */
static gboolean
keep_connection_cb (guint64  connection,
                    gpointer user_data)
{
  UstProxy *self = user_data;

  return ust_registrar_uses_connection (self->registrar, connection);
}

/* GObject ----------------------------------------------------------------- */

static void
ust_proxy_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  UstProxy *self = UST_PROXY (object);

  switch (prop_id)
    {
    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;
    case PROP_OPEN:
      g_value_set_boolean (value, self->open);
      break;
    case PROP_TIMER_T1:
      g_value_set_uint (value, self->t1);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_proxy_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  UstProxy *self = UST_PROXY (object);

  switch (prop_id)
    {
    case PROP_DOMAIN:
      ust_proxy_set_domain (self, g_value_get_string (value));
      break;
    case PROP_OPEN:
      ust_proxy_set_open (self, g_value_get_boolean (value));
      break;
    case PROP_TIMER_T1:
      ust_proxy_set_timer_t1 (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_proxy_dispose (GObject *object)
{
  UstProxy *self = UST_PROXY (object);

  if (self->transport != NULL)
    {
      ust_transport_set_receiver (self->transport, NULL, NULL);
      ust_transport_set_connection_keeper (self->transport, NULL, NULL);
      ust_transport_set_connection_failed (self->transport, NULL, NULL);
    }
  g_clear_pointer (&self->transactions, ust_transaction_table_free);
  g_clear_pointer (&self->timers, ust_timer_queue_free);
  g_clear_object (&self->transport);
  g_clear_object (&self->registrar);
  g_clear_object (&self->reasons);
  g_clear_object (&self->tracker);

  G_OBJECT_CLASS (ust_proxy_parent_class)->dispose (object);
}

static void
ust_proxy_finalize (GObject *object)
{
  UstProxy *self = UST_PROXY (object);

  g_free (self->bare_host);
  g_free (self->domain);
  g_free (self->out);

  G_OBJECT_CLASS (ust_proxy_parent_class)->finalize (object);
}

static void
ust_proxy_class_init (UstProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_proxy_get_property;
  object_class->set_property = ust_proxy_set_property;
  object_class->dispose = ust_proxy_dispose;
  object_class->finalize = ust_proxy_finalize;

  properties[PROP_DOMAIN] =
    g_param_spec_string ("domain", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OPEN] =
    g_param_spec_boolean ("open", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TIMER_T1] =
    g_param_spec_uint ("timer-t1", NULL, NULL, 10, 60000, UST_DEFAULT_T1,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* One line of text per SIP event, for the log. */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ust_proxy_init (UstProxy *self)
{
  self->t1 = UST_DEFAULT_T1;
  self->t2 = UST_DEFAULT_T2;
  self->t4 = UST_DEFAULT_T4;
  self->timer_c = UST_TIMER_C;
  self->out = g_malloc (OUT_SIZE);
  self->event_signal = signals[EVENT];
  g_snprintf (self->instance, sizeof self->instance, "%06x", g_random_int () & 0xffffff);
}

UstProxy *
ust_proxy_new (UstTransport   *transport,
               UstRegistrar   *registrar,
               UstReasonTable *reasons)
{
  UstProxy *self;
  GInetSocketAddress *local;
  GInetAddress *inet;

  g_return_val_if_fail (UST_IS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (UST_IS_REGISTRAR (registrar), NULL);
  g_return_val_if_fail (UST_IS_REASON_TABLE (reasons), NULL);

  ust_sip_init ();

  self = g_object_new (UST_TYPE_PROXY, NULL);
  self->transport = g_object_ref (transport);
  self->registrar = g_object_ref (registrar);
  self->reasons = g_object_ref (reasons);
  self->transactions = ust_transaction_table_new ();
  self->timers = ust_timer_queue_new (g_main_context_get_thread_default ());

  local = ust_transport_get_local_address (transport);
  inet = g_inet_socket_address_get_address (local);
  self->bare_host = g_inet_address_to_string (inet);
  self->port = g_inet_socket_address_get_port (local);
  self->any = ust_transport_is_any (transport);

  ust_transport_set_receiver (transport, message_cb, self);
  ust_transport_set_connection_keeper (transport, keep_connection_cb, self);
  ust_transport_set_connection_failed (transport, connection_failed_cb, self);
  return self;
}

const char *
ust_proxy_get_domain (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), NULL);

  return self->domain != NULL ? self->domain : self->bare_host;
}

void
ust_proxy_set_domain (UstProxy   *self,
                      const char *domain)
{
  g_return_if_fail (UST_IS_PROXY (self));

  if (g_strcmp0 (self->domain, domain) == 0)
    return;
  g_free (self->domain);
  self->domain = g_strdup (domain);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOMAIN]);
}

gboolean
ust_proxy_get_open (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), FALSE);

  return self->open;
}

void
ust_proxy_set_open (UstProxy *self,
                    gboolean  open)
{
  g_return_if_fail (UST_IS_PROXY (self));

  open = !!open;
  if (self->open == open)
    return;
  self->open = open;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}

guint
ust_proxy_get_timer_t1 (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), 0);

  return self->t1;
}

/* T1 scales every other timer (§17.1.1.1: T2 = 8·T1 by default, T4 = 10·T1;
 * timer C keeps its ratio to T1 too); tests use a small T1 to see timeouts
 * in seconds rather than minutes. */
void
ust_proxy_set_timer_t1 (UstProxy *self,
                        guint     milliseconds)
{
  g_return_if_fail (UST_IS_PROXY (self));

  if (self->t1 == milliseconds)
    return;
  self->t1 = milliseconds;
  self->t2 = milliseconds * 8;
  self->t4 = milliseconds * 10;
  self->timer_c = (guint) MIN ((guint64) milliseconds * (UST_TIMER_C / UST_DEFAULT_T1), G_MAXUINT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMER_T1]);
}

UstRegistrar *
ust_proxy_get_registrar (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), NULL);

  return self->registrar;
}

UstReasonTable *
ust_proxy_get_reasons (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), NULL);

  return self->reasons;
}

UstTransport *
ust_proxy_get_transport (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), NULL);

  return self->transport;
}

void
ust_proxy_get_stats (UstProxy      *self,
                     UstProxyStats *stats)
{
  g_return_if_fail (UST_IS_PROXY (self));

  *stats = self->stats;
}

guint
ust_proxy_get_n_transactions (UstProxy *self)
{
  g_return_val_if_fail (UST_IS_PROXY (self), 0);

  return ust_transaction_table_n_server (self->transactions)
         + ust_transaction_table_n_client (self->transactions);
}

/* The diary's tracker sees every new request and every response sent to a
 * caller; NULL turns it off. */
void
ust_proxy_set_call_tracker (UstProxy       *self,
                            UstCallTracker *tracker)
{
  g_return_if_fail (UST_IS_PROXY (self));

  g_set_object (&self->tracker, tracker);
}
