(
    """The sealed vault: every way in or out checks the caller's role, is audited, and releases only controlled """
    """aggregates."""
)

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from observatory.firewall import tokens as token_store
from observatory.firewall.audit import AuditLog, AuditTampered, checkpoint_location
from observatory.firewall.cellkey import KeySource, new_record_keys
from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import (
    BudgetExhausted,
    Conflict,
    FirewallError,
    Forbidden,
    InvalidQuery,
    NotFound,
    Unauthenticated,
)
from observatory.firewall.frames import KeyedRecord, build_frame, slice_frame
from observatory.firewall.ingest import parse_upload
from observatory.firewall.keys import IDENTITY, configured_key_path, derive_key, load_vault_key
from observatory.firewall.metadata import connect, iso, private_dir, utc_now
from observatory.firewall.publish import (
    canonical_rows,
    check_publication_id,
    check_publication_text,
    check_publishable,
    remove_contributed,
    write_contributed,
)
from observatory.firewall.rules import DATASET_ID, DisclosureRules
from observatory.firewall.sealed_store import destroy_records, open_records, remove_partials, seal_records
from observatory.firewall.tables import TOTAL
from observatory.firewall.tokens import ANONYMOUS, ORG_PATTERN, Principal, Role, require
from observatory.settings import Settings

Name = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Value = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SAFE_NAME = re.compile(r"[A-Za-z_]{1,40}")
GRANT_KINDS = ("owner", "contributor")
LOCAL_OPERATOR = {"token": None, "role": "local-operator", "org": None}


class QuerySpec(BaseModel):
    """An aggregate request: breakdown dimensions and equality filters, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    by: tuple[Name, ...] = Field((), max_length=4)
    filters: dict[Name, Value] = Field(default_factory=dict, max_length=4)


def explain(error: ValidationError) -> str:
    """A validation error in words, naming fields (plain names only) and never echoing the input."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(p) if isinstance(p, int) or SAFE_NAME.fullmatch(str(p)) else "(key)" for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def shown(name: str) -> str:
    """A caller-supplied name, echoed only if it is a plain identifier."""
    return repr(name) if SAFE_NAME.fullmatch(name) else "(invalid name)"


def check_dataset_id(dataset_id: str) -> str:
    """A dataset id is a lower-case slug."""
    if not isinstance(dataset_id, str) or not DATASET_ID.fullmatch(dataset_id):
        raise InvalidQuery("dataset id must be 2-64 characters: lower-case letters, digits and dashes")
    return dataset_id


def check_org(org: str) -> str:
    """An organisation is a lower-case slug."""
    if not isinstance(org, str) or not ORG_PATTERN.fullmatch(org):
        raise InvalidQuery("org must be 2-40 characters: lower-case letters, digits and dashes")
    return org


