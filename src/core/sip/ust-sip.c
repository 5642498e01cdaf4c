/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-sip"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <osipparser2/sdp_message.h>

#include "ust-sip.h"
#include "ust-sdp.h"

G_DEFINE_QUARK (ust-sip-error-quark, ust_sip_error)

static void
osip_trace_cb (const char         *file,
               int                 line,
               osip_trace_level_t  level,
               const char         *format,
               va_list             args)
{
  char text[512];

  vsnprintf (text, sizeof text, format, args);
  g_debug ("libosip2 %s:%d: %s", file, line, g_strchomp (text));
}

/* parser_init() fills libosip2's header tables; parsing without it crashes.
 * Every function here that makes a libosip2 structure from text calls it,
 * so that the arena's allocators are in place before the first allocation.
 * By default libosip2 also prints every parse error to stdout, so its trace
 * goes to g_debug instead. Parsed messages go into arenas (ust-sip-arena.h),
 * whose allocators must be in place before libosip2 allocates anything. */
void
ust_sip_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      ust_sip_arena_install ();
      parser_init ();
      osip_trace_initialize_func (OSIP_WARNING, osip_trace_cb);
      g_once_init_leave (&initialized, 1);
    }
}

static void
set_content_length (osip_message_t *message,
                    const char     *value,
                    gsize           value_len)
{
  char *copy = osip_malloc (value_len + 1);

  memcpy (copy, value, value_len);
  copy[value_len] = '\0';
  osip_free (message->content_length->value);
  message->content_length->value = copy;
}

/* How many bytes of body the message has, or FALSE when it is cut short.
 * RFC 3261 §18.3: on a datagram, Content-Length says where the body ends
 * and bytes past it are dropped; a datagram that ends before it is an
 * error. Without Content-Length the body runs to the end of the datagram. */
static gboolean
body_length (osip_message_t     *message,
             const UstSipText   *text,
             const UstSipField  *content_length,
             gsize              *length,
             GError            **error)
{
  gsize available = text->len - text->body_start;
  guint64 declared;

  *length = 0;
  if (content_length == NULL)
    {
      char value[24];

      /* libosip2 wrote "0" for the missing header; say what the body is. */
      *length = available;
      g_snprintf (value, sizeof value, "%" G_GSIZE_FORMAT, available);
      set_content_length (message, value, strlen (value));
      return TRUE;
    }

  set_content_length (message, text->data + content_length->value_start,
                      content_length->value_end - content_length->value_start);
  if (!ust_sip_parse_uint (message->content_length->value, G_MAXUINT32, &declared))
    return TRUE;  /* Not a number: ust-validate.c refuses the request. */
  if (declared > available)
    {
      g_set_error (error, UST_SIP_ERROR, UST_SIP_ERROR_TRUNCATED,
                   "Message cut short: Content-Length is %" G_GUINT64_FORMAT
                   " but the body has %" G_GSIZE_FORMAT " bytes",
                   declared, available);
      return FALSE;
    }
  *length = (gsize) declared;
  return TRUE;
}

/* RFC 3261 §25.1: a quoted-pair may escape any octet but CR and LF, NUL
 * included (RFC 4475 §3.1.1.2 has "NUL:\<NUL>" in a display name). libosip2
 * reads header values as C strings and stops at the NUL, refusing a valid
 * message, so its copy gets a space there: only what is displayed changes,
 * and the proxy forwards the bytes it received. A NUL anywhere else is
 * invalid and left for libosip2 to refuse. */
static void
blank_quoted_nuls (char  *head,
                   gsize  len)
{
  gboolean quoted = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (head[i] == '\n' && (i + 1 >= len || (head[i + 1] != ' ' && head[i + 1] != '\t')))
        quoted = FALSE;  /* a quoted string does not go past its header line */
      else if (head[i] == '"')
        quoted = !quoted;
      else if (quoted && head[i] == '\\' && i + 1 < len)
        {
          if (head[i + 1] == '\0')
            head[i + 1] = ' ';
          i++;
        }
    }
}

