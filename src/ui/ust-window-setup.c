/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-window-setup"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ust-core.h"
#include "ust-platform.h"
#include "ust-window-private.h"

/* What the phones need to know, on the window: the phone-setup card (what
 * to type into each phone: the address, the transports with their ports,
 * the TLS certificate) and the transport doctor's lines (a phone that
 * knocked on a door that is closed, and what to change on it). Both read
 * the exchange and the settings; neither changes them. */

/* The doctor keeps this many lines, the newest first. */
#define ADVICE_LINES 5

/* The transports the settings ask for: UDP always, TCP and TLS when ticked
 * in the preferences. ust_window_start() hands these to the exchange. */
guint
ust_window_wanted_protocols (UstWindow *self)
{
  guint protocols = UST_CORE_UDP;

  if (ust_settings_get_tcp (self->settings))
    protocols |= UST_CORE_TCP;
  if (ust_settings_get_tls (self->settings))
    protocols |= UST_CORE_TLS;
  return protocols;
}

/* The address phones should be given when the exchange runs on all of
 * them: the best one in the list (ust-net ranks it first). */
static const char *
best_listed_address (UstWindow *self)
{
  for (guint i = 0; i < self->addresses->len; i++)
    {
      const char *address = g_ptr_array_index (self->addresses, i);
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

      if (inet != NULL && !g_inet_address_get_is_any (inet))
        return address;
    }
  return NULL;
}

/* What a phone may choose, each with its port: "UDP or TCP port 5060, TLS
 * port 5061". UDP and TCP share a port (RFC 3261 §18.2.1 says a server
 * listening on UDP listens on TCP too); TLS has its own (§26.2.1: 5061 is
 * the default for sips). */
static char *
transports_text (UstExchange *exchange)
{
  guint port = ust_exchange_get_protocol_port (exchange, UST_PROTOCOL_UDP);
  guint tls_port = ust_exchange_get_protocol_port (exchange, UST_PROTOCOL_TLS);
  gboolean tcp = ust_exchange_has_protocol (exchange, UST_PROTOCOL_TCP);
  gboolean tls = ust_exchange_has_protocol (exchange, UST_PROTOCOL_TLS);

  if (tcp && tls)
    /* Translators: what phones may choose on the setup card; %u are ports. */
    return g_strdup_printf (_("UDP or TCP port %u, TLS port %u"), port, tls_port);
  if (tcp)
    return g_strdup_printf (_("UDP or TCP port %u"), port);
  if (tls)
    return g_strdup_printf (_("UDP port %u, TLS port %u"), port, tls_port);
  return g_strdup_printf (_("UDP port %u"), port);
}

/* "AB:CD:…" in lines of eight bytes, so the 95 characters of a SHA-256
 * fingerprint fit the card and can be compared group by group. */
static char *
fingerprint_lines (const char *fingerprint)
{
  char *text = g_strdup (fingerprint);
  guint colons = 0;

  for (char *p = text; *p != '\0'; p++)
    if (*p == ':' && ++colons % 8 == 0)
      *p = '\n';
  return text;
}

/* The hint under the card: what to do with it, and what the phones and
 * this computer may get wrong. */
static char *
setup_hint (UstWindow *self,
            gboolean   all)
{
  const char *firewall = ust_platform_firewall_hint ();
  const char *all_hint = _("The exchange answers on every address of this computer; a phone on "
                           "another network uses this computer's address there.");
  const char *pending = _("The transports chosen in Preferences apply when the exchange is "
                          "started again.");
  gboolean changed =
    ust_window_wanted_protocols (self) != ust_exchange_get_protocols (self->exchange);
  GString *hint = g_string_new (_("Type these into each phone. Phones call each other by user "
                                  "name: dial “bob” to reach the phone registered as bob."));

  if (changed)
    g_string_append_printf (hint, "\n\n%s", pending);
  if (all)
    g_string_append_printf (hint, "\n\n%s", all_hint);
  if (firewall != NULL)
    g_string_append_printf (hint, "\n\n%s", firewall);
  return g_string_free (hint, FALSE);
}

static void
show_tls (UstWindow *self,
          gboolean   running)
{
  const char *fingerprint = NULL;
  const char *problem = NULL;
  gboolean asked = (ust_exchange_get_protocols (self->exchange) & UST_CORE_TLS) != 0;

  if (running && ust_exchange_has_protocol (self->exchange, UST_PROTOCOL_TLS))
    fingerprint = ust_exchange_get_tls_fingerprint (self->exchange);
  /* TLS was asked for and did not start (no TLS module, no certificate):
   * the card says why, and UDP and TCP go on. */
  if (running && asked && !ust_exchange_has_protocol (self->exchange, UST_PROTOCOL_TLS))
    problem = ust_exchange_get_tls_problem (self->exchange);

  if (fingerprint != NULL)
    {
      g_autofree char *lines = fingerprint_lines (fingerprint);

      gtk_label_set_text (self->fingerprint_value, lines);
    }
  else
    gtk_label_set_text (self->fingerprint_value, "—");
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_title), fingerprint != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_value), fingerprint != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->fingerprint_copy), fingerprint != NULL);

  gtk_label_set_text (self->tls_problem_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->tls_problem_label), problem != NULL);
}

