/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-core"

#include "config.h"

#include "ust-core.h"
#include "ust-diary-feed.h"
#include "ust-sqlite.h"
#include "ust-tls-certificate.h"

struct _UstCore {
  UstTransport   *transport;
  UstRegistrar   *registrar;
  UstProxy       *proxy;
  UstCallTracker *tracker;
  UstDiaryFeed   *feed;
  UstRobots      *robots;
  UstProvisioning *provisioning;
  char           *provisioning_problem; /* why there is no phone-setup server, or NULL */
  char           *tls_problem;      /* why TLS is off although asked for, or NULL */
  char           *tls_fingerprint;  /* of our certificate, when TLS is on */
  gboolean        stopped;
};

/* UDP always; TCP and TLS as asked. TLS needs GIO's TLS module and our
 * certificate (made once, kept in the data folder): without them the
 * exchange says why in one sentence and goes on with UDP and TCP, and the
 * TLS port still tells phones that try it that it is off. */
static UstTransport *
make_transport (UstCore              *self,
                const UstCoreConfig  *config,
                GError              **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) tls_error = NULL;
  UstTransportOptions options = { 0 };
  guint protocols = config->protocols != 0 ? config->protocols : UST_CORE_UDP;

  options.tcp = (protocols & UST_CORE_TCP) != 0;
  options.tls_port = config->tls_port;
  if (protocols & UST_CORE_TLS)
    {
      GInetAddress *inet = g_inet_socket_address_get_address (config->address);
      g_autofree char *address = g_inet_address_get_is_any (inet) ? NULL
                                                                 : g_inet_address_to_string (inet);

      certificate = ust_tls_certificate_load_or_create (config->data_dir, address,
                                                        &self->tls_fingerprint, &tls_error);
      if (certificate == NULL)
        self->tls_problem = g_strdup (tls_error->message);
      options.tls = certificate != NULL;
      options.certificate = certificate;
    }
  return ust_transport_new_with_options (config->address, &options, error);
}

/* The phone-setup web server, on the exchange's address; without it (its
 * port taken) the exchange runs on and says why in one sentence. */
static void
start_provisioning (UstCore             *self,
                    const UstCoreConfig *config)
{
  g_autoptr(GError) error = NULL;
  UstProvisioningConfig provisioning = { 0 };

  provisioning.address = g_inet_socket_address_get_address (config->address);
  provisioning.port = config->provisioning_port;
  provisioning.domain = config->domain;
  for (UstProtocol protocol = 0; protocol < UST_N_PROTOCOLS; protocol++)
    if (ust_transport_has_protocol (self->transport, protocol))
      provisioning.sip_ports[protocol] = ust_transport_get_port (self->transport, protocol);
  self->provisioning = ust_provisioning_new (&provisioning, &error);
  if (self->provisioning == NULL)
    self->provisioning_problem = g_strdup (error->message);
}

/* The robots send to the exchange's own UDP socket, as phones do. */
static void
start_robots (UstCore             *self,
              const UstCoreConfig *config)
{
  UstRobotsConfig robots = { 0 };

  robots.exchange = ust_transport_get_local_address (self->transport);
  robots.domain = config->domain;
  robots.robots = config->robots;
  robots.transfer_to = config->transfer_to;
  robots.timer_t1 = config->timer_t1;
  self->robots = ust_robots_new (&robots);
}

/* The parts in the order a datagram meets them: transport → proxy (with the
 * registrar) → tracker → feed → the caller's store. On failure nothing is
 * left listening and @error says what the user can do. */
