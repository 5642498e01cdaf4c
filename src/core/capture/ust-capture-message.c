/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-capture-message"

#include "config.h"

#include <string.h>

#include "ust-capture-message.h"
#include "ust-sip.h"
#include "ust-sip-text.h"

static const char *
intern (UstCheckContext *ctx,
        const char      *text)
{
  return text != NULL ? g_string_chunk_insert_const (ctx->strings, text) : NULL;
}

static guint
parse_port (const char *text)
{
  guint64 port;

  return text != NULL && ust_sip_parse_uint (text, 65535, &port) ? (guint) port : 0;
}

static gint
parse_int (const char *text)
{
  guint64 value;

  return text != NULL && ust_sip_parse_uint (text, G_MAXINT32, &value) ? (gint) value : -1;
}

static void
read_uri (UstCheckContext *ctx,
          osip_uri_t      *uri,
          UstCheckUri     *out)
{
  osip_uri_param_t *lr = NULL;

  memset (out, 0, sizeof *out);
  out->expires = -1;
  if (uri == NULL)
    return;
  out->user = intern (ctx, uri->username);
  out->host = intern (ctx, uri->host);
  out->port = parse_port (uri->port);
  out->lr = osip_uri_uparam_get_byname (uri, "lr", &lr) == 0 && lr != NULL;
}

static void
read_via (UstCheckContext *ctx,
          osip_via_t      *via,
          UstCheckVia     *out)
{
  osip_generic_param_t *param = NULL;

  memset (out, 0, sizeof *out);
  out->branch = intern (ctx, ust_sip_via_branch (via));
  out->host = intern (ctx, via->host);
  out->port = parse_port (via->port);
  out->rport = -1;
  if (osip_via_param_get_byname (via, "rport", &param) == 0 && param != NULL)
    out->rport = param->gvalue != NULL ? (gint) parse_port (param->gvalue) : 0;
  param = NULL;
  if (osip_via_param_get_byname (via, "received", &param) == 0 && param != NULL)
    out->received = intern (ctx, param->gvalue);
}

/* Up to @max entries of one of libosip2's route lists (Route and
 * Record-Route share osip_from_t); returns how many there are in all. */
static guint
read_routes (UstCheckContext *ctx,
             osip_list_t     *list,
             UstCheckUri     *out,
             guint            max)
{
  guint n = (guint) osip_list_size (list);

  for (guint i = 0; i < n && i < max; i++)
    {
      osip_from_t *route = osip_list_get (list, (int) i);

      read_uri (ctx, route->url, &out[i]);
    }
  return n;
}

static void
read_contacts (UstCheckContext *ctx,
               osip_message_t  *sip,
               UstCheckMessage *message)
{
  message->n_contacts = (guint) osip_list_size (&sip->contacts);
  for (guint i = 0; i < message->n_contacts && i < UST_CHECK_MAX_CONTACTS; i++)
    {
      osip_contact_t *contact = osip_list_get (&sip->contacts, (int) i);
      osip_generic_param_t *expires = NULL;

      /* "Contact: *" has no URI (TECH-NOTES §1.2). */
      read_uri (ctx, contact->url, &message->contacts[i]);
      if (osip_contact_param_get_byname (contact, "expires", &expires) == 0 && expires != NULL)
        message->contacts[i].expires = parse_int (expires->gvalue);
    }
}

/* Content-Length as written (not libosip2's, which recomputes it), and
 * where the body starts. */
static void
read_body (UstCheckMessage  *message,
           const UstSipText *text)
{
  UstSipField field;
  char value[24];
  gsize len;
  guint64 number;

  message->content_length = -1;
  message->body_start = text->body_start;
  message->body_len = text->len - MIN (text->body_start, text->len);
  message->body_hash = 5381;
  for (gsize i = text->body_start; i < text->len; i++)
    message->body_hash = message->body_hash * 33 + (guint8) text->data[i];
  if (!ust_sip_text_find (text, "Content-Length", 'l', &field))
    return;
  len = field.value_end - field.value_start;
  if (len == 0 || len >= sizeof value)
    return;
  memcpy (value, text->data + field.value_start, len);
  value[len] = '\0';
  if (ust_sip_parse_uint (value, G_MAXUINT32, &number))
    message->content_length = (gint64) number;
}

