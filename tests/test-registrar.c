/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "ust-registrar.h"
#include "ust-sip.h"
#include "ust-test-phone.h"
#include "ust-test-util.h"

#define SOURCE_PORT 40000

typedef struct {
  guint n_changed;
  char *last_aor;
} Changes;

static void
changed_cb (UstRegistrar *registrar,
            const char   *aor,
            Changes      *changes)
{
  changes->n_changed++;
  g_free (changes->last_aor);
  changes->last_aor = g_strdup (aor);
}

static void
changes_clear (Changes *changes)
{
  g_clear_pointer (&changes->last_aor, g_free);
  changes->n_changed = 0;
}

/* A REGISTER for @user (NULL: a To without a user part) with @headers, a
 * block of "Contact: ...\r\n" and "Expires: ...\r\n" lines. */
static osip_message_t *
parse_register (const char *user,
                const char *call_id,
                guint       cseq,
                const char *headers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *to = user != NULL ? g_strdup_printf ("<sip:%s@127.0.0.1>", user)
                                     : g_strdup ("<sip:127.0.0.1>");
  g_autofree char *text = g_strdup_printf ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
                                           "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK%u\r\n"
                                           "From: %s;tag=f%u\r\n"
                                           "To: %s\r\n"
                                           "Call-ID: %s\r\n"
                                           "CSeq: %u REGISTER\r\n"
                                           "Max-Forwards: 70\r\n"
                                           "User-Agent: test-registrar\r\n"
                                           "%s"
                                           "Content-Length: 0\r\n\r\n",
                                           SOURCE_PORT, cseq, to, cseq, to, call_id, cseq,
                                           headers);
  osip_message_t *message = ust_sip_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static GSocketAddress *
source_address_on (const char *host,
                   guint       port)
{
  GSocketAddress *address = g_inet_socket_address_new_from_string (host, port);

  g_assert_nonnull (address);
  return address;
}

static GSocketAddress *
source_address (guint port)
{
  return source_address_on ("127.0.0.1", port);
}

/* Sends a REGISTER from 127.0.0.1:@port; returns the response code. The
 * caller clears @result. */
static guint
do_register_from (UstRegistrar      *registrar,
                  guint              port,
                  const char        *user,
                  const char        *call_id,
                  guint              cseq,
                  const char        *headers,
                  UstRegisterResult *result)
{
  g_autoptr(osip_message_t) request = parse_register (user, call_id, cseq, headers);
  g_autoptr(GSocketAddress) source = source_address (port);

  ust_registrar_handle_register (registrar, request, source, UST_PROTOCOL_UDP, 0, result);
  return result->code;
}

static guint
do_register (UstRegistrar      *registrar,
             const char        *user,
             const char        *call_id,
             guint              cseq,
             const char        *headers,
             UstRegisterResult *result)
{
  return do_register_from (registrar, SOURCE_PORT, user, call_id, cseq, headers, result);
}

/* Registers from 127.0.0.1:@port and expects a 200. */
static void
register_ok_from (UstRegistrar *registrar,
                  guint         port,
                  const char   *user,
                  const char   *call_id,
                  guint         cseq,
                  const char   *headers)
{
  UstRegisterResult result;

  g_assert_cmpuint (do_register_from (registrar, port, user, call_id, cseq, headers, &result), ==,
                    200);
  ust_register_result_clear (&result);
}

/* Registers and expects a 200, for the set-up steps of a test. */
static void
register_ok (UstRegistrar *registrar,
             const char   *user,
             const char   *call_id,
             guint         cseq,
             const char   *headers)
{
  UstRegisterResult result;

  g_assert_cmpuint (do_register (registrar, user, call_id, cseq, headers, &result), ==, 200);
  ust_register_result_clear (&result);
}

/* The 200's contacts, in order, NULL-terminated. */
static void
assert_contacts (UstRegisterResult *result,
                 ...)
{
  va_list args;
  guint n = 0;
  const char *expected;

  g_assert_cmpuint (result->code, ==, 200);
  g_assert_nonnull (result->contacts);
  va_start (args, result);
  while ((expected = va_arg (args, const char *)) != NULL)
    {
      g_assert_cmpuint (n, <, result->contacts->len);
      g_assert_cmpstr (g_ptr_array_index (result->contacts, n), ==, expected);
      n++;
    }
  va_end (args);
  g_assert_cmpuint (result->contacts->len, ==, n);
}

static guint
n_live (UstRegistrar *registrar,
        const char   *aor)
{
  g_autoptr(GPtrArray) bindings = ust_registrar_lookup (registrar, aor);

  return bindings != NULL ? bindings->len : 0;
}

static void
test_add (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) bindings = NULL;
  UstRegisterResult result;
  Changes changes = { 0 };
  UstBinding *binding;
  gint64 now;

  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);

  g_assert_cmpuint (do_register (registrar, "alice", "c1@127.0.0.1", 1,
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 600\r\n",
                                 &result), ==, 200);
  g_assert_null (result.phrase);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=600", NULL);
  ust_register_result_clear (&result);
  g_assert_null (result.contacts);

  g_assert_cmpuint (changes.n_changed, ==, 1);
  g_assert_cmpstr (changes.last_aor, ==, "alice");

  now = g_get_real_time ();
  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_nonnull (bindings);
  g_assert_cmpuint (bindings->len, ==, 1);
  binding = g_ptr_array_index (bindings, 0);
  g_assert_cmpstr (binding->aor, ==, "alice");
  g_assert_cmpstr (binding->contact_uri, ==, "sip:alice@127.0.0.1:5070");
  g_assert_cmpstr (binding->contact_key, ==, "127.0.0.1:5070");
  g_assert_cmpstr (binding->source_text, ==, "127.0.0.1:40000");
  g_assert_cmpstr (binding->call_id, ==, "c1@127.0.0.1");
  g_assert_cmpuint (binding->cseq, ==, 1);
  g_assert_cmpstr (binding->user_agent, ==, "test-registrar");
  g_assert_cmpfloat (binding->q, ==, 1.0);
  g_assert_cmpint (ust_binding_get_seconds_left (binding, now), ==, 600);
  g_assert_cmpint (binding->registered_at, <=, now);

  g_assert_null (ust_registrar_lookup (registrar, "bob"));
  g_assert_null (ust_registrar_lookup (registrar, NULL));

  /* A REGISTER without Contact is a query: it lists, and changes nothing. */
  g_assert_cmpuint (do_register (registrar, "alice", "other@127.0.0.1", 1, "", &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=600", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 1);
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 1);

  g_clear_pointer (&bindings, g_ptr_array_unref);
  bindings = ust_registrar_list_bindings (registrar);
  g_assert_cmpuint (bindings->len, ==, 1);

  changes_clear (&changes);
}

