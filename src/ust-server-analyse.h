/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* ustredna-server --analyse FILE [--json] [--proxy ADDR:PORT]: a capture's
 * proxy checked, the findings on stdout. */

#include "ust-server-options.h"

G_BEGIN_DECLS

/* Exit status: 0 no findings, 3 findings, 1 the file could not be read. */
#define UST_ANALYSE_EXIT_FINDINGS 3

int ust_server_analyse (UstServerOptions *options);

G_END_DECLS