/* RFC 4475 §3.1.1.4: libosip2 unescapes the user, password, parameters and
 * headers of every URI in place, so "sip:null-%00-null@example.com" becomes
 * the C string "null-": the registrar then kept the AOR cut short and two
 * distinct Contacts (%00 and %00%00) as one, "sip:@host". In the copy
 * libosip2 parses, the URIs of the request line and of the fields that hold
 * them have "%00" and "%25" written as "%2500" and "%2525", so that after
 * libosip2's unescaping they are still "%00" and "%25": a parsed URI part
 * never holds a NUL, and a literal "%00" stays apart from an escaped NUL.
 * libosip2's serializer writes their '%' as "%25" again; restore_escapes()
 * undoes that, so what the exchange writes is what it received. */
static gboolean
is_uri_field (const UstSipText  *text,
              const UstSipField *field)
{
  return ust_sip_text_field_is (text, field, "To", 't')
         || ust_sip_text_field_is (text, field, "From", 'f')
         || ust_sip_text_field_is (text, field, "Contact", 'm')
         || ust_sip_text_field_is (text, field, "Route", '\0')
         || ust_sip_text_field_is (text, field, "Record-Route", '\0');
}

static gboolean
is_kept_escape (const char *p,
                const char *end)
{
  return end - p >= 3 && p[0] == '%'
         && ((p[1] == '0' && p[2] == '0') || (p[1] == '2' && p[2] == '5'));
}

static gboolean
has_kept_escape (const char *data,
                 gsize       len)
{
  const char *end = data + len;

  for (const char *p = memchr (data, '%', len); p != NULL;
       p = memchr (p + 1, '%', (gsize) (end - p - 1)))
    if (is_kept_escape (p, end))
      return TRUE;
  return FALSE;
}

/* Appends @data[@from, @to) with the kept escapes outside quoted strings
 * (display names are not URIs) doubled as above. */
static void
append_keeping_escapes (GString    *out,
                        const char *data,
                        gsize       from,
                        gsize       to)
{
  gboolean quoted = FALSE;

  for (gsize i = from; i < to; i++)
    {
      g_string_append_c (out, data[i]);
      if (data[i] == '"')
        quoted = !quoted;
      else if (quoted && data[i] == '\\' && i + 1 < to)
        g_string_append_c (out, data[++i]);  /* a quoted-pair */
      else if (!quoted && is_kept_escape (data + i, data + to))
        g_string_append (out, "25");
    }
}

/* @head is a copy of @text's header section (same offsets); returns it with
 * the URIs' kept escapes doubled. */
static GString *
keep_uri_escapes (const UstSipText *text,
                  const char       *head)
{
  GString *out = g_string_sized_new (text->body_start + 64);
  UstSipField field;
  gsize position = 0, copied = 0, start, end;

  if (ust_sip_text_request_uri (text, &start, &end) && !g_str_has_prefix (head, "SIP/"))
    {
      g_string_append_len (out, head, (gssize) start);
      append_keeping_escapes (out, head, start, end);
      copied = end;
    }
  while (ust_sip_text_next_field (text, &position, &field))
    {
      if (!is_uri_field (text, &field))
        continue;
      g_string_append_len (out, head + copied, (gssize) (field.value_start - copied));
      append_keeping_escapes (out, head, field.value_start, field.value_end);
      copied = field.value_end;
    }
  g_string_append_len (out, head + copied, (gssize) (text->body_start - copied));
  return out;
}

/* The inverse for text libosip2 wrote: "%2500" and "%2525" in @text[0, @len)
 * become "%00" and "%25" again, in place; returns the new length. */
