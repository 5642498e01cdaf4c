/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-phone-setup"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ust-lpconfig.h"
#include "ust-net-interfaces.h"
#include "ust-phone-setup.h"
#include "ust-qr.h"

/* About this many pixels a side: a phone's camera reads it from the
 * screen at arm's length. */
#define CODE_PIXELS 200
/* How many free names the dropdown offers. */
#define N_SUGGESTIONS 8
#define COPIED_NOTE_MS 3000

/* The cast of cryptography's examples: what a lab calls its phones. */
static const char *const names[] = {
  "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy",
  "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
};

struct _UstPhoneSetup {
  GtkWidget       parent_instance;

  /* Template children. */
  GtkWidget      *box;
  GtkLabel       *hint_label;
  GtkWidget      *choices;
  GtkDropDown    *user_dropdown;
  GtkStringList  *user_names;
  GtkDropDown    *scheme_dropdown;
  GtkDropDown    *transport_dropdown;
  GtkStringList  *transport_names;
  GtkPicture     *code_picture;
  GtkLabel       *code_label;
  GtkWidget      *lines;
  GtkLabel       *url_value;
  GtkLabel       *microsip_value;
  GtkLabel       *zoiper_value;
  GtkLabel       *baresip_value;
  GtkLabel       *copied_label;

  UstExchange    *exchange;
  UstProtocol     transports[UST_N_PROTOCOLS];  /* what the transport dropdown lists */
  guint           n_transports;
  char           *user;
  char           *host;
  char           *url;
  GdkTexture     *code;
  gboolean        updating;
  guint           copied_source;
};

enum {
  PROP_0,
  PROP_EXCHANGE,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstPhoneSetup, ust_phone_setup, GTK_TYPE_WIDGET)

/* What the code and the lines are made of -------------------------------------- */

/* The address the phones are given: the exchange's own, or on all
 * addresses the best this computer has (ust-net ranks it first), as on the
 * rest of the setup card. */
static char *
phone_host (UstExchange *exchange)
{
  const char *bound = ust_exchange_get_address (exchange);
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (bound);
  g_autoptr (GListStore) found = NULL;

  if (inet == NULL || !g_inet_address_get_is_any (inet))
    return g_strdup (bound);
  found = ust_net_list_addresses (NULL);
  for (guint i = 0; found != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (found)); i++)
    {
      g_autoptr (UstNetAddress) address = g_list_model_get_item (G_LIST_MODEL (found), i);
      g_autoptr (GInetAddress) candidate =
        g_inet_address_new_from_string (ust_net_address_get_address (address));

      if (candidate != NULL && !g_inet_address_get_is_any (candidate))
        return g_strdup (ust_net_address_get_address (address));
    }
  return g_strdup (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "::1"
                                                                            : "127.0.0.1");
}

static gboolean
is_taken (GHashTable *taken,
          const char *name)
{
  UstRobotKind kind;

  return g_hash_table_contains (taken, name) || ust_robot_from_name (name, &kind);
}

/* The first few user names no phone has registered, and no robot has. */
static GPtrArray *
free_names (UstPhoneSetup *self)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  GListModel *phones = ust_exchange_get_phones (self->exchange);
  guint n = g_list_model_get_n_items (phones);
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean numbers = gtk_drop_down_get_selected (self->scheme_dropdown) == 1;

  for (guint i = 0; i < n; i++)
    {
      UstPhone *phone = g_list_model_get_item (phones, i);

      g_ptr_array_add (keep, phone);
      g_hash_table_add (taken, (gpointer) ust_phone_get_user (phone));
    }
  for (guint i = 0; result->len < N_SUGGESTIONS && i < (numbers ? 899u : G_N_ELEMENTS (names));
       i++)
    {
      g_autofree char *name = numbers ? g_strdup_printf ("%u", 101 + i) : g_strdup (names[i]);

      if (!is_taken (taken, name))
        g_ptr_array_add (result, g_steal_pointer (&name));
    }
  return result;
}

/* The QR code as a texture: black modules on white, four light modules
 * round it, an integer number of pixels per module so that no module is
 * blurred. GTK 4.8 has no one-channel memory format: RGB. */
static GdkTexture *
code_texture (const char *url)
{
  g_autoptr (UstQr) qr = ust_qr_encode (url, NULL);
  g_autoptr (GBytes) bytes = NULL;
  guint side, scale, size;
  guint8 *pixels;

  if (qr == NULL)
    return NULL;
  side = qr->width + 2 * UST_QR_QUIET_ZONE;
  scale = MAX (2, CODE_PIXELS / side);
  size = side * scale;
  pixels = g_malloc ((gsize) size * size * 3);
  for (guint y = 0; y < size; y++)
    for (guint x = 0; x < size; x++)
      {
        gboolean dark = ust_qr_is_dark (qr, (int) (x / scale) - UST_QR_QUIET_ZONE,
                                        (int) (y / scale) - UST_QR_QUIET_ZONE);

        memset (pixels + ((gsize) y * size + x) * 3, dark ? 0x00 : 0xff, 3);
      }
  bytes = g_bytes_new_take (pixels, (gsize) size * size * 3);
  return gdk_memory_texture_new ((int) size, (int) size, GDK_MEMORY_R8G8B8, bytes, size * 3);
}

