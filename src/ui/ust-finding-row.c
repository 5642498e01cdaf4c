/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-finding-row"

#include "config.h"

#include "ust-capture-format.h"
#include "ust-finding-row.h"

enum {
  PROP_0,
  PROP_MESSAGE,
  PROP_RULE,
  PROP_SECTION,
  PROP_EXPLANATION,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

struct _UstFindingRow
{
  GObject     parent_instance;
  UstFinding *finding;
  char       *message;       /* "#12 INVITE sip:…" */
  char       *explanation;   /* the detail, then the consequence */
};

G_DEFINE_FINAL_TYPE (UstFindingRow, ust_finding_row, G_TYPE_OBJECT)

static void
ust_finding_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  UstFindingRow *self = UST_FINDING_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_RULE:
      g_value_set_string (value, ust_rule_get_title (self->finding->rule));
      break;
    case PROP_SECTION:
      g_value_set_string (value, ust_rule_get_section (self->finding->rule));
      break;
    case PROP_EXPLANATION:
      g_value_set_string (value, self->explanation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ust_finding_row_finalize (GObject *object)
{
  UstFindingRow *self = UST_FINDING_ROW (object);

  ust_finding_free (self->finding);
  g_free (self->message);
  g_free (self->explanation);
  G_OBJECT_CLASS (ust_finding_row_parent_class)->finalize (object);
}

static void
ust_finding_row_class_init (UstFindingRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ust_finding_row_get_property;
  object_class->finalize = ust_finding_row_finalize;

  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RULE] = g_param_spec_string ("rule", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECTION] = g_param_spec_string ("section", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPLANATION] = g_param_spec_string ("explanation", NULL, NULL, NULL,
                                                      G_PARAM_READABLE
                                                      | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ust_finding_row_init (UstFindingRow *self)
{
}

UstFindingRow *
ust_finding_row_new (const UstFinding *finding)
{
  UstFindingRow *self;

  g_return_val_if_fail (finding != NULL, NULL);

  self = g_object_new (UST_TYPE_FINDING_ROW, NULL);
  self->finding = ust_finding_copy (finding);
  if (finding->entry != NULL)
    {
      g_autofree char *summary = ust_trace_entry_dup_summary (finding->entry);
      g_autofree char *time = ust_capture_format_time (ust_trace_entry_get_time (finding->entry));
      g_autofree char *valid = g_utf8_make_valid (summary != NULL ? summary : "", -1);

      self->message = g_strdup_printf ("#%" G_GUINT64_FORMAT "  %s  %s",
                                       ust_trace_entry_get_seq (finding->entry), time, valid);
    }
  else
    self->message = g_strdup ("");
  self->explanation = finding->detail != NULL
                        ? g_strdup_printf ("%s %s", finding->detail,
                                           ust_rule_get_consequence (finding->rule))
                        : g_strdup (ust_rule_get_consequence (finding->rule));
  return self;
}

const UstFinding *
ust_finding_row_get_finding (UstFindingRow *self)
{
  g_return_val_if_fail (UST_IS_FINDING_ROW (self), NULL);
  return self->finding;
}