static gsize
restore_escapes (char  *text,
                 gsize  len)
{
  gsize from = 0, to = 0;

  while (from < len)
    {
      /* "%25" then "00" or "25": the '%' of a kept escape, written as "%25". */
      if (len - from >= 5 && memcmp (text + from, "%25", 3) == 0
          && ((text[from + 3] == '0' && text[from + 4] == '0')
              || (text[from + 3] == '2' && text[from + 4] == '5')))
        {
          char first = text[from + 3];

          text[to++] = '%';
          text[to++] = first;
          text[to++] = first == '0' ? '0' : '5';
          from += 5;
        }
      else
        text[to++] = text[from++];
    }
  return to;
}

/* Parses the start line and the headers only, with Content-Length read as
 * zeros: libosip2 then never looks for a body. Its MIME parser leaks on
 * malformed multipart bodies (a part with two Content-Type lines:
 * osip_body_set_contenttype() drops the first without freeing it), so every
 * such datagram from anyone on the LAN grew the exchange's memory; and with
 * a Content-Type and a non-zero Content-Length it refuses a header section
 * that is not followed by its body. */
static int
parse_head (osip_message_t    *message,
            const UstSipText  *text,
            const UstSipField *content_length)
{
  char stack_copy[4096];
  g_autofree char *heap_copy = NULL;
  g_autoptr(GString) kept = NULL;
  char *head = stack_copy;
  gsize len = text->body_start;
  gboolean has_nul = memchr (text->data, '\0', len) != NULL;
  gboolean has_escape = has_kept_escape (text->data, len);

  if (content_length == NULL && !has_nul && !has_escape)
    return osip_message_parse (message, text->data, len);

  if (len > sizeof stack_copy)
    head = heap_copy = g_malloc (len);
  memcpy (head, text->data, len);
  if (content_length != NULL)
    for (gsize i = content_length->value_start; i < content_length->value_end; i++)
      if (g_ascii_isdigit (head[i]))
        head[i] = '0';
  if (has_escape)
    {
      kept = keep_uri_escapes (text, head);
      head = kept->str;
      len = kept->len;
    }
  if (has_nul)
    blank_quoted_nuls (head, len);
  return osip_message_parse (message, head, len);
}

/* libosip2 is given the start line and the headers, never the body: the
 * proxy forwards bodies as the bytes it received and never needs their
 * parts. With @with_body, the body is attached afterwards as one opaque
 * part, which is what the call tracker reads (SDP, sipfrag). */
static osip_message_t *
parse_in_arena (const UstSipText  *text,
                gboolean           with_body,
                GError           **error)
{
  g_autoptr(osip_message_t) message = NULL;
  UstSipField content_length;
  gboolean has_content_length;
  gsize length;
  int rc;

  if (osip_message_init (&message) != OSIP_SUCCESS)
    {
      g_set_error_literal (error, UST_SIP_ERROR, UST_SIP_ERROR_PARSE, "Out of memory");
      return NULL;
    }

  has_content_length = ust_sip_text_find (text, "Content-Length", 'l', &content_length);
  rc = parse_head (message, text, has_content_length ? &content_length : NULL);
  if (rc != OSIP_SUCCESS || (with_body && message->content_length == NULL))
    {
      g_set_error (error, UST_SIP_ERROR, UST_SIP_ERROR_PARSE,
                   "Not a valid SIP message (libosip2 error %d)", rc);
      return NULL;
    }
  if (!with_body)
    return g_steal_pointer (&message);

  if (!body_length (message, text, has_content_length ? &content_length : NULL, &length, error))
    return NULL;
  if (length > 0
      && osip_message_set_body (message, text->data + text->body_start, length) != OSIP_SUCCESS)
    {
      g_set_error_literal (error, UST_SIP_ERROR, UST_SIP_ERROR_PARSE, "Out of memory");
      return NULL;
    }

  return g_steal_pointer (&message);
}

static osip_message_t *
parse (const UstSipText  *text,
       gboolean           with_body,
       GError           **error)
{
  osip_message_t *message;

  ust_sip_init ();
  ust_sip_arena_enter ();
  message = parse_in_arena (text, with_body, error);
  ust_sip_arena_leave ();
  return message;
}