static void
test_refresh (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) bindings = NULL;
  g_autoptr(GPtrArray) all = NULL;
  UstRegisterResult result;
  Changes changes = { 0 };
  UstBinding *binding;

  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);

  register_ok (registrar, "alice", "c1", 1,
               "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 600\r\n");

  /* Same Call-ID, higher CSeq: the refresh replaces the binding. */
  g_assert_cmpuint (do_register_from (registrar, 40002, "alice", "c1", 2,
                                      "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 1200\r\n",
                                      &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=1200", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 2);

  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_cmpuint (bindings->len, ==, 1);
  binding = g_ptr_array_index (bindings, 0);
  g_assert_cmpuint (binding->cseq, ==, 2);
  g_assert_cmpint (ust_binding_get_seconds_left (binding, g_get_real_time ()), ==, 1200);
  /* The phone moved (NAT rebinding): the new source wins. */
  g_assert_cmpstr (binding->source_text, ==, "127.0.0.1:40002");
  g_assert_true (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5070) == binding);

  /* Another refresh still leaves one binding, not a pile of them. */
  g_clear_pointer (&bindings, g_ptr_array_unref);
  register_ok (registrar, "alice", "c1", 3,
               "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 900\r\n");
  all = ust_registrar_list_bindings (registrar);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 1);

  changes_clear (&changes);
}

static void
test_unregister (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) all = NULL;
  UstRegisterResult result;
  Changes changes = { 0 };

  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);

  register_ok (registrar, "alice", "c1", 1,
               "Contact: <sip:alice@127.0.0.1:5070>\r\n"
               "Contact: <sip:alice@127.0.0.1:5072>\r\n");
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 2);

  /* An expires=0 parameter removes that contact only. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 2,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=0\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5072>;expires=3600", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 2);
  g_assert_cmpstr (changes.last_aor, ==, "alice");
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5070));
  g_assert_nonnull (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5072));

  /* Expires: 0 removes the rest. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 3,
                                 "Contact: <sip:alice@127.0.0.1:5072>\r\nExpires: 0\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 3);
  g_assert_null (ust_registrar_lookup (registrar, "alice"));
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5072));
  all = ust_registrar_list_bindings (registrar);
  g_assert_cmpuint (all->len, ==, 0);

  /* Removing a contact that is not bound is fine (and still a 200). */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 4,
                                 "Contact: <sip:alice@127.0.0.1:5099>;expires=0\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, NULL);
  ust_register_result_clear (&result);

  changes_clear (&changes);
}

static void
test_expires_precedence (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;

  /* RFC 3261 §10.3 step 7: the Contact's expires parameter wins over the
   * Expires header, which applies to contacts without one. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 1,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=120\r\n"
                                 "Contact: <sip:alice@127.0.0.1:5072>\r\n"
                                 "Expires: 300\r\n",
                                 &result), ==, 200);
  assert_contacts (&result,
                   "<sip:alice@127.0.0.1:5070>;expires=120",
                   "<sip:alice@127.0.0.1:5072>;expires=300",
                   NULL);
  ust_register_result_clear (&result);

  /* Neither: the registrar's default. */
  g_assert_cmpuint (do_register (registrar, "bob", "c2", 1,
                                 "Contact: <sip:bob@127.0.0.1:5080>\r\n", &result), ==, 200);
  assert_contacts (&result, "<sip:bob@127.0.0.1:5080>;expires=3600", NULL);
  ust_register_result_clear (&result);

  /* More than the maximum is cut down to it. */
  g_assert_cmpuint (do_register (registrar, "carol", "c3", 1,
                                 "Contact: <sip:carol@127.0.0.1:5090>;expires=999999\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:carol@127.0.0.1:5090>;expires=86400", NULL);
  ust_register_result_clear (&result);

  /* A parameter of 0 removes even with a long Expires header. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 2,
                                 "Contact: <sip:alice@127.0.0.1:5072>;expires=0\r\n"
                                 "Expires: 3600\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=120", NULL);
  ust_register_result_clear (&result);

  /* Garbage is a 400 and changes nothing. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 3,
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: soon\r\n",
                                 &result), ==, 400);
  g_assert_nonnull (result.phrase);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 3,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=-1\r\n",
                                 &result), ==, 400);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 4, "", &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=120", NULL);
  ust_register_result_clear (&result);
}

static void
test_two_contacts (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) bindings = NULL;
  UstRegisterResult result;

  /* A comma-separated list in one header is two contacts as well. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 1,
                                 "Contact: <sip:alice@127.0.0.1:5070>, "
                                 "<sip:alice@127.0.0.1:5072>\r\n"
                                 "Expires: 600\r\n",
                                 &result), ==, 200);
  assert_contacts (&result,
                   "<sip:alice@127.0.0.1:5070>;expires=600",
                   "<sip:alice@127.0.0.1:5072>;expires=600",
                   NULL);
  ust_register_result_clear (&result);

  /* A second phone with its own Call-ID adds to them. */
  g_assert_cmpuint (do_register_from (registrar, 40010, "alice", "c2", 1,
                                      "Contact: <sip:alice@127.0.0.1:5074>\r\nExpires: 300\r\n",
                                      &result), ==, 200);
  assert_contacts (&result,
                   "<sip:alice@127.0.0.1:5070>;expires=600",
                   "<sip:alice@127.0.0.1:5072>;expires=600",
                   "<sip:alice@127.0.0.1:5074>;expires=300",
                   NULL);
  ust_register_result_clear (&result);

  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_cmpuint (bindings->len, ==, 3);
  g_assert_null (ust_registrar_lookup (registrar, "bob"));
}

static void
test_star (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;
  Changes changes = { 0 };

  register_ok (registrar, "alice", "c1", 1,
               "Contact: <sip:alice@127.0.0.1:5070>\r\n"
               "Contact: <sip:alice@127.0.0.1:5072>\r\n");
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@127.0.0.1:5080>\r\n");
  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);

  /* RFC 3261 §10.3 step 6: "*" needs Expires: 0 and no other Contact. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 2, "Contact: *\r\n", &result), ==, 400);
  g_assert_nonnull (result.phrase);
  g_assert_null (result.contacts);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 3, "Contact: *\r\nExpires: 60\r\n",
                                 &result), ==, 400);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 4,
                                 "Contact: *\r\nContact: <sip:alice@127.0.0.1:5074>\r\n"
                                 "Expires: 0\r\n",
                                 &result), ==, 400);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 0);
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 2);

  /* Step 6: with the bindings' own Call-ID, "*" must come after them: a
   * delayed copy (CSeq 1, the bindings have CSeq 1) removes nothing. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 1, "Contact: *\r\nExpires: 0\r\n",
                                 &result), ==, 500);
  ust_register_result_clear (&result);
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 2);
  g_assert_cmpuint (changes.n_changed, ==, 0);

  g_assert_cmpuint (do_register (registrar, "alice", "c1", 5, "Contact: *\r\nExpires: 0\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, NULL);
  ust_register_result_clear (&result);
  g_assert_null (ust_registrar_lookup (registrar, "alice"));
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5070));
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5072));
  g_assert_cmpuint (changes.n_changed, ==, 1);
  g_assert_cmpstr (changes.last_aor, ==, "alice");

  /* Only alice's bindings went. */
  g_assert_cmpuint (n_live (registrar, "bob"), ==, 1);
  g_assert_true (ust_registrar_is_known (registrar, "alice"));

  changes_clear (&changes);
}

