"""Errors of the firewall; each carries an HTTP status and a problem title, never a record value."""

from __future__ import annotations


class FirewallError(Exception):
    """Base error: a refusal with a clear message that names fields, never their values."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class UploadRejected(FirewallError):
    """An upload refused whole; the vault is unchanged.

    The detail names the row, the column by position and, for declared columns only, the column's name: never a
    cell value, a header the schema does not declare, or the file name (any of which can name a person).
    """

    status = 422
    title = "Upload rejected"

    def __init__(
        self,
        detail: str,
        *,
        row: int | None = None,
        column: int | None = None,
        field: str | None = None,
        file: str | None = None,
    ):
        # `file` is accepted so that existing callers keep working, and dropped: a file name can name a person.
        where = ", ".join(
            part
            for part in (
                f"row {row}" if row else "",
                f"field {field!r}" if field else "",
                f"column {column}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {detail}" if where else detail)
        self.message, self.row, self.column, self.field = detail, row, column, field


class UploadTooLarge(UploadRejected):
    """An upload over the declared size limit."""

    status = 413
    title = "Upload too large"


class UploadBusy(FirewallError):
    """Every upload worker is busy: the upload was not read; try again later."""

    status = 503
    title = "Upload workers busy"


class InvalidQuery(FirewallError):
    """An aggregate request that names unknown dimensions or values."""

    status = 422
    title = "Invalid query"


class Unauthenticated(FirewallError):
    """A missing, forged, expired or revoked token."""

    status = 401
    title = "Unauthenticated"


class Forbidden(FirewallError):
    """A valid token whose role may not do this."""

    status = 403
    title = "Forbidden"


class NotFound(FirewallError):
    """Something that does not exist, or that the caller may not know exists."""

    status = 404
    title = "Not found"


class Conflict(FirewallError):
    """A request that conflicts with the vault's state (e.g. frozen rules)."""

    status = 409
    title = "Conflict"


class BudgetExhausted(FirewallError):
    """The dataset's privacy budget is spent: no further noisy releases."""

    status = 429
    title = "Privacy budget exhausted"


class VaultKeyError(FirewallError):
    """The vault key is missing, unsafe or inside the project: the vault refuses to start."""

    status = 503
    title = "Vault unavailable"