osip_message_t *
ust_sip_parse_text (const UstSipText  *text,
                    GError           **error)
{
  return parse (text, TRUE, error);
}

/* The start line and headers alone, whatever the body: for answering a
 * message whose body is broken or missing (§18.3). */
osip_message_t *
ust_sip_parse_head (const UstSipText  *text,
                    GError           **error)
{
  return parse (text, FALSE, error);
}

/* The body length Content-Length declares, 0 when it is missing or no
 * number. */
gsize
ust_sip_content_length (const UstSipText *text)
{
  UstSipField field;
  char value[24];
  gsize len;
  guint64 number;

  if (!ust_sip_text_find (text, "Content-Length", 'l', &field))
    return 0;
  len = field.value_end - field.value_start;
  if (len == 0 || len >= sizeof value)
    return 0;
  memcpy (value, text->data + field.value_start, len);
  value[len] = '\0';
  return ust_sip_parse_uint (value, G_MAXUINT32, &number) ? (gsize) number : 0;
}

osip_message_t *
ust_sip_parse (const char  *data,
               gsize        len,
               GError     **error)
{
  UstSipText text;

  if (!ust_sip_text_init (&text, data, len))
    {
      g_set_error_literal (error, UST_SIP_ERROR, UST_SIP_ERROR_PARSE,
                           "Not a valid SIP message (no line ending)");
      return NULL;
    }
  return ust_sip_parse_text (&text, error);
}

/* restore_escapes() for the lines of a message libosip2 wrote that hold the
 * URIs keep_uri_escapes() treated: the request line, To, From, Contact,
 * Route and Record-Route (libosip2 writes the long names). The body, after
 * the empty line, is left alone. Returns the new length. */
static gsize
restore_message_escapes (char  *text,
                         gsize  len)
{
  static const char *const names[] = { "To:", "From:", "Contact:", "Route:", "Record-Route:" };
  gsize from = 0, to = 0;

  if (!has_kept_escape (text, len))
    return len;
  while (from < len)
    {
      const char *nl = memchr (text + from, '\n', len - from);
      gsize line_len = nl != NULL ? (gsize) (nl + 1 - (text + from)) : len - from;
      gboolean empty = text[from] == '\r' || text[from] == '\n';
      gboolean uri_line = from == 0 && !g_str_has_prefix (text, "SIP/");

      for (guint i = 0; from > 0 && i < G_N_ELEMENTS (names); i++)
        uri_line = uri_line || g_ascii_strncasecmp (text + from, names[i], strlen (names[i])) == 0;
      memmove (text + to, text + from, line_len);
      to += uri_line ? restore_escapes (text + to, line_len) : line_len;
      from += line_len;
      if (empty)
        break;
    }
  memmove (text + to, text + from, len - from);
  to += len - from;
  text[to] = '\0';
  return to;
}

/* Returns a g_malloc'd copy so callers never mix osip_free and g_free. */
char *
ust_sip_to_string (osip_message_t  *message,
                   gsize           *len,
                   GError         **error)
{
  char *osip_text = NULL;
  size_t osip_len = 0;
  char *text;

  /* libosip2 caches the serialized text and does not notice direct edits
   * of its structures; always rebuild. */
  osip_message_force_update (message);
  if (osip_message_to_str (message, &osip_text, &osip_len) != OSIP_SUCCESS)
    {
      g_set_error_literal (error, UST_SIP_ERROR, UST_SIP_ERROR_SERIALIZE,
                           "Could not serialize SIP message");
      return NULL;
    }

  text = g_strndup (osip_text, osip_len);
  osip_free (osip_text);
  osip_len = restore_message_escapes (text, osip_len);
  if (len != NULL)
    *len = osip_len;
  return text;
}

/* RFC 3261 §8.2.6.2: a response copies all Vias (in order), From, To,
 * Call-ID and CSeq from the request, and adds a To tag unless it is a 100. */