static void
test_min_expires (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;
  Changes changes = { 0 };

  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);
  g_assert_cmpuint (ust_registrar_get_min_expires (registrar), ==, UST_DEFAULT_MIN_EXPIRES);
  g_assert_cmpuint (UST_DEFAULT_MIN_EXPIRES, ==, 60);

  /* RFC 3261 §10.3 step 7: 0 < expiry < minimum is a 423 with Min-Expires. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 1,
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 30\r\n",
                                 &result), ==, 423);
  g_assert_cmpuint (result.min_expires, ==, 60);
  g_assert_null (result.contacts);
  ust_register_result_clear (&result);

  g_assert_cmpuint (do_register (registrar, "alice", "c1", 2,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=59\r\n",
                                 &result), ==, 423);
  g_assert_cmpuint (result.min_expires, ==, 60);
  ust_register_result_clear (&result);

  /* One short contact refuses the whole request. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 3,
                                 "Contact: <sip:alice@127.0.0.1:5072>;expires=600\r\n"
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=1\r\n",
                                 &result), ==, 423);
  ust_register_result_clear (&result);
  g_assert_null (ust_registrar_lookup (registrar, "alice"));
  g_assert_cmpuint (changes.n_changed, ==, 0);

  /* The minimum itself, and 0, are fine. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 4,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=60\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=60", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 5,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=0\r\n",
                                 &result), ==, 200);
  ust_register_result_clear (&result);

  /* A lower minimum lets the short one in, and reports the new value. */
  ust_registrar_set_min_expires (registrar, 10);
  g_assert_cmpuint (ust_registrar_get_min_expires (registrar), ==, 10);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 6,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=30\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=30", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 7,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=5\r\n",
                                 &result), ==, 423);
  g_assert_cmpuint (result.min_expires, ==, 10);
  ust_register_result_clear (&result);

  changes_clear (&changes);
}

static void
test_out_of_order (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) bindings = NULL;
  UstRegisterResult result;
  Changes changes = { 0 };
  UstBinding *binding;
  gint64 expires_at;

  register_ok (registrar, "alice", "c1", 5,
               "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 600\r\n");
  bindings = ust_registrar_lookup (registrar, "alice");
  expires_at = ((UstBinding *) g_ptr_array_index (bindings, 0))->expires_at;
  g_clear_pointer (&bindings, g_ptr_array_unref);
  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &changes);

  /* RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher → refused. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 5,
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 1200\r\n",
                                 &result), ==, 500);
  g_assert_null (result.contacts);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 4,
                                 "Contact: <sip:alice@127.0.0.1:5070>;expires=0\r\n",
                                 &result), ==, 500);
  ust_register_result_clear (&result);

  /* All or nothing: a new contact beside a stale one is not added. */
  g_assert_cmpuint (do_register (registrar, "alice", "c1", 5,
                                 "Contact: <sip:alice@127.0.0.1:5072>\r\n"
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\n",
                                 &result), ==, 500);
  ust_register_result_clear (&result);

  g_assert_cmpuint (changes.n_changed, ==, 0);
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5072));
  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_cmpuint (bindings->len, ==, 1);
  binding = g_ptr_array_index (bindings, 0);
  g_assert_cmpstr (binding->contact_uri, ==, "sip:alice@127.0.0.1:5070");
  g_assert_cmpuint (binding->cseq, ==, 5);
  g_assert_cmpint (binding->expires_at, ==, expires_at);
  g_clear_pointer (&bindings, g_ptr_array_unref);

  /* Another Call-ID (the phone restarted) may start again at a lower CSeq. */
  g_assert_cmpuint (do_register (registrar, "alice", "c2", 1,
                                 "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 1200\r\n",
                                 &result), ==, 200);
  assert_contacts (&result, "<sip:alice@127.0.0.1:5070>;expires=1200", NULL);
  ust_register_result_clear (&result);
  g_assert_cmpuint (changes.n_changed, ==, 1);

  /* RFC 3261 §8.1.1.4: the whole Call-ID counts, not only the part before
   * '@' (libosip2 keeps the two apart). */
  register_ok (registrar, "bob", "9@192.0.2.1", 5, "Contact: <sip:bob@127.0.0.1:5080>\r\n");
  g_assert_cmpuint (do_register (registrar, "bob", "9@192.0.2.1", 5,
                                 "Contact: <sip:bob@127.0.0.1:5080>\r\n", &result), ==, 500);
  ust_register_result_clear (&result);
  g_assert_cmpuint (do_register (registrar, "bob", "9@192.0.2.2", 1,
                                 "Contact: <sip:bob@127.0.0.1:5080>\r\n", &result), ==, 200);
  ust_register_result_clear (&result);
  bindings = ust_registrar_lookup (registrar, "bob");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 0))->call_id, ==, "9@192.0.2.2");

  changes_clear (&changes);
}

