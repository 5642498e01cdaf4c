/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ustredna"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-platform.h"

/* What to show when the exchange starts on Windows (translated; NULL elsewhere).
 *
 * Windows Defender Firewall asks the first time a program listens on the network. If the
 * person allows only public networks, or the dialog is dismissed, or the network is set to
 * "Public" (the default Windows picks for a network it does not know, such as a classroom
 * Wi-Fi), incoming SIP datagrams are dropped without a trace: the exchange sees nothing and
 * the phones just time out. Those are the two things to explain. */
const char *
ust_platform_firewall_hint (void)
{
  return _("If Windows Defender Firewall asks whether to allow Ústredňa, tick “Private "
           "networks” and click “Allow access”: phones on your network need to reach the "
           "exchange.\n\n"
           "If phones still cannot register, Windows may be treating this network as "
           "Public, where it blocks them. Open Settings → Network & internet, choose your "
           "Wi-Fi or Ethernet connection and set its network profile to Private.");
}
