/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "ust-finding"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "ust-finding.h"

/* One row per rule: a stable id for scripts (--json), a title, the section
 * of the RFC that makes the rule, and the consequence for a phone. */
static const struct {
  const char *id;
  const char *title;
  const char *section;
  const char *consequence;
} rules[UST_N_RULES] = {
  [UST_RULE_ROUTED_BY_TO] = {
    "routed-by-to", N_("Routed by To instead of the Request-URI"), "RFC 3261 §16.5",
    N_("The call rings whoever is named in To, a label the caller's phone chose, not the user "
       "the Request-URI asks for.") },
  [UST_RULE_NO_RECORD_ROUTE] = {
    "no-record-route", N_("Record-Route missing on a dialog-creating request"),
    "RFC 3261 §16.6 step 4",
    N_("The ACK, BYE and re-INVITEs go straight between the phones, so the proxy never sees the "
       "call end and cannot reach a phone behind NAT.") },
  [UST_RULE_RECORD_ROUTE_NO_LR] = {
    "record-route-no-lr", N_("Record-Route without ;lr"), "RFC 3261 §16.6 step 4, §19.1.1",
    N_("The phones treat the proxy as a strict router (RFC 2543) and put its address in the "
       "Request-URI of in-dialog requests, which then never reach the other phone.") },
  [UST_RULE_RECORD_ROUTE_WRONG_PORT] = {
    "record-route-wrong-port", N_("Record-Route without the port the proxy listens on"),
    "RFC 3261 §16.6 step 4, §19.1.2",
    N_("In-dialog requests go to another port (5060 when none is written), where nobody "
       "answers: the BYE is lost and the call stays up.") },
  [UST_RULE_BYPASS] = {
    "bypass", N_("In-dialog request bypasses the proxy although it record-routed"),
    "RFC 3261 §12.2.1.1, §16.12",
    N_("The proxy never sees this request, so it cannot log the end of the call or relay it to "
       "a phone it alone can reach.") },
  [UST_RULE_ANSWERED_FOR_PHONE] = {
    "answered-for-phone", N_("The proxy answered a request itself instead of relaying it"),
    "RFC 3261 §16.4, §16.6",
    N_("The other phone never gets the request: a transfer never completes, a hang-up is never "
       "seen and the call stays up on the other side.") },
  [UST_RULE_VIA_NOT_ADDED] = {
    "via-not-added", N_("Via not added to a forwarded request"), "RFC 3261 §16.6 step 8",
    N_("The response skips the proxy and goes straight back to the caller, so the proxy "
       "cannot match it to its transaction or see how the call went.") },
  [UST_RULE_VIA_NOT_REMOVED] = {
    "via-not-removed", N_("The proxy's Via not removed from a relayed response"),
    "RFC 3261 §16.7 step 3",
    N_("The phone finds a top Via that is not its own and discards the response (§8.1.3.3): "
       "the call never connects.") },
  [UST_RULE_RECEIVED_MISSING] = {
    "received-missing", N_("received not added although the request came from another address"),
    "RFC 3261 §18.2.1",
    N_("Responses are sent to the address the phone wrote into its Via, which behind NAT no "
       "one can reach.") },
  [UST_RULE_RPORT_NOT_FILLED] = {
    "rport-not-filled", N_("rport asked for but not filled in"), "RFC 3581 §4",
    N_("The response goes to the port written in the Via rather than the one the request came "
       "from: behind NAT the phone never gets it.") },
  [UST_RULE_RESPONSE_NOT_TO_SOURCE] = {
    "response-not-to-source", N_("Response not sent where the request came from"),
    "RFC 3581 §4, RFC 3261 §18.2.2",
    N_("The phone asked for the response at the address and port it sent from (rport); sent "
       "elsewhere, it is lost behind NAT and the phone retransmits, then gives up.") },
  [UST_RULE_RELAYED_100] = {
    "relayed-100", N_("100 Trying relayed upstream"), "RFC 3261 §16.7 step 5",
    N_("A stateful proxy answers 100 itself at once (§16.2) and never relays one; a relayed "
       "100 shows the proxy does not keep transaction state, so the caller retransmits.") },
  [UST_RULE_CANCEL_NOT_RELAYED] = {
    "cancel-not-relayed", N_("CANCEL not relayed"), "RFC 3261 §16.10",
    N_("The called phone keeps ringing after the caller hung up.") },
  [UST_RULE_CANCEL_WRONG_BRANCH] = {
    "cancel-wrong-branch", N_("CANCEL relayed with another branch than its INVITE"),
    "RFC 3261 §9.1, §16.10",
    N_("The called phone cannot match the CANCEL to the INVITE, answers 481 and keeps "
       "ringing.") },
  [UST_RULE_ACK_NOT_ABSORBED] = {
    "ack-not-absorbed", N_("ACK for an error response forwarded instead of absorbed"),
    "RFC 3261 §16.7 step 10, §17.1.1.3",
    N_("The ACK for a non-2xx answer belongs to one hop: the proxy must ACK downstream itself, "
       "or the called phone retransmits its answer for 32 s.") },
  [UST_RULE_MAX_FORWARDS] = {
    "max-forwards", N_("Max-Forwards not decremented"), "RFC 3261 §16.6 step 3",
    N_("A request caught in a routing loop circles for ever instead of ending with 483 Too Many "
       "Hops.") },
  [UST_RULE_BODY_CHANGED] = {
    "body-changed", N_("Forwarded message with a changed body"), "RFC 3261 §16.6 step 1",
    N_("The phones negotiate media from an SDP the other never wrote: audio may go to a wrong "
       "address or codec.") },
  [UST_RULE_TAG_CHANGED] = {
    "tag-changed", N_("Forwarded message with a changed From or To tag"),
    "RFC 3261 §16.6 step 1, §12",
    N_("The tags identify the dialog: the phones no longer agree on it, and in-dialog requests "
       "get 481 Call/Transaction Does Not Exist.") },
  [UST_RULE_CALL_ID_CHANGED] = {
    "call-id-changed", N_("Forwarded message with a changed Call-ID"), "RFC 3261 §16.6 step 1, §12",
    N_("The Call-ID identifies the call: the phones see two different calls and reject each "
       "other's requests with 481.") },
  [UST_RULE_CONTENT_LENGTH] = {
    "content-length", N_("Content-Length does not match the body"), "RFC 3261 §18.3, §20.14",
    N_("The receiver cuts the body short or discards the message; on TCP it loses the framing "
       "of every message after it.") },
  [UST_RULE_STALE_CONTACT] = {
    "stale-contact", N_("Phone reached at its Contact, not where its REGISTER came from"),
    "RFC 5626 §5.3, RFC 3581 §4",
    N_("Behind NAT, or after the phone moved to another port, the request goes to an address "
       "nobody listens on and the phone never rings.") },
  [UST_RULE_REGISTER_NO_CONTACT] = {
    "register-no-contact", N_("REGISTER answered without the bindings in Contact"),
    "RFC 3261 §10.3 step 8",
    N_("The phone cannot see that it is registered, or for how long; some phones report the "
       "registration as failed.") },
  [UST_RULE_REGISTER_NO_EXPIRES] = {
    "register-no-expires", N_("REGISTER answered without an expiry"),
    "RFC 3261 §10.3 step 8, §10.2.4",
    N_("The phone does not know when to refresh its registration and may let it lapse.") },
  [UST_RULE_RETRANSMISSION_AS_NEW] = {
    "retransmission-as-new", N_("Retransmission treated as a new request"),
    "RFC 3261 §17.2.3, §16.7 step 5",
    N_("A retransmission belongs to the transaction already running: passed on as new, the "
       "phone rings twice or sees two answers, and the diary logs one call twice.") },
  [UST_RULE_REASON_TYPO] = {
    "reason-typo", N_("Reason phrase with a typo of the standard one"), "RFC 3261 §7.2, §21",
    N_("Phones act on the code alone, but a person reading the log, or a script looking for "
       "“200 OK”, is misled.") },
  [UST_RULE_NO_AUDIO] = {
    "no-audio", N_("No audio in an answered call"), "RFC 3264 §5, RFC 3550",
    N_("Both people hear silence.") },
  [UST_RULE_ONE_WAY_AUDIO] = {
    "one-way-audio", N_("One-way audio"), "RFC 3264 §5, RFC 3550",
    N_("One person hears the other, who hears nothing back.") },
  [UST_RULE_CODEC_MISMATCH] = {
    "codec-mismatch", N_("No codec in common between offer and answer"), "RFC 3264 §6.1",
    N_("The answer must pick from the offered codecs; a phone receiving a codec it did not "
       "offer plays noise or nothing.") },
};