UstCore *
ust_core_new (const UstCoreConfig  *config,
              GError              **error)
{
  g_autoptr(UstCore) self = g_new0 (UstCore, 1);
  g_autofree char *registrations = NULL;

  g_return_val_if_fail (config != NULL && config->address != NULL, NULL);
  g_return_val_if_fail (UST_IS_REASON_TABLE (config->reasons), NULL);
  g_return_val_if_fail (UST_IS_CALL_STORE (config->store), NULL);

  ust_sqlite_init ();

  registrations = g_build_filename (config->data_dir, "registrations.db", NULL);
  self->registrar = ust_registrar_new (registrations);
  if (config->min_expires > 0)
    ust_registrar_set_min_expires (self->registrar, config->min_expires);
  if (!ust_registrar_load (self->registrar, error))
    return NULL;

  self->transport = make_transport (self, config, error);
  if (self->transport == NULL)
    return NULL;
  if (config->trace != NULL)
    ust_transport_set_trace (self->transport, config->trace);

  self->proxy = ust_proxy_new (self->transport, self->registrar, config->reasons);
  ust_proxy_set_domain (self->proxy, config->domain);
  ust_proxy_set_open (self->proxy, config->open);
  if (config->timer_t1 > 0)
    ust_proxy_set_timer_t1 (self->proxy, config->timer_t1);

  self->tracker = ust_call_tracker_new ();
  self->feed = ust_diary_feed_new (self->tracker, config->store);
  ust_proxy_set_call_tracker (self->proxy, self->tracker);

  if (config->provisioning)
    start_provisioning (self, config);
  start_robots (self, config);
  return g_steal_pointer (&self);
}

/* The robots' last words (BYE for their calls, REGISTER with Expires: 0)
 * are already in the exchange's socket when they go: the proxy reads them
 * before it goes too, so the diary ends their calls and the registrar
 * forgets them. A few turns of the loop, not a wait. */
static void
stop_robots (UstCore *self)
{
  GMainContext *context = g_main_context_get_thread_default ();

  g_clear_pointer (&self->robots, ust_robots_free);
  for (guint i = 0; i < 20 && g_main_context_iteration (context, FALSE); i++)
    ;
}

/* Ends what is still going on, in the order that loses nothing: the calls
 * still up are ended in the diary and the feed hands its last steps to the
 * store (which the caller then flushes), the registrations are saved, and
 * the socket closes. Returns FALSE when the registrations could not be
 * saved. Safe to call twice. */
gboolean
ust_core_stop (UstCore  *self,
               GError  **error)
{
  gboolean saved = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->stopped)
    return TRUE;
  self->stopped = TRUE;

  if (self->provisioning != NULL)
    ust_provisioning_close (self->provisioning);
  g_clear_object (&self->provisioning);
  stop_robots (self);

  if (self->tracker != NULL)
    ust_call_tracker_shutdown (self->tracker);
  g_clear_pointer (&self->feed, ust_diary_feed_free);
  if (self->registrar != NULL)
    saved = ust_registrar_flush (self->registrar, error);
  g_clear_object (&self->proxy);
  g_clear_object (&self->tracker);
  if (self->transport != NULL)
    {
      ust_transport_set_trace (self->transport, NULL);
      ust_transport_close (self->transport);
    }
  g_clear_object (&self->transport);
  return saved;
}

void
ust_core_free (UstCore *self)
{
  if (self == NULL)
    return;
  ust_core_stop (self, NULL);
  g_clear_object (&self->registrar);
  g_free (self->provisioning_problem);
  g_free (self->tls_problem);
  g_free (self->tls_fingerprint);
  g_free (self);
}

UstTransport *
ust_core_get_transport (UstCore *self)
{
  return self->transport;
}

UstRegistrar *
ust_core_get_registrar (UstCore *self)
{
  return self->registrar;
}

UstProxy *
ust_core_get_proxy (UstCore *self)
{
  return self->proxy;
}

UstCallTracker *
ust_core_get_tracker (UstCore *self)
{
  return self->tracker;
}

/* The robot phones, or NULL once stopped. */
UstRobots *
ust_core_get_robots (UstCore *self)
{
  return self->robots;
}

/* The phone-setup web server, or NULL when it is off or could not start. */
UstProvisioning *
ust_core_get_provisioning (UstCore *self)
{
  return self->provisioning;
}

/* Why the phone-setup web server could not start, as a sentence. */
const char *
ust_core_get_provisioning_problem (UstCore *self)
{
  return self->provisioning_problem;
}

/* Why TLS is off although it was asked for, as a sentence for the user. */
const char *
ust_core_get_tls_problem (UstCore *self)
{
  return self->tls_problem;
}

/* The SHA-256 fingerprint of the certificate phones see over TLS. */
const char *
ust_core_get_tls_fingerprint (UstCore *self)
{
  return self->tls_fingerprint;
}