/* Fills the card from the running exchange, or empties it when stopped. */
void
ust_window_setup_update (UstWindow *self)
{
  gboolean running = ust_exchange_get_running (self->exchange);

  if (running)
    {
      const char *bound = ust_exchange_get_address (self->exchange);
      g_autoptr (GInetAddress) bound_inet = g_inet_address_new_from_string (bound);
      gboolean all = bound_inet != NULL && g_inet_address_get_is_any (bound_inet);
      const char *address = all && best_listed_address (self) != NULL ? best_listed_address (self)
                                                                       : bound;
      guint port = ust_exchange_get_port (self->exchange);
      g_autofree char *port_text = g_strdup_printf ("%u", port);
      g_autofree char *transports = transports_text (self->exchange);
      g_autofree char *host = strchr (address, ':') != NULL ? g_strdup_printf ("[%s]", address)
                                                             : g_strdup (address);
      /* RFC 3261 §19.1.1: the port can be left out of a SIP URI when it is 5060. */
      g_autofree char *example = port == 5060 ? g_strdup_printf ("sip:alice@%s", host)
                                              : g_strdup_printf ("sip:alice@%s:%u", host, port);
      g_autofree char *hint = setup_hint (self, all);

      gtk_label_set_text (self->server_value, address);
      gtk_label_set_text (self->port_value, port_text);
      gtk_label_set_text (self->transport_value, transports);
      gtk_label_set_text (self->example_value, example);
      gtk_label_set_text (self->setup_hint, hint);
    }
  else
    {
      gtk_label_set_text (self->server_value, "—");
      gtk_label_set_text (self->port_value, "—");
      gtk_label_set_text (self->transport_value, "—");
      gtk_label_set_text (self->example_value, "—");
      gtk_label_set_text (self->setup_hint, _("Press Start, then type these into each phone."));
    }
  show_tls (self, running);
}

/* The transport doctor ------------------------------------------------------------- */

static GtkWidget *
advice_line_new (const char *text)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *when = gtk_label_new (time);
  GtkWidget *what = gtk_label_new (text);

  gtk_label_set_yalign (GTK_LABEL (when), 0);
  gtk_widget_add_css_class (when, "dim-label");
  gtk_widget_add_css_class (when, "numeric");
  gtk_label_set_xalign (GTK_LABEL (what), 0);
  gtk_label_set_wrap (GTK_LABEL (what), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (what), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (what), TRUE);
  gtk_widget_set_hexpand (what, TRUE);
  gtk_box_append (GTK_BOX (line), when);
  gtk_box_append (GTK_BOX (line), what);
  g_object_set_data_full (G_OBJECT (line), "ust-advice", g_strdup (text), g_free);
  return line;
}

/* A phone (@host) knocked on a door that is closed; @text, from the core,
 * names it and says what to change. The line goes on top with the time;
 * the same sentence again (a minute later at the earliest: the core holds
 * back repeats) moves up instead of showing twice. */
void
ust_window_add_advice (UstWindow  *self,
                       const char *host,
                       const char *text)
{
  GtkBox *list = GTK_BOX (self->doctor_list);
  GtkWidget *child, *next;
  guint n = 0;

  g_return_if_fail (UST_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  g_debug ("advice for %s: %s", host, text);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL; child = next)
    {
      next = gtk_widget_get_next_sibling (child);
      if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "ust-advice"), text) == 0)
        gtk_box_remove (list, child);
    }
  gtk_box_prepend (list, advice_line_new (text));
  for (child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL; child = next)
    {
      next = gtk_widget_get_next_sibling (child);
      if (++n > ADVICE_LINES)
        gtk_box_remove (list, child);
    }
  gtk_revealer_set_reveal_child (self->doctor_revealer, TRUE);
}

/* win.dismiss-advice, and a new start: the lines go until a phone knocks
 * on a closed door again. */
void
ust_window_clear_advice (UstWindow *self)
{
  GtkWidget *child;

  g_return_if_fail (UST_IS_WINDOW (self));

  gtk_revealer_set_reveal_child (self->doctor_revealer, FALSE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->doctor_list))) != NULL)
    gtk_box_remove (GTK_BOX (self->doctor_list), child);
}
