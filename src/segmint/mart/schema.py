"""The customer data mart: every table, its columns, types, keys and meaning.

The schema is data, not DDL strings scattered through the code: ingestion validates
against it, ``segmint init`` creates it, and ``docs/data-model.md`` is checked against
it by a test, so the three never drift apart.

Only ``orders`` with ``order_lines`` (or a flat transactions file that becomes them)
is needed to start; every other table enriches segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.schema as sch

ORDER_STATUSES = ("completed", "returned", "cancelled")
EVENT_TYPES = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "ad_impression",
    "ad_click",
    "email_send",
    "email_open",
    "email_click",
)
CAMPAIGN_GROUPS = ("target", "control")
TOKEN_ROLES = ("viewer", "analyst", "admin")
SUPPRESSION_KINDS = ("customer_id", "email", "order_id")
REQUEST_KINDS = ("access", "erasure")
REQUEST_LAWS = ("gdpr", "ccpa")
REQUEST_STATUSES = ("open", "done")
RETENTION_RULES = ("events", "pii_inactive", "history")


@dataclass(frozen=True)
class Column:
    """One column of a mart table.

    Attributes:
        name: column name, the same string in files, frames, API and CLI.
        type: Ibis type string (``"string"``, ``"float64"``, ``"timestamp"``…).
        required: a file loaded into the table must provide it.
        description: what the column holds, with its unit.
        non_negative: numeric values below zero are rejected.
        choices: the only values allowed, when the column is a closed vocabulary.
        not_future: a timestamp or date later than any clock reads at the moment of loading
            (UTC+14) is rejected.
    """

    name: str
    type: str
    description: str
    required: bool = False
    non_negative: bool = False
    choices: tuple[str, ...] = ()
    not_future: bool = False


@dataclass(frozen=True)
class Table:
    """One mart table: its columns, natural key and the tables its rows refer to."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)
    loadable: bool = True

    @property
    def column_names(self) -> list[str]:
        """Column names in table order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Columns a loaded file must contain."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def ibis_schema(self) -> sch.Schema:
        """The table's Ibis schema, ``ingest_id`` included for loaded tables."""
        pairs = [(c.name, dt.dtype(c.type)) for c in self.columns]
        if self.loadable:
            pairs.append(("ingest_id", dt.int64))
        return ibis.schema(pairs)


CUSTOMERS = Table(
    "customers",
    "One row per customer: who they are and where they came from. Created automatically "
    "for every customer id seen in a transactions file.",
    (
        Column(
            "customer_id",
            "string",
            "Customer identifier, kept exactly as given (leading zeros kept).",
            required=True,
        ),
        Column(
            "signup_date",
            "date",
            "Date the customer registered or first became known.",
            not_future=True,
        ),
        Column("birth_year", "int32", "Year of birth, for age bands."),
        Column("gender", "string", "Gender as recorded by the business."),
        Column("country", "string", "Country name or ISO code."),
        Column("region", "string", "Region, state or province."),
        Column("city", "string", "City."),
        Column("postcode", "string", "Postal code (coarse location; not treated as PII)."),
        Column(
            "acquisition_channel",
            "string",
            "Channel that brought the customer (search, social, referral…).",
        ),
    ),
    key=("customer_id",),
)

CUSTOMER_ATTRIBUTES = Table(
    "customer_attributes",
    "Any other dimension of a customer in long form: survey answers, interests, lifestyle, "
    "CRM stage, social followers. Each name becomes a feature column.",
    (
        Column("customer_id", "string", "Customer the attribute describes.", required=True),
        Column("name", "string", "Attribute name, e.g. `interest`, `crm_stage`.", required=True),
        Column(
            "value",
            "string",
            "Attribute value as text; numeric values are converted when used.",
            required=True,
        ),
        Column("source", "string", "Where the value came from (survey, crm, social…)."),
        Column(
            "updated_at",
            "timestamp",
            "When the value was recorded; features use the latest value up to `as_of`.",
        ),
    ),
    key=("customer_id", "name"),
    references={"customer_id": "customers"},
)

CUSTOMER_PII = Table(
    "customer_pii",
    "Personal data, kept apart from everything else: shown only to roles allowed to see it, "
    "never copied into features, models, exports for analysts or logs, and erasable.",
    (
        Column("customer_id", "string", "Customer the personal data belongs to.", required=True),
        Column("email", "string", "E-mail address."),
        Column("phone", "string", "Phone number."),
        Column("first_name", "string", "Given name."),
        Column("last_name", "string", "Family name."),
        Column("address", "string", "Street address."),
    ),
    key=("customer_id",),
    references={"customer_id": "customers"},
)

