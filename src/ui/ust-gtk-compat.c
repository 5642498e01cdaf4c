/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-gtk-compat"

#include "config.h"

#include <glib/gi18n.h>

#include "ust-gtk-compat.h"

typedef struct {
  UstSaveCsvFunc func;
  gpointer       user_data;
  gboolean       excel;
} SaveCsv;

static GFile *
default_folder (void)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  if (documents != NULL && g_file_test (documents, G_FILE_TEST_IS_DIR))
    return g_file_new_for_path (documents);
  return g_file_new_for_path (g_get_home_dir ());
}

static GtkFileFilter *
csv_filter_new (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_filter_add_mime_type (filter, "text/csv");
  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)

/* GTK 4.10+: GtkFileDialog. It has no custom choices, so the Excel choice
 * stays the window's check button. */

/* The chosen file, or NULL. A person cancelling is no failure; anything
 * else (no portal and no fallback, say) is worth a warning. */
static GFile *
file_dialog_save_finish (GObject      *source,
                         GAsyncResult *result)
{
  g_autoptr (GError) error = NULL;
  GFile *file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, &error);

  if (file == NULL && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED)
      && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    g_warning ("The file dialog failed: %s", error->message);
  return file;
}

static void
save_finish_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autofree SaveCsv *save = user_data;
  g_autoptr (GFile) file = file_dialog_save_finish (source, result);

  save->func (file, save->excel, save->user_data);
}

void
ust_gtk_compat_save_csv (GtkWindow      *parent,
                         const char     *initial_name,
                         gboolean        excel,
                         UstSaveCsvFunc  func,
                         gpointer        user_data)
{
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr (GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr (GtkFileFilter) filter = csv_filter_new ();
  g_autoptr (GFile) folder = default_folder ();
  SaveCsv *save = g_new0 (SaveCsv, 1);

  save->func = func;
  save->user_data = user_data;
  save->excel = excel;

  g_list_store_append (filters, filter);
  gtk_file_dialog_set_title (dialog, _("Export the Call Diary"));
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  gtk_file_dialog_set_default_filter (dialog, filter);
  gtk_file_dialog_set_initial_folder (dialog, folder);
  gtk_file_dialog_set_initial_name (dialog, initial_name);
  gtk_file_dialog_set_accept_label (dialog, _("_Export"));
  gtk_file_dialog_save (dialog, parent, NULL, save_finish_cb, save);
}

gboolean
ust_gtk_compat_save_csv_offers_excel (void)
{
  return FALSE;
}

#else

/* GTK 4.8: GtkFileChooserNative, the portal's or the platform's own dialog
 * (the Windows one on Windows), which can carry the Excel choice. */

#define EXCEL_CHOICE "excel"

static void
native_response_cb (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  g_autofree SaveCsv *save = user_data;
  g_autoptr (GFile) file = NULL;
  gboolean excel = save->excel;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), EXCEL_CHOICE);

      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      if (choice != NULL)
        excel = g_strcmp0 (choice, "true") == 0;
    }
  gtk_native_dialog_destroy (native);
  save->func (file, excel, save->user_data);
  /* The reference taken when the dialog was shown. */
  g_object_unref (native);
}

void
ust_gtk_compat_save_csv (GtkWindow      *parent,
                         const char     *initial_name,
                         gboolean        excel,
                         UstSaveCsvFunc  func,
                         gpointer        user_data)
{
  GtkFileChooserNative *native;
  GtkFileChooser *chooser;
  g_autoptr (GtkFileFilter) filter = csv_filter_new ();
  g_autoptr (GFile) folder = default_folder ();
  SaveCsv *save = g_new0 (SaveCsv, 1);

  save->func = func;
  save->user_data = user_data;
  save->excel = excel;

  native = gtk_file_chooser_native_new (_("Export the Call Diary"), parent,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (native);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_add_filter (chooser, filter);
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
  gtk_file_chooser_set_current_name (chooser, initial_name);
  /* Excel opens a plain CSV with the wrong separator and encoding in many
   * locales; the Excel flavour uses ';' and a byte-order mark. */
  gtk_file_chooser_add_choice (chooser, EXCEL_CHOICE, _("Format for Microsoft Excel"), NULL, NULL);
  gtk_file_chooser_set_choice (chooser, EXCEL_CHOICE, excel ? "true" : "false");

  g_signal_connect (native, "response", G_CALLBACK (native_response_cb), save);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

gboolean
ust_gtk_compat_save_csv_offers_excel (void)
{
  return TRUE;
}

#endif

/* Saving any file ------------------------------------------------------------------ */

typedef struct {
  UstSaveFileFunc func;
  gpointer        user_data;
} SaveFile;

#if GTK_CHECK_VERSION (4, 10, 0)

static void
save_file_finish_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autofree SaveFile *save = user_data;
  g_autoptr (GFile) file = file_dialog_save_finish (source, result);

  save->func (file, save->user_data);
}

void
ust_gtk_compat_save_file (GtkWindow       *parent,
                          const char      *title,
                          const char      *initial_name,
                          UstSaveFileFunc  func,
                          gpointer         user_data)
{
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr (GFile) folder = default_folder ();
  SaveFile *save = g_new0 (SaveFile, 1);

  save->func = func;
  save->user_data = user_data;
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_initial_folder (dialog, folder);
  gtk_file_dialog_set_initial_name (dialog, initial_name);
  gtk_file_dialog_set_accept_label (dialog, _("_Export"));
  gtk_file_dialog_save (dialog, parent, NULL, save_file_finish_cb, save);
}

#else

static void
save_file_response_cb (GtkNativeDialog *native,
                       int              response,
                       gpointer         user_data)
{
  g_autofree SaveFile *save = user_data;
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  gtk_native_dialog_destroy (native);
  save->func (file, save->user_data);
  g_object_unref (native);
}

void
ust_gtk_compat_save_file (GtkWindow       *parent,
                          const char      *title,
                          const char      *initial_name,
                          UstSaveFileFunc  func,
                          gpointer         user_data)
{
  GtkFileChooserNative *native;
  g_autoptr (GFile) folder = default_folder ();
  SaveFile *save = g_new0 (SaveFile, 1);

  save->func = func;
  save->user_data = user_data;
  native = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), initial_name);
  g_signal_connect (native, "response", G_CALLBACK (save_file_response_cb), save);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

