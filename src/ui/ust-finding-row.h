/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A row of a capture window's findings list: one finding of the check
 * (ust-finding.h), with the texts the columns show. */

#include <glib-object.h>

#include "ust-finding.h"

G_BEGIN_DECLS

#define UST_TYPE_FINDING_ROW (ust_finding_row_get_type ())
G_DECLARE_FINAL_TYPE (UstFindingRow, ust_finding_row, UST, FINDING_ROW, GObject)

UstFindingRow    *ust_finding_row_new         (const UstFinding *finding);
const UstFinding *ust_finding_row_get_finding (UstFindingRow    *self);

G_END_DECLS