osip_message_t *
ust_sip_response_new (osip_message_t *request,
                      guint           code,
                      const char     *reason,
                      const char     *to_tag)
{
  osip_message_t *response = NULL;
  osip_header_t *timestamp = NULL;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (code >= 100 && code <= 699, NULL);

  osip_message_init (&response);
  osip_message_set_version (response, osip_strdup ("SIP/2.0"));
  osip_message_set_status_code (response, code);
  osip_message_set_reason_phrase (response,
                                  osip_strdup (reason != NULL ? reason
                                                              : ust_sip_standard_reason (code)));

  for (int i = 0; ; i++)
    {
      osip_via_t *via = osip_list_get (&request->vias, i);
      osip_via_t *copy = NULL;

      if (via == NULL)
        break;
      osip_via_clone (via, &copy);
      osip_list_add (&response->vias, copy, -1);
    }

  if (request->from != NULL)
    osip_from_clone (request->from, &response->from);
  if (request->to != NULL)
    osip_to_clone (request->to, &response->to);
  if (request->call_id != NULL)
    osip_call_id_clone (request->call_id, &response->call_id);
  if (request->cseq != NULL)
    osip_cseq_clone (request->cseq, &response->cseq);

  if (response->to != NULL && code > 100 && to_tag != NULL && ust_sip_to_tag (response) == NULL)
    osip_to_set_tag (response->to, osip_strdup (to_tag));

  /* RFC 3261 §8.2.6.1: a 100 echoes the request's Timestamp. */
  if (code == 100 && osip_message_get_timestamp (request, 0, &timestamp) >= 0 && timestamp != NULL)
    osip_message_set_header (response, "Timestamp", timestamp->hvalue);

  osip_message_set_content_length (response, "0");
  return response;
}

void
ust_sip_add_header (osip_message_t *message,
                    const char     *name,
                    const char     *value)
{
  osip_message_set_header (message, name, value);
}

/* RFC 3581 §4 (stricter than RFC 3261 §18.2.1): with "rport" present,
 * fill it with the source port and always add "received". */
void
ust_sip_fix_top_via (osip_message_t *request,
                     const char     *host,
                     guint           port)
{
  osip_via_t *via = osip_list_get (&request->vias, 0);
  osip_generic_param_t *rport = NULL, *received = NULL;

  if (via == NULL)
    return;
  osip_via_param_get_byname (via, "rport", &rport);
  osip_via_param_get_byname (via, "received", &received);
  if (rport != NULL && rport->gvalue == NULL)
    {
      char value[8];

      g_snprintf (value, sizeof value, "%u", port);
      rport->gvalue = osip_strdup (value);
    }
  if (received == NULL && (rport != NULL || g_strcmp0 (via_get_host (via), host) != 0))
    osip_via_set_received (via, osip_strdup (host));
}

const char *
ust_sip_header_value (osip_message_t *message,
                      const char     *name)
{
  osip_header_t *header = NULL;

  if (osip_message_header_get_byname (message, name, 0, &header) < 0 || header == NULL)
    return NULL;
  return header->hvalue;
}

const char *
ust_sip_via_branch (osip_via_t *via)
{
  osip_generic_param_t *param = NULL;

  if (via == NULL)
    return NULL;
  if (osip_via_param_get_byname (via, "branch", &param) < 0 || param == NULL)
    return NULL;
  return param->gvalue;
}

/* RFC 3261 §18.2.2: an absent port means 5060 for UDP. */
guint
ust_sip_via_port (osip_via_t *via)
{
  guint64 port;

  if (via == NULL || via->port == NULL)
    return 5060;
  if (!ust_sip_parse_uint (via->port, 65535, &port) || port == 0)
    return 5060;
  return (guint) port;
}

guint
ust_sip_uri_port (osip_uri_t *uri)
{
  guint64 port;

  if (uri == NULL || uri->port == NULL)
    return 5060;
  if (!ust_sip_parse_uint (uri->port, 65535, &port) || port == 0)
    return 5060;
  return (guint) port;
}

