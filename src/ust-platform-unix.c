/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include "ust-platform.h"

/* Linux desktops ship with no firewall in the way, or one the person set up themselves:
 * there is nothing to explain. */
const char *
ust_platform_firewall_hint (void)
{
  return NULL;
}