/* "192.168.1.10:5060", "[fd00::2]:5060" */
static char *
host_port (const char *host,
           guint       port)
{
  return strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
                                    : g_strdup_printf ("%s:%u", host, port);
}

/* The transport chosen above the code (UDP before there is a choice). */
static UstProtocol
chosen_protocol (UstPhoneSetup *self)
{
  guint selected = gtk_drop_down_get_selected (self->transport_dropdown);

  if (self->n_transports == 0)
    return UST_PROTOCOL_UDP;
  return self->transports[MIN (selected, self->n_transports - 1)];
}

/* What to type into another phone, for the current user and transport:
 * "microsip", "zoiper" or "baresip"; "linphone" is the link. */
char *
ust_phone_setup_line (UstPhoneSetup *self,
                      const char    *phone)
{
  UstProtocol protocol;
  g_autofree char *where = NULL;
  const char *transport;

  g_return_val_if_fail (UST_IS_PHONE_SETUP (self), NULL);

  if (self->user == NULL || self->host == NULL || self->n_transports == 0)
    return NULL;
  if (g_strcmp0 (phone, "linphone") == 0)
    return g_strdup (self->url);
  protocol = chosen_protocol (self);
  where = host_port (self->host, ust_exchange_get_protocol_port (self->exchange, protocol));
  transport = ust_protocol_to_via (protocol);
  if (g_strcmp0 (phone, "microsip") == 0)
    /* Translators: MicroSIP's account fields: SIP server, username, domain,
     * password, transport. Keep the values as they are. */
    return g_strdup_printf (_("SIP server %s, username %s, domain %s, password %s, "
                              "transport %s"), where, self->user, self->host,
                            UST_LPCONFIG_PASSWORD, transport);
  if (g_strcmp0 (phone, "zoiper") == 0)
    /* Translators: Zoiper's first screen takes "user@server:port" and a
     * password; the transport is chosen later. */
    return g_strdup_printf (_("%s@%s, password %s; skip the provider search, then choose %s"),
                            self->user, where, UST_LPCONFIG_PASSWORD, transport);
  if (g_strcmp0 (phone, "baresip") == 0)
    /* A line of baresip's accounts file, as it reads it. */
    return g_strdup_printf ("<sip:%s@%s;transport=%s>;auth_pass=%s;regint=%u", self->user,
                            where, ust_protocol_to_param (protocol), UST_LPCONFIG_PASSWORD,
                            UST_LPCONFIG_EXPIRES);
  g_return_val_if_reached (NULL);
}

/* Showing it ------------------------------------------------------------------ */

static void
show_stopped (UstPhoneSetup *self,
              const char    *why)
{
  gtk_label_set_text (self->hint_label, why);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), TRUE);
  gtk_widget_set_visible (self->choices, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->code_picture), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->code_label), FALSE);
  gtk_widget_set_visible (self->lines, FALSE);
  gtk_picture_set_paintable (self->code_picture, NULL);
  g_clear_object (&self->code);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->user, g_free);
}

/* The transports the running exchange serves, UDP first (what every phone
 * can use); the choice stays when the list is the same. */
static void
update_transports (UstPhoneSetup *self)
{
  UstProtocol chosen = chosen_protocol (self);
  const char *labels[UST_N_PROTOCOLS + 1] = { NULL };
  guint n = 0, selected = 0;

  for (UstProtocol protocol = 0; protocol < UST_N_PROTOCOLS; protocol++)
    if (ust_exchange_has_protocol (self->exchange, protocol))
      {
        if (protocol == chosen)
          selected = n;
        self->transports[n] = protocol;
        labels[n++] = ust_protocol_to_via (protocol);
      }
  self->n_transports = n;
  gtk_string_list_splice (self->transport_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->transport_names)),
                          labels);
  gtk_drop_down_set_selected (self->transport_dropdown, selected);
}

/* The names offered: the current one stays while it is free; once a phone
 * registers with it, the next free name comes up, ready for the next phone. */
static void
update_names (UstPhoneSetup *self)
{
  g_autoptr (GPtrArray) free = free_names (self);
  g_autofree char *current = g_strdup (self->user);
  guint selected = 0;

  for (guint i = 0; i < free->len; i++)
    if (g_strcmp0 (g_ptr_array_index (free, i), current) == 0)
      selected = i;
  g_ptr_array_add (free, NULL);
  gtk_string_list_splice (self->user_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->user_names)),
                          (const char *const *) free->pdata);
  gtk_drop_down_set_selected (self->user_dropdown, selected);
}