static void
test_no_user (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) all = NULL;
  UstRegisterResult result;

  g_assert_cmpuint (do_register (registrar, NULL, "c1", 1,
                                 "Contact: <sip:127.0.0.1:5070>\r\n", &result), ==, 404);
  g_assert_nonnull (result.phrase);
  g_assert_null (result.contacts);
  ust_register_result_clear (&result);

  all = ust_registrar_list_bindings (registrar);
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5070));
}

static void
test_lookup_order (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) bindings = NULL;

  /* RFC 3261 §16.6: by q, highest first; equal q, the newest first. Five
   * phones (five sockets: one socket is one phone). */
  register_ok_from (registrar, 40001, "alice", "a", 1,
                    "Contact: <sip:alice@127.0.0.1:5070>;q=0.5\r\n");
  g_usleep (2000);
  register_ok_from (registrar, 40002, "alice", "b", 1,
                    "Contact: <sip:alice@127.0.0.1:5072>;q=1.0\r\n");
  g_usleep (2000);
  register_ok_from (registrar, 40003, "alice", "c", 1, "Contact: <sip:alice@127.0.0.1:5074>\r\n");
  g_usleep (2000);
  register_ok_from (registrar, 40004, "alice", "d", 1,
                    "Contact: <sip:alice@127.0.0.1:5076>;q=0.1\r\n");
  g_usleep (2000);
  register_ok_from (registrar, 40005, "alice", "e", 1,
                    "Contact: <sip:alice@127.0.0.1:5078>;q=0.7\r\n");

  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_nonnull (bindings);
  g_assert_cmpuint (bindings->len, ==, 5);
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 0))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5074");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 1))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5072");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 2))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5078");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 3))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5070");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 4))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5076");
  g_assert_cmpfloat (((UstBinding *) g_ptr_array_index (bindings, 3))->q, ==, 0.5);

  /* Refreshing the older q=1 one makes it the newest. */
  g_clear_pointer (&bindings, g_ptr_array_unref);
  g_usleep (2000);
  register_ok_from (registrar, 40002, "alice", "b", 2,
                    "Contact: <sip:alice@127.0.0.1:5072>;q=1.0\r\n");
  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 0))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5072");
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (bindings, 1))->contact_uri, ==,
                   "sip:alice@127.0.0.1:5074");
}

static void
test_known (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;

  g_assert_false (ust_registrar_is_known (registrar, "alice"));
  g_assert_false (ust_registrar_is_known (registrar, NULL));

  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@127.0.0.1:5070>\r\n");
  g_assert_true (ust_registrar_is_known (registrar, "alice"));

  /* Unregistered but known: the proxy answers 480 rather than 404. */
  register_ok (registrar, "alice", "c1", 2, "Contact: <sip:alice@127.0.0.1:5070>;expires=0\r\n");
  g_assert_null (ust_registrar_lookup (registrar, "alice"));
  g_assert_true (ust_registrar_is_known (registrar, "alice"));
  g_assert_false (ust_registrar_is_known (registrar, "bob"));
  g_assert_false (ust_registrar_is_known (registrar, "ALICE"));

  /* A refused REGISTER does not make a user known. */
  g_assert_cmpuint (do_register (registrar, "carol", "c3", 1,
                                 "Contact: <sip:carol@127.0.0.1:5090>;expires=5\r\n",
                                 &result), ==, 423);
  ust_register_result_clear (&result);
  g_assert_false (ust_registrar_is_known (registrar, "carol"));
}

static void
test_find_by_contact (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  GInetSocketAddress *inet;
  g_autofree char *host = NULL;
  UstBinding *binding;

  /* The phone says 192.0.2.1:5070 but its REGISTER came from 127.0.0.1:40000
   * (NAT): requests for that Contact go where the REGISTER came from. */
  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@192.0.2.1:5070>\r\n");
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@192.0.2.2>\r\n");

  binding = ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070);
  g_assert_nonnull (binding);
  g_assert_cmpstr (binding->aor, ==, "alice");
  g_assert_cmpstr (binding->contact_uri, ==, "sip:alice@192.0.2.1:5070");
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (binding->source));
  inet = G_INET_SOCKET_ADDRESS (binding->source);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpuint (g_inet_socket_address_get_port (inet), ==, SOURCE_PORT);

  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 5060));
  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 5071));
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", SOURCE_PORT));
  g_assert_null (ust_registrar_find_by_contact (registrar, NULL, 5070));

  /* A Contact without a port means 5060. */
  binding = ust_registrar_find_by_contact (registrar, "192.0.2.2", 5060);
  g_assert_nonnull (binding);
  g_assert_cmpstr (binding->aor, ==, "bob");

  /* Gone once unregistered. */
  register_ok (registrar, "alice", "c1", 2, "Contact: <sip:alice@192.0.2.1:5070>;expires=0\r\n");
  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070));
  g_assert_nonnull (ust_registrar_find_by_contact (registrar, "192.0.2.2", 5060));
}

