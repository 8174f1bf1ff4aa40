"""A least-recently-used map bounded by the estimated bytes of what it holds, not by its number of entries."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from types import FunctionType, MethodType, ModuleType
from typing import Any

_LEAVES = (str, bytes, bytearray, memoryview, int, float, complex, bool, type(None))
_OPAQUE = (type, ModuleType, FunctionType, MethodType)
MISSING = object()


SAMPLE_ABOVE = 2_000  # containers with more items are estimated from an even sample of them
SAMPLE_SIZE = 400
MAX_DEPTH = 64


def estimate_bytes(value: Any) -> int:
    """Bytes held by value and what it references (containers, dataclasses, objects); large containers sampled."""
    return _estimate(value, set(), 0)


def _estimate(item: Any, seen: set[int], depth: int) -> int:
    """Estimated bytes of item not yet counted in seen."""
    if id(item) in seen or isinstance(item, _OPAQUE):  # shared code and types are not held by the cache
        return 0
    seen.add(id(item))
    size = sys.getsizeof(item, 64)
    if isinstance(item, _LEAVES) or depth >= MAX_DEPTH:
        return size
    children: list | tuple
    if isinstance(item, dict):
        keys = list(item)
        picked, scale = _sample(keys)
        children = [child for key in picked for child in (key, item[key])]
    elif isinstance(item, (list, tuple)):
        children, scale = _sample(item)
    elif isinstance(item, (set, frozenset)):
        children, scale = _sample(list(item))
    else:
        children = [vars(item)] if hasattr(item, "__dict__") else []
        children += [
            getattr(item, slot)
            for slot in getattr(type(item), "__slots__", ())
            if isinstance(slot, str) and hasattr(item, slot)
        ]
        scale = 1.0
    return size + int(scale * sum(_estimate(child, seen, depth + 1) for child in children))


def _sample(items: list | tuple) -> tuple[list | tuple, float]:
    """All items, or an even sample of a long sequence with the factor that scales its estimate up."""
    if len(items) <= SAMPLE_ABOVE:
        return items, 1.0
    step = len(items) / SAMPLE_SIZE
    return [items[int(i * step)] for i in range(SAMPLE_SIZE)], step


class ByteLRU:
    """Thread-safe LRU map whose estimated size stays within max_bytes; values over max_entry_bytes are not kept."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes if max_entry_bytes is None else min(max_entry_bytes, max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """Estimated bytes held now (keys and values)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = MISSING) -> Any:
        """The value for key (marked as recently used), or default."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int | None = None) -> bool:
        """Keep value under key, evicting least recently used entries to stay in budget; False when too large."""
        size = (estimate_bytes(value) if size is None else size) + estimate_bytes(key)
        if size > self.max_entry_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted
        return True

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
