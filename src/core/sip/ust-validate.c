/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-validate"

#include "config.h"

#include <string.h>

#include "ust-sip.h"
#include "ust-validate.h"

static gboolean
reject (UstValidation *result,
        guint          code,
        const char    *phrase)
{
  result->code = code;
  result->phrase = phrase;
  return FALSE;
}

gboolean
ust_parse_max_forwards (osip_message_t *request,
                        gboolean       *present,
                        guint          *value)
{
  const char *text = ust_sip_header_value (request, "max-forwards");
  guint64 number;

  *present = text != NULL;
  *value = 70;
  if (text == NULL)
    return TRUE;
  /* RFC 3261 §20.22: an integer 0-255. */
  if (!ust_sip_parse_uint (text, 255, &number))
    return FALSE;
  *value = (guint) number;
  return TRUE;
}

static gboolean is_known_scheme (const char *scheme);

/* §16.4 and §16.6 step 7: the request may be sent to any Route entry, so
 * each must be a SIP URI with a host (there is no DNS here, but a host name
 * is at least refused later with 404 rather than misread). */
static gboolean
routes_have_hosts (osip_message_t *request)
{
  for (int i = 0; i < osip_list_size (&request->routes); i++)
    {
      osip_route_t *route = osip_list_get (&request->routes, i);

      if (route == NULL || route->url == NULL || !is_known_scheme (route->url->scheme)
          || route->url->host == NULL || route->url->host[0] == '\0')
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_known_scheme (const char *scheme)
{
  return scheme != NULL && (g_ascii_strcasecmp (scheme, "sip") == 0
                            || g_ascii_strcasecmp (scheme, "sips") == 0);
}

/* RFC 3261 §8.2.2.3 and §16.3 step 5: we support no extensions, so every
 * option tag in Proxy-Require is unsupported. */
static char *
collect_proxy_require (osip_message_t *request)
{
  GString *tags = NULL;
  osip_header_t *header = NULL;

  for (int i = 0; osip_message_get_proxy_require (request, i, &header) >= 0; i++)
    {
      if (header == NULL || header->hvalue == NULL)
        continue;
      if (tags == NULL)
        tags = g_string_new (header->hvalue);
      else
        g_string_append_printf (tags, ", %s", header->hvalue);
    }
  return tags != NULL ? g_string_free (tags, FALSE) : NULL;
}

/* Returns FALSE and fills @result with the error response to send. */
gboolean
ust_validate_request (osip_message_t *request,
                      UstValidation  *result)
{
  const char *content_length;
  guint64 number;
  gboolean present;
  guint max_forwards;

  memset (result, 0, sizeof *result);

  /* §8.1.1: the six headers every request needs. */
  if (osip_list_size (&request->vias) == 0)
    return reject (result, 400, "Missing Via header");
  if (request->call_id == NULL || request->call_id->number == NULL)
    return reject (result, 400, "Missing Call-ID header");
  if (request->cseq == NULL)
    return reject (result, 400, "Missing CSeq header");
  if (request->from == NULL || request->from->url == NULL)
    return reject (result, 400, "Missing or bad From header");
  if (request->to == NULL || request->to->url == NULL)
    return reject (result, 400, "Missing or bad To header");

  /* §8.1.1.5: CSeq is a 32-bit number and the request's own method. */
  if (!ust_sip_parse_uint (request->cseq->number, G_MAXUINT32, &number))
    return reject (result, 400, "Bad CSeq number");
  if (request->cseq->method == NULL || request->sip_method == NULL
      || strcmp (request->cseq->method, request->sip_method) != 0)
    return reject (result, 400, "CSeq method does not match the request method");

  /* §8.2.1 (libosip2 accepts SIP/3.0). */
  if (request->sip_version == NULL || g_ascii_strcasecmp (request->sip_version, "SIP/2.0") != 0)
    return reject (result, 505, "SIP Version Not Supported");

  if (!ust_parse_max_forwards (request, &present, &max_forwards))
    return reject (result, 400, "Bad Max-Forwards header");

  /* libosip2 treats "Content-Length: abc" or "-5" as an empty body. */
  content_length = request->content_length != NULL ? request->content_length->value : NULL;
  if (content_length != NULL && !ust_sip_parse_uint (content_length, G_MAXUINT32, &number))
    return reject (result, 400, "Bad Content-Length header");

  /* §16.3 step 2. */
  if (request->req_uri == NULL || !is_known_scheme (request->req_uri->scheme))
    return reject (result, 416, "Unsupported URI Scheme");
  if (request->req_uri->host == NULL || request->req_uri->host[0] == '\0')
    return reject (result, 400, "Request-URI has no host");
  if (!routes_have_hosts (request))
    return reject (result, 400, "Route header without a SIP URI and host");

  /* §16.3 step 5. */
  result->unsupported = collect_proxy_require (request);
  if (result->unsupported != NULL)
    return reject (result, 420, "Bad Extension");

  return TRUE;
}

void
ust_validation_clear (UstValidation *result)
{
  g_clear_pointer (&result->unsupported, g_free);
}

/* A response we relay must be routable and matchable: a Via to pop, a CSeq
 * to match on, a status code the serializer and phones accept. */
gboolean
ust_validate_response (osip_message_t *response)
{
  guint64 number;

  if (response->status_code < 100 || response->status_code > 699)
    return FALSE;
  if (osip_list_size (&response->vias) == 0 || response->cseq == NULL
      || response->cseq->method == NULL || response->call_id == NULL
      || response->from == NULL || response->to == NULL)
    return FALSE;
  return ust_sip_parse_uint (response->cseq->number, G_MAXUINT32, &number);
}