/* Strict decimal: libosip2 accepts "Max-Forwards: abc" and "CSeq: abc X",
 * so every number the proxy relies on goes through here. */
gboolean
ust_sip_parse_uint (const char *text,
                    guint64     max,
                    guint64    *value)
{
  guint64 result = 0;
  const char *p = text;

  if (text == NULL)
    return FALSE;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      result = result * 10 + (guint64) (*p - '0');
      if (result > max)
        return FALSE;
    }
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '\0')
    return FALSE;

  *value = result;
  return TRUE;
}

const char *
ust_sip_to_tag (osip_message_t *message)
{
  osip_generic_param_t *tag = NULL;

  if (message->to == NULL || osip_to_get_tag (message->to, &tag) < 0 || tag == NULL)
    return NULL;
  return tag->gvalue;
}

const char *
ust_sip_from_tag (osip_message_t *message)
{
  osip_generic_param_t *tag = NULL;

  if (message->from == NULL || osip_from_get_tag (message->from, &tag) < 0 || tag == NULL)
    return NULL;
  return tag->gvalue;
}

char *
ust_sip_uri_to_string (osip_uri_t *uri)
{
  char *osip_text = NULL;
  char *text;

  if (uri == NULL || osip_uri_to_str (uri, &osip_text) != OSIP_SUCCESS)
    return NULL;
  text = g_strdup (osip_text);
  osip_free (osip_text);
  text[restore_escapes (text, strlen (text))] = '\0';
  return text;
}

const char *
ust_sip_standard_reason (guint code)
{
  const char *reason = osip_message_get_reason ((int) code);

  if (reason != NULL)
    return reason;

  /* libosip2 knows the RFC 3261 table; later RFCs and unknown codes fall
   * back to the class name (RFC 3261 §21: an unknown code is treated as
   * the x00 of its class). */
  switch (code / 100)
    {
    case 1: return "Trying";
    case 2: return "OK";
    case 3: return "Redirect";
    case 4: return "Request Failure";
    case 5: return "Server Error";
    default: return "Global Failure";
    }
}

/* §9.1 and §17.1.1.3: a CANCEL or a hop-by-hop ACK copies the forwarded
 * INVITE's Request-URI, Call-ID, From, CSeq number and Route set, with the
 * INVITE's top Via alone (same branch). An ACK takes To from the response
 * (@to, its tag); NULL keeps the INVITE's. Returns the text, or NULL. */
char *
ust_sip_request_from_invite (osip_message_t *invite,
                             const char     *method,
                             osip_to_t      *to,
                             gsize          *len)
{
  g_autoptr(osip_message_t) message = NULL;
  osip_uri_t *uri = NULL;
  osip_via_t *via = NULL;
  osip_cseq_t *cseq = NULL;

  if (invite->req_uri == NULL || invite->call_id == NULL || invite->cseq == NULL
      || osip_list_get (&invite->vias, 0) == NULL)
    return NULL;

  osip_message_init (&message);
  osip_message_set_method (message, osip_strdup (method));
  osip_message_set_version (message, osip_strdup ("SIP/2.0"));
  osip_uri_clone (invite->req_uri, &uri);
  osip_message_set_uri (message, uri);
  osip_via_clone (osip_list_get (&invite->vias, 0), &via);
  osip_list_add (&message->vias, via, 0);
  for (int i = 0; ; i++)
    {
      osip_route_t *route = osip_list_get (&invite->routes, i), *copy = NULL;

      if (route == NULL)
        break;
      osip_route_clone (route, &copy);
      osip_list_add (&message->routes, copy, -1);
    }
  osip_from_clone (invite->from, &message->from);
  osip_to_clone (to != NULL ? to : invite->to, &message->to);
  osip_call_id_clone (invite->call_id, &message->call_id);
  osip_cseq_init (&cseq);
  osip_cseq_set_number (cseq, osip_strdup (invite->cseq->number));
  osip_cseq_set_method (cseq, osip_strdup (method));
  message->cseq = cseq;
  osip_message_set_max_forwards (message, "70");
  osip_message_set_content_length (message, "0");

  return ust_sip_to_string (message, len, NULL);
}

