"""The one typed settings object; read from the environment only when asked."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the observatory keeps its files and how it serves them."""

    model_config = SettingsConfigDict(env_prefix="OBSERVATORY_", frozen=True)

    home: Path = Field(Path("var"), description="Folder for the download cache, releases, vault and evidence store.")
    mirror: Path | None = Field(
        None, description="Local folder laid out like the cache (<source>/<file>), used instead of downloading."
    )
    keep_releases: int = Field(5, ge=1, description="How many warehouse releases to keep on disk.")
    host: str = Field("127.0.0.1", description="Address the portal listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the portal listens on.")
    download_retries: int = Field(4, ge=0)
    download_timeout: float = Field(60.0, gt=0)
    vault_key_file: Path | None = Field(None, description="Key of the sealed vault; kept outside the project folder.")
    precompute_documents: bool = Field(
        True,
        description="After the per-release pass, make every area's full profile document in a low-priority child "
        "process (minutes of CPU per release and evidence change; pages compute their own until it is done).",
    )

    @cached_property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @cached_property
    def releases_dir(self) -> Path:
        return self.home / "releases"

    @cached_property
    def vault_dir(self) -> Path:
        return self.home / "vault"

    @cached_property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    def raw_dir(self) -> Path:
        """Where raw source files are read from: the mirror if one is set, else the download cache."""
        return self.mirror if self.mirror is not None else self.cache_dir


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags) taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
