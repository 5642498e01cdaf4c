/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Only Windows headers here, no GLib: see ust-win32-adapters.h. GetIpForwardTable2 needs
 * Vista, which is far below anything GTK 4 runs on. */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ust-win32-adapters.h"

/* IANA ifType values; older mingw-w64 headers lack the mobile broadband ones. */
#ifndef IF_TYPE_WWANPP
#define IF_TYPE_WWANPP 243
#endif
#ifndef IF_TYPE_WWANPP2
#define IF_TYPE_WWANPP2 244
#endif

/* Microsoft's advice: start with 15 KB and retry with the size the call asks for, because
 * adapters can appear between two calls. */
#define INITIAL_BUFFER_SIZE (15 * 1024)
#define MAX_ATTEMPTS        4

typedef struct {
  ULONG64 *luids;
  size_t   n_luids;
} LuidSet;

static void
wide_to_utf8 (const WCHAR *wide,
              char        *out,
              size_t       size)
{
  out[0] = '\0';
  if (wide == NULL || size == 0)
    return;
  if (WideCharToMultiByte (CP_UTF8, 0, wide, -1, out, (int) size, NULL, NULL) == 0)
    out[0] = '\0';
}

/* The adapters that a default route (prefix length 0, IPv4 or IPv6) goes out of. */
static void
collect_default_routes (LuidSet *set)
{
  PMIB_IPFORWARD_TABLE2 table = NULL;

  set->luids = NULL;
  set->n_luids = 0;
  if (GetIpForwardTable2 (AF_UNSPEC, &table) != NO_ERROR || table == NULL)
    return;
  if (table->NumEntries > 0)
    set->luids = calloc (table->NumEntries, sizeof (ULONG64));
  for (ULONG i = 0; set->luids != NULL && i < table->NumEntries; i++)
    {
      const MIB_IPFORWARD_ROW2 *row = &table->Table[i];

      if (row->DestinationPrefix.PrefixLength == 0)
        set->luids[set->n_luids++] = row->InterfaceLuid.Value;
    }
  FreeMibTable (table);
}

static int
luid_set_contains (const LuidSet *set,
                   ULONG64        luid)
{
  for (size_t i = 0; i < set->n_luids; i++)
    if (set->luids[i] == luid)
      return 1;
  return 0;
}

static unsigned int
adapter_flags (const IP_ADAPTER_ADDRESSES *adapter,
               const LuidSet              *defaults)
{
  unsigned int flags = 0;

  if (adapter->OperStatus == IfOperStatusUp)
    flags |= UST_WIN32_UP;
  switch (adapter->IfType)
    {
    case IF_TYPE_SOFTWARE_LOOPBACK:
      flags |= UST_WIN32_LOOPBACK;
      break;
    case IF_TYPE_IEEE80211:
    case IF_TYPE_WWANPP:
    case IF_TYPE_WWANPP2:
      flags |= UST_WIN32_WIRELESS;
      break;
    case IF_TYPE_TUNNEL:
    case IF_TYPE_PPP:
      flags |= UST_WIN32_TUNNEL;
      break;
    case IF_TYPE_PROP_VIRTUAL:
      flags |= UST_WIN32_VIRTUAL;
      break;
    default:
      break;
    }
  if (luid_set_contains (defaults, adapter->Luid.Value))
    flags |= UST_WIN32_DEFAULT_ROUTE;
  return flags;
}

/* Numeric text for a unicast address. Link-local IPv6 gets "%scope id": Windows needs the
 * interface number, not the friendly name, to bind such an address. */
static int
format_address (const SOCKADDR *sa,
                char           *out,
                size_t          size,
                int            *family)
{
  if (sa->sa_family == AF_INET)
    {
      const SOCKADDR_IN *sin = (const SOCKADDR_IN *) sa;

      *family = 4;
      return inet_ntop (AF_INET, (void *) &sin->sin_addr, out, size) != NULL;
    }
  if (sa->sa_family == AF_INET6)
    {
      const SOCKADDR_IN6 *sin6 = (const SOCKADDR_IN6 *) sa;
      const unsigned char *bytes = sin6->sin6_addr.s6_addr;
      size_t length;

      *family = 6;
      if (inet_ntop (AF_INET6, (void *) &sin6->sin6_addr, out, size) == NULL)
        return 0;
      length = strlen (out);
      if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80 && sin6->sin6_scope_id != 0)
        snprintf (out + length, size - length, "%%%lu", (unsigned long) sin6->sin6_scope_id);
      return 1;
    }
  return 0;
}