/* Takes the first @n Route values off @request's parsed copy (the proxy
 * removed them from the text it forwards, RFC 3261 §16.4). */
void
ust_sip_remove_top_routes (osip_message_t *request,
                           guint           n)
{
  for (guint i = 0; i < n; i++)
    {
      osip_route_t *route = osip_list_get (&request->routes, 0);

      if (route == NULL)
        return;
      osip_list_remove (&request->routes, 0);
      osip_route_free (route);
    }
}

/* The setter adopts the string and leaves the old one to the caller. */
void
ust_sip_set_reason_phrase (osip_message_t *message,
                           const char     *phrase)
{
  osip_free (message->reason_phrase);
  message->reason_phrase = phrase != NULL ? osip_strdup (phrase) : NULL;
}

/* A name-addr with parameters, as in Refer-To or From; NULL if it is not. */
osip_from_t *
ust_sip_parse_name_addr (const char *text)
{
  osip_from_t *address = NULL;

  ust_sip_init ();
  if (text == NULL || osip_from_init (&address) != 0)
    return NULL;
  if (osip_from_parse (address, text) != 0)
    {
      osip_from_free (address);
      return NULL;
    }
  return address;
}

static gboolean
is_hold_direction (const char *attribute)
{
  return g_strcmp0 (attribute, "sendonly") == 0 || g_strcmp0 (attribute, "inactive") == 0;
}

/* Video is on when an offer has an m=video line with a non-zero port
 * (RFC 3264 §5.1); hold is a=sendonly or a=inactive, or the old-style
 * c=0.0.0.0 (RFC 3264 §8.4). ust-sdp.c reads the body, with its guard
 * against libosip2's SDP parser reading past a body that ends in a lone CR
 * (a heap over-read any phone on the LAN could trigger with a re-INVITE). */
gboolean
ust_sip_read_media (osip_message_t *message,
                    UstSipMedia    *media)
{
  osip_body_t *body = NULL;
  g_autoptr(GPtrArray) streams = NULL;
  gboolean audio_hold = FALSE, any_audio = FALSE;

  memset (media, 0, sizeof *media);
  if (osip_message_get_body (message, 0, &body) < 0 || body == NULL || body->body == NULL)
    return FALSE;
  streams = ust_sdp_read_streams (body->body, body->length);
  if (streams->len == 0)
    return FALSE;

  for (guint i = 0; i < streams->len; i++)
    {
      const UstSdpStream *stream = g_ptr_array_index (streams, i);

      if (stream->port == 0)
        continue;
      if (g_strcmp0 (stream->media, "video") == 0)
        media->video = TRUE;
      if (g_strcmp0 (stream->media, "audio") != 0)
        continue;
      any_audio = TRUE;
      audio_hold = audio_hold || g_strcmp0 (stream->address, "0.0.0.0") == 0
                   || is_hold_direction (stream->direction);
    }
  media->hold = any_audio && audio_hold;
  return TRUE;
}

/* Most calls are audio only: a substring check spares them the SDP parse. */
gboolean
ust_sip_mentions_video (osip_message_t *message)
{
  osip_body_t *body = NULL;

  if (osip_message_get_body (message, 0, &body) < 0 || body == NULL || body->body == NULL)
    return FALSE;
  return g_strstr_len (body->body, (gssize) body->length, "m=video") != NULL;
}

typedef int (*HeaderParser) (void *header, const char *value);

typedef struct {
  const char  *name;
  char         compact;
  const char  *problem;
  int        (*init) (void **header);
  HeaderParser parse;
  void       (*free) (void *header);
} HeaderCheck;