class Vault:
    """Sealed store of case-level contributions; refuses to start without a safely placed key."""

    def __init__(self, settings: Settings, *, key_source: KeySource | None = None):
        self.settings = settings
        self.dir = private_dir(settings.vault_dir)
        self.key = load_vault_key(settings)
        self.audit = AuditLog(self.dir, self.key, checkpoint_location(self.dir, configured_key_path(settings)))
        self._identity_key = derive_key(self.key, IDENTITY)
        self._key_source = key_source  # None: the operating system's CSPRNG (a seeded generator only in tests)
        self.records_dir = self.dir / "records"
        remove_partials(self.records_dir)

    # --- access -----------------------------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Principal:
        """The caller a bearer token speaks for; failures are audited."""
        try:
            return token_store.authenticate(self.dir, token)
        except Unauthenticated as error:
            self.audit.write(
                actor=ANONYMOUS.audit_view(), action="authenticate", outcome="refused", reason=error.detail
            )
            raise

    @contextmanager
    def _audited(self, principal: Principal, action: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Write one audit entry for the block: outcome, what was asked (validated parts only) and what was released."""
        # A refusal is recorded by its title (and row number for uploads), never its message, which may describe input.
        extra: dict[str, Any] = {}
        try:
            yield extra
        except AuditTampered:
            raise
        except FirewallError as error:
            row = getattr(error, "row", None)
            where = {"row": row} if isinstance(row, int) and not isinstance(row, bool) else {}
            self.audit.write(
                actor=principal.audit_view(),
                action=action,
                outcome="refused",
                reason=error.title,
                **where,
                **details,
                **extra,
            )
            raise
        self.audit.write(actor=principal.audit_view(), action=action, outcome="ok", **details, **extra)

    def verify_audit(self) -> int:
        """Check the audit chain and its checkpoint, and that a vault holding tokens has a log at all."""
        count = self.audit.verify()
        if count == 0 and token_store.has_tokens(self.dir):
            raise AuditTampered(
                "the audit log is empty although the vault holds tokens: the log and checkpoint were removed"
            )
        return count

    # --- tokens -----------------------------------------------------------------------------------------------

    def bootstrap_admin(self, *, days: float = 30, label: str = "") -> dict[str, str]:
        """Create the very first admin token; only the command line on the vault's machine calls this, never HTTP."""
        try:
            token_id, token = token_store.create_token(self.dir, Role.ADMIN, days=days, label=label, bootstrap=True)
        except FirewallError as error:
            self.audit.write(actor=LOCAL_OPERATOR, action="bootstrap_admin", outcome="refused", reason=error.title)
            raise
        self.audit.write(actor=LOCAL_OPERATOR, action="bootstrap_admin", outcome="ok", token=token_id, role="admin")
        return {"token_id": token_id, "token": token, "role": "admin"}

    def create_token(
        self, principal: Principal, role: str, *, org: str | None = None, days: float = 30, label: str = ""
    ) -> dict[str, str]:
        """Create a token (admin only; the first admin comes from `bootstrap_admin` on the command line)."""
        with self._audited(principal, "create_token") as extra:
            require(principal, "manage_tokens")
            if role not in {r.value for r in Role}:
                raise InvalidQuery(f"role must be one of {', '.join(r.value for r in Role)}")
            token_id, token = token_store.create_token(self.dir, role, org=org, days=days, label=label)
            extra.update(token=token_id, role=str(role), org=org)
        return {"token_id": token_id, "token": token, "role": str(role)}

    def revoke_token(self, principal: Principal, token_id: str) -> dict[str, str]:
        """Revoke a token (admin only)."""
        with self._audited(principal, "revoke_token") as extra:
            require(principal, "manage_tokens")
            if not isinstance(token_id, str) or not re.fullmatch(r"[0-9a-f]{12}", token_id):
                raise NotFound("no active token with that id")
            token_store.revoke_token(self.dir, token_id)
            extra.update(token=token_id)
        return {"token_id": token_id, "status": "revoked"}

    # --- rules and grants -------------------------------------------------------------------------------------

    def set_rules(self, principal: Principal, dataset_id: str, rules: dict[str, Any]) -> dict[str, Any]:
        """Set a dataset's disclosure rules (steward); rules may not be loosened after the first release."""
        with self._audited(principal, "set_rules") as extra:
            require(principal, "set_rules")
            check_dataset_id(dataset_id)
            extra["dataset"] = dataset_id
            try:
                new = DisclosureRules.model_validate(rules)
            except ValidationError as error:
                raise InvalidQuery(f"invalid rules: {explain(error)}") from None
            with connect(self.dir) as db:
                row = db.execute("SELECT * FROM datasets WHERE dataset_id = ?", (dataset_id,)).fetchone()
                if row is None:
                    db.execute(
                        "INSERT INTO datasets (dataset_id, rules_json, rules_version) VALUES (?, ?, 1)",
                        (dataset_id, new.model_dump_json()),
                    )
                    version = 1
                else:
                    old = DisclosureRules.model_validate_json(row["rules_json"])
                    why = new.loosens(old) if row["released"] else None
                    if why:
                        raise Conflict(f"dataset {dataset_id!r} has released aggregates: {why}")
                    version = row["rules_version"] + 1
                    db.execute(
                        "UPDATE datasets SET rules_json = ?, rules_version = ? WHERE dataset_id = ?",
                        (new.model_dump_json(), version, dataset_id),
                    )
                    db.execute("DELETE FROM frames WHERE dataset_id = ?", (dataset_id,))
            extra.update(rules_version=version, rule=new.describe())
        return {"dataset": dataset_id, "rules_version": version, "rules": new.model_dump(mode="json")}

    def get_rules(self, principal: Principal, dataset_id: str) -> dict[str, Any]:
        """A dataset's rules and privacy budget: the dataset's and the caller's own (any authenticated role)."""
        with self._audited(principal, "read_rules") as extra:
            require(principal, "read_rules")
            check_dataset_id(dataset_id)
            extra["dataset"] = dataset_id
            rules, version, released, spent = self._rules(dataset_id)
            with connect(self.dir) as db:
                mine = db.execute(
                    "SELECT COALESCE(SUM(epsilon), 0) FROM analyst_releases WHERE dataset_id = ? AND analyst = ?",
                    (dataset_id, principal.token_id or ""),
                ).fetchone()[0]
        return {
            "dataset": dataset_id,
            "rules_version": version,
            "released": released,
            "budget_spent": spent,
            "analyst_budget_spent": mine,
            "rules": rules.model_dump(mode="json"),
            "rule": rules.describe(),
        }

    def _rules(self, dataset_id: str) -> tuple[DisclosureRules, int, bool, float]:
        """A dataset's rules, version, released flag and privacy budget spent."""
        with connect(self.dir) as db:
            row = db.execute("SELECT * FROM datasets WHERE dataset_id = ?", (dataset_id,)).fetchone()
        if row is None:
            raise NotFound(f"no dataset {dataset_id!r}: a steward must first set its rules")
        return (
            DisclosureRules.model_validate_json(row["rules_json"]),
            row["rules_version"],
            bool(row["released"]),
            row["budget_spent"],
        )

    def grant(self, principal: Principal, dataset_id: str, org: str, kind: str = "contributor") -> dict[str, str]:
        """Let an organisation upload into a dataset, as its owner or as a co-contributor (steward)."""
        with self._audited(principal, "grant") as extra:
            require(principal, "grant")
            check_dataset_id(dataset_id)
            check_org(org)
            if kind not in GRANT_KINDS:
                raise InvalidQuery(f"kind must be one of {', '.join(GRANT_KINDS)}")
            extra.update(dataset=dataset_id, org=org, kind=kind)
            self._rules(dataset_id)
            with connect(self.dir) as db:
                owner = db.execute(
                    "SELECT org FROM grants WHERE dataset_id = ? AND kind = 'owner'", (dataset_id,)
                ).fetchone()
                if kind == "owner" and owner is not None and owner["org"] != org:
                    raise Conflict(f"dataset {dataset_id!r} already has an owner; revoke that grant first")
                db.execute(
                    "INSERT OR REPLACE INTO grants (dataset_id, org, kind, granted_at) VALUES (?, ?, ?, ?)",
                    (dataset_id, org, kind, iso(utc_now())),
                )
        return {"dataset": dataset_id, "org": org, "kind": kind}

    def revoke_grant(self, principal: Principal, dataset_id: str, org: str) -> dict[str, str]:
        """Stop an organisation uploading into a dataset (its uploads stay until it withdraws them) (steward)."""
        with self._audited(principal, "revoke_grant") as extra:
            require(principal, "grant")
            check_dataset_id(dataset_id)
            check_org(org)
            extra.update(dataset=dataset_id, org=org)
            with connect(self.dir) as db:
                if not db.execute("DELETE FROM grants WHERE dataset_id = ? AND org = ?", (dataset_id, org)).rowcount:
                    raise NotFound("no such grant")
        return {"dataset": dataset_id, "org": org, "status": "revoked"}

    def list_grants(self, principal: Principal, dataset_id: str) -> list[dict[str, str]]:
        """Which organisations may upload into a dataset (steward)."""
        with self._audited(principal, "list_grants") as extra:
            require(principal, "grant")
            check_dataset_id(dataset_id)
            extra["dataset"] = dataset_id
            with connect(self.dir) as db:
                rows = db.execute("SELECT * FROM grants WHERE dataset_id = ? ORDER BY org", (dataset_id,)).fetchall()
        return [
            {"dataset": r["dataset_id"], "org": r["org"], "kind": r["kind"], "granted_at": r["granted_at"]}
            for r in rows
        ]

    # --- uploads ----------------------------------------------------------------------------------------------

    def upload(self, principal: Principal, dataset_id: str, filename: str, data: bytes) -> dict[str, Any]:
        """Validate an upload and seal it with fresh cell keys; any fault rejects it whole, the vault unchanged."""
        with self._audited(principal, "upload") as extra:
            require(principal, "upload")
            check_dataset_id(dataset_id)
            extra["dataset"] = dataset_id
            rules = self._rules(dataset_id)[0]
            with connect(self.dir) as db:
                granted = db.execute(
                    "SELECT 1 FROM grants WHERE dataset_id = ? AND org = ?", (dataset_id, principal.org)
                ).fetchone()
            if granted is None:
                raise Forbidden(
                    f"your organisation may not upload into dataset {dataset_id!r}: it is neither its owner nor "
                    "granted by the steward"
                )
            parsed = parse_upload(filename, data, load_schema(rules.schema_id))
            upload_id = secrets.token_hex(8)
            record_keys = new_record_keys(len(parsed.rows), self._key_source)
            seal_records(
                self.key,
                self.records_dir,
                upload_id,
                f"{dataset_id}|{principal.org}",
                list(parsed.fields),
                list(parsed.rows),
                record_keys,
            )
            created = iso(utc_now())
            try:
                with connect(self.dir) as db:
                    db.execute(
                        "INSERT INTO uploads (upload_id, dataset_id, org, n_records, created_at, status) "
                        "VALUES (?, ?, ?, ?, ?, 'active')",
                        (upload_id, dataset_id, principal.org, len(parsed.rows), created),
                    )
            except BaseException:
                destroy_records(self.records_dir, upload_id)
                raise
            extra["upload"] = upload_id
        return {
            "upload_id": upload_id,
            "dataset": dataset_id,
            "org": principal.org,
            "records": len(parsed.rows),
            "status": "active",
            "created_at": created,
        }

    def list_uploads(self, principal: Principal) -> list[dict[str, Any]]:
        """Uploads as counts: a contributor sees only its own organisation's."""
        with self._audited(principal, "list_uploads") as extra:
            require(principal, "list_uploads")
            with connect(self.dir) as db:
                if principal.role is Role.CONTRIBUTOR:
                    rows = db.execute(
                        "SELECT * FROM uploads WHERE org = ? ORDER BY created_at, upload_id", (principal.org,)
                    ).fetchall()
                else:
                    rows = db.execute("SELECT * FROM uploads ORDER BY created_at, upload_id").fetchall()
            extra["listed"] = len(rows)
        return [self._upload_view(r) for r in rows]

    def get_upload(self, principal: Principal, upload_id: str) -> dict[str, Any]:
        """One upload's counts; another organisation's upload is reported as not found."""
        with self._audited(principal, "get_upload") as extra:
            require(principal, "list_uploads")
            row = self._find_upload(principal, upload_id)
            extra["upload"] = row["upload_id"]
        return self._upload_view(row)

    def _find_upload(self, principal: Principal, upload_id: str):
        """An upload the caller may see, or NotFound (never Forbidden, which would confirm it exists)."""
        if not isinstance(upload_id, str) or not re.fullmatch(r"[0-9a-f]{16}", upload_id):
            raise NotFound("no such upload")
        with connect(self.dir) as db:
            row = db.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        if row is None or (principal.role is Role.CONTRIBUTOR and row["org"] != principal.org):
            raise NotFound("no such upload among the uploads you may see")
        return row

    @staticmethod
    def _upload_view(row) -> dict[str, Any]:
        """What anyone ever sees of an upload: ids, counts, dates."""
        return {
            "upload_id": row["upload_id"],
            "dataset": row["dataset_id"],
            "org": row["org"],
            "records": row["n_records"],
            "status": row["status"],
            "created_at": row["created_at"],
        }

    def withdraw(self, principal: Principal, upload_id: str) -> dict[str, Any]:
        """Destroy an upload's records and every trace of it in the store, then rebuild or unpublish what used it."""
        with self._audited(principal, "withdraw") as extra:
            require(principal, "withdraw")
            row = self._find_upload(principal, upload_id)
            destroy_records(self.records_dir, upload_id)
            with connect(self.dir) as db:
                db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
                db.execute("DELETE FROM frames WHERE dataset_id = ?", (row["dataset_id"],))
                users = [
                    p
                    for p in db.execute("SELECT pub_id, uploads_json FROM publications").fetchall()
                    if upload_id in json.loads(p["uploads_json"])
                ]
                for pub in users:
                    remaining = [u for u in json.loads(pub["uploads_json"]) if u != upload_id]
                    db.execute(
                        "UPDATE publications SET uploads_json = ? WHERE pub_id = ?",
                        (json.dumps(remaining), pub["pub_id"]),
                    )
            rebuilt, unpublished = self._rebuild([p["pub_id"] for p in users])
            extra.update(upload=upload_id, dataset=row["dataset_id"], rebuilt=rebuilt, unpublished=unpublished)
        return {
            "upload_id": upload_id,
            "status": "withdrawn",
            "records_destroyed": row["n_records"],
            "rebuilt": rebuilt,
            "unpublished": unpublished,
        }

    # --- aggregates -------------------------------------------------------------------------------------------

    def _active_uploads(self, dataset_id: str) -> list[Any]:
        """The dataset's uploads that still hold records."""
        with connect(self.dir) as db:
            return db.execute(
                "SELECT * FROM uploads WHERE dataset_id = ? AND status = 'active' ORDER BY upload_id", (dataset_id,)
            ).fetchall()

    def _records(self, uploads: list[Any]) -> list[KeyedRecord]:
        """Decrypt the given uploads into memory (never to disk), each record with its organisation and cell key."""
        records: list[KeyedRecord] = []
        for row in uploads:
            context = f"{row['dataset_id']}|{row['org']}"
            fields, rows, keys = open_records(self.key, self.records_dir, row["upload_id"], context)
            if keys is None:  # sealed before cell keys existed: draw them once and seal them with the records
                keys = new_record_keys(len(rows), self._key_source)
                seal_records(self.key, self.records_dir, row["upload_id"], context, fields, rows, keys)
            records.extend(
                KeyedRecord(dict(zip(fields, r, strict=False)), row["org"], k) for r, k in zip(rows, keys, strict=False)
            )
        return records

    def _data_version(self, uploads: list[Any]) -> str:
        """A keyed name for the set of uploads a frame is built from."""
        joined = ",".join(r["upload_id"] for r in uploads).encode()
        return hmac.new(self._identity_key, joined, hashlib.sha256).hexdigest()[:32]

    def _frame(self, dataset_id: str, analyst: str | None) -> tuple[dict[str, Any], DisclosureRules, list[Any]]:
        """The dataset's protected release frame for its current records and rules (built once, then cached)."""
        # In dp mode a new release spends epsilon from the dataset's budget, and every analyst who sees it for the first
        # time spends epsilon from their own budget (publication rebuilds, analyst None, charge the dataset only).
        rules, version, _, _ = self._rules(dataset_id)
        uploads = self._active_uploads(dataset_id)
        if not uploads:
            raise NotFound(f"dataset {dataset_id!r} holds no records")
        frame_key = f"{self._data_version(uploads)}:{version}"
        dp = rules.mode == "dp"
        with connect(self.dir) as db:
            cached = db.execute(
                "SELECT frame_json FROM frames WHERE dataset_id = ? AND frame_key = ?", (dataset_id, frame_key)
            ).fetchone()
            frame = json.loads(cached[0]) if cached is not None else None
            # An analyst is charged per noisy release seen: a version rebuilt after its cache was dropped is new.
            release = frame.get("release") if frame is not None else None
            seen = (
                analyst is None
                or not dp
                or (
                    release is not None
                    and db.execute(
                        "SELECT 1 FROM analyst_releases WHERE dataset_id = ? AND analyst = ? AND release_id = ?",
                        (dataset_id, analyst, release),
                    ).fetchone()
                    is not None
                )
            )
            if not seen:
                mine = db.execute(
                    "SELECT COALESCE(SUM(epsilon), 0) FROM analyst_releases WHERE dataset_id = ? AND analyst = ?",
                    (dataset_id, analyst),
                ).fetchone()[0]
                if mine + rules.epsilon > rules.per_analyst + 1e-9:
                    raise BudgetExhausted(
                        f"your privacy budget on dataset {dataset_id!r} is spent ({mine:g} of "
                        f"{rules.per_analyst:g}); releases you have already seen stay available"
                    )
            if frame is None:
                spent = db.execute("SELECT budget_spent FROM datasets WHERE dataset_id = ?", (dataset_id,)).fetchone()[
                    0
                ]
                if dp and spent + rules.epsilon > rules.budget + 1e-9:
                    raise BudgetExhausted(
                        f"the privacy budget of dataset {dataset_id!r} is spent ({spent:g} of {rules.budget:g}); "
                        "no further releases of changed data are possible"
                    )
                frame = {
                    **build_frame(load_schema(rules.schema_id), rules, self._records(uploads)),
                    "release": secrets.token_hex(8),
                }
                if dp:
                    db.execute(
                        "UPDATE datasets SET budget_spent = budget_spent + ? WHERE dataset_id = ?",
                        (rules.epsilon, dataset_id),
                    )
                db.execute("DELETE FROM frames WHERE dataset_id = ?", (dataset_id,))
                db.execute(
                    "INSERT INTO frames (dataset_id, frame_key, frame_json) VALUES (?, ?, ?)",
                    (dataset_id, frame_key, json.dumps(frame)),
                )
            if not seen:
                db.execute(
                    "INSERT INTO analyst_releases (dataset_id, analyst, release_id, epsilon) VALUES (?, ?, ?, ?)",
                    (dataset_id, analyst, frame["release"], rules.epsilon),
                )
        return frame, rules, uploads

    def _answer(
        self, dataset_id: str, spec: QuerySpec, analyst: str | None
    ) -> tuple[dict[str, Any], DisclosureRules, list[Any]]:
        """Answer a validated query as a slice of the protected frame."""
        check_dataset_id(dataset_id)
        rules = self._rules(dataset_id)[0]
        dims = rules.dimensions
        for name in (*spec.by, *spec.filters):
            if name not in dims:
                raise InvalidQuery(
                    f"{shown(name)} is not a released dimension of dataset {dataset_id!r} (released: {', '.join(dims)})"
                )
        if len(set(spec.by)) != len(spec.by) or set(spec.by) & set(spec.filters):
            raise InvalidQuery("a dimension may appear once, either in 'by' or in 'filters'")
        frame, rules, uploads = self._frame(dataset_id, analyst)
        filters = {}
        schema = load_schema(rules.schema_id)
        for name, raw in spec.filters.items():
            kind = schema.fields[name].type
            value = raw.strip().lower() if kind == "enum" else raw.strip().upper() if kind == "code" else raw.strip()
            if value not in frame["categories"][name] or value == TOTAL:
                raise InvalidQuery(
                    f"filter {name!r}: not a published category of this dataset "
                    f"(published: {', '.join(frame['categories'][name])}; rare values are pooled)"
                )
            filters[name] = value
        cells = slice_frame(frame, [d for d in dims if d in spec.by], filters)
        with connect(self.dir) as db:
            db.execute("UPDATE datasets SET released = 1 WHERE dataset_id = ?", (dataset_id,))
        answer = {
            "dataset": dataset_id,
            "by": [d for d in dims if d in spec.by],
            "filters": filters,
            "mode": rules.mode,
            "rule": frame["rule"],
            "cells": cells,
        }
        return answer, rules, uploads

    def _released(self, answer: dict[str, Any]) -> dict[str, Any]:
        """What the audit log records of a release: query shape, cell counts and a keyed digest of the values."""
        hidden = sum(1 for c in answer["cells"] if c["suppressed"])
        return {
            "query": {"by": answer["by"], "filters": answer["filters"]},
            "released": {
                "cells": len(answer["cells"]),
                "suppressed": hidden,
                "hmac": self.audit.digest(answer["cells"]),
            },
        }

    @staticmethod
    def _spec(by: Any, filters: Any) -> QuerySpec:
        """A validated query."""
        try:
            return QuerySpec.model_validate({"by": by or (), "filters": filters or {}})
        except ValidationError as error:
            raise InvalidQuery(f"invalid query: {explain(error)}") from None

    def aggregate(self, principal: Principal, dataset_id: str, by: Any = (), filters: Any = None) -> dict[str, Any]:
        """A disclosure-controlled aggregate (researcher, steward)."""
        with self._audited(principal, "aggregate") as extra:
            require(principal, "aggregate")
            check_dataset_id(dataset_id)
            extra["dataset"] = dataset_id
            answer = self._answer(dataset_id, self._spec(by, filters), principal.token_id or "")[0]
            extra.update(self._released(answer))
        return answer

    # --- publications -----------------------------------------------------------------------------------------

    def publish(
        self,
        principal: Principal,
        dataset_id: str,
        pub_id: str,
        *,
        by: Any = (),
        filters: Any = None,
        title: str = "",
        licence: str = "CC-BY-4.0",
        citation: str = "",
        url_main: str = "",
    ) -> dict[str, Any]:
        """Publish an approved aggregate as a contributed dataset for the next warehouse release (steward)."""
        with self._audited(principal, "publish") as extra:
            require(principal, "publish")
            check_dataset_id(dataset_id)
            check_publication_id(pub_id)
            extra.update(dataset=dataset_id, publication=pub_id)
            spec = self._spec(by, filters)
            check_publishable(spec.by, spec.filters)
            texts = {
                "title": (title, 200),
                "licence": (licence, 80),
                "citation": (citation, 500),
                "url_main": (url_main, 300),
            }
            meta: dict[str, Any] = {
                name: check_publication_text(name, text, limit) for name, (text, limit) in texts.items()
            }
            with connect(self.dir) as db:
                existing = db.execute("SELECT status FROM publications WHERE pub_id = ?", (pub_id,)).fetchone()
            if existing is not None and existing["status"] == "published":
                raise Conflict(f"publication {pub_id!r} exists; unpublish it first or choose another id")
            meta.update(dataset_id=dataset_id, spec=spec.model_dump(mode="json"))
            answer, uploads = self._write_publication(pub_id, meta, version=1, analyst=principal.token_id or "")
            with connect(self.dir) as db:
                db.execute(
                    "INSERT OR REPLACE INTO publications (pub_id, dataset_id, spec_json, uploads_json, title, "
                    "licence, citation, "
                    "url_main, version, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'published')",
                    (
                        pub_id,
                        dataset_id,
                        json.dumps(meta["spec"]),
                        json.dumps(uploads),
                        meta["title"],
                        meta["licence"],
                        meta["citation"],
                        meta["url_main"],
                        iso(utc_now()),
                    ),
                )
            extra.update(self._released(answer))
        return {
            "publication": pub_id,
            "dataset": dataset_id,
            "version": 1,
            "cells": len(answer["cells"]),
            "suppressed": sum(1 for c in answer["cells"] if c["suppressed"]),
            "path": str(self.settings.home / "contributed" / pub_id),
        }

    def _write_publication(
        self, pub_id: str, meta: dict[str, Any], version: int, analyst: str | None
    ) -> tuple[dict[str, Any], list[str]]:
        (
            """Answer the publication's query on the current records and write its folder; refuse if nothing can be """
            """shown."""
        )
        spec = QuerySpec.model_validate(meta["spec"])
        answer, rules, uploads = self._answer(meta["dataset_id"], spec, analyst)
        if all(c["suppressed"] for c in answer["cells"]):
            raise Conflict("every cell of this aggregate is suppressed; nothing can be published")
        schema = load_schema(rules.schema_id)
        orgs = ", ".join(sorted({u["org"] for u in uploads}))
        title = meta["title"] or rules.title or f"{schema.title} ({rules.country}, {rules.year})"
        dataset_json = {
            "id": pub_id,
            "publisher": orgs,
            "title": title,
            "version_producer": str(version),
            "licence": meta["licence"] or "CC-BY-4.0",
            "citation": meta["citation"]
            or f"{orgs} ({rules.year}). {title}. Contributed to the Migration Observatory, disclosure-controlled.",
            "url_main": meta["url_main"],
            "date_published": date.today().isoformat(),
            "note": f"contributed by {orgs}, disclosure-controlled ({rules.describe()})",
            "measures": [schema.measure.model_dump()],
        }
        rows = canonical_rows(pub_id, schema, rules, answer["filters"], answer["cells"])
        write_contributed(self.settings, pub_id, dataset_json, rows)
        return answer, [u["upload_id"] for u in uploads]

    def unpublish(self, principal: Principal, pub_id: str) -> dict[str, Any]:
        """Remove a publication (steward)."""
        with self._audited(principal, "unpublish") as extra:
            require(principal, "publish")
            check_publication_id(pub_id)
            extra["publication"] = pub_id
            self._unpublish(pub_id)
        return {"publication": pub_id, "status": "unpublished"}

    def _unpublish(self, pub_id: str) -> None:
        """Delete a publication's folder and mark it unpublished (it keeps no upload ids)."""
        with connect(self.dir) as db:
            changed = db.execute(
                "UPDATE publications SET status = 'unpublished', uploads_json = '[]' WHERE pub_id = ? "
                "AND status = 'published'",
                (pub_id,),
            ).rowcount
        if not changed:
            raise NotFound(f"no published dataset {pub_id!r}")
        remove_contributed(self.settings, pub_id)

    def list_publications(self, principal: Principal) -> list[dict[str, Any]]:
        """Published contributed datasets (anyone)."""
        with self._audited(principal, "list_publications"):
            require(principal, "list_publications")
            with connect(self.dir) as db:
                rows = db.execute("SELECT * FROM publications WHERE status = 'published' ORDER BY pub_id").fetchall()
        return [
            {"publication": r["pub_id"], "dataset": r["dataset_id"], "title": r["title"], "version": r["version"]}
            for r in rows
        ]

    def _rebuild(self, pub_ids: list[str]) -> tuple[list[str], list[str]]:
        """Rebuild each publication on the remaining records, or unpublish it if it can no longer be built."""
        rebuilt, unpublished = [], []
        for pub_id in pub_ids:
            with connect(self.dir) as db:
                row = db.execute(
                    "SELECT * FROM publications WHERE pub_id = ? AND status = 'published'", (pub_id,)
                ).fetchone()
            if row is None:
                continue
            meta = {
                "dataset_id": row["dataset_id"],
                "spec": json.loads(row["spec_json"]),
                "title": row["title"],
                "licence": row["licence"],
                "citation": row["citation"],
                "url_main": row["url_main"],
            }
            try:
                _, uploads = self._write_publication(pub_id, meta, version=row["version"] + 1, analyst=None)
            except FirewallError:
                self._unpublish(pub_id)
                unpublished.append(pub_id)
                continue
            with connect(self.dir) as db:
                db.execute(
                    "UPDATE publications SET version = ?, uploads_json = ? WHERE pub_id = ?",
                    (row["version"] + 1, json.dumps(uploads), pub_id),
                )
            rebuilt.append(pub_id)
        return rebuilt, unpublished