/* Tentative and duplicate addresses cannot be bound yet (or ever); deprecated ones still
 * work for an existing bind, so they stay. */
static int
usable (const IP_ADAPTER_UNICAST_ADDRESS *unicast)
{
  return unicast->Address.lpSockaddr != NULL
         && (unicast->DadState == IpDadStatePreferred
             || unicast->DadState == IpDadStateDeprecated);
}

unsigned long
ust_win32_list_addresses (UstWin32Address **out_addresses,
                          size_t           *out_n_addresses)
{
  const ULONG gaa_flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST
                          | GAA_FLAG_SKIP_DNS_SERVER;
  IP_ADAPTER_ADDRESSES *adapters = NULL;
  UstWin32Address *result = NULL;
  ULONG size = INITIAL_BUFFER_SIZE;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  LuidSet defaults;
  WSADATA wsa;
  size_t count = 0;
  size_t n = 0;
  int wsa_rc;

  if (out_addresses == NULL || out_n_addresses == NULL)
    return ERROR_INVALID_PARAMETER;
  *out_addresses = NULL;
  *out_n_addresses = 0;

  for (int attempt = 0; attempt < MAX_ATTEMPTS && rc == ERROR_BUFFER_OVERFLOW; attempt++)
    {
      free (adapters);
      adapters = malloc (size);
      if (adapters == NULL)
        return ERROR_NOT_ENOUGH_MEMORY;
      rc = GetAdaptersAddresses (AF_UNSPEC, gaa_flags, NULL, adapters, &size);
    }
  if (rc == ERROR_NO_DATA)
    {
      free (adapters);
      return NO_ERROR;
    }
  if (rc != NO_ERROR)
    {
      free (adapters);
      return rc;
    }

  for (const IP_ADAPTER_ADDRESSES *a = adapters; a != NULL; a = a->Next)
    for (const IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u != NULL; u = u->Next)
      count++;
  if (count == 0)
    {
      free (adapters);
      return NO_ERROR;
    }
  result = calloc (count, sizeof (UstWin32Address));
  if (result == NULL)
    {
      free (adapters);
      return ERROR_NOT_ENOUGH_MEMORY;
    }

  /* inet_ntop lives in Winsock; start it for the duration (it is reference counted). */
  wsa_rc = WSAStartup (MAKEWORD (2, 2), &wsa);
  if (wsa_rc != 0)
    {
      free (result);
      free (adapters);
      return (unsigned long) wsa_rc;
    }
  collect_default_routes (&defaults);

  for (const IP_ADAPTER_ADDRESSES *a = adapters; a != NULL; a = a->Next)
    {
      unsigned int flags = adapter_flags (a, &defaults);
      char name[UST_WIN32_TEXT_MAX];
      char description[UST_WIN32_TEXT_MAX];

      wide_to_utf8 (a->FriendlyName, name, sizeof name);
      wide_to_utf8 (a->Description, description, sizeof description);

      for (const IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u != NULL; u = u->Next)
        {
          UstWin32Address *out = &result[n];

          if (!usable (u)
              || !format_address (u->Address.lpSockaddr, out->address, sizeof out->address,
                                  &out->family))
            continue;
          memcpy (out->name, name, sizeof name);
          memcpy (out->description, description, sizeof description);
          out->flags = flags;
          out->if_type = a->IfType;
          n++;
        }
    }

  free (defaults.luids);
  WSACleanup ();
  free (adapters);

  if (n == 0)
    {
      free (result);
      return NO_ERROR;
    }
  *out_addresses = result;
  *out_n_addresses = n;
  return NO_ERROR;
}

void
ust_win32_free_addresses (UstWin32Address *addresses)
{
  free (addresses);
}

void
ust_win32_format_error (unsigned long code,
                        char         *buffer,
                        size_t        size)
{
  WCHAR wide[512];
  size_t length;

  if (buffer == NULL || size == 0)
    return;
  buffer[0] = '\0';
  if (FormatMessageW (FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                      (DWORD) code, 0, wide, sizeof wide / sizeof wide[0], NULL) != 0)
    wide_to_utf8 (wide, buffer, size);
  if (buffer[0] == '\0')
    snprintf (buffer, size, "Windows error %lu", code);
  /* System messages end with CR LF, which would break a one-line error. */
  length = strlen (buffer);
  while (length > 0 && (buffer[length - 1] == '\r' || buffer[length - 1] == '\n'
                        || buffer[length - 1] == ' ' || buffer[length - 1] == '.'))
    buffer[--length] = '\0';
}
