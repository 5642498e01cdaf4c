/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-settings"

#include "config.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ust-settings.h"

#define GROUP_EXCHANGE "exchange"
#define GROUP_DIARY    "diary"
#define DEFAULT_PORT   5060
/* Changes are written a moment later, so dragging a spin button writes once. */
#define SAVE_DELAY_MS  500

struct _UstSettings {
  GObject   parent_instance;

  char     *path;
  char     *address;
  guint     port;
  gboolean  require_registration;
  gboolean  tcp;
  gboolean  tls;
  gboolean  excel_csv;
  guint     save_source;
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_REQUIRE_REGISTRATION,
  PROP_TCP,
  PROP_TLS,
  PROP_EXCEL_CSV,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (UstSettings, ust_settings, G_TYPE_OBJECT)

static gboolean
save_cb (gpointer user_data)
{
  UstSettings *self = user_data;
  g_autoptr (GError) error = NULL;

  self->save_source = 0;
  /* Nothing to show it in but the log: the window keeps working with the
   * values it has, they are just not remembered. */
  if (!ust_settings_save (self, &error))
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (UstSettings *self)
{
  if (self->save_source == 0)
    self->save_source = g_timeout_add (SAVE_DELAY_MS, save_cb, self);
}

static void
ust_settings_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  UstSettings *self = UST_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_REQUIRE_REGISTRATION:
      g_value_set_boolean (value, self->require_registration);
      break;
    case PROP_TCP:
      g_value_set_boolean (value, self->tcp);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, self->tls);
      break;
    case PROP_EXCEL_CSV:
      g_value_set_boolean (value, self->excel_csv);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_settings_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  UstSettings *self = UST_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_ADDRESS:
      ust_settings_set_address (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      ust_settings_set_port (self, g_value_get_uint (value));
      break;
    case PROP_REQUIRE_REGISTRATION:
      ust_settings_set_require_registration (self, g_value_get_boolean (value));
      break;
    case PROP_TCP:
      ust_settings_set_tcp (self, g_value_get_boolean (value));
      break;
    case PROP_TLS:
      ust_settings_set_tls (self, g_value_get_boolean (value));
      break;
    case PROP_EXCEL_CSV:
      ust_settings_set_excel_csv (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_settings_dispose (GObject *object)
{
  UstSettings *self = UST_SETTINGS (object);

  /* A change made just before quitting is still remembered. */
  if (self->save_source != 0)
    {
      g_clear_handle_id (&self->save_source, g_source_remove);
      save_cb (self);
    }

  G_OBJECT_CLASS (ust_settings_parent_class)->dispose (object);
}

static void
ust_settings_finalize (GObject *object)
{
  UstSettings *self = UST_SETTINGS (object);

  g_free (self->path);
  g_free (self->address);

  G_OBJECT_CLASS (ust_settings_parent_class)->finalize (object);
}

static void
ust_settings_class_init (UstSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = ust_settings_get_property;
  object_class->set_property = ust_settings_set_property;
  object_class->dispose = ust_settings_dispose;
  object_class->finalize = ust_settings_finalize;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The address last started on ("0.0.0.0" for all addresses); NULL until
   * the first start, and then the best address is chosen. */
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  /* 0 lets the system choose a free port (used by the tests). */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, DEFAULT_PORT,
                                             flags);
  properties[PROP_REQUIRE_REGISTRATION] =
    g_param_spec_boolean ("require-registration", NULL, NULL, TRUE, flags);
  /* Which transports phones may use besides UDP (always on): TCP on the
   * same port, TLS on the next one. Both on by default, as in
   * ustredna-server: Linphone picks TLS for a new account. */
  properties[PROP_TCP] = g_param_spec_boolean ("tcp", NULL, NULL, TRUE, flags);
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, TRUE, flags);
  properties[PROP_EXCEL_CSV] = g_param_spec_boolean ("excel-csv", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_settings_init (UstSettings *self)
{
  self->port = DEFAULT_PORT;
  self->require_registration = TRUE;
  self->tcp = TRUE;
  self->tls = TRUE;
}

/* A NULL @path keeps the settings in memory only. */
UstSettings *
ust_settings_new (const char *path)
{
  return g_object_new (UST_TYPE_SETTINGS, "path", path, NULL);
}

const char *
ust_settings_get_path (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), NULL);

  return self->path;
}

char *
ust_settings_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "ustredna", "settings.ini", NULL);
}

/* A missing file is not an error: everything keeps its default. Values that
 * do not parse are skipped one by one, so a hand-edited file with one typo
 * still gives the rest. */