static void
read_message (UstCheckContext *ctx,
              UstCheckMessage *message)
{
  gsize len;
  const char *data = ust_trace_entry_get_data (message->entry, &len);
  g_autoptr(osip_message_t) sip = NULL;
  UstSipText text;
  guint64 number;

  message->pair = -1;
  message->max_forwards = -1;
  message->expires = -1;
  if (!ust_sip_text_init (&text, data, len))
    return;
  read_body (message, &text);
  /* The header section only: a body that disagrees with Content-Length
   * is one of the things to find, not a reason to stop reading. */
  sip = ust_sip_parse_head (&text, NULL);
  if (sip == NULL || sip->cseq == NULL || sip->cseq->method == NULL)
    return;

  message->parsed = TRUE;
  message->request = MSG_IS_REQUEST (sip);
  message->method = intern (ctx, message->request ? sip->sip_method : sip->cseq->method);
  message->status = message->request ? 0 : (guint) sip->status_code;
  message->reason = intern (ctx, sip->reason_phrase);
  message->call_id = intern (ctx, ust_trace_entry_get_call_id (message->entry));
  message->cseq = ust_sip_parse_uint (sip->cseq->number, G_MAXUINT32, &number)
                    ? (guint32) number : 0;
  message->from_tag = intern (ctx, ust_sip_from_tag (sip));
  message->to_tag = intern (ctx, ust_sip_to_tag (sip));
  if (sip->from != NULL && sip->from->url != NULL)
    message->from_user = intern (ctx, sip->from->url->username);
  if (sip->to != NULL && sip->to->url != NULL)
    message->to_user = intern (ctx, sip->to->url->username);
  read_uri (ctx, sip->req_uri, &message->request_uri);

  message->n_vias = (guint) osip_list_size (&sip->vias);
  for (guint i = 0; i < message->n_vias && i < UST_CHECK_MAX_VIAS; i++)
    read_via (ctx, osip_list_get (&sip->vias, (int) i), &message->vias[i]);
  message->n_routes = read_routes (ctx, &sip->routes, message->routes, UST_CHECK_MAX_ROUTES);
  message->n_record_routes = read_routes (ctx, &sip->record_routes, message->record_routes,
                                          UST_CHECK_MAX_ROUTES);
  read_contacts (ctx, sip, message);
  {
    osip_header_t *expires = NULL;

    if (osip_message_get_expires (sip, 0, &expires) >= 0 && expires != NULL)
      message->expires = parse_int (expires->hvalue);
  }
  message->max_forwards = parse_int (ust_sip_header_value (sip, "max-forwards"));
}

/* The branch of the hop before the proxy: a received request's top Via, a
 * sent one's second; a received response's second Via, a sent one's top
 * (RFC 3261 §16.6 step 8, §16.7 step 3). */
static char *
pair_key (const UstCheckMessage *message,
          gboolean               sent)
{
  guint via = message->request ? (sent ? 1 : 0) : (sent ? 0 : 1);

  if (via >= MIN (message->n_vias, UST_CHECK_MAX_VIAS) || message->vias[via].branch == NULL)
    return NULL;
  return g_strdup_printf ("%u|%s|%u|%s", message->cseq, message->method, message->status,
                          message->vias[via].branch);
}

/* Each received message the proxy forwarded, with the sent copy: the first
 * unpaired received one of the same key goes with the next sent one. */
