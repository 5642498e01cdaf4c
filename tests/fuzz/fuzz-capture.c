/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Every input is a capture file, as a student might open one: libpcap reads
 * it (pcap or pcapng, any link type), the IP fragments and TCP streams in it
 * are put back together, its proxy is checked, and the findings are written
 * as text and JSON. A broken or truncated file must open up to the damage
 * and never crash (issue #16).
 *
 * Built two ways, like fuzz-datagram.c: with clang's libFuzzer
 * (build-aux/fuzz.sh SECONDS capture) to search, and with fuzz-replay-main.c as
 * a plain program that `meson test` runs over tests/fuzz/capture-corpus. */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-capture-format.h"
#include "ust-sip.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(UstCapture) capture = NULL;
  g_autoptr(UstCaptureCheck) check = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  GPtrArray *entries;

  ust_sip_init ();
  capture = ust_capture_new_from_memory (data, size, NULL);
  if (capture == NULL)
    return 0;
  check = ust_capture_check (capture);
  text = ust_capture_format_text (capture, check);
  json = ust_capture_format_json (capture, check);
  g_assert (text != NULL && json != NULL);

  /* Entries are numbered in the file's order. */
  entries = ust_capture_get_entries (capture);
  for (guint i = 0; i < entries->len; i++)
    g_assert (ust_trace_entry_get_seq (g_ptr_array_index (entries, i)) == i + 1);
  return 0;
}