gboolean
ust_settings_load (UstSettings  *self,
                   GError      **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *address = NULL;
  guint64 port;
  gboolean flag;

  g_return_val_if_fail (UST_IS_SETTINGS (self), FALSE);

  if (self->path == NULL)
    return TRUE;
  if (!g_key_file_load_from_file (key_file, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Cannot read the settings from %s: %s"), self->path, local_error->message);
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
  address = g_key_file_get_string (key_file, GROUP_EXCHANGE, "address", NULL);
  if (address != NULL && *address != '\0')
    ust_settings_set_address (self, address);

  port = g_key_file_get_uint64 (key_file, GROUP_EXCHANGE, "port", &local_error);
  if (local_error == NULL && port <= G_MAXUINT16)
    ust_settings_set_port (self, (guint) port);
  g_clear_error (&local_error);

  flag = g_key_file_get_boolean (key_file, GROUP_EXCHANGE, "require-registration", &local_error);
  if (local_error == NULL)
    ust_settings_set_require_registration (self, flag);
  g_clear_error (&local_error);

  flag = g_key_file_get_boolean (key_file, GROUP_EXCHANGE, "tcp", &local_error);
  if (local_error == NULL)
    ust_settings_set_tcp (self, flag);
  g_clear_error (&local_error);

  flag = g_key_file_get_boolean (key_file, GROUP_EXCHANGE, "tls", &local_error);
  if (local_error == NULL)
    ust_settings_set_tls (self, flag);
  g_clear_error (&local_error);

  flag = g_key_file_get_boolean (key_file, GROUP_DIARY, "excel", &local_error);
  if (local_error == NULL)
    ust_settings_set_excel_csv (self, flag);
  g_clear_error (&local_error);
  g_object_thaw_notify (G_OBJECT (self));

  /* Loading is not a change worth writing back. */
  g_clear_handle_id (&self->save_source, g_source_remove);
  return TRUE;
}

gboolean
ust_settings_save (UstSettings  *self,
                   GError      **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autofree char *directory = NULL;

  g_return_val_if_fail (UST_IS_SETTINGS (self), FALSE);

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->path == NULL)
    return TRUE;

  if (self->address != NULL)
    g_key_file_set_string (key_file, GROUP_EXCHANGE, "address", self->address);
  g_key_file_set_uint64 (key_file, GROUP_EXCHANGE, "port", self->port);
  g_key_file_set_boolean (key_file, GROUP_EXCHANGE, "require-registration",
                          self->require_registration);
  g_key_file_set_boolean (key_file, GROUP_EXCHANGE, "tcp", self->tcp);
  g_key_file_set_boolean (key_file, GROUP_EXCHANGE, "tls", self->tls);
  g_key_file_set_boolean (key_file, GROUP_DIARY, "excel", self->excel_csv);

  directory = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the folder %s: %s"), directory, g_strerror (saved_errno));
      return FALSE;
    }
  return g_key_file_save_to_file (key_file, self->path, error);
}

const char *
ust_settings_get_address (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), NULL);

  return self->address;
}

void
ust_settings_set_address (UstSettings *self,
                          const char  *address)
{
  g_return_if_fail (UST_IS_SETTINGS (self));

  if (g_strcmp0 (self->address, address) == 0)
    return;
  g_free (self->address);
  self->address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
  schedule_save (self);
}

guint
ust_settings_get_port (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), DEFAULT_PORT);

  return self->port;
}

void
ust_settings_set_port (UstSettings *self,
                       guint        port)
{
  g_return_if_fail (UST_IS_SETTINGS (self));
  g_return_if_fail (port <= G_MAXUINT16);

  if (self->port == port)
    return;
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  schedule_save (self);
}

gboolean
ust_settings_get_require_registration (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), TRUE);

  return self->require_registration;
}

void
ust_settings_set_require_registration (UstSettings *self,
                                       gboolean     require)
{
  g_return_if_fail (UST_IS_SETTINGS (self));

  require = !!require;
  if (self->require_registration == require)
    return;
  self->require_registration = require;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUIRE_REGISTRATION]);
  schedule_save (self);
}

gboolean
ust_settings_get_tcp (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), TRUE);

  return self->tcp;
}

void
ust_settings_set_tcp (UstSettings *self,
                      gboolean     tcp)
{
  g_return_if_fail (UST_IS_SETTINGS (self));

  tcp = !!tcp;
  if (self->tcp == tcp)
    return;
  self->tcp = tcp;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TCP]);
  schedule_save (self);
}

gboolean
ust_settings_get_tls (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), TRUE);

  return self->tls;
}

void
ust_settings_set_tls (UstSettings *self,
                      gboolean     tls)
{
  g_return_if_fail (UST_IS_SETTINGS (self));

  tls = !!tls;
  if (self->tls == tls)
    return;
  self->tls = tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
  schedule_save (self);
}

gboolean
ust_settings_get_excel_csv (UstSettings *self)
{
  g_return_val_if_fail (UST_IS_SETTINGS (self), FALSE);

  return self->excel_csv;
}

void
ust_settings_set_excel_csv (UstSettings *self,
                            gboolean     excel)
{
  g_return_if_fail (UST_IS_SETTINGS (self));

  excel = !!excel;
  if (self->excel_csv == excel)
    return;
  self->excel_csv = excel;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCEL_CSV]);
  schedule_save (self);
}