static void
find_pairs (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_queue_free);

  for (guint i = 0; i < ctx->n_messages; i++)
    {
      UstCheckMessage *message = &ctx->messages[i];
      g_autofree char *key = NULL;
      GQueue *queue;

      if (!message->parsed || message->from_proxy == message->to_proxy)
        continue;
      key = pair_key (message, message->from_proxy);
      if (key == NULL)
        continue;
      queue = g_hash_table_lookup (waiting, key);
      if (message->to_proxy)
        {
          if (queue == NULL)
            {
              queue = g_queue_new ();
              g_hash_table_insert (waiting, g_steal_pointer (&key), queue);
            }
          g_queue_push_tail (queue, GUINT_TO_POINTER (i));
        }
      else if (queue != NULL && !g_queue_is_empty (queue))
        {
          guint received = GPOINTER_TO_UINT (g_queue_pop_head (queue));

          ctx->messages[received].pair = (gint) i;
          message->pair = (gint) received;
        }
    }
}

/* The address @uri names, when its host is an IP literal (5060 when no
 * port is written, §19.1.2). */
gboolean
ust_check_uri_address (const UstCheckUri *uri,
                       UstTraceAddress   *address)
{
  g_autofree char *text = NULL;

  memset (address, 0, sizeof *address);
  if (uri->host == NULL)
    return FALSE;
  text = strchr (uri->host, ':') != NULL && uri->host[0] != '['
           ? g_strdup_printf ("[%s]:%u", uri->host, uri->port != 0 ? uri->port : 5060)
           : g_strdup_printf ("%s:%u", uri->host, uri->port != 0 ? uri->port : 5060);
  return ust_trace_address_parse (address, text);
}

static char *
register_key (const UstCheckMessage *message)
{
  return g_strdup_printf ("%u|%s", message->cseq, message->call_id);
}

/* Every REGISTER the proxy accepted, one row per Contact. */
static void
find_registrations (UstCheckContext *ctx)
{
  g_autoptr(GHashTable) accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* The REGISTERs that got a 2xx, by CSeq and Call-ID. */
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];

      if (ust_check_message_is (message, "REGISTER") && !message->request
          && message->status / 100 == 2)
        g_hash_table_add (accepted, register_key (message));
    }
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      g_autofree char *key = NULL;

      if (!message->to_proxy || !message->request || !ust_check_message_is (message, "REGISTER")
          || message->to_user == NULL)
        continue;
      key = register_key (message);
      if (!g_hash_table_contains (accepted, key))
        continue;
      for (guint c = 0; c < message->n_contacts && c < UST_CHECK_MAX_CONTACTS; c++)
        {
          UstCheckRegistration registration = { 0 };

          registration.user = message->to_user;
          registration.index = i;
          registration.source = *ust_check_source (message);
          ust_check_uri_address (&message->contacts[c], &registration.contact);
          registration.expires = message->contacts[c].expires >= 0 ? message->contacts[c].expires
                                                                    : message->expires;
          g_array_append_val (ctx->registrations, registration);
        }
    }
}

/* Registrations by address and by user, for lookups in constant time per
 * binding (a capture may hold thousands of phones). */
static guint
address_hash (gconstpointer key)
{
  const UstTraceAddress *address = key;
  guint hash = address->port ^ (guint) address->family << 16;

  for (guint i = 0; i < 16; i++)
    hash = hash * 31 + address->bytes[i];
  return hash;
}

static gboolean
address_equal (gconstpointer a,
               gconstpointer b)
{
  return ust_trace_address_equal (a, b);
}

static void
index_add (GHashTable    *table,
           gconstpointer  key,
           guint          row)
{
  GArray *rows = g_hash_table_lookup (table, key);

  if (rows == NULL)
    {
      rows = g_array_new (FALSE, FALSE, sizeof (guint));
      g_hash_table_insert (table, (gpointer) key, rows);
    }
  if (rows->len == 0 || g_array_index (rows, guint, rows->len - 1) != row)
    g_array_append_val (rows, row);
}

static void
index_registrations (UstCheckContext *ctx)
{
  ctx->by_address = g_hash_table_new_full (address_hash, address_equal, NULL,
                                           (GDestroyNotify) g_array_unref);
  ctx->by_user = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < ctx->registrations->len; i++)
    {
      UstCheckRegistration *registration = &g_array_index (ctx->registrations,
                                                           UstCheckRegistration, i);

      index_add (ctx->by_address, &registration->source, i);
      if (registration->contact.family != 0)
        index_add (ctx->by_address, &registration->contact, i);
      index_add (ctx->by_user, registration->user, i);
    }
}