CONSENTS = Table(
    "consents",
    "Marketing consent per customer and channel, with where and when it was given or withdrawn; "
    "every change is a row, and the latest row of a channel decides.",
    (
        Column("customer_id", "string", "Customer.", required=True),
        Column("channel", "string", "Contact channel: email, sms, push, ads, post.", required=True),
        Column(
            "granted",
            "boolean",
            "True when the customer agreed to be contacted on this channel.",
            required=True,
        ),
        Column("source", "string", "Where consent was captured (checkout, preference centre…)."),
        Column(
            "updated_at",
            "timestamp",
            "When consent was given or withdrawn (the latest row of a channel decides).",
            required=True,
        ),
    ),
    key=("customer_id", "channel", "updated_at", "granted"),
    references={"customer_id": "customers"},
)

PRODUCTS = Table(
    "products",
    "The catalogue: what can be bought, its category and its economics.",
    (
        Column("product_id", "string", "Product identifier (SKU, stock code).", required=True),
        Column("name", "string", "Product name."),
        Column("category", "string", "Product category."),
        Column("brand", "string", "Brand."),
        Column(
            "list_price",
            "float64",
            "Regular selling price per unit, in the shop's currency.",
            non_negative=True,
        ),
        Column(
            "unit_cost",
            "float64",
            "Cost of one unit to the business, for margins.",
            non_negative=True,
        ),
    ),
    key=("product_id",),
)

ORDERS = Table(
    "orders",
    "One row per order (a basket, an invoice, or a customer-day when the source has no order id).",
    (
        Column("order_id", "string", "Order identifier.", required=True),
        Column("customer_id", "string", "Customer who placed the order.", required=True),
        Column(
            "order_ts", "timestamp", "When the order was placed.", required=True, not_future=True
        ),
        Column("channel", "string", "Sales channel (web, app, store, phone…)."),
        Column("status", "string", "completed, returned or cancelled.", choices=ORDER_STATUSES),
    ),
    key=("order_id",),
    references={"customer_id": "customers"},
)

ORDER_LINES = Table(
    "order_lines",
    "The lines of each order. Net line value is `quantity * unit_price - discount`; "
    "a negative quantity is a return.",
    (
        Column("order_id", "string", "Order the line belongs to.", required=True),
        Column("line_no", "int32", "Position of the line in its order, from 1.", required=True),
        Column("product_id", "string", "Product bought; null when the source names none."),
        Column("quantity", "float64", "Units; negative for a returned line.", required=True),
        Column(
            "unit_price",
            "float64",
            "Price paid per unit before discount.",
            required=True,
            non_negative=True,
        ),
        Column(
            "discount", "float64", "Total discount on the line (not per unit).", non_negative=True
        ),
        Column(
            "unit_cost",
            "float64",
            "Cost per unit at the time of sale; falls back to the product's.",
            non_negative=True,
        ),
    ),
    key=("order_id", "line_no"),
    references={"order_id": "orders", "product_id": "products"},
)

EVENTS = Table(
    "events",
    "Web, app, e-mail and advertising behaviour: one row per event.",
    (
        Column(
            "event_id",
            "string",
            "Event identifier; derived from the row's content when the file has none.",
            required=True,
        ),
        Column("customer_id", "string", "Customer the event belongs to.", required=True),
        Column("session_id", "string", "Visit the event belongs to."),
        Column("event_ts", "timestamp", "When the event happened.", required=True, not_future=True),
        Column(
            "event_type",
            "string",
            "What happened: " + ", ".join(EVENT_TYPES) + ".",
            required=True,
            choices=EVENT_TYPES,
        ),
        Column("object_id", "string", "What it happened to: product id, search term, campaign id…"),
        Column("properties", "string", "Any further detail as a JSON object."),
    ),
    key=("event_id",),
    references={"customer_id": "customers"},
)