/* One phone with two lines: two users whose Contacts share host:port. */
static void
test_shared_contact (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstBinding *binding;

  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@192.0.2.1:5070>\r\n");
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@192.0.2.1:5070>\r\n");

  binding = ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070);
  g_assert_nonnull (binding);
  g_assert_cmpstr (binding->source_text, ==, "127.0.0.1:40000");

  /* Alice's line goes; bob's binding (same host:port) must still be found,
   * and the index must not keep a pointer into alice's freed binding. */
  register_ok (registrar, "alice", "c1", 2, "Contact: <sip:alice@192.0.2.1:5070>;expires=0\r\n");
  g_assert_cmpuint (n_live (registrar, "bob"), ==, 1);
  binding = ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070);
  g_assert_nonnull (binding);
  g_assert_cmpstr (binding->aor, ==, "bob");

  register_ok (registrar, "bob", "c2", 2, "Contact: <sip:bob@192.0.2.1:5070>;expires=0\r\n");
  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070));

  /* The other way round: the line registered last goes, and the first one
   * is still reached where its own REGISTER came from. */
  {
    UstRegisterResult result;

    g_assert_cmpuint (do_register_from (registrar, 40001, "alice", "c3", 1,
                                        "Contact: <sip:alice@192.0.2.1:5070>\r\n", &result),
                      ==, 200);
    ust_register_result_clear (&result);
    g_assert_cmpuint (do_register_from (registrar, 40002, "bob", "c4", 1,
                                        "Contact: <sip:bob@192.0.2.1:5070>\r\n", &result),
                      ==, 200);
    ust_register_result_clear (&result);
    binding = ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070);
    g_assert_cmpstr (binding->aor, ==, "bob");

    g_assert_cmpuint (do_register_from (registrar, 40002, "bob", "c4", 2,
                                        "Contact: <sip:bob@192.0.2.1:5070>;expires=0\r\n",
                                        &result),
                      ==, 200);
    ust_register_result_clear (&result);
    binding = ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070);
    g_assert_nonnull (binding);
    g_assert_cmpstr (binding->aor, ==, "alice");
    g_assert_cmpstr (binding->source_text, ==, "127.0.0.1:40001");
  }
}

typedef struct {
  UstRegistrar *registrar;
  Changes       changes;
} ExpiryState;

static gboolean
expired_cb (gpointer user_data)
{
  ExpiryState *state = user_data;
  g_autoptr(GPtrArray) bindings = ust_registrar_lookup (state->registrar, "alice");

  return bindings == NULL && state->changes.n_changed > 0;
}

static void
test_expiry (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  g_autoptr(GPtrArray) all = NULL;
  ExpiryState state = { registrar, { 0 } };
  gint64 start, elapsed;

  ust_registrar_set_min_expires (registrar, 0);
  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@127.0.0.1:5070>;expires=1\r\n");
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@127.0.0.1:5080>;expires=60\r\n");
  start = g_get_monotonic_time ();
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 1);
  g_signal_connect (registrar, "changed", G_CALLBACK (changed_cb), &state.changes);

  g_assert_true (ust_test_spin_until (expired_cb, &state, 3000));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("expired after %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  g_assert_cmpint (elapsed, <=, 2500 * 1000);

  g_assert_cmpuint (state.changes.n_changed, ==, 1);
  g_assert_cmpstr (state.changes.last_aor, ==, "alice");
  g_assert_null (ust_registrar_find_by_contact (registrar, "127.0.0.1", 5070));
  g_assert_true (ust_registrar_is_known (registrar, "alice"));

  /* Removed from the table, not only hidden; bob's binding stays. */
  all = ust_registrar_list_bindings (registrar);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (((UstBinding *) g_ptr_array_index (all, 0))->aor, ==, "bob");

  changes_clear (&state.changes);
}

/* Reads the store the way a restarted exchange would: a second connection. */
static gboolean
file_has_contact_cb (gpointer user_data)
{
  const char *path = user_data;
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gboolean found = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT 1 FROM bindings WHERE contact = "
                             "'sip:alice@192.0.2.1:5070'", -1, &statement, NULL) == SQLITE_OK)
    found = sqlite3_step (statement) == SQLITE_ROW;
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return found;
}

