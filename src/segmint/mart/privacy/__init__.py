"""Privacy by design in the mart: erasure, suppression, subject access, pseudonyms, audit,
retention and requests with deadlines (GDPR/CCPA). See ``docs/privacy.md``.

* :func:`forget`: erase people from every table and from the file's bytes;
* :func:`eligible_for_export` (and :func:`prepare_export`, which also pseudonymises): the
  one filter every export applies, the latest consent on the channel at export time and
  the suppression list and, for a contact channel, the do-not-contact table ``suppressions``
  (:func:`do_not_contact`); :func:`without_suppressed`, :func:`is_suppressed` for the list alone
  (loads keep forgotten people out by themselves);
* :func:`subject_access`: everything held about a person, as JSON and CSV files;
* :func:`pseudonymise`, :func:`pseudonymise_column`: keyed pseudonyms for exports
  (:func:`segmint.mart.scratch.scratch_scope` drops the engine's lookup of them once read);
* :func:`record`, :func:`verify`: the hash-chained audit log; servers, which only read the
  mart, journal their entries beside it (:mod:`segmint.mart.privacy.journal`) and
  :func:`collect_journal` moves them into the log;
* :func:`set_retention`, :func:`apply_retention`: the retention policy;
* :func:`record_request`, :func:`list_requests`: requests and their due dates;
* :func:`register_export`: the registry of files written outside the mart.
"""

from segmint.mart.privacy.access import AccessResult, subject_access
from segmint.mart.privacy.audit import (
    AuditEntry,
    AuditVerification,
    cli_actor,
    entries,
    record,
    verify,
)
from segmint.mart.privacy.coverage import erasure_plan
from segmint.mart.privacy.do_not_contact import SUPPRESSIONS_TABLE, do_not_contact
from segmint.mart.privacy.eligibility import (
    ConsentError,
    Eligible,
    PreparedExport,
    consenting,
    eligible_for_export,
    latest_consent,
    prepare_export,
    records_consent,
    refuse_unrecorded_channel,
)
from segmint.mart.privacy.erasure import ForgetResult, forget
from segmint.mart.privacy.exports import ExportRecord, list_exports, register_export
from segmint.mart.privacy.journal import Collected, ExportNote, collect_journal, journal_path
from segmint.mart.privacy.keys import ENV_KEY, PrivacyKey, PrivacyKeyError, privacy_key
from segmint.mart.privacy.pseudonyms import pseudonym, pseudonymise, pseudonymise_column
from segmint.mart.privacy.refits import RefitFlag
from segmint.mart.privacy.requests import (
    PrivacyRequest,
    close_request,
    due_date,
    list_requests,
    record_request,
)
from segmint.mart.privacy.retention import (
    HistoryResult,
    RetentionPolicy,
    RetentionResult,
    apply_retention,
    retention_policy,
    set_retention,
)
from segmint.mart.privacy.rewrite import RewriteResult, rewrite_mart
from segmint.mart.privacy.suppression import (
    ERASED_SUBJECT,
    is_suppressed,
    suppressed_values,
    without_suppressed,
)

__all__ = [
    "ENV_KEY",
    "ERASED_SUBJECT",
    "SUPPRESSIONS_TABLE",
    "AccessResult",
    "AuditEntry",
    "AuditVerification",
    "Collected",
    "ConsentError",
    "Eligible",
    "ExportNote",
    "ExportRecord",
    "ForgetResult",
    "HistoryResult",
    "PreparedExport",
    "PrivacyKey",
    "PrivacyKeyError",
    "PrivacyRequest",
    "RefitFlag",
    "RetentionPolicy",
    "RetentionResult",
    "RewriteResult",
    "apply_retention",
    "cli_actor",
    "close_request",
    "collect_journal",
    "consenting",
    "do_not_contact",
    "due_date",
    "eligible_for_export",
    "entries",
    "erasure_plan",
    "forget",
    "is_suppressed",
    "journal_path",
    "latest_consent",
    "list_exports",
    "list_requests",
    "prepare_export",
    "privacy_key",
    "pseudonym",
    "pseudonymise",
    "pseudonymise_column",
    "record",
    "record_request",
    "records_consent",
    "refuse_unrecorded_channel",
    "register_export",
    "retention_policy",
    "rewrite_mart",
    "set_retention",
    "subject_access",
    "suppressed_values",
    "verify",
    "without_suppressed",
]
