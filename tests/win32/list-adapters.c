/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Lists this machine's addresses through src/net/ust-win32-adapters.c, the Windows layer
 * under the address dropdown, with no GLib: build-aux/win32-check.sh cross-compiles it with
 * mingw-w64 and runs it under Wine. Copy the .exe to a Windows machine to see what the
 * dropdown will be built from there.
 *
 * Exit status: 0 when the list came back and every entry is well formed, 1 otherwise. */

#include <stdio.h>
#include <string.h>

#include "ust-win32-adapters.h"

static const char *
flag_text (unsigned int flags, unsigned int flag, const char *text)
{
  return (flags & flag) != 0 ? text : "";
}

int
main (void)
{
  UstWin32Address *addresses = NULL;
  size_t n_addresses = 0;
  unsigned long code;
  char message[512];
  int bad = 0;

  /* The error text path works on its own, whatever the adapter list holds. */
  ust_win32_format_error (111 /* ERROR_BUFFER_OVERFLOW */, message, sizeof message);
  if (message[0] == '\0')
    {
      printf ("ust_win32_format_error gave no text for ERROR_BUFFER_OVERFLOW\n");
      bad = 1;
    }

  code = ust_win32_list_addresses (&addresses, &n_addresses);
  if (code != 0)
    {
      ust_win32_format_error (code, message, sizeof message);
      printf ("ust_win32_list_addresses failed: error %lu: %s\n", code, message);
      return 1;
    }

  printf ("%zu address(es)\n", n_addresses);
  for (size_t i = 0; i < n_addresses; i++)
    {
      const UstWin32Address *a = &addresses[i];

      printf ("  IPv%d %-40s %-24s type %-3lu%s%s%s%s%s%s  (%s)\n", a->family, a->address, a->name,
              a->if_type, flag_text (a->flags, UST_WIN32_UP, " up"),
              flag_text (a->flags, UST_WIN32_LOOPBACK, " loopback"),
              flag_text (a->flags, UST_WIN32_WIRELESS, " wireless"),
              flag_text (a->flags, UST_WIN32_VIRTUAL, " virtual"),
              flag_text (a->flags, UST_WIN32_TUNNEL, " tunnel"),
              flag_text (a->flags, UST_WIN32_DEFAULT_ROUTE, " default-route"), a->description);

      /* What the C structs promise the GLib side: a family of 4 or 6, and a numeric
       * address that is not empty and whose form matches the family. */
      if ((a->family != 4 && a->family != 6) || a->address[0] == '\0' ||
          (a->family == 4 && strchr (a->address, ':') != NULL) ||
          (a->family == 6 && strchr (a->address, ':') == NULL))
        {
          printf ("    ^ malformed entry\n");
          bad = 1;
        }
    }

  ust_win32_free_addresses (addresses);
  return bad;
}