CAMPAIGNS = Table(
    "campaigns",
    "Marketing campaigns whose audiences and outcomes are tracked.",
    (
        Column("campaign_id", "string", "Campaign identifier.", required=True),
        Column("name", "string", "Campaign name."),
        Column("channel", "string", "Channel used: email, sms, ads, post…"),
        Column("start_date", "date", "First day of the campaign."),
        Column("end_date", "date", "Last day of the campaign."),
        Column("description", "string", "What was offered, to whom and why."),
        Column(
            "holdout_share",
            "float64",
            "Planned share of members held out as control (0-1); the sample-ratio check "
            "compares the groups with it.",
            non_negative=True,
        ),
        Column(
            "cost_per_contact",
            "float64",
            "Cost of contacting one target member, in the shop's currency, for ROI; empty "
            "when unknown (results then note that contacts counted as free).",
            non_negative=True,
        ),
    ),
    key=("campaign_id",),
)

CAMPAIGN_MEMBERS = Table(
    "campaign_members",
    "Who was targeted by a campaign and who was held out as a control.",
    (
        Column("campaign_id", "string", "Campaign.", required=True),
        Column("customer_id", "string", "Customer.", required=True),
        Column("group", "string", "target or control.", required=True, choices=CAMPAIGN_GROUPS),
        Column("assigned_at", "timestamp", "When the customer was assigned to the group."),
    ),
    key=("campaign_id", "customer_id"),
    references={"campaign_id": "campaigns", "customer_id": "customers"},
)

INGESTS = Table(
    "ingests",
    "Every load: what was read, from where, and how every row was accounted for "
    "(`rows_read = rows_loaded + rows_duplicate + rows_quarantined`).",
    (
        Column("ingest_id", "int64", "Load identifier, increasing."),
        Column("table_name", "string", "Target table (or `transactions`)."),
        Column("source", "string", "Path of the file loaded."),
        Column(
            "checksum", "string", "SHA-256 of the file's bytes; the same file is recognised again."
        ),
        Column("started_at", "timestamp", "When the load started (UTC)."),
        Column("finished_at", "timestamp", "When the load committed (UTC)."),
        Column("rows_read", "int64", "Data rows in the file."),
        Column("rows_loaded", "int64", "Rows added to the mart."),
        Column(
            "rows_duplicate",
            "int64",
            "Rows whose key was already present (in the mart or earlier in the file).",
        ),
        Column("rows_quarantined", "int64", "Rows rejected into `quarantine`."),
        Column(
            "read_with",
            "string",
            "SHA-256 of the load's options that decide how rows are read (mapping, date "
            "formats, decimal separator…) and of the segmint version.",
        ),
        Column(
            "depends_on",
            "string",
            "What the outcome of the rows it rejected depends on in the mart: empty when "
            "nothing (the file alone), else the rows and newest load of each table consulted; "
            "NULL when unknown (a date in the future, an older segmint).",
        ),
    ),
    key=("ingest_id",),
    loadable=False,
)

QUARANTINE = Table(
    "quarantine",
    "Every rejected row, with the reason and its raw content, so nothing is silently lost.",
    (
        Column("ingest_id", "int64", "Load that rejected the row."),
        Column("source", "string", "File the row came from."),
        Column("row_number", "int64", "Data row number in the file, from 1 (header not counted)."),
        Column("reason", "string", "Why the row was rejected, naming the column and the value."),
        Column(
            "raw",
            "string",
            "The row as read, as a JSON object (or the raw line when it could not be parsed).",
        ),
    ),
    key=(),
    loadable=False,
)

QUARANTINE_RESOLVED = Table(
    "quarantine_resolved",
    "Rows a load let in (loaded, or found already in the mart) while an earlier load of "
    "the same file into the same table had them in `quarantine`: that entry is resolved, "
    "no longer current.",
    (
        Column("ingest_id", "int64", "Load that let the row in."),
        Column("row_number", "int64", "Data row number in the file, from 1 (header not counted)."),
    ),
    key=("ingest_id", "row_number"),
    loadable=False,
)

SEGMENTATIONS = Table(
    "segmentations",
    "Every segmentation definition: its name, kind and versioned definition. A changed "
    "definition gets a new version; results of every version are kept.",
    (
        Column("segmentation", "string", "Name, e.g. `rfm`, `lifecycle`, `regions`."),
        Column(
            "version", "int32", "Definition version, from 1; increases when the definition changes."
        ),
        Column("kind", "string", "rfm, lifecycle, rules, value, cluster…"),
        Column(
            "definition", "string", "The definition as JSON (parameters, rules, segment order)."
        ),
        Column("created_at", "timestamp", "When this version was first stored (UTC)."),
        Column(
            "updated_at",
            "timestamp",
            "When results of this version were last stored (UTC); reads default to this version.",
        ),
    ),
    key=("segmentation", "version"),
    loadable=False,
)

