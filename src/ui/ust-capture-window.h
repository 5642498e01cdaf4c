/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A capture opened in a window of its own (File → Open Capture): what the
 * check found first, then the Wire tab's views of its messages (list with
 * search, ladder, what the proxy changed, message text), then each call's
 * media. A finding leads to its message. */

#include <gtk/gtk.h>

#include "ust-capture.h"
#include "ust-capture-check.h"
#include "ust-wire-view.h"

G_BEGIN_DECLS

#define UST_TYPE_CAPTURE_WINDOW (ust_capture_window_get_type ())
G_DECLARE_FINAL_TYPE (UstCaptureWindow, ust_capture_window, UST, CAPTURE_WINDOW,
                      GtkApplicationWindow)

UstCaptureWindow *ust_capture_window_new               (GtkApplication       *application,
                                                        UstCapture           *capture,
                                                        UstCaptureCheck      *check);
void              ust_capture_window_open_async        (GtkApplication       *application,
                                                        const char           *path,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
UstCaptureWindow *ust_capture_window_open_finish       (GAsyncResult         *result,
                                                        GError              **error);
UstCapture       *ust_capture_window_get_capture       (UstCaptureWindow     *self);
UstCaptureCheck  *ust_capture_window_get_check         (UstCaptureWindow     *self);
GListModel       *ust_capture_window_get_findings      (UstCaptureWindow     *self);
UstWireView      *ust_capture_window_get_wire_view     (UstCaptureWindow     *self);
const char       *ust_capture_window_get_page          (UstCaptureWindow     *self);
void              ust_capture_window_show_finding      (UstCaptureWindow     *self,
                                                        guint                 position);
gboolean          ust_capture_window_export_report     (UstCaptureWindow     *self,
                                                        const char           *path,
                                                        GError              **error);
void              ust_capture_window_set_proxy         (UstCaptureWindow     *self,
                                                        const UstTraceAddress *proxy);

G_END_DECLS