#define CHECK(Name, compact, problem, type)                                             \
  { Name, compact, problem, (int (*) (void **)) osip_##type##_init,                     \
    (HeaderParser) osip_##type##_parse, (void (*) (void *)) osip_##type##_free }

/* The header fields whose syntax matters to a proxy, with the phrase that
 * names the problem (RFC 3261 §8.2, §16.3: a 400 says what is wrong). */
static const HeaderCheck header_checks[] = {
  CHECK ("Via", 'v', "Bad Via header", via),
  CHECK ("From", 'f', "Bad From header", from),
  CHECK ("To", 't', "Bad To header", to),
  CHECK ("Call-ID", 'i', "Bad Call-ID header", call_id),
  CHECK ("CSeq", '\0', "Bad CSeq header", cseq),
  CHECK ("Contact", 'm', "Bad Contact header", contact),
  CHECK ("Content-Type", 'c', "Bad Content-Type header", content_type),
  CHECK ("Route", '\0', "Bad Route header", route),
  CHECK ("Record-Route", '\0', "Bad Record-Route header", record_route),
};

/* RFC 3261 §7.1 and §25.1: Request-Line = Method SP Request-URI SP
 * SIP-Version CRLF, with exactly one SP between the parts and none around
 * them (RFC 4475 §3.1.2.7-§3.1.2.10 are the ways it goes wrong). Returns the
 * problem, or NULL when the line is a well-formed Request-Line or no request
 * line at all (a response, or not SIP). */
static const char *
diagnose_request_line (const UstSipText *text)
{
  const char *line = text->data;
  gsize len = text->first_line_end;
  const char *first_space = memchr (line, ' ', len);
  const char *last_space;
  g_autofree char *uri_text = NULL;
  osip_uri_t *uri = NULL;
  int rc;

  if (first_space == NULL || first_space == line || g_str_has_prefix (line, "SIP/"))
    return NULL;
  if (line[len - 1] == ' ' || line[len - 1] == '\t')
    return "Malformed Request-Line: spaces at its end";
  if (g_strstr_len (line, (gssize) len, "  ") != NULL)
    return "Malformed Request-Line: more than one space between its parts";
  last_space = g_strrstr_len (line, (gssize) len, " ");
  if (last_space == first_space)
    return "Malformed Request-Line";
  if (memchr (first_space + 1, ' ', (gsize) (last_space - first_space - 1)) != NULL)
    return "Bad Request-URI: it contains spaces";

  uri_text = g_strndup (first_space + 1, (gsize) (last_space - first_space - 1));
  if (uri_text[0] == '<')
    return "Bad Request-URI: it must not be enclosed in <>";
  ust_sip_init ();
  if (osip_uri_init (&uri) != 0)
    return NULL;
  rc = osip_uri_parse (uri, uri_text);
  osip_uri_free (uri);
  return rc != 0 ? "Bad Request-URI" : NULL;
}

/* Why libosip2 refused a message, as a reason phrase: the start line when
 * it is a malformed Request-Line, else the first header field libosip2
 * cannot read, else in general terms. Each value is tried on its own with
 * libosip2's parser for that header. */
const char *
ust_sip_diagnose (const UstSipText *text)
{
  UstSipField field;
  gsize position = 0;
  const char *problem = diagnose_request_line (text);

  if (problem != NULL)
    return problem;

  while (ust_sip_text_next_field (text, &position, &field))
    for (guint i = 0; i < G_N_ELEMENTS (header_checks); i++)
      {
        const HeaderCheck *check = &header_checks[i];
        g_autofree char *value = NULL;
        void *header = NULL;
        int rc;

        if (!ust_sip_text_field_is (text, &field, check->name, check->compact))
          continue;
        value = g_strndup (text->data + field.value_start, field.value_end - field.value_start);
        if (check->init (&header) != 0)
          return "Malformed message";
        rc = check->parse (header, value);
        check->free (header);
        if (rc != 0)
          return check->problem;
      }
  if (memchr (text->data, '\0', text->headers_end) != NULL)
    return "NUL byte in the header section";
  return "Malformed request line or header section";
}