ASSIGNMENTS = Table(
    "assignments",
    "One segment per customer per segmentation version per `as_of` date (or `unassigned`).",
    (
        Column("segmentation", "string", "Segmentation name."),
        Column("version", "int32", "Definition version."),
        Column("as_of", "date", "Date the segments were computed as of (end of that day)."),
        Column("customer_id", "string", "Customer."),
        Column("segment", "string", "The customer's segment."),
    ),
    key=("segmentation", "version", "as_of", "customer_id"),
    loadable=False,
)

SCORES = Table(
    "scores",
    "Per-customer model outputs as of a date: predicted CLV, P(alive), expected purchases, "
    "churn risk, purchase intent. One row per customer, date, model and score.",
    (
        Column("customer_id", "string", "Customer."),
        Column("as_of", "date", "Date the score was computed as of (end of that day)."),
        Column("model", "string", "Model that produced it, e.g. `bgnbd+gammagamma`, `churn_gbm`."),
        Column(
            "score_name",
            "string",
            "clv, p_alive, expected_purchases, expected_spend, churn_risk, purchase_intent…",
        ),
        Column(
            "value", "float64", "The score: money in the shop's currency, or a probability 0-1."
        ),
    ),
    key=("customer_id", "as_of", "model", "score_name"),
    loadable=False,
)

MODEL_RUNS = Table(
    "model_runs",
    "Every fitted model: what it was fitted on, its parameters and how well it did.",
    (
        Column("run_id", "int64", "Run identifier, increasing."),
        Column("model", "string", "Model name, e.g. `bgnbd`, `gammagamma`, `churn_gbm`."),
        Column("kind", "string", "clv, spend, churn, intent…"),
        Column("as_of", "date", "End of the data the model was fitted on."),
        Column("params", "string", "Fitted parameters and settings as JSON."),
        Column("metrics", "string", "Fit and holdout metrics as JSON (log-likelihood, MAE, AUC…)."),
        Column(
            "model_blob",
            "binary",
            "The fitted model, pickled, to score new dates without refitting.",
        ),
        Column("created_at", "timestamp", "When the model was fitted (UTC)."),
    ),
    key=("run_id",),
    loadable=False,
)

API_TOKENS = Table(
    "api_tokens",
    "Access tokens of the API and the pages: only a SHA-256 hash of each token is kept, with "
    "its role and when it expires or was revoked (`segmint token create`, `list`, `revoke`).",
    (
        Column(
            "token_hash",
            "string",
            "SHA-256 hex digest of the token; the token itself is never stored.",
        ),
        Column("role", "string", "viewer, analyst or admin: what it may see.", choices=TOKEN_ROLES),
        Column("label", "string", "A note saying who the token is for."),
        Column("created_at", "timestamp", "When the token was made (UTC)."),
        Column("expires_at", "timestamp", "When the token stops working (UTC); empty: never."),
        Column("revoked_at", "timestamp", "When the token was revoked (UTC); empty: not revoked."),
    ),
    key=("token_hash",),
    loadable=False,
)


# --- Privacy (segmint.mart.privacy): erasure, suppression, audit, retention, requests ---

SUPPRESSION = Table(
    "suppression",
    "Forgotten people, kept only as keyed hashes so that no later load brings them back: "
    "HMAC-SHA256 of the customer id, of the normalised e-mail and of each order id, with a "
    "key held outside the mart (`SEGMINT_PRIVACY_KEY`).",
    (
        Column(
            "kind",
            "string",
            "What was hashed: customer_id, email or order_id.",
            choices=SUPPRESSION_KINDS,
        ),
        Column("digest", "string", "HMAC-SHA256 hex digest of the value; the value is not kept."),
        Column(
            "key_id",
            "string",
            "Short id of the key that made the digest, to notice a changed `SEGMINT_PRIVACY_KEY`.",
        ),
        Column("added_at", "timestamp", "When the person was forgotten (UTC)."),
    ),
    key=("kind", "digest"),
    loadable=False,
)

