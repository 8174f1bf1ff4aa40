"""Command line of the vault (`observatory vault ...`) and of tokens (`observatory token ...`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from observatory.firewall.errors import FirewallError
from observatory.firewall.keys import create_vault_key
from observatory.firewall.tokens import Principal
from observatory.firewall.vault import Vault
from observatory.settings import get_settings

vault_app = typer.Typer(
    help="Sealed vault of sensitive case-level contributions; only disclosure-controlled aggregates leave it.",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Bearer tokens of the vault (roles: public, researcher, contributor, steward, admin).", no_args_is_help=True
)

Token = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="OBSERVATORY_TOKEN", show_envvar=True, help="Bearer token (or set OBSERVATORY_TOKEN)."
    ),
]
Filters = Annotated[list[str] | None, typer.Option("--filter", help="Equality filter DIMENSION=VALUE; repeatable.")]
By = Annotated[str, typer.Option("--by", help="Comma-separated breakdown dimensions.")]


def _fail(error: FirewallError) -> None:
    """Print a refusal and exit non-zero."""
    typer.echo(f"error ({error.title.lower()}): {error.detail}", err=True)
    raise typer.Exit(2 if error.status in (401, 403) else 1)


def _session(token: str | None) -> tuple[Vault, Principal]:
    """Open the vault and authenticate the caller."""
    vault = Vault(get_settings())
    return vault, vault.authenticate(token)


def _print(data: Any) -> None:
    """Print a result as JSON."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _split(by: str) -> list[str]:
    """Split a comma-separated list."""
    return [part.strip() for part in by.split(",") if part.strip()]


def _filters(items: list[str] | None) -> dict[str, str]:
    """Parse DIMENSION=VALUE filters."""
    result = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter("filters look like DIMENSION=VALUE", param_hint="--filter")
        result[name.strip()] = value.strip()
    return result


@vault_app.command("init-key", epilog="Example: observatory vault init-key /etc/observatory/vault.key")
def init_key(
    key_file: Annotated[Path, typer.Argument(help="Where to write the key; must lie outside the project.")],
) -> None:
    """Create a new vault key outside the project folder (never overwrites)."""
    try:
        path = create_vault_key(get_settings(), key_file)
    except FirewallError as error:
        _fail(error)
    typer.echo(f"vault key written to {path}; set OBSERVATORY_VAULT_KEY_FILE={path}")


@vault_app.command(
    "upload",
    epilog="Example: observatory vault upload cases-2024.csv --dataset shelters-grc --token $OBSERVATORY_TOKEN",
)
def upload(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX file with one row per person.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset id the steward declared.")],
    token: Token = None,
) -> None:
    """Upload case-level records (contributor); direct identifiers and faulty files are refused whole."""
    try:
        vault, who = _session(token)
        if not file.is_file():
            typer.echo(f"error: no file {file.name!r}", err=True)
            raise typer.Exit(1)
        _print(vault.upload(who, dataset, file.name, file.read_bytes()))
    except FirewallError as error:
        _fail(error)


@vault_app.command("list", epilog="Example: observatory vault list --token $OBSERVATORY_TOKEN")
def list_uploads(token: Token = None) -> None:
    """List uploads as counts (a contributor sees only its own)."""
    try:
        vault, who = _session(token)
        _print(vault.list_uploads(who))
    except FirewallError as error:
        _fail(error)