#endif

/* Opening a capture, choosing a folder --------------------------------------------- */

static GtkFileFilter *
capture_filter_new (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  /* What Wireshark, tshark, dumpcap and tcpdump save. */
  gtk_file_filter_set_name (filter, _("Captures (pcap, pcapng)"));
  gtk_file_filter_add_pattern (filter, "*.pcap");
  gtk_file_filter_add_pattern (filter, "*.pcapng");
  gtk_file_filter_add_pattern (filter, "*.cap");
  gtk_file_filter_add_mime_type (filter, "application/vnd.tcpdump.pcap");
  gtk_file_filter_add_mime_type (filter, "application/x-pcapng");
  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)

static void
open_finish_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autofree SaveFile *open = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, &error);

  if (file == NULL && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED)
      && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    g_warning ("The file dialog failed: %s", error->message);
  open->func (file, open->user_data);
}

void
ust_gtk_compat_open_capture (GtkWindow       *parent,
                             UstSaveFileFunc  func,
                             gpointer         user_data)
{
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr (GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr (GtkFileFilter) filter = capture_filter_new ();
  SaveFile *open = g_new0 (SaveFile, 1);

  open->func = func;
  open->user_data = user_data;
  g_list_store_append (filters, filter);
  gtk_file_dialog_set_title (dialog, _("Open a Capture"));
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  gtk_file_dialog_set_default_filter (dialog, filter);
  gtk_file_dialog_open (dialog, parent, NULL, open_finish_cb, open);
}

static void
folder_finish_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autofree SaveFile *choose = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source),
                                                                 result, &error);

  if (file == NULL && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED)
      && !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    g_warning ("The folder dialog failed: %s", error->message);
  choose->func (file, choose->user_data);
}

void
ust_gtk_compat_choose_folder (GtkWindow       *parent,
                              const char      *title,
                              UstSaveFileFunc  func,
                              gpointer         user_data)
{
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr (GFile) folder = default_folder ();
  SaveFile *choose = g_new0 (SaveFile, 1);

  choose->func = func;
  choose->user_data = user_data;
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_set_initial_folder (dialog, folder);
  gtk_file_dialog_set_accept_label (dialog, _("_Export"));
  gtk_file_dialog_select_folder (dialog, parent, NULL, folder_finish_cb, choose);
}

#else

/* The same response handling as saving: the chosen file or NULL. */
static void
chooser_show (GtkFileChooserNative *native,
              UstSaveFileFunc       func,
              gpointer              user_data)
{
  SaveFile *save = g_new0 (SaveFile, 1);

  save->func = func;
  save->user_data = user_data;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (save_file_response_cb), save);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

void
ust_gtk_compat_open_capture (GtkWindow       *parent,
                             UstSaveFileFunc  func,
                             gpointer         user_data)
{
  g_autoptr (GtkFileFilter) filter = capture_filter_new ();
  GtkFileChooserNative *native = gtk_file_chooser_native_new (_("Open a Capture"), parent,
                                                              GTK_FILE_CHOOSER_ACTION_OPEN,
                                                              _("_Open"), _("_Cancel"));

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  chooser_show (native, func, user_data);
}

void
ust_gtk_compat_choose_folder (GtkWindow       *parent,
                              const char      *title,
                              UstSaveFileFunc  func,
                              gpointer         user_data)
{
  g_autoptr (GFile) folder = default_folder ();
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, parent,
                                                              GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                              _("_Export"), _("_Cancel"));

  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
  chooser_show (native, func, user_data);
}

#endif