AUDIT_LOG = Table(
    "audit_log",
    "Append-only, hash-chained record of who did what to whose personal data: erasures, "
    "subject access, exports, retention, requests. Each row's hash covers the previous "
    "row's, so a changed, removed or reordered row breaks the chain.",
    (
        Column("seq", "int64", "Position in the log, from 1, without gaps."),
        Column("at", "timestamp", "When it happened (UTC)."),
        Column(
            "actor",
            "string",
            "Who: a token's label or `cli:<user>`, never a token.",
        ),
        Column("action", "string", "What: forget, subject_access, export, retention, request…"),
        Column(
            "subjects",
            "string",
            "Whose data, as a JSON list of keyed pseudonyms (never customer ids).",
        ),
        Column("details", "string", "Counts, reasons and paths as a JSON object."),
        Column("prev_hash", "string", "`row_hash` of the previous row (64 zeros for the first)."),
        Column("row_hash", "string", "SHA-256 of this row's fields and `prev_hash`."),
    ),
    key=("seq",),
    loadable=False,
)

PRIVACY_REQUESTS = Table(
    "privacy_requests",
    "Access and erasure requests of data subjects with their legal due date (GDPR: one "
    "month; CCPA: 45 days).",
    (
        Column("request_id", "int64", "Request identifier, increasing."),
        Column("kind", "string", "access or erasure.", choices=REQUEST_KINDS),
        Column("law", "string", "gdpr or ccpa: which deadline applies.", choices=REQUEST_LAWS),
        Column(
            "customer_id",
            "string",
            "Customer the request is about; emptied when the customer is forgotten.",
        ),
        Column("subject", "string", "The customer's keyed pseudonym, kept after an erasure."),
        Column("received_at", "timestamp", "When the request arrived (UTC)."),
        Column("due_date", "date", "Last day to answer it."),
        Column("status", "string", "open or done.", choices=REQUEST_STATUSES),
        Column("closed_at", "timestamp", "When it was answered (UTC); empty while open."),
        Column("note", "string", "Free text: channel, reference, reason for refusal…"),
    ),
    key=("request_id",),
    loadable=False,
)

RETENTION_POLICY = Table(
    "retention_policy",
    "How long data is kept: events for `events` days, personal data of customers inactive "
    "for `pii_inactive` days, stored assignments, scores and recommendations for `history` "
    "days before their series' latest date.",
    (
        Column("rule", "string", "events, pii_inactive or history.", choices=RETENTION_RULES),
        Column("days", "int32", "Days kept."),
        Column("spec", "string", "The period as given, e.g. `400d`, `3y`."),
        Column("set_at", "timestamp", "When the rule was set (UTC)."),
        Column("set_by", "string", "Who set it: a token's label or `cli:<user>`."),
    ),
    key=("rule",),
    loadable=False,
)

SHOP_SETTINGS = Table(
    "shop_settings",
    "Facts about the shop every tool reading the mart shares: `currency`, the ISO 4217 code "
    "of the amounts in orders, order lines, products and campaigns (`segmint currency`).",
    (
        Column("setting", "string", "The setting: currency."),
        Column("value", "string", "Its value, e.g. `EUR`."),
        Column("set_at", "timestamp", "When it was set (UTC)."),
        Column("set_by", "string", "Who set it: a token's label or `cli:<user>`."),
    ),
    key=("setting",),
    loadable=False,
)

EXPORTS = Table(
    "exports",
    "Files written outside the mart that may hold customer data (audiences, reports, "
    "plots), so that an erasure can list what to purge.",
    (
        Column("export_id", "int64", "Export identifier, increasing."),
        Column("path", "string", "Where the file was written."),
        Column("kind", "string", "audience, campaign, report, plot, scores…"),
        Column("description", "string", "What it holds."),
        Column("n_rows", "int64", "Rows written; empty when unknown."),
        Column(
            "members_known",
            "boolean",
            "True when `export_members` lists every customer in the file.",
        ),
        Column("created_at", "timestamp", "When it was written (UTC)."),
        Column("created_by", "string", "Who wrote it: a token's label or `cli:<user>`."),
    ),
    key=("export_id",),
    loadable=False,
)

EXPORT_MEMBERS = Table(
    "export_members",
    "The customers in each registered export (when known); removed with the customer.",
    (
        Column("export_id", "int64", "Export."),
        Column("customer_id", "string", "Customer whose data is in the file."),
    ),
    key=("export_id", "customer_id"),
    loadable=False,
)