const char *
ust_rule_get_id (UstRule rule)
{
  g_return_val_if_fail (rule < UST_N_RULES, NULL);
  return rules[rule].id;
}

const char *
ust_rule_get_title (UstRule rule)
{
  g_return_val_if_fail (rule < UST_N_RULES, NULL);
  return g_dgettext (GETTEXT_PACKAGE, rules[rule].title);
}

const char *
ust_rule_get_section (UstRule rule)
{
  g_return_val_if_fail (rule < UST_N_RULES, NULL);
  return rules[rule].section;
}

const char *
ust_rule_get_consequence (UstRule rule)
{
  g_return_val_if_fail (rule < UST_N_RULES, NULL);
  return g_dgettext (GETTEXT_PACKAGE, rules[rule].consequence);
}

G_DEFINE_BOXED_TYPE (UstFinding, ust_finding, ust_finding_copy, ust_finding_free)

/* Takes @detail. */
UstFinding *
ust_finding_new (UstRule        rule,
                 UstTraceEntry *entry,
                 const char    *call_id,
                 char          *detail)
{
  UstFinding *finding = g_new0 (UstFinding, 1);

  finding->rule = rule;
  finding->entry = entry != NULL ? ust_trace_entry_ref (entry) : NULL;
  finding->call_id = g_strdup (call_id);
  finding->detail = detail;
  return finding;
}

UstFinding *
ust_finding_copy (const UstFinding *finding)
{
  return ust_finding_new (finding->rule, finding->entry, finding->call_id,
                          g_strdup (finding->detail));
}

void
ust_finding_free (UstFinding *finding)
{
  if (finding == NULL)
    return;
  g_clear_pointer (&finding->entry, ust_trace_entry_unref);
  g_free (finding->call_id);
  g_free (finding->detail);
  g_free (finding);
}
