/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exchange's own TLS certificate: made once, self-signed, with GnuTLS
 * (RSA 2048, SHA-256, ten years, the exchange's addresses as subject
 * alternative names), kept in the data folder (the key readable by the user
 * only) and used again on every start, so a phone that was told to trust
 * it keeps trusting it. Phones cannot check it against a CA; the window
 * shows its SHA-256 fingerprint instead. */

#include <gio/gio.h>

G_BEGIN_DECLS

GTlsCertificate *ust_tls_certificate_load_or_create (const char  *data_dir,
                                                     const char  *address,
                                                     char       **fingerprint,
                                                     GError     **error);
char            *ust_tls_certificate_fingerprint    (GTlsCertificate *certificate);
gboolean         ust_tls_is_available               (GError     **error);

G_END_DECLS