static void
update_code (UstPhoneSetup *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->user_dropdown);
  UstProtocol protocol;
  const char *problem;
  g_autofree char *caption = NULL;
  g_autofree char *microsip = NULL;
  g_autofree char *zoiper = NULL;
  g_autofree char *baresip = NULL;

  g_free (self->user);
  self->user = item != NULL ? g_strdup (gtk_string_object_get_string (item)) : NULL;
  g_clear_pointer (&self->url, g_free);
  g_clear_object (&self->code);
  if (self->user == NULL || self->n_transports == 0)
    return;

  protocol = chosen_protocol (self);
  self->url = ust_exchange_get_provisioning_url (self->exchange, self->host, self->user,
                                                 protocol);
  problem = ust_exchange_get_provisioning_problem (self->exchange);
  if (self->url != NULL)
    self->code = code_texture (self->url);
  gtk_picture_set_paintable (self->code_picture, GDK_PAINTABLE (self->code));
  gtk_widget_set_visible (GTK_WIDGET (self->code_picture), self->code != NULL);

  if (self->url != NULL)
    /* Translators: under the QR code; %s is the user name it sets up. */
    caption = g_strdup_printf (_("Scanned, Linphone becomes %s (Assistant → “Fetch remote "
                                 "configuration”; Android: “Scan QR code”). Once it has "
                                 "registered, the code for the next phone comes up."),
                               self->user);
  else
    caption = g_strdup (problem != NULL ? problem : "");
  gtk_label_set_text (self->code_label, caption);
  gtk_widget_set_visible (GTK_WIDGET (self->code_label), TRUE);
  gtk_label_set_text (self->url_value, self->url != NULL ? self->url : "—");

  microsip = ust_phone_setup_line (self, "microsip");
  zoiper = ust_phone_setup_line (self, "zoiper");
  baresip = ust_phone_setup_line (self, "baresip");
  gtk_label_set_text (self->microsip_value, microsip);
  gtk_label_set_text (self->zoiper_value, zoiper);
  gtk_label_set_text (self->baresip_value, baresip);
  gtk_widget_set_visible (self->lines, TRUE);
}

static void
update (UstPhoneSetup *self)
{
  if (self->updating)
    return;
  self->updating = TRUE;
  if (self->exchange == NULL || !ust_exchange_get_running (self->exchange))
    show_stopped (self, _("Press Start to get a code for each phone."));
  else
    {
      g_free (self->host);
      self->host = phone_host (self->exchange);
      /* Running, the caption under the code says what to do with it. */
      gtk_widget_set_visible (GTK_WIDGET (self->hint_label), FALSE);
      gtk_widget_set_visible (self->choices, TRUE);
      update_transports (self);
      update_names (self);
      update_code (self);
    }
  self->updating = FALSE;
}

static void
running_cb (UstPhoneSetup *self,
            GParamSpec    *pspec,
            UstExchange   *exchange)
{
  update (self);
}

static void
phones_changed_cb (UstPhoneSetup *self,
                   guint          position,
                   guint          removed,
                   guint          added,
                   GListModel    *phones)
{
  update (self);
}

static void
choice_cb (UstPhoneSetup *self,
           GParamSpec    *pspec,
           GtkDropDown   *dropdown)
{
  if (self->updating)
    return;
  self->updating = TRUE;
  if (dropdown == self->scheme_dropdown)
    update_names (self);
  update_code (self);
  self->updating = FALSE;
}

/* Copying ---------------------------------------------------------------------------- */

static gboolean
copied_done_cb (gpointer user_data)
{
  UstPhoneSetup *self = user_data;

  self->copied_source = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->copied_label), FALSE);
  return G_SOURCE_REMOVE;
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  UstPhoneSetup *self = UST_PHONE_SETUP (widget);
  const char *phone = g_variant_get_string (parameter, NULL);
  g_autofree char *line = ust_phone_setup_line (self, phone);
  g_autofree char *note = NULL;

  if (line == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), line);
  /* Translators: after a copy button; %s is Linphone, MicroSIP, Zoiper or baresip. */
  note = g_strdup_printf (_("Copied the line for %s"),
                          g_str_equal (phone, "microsip") ? "MicroSIP"
                          : g_str_equal (phone, "zoiper") ? "Zoiper"
                          : g_str_equal (phone, "linphone") ? "Linphone" : "baresip");
  gtk_label_set_text (self->copied_label, note);
  gtk_widget_set_visible (GTK_WIDGET (self->copied_label), TRUE);
  g_clear_handle_id (&self->copied_source, g_source_remove);
  self->copied_source = g_timeout_add (COPIED_NOTE_MS, copied_done_cb, self);
}

