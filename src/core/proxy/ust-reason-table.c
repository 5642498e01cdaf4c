/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-reason-table"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "ust-reason-table.h"
#include "ust-sip.h"

#define GROUP_REASONS "reasons"
#define GROUP_OPTIONS "options"
#define MAX_PHRASE_BYTES 200

/* RFC 3261 §7.2: status codes are three digits, 100 to 699. */
#define FIRST_CODE 100
#define N_CODES 600

struct _UstReasonTable {
  GObject  parent_instance;

  char    *phrases[N_CODES];
  gboolean relay;
};

enum {
  PROP_0,
  PROP_RELAY,
  N_PROPS,
};

enum {
  CHANGED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UstReasonTable, ust_reason_table, G_TYPE_OBJECT)

/* RFC 3261 §25.1: Reason-Phrase = *(reserved / unreserved / escaped /
 * UTF8-NONASCII / UTF8-CONT / SP / HTAB). In practice: valid UTF-8 on one
 * line, no control characters. */
static gboolean
validate_phrase (const char  *phrase,
                 GError     **error)
{
  if (phrase == NULL || *phrase == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A reason phrase cannot be empty"));
      return FALSE;
    }
  if (strlen (phrase) > MAX_PHRASE_BYTES || !g_utf8_validate (phrase, -1, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A reason phrase must be UTF-8 text of at most %d bytes"), MAX_PHRASE_BYTES);
      return FALSE;
    }
  for (const char *p = phrase; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 && *p != '\t')
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("A reason phrase must fit on one line"));
          return FALSE;
        }
    }
  return TRUE;
}