/* The latest binding before message @before that a REGISTER made at
 * @address (its Contact, or where it came from). */
const UstCheckRegistration *
ust_check_binding_at (UstCheckContext       *ctx,
                      const UstTraceAddress *address,
                      guint                  before)
{
  GArray *rows = g_hash_table_lookup (ctx->by_address, address);

  for (guint i = rows != NULL ? rows->len : 0; i > 0; i--)
    {
      const UstCheckRegistration *registration =
        &g_array_index (ctx->registrations, UstCheckRegistration, g_array_index (rows, guint, i - 1));

      if (registration->index < before)
        return registration;
    }
  return NULL;
}

/* @user's last binding before message @before that did not remove it. */
const UstCheckRegistration *
ust_check_latest_registration (UstCheckContext *ctx,
                               const char      *user,
                               guint            before)
{
  GArray *rows = user != NULL ? g_hash_table_lookup (ctx->by_user, user) : NULL;

  for (guint i = rows != NULL ? rows->len : 0; i > 0; i--)
    {
      const UstCheckRegistration *registration =
        &g_array_index (ctx->registrations, UstCheckRegistration, g_array_index (rows, guint, i - 1));

      if (registration->index < before && registration->expires != 0)
        return registration;
    }
  return NULL;
}

static char *
request_key (guint32     cseq,
             const char *method,
             const char *branch)
{
  return g_strdup_printf ("%u|%s|%s", cseq, method, branch);
}

/* Requests to and from the proxy by their transaction (§17.2.3: the top
 * Via's branch, and the method; the CSeq keeps RFC 2543 branches apart). */
static void
index_requests (UstCheckContext *ctx)
{
  ctx->requests_in = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctx->requests_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      const UstCheckMessage *message = &ctx->messages[i];
      GHashTable *table = message->to_proxy ? ctx->requests_in
                          : message->from_proxy ? ctx->requests_out : NULL;
      char *key;

      if (table == NULL || !message->request || message->n_vias == 0
          || message->vias[0].branch == NULL)
        continue;
      key = request_key (message->cseq, message->method, message->vias[0].branch);
      if (g_hash_table_contains (table, key))
        g_free (key);
      else
        g_hash_table_insert (table, key, GUINT_TO_POINTER (i + 1));
    }
}

/* The first request of a transaction, to the proxy (@to_proxy) or from it. */
const UstCheckMessage *
ust_check_find_request (UstCheckContext *ctx,
                        gboolean         to_proxy,
                        guint32          cseq,
                        const char      *method,
                        const char      *branch)
{
  g_autofree char *key = NULL;
  guint index;

  if (branch == NULL || method == NULL)
    return NULL;
  key = request_key (cseq, method, branch);
  index = GPOINTER_TO_UINT (g_hash_table_lookup (to_proxy ? ctx->requests_in
                                                          : ctx->requests_out, key));
  return index > 0 ? &ctx->messages[index - 1] : NULL;
}

/* The request a response answers: for one the proxy sent, the request it
 * received; for one it received, the request it sent. */
const UstCheckMessage *
ust_check_request_of (UstCheckContext       *ctx,
                      const UstCheckMessage *response)
{
  if (response->request || response->n_vias == 0)
    return NULL;
  return ust_check_find_request (ctx, response->from_proxy, response->cseq, response->method,
                                 response->vias[0].branch);
}