static gboolean
is_null_cb (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

static void
test_persistence (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-registrar-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstRegistrar) registrar = NULL;
  g_autoptr(GPtrArray) bindings = NULL;
  UstBinding *binding;
  gint64 expires_at, now;
  guint port;

  g_assert_no_error (error);
  /* A folder that does not exist yet: the registrar creates it. */
  path = g_build_filename (dir, "state", "registrations.db", NULL);

  registrar = ust_registrar_new (path);
  g_assert_true (ust_registrar_load (registrar, &error));  /* first run: no file */
  g_assert_no_error (error);
  register_ok (registrar, "alice", "c1", 7,
               "Contact: <sip:alice@192.0.2.1:5070>;q=0.8\r\nExpires: 600\r\n");
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@192.0.2.2:5080>;expires=0\r\n");
  bindings = ust_registrar_lookup (registrar, "alice");
  expires_at = ((UstBinding *) g_ptr_array_index (bindings, 0))->expires_at;
  g_clear_pointer (&bindings, g_ptr_array_unref);

  g_assert_true (ust_registrar_flush (registrar, &error));
  g_assert_no_error (error);
  g_assert_true (file_has_contact_cb (path));
  g_clear_object (&registrar);

  registrar = ust_registrar_new (path);
  g_assert_null (ust_registrar_lookup (registrar, "alice"));
  g_assert_true (ust_registrar_load (registrar, &error));
  g_assert_no_error (error);

  now = g_get_real_time ();
  bindings = ust_registrar_lookup (registrar, "alice");
  g_assert_nonnull (bindings);
  g_assert_cmpuint (bindings->len, ==, 1);
  binding = g_ptr_array_index (bindings, 0);
  g_assert_cmpstr (binding->aor, ==, "alice");
  g_assert_cmpstr (binding->contact_uri, ==, "sip:alice@192.0.2.1:5070");
  g_assert_cmpstr (binding->call_id, ==, "c1");
  g_assert_cmpuint (binding->cseq, ==, 7);
  g_assert_cmpfloat (binding->q, ==, 0.8);
  g_assert_cmpstr (binding->user_agent, ==, "test-registrar");
  /* The time left carries over: no more than before, and not run out. */
  g_assert_cmpint (binding->expires_at, <=, expires_at);
  g_assert_cmpint (binding->expires_at, >, expires_at - 2 * G_USEC_PER_SEC);
  g_assert_cmpint (ust_binding_get_seconds_left (binding, now), >, 0);
  g_assert_cmpint (ust_binding_get_seconds_left (binding, now), <=, 600);
  /* The source (NAT) survives, and the contact index is rebuilt. */
  g_assert_cmpstr (binding->source_text, ==, "127.0.0.1:40000");
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (binding->source));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (binding->source));
  g_assert_cmpuint (port, ==, SOURCE_PORT);
  g_assert_true (ust_registrar_find_by_contact (registrar, "192.0.2.1", 5070) == binding);

  /* Bob (known, no binding) stays known: 480 rather than 404. */
  g_assert_true (ust_registrar_is_known (registrar, "bob"));
  g_assert_null (ust_registrar_lookup (registrar, "bob"));
  g_assert_false (ust_registrar_is_known (registrar, "carol"));

  /* The old Call-ID/CSeq is remembered, so a replayed REGISTER is stale. */
  {
    UstRegisterResult result;

    g_assert_cmpuint (do_register (registrar, "alice", "c1", 7,
                                   "Contact: <sip:alice@192.0.2.1:5070>\r\n", &result), ==, 500);
    ust_register_result_clear (&result);
  }

  g_clear_pointer (&bindings, g_ptr_array_unref);
  g_clear_object (&registrar);
  g_assert_true (ust_test_remove_tree (dir));
}

static void
test_background_save (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-registrar-XXXXXX", &error);
  g_autofree char *path = NULL;
  UstRegistrar *registrar;
  g_autoptr(UstRegistrar) reloaded = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "registrations.db", NULL);
  registrar = ust_registrar_new (path);
  g_assert_true (ust_registrar_load (registrar, &error));
  g_assert_no_error (error);
  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@192.0.2.1:5070>\r\n");

  /* The REGISTER is answered without waiting for the disk; the writer
   * thread commits it soon after, without any flush. */
  g_assert_true (ust_test_spin_until (file_has_contact_cb, path, 3000));

  /* The write runs in a thread holding a reference: wait for it to end. */
  g_object_add_weak_pointer (G_OBJECT (registrar), (gpointer *) &registrar);
  g_object_unref (registrar);
  g_assert_true (ust_test_spin_until (is_null_cb, &registrar, 3000));

  reloaded = ust_registrar_new (path);
  g_assert_true (ust_registrar_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_live (reloaded, "alice"), ==, 1);

  g_clear_object (&reloaded);
  g_assert_true (ust_test_remove_tree (dir));
}

typedef struct {
  guint failing;
  guint resumed;
  char *message;
} Storage;

static void
storage_cb (UstRegistrar *registrar,
            gboolean      failing,
            const char   *message,
            Storage      *storage)
{
  if (failing)
    storage->failing++;
  else
    storage->resumed++;
  g_free (storage->message);
  storage->message = g_strdup (message);
}

static gboolean
storage_failing_cb (gpointer data)
{
  return ((Storage *) data)->failing > 0;
}

static gboolean
storage_resumed_cb (gpointer data)
{
  return ((Storage *) data)->resumed > 0;
}

/* registrations.db refuses for a while (here another program holds its write lock; a
 * full disk is the sipp suite's fault-disk-full): the REGISTER is answered at once, the
 * change waits in memory, the registrar says once that saving fails and once that it
 * works again, and the binding is in the file afterwards. */
static void
test_store_refuses (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-registrar-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstRegistrar) registrar = NULL;
  g_autoptr(UstRegistrar) reloaded = NULL;
  Storage storage = { 0 };
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "registrations.db", NULL);
  registrar = ust_registrar_new (path);
  g_signal_connect (registrar, "storage", G_CALLBACK (storage_cb), &storage);
  g_assert_true (ust_registrar_load (registrar, &error));
  register_ok (registrar, "alice", "c1", 1, "Contact: <sip:alice@192.0.2.1:5070>\r\n");
  g_assert_true (ust_registrar_flush (registrar, &error));

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  register_ok (registrar, "bob", "c2", 1, "Contact: <sip:bob@192.0.2.2:5080>\r\n");
  /* The writer waits 2 s for the lock, then says so. */
  g_assert_true (ust_test_spin_until (storage_failing_cb, &storage, 10000));
  g_assert_nonnull (strstr (storage.message, path));
  register_ok (registrar, "carol", "c3", 1, "Contact: <sip:carol@192.0.2.3:5090>\r\n");
  ust_test_spin (1500);
  g_assert_cmpuint (storage.failing, ==, 1);

  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (ust_test_spin_until (storage_resumed_cb, &storage, 10000));
  g_assert_cmpuint (storage.failing, ==, 1);
  g_assert_true (ust_registrar_flush (registrar, &error));
  g_assert_no_error (error);
  g_clear_object (&registrar);

  reloaded = ust_registrar_new (path);
  g_assert_true (ust_registrar_load (reloaded, &error));
  g_assert_cmpuint (n_live (reloaded, "alice"), ==, 1);
  g_assert_cmpuint (n_live (reloaded, "bob"), ==, 1);
  g_assert_cmpuint (n_live (reloaded, "carol"), ==, 1);

  g_clear_object (&reloaded);
  g_free (storage.message);
  g_assert_true (ust_test_remove_tree (dir));
}

