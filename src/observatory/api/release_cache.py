"""The current release as seen by the server: the CURRENT pointer is stat-ed per request, results are cached per
release id in a memo bounded in bytes."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb

from observatory.api.byte_cache import MISSING, ByteLRU
from observatory.settings import Settings
from observatory.warehouse import releases

T = TypeVar("T")
# Per open release (KEEP_OPEN at most). The full release's shared tables take ~80 MiB (corridor stock rows alone
# ~60 MiB), so they fit beside many per-request results; a result over MEMO_ENTRY_BYTES is computed per request instead.
MEMO_BYTES = 256 * 2**20
MEMO_ENTRY_BYTES = 128 * 2**20
KEEP_OPEN = 2


@dataclass
class ReleaseHandle:
    """One open, read-only release with a bounded memo of computed results."""

    release_id: str
    path: Path
    connection: duckdb.DuckDBPyConnection
    memo_bytes: int = MEMO_BYTES
    memo_entry_bytes: int = MEMO_ENTRY_BYTES
    _memo: ByteLRU | None = field(default=None, repr=False)
    # Set once by the background pass (observatory.api.precompute.ReleaseDigest): what every page needs, per release.
    digest: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._memo is None:
            self._memo = ByteLRU(self.memo_bytes, self.memo_entry_bytes)

    @property
    def memo_size_bytes(self) -> int:
        """Estimated bytes the memo holds now."""
        return cast(ByteLRU, self._memo).bytes

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        """Rows of one query as dicts, on a private cursor (connections are not thread-safe)."""
        cursor = self.connection.cursor()
        try:
            result = cursor.execute(sql, list(params))
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """The cached result for key in this release, computed once while it fits the budget (releases never change)."""
        value = cast(ByteLRU, self._memo).get(key)
        if value is MISSING:
            value = compute()
            cast(ByteLRU, self._memo).put(key, value)
        return value

    def peek(self, key: Any) -> Any:
        """The cached value for key, or None (never computes)."""
        value = cast(ByteLRU, self._memo).get(key)
        return None if value is MISSING else value

    def close(self) -> None:
        """Close the connection (after the release stopped being current)."""
        self.connection.close()


class ReleaseRegistry:
    """Resolves the current release cheaply: re-reads CURRENT only when its stat changes."""

    def __init__(self, settings: Settings, on_open: Callable[[ReleaseHandle], None] | None = None):
        self.settings = settings
        self.on_open = on_open  # told of every release opened (the precompute pass starts there)
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._current: ReleaseHandle | None = None
        self._handles: OrderedDict[str, ReleaseHandle] = OrderedDict()

    def _pointer_signature(self) -> tuple | None:
        try:
            stat = os.stat(self.settings.releases_dir / releases.CURRENT_FILE)
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def current(self) -> ReleaseHandle:
        """The handle of the current release; raises releases.ReleaseError when there is none."""
        signature = self._pointer_signature()
        current = self._current
        if signature is not None and signature == self._signature and current is not None:
            return current
        with self._lock:
            release = releases.require_current(self.settings)
            handle = self._handles.get(release.release_id)
            opened = handle is None
            if handle is None:
                handle = ReleaseHandle(release.release_id, release.path, releases.open_read_only(release.path))
                self._handles[release.release_id] = handle
                while len(self._handles) > KEEP_OPEN:
                    _, old = self._handles.popitem(last=False)
                    old.close()
            else:
                self._handles.move_to_end(release.release_id)
            self._current, self._signature = handle, signature
        if opened and self.on_open is not None:
            self.on_open(handle)
        return handle

    def close(self) -> None:
        """Close every open release."""
        with self._lock:
            for handle in self._handles.values():
                handle.close()
            self._handles.clear()
            self._current = None
            self._signature = None