REFIT_FLAGS = Table(
    "refit_flags",
    "Models fitted on data of people forgotten since: refit them (one row per model and erasure).",
    (
        Column("source", "string", "Where the model is kept: model_runs or cluster_models."),
        Column("run_id", "int64", "The run in `model_runs`; empty for a cluster model."),
        Column("model", "string", "Model name (`<segmentation> v<version>` for a cluster model)."),
        Column("as_of", "date", "End of the data the model was fitted on."),
        Column("n_subjects", "int64", "Forgotten people whose data the fit could include."),
        Column("flagged_at", "timestamp", "When the erasure flagged it (UTC)."),
        Column("reason", "string", "The erasure's reason."),
    ),
    key=("source", "run_id", "model", "flagged_at"),
    loadable=False,
)

CLUSTER_MODELS = Table(
    "cluster_models",
    "The fitted cluster models of cluster segmentations (`segmint segment cluster`): the "
    "prepared features, the clusters and their segment names, to assign customers at a new "
    "date without refitting.",
    (
        Column("segmentation", "string", "Segmentation name."),
        Column("version", "int32", "Definition version the model belongs to."),
        Column("model_id", "string", "Fingerprint of the fitted model."),
        Column("fitted_as_of", "date", "Date of the features the model was fitted on."),
        Column("created_at", "timestamp", "When the model was stored (UTC)."),
        Column(
            "description",
            "string",
            "What was learnt, as JSON: features, preparation, centres, segment names.",
        ),
        Column("model", "binary", "The fitted model, pickled."),
    ),
    key=("segmentation", "version"),
    loadable=False,
)

RECOMMENDATIONS = Table(
    "recommendations",
    "Each customer's top products as of a date (`segmint recommend fit`), best first, with "
    "the method that chose each and the reason a marketer can read.",
    (
        Column("customer_id", "string", "Customer."),
        Column("rank", "int32", "Position in the customer's list, 1 = best."),
        Column("product_id", "string", "Recommended product."),
        Column("score", "float64", "The method's score (comparable within one method only)."),
        Column(
            "method",
            "string",
            "popularity, segment_popularity, buy_again, rules, item_knn, als or bpr.",
        ),
        Column(
            "reason",
            "string",
            "Why, in words: because you bought X and Y (lift 4.2); you buy this every ~30 "
            "days, last 34 days ago; popular with Loyal customers.",
        ),
        Column("as_of", "date", "Date of the purchases the list was made from (end of that day)."),
    ),
    key=("customer_id", "as_of", "rank"),
    loadable=False,
)

FEATURES = Table(
    "features",
    "Customer features as of a date (`segmint features`): one row per customer known at "
    "`as_of`, one column per feature of docs/features.md and per customer attribute. "
    "Created by its writer (the columns follow the attributes a mart has), not by `init`.",
    (
        Column("customer_id", "string", "Customer."),
        Column("as_of", "date", "Date the features were computed as of (end of that day)."),
    ),
    key=("customer_id", "as_of"),
    loadable=False,
)

FEATURE_BUILDS = Table(
    "feature_builds",
    "The catalogue of stored feature groups (docs/features.md): one row per group and "
    "`as_of`, with the keys of the data it was built from. Each group's rows are in "
    "`feature_part_<group>` (customer_id, as_of, the group's aggregates), created by its "
    "writer; a group whose keys still match is read instead of rebuilt.",
    (
        Column("feature_group", "string", "Feature group (purchases, cadence, btyd…)."),
        Column("as_of", "date", "Date the group was built as of (end of that day)."),
        Column(
            "source_key",
            "string",
            "JSON: last ingest id, row count and last filling load of every table the group reads "
            "(for the table:features entry, with the built-in feature columns).",
        ),
        Column("method", "string", "full (built from all data) or incremental."),
        Column("built_at", "timestamp", "When it was stored (UTC)."),
    ),
    key=("feature_group", "as_of"),
    loadable=False,
)

SEGMENTATION_BUILDS = Table(
    "segmentation_builds",
    "What each stored segmentation result was computed from: one row per segmentation, "
    "version and `as_of`, with the keys of the stored feature groups it read. The same "
    "command at the same date, with the same definition and unchanged data, reads the "
    "stored result instead of computing and writing it again.",
    (
        Column("segmentation", "string", "Segmentation name."),
        Column("version", "int32", "Definition version."),
        Column("as_of", "date", "Date of the result."),
        Column("source_key", "string", "JSON: the data key of every feature group read."),
        Column("n_rows", "int64", "Customers stored in the result."),
        Column("built_at", "timestamp", "When the result was stored (UTC)."),
    ),
    key=("segmentation", "version", "as_of"),
    loadable=False,
)

