/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ust-sip-text.h"

static const char invite[] =
  "INVITE sip:bob@192.168.1.10 SIP/2.0\r\n"
  "v: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;rport, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK0\r\n"
  "Route: <sip:192.168.1.10:5060;lr>, <sip:10.1.1.1;lr>\r\n"
  "From: \"Doe, John\" <sip:alice@192.168.1.10>;tag=a\r\n"
  "Subject: folded\r\n"
  "  continues here\r\n"
  "Max-Forwards : 70\r\n"
  "Content-Length: 4\r\n"
  "\r\n"
  "abcdEXTRA";

static void
test_fields (void)
{
  UstSipText text;
  UstSipField field;
  g_autofree char *value = NULL;

  g_assert_true (ust_sip_text_init (&text, invite, strlen (invite)));
  g_assert_cmpstr (text.eol, ==, "\r\n");
  g_assert_cmpmem (invite + text.body_start, 4, "abcd", 4);

  /* The compact form "v" is found for Via. */
  g_assert_true (ust_sip_text_find (&text, "Via", 'v', &field));
  g_assert_cmpuint (field.start, ==, text.headers_start);

  /* White space before the colon is allowed (RFC 3261 §7.3.1). */
  g_assert_true (ust_sip_text_find (&text, "Max-Forwards", '\0', &field));
  value = g_strndup (invite + field.value_start, field.value_end - field.value_start);
  g_assert_cmpstr (value, ==, "70");

  /* A folded field spans its continuation line. */
  g_assert_true (ust_sip_text_find (&text, "Subject", '\0', &field));
  g_clear_pointer (&value, g_free);
  value = g_strndup (invite + field.value_start, field.value_end - field.value_start);
  g_assert_cmpstr (value, ==, "folded\r\n  continues here");

  g_assert_false (ust_sip_text_find (&text, "Call-ID", 'i', &field));
}

static void
test_values (void)
{
  UstSipText text;
  UstSipField field;
  gsize end, next;

  ust_sip_text_init (&text, invite, strlen (invite));

  g_assert_true (ust_sip_text_find (&text, "Via", 'v', &field));
  end = ust_sip_text_first_value_end (&text, &field);
  g_assert_cmpmem (invite + field.value_start, end - field.value_start,
                   "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;rport", 47);
  g_assert_true (ust_sip_text_next_value_start (&text, &field, end, &next));
  g_assert_true (g_str_has_prefix (invite + next, "SIP/2.0/UDP 10.0.0.9"));

  /* A comma inside a quoted display name does not split the value. */
  g_assert_true (ust_sip_text_find (&text, "From", 'f', &field));
  g_assert_cmpuint (ust_sip_text_first_value_end (&text, &field), ==, field.value_end);
}

static void
test_params (void)
{
  UstSipText text;
  UstSipField field;
  gsize end, param_end, param_value;

  ust_sip_text_init (&text, invite, strlen (invite));
  ust_sip_text_find (&text, "Via", 'v', &field);
  end = ust_sip_text_first_value_end (&text, &field);

  g_assert_true (ust_sip_text_find_param (&text, field.value_start, end, "rport", &param_end,
                                          &param_value));
  g_assert_cmpuint (param_value, ==, 0);
  g_assert_cmpuint (param_end, ==, end);

  g_assert_true (ust_sip_text_find_param (&text, field.value_start, end, "branch", &param_end,
                                          &param_value));
  g_assert_cmpmem (invite + param_value, param_end - param_value, "z9hG4bK1", 8);

  g_assert_false (ust_sip_text_find_param (&text, field.value_start, end, "received",
                                           &param_end, &param_value));
}

static void
test_start_line (void)
{
  static const char response[] = "SIP/2.0 486 Busy Here\r\nVia: x\r\n\r\n";
  UstSipText text;
  gsize start, end;

  ust_sip_text_init (&text, invite, strlen (invite));
  g_assert_true (ust_sip_text_request_uri (&text, &start, &end));
  g_assert_cmpmem (invite + start, end - start, "sip:bob@192.168.1.10", 20);

  ust_sip_text_init (&text, response, strlen (response));
  g_assert_true (ust_sip_text_reason_phrase (&text, &start, &end));
  g_assert_cmpmem (response + start, end - start, "Busy Here", 9);
}

/* The forwarded copy differs from the received one only by the splices, and
 * bytes past the declared body are dropped. */
static void
test_edit (void)
{
  UstSipText text;
  UstSipEdit edit;
  UstSipField field;
  char out[1024];
  gsize start, end, len;
  g_autofree char *result = NULL;

  ust_sip_text_init (&text, invite, strlen (invite));
  ust_sip_edit_init (&edit);
  ust_sip_text_request_uri (&text, &start, &end);
  ust_sip_edit_splice (&edit, start, end - start, "sip:bob@10.0.0.7:5064", -1);
  ust_sip_text_find (&text, "Via", 'v', &field);
  ust_sip_edit_splicef (&edit, field.start, 0, "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=%s\r\n",
                        "z9hG4bKu1");
  ust_sip_text_find (&text, "Max-Forwards", '\0', &field);
  ust_sip_edit_splicef (&edit, field.value_start, field.value_end - field.value_start, "%u", 69);

  len = ust_sip_edit_apply (&edit, &text, text.body_start + 4, out, sizeof out);
  g_assert_cmpuint (len, >, 0);
  result = g_strndup (out, len);
  g_assert_cmpstr (result, ==,
    "INVITE sip:bob@10.0.0.7:5064 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKu1\r\n"
    "v: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;rport, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK0\r\n"
    "Route: <sip:192.168.1.10:5060;lr>, <sip:10.1.1.1;lr>\r\n"
    "From: \"Doe, John\" <sip:alice@192.168.1.10>;tag=a\r\n"
    "Subject: folded\r\n"
    "  continues here\r\n"
    "Max-Forwards : 69\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "abcd");

  /* Too small a buffer fails cleanly instead of truncating. */
  ust_sip_edit_init (&edit);
  g_assert_cmpuint (ust_sip_edit_apply (&edit, &text, text.len, out, 10), ==, 0);
}

static void
test_lf_only (void)
{
  static const char message[] = "OPTIONS sip:x SIP/2.0\nVia: a\nCall-ID: b\n\n";
  UstSipText text;
  UstSipField field;

  g_assert_true (ust_sip_text_init (&text, message, strlen (message)));
  g_assert_cmpstr (text.eol, ==, "\n");
  g_assert_true (ust_sip_text_find (&text, "Call-ID", 'i', &field));
  g_assert_cmpmem (message + field.value_start, field.value_end - field.value_start, "b", 1);
  g_assert_cmpuint (text.body_start, ==, strlen (message));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ust/sip-text/fields", test_fields);
  g_test_add_func ("/ust/sip-text/values", test_values);
  g_test_add_func ("/ust/sip-text/params", test_params);
  g_test_add_func ("/ust/sip-text/start-line", test_start_line);
  g_test_add_func ("/ust/sip-text/edit", test_edit);
  g_test_add_func ("/ust/sip-text/lf-only", test_lf_only);

  return g_test_run ();
}