static void
ust_reason_table_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  UstReasonTable *self = UST_REASON_TABLE (object);

  switch (prop_id)
    {
    case PROP_RELAY:
      g_value_set_boolean (value, self->relay);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_reason_table_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  UstReasonTable *self = UST_REASON_TABLE (object);

  switch (prop_id)
    {
    case PROP_RELAY:
      ust_reason_table_set_relay (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_reason_table_finalize (GObject *object)
{
  UstReasonTable *self = UST_REASON_TABLE (object);

  for (guint i = 0; i < N_CODES; i++)
    g_free (self->phrases[i]);

  G_OBJECT_CLASS (ust_reason_table_parent_class)->finalize (object);
}

static void
ust_reason_table_class_init (UstReasonTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_reason_table_get_property;
  object_class->set_property = ust_reason_table_set_property;
  object_class->finalize = ust_reason_table_finalize;

  /* Whether relayed responses get the custom phrases too, not only the
   * responses the exchange sends itself. */
  properties[PROP_RELAY] =
    g_param_spec_boolean ("relay", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ust_reason_table_init (UstReasonTable *self)
{
}

UstReasonTable *
ust_reason_table_new (void)
{
  return g_object_new (UST_TYPE_REASON_TABLE, NULL);
}

/* The custom phrase for @code, or NULL. */
const char *
ust_reason_table_lookup (UstReasonTable *self,
                         guint           code)
{
  g_return_val_if_fail (UST_IS_REASON_TABLE (self), NULL);

  if (code < FIRST_CODE || code >= FIRST_CODE + N_CODES)
    return NULL;
  return self->phrases[code - FIRST_CODE];
}

/* The phrase the exchange sends for @code: the custom one, else @fallback
 * (a phrase naming the exact problem), else the RFC's standard phrase. */
const char *
ust_reason_table_phrase (UstReasonTable *self,
                         guint           code,
                         const char     *fallback)
{
  const char *custom = ust_reason_table_lookup (self, code);

  if (custom != NULL)
    return custom;
  if (fallback != NULL)
    return fallback;
  return ust_sip_standard_reason (code);
}

/* A NULL @phrase removes the custom phrase for @code. */
gboolean
ust_reason_table_set (UstReasonTable  *self,
                      guint            code,
                      const char      *phrase,
                      GError         **error)
{
  char **slot;

  g_return_val_if_fail (UST_IS_REASON_TABLE (self), FALSE);

  if (code < FIRST_CODE || code >= FIRST_CODE + N_CODES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%u is not a SIP status code (100 to 699)"), code);
      return FALSE;
    }
  if (phrase != NULL && !validate_phrase (phrase, error))
    return FALSE;

  slot = &self->phrases[code - FIRST_CODE];
  if (g_strcmp0 (*slot, phrase) == 0)
    return TRUE;
  g_free (*slot);
  *slot = g_strdup (phrase);
  g_signal_emit (self, signals[CHANGED], 0, code);
  return TRUE;
}

/* "200=POHODKA", as given to --reason. */
gboolean
ust_reason_table_parse_assignment (UstReasonTable  *self,
                                   const char      *assignment,
                                   GError         **error)
{
  const char *equals;
  g_autofree char *code_text = NULL;
  guint64 code;

  g_return_val_if_fail (UST_IS_REASON_TABLE (self), FALSE);
  g_return_val_if_fail (assignment != NULL, FALSE);

  equals = strchr (assignment, '=');
  if (equals == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not of the form CODE=TEXT, such as 200=POHODKA"), assignment);
      return FALSE;
    }
  code_text = g_strndup (assignment, (gsize) (equals - assignment));
  if (!g_ascii_string_to_unsigned (g_strstrip (code_text), 10, FIRST_CODE,
                                   FIRST_CODE + N_CODES - 1, &code, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” does not start with a SIP status code (100 to 699)"), assignment);
      return FALSE;
    }
  return ust_reason_table_set (self, (guint) code, equals + 1, error);
}

gboolean
ust_reason_table_get_relay (UstReasonTable *self)
{
  g_return_val_if_fail (UST_IS_REASON_TABLE (self), FALSE);

  return self->relay;
}

void
ust_reason_table_set_relay (UstReasonTable *self,
                            gboolean        relay)
{
  g_return_if_fail (UST_IS_REASON_TABLE (self));

  relay = !!relay;
  if (self->relay == relay)
    return;
  self->relay = relay;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RELAY]);
}

/* The key file the window edits: [reasons] 200=POHODKA, [options] relay=true.
 * A missing file is not an error. */
gboolean
ust_reason_table_load (UstReasonTable  *self,
                       const char      *path,
                       GError         **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (UST_IS_REASON_TABLE (self), FALSE);

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Cannot read reason phrases from %s: %s"), path, local_error->message);
      return FALSE;
    }

  keys = g_key_file_get_keys (key_file, GROUP_REASONS, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *phrase = g_key_file_get_string (key_file, GROUP_REASONS, keys[i], NULL);
      g_autofree char *assignment = g_strconcat (keys[i], "=", phrase, NULL);

      if (!ust_reason_table_parse_assignment (self, assignment, &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
                       local_error->message);
          return FALSE;
        }
    }

  if (g_key_file_has_key (key_file, GROUP_OPTIONS, "relay", NULL))
    ust_reason_table_set_relay (self, g_key_file_get_boolean (key_file, GROUP_OPTIONS,
                                                              "relay", NULL));
  return TRUE;
}

gboolean
ust_reason_table_save (UstReasonTable  *self,
                       const char      *path,
                       GError         **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *directory = g_path_get_dirname (path);

  g_return_val_if_fail (UST_IS_REASON_TABLE (self), FALSE);

  for (guint i = 0; i < N_CODES; i++)
    {
      char key[8];

      if (self->phrases[i] == NULL)
        continue;
      g_snprintf (key, sizeof key, "%u", i + FIRST_CODE);
      g_key_file_set_string (key_file, GROUP_REASONS, key, self->phrases[i]);
    }
  g_key_file_set_boolean (key_file, GROUP_OPTIONS, "relay", self->relay);

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Cannot create the folder %s"), directory);
      return FALSE;
    }
  return g_key_file_save_to_file (key_file, path, error);
}

char *
ust_reason_table_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "ustredna", "reasons.ini", NULL);
}