UstCheckContext *
ust_check_context_new (UstCapture *capture)
{
  UstCheckContext *ctx = g_new0 (UstCheckContext, 1);

  ctx->capture = g_object_ref (capture);
  ctx->entries = g_ptr_array_ref (ust_capture_get_entries (capture));
  ctx->has_proxy = ust_capture_get_proxy (capture, &ctx->proxy);
  ctx->strings = g_string_chunk_new (64 * 1024);
  ctx->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) ust_finding_free);
  ctx->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctx->n_messages = ctx->entries->len;
  ctx->messages = g_new0 (UstCheckMessage, MAX (ctx->n_messages, 1));
  for (guint i = 0; i < ctx->n_messages; i++)
    {
      UstCheckMessage *message = &ctx->messages[i];

      message->entry = g_ptr_array_index (ctx->entries, i);
      message->index = i;
      message->from_proxy = ust_capture_is_proxy (capture, ust_trace_entry_get_source (message->entry));
      message->to_proxy = ust_capture_is_proxy (capture,
                                                ust_trace_entry_get_destination (message->entry));
      read_message (ctx, message);
    }
  find_pairs (ctx);
  ctx->registrations = g_array_new (FALSE, FALSE, sizeof (UstCheckRegistration));
  find_registrations (ctx);
  index_registrations (ctx);
  index_requests (ctx);
  return ctx;
}

void
ust_check_context_free (UstCheckContext *ctx)
{
  if (ctx == NULL)
    return;
  g_object_unref (ctx->capture);
  g_ptr_array_unref (ctx->entries);
  g_string_chunk_free (ctx->strings);
  g_ptr_array_unref (ctx->findings);
  g_hash_table_unref (ctx->reported);
  g_hash_table_unref (ctx->by_address);
  g_hash_table_unref (ctx->by_user);
  g_hash_table_unref (ctx->requests_in);
  g_hash_table_unref (ctx->requests_out);
  g_array_unref (ctx->registrations);
  g_free (ctx->messages);
  g_free (ctx);
}

/* Takes @detail. A rule is reported once per message and its
 * retransmissions (the same transaction, the same method or status). */
void
ust_check_add (UstCheckContext       *ctx,
               UstRule                rule,
               const UstCheckMessage *message,
               char                  *detail)
{
  char *key;

  if (message != NULL)
    {
      key = message->n_vias > 0 && message->vias[0].branch != NULL
              ? g_strdup_printf ("%u|%s|%u|%s|%u|%s|%d", rule, message->call_id, message->cseq,
                                 message->method, message->status, message->vias[0].branch,
                                 message->from_proxy)
              : g_strdup_printf ("%u|#%u", rule, message->index);
      if (!g_hash_table_add (ctx->reported, key))
        {
          g_free (detail);
          return;
        }
    }
  g_ptr_array_add (ctx->findings,
                   ust_finding_new (rule, message != NULL ? message->entry : NULL,
                                    message != NULL ? message->call_id : NULL, detail));
}

gboolean
ust_check_message_is (const UstCheckMessage *message,
                      const char            *method)
{
  return message->parsed && g_strcmp0 (message->method, method) == 0;
}

/* A request outside any dialog: no To tag yet (RFC 3261 §12.1). */
gboolean
ust_check_is_initial (const UstCheckMessage *message)
{
  return message->parsed && message->request && message->to_tag == NULL;
}

const UstTraceAddress *
ust_check_source (const UstCheckMessage *message)
{
  return ust_trace_entry_get_source (message->entry);
}

const UstTraceAddress *
ust_check_destination (const UstCheckMessage *message)
{
  return ust_trace_entry_get_destination (message->entry);
}

char *
ust_check_address_text (const UstTraceAddress *address)
{
  return ust_trace_address_to_string (address);
}

/* Whether @uri names the proxy: its address (as an IP literal) and its
 * port, 5060 when none is written (§19.1.2). A name the capture cannot
 * resolve is given the benefit of the doubt. */
gboolean
ust_check_uri_is_proxy (UstCheckContext   *ctx,
                        const UstCheckUri *uri)
{
  UstTraceAddress address;

  if (!ctx->has_proxy || uri->host == NULL)
    return FALSE;
  if (!ust_check_uri_address (uri, &address))
    return (uri->port != 0 ? uri->port : 5060) == ctx->proxy.port;
  return ust_capture_is_proxy (ctx->capture, &address);
}

/* The body's bytes. */
const char *
ust_check_body (const UstCheckMessage *message,
                gsize                 *len)
{
  const char *data = ust_trace_entry_get_data (message->entry, NULL);

  *len = message->body_len;
  return data + message->body_start;
}