static void
test_corrupt_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-registrar-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(UstRegistrar) registrar = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "registrations.db", NULL);
  g_assert_true (g_file_set_contents (path, "not [a database at all, not even close to one\n"
                                      "\x01\x02 just some bytes that fill more than a header",
                                      -1, &error));
  g_assert_no_error (error);

  registrar = ust_registrar_new (path);
  g_assert_false (ust_registrar_load (registrar, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 0);

  g_clear_object (&registrar);
  g_assert_true (ust_test_remove_tree (dir));
}

static UstBinding *
only_binding (UstRegistrar *registrar,
              const char   *user)
{
  g_autoptr(GPtrArray) bindings = ust_registrar_lookup (registrar, user);

  g_assert_nonnull (bindings);
  g_assert_cmpuint (bindings->len, ==, 1);
  return g_ptr_array_index (bindings, 0);
}

/* RFC 5626 §6, RFC 5627 §3 (issue 12): Linphone Android takes a new port on
 * every start and is killed without unregistering; the same +sip.instance
 * from a new port, with a new Contact, is the same phone: one binding, the
 * newest, and the 200 lists only it. Its old address is remembered for the
 * window's details. */
static void
test_instance_replaces (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;
  UstBinding *binding;

  register_ok_from (registrar, 40001, "alice", "start-1", 1,
                    "Contact: <sip:alice@192.0.2.1:40001>;+sip.instance=\"<urn:uuid:a1>\"\r\n");
  g_assert_cmpuint (do_register_from (registrar, 40002, "alice", "start-2", 1,
                                      "Contact: <sip:alice@192.0.2.1:40002>"
                                      ";+sip.instance=\"<urn:uuid:a1>\"\r\n", &result), ==, 200);
  assert_contacts (&result, "<sip:alice@192.0.2.1:40002>;expires=3600", NULL);
  ust_register_result_clear (&result);

  binding = only_binding (registrar, "alice");
  g_assert_cmpstr (binding->contact_uri, ==, "sip:alice@192.0.2.1:40002");
  g_assert_cmpstr (binding->instance, ==, "<urn:uuid:a1>");
  g_assert_cmpstr (binding->earlier, ==, "127.0.0.1:40001 (UDP)");
  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 40001));

  /* Another instance is another phone of alice's. */
  register_ok_from (registrar, 40003, "alice", "tablet", 1,
                    "Contact: <sip:alice@192.0.2.3:5060>;+sip.instance=\"<urn:uuid:a2>\"\r\n");
  g_assert_cmpuint (n_live (registrar, "alice"), ==, 2);
}

/* A phone's earlier addresses are whole entries: 10.0.0.1:5060 is not
 * already listed because 110.0.0.1:5060 is. */
static void
test_earlier_whole_entries (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  const char *const hosts[] = { "10.0.0.1", "110.0.0.1", "20.0.0.1" };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *contact = g_strdup_printf ("Contact: <sip:gina@%s:5060>"
                                                  ";+sip.instance=\"<urn:uuid:g>\"\r\n",
                                                  hosts[i]);
      g_autoptr(osip_message_t) request = parse_register ("gina", "g-1", i + 1, contact);
      g_autoptr(GSocketAddress) source = source_address_on (hosts[i], 5060);
      UstRegisterResult result;

      ust_registrar_handle_register (registrar, request, source, UST_PROTOCOL_UDP, 0, &result);
      g_assert_cmpuint (result.code, ==, 200);
      ust_register_result_clear (&result);
    }
  g_assert_cmpstr (only_binding (registrar, "gina")->earlier, ==,
                   "110.0.0.1:5060 (UDP), 10.0.0.1:5060 (UDP)");
}

/* RFC 5626 §4.2: one instance, two reg-ids are two flows of one phone and
 * stay two bindings; the same reg-id again replaces its flow. */
static void
test_instance_reg_id (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstRegisterResult result;

  register_ok_from (registrar, 40001, "bob", "flow-1", 1,
                    "Contact: <sip:bob@192.0.2.1:1111>;+sip.instance=\"<urn:uuid:b>\";reg-id=1\r\n");
  register_ok_from (registrar, 40002, "bob", "flow-2", 1,
                    "Contact: <sip:bob@192.0.2.1:2222>;+sip.instance=\"<urn:uuid:b>\";reg-id=2\r\n");
  g_assert_cmpuint (n_live (registrar, "bob"), ==, 2);
  register_ok_from (registrar, 40003, "bob", "flow-1b", 1,
                    "Contact: <sip:bob@192.0.2.1:3333>;+sip.instance=\"<urn:uuid:b>\";reg-id=1\r\n");
  g_assert_cmpuint (n_live (registrar, "bob"), ==, 2);
  g_assert_null (ust_registrar_find_by_contact (registrar, "192.0.2.1", 1111));
  g_assert_nonnull (ust_registrar_find_by_contact (registrar, "192.0.2.1", 3333));

  g_assert_cmpuint (do_register_from (registrar, 40004, "bob", "bad", 1,
                                      "Contact: <sip:bob@192.0.2.1:4444>;reg-id=x\r\n",
                                      &result), ==, 400);
  ust_register_result_clear (&result);
}

/* Issue 12: without an instance, one socket is one phone. Linphone Desktop
 * re-registered with another adapter's address from the same address and
 * port: the old binding goes, so calls are not forked twice to one phone.
 * Two users from one socket (two lines of one phone) stay two. */