@vault_app.command("withdraw", epilog="Example: observatory vault withdraw 3f9c0a1b2c3d4e5f --token $OBSERVATORY_TOKEN")
def withdraw(
    upload_id: Annotated[str, typer.Argument(help="Id printed by upload or list.")], token: Token = None
) -> None:
    """Withdraw an upload: destroy its records and rebuild (or unpublish) aggregates built from it."""
    try:
        vault, who = _session(token)
        _print(vault.withdraw(who, upload_id))
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "aggregate",
    epilog="Example: observatory vault aggregate shelters-grc --by nationality,sex --filter service=legal_aid",
)
def aggregate(
    dataset: Annotated[str, typer.Argument(help="Dataset id.")],
    by: By = "",
    filters: Filters = None,
    token: Token = None,
) -> None:
    """Print a disclosure-controlled aggregate (researcher, steward); suppressed cells show null."""
    try:
        vault, who = _session(token)
        _print(vault.aggregate(who, dataset, by=_split(by), filters=_filters(filters)))
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "publish",
    epilog="Example: observatory vault publish shelters-grc --id shelters-grc-2024 --by nationality,sex --title "
    "'People served'",
)
def publish(
    dataset: Annotated[str, typer.Argument(help="Dataset id.")],
    pub_id: Annotated[str, typer.Option("--id", help="Id of the contributed dataset to write.")],
    by: By = "",
    filters: Filters = None,
    title: str = "",
    licence: str = "CC-BY-4.0",
    citation: str = "",
    url: Annotated[str, typer.Option("--url", help="Main URL of the contributor (may be empty).")] = "",
    token: Token = None,
) -> None:
    """Publish an approved aggregate for the next warehouse release (steward)."""
    try:
        vault, who = _session(token)
        _print(
            vault.publish(
                who,
                dataset,
                pub_id,
                by=_split(by),
                filters=_filters(filters),
                title=title,
                licence=licence,
                citation=citation,
                url_main=url,
            )
        )
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "unpublish", epilog="Example: observatory vault unpublish shelters-grc-2024 --token $OBSERVATORY_TOKEN"
)
def unpublish(pub_id: Annotated[str, typer.Argument(help="Publication id.")], token: Token = None) -> None:
    """Remove a published contributed dataset (steward)."""
    try:
        vault, who = _session(token)
        _print(vault.unpublish(who, pub_id))
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "set-rules",
    epilog="Example: observatory vault set-rules shelters-grc --country GRC --year 2024 --dims "
    "nationality,sex,legal_status --min-cell 10",
)
def set_rules(
    dataset: Annotated[str, typer.Argument(help="Dataset id (created if new).")],
    file: Annotated[Path | None, typer.Option("--file", help="YAML file with the rules; flags override it.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO3 of the records' country.")] = None,
    year: Annotated[int | None, typer.Option(help="Reference year.")] = None,
    dims: Annotated[str | None, typer.Option("--dims", help="Comma-separated release dimensions.")] = None,
    min_cell: Annotated[int | None, typer.Option(help="Minimum cell size.")] = None,
    rounding: Annotated[int | None, typer.Option(help="Rounding base.")] = None,
    max_dims: Annotated[int | None, typer.Option(help="Most dimensions combined.")] = None,
    mode: Annotated[str | None, typer.Option(help="suppression or dp.")] = None,
    epsilon: Annotated[float | None, typer.Option(help="Privacy loss per release (dp).")] = None,
    budget: Annotated[float | None, typer.Option(help="Total privacy budget (dp).")] = None,
    token: Token = None,
) -> None:
    """Set a dataset's disclosure rules (steward); they cannot be loosened after the first release."""
    rules: dict[str, Any] = yaml.safe_load(file.read_text(encoding="utf-8")) if file else {}
    flags = {
        "country": country,
        "year": year,
        "dimensions": _split(dims) if dims else None,
        "min_cell": min_cell,
        "rounding_base": rounding,
        "max_dimensions": max_dims,
        "mode": mode,
        "epsilon": epsilon,
        "budget": budget,
    }
    rules.update({k: v for k, v in flags.items() if v is not None})
    try:
        vault, who = _session(token)
        _print(vault.set_rules(who, dataset, rules))
    except FirewallError as error:
        _fail(error)


@vault_app.command("show-rules", epilog="Example: observatory vault show-rules shelters-grc --token $OBSERVATORY_TOKEN")
def show_rules(dataset: Annotated[str, typer.Argument(help="Dataset id.")], token: Token = None) -> None:
    """Show a dataset's disclosure rules and privacy budget spent."""
    try:
        vault, who = _session(token)
        _print(vault.get_rules(who, dataset))
    except FirewallError as error:
        _fail(error)