/* GObject -------------------------------------------------------------------------------- */

static void
ust_phone_setup_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstPhoneSetup *self = UST_PHONE_SETUP (object);

  switch (prop_id)
    {
    case PROP_EXCHANGE:
      g_value_set_object (value, self->exchange);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_phone_setup_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  UstPhoneSetup *self = UST_PHONE_SETUP (object);

  switch (prop_id)
    {
    case PROP_EXCHANGE:
      ust_phone_setup_set_exchange (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_phone_setup_dispose (GObject *object)
{
  UstPhoneSetup *self = UST_PHONE_SETUP (object);

  ust_phone_setup_set_exchange (self, NULL);
  g_clear_handle_id (&self->copied_source, g_source_remove);
  g_clear_object (&self->code);
  gtk_widget_dispose_template (GTK_WIDGET (self), UST_TYPE_PHONE_SETUP);

  G_OBJECT_CLASS (ust_phone_setup_parent_class)->dispose (object);
}

static void
ust_phone_setup_finalize (GObject *object)
{
  UstPhoneSetup *self = UST_PHONE_SETUP (object);

  g_free (self->user);
  g_free (self->host);
  g_free (self->url);

  G_OBJECT_CLASS (ust_phone_setup_parent_class)->finalize (object);
}

static void
ust_phone_setup_class_init (UstPhoneSetupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ust_phone_setup_get_property;
  object_class->set_property = ust_phone_setup_set_property;
  object_class->dispose = ust_phone_setup_dispose;
  object_class->finalize = ust_phone_setup_finalize;

  properties[PROP_EXCHANGE] =
    g_param_spec_object ("exchange", NULL, NULL, UST_TYPE_EXCHANGE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/ustredna/Ustredna/ui/ust-phone-setup.ui");
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, box);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, hint_label);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, choices);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, user_names);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, scheme_dropdown);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, transport_dropdown);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, transport_names);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, code_picture);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, code_label);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, lines);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, url_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, microsip_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, zoiper_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, baresip_value);
  gtk_widget_class_bind_template_child (widget_class, UstPhoneSetup, copied_label);
  gtk_widget_class_install_action (widget_class, "phone-setup.copy", "s", copy_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ust_phone_setup_init (UstPhoneSetup *self)
{
  g_autoptr (PangoAttrList) no_hyphens = pango_attr_list_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* A link or an accounts line broken across lines must not gain hyphens
   * that a person would copy by hand. */
  pango_attr_list_insert (no_hyphens, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_attributes (self->url_value, no_hyphens);
  gtk_label_set_attributes (self->baresip_value, no_hyphens);
  g_signal_connect_object (self->user_dropdown, "notify::selected", G_CALLBACK (choice_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scheme_dropdown, "notify::selected", G_CALLBACK (choice_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->transport_dropdown, "notify::selected", G_CALLBACK (choice_cb),
                           self, G_CONNECT_SWAPPED);
  update (self);
}

GtkWidget *
ust_phone_setup_new (void)
{
  return g_object_new (UST_TYPE_PHONE_SETUP, NULL);
}

UstExchange *
ust_phone_setup_get_exchange (UstPhoneSetup *self)
{
  g_return_val_if_fail (UST_IS_PHONE_SETUP (self), NULL);
  return self->exchange;
}

void
ust_phone_setup_set_exchange (UstPhoneSetup *self,
                              UstExchange   *exchange)
{
  g_return_if_fail (UST_IS_PHONE_SETUP (self));
  g_return_if_fail (exchange == NULL || UST_IS_EXCHANGE (exchange));

  if (self->exchange == exchange)
    return;
  if (self->exchange != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->exchange, self);
      g_signal_handlers_disconnect_by_data (ust_exchange_get_phones (self->exchange), self);
    }
  g_set_object (&self->exchange, exchange);
  if (exchange != NULL)
    {
      g_signal_connect_object (exchange, "notify::running", G_CALLBACK (running_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (ust_exchange_get_phones (exchange), "items-changed",
                               G_CALLBACK (phones_changed_cb), self, G_CONNECT_SWAPPED);
    }
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCHANGE]);
}

/* The user the code is for, or NULL while stopped. */
const char *
ust_phone_setup_get_user (UstPhoneSetup *self)
{
  g_return_val_if_fail (UST_IS_PHONE_SETUP (self), NULL);
  return self->user;
}

/* The link the code holds, or NULL. */
const char *
ust_phone_setup_get_url (UstPhoneSetup *self)
{
  g_return_val_if_fail (UST_IS_PHONE_SETUP (self), NULL);
  return self->url;
}

/* The code as shown, or NULL. */
GdkTexture *
ust_phone_setup_get_code (UstPhoneSetup *self)
{
  g_return_val_if_fail (UST_IS_PHONE_SETUP (self), NULL);
  return self->code;
}