static void
test_same_flow_replaces (void)
{
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (NULL);
  UstBinding *binding;

  register_ok_from (registrar, 40001, "carol", "c-1", 1,
                    "Contact: <sip:carol@10.0.0.5:5060>\r\n");
  register_ok_from (registrar, 40001, "carol", "c-2", 1,
                    "Contact: <sip:carol@192.168.1.5:5060>\r\n");
  binding = only_binding (registrar, "carol");
  g_assert_cmpstr (binding->contact_uri, ==, "sip:carol@192.168.1.5:5060");

  register_ok_from (registrar, 40001, "dave", "d-1", 1, "Contact: <sip:dave@192.168.1.5:5060>\r\n");
  g_assert_cmpuint (n_live (registrar, "carol"), ==, 1);
  g_assert_cmpuint (n_live (registrar, "dave"), ==, 1);
}

/* The registrations file keeps the instance and reg-id; a file written by
 * the previous version (no such columns) still loads. */
static void
test_instance_persists (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ust-registrar-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "registrations.db", NULL);
  g_autofree char *old_path = g_build_filename (dir, "old.db", NULL);
  g_autoptr(UstRegistrar) registrar = ust_registrar_new (path);
  UstBinding *binding;
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  g_autofree char *insert = NULL;

  g_assert_no_error (error);
  g_assert_true (ust_registrar_load (registrar, &error));
  register_ok_from (registrar, 40001, "erin", "e-1", 1,
                    "Contact: <sip:erin@192.0.2.7:5060>;+sip.instance=\"<urn:uuid:e>\";reg-id=3\r\n");
  g_assert_true (ust_registrar_flush (registrar, &error));
  g_clear_object (&registrar);

  registrar = ust_registrar_new (path);
  g_assert_true (ust_registrar_load (registrar, &error));
  g_assert_no_error (error);
  binding = only_binding (registrar, "erin");
  g_assert_cmpstr (binding->instance, ==, "<urn:uuid:e>");
  g_assert_cmpuint (binding->reg_id, ==, 3);
  g_clear_object (&registrar);

  /* Version 1 of the file. */
  g_assert_cmpint (sqlite3_open (old_path, &db), ==, SQLITE_OK);
  insert = g_strdup_printf (
    "CREATE TABLE users (aor TEXT PRIMARY KEY);"
    "CREATE TABLE bindings (aor TEXT NOT NULL, contact TEXT NOT NULL, contact_key TEXT NOT NULL,"
    " source TEXT NOT NULL, call_id TEXT, cseq INTEGER, expires INTEGER NOT NULL,"
    " registered INTEGER, q REAL, user_agent TEXT, PRIMARY KEY (aor, contact));"
    "INSERT INTO users VALUES ('fred');"
    "INSERT INTO bindings VALUES ('fred', 'sip:fred@192.0.2.8:5060', '192.0.2.8:5060',"
    " '127.0.0.1:40008', 'f-1', 1, %" G_GINT64_FORMAT ", 0, 1.0, 'old');"
    "PRAGMA user_version = 1;", g_get_real_time () + 600 * G_USEC_PER_SEC);
  g_assert_cmpint (sqlite3_exec (db, insert, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  registrar = ust_registrar_new (old_path);
  g_assert_true (ust_registrar_load (registrar, &error));
  g_assert_no_error (error);
  binding = only_binding (registrar, "fred");
  g_assert_null (binding->instance);
  g_assert_cmpstr (binding->user_agent, ==, "old");
  g_clear_object (&registrar);

  /* … and is now version 3, its tables WITHOUT ROWID. */
  g_assert_cmpint (sqlite3_open (old_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT (SELECT user_version FROM pragma_user_version),"
                                       " sql FROM sqlite_master WHERE name = 'bindings'", -1,
                                       &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (statement, 0), ==, 3);
  g_assert_nonnull (strstr ((const char *) sqlite3_column_text (statement, 1), "WITHOUT ROWID"));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  ust_test_spin (50);
  g_assert_true (ust_test_remove_tree (dir));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ust_sip_init ();

  g_test_add_func ("/ust/registrar/add", test_add);
  g_test_add_func ("/ust/registrar/earlier-whole-entries", test_earlier_whole_entries);
  g_test_add_func ("/ust/registrar/refresh", test_refresh);
  g_test_add_func ("/ust/registrar/unregister", test_unregister);
  g_test_add_func ("/ust/registrar/expires", test_expires_precedence);
  g_test_add_func ("/ust/registrar/two-contacts", test_two_contacts);
  g_test_add_func ("/ust/registrar/star", test_star);
  g_test_add_func ("/ust/registrar/min-expires", test_min_expires);
  g_test_add_func ("/ust/registrar/out-of-order", test_out_of_order);
  g_test_add_func ("/ust/registrar/no-user", test_no_user);
  g_test_add_func ("/ust/registrar/lookup-order", test_lookup_order);
  g_test_add_func ("/ust/registrar/known", test_known);
  g_test_add_func ("/ust/registrar/find-by-contact", test_find_by_contact);
  g_test_add_func ("/ust/registrar/shared-contact", test_shared_contact);
  g_test_add_func ("/ust/registrar/expiry", test_expiry);
  g_test_add_func ("/ust/registrar/persistence", test_persistence);
  g_test_add_func ("/ust/registrar/instance-replaces", test_instance_replaces);
  g_test_add_func ("/ust/registrar/instance-reg-id", test_instance_reg_id);
  g_test_add_func ("/ust/registrar/same-flow-replaces", test_same_flow_replaces);
  g_test_add_func ("/ust/registrar/instance-persists", test_instance_persists);
  g_test_add_func ("/ust/registrar/background-save", test_background_save);
  g_test_add_func ("/ust/registrar/corrupt-store", test_corrupt_store);
  g_test_add_func ("/ust/registrar/store-refuses", test_store_refuses);

  return g_test_run ();
}