@vault_app.command("publications", epilog="Example: observatory vault publications")
def publications(token: Token = None) -> None:
    """List published contributed datasets (public)."""
    try:
        vault, who = _session(token)
        _print(vault.list_publications(who))
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "grant", epilog="Example: observatory vault grant shelters-grc --org shelter-a --owner --token $STEWARD"
)
def grant(
    dataset: Annotated[str, typer.Argument(help="Dataset id.")],
    org: Annotated[str, typer.Option("--org", help="Organisation that may upload into the dataset.")],
    owner: Annotated[bool, typer.Option("--owner", help="Grant as the dataset's owner (one per dataset).")] = False,
    token: Token = None,
) -> None:
    """Let an organisation upload into a dataset, as owner or co-contributor (steward)."""
    try:
        vault, who = _session(token)
        _print(vault.grant(who, dataset, org, "owner" if owner else "contributor"))
    except FirewallError as error:
        _fail(error)


@vault_app.command(
    "revoke-grant", epilog="Example: observatory vault revoke-grant shelters-grc --org clinic-b --token $STEWARD"
)
def revoke_grant(
    dataset: Annotated[str, typer.Argument(help="Dataset id.")],
    org: Annotated[str, typer.Option("--org", help="Organisation to stop.")],
    token: Token = None,
) -> None:
    """Stop an organisation uploading into a dataset; its uploads stay until it withdraws them (steward)."""
    try:
        vault, who = _session(token)
        _print(vault.revoke_grant(who, dataset, org))
    except FirewallError as error:
        _fail(error)


@vault_app.command("grants", epilog="Example: observatory vault grants shelters-grc --token $STEWARD")
def grants(dataset: Annotated[str, typer.Argument(help="Dataset id.")], token: Token = None) -> None:
    """List the organisations that may upload into a dataset (steward)."""
    try:
        vault, who = _session(token)
        _print(vault.list_grants(who, dataset))
    except FirewallError as error:
        _fail(error)


@vault_app.command("verify-audit", epilog="Example: observatory vault verify-audit")
def verify(_token: Token = None) -> None:
    """Check the audit log's HMAC chain against its signed checkpoint, then sign a new checkpoint."""
    try:
        vault = Vault(get_settings())
        count = vault.verify_audit()
    except FirewallError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"audit log intact: {count} entries; checkpoint signed at {vault.audit.checkpoint_file}")
    for name in vault.audit.legacy_logs():
        typer.echo(
            f"note: {name} is an unkeyed log of an earlier version; it may quote refused input: review and destroy it"
        )


@token_app.command(
    "create",
    epilog="Example: observatory token create --role contributor --org shelter-a --days 90 --token $ADMIN_TOKEN",
)
def create(
    role: Annotated[str, typer.Option("--role", help="public, researcher, contributor, steward or admin.")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation (required for contributors).")] = None,
    days: Annotated[float, typer.Option("--days", help="Days until the token expires.")] = 30,
    label: Annotated[str, typer.Option("--label", help="Note about who holds it.")] = "",
    token: Token = None,
) -> None:
    """Create a token (admin). Without --token on an empty vault: the first admin (only here, never over HTTP)."""
    try:
        if token is None and role == "admin":
            _print(Vault(get_settings()).bootstrap_admin(days=days, label=label))
            return
        vault, who = _session(token)
        _print(vault.create_token(who, role, org=org, days=days, label=label))
    except FirewallError as error:
        _fail(error)


@token_app.command("revoke", epilog="Example: observatory token revoke 0a1b2c3d4e5f --token $ADMIN_TOKEN")
def revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (the 12 hex digits after 'obs_').")], token: Token = None
) -> None:
    """Revoke a token at once (admin)."""
    try:
        vault, who = _session(token)
        _print(vault.revoke_token(who, token_id))
    except FirewallError as error:
        _fail(error)


if __name__ == "__main__":  # pragma: no cover
    vault_app(sys.argv[1:])
