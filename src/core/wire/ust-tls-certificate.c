/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-tls-certificate"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ust-tls-certificate.h"

#define CERTIFICATE_FILE "tls-certificate.pem"
#define KEY_FILE "tls-key.pem"
#define VALID_SECONDS (10 * 365 * (time_t) 86400)

static void
free_datum (gnutls_datum_t *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, free_datum)

/* GIO finds TLS in a module (glib-networking); without it nothing TLS
 * works, and the user hears so in one sentence. */
gboolean
ust_tls_is_available (GError **error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("TLS is not available on this computer (GLib's TLS module, "
                         "glib-networking, is missing): phones can use UDP and TCP."));
  return FALSE;
}

static gboolean
gnutls_failed (int       rc,
               GError  **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not make the exchange's TLS certificate: %s"), gnutls_strerror (rc));
  return TRUE;
}

/* @address, when it is an IP address, goes into the certificate too, so a
 * phone that checks names against the address it dialled may accept it. */
static gboolean
create (const char  *certificate_path,
        const char  *key_path,
        const char  *address,
        GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  g_auto(gnutls_datum_t) certificate_pem = { NULL, 0 };
  g_auto(gnutls_datum_t) key_pem = { NULL, 0 };
  g_autoptr(GInetAddress) inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;
  unsigned char serial[16], key_id[64];
  size_t key_id_len = sizeof key_id;
  time_t now = time (NULL);
  int rc;

  if (gnutls_failed (gnutls_x509_privkey_init (&key), error))
    return FALSE;
  if (gnutls_failed (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, 2048, 0), error)
      || gnutls_failed (gnutls_x509_crt_init (&crt), error))
    {
      gnutls_x509_privkey_deinit (key);
      return FALSE;
    }

  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;  /* a positive serial number */
  rc = gnutls_x509_crt_set_version (crt, 3);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_activation_time (crt, now - 3600);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_expiration_time (crt, now + VALID_SECONDS);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_dn (crt, "CN=ustredna.local,O=Ustredna", NULL);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                               GNUTLS_FSAN_APPEND);
  if (rc >= 0 && inet != NULL)
    rc = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                               g_inet_address_to_bytes (inet),
                                               (unsigned) g_inet_address_get_native_size (inet),
                                               GNUTLS_FSAN_APPEND);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_basic_constraints (crt, 0, -1);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE
                                               | GNUTLS_KEY_KEY_ENCIPHERMENT);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key (crt, key);
  if (rc >= 0)
    rc = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, key_id, &key_id_len);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_len);
  if (rc >= 0)
    rc = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0);
  if (rc >= 0)
    rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &certificate_pem);
  if (rc >= 0)
    rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                            &key_pem);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  if (gnutls_failed (rc, error))
    return FALSE;

  /* The key first, readable by its owner only; the certificate is public. */
  if (!g_file_set_contents_full (key_path, (const char *) key_pem.data, key_pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  return g_file_set_contents_full (certificate_path, (const char *) certificate_pem.data,
                                   certificate_pem.size, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   error);
}

/* "AB:CD:…", SHA-256 over the certificate's DER bytes: what `openssl x509
 * -fingerprint -sha256` prints and what a phone shows. */
char *
ust_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *text = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_string_free (text, FALSE);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (gsize i = 0; hex[i] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (text, ':');
      g_string_append_c (text, g_ascii_toupper (hex[i]));
      g_string_append_c (text, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (text, FALSE);
}

/* The certificate in @data_dir, made there the first time. A pair that
 * cannot be read (a half-written file, a foreign key) is made again. */
GTlsCertificate *
ust_tls_certificate_load_or_create (const char  *data_dir,
                                    const char  *address,
                                    char       **fingerprint,
                                    GError     **error)
{
  g_autofree char *certificate_path = g_build_filename (data_dir, CERTIFICATE_FILE, NULL);
  g_autofree char *key_path = g_build_filename (data_dir, KEY_FILE, NULL);
  g_autoptr(GError) load_error = NULL;
  GTlsCertificate *certificate;

  if (!ust_tls_is_available (error))
    return NULL;
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int code = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (code),
                   _("Cannot create the folder %s: %s"), data_dir, g_strerror (code));
      return NULL;
    }

  certificate = g_tls_certificate_new_from_files (certificate_path, key_path, &load_error);
  if (certificate == NULL)
    {
      g_debug ("No usable TLS certificate yet (%s): making one", load_error->message);
      if (!create (certificate_path, key_path, address, error))
        return NULL;
      certificate = g_tls_certificate_new_from_files (certificate_path, key_path, error);
      if (certificate == NULL)
        return NULL;
    }
  if (fingerprint != NULL)
    *fingerprint = ust_tls_certificate_fingerprint (certificate);
  return certificate;
}
