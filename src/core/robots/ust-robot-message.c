/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-robot-message"

#include "config.h"

#include <string.h>

#include "ust-robot-message.h"

char *
ust_robot_random_hex (guint n_bytes)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_bytes; i++)
    g_string_append_printf (text, "%02x", g_random_int_range (0, 256));
  return g_string_free (text, FALSE);
}

/* RFC 3261 §8.1.1.7: a branch starts with the magic cookie z9hG4bK. */
char *
ust_robot_new_branch (void)
{
  g_autofree char *random = ust_robot_random_hex (8);

  return g_strconcat ("z9hG4bK", random, NULL);
}

char *
ust_robot_call_key (const char *call_id,
                    const char *tag)
{
  return g_strconcat (call_id, "\n", tag != NULL ? tag : "", NULL);
}

char *
ust_robot_raw_value (const UstSipText *text,
                     const char       *name,
                     char              compact)
{
  UstSipField field;

  if (!ust_sip_text_find (text, name, compact, &field))
    return NULL;
  return g_strndup (text->data + field.value_start, field.value_end - field.value_start);
}

/* Every value of every @name field, in order, lists split at their commas. */
GPtrArray *
ust_robot_raw_values (const UstSipText *text,
                      const char       *name)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  gsize position = text->headers_start;
  UstSipField field;

  while (ust_sip_text_next_field (text, &position, &field))
    {
      UstSipField rest = field;

      if (!ust_sip_text_field_is (text, &field, name, 0))
        continue;
      for (;;)
        {
          gsize end = ust_sip_text_first_value_end (text, &rest);
          gsize next;

          g_ptr_array_add (values, g_strndup (text->data + rest.value_start,
                                              end - rest.value_start));
          if (!ust_sip_text_next_value_start (text, &rest, end, &next))
            break;
          rest.value_start = next;
        }
    }
  return values;
}

char *
ust_robot_contact_uri (osip_message_t *message)
{
  osip_contact_t *contact = NULL;

  if (osip_message_get_contact (message, 0, &contact) < 0 || contact == NULL)
    return NULL;
  return ust_sip_uri_to_string (contact->url);
}

guint32
ust_robot_cseq_number (osip_message_t *message)
{
  guint64 number = 0;

  if (message->cseq != NULL)
    ust_sip_parse_uint (message->cseq->number, G_MAXUINT32, &number);
  return (guint32) number;
}

void
ust_robot_message_end (GString    *message,
                       const char *content_type,
                       const char *body)
{
  if (body != NULL)
    g_string_append_printf (message, "Content-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT
                            "\r\n\r\n%s", content_type, strlen (body), body);
  else
    g_string_append (message, "Content-Length: 0\r\n\r\n");
}

/* §8.2.6.2: a response copies the request's Via fields (all, in order),
 * From, Call-ID and CSeq, and To with our tag added when it had none; a
 * response that makes a dialog copies Record-Route too (§12.1.1). */
GString *
ust_robot_response_head (const UstSipText *request,
                         guint             code,
                         const char       *reason,
                         const char       *add_tag,
                         gboolean          record_route)
{
  GString *response = g_string_new (NULL);
  gsize position = request->headers_start;
  UstSipField field;

  g_string_append_printf (response, "SIP/2.0 %u %s\r\n", code,
                          reason != NULL ? reason : ust_sip_standard_reason (code));
  while (ust_sip_text_next_field (request, &position, &field))
    {
      if (ust_sip_text_field_is (request, &field, "To", 't'))
        {
          g_string_append (response, "To: ");
          g_string_append_len (response, request->data + field.value_start,
                               field.value_end - field.value_start);
          if (add_tag != NULL && code > 100)
            g_string_append_printf (response, ";tag=%s", add_tag);
          g_string_append (response, "\r\n");
        }
      else if (ust_sip_text_field_is (request, &field, "Via", 'v')
               || ust_sip_text_field_is (request, &field, "From", 'f')
               || ust_sip_text_field_is (request, &field, "Call-ID", 'i')
               || ust_sip_text_field_is (request, &field, "CSeq", 0)
               || (record_route && ust_sip_text_field_is (request, &field, "Record-Route", 0)))
        g_string_append_len (response, request->data + field.start, field.end - field.start);
    }
  g_string_append (response, "Server: " ROBOT_AGENT "\r\n");
  return response;
}

GString *
ust_robot_request_head (const char *host,
                        guint       port,
                        const char *method,
                        const char *uri,
                        const char *branch)
{
  GString *request = g_string_new (NULL);

  /* §18.1.1 and RFC 3581: Via names our socket, and rport asks the
   * exchange to answer where the request came from. */
  g_string_append_printf (request, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%u;branch=%s;rport\r\n"
                          "Max-Forwards: 70\r\n", method, uri, host, port, branch);
  return request;
}

/* "Warning: 399 host "why"" (§20.43): what was wrong with the offer, for
 * the student reading the ladder. */
char *
ust_robot_warning (const char *host,
                   const char *text)
{
  g_autofree char *clean = g_strdup (text);

  g_strdelimit (clean, "\"\\\r\n", '\'');
  return g_strdup_printf ("Warning: 399 %s \"%s\"\r\n", host, clean);
}

/* The offer of @message: TRUE with *@offer NULL when it has no body (the
 * offer then comes from us, §13.2.1); FALSE when the body is not SDP or
 * not well-formed, with @status and @extra saying what to answer. */
gboolean
ust_robot_read_offer (const char      *host,
                      osip_message_t  *message,
                      UstSdp         **offer,
                      guint           *status,
                      char           **extra)
{
  osip_body_t *body = NULL;
  osip_content_type_t *type = message->content_type;
  g_autoptr(GError) error = NULL;

  *offer = NULL;
  if (osip_message_get_body (message, 0, &body) < 0 || body == NULL || body->length == 0)
    return TRUE;
  if (type == NULL || g_ascii_strcasecmp (type->type != NULL ? type->type : "", "application") != 0
      || g_ascii_strcasecmp (type->subtype != NULL ? type->subtype : "", "sdp") != 0)
    {
      /* §21.4.19: say what we accept. */
      *status = 415;
      *extra = g_strdup ("Accept: application/sdp\r\n");
      return FALSE;
    }
  *offer = ust_sdp_parse (body->body, body->length, &error);
  if (*offer == NULL)
    {
      /* §13.3.1.3: an offer we cannot take gets 488 Not Acceptable Here. */
      *status = 488;
      *extra = ust_robot_warning (host, error->message);
      return FALSE;
    }
  return TRUE;
}

UstSdp *
ust_robot_answer_of (osip_message_t *response)
{
  osip_body_t *body = NULL;

  if (osip_message_get_body (response, 0, &body) < 0 || body == NULL || body->length == 0)
    return NULL;
  return ust_sdp_parse (body->body, body->length, NULL);
}
