/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* ustredna-server --report DIR: the report bundle (src/report/) of a
 * capture (--analyse FILE, checked like --analyse does), or of the
 * exchange's own session (--pcap FILE, the capture an earlier run wrote,
 * with the diary's rows from --data-dir). */

#include "ust-server-options.h"

G_BEGIN_DECLS

int ust_server_report (UstServerOptions *options);

G_END_DECLS
