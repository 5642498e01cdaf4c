/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The Windows adapter list as plain C structs. This header needs no Windows or GLib
 * headers, and ust-win32-adapters.c needs only Windows headers, so the pair can be built
 * with mingw-w64 into a small test program and run on a real Windows machine.
 * ust-net-interfaces-win32.c turns the result into UstNetAddress objects. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* FriendlyName and Description hold at most 256 UTF-16 units (IF_MAX_STRING_SIZE), and
 * one unit becomes at most 3 bytes of UTF-8. */
#define UST_WIN32_TEXT_MAX    (256 * 3 + 4)
/* INET6_ADDRSTRLEN is 65; add "%" and a decimal scope id. */
#define UST_WIN32_ADDRESS_MAX 80

enum {
  UST_WIN32_UP            = 1u << 0, /* OperStatus == IfOperStatusUp */
  UST_WIN32_LOOPBACK      = 1u << 1, /* IF_TYPE_SOFTWARE_LOOPBACK */
  UST_WIN32_WIRELESS      = 1u << 2, /* IEEE 802.11 or mobile broadband */
  UST_WIN32_VIRTUAL       = 1u << 3, /* IF_TYPE_PROP_VIRTUAL */
  UST_WIN32_TUNNEL        = 1u << 4, /* IF_TYPE_TUNNEL or IF_TYPE_PPP */
  UST_WIN32_DEFAULT_ROUTE = 1u << 5, /* a 0.0.0.0/0 or ::/0 route uses this adapter */
};

typedef struct {
  char          name[UST_WIN32_TEXT_MAX];        /* FriendlyName, UTF-8: "Wi-Fi" */
  char          description[UST_WIN32_TEXT_MAX]; /* Description, UTF-8: "Intel(R) Wi-Fi 6 AX201" */
  char          address[UST_WIN32_ADDRESS_MAX];  /* numeric; link-local IPv6 as "fe80::1%12" */
  int           family;                          /* 4 or 6 */
  unsigned int  flags;                           /* UST_WIN32_* */
  unsigned long if_type;                         /* IANA ifType, kept for diagnostics */
} UstWin32Address;

/* Returns 0 (NO_ERROR) and a malloc'd array, or a Win32 error code and nothing. */
unsigned long ust_win32_list_addresses (UstWin32Address **out_addresses,
                                        size_t           *out_n_addresses);
void          ust_win32_free_addresses (UstWin32Address  *addresses);
/* The system's text for a Win32 error code, in UTF-8, always NUL-terminated. */
void          ust_win32_format_error   (unsigned long     code,
                                        char             *buffer,
                                        size_t            size);

#ifdef __cplusplus
}
#endif