SEGMENT_RUNS = Table(
    "segment_runs",
    "Each customer's stretches of consecutive stored dates in one segment, per "
    "segmentation (from the version read as of each date, the most recently stored one "
    "with results then), kept by the store as "
    "assignments are written: what the 360° view shows of a customer's segment history, "
    "read without going through every stored date.",
    (
        Column("segmentation", "string", "Segmentation name."),
        Column("customer_id", "string", "Customer."),
        Column("since", "date", "The run's first stored date."),
        Column("as_of", "date", "The run's last stored date."),
        Column("segment", "string", "The customer's segment throughout the run."),
    ),
    key=("segmentation", "customer_id", "since"),
    loadable=False,
)

DERIVED_RULES = Table(
    "derived_rules",
    "The rule each table the store keeps beside its sources was computed by: a table "
    "computed by an older rule (or with no row here) is computed again with the next "
    "store, and read from its sources until then.",
    (
        Column("derived", "string", "The kept table (`segment_runs`)."),
        Column("rule", "int32", "The rule it follows, from 2 (the segmint release's)."),
        Column("computed_at", "timestamp", "When it was computed by that rule (UTC)."),
    ),
    key=("derived",),
    loadable=False,
)

ORDER_TOTALS = Table(
    "order_totals",
    "Each order's total over its lines, kept by the loads beside `orders` so purchases are "
    "read without summing every line (docs/features.md): one row per order. Read only while "
    "the keys `derived_keys` records for it are the mart's; computed again by the next "
    "load or refresh otherwise.",
    (
        Column("order_id", "string", "Order."),
        Column("customer_id", "string", "Customer who placed the order."),
        Column("order_ts", "timestamp", "When the order was placed."),
        Column("channel", "string", "Sales channel, as in `orders`."),
        Column("status", "string", "Status, as in `orders`."),
        Column(
            "net",
            "float64",
            "Sum of `quantity * unit_price - discount` over the order's lines; null without lines.",
        ),
        Column("lines", "int64", "Number of lines; null without lines."),
    ),
    key=("order_id",),
    loadable=False,
)

DERIVED_KEYS = Table(
    "derived_keys",
    "What each table kept in step with its sources (`order_totals`) was computed from: it is "
    "read only while these keys are the mart's keys now.",
    (
        Column("derived", "string", "The kept table."),
        Column(
            "source_key",
            "string",
            "JSON: last ingest id, row count and last filling load of every source table, and "
            "the suppression list's size.",
        ),
        Column("method", "string", "full (computed from all rows) or incremental (appended)."),
        Column("computed_at", "timestamp", "When it was brought up to date (UTC)."),
    ),
    key=("derived",),
    loadable=False,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CUSTOMERS,
        CUSTOMER_ATTRIBUTES,
        CUSTOMER_PII,
        CONSENTS,
        PRODUCTS,
        ORDERS,
        ORDER_LINES,
        EVENTS,
        CAMPAIGNS,
        CAMPAIGN_MEMBERS,
        INGESTS,
        QUARANTINE,
        QUARANTINE_RESOLVED,
        SEGMENTATIONS,
        ASSIGNMENTS,
        SCORES,
        MODEL_RUNS,
        API_TOKENS,
        SUPPRESSION,
        AUDIT_LOG,
        PRIVACY_REQUESTS,
        RETENTION_POLICY,
        SHOP_SETTINGS,
        EXPORTS,
        EXPORT_MEMBERS,
        REFIT_FLAGS,
        CLUSTER_MODELS,
        RECOMMENDATIONS,
    )
}
"""Every table ``segmint init`` creates, by name."""

WRITER_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        FEATURES,
        FEATURE_BUILDS,
        SEGMENTATION_BUILDS,
        SEGMENT_RUNS,
        DERIVED_RULES,
        ORDER_TOTALS,
        DERIVED_KEYS,
    )
}
"""Tables declared here but created by their writer (their columns are open), by name."""

DECLARED_TABLES: dict[str, Table] = {**TABLES, **WRITER_TABLES}
"""Every table a mart may hold, by name: what ``docs/data-model.md`` documents."""
