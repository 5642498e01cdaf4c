/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-provisioning"

#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ust-lpconfig.h"

/* How many hex digits of the HMAC a URL carries: 96 bits, more than anyone
 * on the LAN can guess while the exchange runs. */
#define TOKEN_DIGITS 24

/* Where the documents are served: /provisioning/USER.xml. */
#define PATH_PREFIX "/provisioning/"
#define PATH_SUFFIX ".xml"

/* The NAT policy the documents name: no STUN, no ICE, no TURN. On a LAN
 * the exchange and the phones see each other's addresses as they are, and
 * ICE candidates in the SDP only puzzle a student reading it. */
#define NAT_POLICY_REF "ustredna"

/* A user name a URL path may carry and a phone may register: letters,
 * digits and "._-", as the card suggests them (alice, 101). Nothing that
 * would need escaping in a URL, an XML document or a SIP URI. */
gboolean
ust_lpconfig_user_is_valid (const char *user)
{
  gsize n = 0;

  if (user == NULL || *user == '\0' || *user == '.')
    return FALSE;
  for (const char *p = user; *p != '\0'; p++, n++)
    if (n >= 64 || !(g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-'))
      return FALSE;
  return TRUE;
}

static void
entry (GString    *xml,
       const char *name,
       const char *value)
{
  g_autofree char *escaped = g_markup_escape_text (value, -1);

  /* overwrite="true": without it an entry never replaces a key the phone
   * already has (liblinphone's xml2lpc), so a second scan would change
   * nothing. */
  g_string_append_printf (xml, "    <entry name=\"%s\" overwrite=\"true\">%s</entry>\n", name,
                          escaped);
}

static void
section_begin (GString    *xml,
               const char *name)
{
  g_string_append_printf (xml, "  <section name=\"%s\">\n", name);
}

static void
section_end (GString *xml)
{
  g_string_append (xml, "  </section>\n");
}

/* "<sip:192.168.1.10:5060;transport=udp>", with brackets round an IPv6
 * address (RFC 3261 §19.1.1). */
static char *
proxy_uri (const UstLpconfigAccount *account,
           gboolean                  lr)
{
  gboolean ipv6 = strchr (account->host, ':') != NULL;

  return g_strdup_printf (ipv6 ? "<sip:[%s]:%u;transport=%s%s>" : "<sip:%s:%u;transport=%s%s>",
                          account->host, account->port,
                          ust_protocol_to_param (account->protocol), lr ? ";lr" : "");
}

/* The account as Linphone's configuration says it (liblinphone 5.1,
 * share/xml/lpconfig.xsd): the proxy and its route (the exchange, by the
 * transport chosen), the identity, a dummy password, the registration's
 * length, AVPF and ICE off, and for TLS no certificate checks: the
 * exchange's certificate is its own, and Linphone 5.1 does not match an IP
 * address in it. */
char *
ust_lpconfig_document (const UstLpconfigAccount *account)
{
  GString *xml = g_string_new (NULL);
  gboolean ipv6_domain;
  g_autofree char *reg_proxy = NULL;
  g_autofree char *reg_route = NULL;
  g_autofree char *identity = NULL;
  g_autofree char *expires = NULL;

  g_return_val_if_fail (account != NULL, NULL);
  g_return_val_if_fail (ust_lpconfig_user_is_valid (account->user), NULL);
  g_return_val_if_fail (account->host != NULL && account->domain != NULL, NULL);

  reg_proxy = proxy_uri (account, FALSE);
  reg_route = proxy_uri (account, TRUE);
  ipv6_domain = strchr (account->domain, ':') != NULL;
  identity = g_strdup_printf (ipv6_domain ? "\"%s\" <sip:%s@[%s]>" : "\"%s\" <sip:%s@%s>",
                              account->user, account->user, account->domain);
  expires = g_strdup_printf ("%u", account->expires);

  g_string_append (xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<config xmlns=\"http://www.linphone.org/xsds/lpconfig.xsd\"\n"
                        "        xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
                        "        xsi:schemaLocation=\"http://www.linphone.org/xsds/lpconfig.xsd "
                        "lpconfig.xsd\">\n");

  section_begin (xml, "sip");
  entry (xml, "default_proxy", "0");
  /* Any free local port: Linphone on the computer that runs the exchange
   * would otherwise want 5060 too. */
  entry (xml, "sip_port", "-1");
  entry (xml, "sip_tcp_port", "-1");
  entry (xml, "sip_tls_port", "-1");
  if (account->protocol == UST_PROTOCOL_TLS)
    {
      entry (xml, "verify_server_certs", "0");
      entry (xml, "verify_server_cn", "0");
    }
  section_end (xml);

  section_begin (xml, "net");
  entry (xml, "nat_policy_ref", NAT_POLICY_REF);
  section_end (xml);

  section_begin (xml, "nat_policy_0");
  entry (xml, "ref", NAT_POLICY_REF);
  entry (xml, "stun_server", "");
  entry (xml, "protocols", "");
  section_end (xml);

  section_begin (xml, "auth_info_0");
  entry (xml, "username", account->user);
  entry (xml, "userid", account->user);
  entry (xml, "passwd", UST_LPCONFIG_PASSWORD);
  entry (xml, "domain", account->domain);
  section_end (xml);

  section_begin (xml, "proxy_0");
  entry (xml, "reg_proxy", reg_proxy);
  entry (xml, "reg_route", reg_route);
  entry (xml, "reg_identity", identity);
  entry (xml, "reg_expires", expires);
  entry (xml, "reg_sendregister", "1");
  entry (xml, "publish", "0");
  entry (xml, "avpf", "0");
  entry (xml, "nat_policy_ref", NAT_POLICY_REF);
  entry (xml, "dial_escape_plus", "0");
  entry (xml, "quality_reporting_enabled", "0");
  entry (xml, "push_notification_allowed", "0");
  section_end (xml);

  /* Fetched once: the URL's token lives as long as this run of the
   * exchange, and a phone that fetched it again at every start would say
   * "configuration failed" ever after. */
  section_begin (xml, "misc");
  entry (xml, "config-uri", "");
  section_end (xml);

  g_string_append (xml, "</config>\n");
  return g_string_free (xml, FALSE);
}

void
ust_provisioning_key_generate (UstProvisioningKey *key)
{
  g_return_if_fail (key != NULL);

  /* GnuTLS's generator, as for the TLS certificate's serial: GLib's
   * g_random is not meant for secrets. */
  if (gnutls_rnd (GNUTLS_RND_KEY, key->bytes, sizeof key->bytes) != 0)
    for (gsize i = 0; i < sizeof key->bytes; i++)
      key->bytes[i] = (guint8) g_random_int ();
}

/* HMAC-SHA256 of the user name under this run's key, cut to 96 bits: a
 * token per user that needs no table, so the window's thread can make URLs
 * while the exchange's thread checks them. */
char *
ust_provisioning_token (const UstProvisioningKey *key,
                        const char               *user)
{
  g_autoptr(GHmac) hmac = NULL;
  const char *digest;

  g_return_val_if_fail (key != NULL && user != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, key->bytes, sizeof key->bytes);
  g_hmac_update (hmac, (const guchar *) user, -1);
  digest = g_hmac_get_string (hmac);
  return g_strndup (digest, TOKEN_DIGITS);
}

/* Compared in constant time, so the answer's timing says nothing about how
 * many digits were right. */
gboolean
ust_provisioning_token_matches (const UstProvisioningKey *key,
                                const char               *user,
                                const char               *token)
{
  g_autofree char *expected = NULL;
  guint8 difference = 0;

  if (token == NULL || strlen (token) != TOKEN_DIGITS)
    return FALSE;
  expected = ust_provisioning_token (key, user);
  for (gsize i = 0; i < TOKEN_DIGITS; i++)
    difference |= (guint8) (expected[i] ^ token[i]);
  return difference == 0;
}

/* "/provisioning/alice.xml" */
char *
ust_provisioning_path (const char *user)
{
  g_return_val_if_fail (ust_lpconfig_user_is_valid (user), NULL);
  return g_strconcat (PATH_PREFIX, user, PATH_SUFFIX, NULL);
}

/* "http://192.168.1.10:41234/provisioning/alice.xml?token=…", with
 * "&transport=tcp" when the phone is to use TCP or TLS. What the QR code
 * holds: Linphone fetches it as it is (TECH-NOTES-2 §5). */
char *
ust_provisioning_url (const UstProvisioningKey *key,
                      const char               *host,
                      guint                     port,
                      const char               *user,
                      UstProtocol               protocol)
{
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  gboolean ipv6;

  g_return_val_if_fail (key != NULL && host != NULL, NULL);
  g_return_val_if_fail (ust_lpconfig_user_is_valid (user), NULL);

  token = ust_provisioning_token (key, user);
  path = ust_provisioning_path (user);
  ipv6 = strchr (host, ':') != NULL;
  return g_strdup_printf (ipv6 ? "http://[%s]:%u%s?token=%s%s%s" : "http://%s:%u%s?token=%s%s%s",
                          host, port, path, token,
                          protocol != UST_PROTOCOL_UDP ? "&transport=" : "",
                          protocol != UST_PROTOCOL_UDP ? ust_protocol_to_param (protocol) : "");
}
